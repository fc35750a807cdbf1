//! The planning dashboard: figures by month, municipality, reporter, target group and time
//! band from the running totals, response times from the lifecycle, bookings; small counts of
//! protected groups hidden from analysts; exports audited.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::calendar::call;
use crate::interventions::{bed_and_emergency, hold_and_confirm_a_bed, on_call, step};
use crate::stats::triaged;
use crate::support::{TestApp, Who};

fn emergency() -> Value {
    json!({"outcome": "emergenza", "rationale": "Pericolo", "criteria": ["pericolo_immediato"]})
}

/// Five reports of March and April 2026, one in each time band; two about unaccompanied
/// minors, one from Arese, one from a citizen.
async fn spring(app: &mut TestApp, desk: &Who) -> i64 {
    let urgency = json!({"outcome": "urgenza", "rationale": "Domani"});
    // Tuesday 3 March, 11:00 in Rome: a weekday's day.
    triaged(app, desk, "msna", emergency(), "2026-03-03T10:00:00Z").await;
    // 21:00 the same day: evening.
    triaged(app, desk, "msna", emergency(), "2026-03-03T20:00:00Z").await;
    // 02:00 on Wednesday: night.
    triaged(app, desk, "senza_dimora", urgency, "2026-03-04T01:00:00Z").await;
    // Saturday 7 March.
    let mut body = crate::reports_api::minimal();
    body["received_at"] = json!("2026-03-07T10:00:00Z");
    body["municipality"] = json!("015009");
    body["reporter"] = json!({"kind": "cittadino", "name": "Mario Bianchi"});
    let (s, v) = call(app, Some(desk), Method::POST, "/api/v1/reports", &body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // Easter Monday, 6 April 2026: a national holiday.
    triaged(app, desk, "fragilita", Value::Null, "2026-04-06T08:00:00Z").await;
    v["id"].as_i64().unwrap()
}

async fn figures(app: &mut TestApp, who: &Who, from: &str, to: &str) -> Value {
    let path = format!("/api/v1/stats/dashboard?from={from}&to={to}");
    let (s, v) = call(app, Some(who), Method::GET, &path, &Value::Null).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

#[tokio::test]
async fn the_dashboard_counts_months_places_reporters_groups_and_time_bands() {
    let mut app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let saturday = spring(&mut app, &desk).await;
    let d = figures(&mut app, &coordinator, "2026-03-01", "2026-04-30").await;
    assert_eq!(d["suppressed"], false);
    let months: Vec<(String, u64, u64)> = d["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["month"].as_str().unwrap().to_owned(),
                m["reports"].as_u64().unwrap(),
                m["emergencies"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        months,
        [("2026-03".to_owned(), 4, 2), ("2026-04".to_owned(), 1, 0)]
    );
    let bands = &d["time_bands"];
    for band in [
        "giorno_feriale",
        "sera",
        "notte",
        "fine_settimana",
        "festivo",
    ] {
        assert_eq!(bands[band], 1, "{band}: {bands}");
    }
    assert_eq!(d["reporter_kinds"]["carabinieri"], 4);
    assert_eq!(d["reporter_kinds"]["cittadino"], 1);
    assert_eq!(d["target_groups"]["msna"], 2);
    assert_eq!(d["activity"]["emergencies_by_target_group"]["msna"], 2);
    assert_eq!(d["activity"]["untriaged"], 2);
    let place = |code: &str| {
        d["municipalities"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["istat_code"] == code)
            .cloned()
            .unwrap()
    };
    assert_eq!(place("015182")["reports"], 4);
    assert_eq!(place("015182")["per_thousand"], 0.08, "4 in 50,052");
    assert_eq!(place("015009")["reports"], 1);
    assert_eq!(place("015087")["reports"], 0);
    assert_eq!(d["municipalities"].as_array().unwrap().len(), 9);
    // A report corrected afterwards moves in the totals: nothing counted twice.
    let path = format!("/api/v1/reports/{saturday}/triage");
    let (s, v) = call(&mut app, Some(&desk), Method::POST, &path, &emergency()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let d = figures(&mut app, &coordinator, "2026-03-01", "2026-03-31").await;
    assert_eq!(d["months"][0]["reports"], 4);
    assert_eq!(d["months"][0]["emergencies"], 3);
    assert_eq!(d["activity"]["untriaged"], 0);
    assert_eq!(d["months"].as_array().unwrap().len(), 1);
    assert_eq!(d["time_bands"]["festivo"], 0, "April is outside March");
    // The activity report reads the same totals.
    let (_, a) = call(
        &mut app,
        Some(&coordinator),
        Method::GET,
        "/api/v1/stats/activity?from=2026-03-01&to=2026-03-31",
        &Value::Null,
    )
    .await;
    assert_eq!(a, d["activity"]);
    let reads = app.audited("read").await;
    assert!(reads.iter().any(|r| r.entry.section == "dashboard"));
}

/// Today in Rome, `AAAA-MM-GG`.
fn today() -> String {
    presidio_db::now().in_rome().date().to_string()
}

#[tokio::test]
async fn response_times_run_from_the_report_to_triage_on_site_and_placement() {
    let mut app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let field = app.sign_in("operatore_pis", &[]).await;
    let day = today();
    let empty = figures(&mut app, &coordinator, &day, &day).await;
    assert_eq!(
        empty["response_times"]["to_triage"],
        json!({"cases": 0, "median_minutes": null, "p90_minutes": null})
    );
    let id = bed_and_emergency(&mut app, &coordinator, &desk).await;
    on_call(&mut app, &coordinator, &field, "pronto_intervento").await;
    let alert = format!("/api/v1/reports/{id}/dispatches");
    let (s, mut d) = call(&mut app, Some(&desk), Method::POST, &alert, &json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    for name in ["acknowledge", "depart", "arrive"] {
        let (s, next) = step(&mut app, &field, &d, json!({"step": name})).await;
        assert_eq!(s, StatusCode::OK, "{name}: {next}");
        d = next;
    }
    hold_and_confirm_a_bed(&mut app, &field, id).await;
    let f = figures(&mut app, &coordinator, &day, &day).await;
    for key in ["to_triage", "to_on_site", "to_placement"] {
        let r = &f["response_times"][key];
        assert_eq!(r["cases"], 1, "{key}: {r}");
        assert_eq!(r["median_minutes"], 0, "{key}: {r}");
        assert_eq!(r["p90_minutes"], 0, "{key}: {r}");
    }
    assert_eq!(
        f["bookings"],
        json!([{"kind": "dormitorio", "activations": 1, "nights": 1, "cost_cents": 2500}])
    );
    let page = app
        .get_as(
            &coordinator,
            &format!("/statistiche/cruscotto?dal={day}&al={day}"),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("Dormitorio o accoglienza notturna"), "{html}");
    assert!(html.contains("25,00\u{a0}€"));
    assert!(
        html.contains("…all&#39;operatore sul posto") || html.contains("…all'operatore sul posto")
    );
}

#[tokio::test]
async fn analysts_see_small_counts_of_protected_groups_as_fewer_than_five() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let analyst = app.sign_in("analista", &[]).await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    spring(&mut app, &desk).await;
    let d = figures(&mut app, &analyst, "2026-03-01", "2026-04-30").await;
    assert_eq!(d["suppressed"], true);
    assert_eq!(d["target_groups"]["msna"], "<5");
    assert_eq!(d["activity"]["emergencies_by_target_group"]["msna"], "<5");
    assert_eq!(
        d["target_groups"]["senza_dimora"], 2,
        "not a protected group"
    );
    assert_eq!(
        d["target_groups"]["violenza_genere"], 0,
        "nobody is not small"
    );
    let (_, a) = call(
        &mut app,
        Some(&analyst),
        Method::GET,
        "/api/v1/stats/activity?from=2026-03-01&to=2026-04-30",
        &Value::Null,
    )
    .await;
    assert_eq!(a["emergencies_by_target_group"]["msna"], "<5");
    let path = "/statistiche/cruscotto?dal=2026-03-01&al=2026-04-30";
    let seen = app.get_as(&analyst, path).await.text();
    assert!(seen.contains("&#60;5"), "{seen}");
    assert!(seen.contains("Per riservatezza"));
    let activity = app
        .get_as(&analyst, "/statistiche?dal=2026-03-01&al=2026-04-30")
        .await
        .text();
    assert!(activity.contains("&#60;5"), "the activity table too");
    let csv = app
        .get_as(
            &analyst,
            "/statistiche/cruscotto.csv?dal=2026-03-01&al=2026-04-30",
        )
        .await
        .text();
    assert!(
        csv.contains("minori stranieri non accompagnati\";<5"),
        "{csv}"
    );
    let full = app.get_as(&coordinator, path).await.text();
    assert!(!full.contains("&#60;5") && !full.contains("Per riservatezza"));
}

#[tokio::test]
async fn the_dashboard_exports_to_csv_and_xlsx_and_refuses_a_bad_period() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    spring(&mut app, &desk).await;
    let q = "dal=2026-03-01&al=2026-04-30";
    let page = app
        .get_as(&coordinator, &format!("/statistiche/cruscotto?{q}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert_eq!(
        html.matches("class=\"dashboard-chart\"").count(),
        5,
        "four charts and the map (none for the partners: there are none)"
    );
    assert!(
        html.contains("elaborazione openpolis"),
        "the map's attribution"
    );
    assert!(html.contains("marzo 2026"));
    let csv = app
        .get_as(&coordinator, &format!("/statistiche/cruscotto.csv?{q}"))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.header("content-disposition")
            .contains("cruscotto-2026-03-01-2026-04-30.csv")
    );
    let text = csv.text();
    assert!(text.starts_with('\u{feff}'), "a BOM for spreadsheets");
    assert!(text.contains("\"Rho\";4;50052;0,08"), "{text}");
    assert!(text.contains("\"marzo 2026\";4;0;1;2"), "{text}");
    let xlsx = app
        .get_as(&coordinator, &format!("/statistiche/cruscotto.xlsx?{q}"))
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.header("content-type").contains("spreadsheetml"));
    assert!(xlsx.body.starts_with(b"PK"), "a zip container");
    let exports: Vec<String> = app
        .audited("export")
        .await
        .into_iter()
        .map(|e| e.entry.section)
        .collect();
    assert!(exports.contains(&"dashboard_csv".to_owned()), "{exports:?}");
    assert!(exports.contains(&"dashboard_xlsx".to_owned()));
    let bad = app
        .get_as(
            &coordinator,
            "/statistiche/cruscotto?dal=2026-04-30&al=2026-03-01",
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text().contains("href=\"#al\""),
        "the error names the field"
    );
    let (s, v) = call(
        &mut app,
        Some(&coordinator),
        Method::GET,
        "/api/v1/stats/dashboard?from=2026-13-01&to=2026-03-01",
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["error"]["fields"]["from"].is_string(), "{v}");
    let refused = app
        .get_as(&coordinator, "/statistiche/cruscotto.xlsx?dal=x&al=y")
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn reports_stored_before_the_running_totals_are_counted_when_the_database_opens() {
    let mut app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    spring(&mut app, &desk).await;
    let before = figures(&mut app, &coordinator, "2026-03-01", "2026-04-30").await;
    crate::access::raw(
        &app,
        "UPDATE reports SET received_day = NULL, time_band = NULL",
    )
    .await
    .unwrap();
    let emptied = figures(&mut app, &coordinator, "2026-03-01", "2026-04-30").await;
    assert_eq!(emptied["activity"]["reports"], 0, "{emptied}");
    app.t.db.migrate().await.unwrap();
    let after = figures(&mut app, &coordinator, "2026-03-01", "2026-04-30").await;
    assert_eq!(after, before);
}
