//! The activity report: counts by triage outcome, reason and target group for a period, with
//! the published table's rows first; aggregates only, for coordinators and analysts.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::calendar::call;
use crate::reports_api::minimal;
use crate::support::TestApp;

pub async fn triaged(
    app: &mut TestApp,
    who: &crate::support::Who,
    group: &str,
    triage: Value,
    at: &str,
) {
    let mut body = minimal();
    body["target_group"] = json!(group);
    body["received_at"] = json!(at);
    let (s, v) = call(app, Some(who), Method::POST, "/api/v1/reports", &body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    if !triage.is_null() {
        let path = format!("/api/v1/reports/{}/triage", v["id"]);
        let (s, v) = call(app, Some(who), Method::POST, &path, &triage).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
}

#[tokio::test]
async fn the_activity_of_a_period_is_counted_like_the_published_table() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let analyst = app.sign_in("analista", &[]).await;
    let emergency = json!({"outcome": "emergenza", "rationale": "Pericolo", "criteria": ["pericolo_immediato"]});
    let urgency = json!({"outcome": "urgenza", "rationale": "Domani"});
    let not_ours = json!({"outcome": "non_pertinente", "not_pertinent_reason": "casistica",
        "redirected_to": "118", "rationale": "Sanitario"});
    // 1 July 2025 at 00:30 in Rome is still 30 June in UTC: it counts in July.
    triaged(
        &mut app,
        &desk,
        "msna",
        emergency.clone(),
        "2025-06-30T22:30:00Z",
    )
    .await;
    triaged(
        &mut app,
        &desk,
        "senza_dimora",
        emergency.clone(),
        "2025-07-10T20:00:00Z",
    )
    .await;
    triaged(
        &mut app,
        &desk,
        "grave_emarginazione",
        emergency,
        "2025-07-11T20:00:00Z",
    )
    .await;
    triaged(
        &mut app,
        &desk,
        "fragilita",
        urgency,
        "2025-07-12T20:00:00Z",
    )
    .await;
    triaged(&mut app, &desk, "altro", not_ours, "2025-07-13T20:00:00Z").await;
    triaged(
        &mut app,
        &desk,
        "altro",
        Value::Null,
        "2025-07-31T21:59:00Z",
    )
    .await;
    triaged(&mut app, &desk, "msna", Value::Null, "2025-07-31T22:00:00Z").await;
    let path = "/api/v1/stats/activity?from=2025-07-01&to=2025-07-31";
    let (s, a) = call(&mut app, Some(&analyst), Method::GET, path, &Value::Null).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(
        (
            a["reports"].as_u64(),
            a["not_pertinent"].as_u64(),
            a["urgencies"].as_u64(),
            a["emergencies"].as_u64(),
            a["untriaged"].as_u64()
        ),
        (Some(6), Some(1), Some(1), Some(3), Some(1)),
        "{a}"
    );
    assert_eq!(
        a["emergencies_by_target_group"]["msna"], "<5",
        "an analyst does not see small counts of a protected group"
    );
    assert_eq!(a["emergencies_by_target_group"]["senza_dimora"], 1);
    assert_eq!(a["emergencies_by_target_group"]["violenza_genere"], 0);
    assert_eq!(a["not_pertinent_by_reason"]["casistica"], 1);
    refusals_and_the_page(&mut app, &desk, &analyst, path).await;
    let reads = app.audited("read").await;
    assert!(reads.iter().any(|r| r.entry.record_type == "stats"));
}

/// Bad periods are refused naming the field; call-takers get no statistics; the page shows the
/// published rows first.
async fn refusals_and_the_page(
    app: &mut TestApp,
    desk: &crate::support::Who,
    analyst: &crate::support::Who,
    path: &str,
) {
    for (query, field) in [
        ("from=2025-07-01", "to"),
        ("from=luglio&to=2025-07-31", "from"),
        ("from=2025-08-01&to=2025-07-01", "to"),
    ] {
        let (s, v) = call(
            app,
            Some(analyst),
            Method::GET,
            &format!("/api/v1/stats/activity?{query}"),
            &Value::Null,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(v["error"]["fields"][field].is_string(), "{query}: {v}");
    }
    let (s, _) = call(app, Some(desk), Method::GET, path, &Value::Null).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "call-takers read cases, not statistics"
    );
    let page = app
        .get_as(analyst, "/statistiche?dal=2025-07-01&al=2025-07-31")
        .await
        .text();
    for label in [
        "Numero segnalazioni",
        "di cui:",
        "Non pertinenti per casistica o richiesta",
        "Valutate come urgenze",
        "Valutate come emergenza",
        "Emergenze che hanno riguardato:",
        "calamità o altri eventi emergenziali",
        "adulti in difficoltà e/o senza dimora",
        "minori stranieri non accompagnati",
    ] {
        assert!(page.contains(label), "{label}");
    }
    assert!(
        page.find("Numero segnalazioni").unwrap()
            < page.find("minori stranieri non accompagnati").unwrap()
    );
}

/// The published table's 86 reports of July 2023 – September 2025 as a historical CSV (`;`,
/// a BOM, a quoted description with a newline): 19 not pertinent, 17 urgencies, 50
/// emergencies of which 8 calamities, 7 adults or homeless, 21 MSNA.
pub fn seed_csv() -> String {
    use std::fmt::Write as _;
    let mut groups: Vec<(&str, &str, &str)> = Vec::new();
    groups.extend(std::iter::repeat_n(
        ("altro", "non_pertinente", "casistica"),
        12,
    ));
    groups.extend(std::iter::repeat_n(
        ("fragilita", "non_pertinente", "richiesta"),
        7,
    ));
    groups.extend(std::iter::repeat_n(("fragilita", "urgenza", ""), 17));
    for (group, n) in [
        ("emergenza_abitativa", 8),
        ("senza_dimora", 4),
        ("grave_emarginazione", 3),
        ("msna", 21),
        ("violenza_genere", 9),
        ("fragilita", 5),
    ] {
        groups.extend(std::iter::repeat_n((group, "emergenza", ""), n));
    }
    let mut csv = String::from(
        "\u{feff}received_at;municipality;channel;reporter_kind;target_group;outcome;not_pertinent_reason;description;persons\n",
    );
    for (i, (group, outcome, reason)) in groups.iter().enumerate() {
        // Spread over 26 months from July 2023, at 22:00 Rome time.
        let month = 7 + i % 26;
        let (year, month) = (2023 + (month - 1) / 12, (month - 1) % 12 + 1);
        let day = 1 + i % 28;
        let place = if i % 2 == 0 { "Rho" } else { "015182" };
        let _ = writeln!(
            csv,
            "{year}-{month:02}-{day:02} 22:00;{place};telefono;carabinieri;{group};{outcome};{reason};\"Caso {i};\nstorico\";1"
        );
    }
    csv
}

#[tokio::test]
async fn an_imported_history_reproduces_the_published_table_on_screen_and_in_the_api() {
    let mut app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let (added, known) = importing(&app, seed_csv()).await.unwrap();
    assert_eq!((added, known), (86, 0));
    let path = "/api/v1/stats/activity?from=2023-07-01&to=2025-09-30";
    let (s, a) = call(
        &mut app,
        Some(&coordinator),
        Method::GET,
        path,
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (
            a["reports"].as_u64(),
            a["not_pertinent"].as_u64(),
            a["urgencies"].as_u64(),
            a["emergencies"].as_u64()
        ),
        (Some(86), Some(19), Some(17), Some(50))
    );
    let by = &a["emergencies_by_target_group"];
    assert_eq!(by["emergenza_abitativa"].as_u64().unwrap(), 8);
    assert_eq!(
        by["senza_dimora"].as_u64().unwrap() + by["grave_emarginazione"].as_u64().unwrap(),
        7
    );
    assert_eq!(by["msna"], 21);
    let page = app
        .get_as(&coordinator, "/statistiche?dal=2023-07-01&al=2025-09-30")
        .await
        .text();
    let compact: String = page.split_whitespace().collect::<Vec<_>>().join(" ");
    for row in [
        "Numero segnalazioni</th><td class=\"text-end\">86",
        "Valutate come emergenza</th><td class=\"text-end\">50",
        "minori stranieri non accompagnati</th><td class=\"text-end\">21",
    ] {
        assert!(
            compact.contains(row),
            "{row}: {}",
            &compact[compact.find("<table").unwrap_or(0)..]
        );
    }
    let file = app
        .get_as(
            &coordinator,
            "/statistiche/dati.csv?dal=2023-07-01&al=2025-09-30",
        )
        .await;
    assert_eq!(file.header("content-type"), "text/csv; charset=utf-8");
    let text = file.text();
    assert!(
        text.starts_with('\u{feff}') && text.contains("\"Numero segnalazioni\";86\r\n"),
        "{text}"
    );
    assert!(
        app.audited("export")
            .await
            .iter()
            .any(|e| e.entry.section == "activity_csv")
    );
    // A broken file changes nothing and says where.
    let broken = seed_csv().replace("2024-03-", "2024-13-");
    let Err(presidio_app::stats::ImportFailure::Refused(errors)) = importing(&app, broken).await
    else {
        panic!("refused");
    };
    assert!(
        errors
            .iter()
            .all(|e| e.column == "received_at" && e.line > 1)
    );
    assert!(
        errors.windows(2).all(|w| w[0].line < w[1].line),
        "line numbers count quoted newlines"
    );
}

#[tokio::test]
async fn an_import_adds_each_row_once_and_numbers_without_gaps() {
    let app = TestApp::new().await;
    let import = |csv: String| importing(&app, csv);
    let first = import(seed_csv()).await.unwrap();
    assert_eq!(first, (86, 0));
    let again = import(seed_csv()).await.unwrap();
    assert_eq!(again, (0, 86), "the same file adds nothing");
    let twice = "received_at;municipality;channel;reporter_kind;target_group;outcome\n\
        2025-10-01 23:10;Rho;telefono;carabinieri;fragilita;urgenza\n\
        2025-10-01 23:10;Rho;telefono;carabinieri;fragilita;urgenza\n";
    let once = import(twice.to_owned()).await.unwrap();
    assert_eq!(once, (1, 1), "a row repeated in the file counts once");
    // Protocol numbers run from 1 without gaps in each year.
    let years = numbers_by_year(&app).await;
    assert_eq!(years.len(), 3, "{years:?}");
    assert!(years.iter().all(|&(_, n, last)| n == last), "{years:?}");
    assert_eq!(years.iter().map(|y| y.1).sum::<i64>(), 87);
}

/// Imports `csv` into every Ambito of the test database, as the page and the CLI do.
async fn importing(
    app: &TestApp,
    csv: String,
) -> Result<(usize, usize), presidio_app::stats::ImportFailure> {
    let ambiti: Vec<_> = app
        .t
        .db
        .list_ambiti()
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    let entry = presidio_domain::audit::Entry::new(
        presidio_db::now(),
        presidio_domain::audit::Action::Write,
    );
    presidio_app::stats::import(&app.state, &ambiti, csv.as_bytes(), false, &entry).await
}

/// (year, reports, highest protocol number) of every year with reports.
async fn numbers_by_year(app: &TestApp) -> Vec<(i64, i64, i64)> {
    let sql = "SELECT CAST(year AS BIGINT), COUNT(*), MAX(number) FROM reports
               GROUP BY year ORDER BY year";
    match &app.t.db {
        presidio_db::Db::Sqlite { read, .. } => sqlx::query_as(sql).fetch_all(read).await,
        presidio_db::Db::Postgres(pool) => sqlx::query_as(sql).fetch_all(pool).await,
    }
    .unwrap()
}

/// An upload form's body: the CSRF token, the file, and the dry-run box when asked.
fn upload(csrf: &str, csv: &str, dry_run: bool) -> (String, Vec<u8>) {
    use std::fmt::Write as _;
    let boundary = "PresidioUpload7";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"storico.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n"
    );
    if dry_run {
        let _ = write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\n1\r\n"
        );
    }
    let _ = write!(body, "--{boundary}--\r\n");
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

#[tokio::test]
async fn the_coordinator_uploads_the_history_from_the_page() {
    let app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let analyst = app.sign_in("analista", &[]).await;
    let send = |who: &crate::support::Who, csrf: &str, csv: &str, dry: bool| {
        let (kind, body) = upload(csrf, csv, dry);
        axum::http::Request::post("/statistiche/importa")
            .header("content-type", kind)
            .header("cookie", &who.cookie)
            .body(axum::body::Body::from(body))
            .unwrap()
    };
    let form = app.get_as(&coordinator, "/statistiche/importa").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains("enctype=\"multipart/form-data\""));
    let r = app
        .request(send(&coordinator, "sbagliato", &seed_csv(), false))
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "the CSRF token is checked in uploads too"
    );
    let broken = seed_csv().replacen(";telefono;", ";piccione;", 1);
    let r = app
        .request(send(&coordinator, &coordinator.csrf, &broken, false))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("Riga 2: channel: valore non previsto"),
        "{}",
        r.text()
    );
    let r = app
        .request(send(&coordinator, &coordinator.csrf, &seed_csv(), true))
        .await;
    assert!(r.text().contains("si importerebbero 86"), "{}", r.text());
    let r = app
        .request(send(&coordinator, &coordinator.csrf, &seed_csv(), false))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text().contains("Importate 86 segnalazioni"),
        "{}",
        r.text()
    );
    let r = app
        .request(send(&analyst, &analyst.csrf, &seed_csv(), false))
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "analysts read, they do not import"
    );
}

/// Periods are bounded (1 January 2000 to ten years ahead) for the statistics, the dashboard,
/// their exports and the budget, each refusal naming its field and saying what is expected.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn periods_are_bounded_from_2000_to_ten_years_ahead() {
    let app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    for path in [
        "/api/v1/stats/activity?from=0001-01-01&to=9999-12-31",
        "/api/v1/stats/dashboard?from=2020-01-01&to=9999-12-31",
    ] {
        let r = app.get_as(&coordinator, path).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            r.text()
        );
    }
    let r = app
        .get_as(
            &coordinator,
            "/api/v1/stats/activity?from=1999-12-31&to=2026-01-01",
        )
        .await;
    assert!(
        r.json()["error"]["fields"]["from"]
            .as_str()
            .unwrap()
            .contains("dal 1° gennaio 2000"),
        "{}",
        r.text()
    );
    let r = app
        .get_as(
            &coordinator,
            "/statistiche/cruscotto?from=0001-01-01&to=9999-12-31",
        )
        .await;
    assert!(
        r.body.len() < 1_000_000,
        "the page stays small: {}",
        r.body.len()
    );
    let mut app = app;
    let budget = |amount: &str, to: &str| json!({"amount": amount, "from": "2026-01-01", "to": to});
    let (s, v) = call(
        &mut app,
        Some(&coordinator),
        Method::PUT,
        "/api/v1/budget",
        &budget("89.572,80", "2999-12-31"),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"]["fields"]["to"].is_string(), "{v}");
    let (_, v) = call(
        &mut app,
        Some(&coordinator),
        Method::PUT,
        "/api/v1/budget",
        &budget("tanti", "2027-12-31"),
    )
    .await;
    assert!(
        v["error"]["fields"]["amount"]
            .as_str()
            .unwrap()
            .contains("un importo in euro"),
        "{v}"
    );
}
