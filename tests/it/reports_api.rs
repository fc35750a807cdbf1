//! The reports API: recording, every refusal, versions, triage, lifecycle, diary, and the
//! need-to-know rule with break-glass.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, Who};

/// The smallest valid report.
pub fn minimal() -> Value {
    json!({
        "channel": "telefono",
        "reporter": {"kind": "carabinieri", "organization": "Stazione di Rho"},
        "municipality": "015182",
        "target_group": "senza_dimora",
        "persons": [{"role": "beneficiario", "sex": "M", "age": 54}],
        "description": "Uomo al freddo davanti alla stazione"
    })
}

/// A JSON request of `method` to `path` with `who`'s token (shared by parallel requests).
pub async fn request_as(
    app: &TestApp,
    who: &Who,
    method: Method,
    path: &str,
    body: &Value,
) -> crate::support::TestResponse {
    let request = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", who.token))
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    app.request(request).await
}

pub async fn post(
    app: &TestApp,
    who: &Who,
    path: &str,
    body: &Value,
) -> crate::support::TestResponse {
    request_as(app, who, Method::POST, path, body).await
}

async fn patch(app: &TestApp, who: &Who, path: &str, body: &Value) -> crate::support::TestResponse {
    request_as(app, who, Method::PATCH, path, body).await
}

#[tokio::test]
async fn a_report_is_recorded_with_the_next_protocol_number_and_read_back() {
    let app = TestApp::new().await;
    let op = app.sign_in("operatore_centrale", &[]).await;
    let r = post(&app, &op, "/api/v1/reports", &minimal()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let body = r.json();
    let year = presidio_db::now().in_rome().year();
    assert_eq!(body["code"], format!("PIS-{year}-0001"));
    assert_eq!(
        (body["status"].as_str(), body["version"].as_i64()),
        (Some("received"), Some(1))
    );
    let second = post(&app, &op, "/api/v1/reports", &minimal()).await.json();
    assert_eq!(second["code"], format!("PIS-{year}-0002"));
    let id = body["id"].as_i64().unwrap();
    let read = app
        .get_as(&op, &format!("/api/v1/reports/{id}"))
        .await
        .json();
    assert_eq!(read["restricted"], false);
    assert_eq!(read["persons"][0]["age_band"], "30_64");
    assert_eq!(read["reporter"]["organization"], "Stazione di Rho");
    let list = app.get_as(&op, "/api/v1/reports?open=true").await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert!(list["next_offset"].is_null());
    // Reads are in the audit trail.
    let reads = app.audited("read").await;
    assert!(
        reads
            .iter()
            .any(|e| e.entry.record_type == "report" && e.entry.record_id == id.to_string())
    );
}

#[tokio::test]
async fn every_refusal_names_its_field_in_italian_and_stores_nothing() {
    let app = TestApp::new().await;
    let op = app.sign_in("operatore_centrale", &[]).await;
    for (change, field, message) in refusals() {
        let mut body = minimal();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = post(&app, &op, "/api/v1/reports", &body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            r.text()
        );
        let text = r.json()["error"]["fields"][field]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(text.starts_with(message), "{field}: {text}");
    }
    let not_json = app
        .send(
            Method::POST,
            "/api/v1/reports",
            "application/json",
            b"{channel:".to_vec(),
        )
        .await;
    assert_eq!(not_json.status, StatusCode::UNAUTHORIZED, "without a token");
    let request = axum::http::Request::post("/api/v1/reports")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", op.token))
        .body(axum::body::Body::from("{channel:"))
        .unwrap();
    let r = app.request(request).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["code"], "invalid_json");
    let request = axum::http::Request::post("/api/v1/reports")
        .header("content-type", "text/plain")
        .header("authorization", format!("Bearer {}", op.token))
        .body(axum::body::Body::from(minimal().to_string()))
        .unwrap();
    assert_eq!(
        app.request(request).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let list = app.get_as(&op, "/api/v1/reports").await.json();
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "nothing was stored"
    );
    let bad_filter = app
        .get_as(&op, "/api/v1/reports?status=boh&from=ieri&limit=0")
        .await;
    assert_eq!(bad_filter.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = bad_filter.json()["error"]["fields"].clone();
    for f in ["status", "from", "limit"] {
        assert!(fields[f].is_string(), "{f}: {fields}");
    }
}

#[tokio::test]
async fn a_stale_correction_gets_409_with_the_current_record() {
    let app = TestApp::new().await;
    let op = app.sign_in("operatore_pis", &[]).await;
    let id = post(&app, &op, "/api/v1/reports", &minimal()).await.json()["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/reports/{id}");
    let mut body = minimal();
    body["description"] = "Trovato vicino al sottopasso".into();
    let missing = patch(&app, &op, &path, &body).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    body["version"] = 1.into();
    let ok = patch(&app, &op, &path, &body).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    assert_eq!(ok.json()["version"], 2);
    body["description"] = "Una modifica su una versione vecchia".into();
    let stale = patch(&app, &op, &path, &body).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let current = &stale.json()["error"]["current"];
    assert_eq!(current["description"], "Trovato vicino al sottopasso");
    assert_eq!(current["version"], 2);
}

#[tokio::test]
async fn triage_lifecycle_and_diary_through_the_api() {
    let app = TestApp::new().await;
    let op = app.sign_in("operatore_centrale", &[]).await;
    let id = post(&app, &op, "/api/v1/reports", &minimal()).await.json()["id"]
        .as_i64()
        .unwrap();
    let base = format!("/api/v1/reports/{id}");
    let too_early = post(
        &app,
        &op,
        &format!("{base}/status"),
        &json!({"status": "operator_alerted"}),
    )
    .await;
    assert_eq!(too_early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        too_early.json()["error"]["fields"]["status"]
            .as_str()
            .unwrap()
            .contains("non consentito")
    );
    let bad = post(
        &app,
        &op,
        &format!("{base}/triage"),
        &json!({"outcome": "non_pertinente"}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = bad.json()["error"]["fields"].clone();
    for f in ["not_pertinent_reason", "redirected_to", "rationale"] {
        assert!(fields[f].is_string(), "{f}");
    }
    let ok = post(
        &app,
        &op,
        &format!("{base}/triage"),
        &json!({"outcome": "emergenza", "rationale": "Temperature sotto zero", "criteria": ["pericolo_immediato"]}),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    assert_eq!(ok.json()["status"], "triaged");
    let moved = post(
        &app,
        &op,
        &format!("{base}/status"),
        &json!({"status": "operator_alerted", "note": "Chiamato Marco"}),
    )
    .await;
    assert_eq!(moved.json()["status"], "operator_alerted");
    let entry = post(
        &app,
        &op,
        &format!("{base}/diary"),
        &json!({"kind": "chiamata_effettuata", "text": "Chiamato il reperibile"}),
    )
    .await;
    assert_eq!(entry.status, StatusCode::CREATED);
    let first = entry.json()["id"].as_i64().unwrap();
    let fix = post(
        &app,
        &op,
        &format!("{base}/diary"),
        &json!({"kind": "nota", "text": "Era il secondo reperibile", "corrects": first}),
    )
    .await;
    assert_eq!(fix.status, StatusCode::CREATED);
    let empty = post(&app, &op, &format!("{base}/diary"), &json!({"kind": "boh"})).await;
    let fields = empty.json()["error"]["fields"].clone();
    assert!(
        fields["kind"].is_string() && fields["text"].is_string(),
        "{fields}"
    );
    let h = app.t.db.report_history(id).await.unwrap();
    assert_eq!(h.diary.len(), 2);
    assert_eq!(h.events.last().unwrap().note, "Chiamato Marco");
}

/// After a break-glass by `other`, the coordinators read the notification and mark it as read.
async fn coordinator_is_notified(app: &TestApp, other: &Who) {
    // The coordinators are notified; marking as read is theirs alone.
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let notes = app
        .get_as(&coordinator, "/api/v1/notifications")
        .await
        .json();
    let items = notes["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{notes}");
    assert!(
        items[0]["text"]
            .as_str()
            .unwrap()
            .contains("accesso straordinario")
    );
    assert_eq!(items[0]["read"], false);
    assert_eq!(items[0]["kind"], "break_glass");
    let up_to = items[0]["id"].clone();
    let r = post(
        app,
        &coordinator,
        "/api/v1/notifications/read",
        &json!({"up_to": up_to}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = post(
        app,
        &coordinator,
        "/api/v1/notifications/read",
        &json!({"up_to": "x"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let unread = app
        .get_as(&coordinator, "/api/v1/notifications?unread=true")
        .await;
    assert_eq!(unread.json()["items"], json!([]));
    let all = app
        .get_as(&coordinator, "/api/v1/notifications")
        .await
        .json();
    assert_eq!(all["items"][0]["read"], true);
    assert_eq!(
        app.get_as(other, "/api/v1/notifications").await.json()["items"],
        json!([])
    );
    assert!(
        app.audited("read").await.iter().any(
            |e| e.entry.record_type == "notifications" && e.entry.actor == coordinator.username
        )
    );
}

#[tokio::test]
async fn protected_reports_are_need_to_know_with_break_glass() {
    let app = TestApp::new().await;
    let recorder = app.sign_in("operatore_centrale", &[]).await;
    let other = app.sign_in("operatore_pis", &[]).await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let social = app.sign_in("servizio_sociale", &["015182"]).await;
    let analyst = app.sign_in("analista", &[]).await;
    let mut body = minimal();
    body["target_group"] = "violenza_genere".into();
    body["persons"] = json!([{"role": "beneficiario", "sex": "F", "name": "Anna"}]);
    let id = post(&app, &recorder, "/api/v1/reports", &body).await.json()["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/reports/{id}");
    // The one who recorded it and the coordinator see it all.
    assert_eq!(
        app.get_as(&recorder, &path).await.json()["persons"][0]["name"],
        "Anna"
    );
    assert_eq!(
        app.get_as(&coordinator, &path).await.json()["restricted"],
        false
    );
    // Another operator sees protocol number, municipality and status only.
    let limited = app.get_as(&other, &path).await.json();
    assert_eq!(limited["restricted"], true);
    assert_eq!(limited["break_glass"], true);
    assert!(limited.get("persons").is_none() && limited.get("description").is_none());
    let line = app.get_as(&other, "/api/v1/reports").await.json()["items"][0].clone();
    assert_eq!(line["restricted"], true);
    assert!(line["target_group"].is_null());
    // Writing needs the whole record.
    let refused = post(
        &app,
        &other,
        &format!("{path}/diary"),
        &json!({"kind": "nota", "text": "x"}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // Breaking the glass needs a real reason, then opens it, audited and notified.
    let short = post(
        &app,
        &other,
        &format!("{path}/break-glass"),
        &json!({"reason": "serve"}),
    )
    .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    no_reason_opens_nothing(&app, &other, id).await;
    let opened = post(
        &app,
        &other,
        &format!("{path}/break-glass"),
        &json!({"reason": "Chiamata della vittima, il collega è irraggiungibile"}),
    )
    .await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.text());
    assert_eq!(opened.json()["persons"][0]["name"], "Anna");
    assert_eq!(app.get_as(&other, &path).await.json()["restricted"], false);
    let glass = app.audited("break_glass").await;
    assert_eq!(glass.len(), 1);
    assert!(glass[0].entry.reason.contains("irraggiungibile"));
    coordinator_is_notified(&app, &other).await;
    // The municipal service sees nothing before the handover; the analyst never.
    assert_eq!(
        app.get_as(&social, &path).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        app.get_as(&social, "/api/v1/reports").await.json()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        app.get_as(&analyst, &path).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get_as(&analyst, "/api/v1/reports").await.status,
        StatusCode::FORBIDDEN
    );
    // The coordinator, who sees it anyway, has nothing to break.
    let again = post(
        &app,
        &coordinator,
        &format!("{path}/break-glass"),
        &json!({"reason": "Per controllo di routine"}),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

/// No reason is refused as missing, alike by the API and the page, and opens nothing.
async fn no_reason_opens_nothing(app: &TestApp, other: &Who, id: i64) {
    let none = post(
        app,
        other,
        &format!("/api/v1/reports/{id}/break-glass"),
        &json!({"reason": " "}),
    )
    .await;
    let message = none.json()["error"]["fields"]["reason"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("obbligatorio"), "{message}");
    let page = app
        .post_form_as(
            other,
            &format!("/segnalazioni/{id}/accesso-straordinario"),
            &[("reason", " ")],
            None,
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.text()
    );
    assert!(
        page.text().contains(&message),
        "the page says {message:?} too"
    );
    assert!(app.audited("break_glass").await.is_empty());
}

/// Changes to a good report, the field each one breaks, and the start of its message.
fn refusals() -> Vec<(Value, &'static str, &'static str)> {
    vec![
        (
            json!({"channel": "piccione"}),
            "channel",
            "Canale: valore non previsto",
        ),
        (
            json!({"received_at": "ieri"}),
            "received_at",
            "Ricevuta alle: indicare data e ora",
        ),
        (
            json!({"municipality": "999999"}),
            "municipality",
            "Comune: comune non appartenente",
        ),
        (
            json!({"municipality": "15182"}),
            "municipality",
            "Comune: deve essere di 6 cifre",
        ),
        (
            json!({"target_group": ""}),
            "target_group",
            "Destinatari: campo obbligatorio",
        ),
        (
            json!({"persons": []}),
            "persons",
            "Persone: campo obbligatorio",
        ),
        (
            json!({"persons": [{"role": "minore", "fiscal_code": "RSSMRA85T10A562T"}]}),
            "persons[0].fiscal_code",
            "Persona 1 · Codice fiscale: codice fiscale non valido",
        ),
        (
            json!({"persons": [{"role": "minore", "age": "dieci"}]}),
            "persons[0].age",
            "Persona 1 · Età: tipo di valore errato",
        ),
        (
            json!({"risk_flags": ["boh"]}),
            "risk_flags[0]",
            "Situazione di rischio 1: valore non previsto",
        ),
        (
            json!({"description": "x".repeat(10_001)}),
            "description",
            "Descrizione: testo troppo lungo (al massimo 10.000 caratteri).",
        ),
        (
            json!({"reporter": {"kind": 7}}),
            "reporter.kind",
            "Segnalante · Tipo: tipo di valore errato",
        ),
    ]
}

/// Protocol numbers are counted per Ambito: a second Ambito's reports are saved with its own
/// prefix, even when both Ambiti record at the same moment.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_ambiti_record_reports_at_once_each_with_its_own_numbers() {
    let app = TestApp::new().await;
    app.add_bollatese().await;
    let rho = app.sign_in("operatore_centrale", &[]).await;
    let bollate = app.sign_in_in("bollatese", "operatore_centrale", &[]).await;
    let mut in_bollate = minimal();
    in_bollate["municipality"] = json!("015027");
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for i in 0..12 {
        let (who, body) = if i % 2 == 0 {
            (rho.clone(), minimal())
        } else {
            (bollate.clone(), in_bollate.clone())
        };
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            post(&app, &who, "/api/v1/reports", &body).await
        }));
    }
    let year = presidio_db::now().in_rome().year();
    let mut codes = Vec::new();
    for task in tasks {
        let r = task.await.unwrap();
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        codes.push(r.json()["code"].as_str().unwrap().to_owned());
    }
    codes.sort();
    let mut expected: Vec<String> = (1..=6)
        .flat_map(|n| [format!("BOL-{year}-{n:04}"), format!("PIS-{year}-{n:04}")])
        .collect();
    expected.sort();
    assert_eq!(codes, expected);
    // Each sees its own.
    let list = app.get_as(&bollate, "/api/v1/reports").await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 6);
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["code"].as_str().unwrap().starts_with("BOL-"))
    );
}

/// A write the database refuses by a constraint is a 409 with an Italian message, not a 503.
#[tokio::test]
async fn a_write_refused_by_a_constraint_is_a_conflict_not_unavailable() {
    let app = TestApp::new().await;
    let op = app.sign_in("operatore_centrale", &[]).await;
    let year = presidio_db::now().in_rome().year();
    // A report code taken behind the counter's back (as a clash of two prefixes would).
    let first = post(&app, &op, "/api/v1/reports", &minimal()).await;
    assert_eq!(first.status, StatusCode::CREATED);
    crate::access::raw(&app, "UPDATE report_counters SET last = 0")
        .await
        .unwrap();
    let r = post(&app, &op, "/api/v1/reports", &minimal()).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    let body = r.json();
    assert_eq!(body["error"]["code"], "refused");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nulla è stato modificato")
    );
    // Nothing half-written: still one report, and the counter moved back with the rollback.
    let list = app.get_as(&op, "/api/v1/reports").await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["code"], format!("PIS-{year}-0001"));
}

/// A NUL (or another control character) is refused in every text a request carries, naming the
/// field, with nothing stored, on both databases: JSON fields, form fields, query parameters.
#[tokio::test]
async fn control_characters_are_refused_in_every_text_naming_the_field() {
    let app = TestApp::new().await;
    let op = app.sign_in("operatore_centrale", &[]).await;
    for (path, value) in [
        ("description", json!("Uomo al freddo\u{0}")),
        (
            "persons",
            json!([{"role": "beneficiario", "sex": "M", "name": "Ma\u{1}rio"}]),
        ),
        (
            "reporter",
            json!({"kind": "carabinieri", "organization": "Rho\u{7f}"}),
        ),
    ] {
        let mut body = minimal();
        body[path] = value;
        let r = post(&app, &op, "/api/v1/reports", &body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let fields = r.json()["error"]["fields"].clone();
        let (field, message) = fields.as_object().unwrap().iter().next().unwrap();
        assert!(field.starts_with(path), "{fields}");
        assert!(
            message.as_str().unwrap().contains("carattere di controllo"),
            "{fields}"
        );
    }
    // Tabs and new lines are text.
    let mut body = minimal();
    body["description"] = json!("Riga uno\n\tRiga due\r\n");
    assert_eq!(
        post(&app, &op, "/api/v1/reports", &body).await.status,
        StatusCode::CREATED
    );
    let list = app.get_as(&op, "/api/v1/reports").await.json();
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "nothing else was stored"
    );
    // Query parameters and forms, API and pages.
    let r = app.get_as(&op, "/api/v1/reports?municipality=%00").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.json()["error"]["fields"]["municipality"].is_string());
    let r = app.get_as(&op, "/campo?q=dormitorio%00").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("carattere di controllo"), "{}", r.text());
    let r = app
        .post_form_as(
            &op,
            "/segnalazioni",
            &[
                ("description", "Uomo\u{0} al freddo"),
                ("channel", "telefono"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Descrizione"), "{}", r.text());
    // The login: neither the token endpoint nor the page takes a NUL.
    let r = app
        .send(
            Method::POST,
            "/api/v1/auth/token",
            "application/json",
            json!({"username": "mros\u{0}si", "password": "x"})
                .to_string()
                .into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.json()["error"]["fields"]["username"].is_string());
    let r = app
        .post_anonymous_form("/accesso", "x", "username=mros%00si&password=x")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// A report's arrival is between 1 January 2000 and now: year 1 or year −1 is a typing mistake.
#[tokio::test]
async fn implausible_arrival_times_are_refused() {
    let app = TestApp::new().await;
    let op = app.sign_in("operatore_centrale", &[]).await;
    for at in [
        "0001-01-01T00:00:00Z",
        "-000001-01-01T00:00:00Z",
        "1999-06-01T10:00:00+02:00",
    ] {
        let mut body = minimal();
        body["received_at"] = json!(at);
        let r = post(&app, &op, "/api/v1/reports", &body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{at}: {}",
            r.text()
        );
        assert!(
            r.json()["error"]["fields"]["received_at"].is_string(),
            "{at}"
        );
    }
    let mut body = minimal();
    body["received_at"] = json!("2000-01-01T00:00:00+01:00");
    assert_eq!(
        post(&app, &op, "/api/v1/reports", &body).await.status,
        StatusCode::CREATED
    );
}

/// Nonsense in a phone, a resource's contact or a citizenship is refused with a message that
/// says what is expected.
#[tokio::test]
async fn phones_and_citizenships_are_checked_and_the_messages_say_what_is_expected() {
    let app = TestApp::new().await;
    let op = app.sign_in("operatore_centrale", &[]).await;
    let mut body = minimal();
    body["reporter"]["phone"] = json!("chiamami");
    body["persons"][0]["citizenship"] = json!("Italia");
    let r = post(&app, &op, "/api/v1/reports", &body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = r.json()["error"]["fields"].clone();
    assert!(
        fields["reporter.phone"]
            .as_str()
            .unwrap()
            .contains("un numero di telefono"),
        "{fields}"
    );
    assert!(
        fields["persons[0].citizenship"]
            .as_str()
            .unwrap()
            .contains("IT per Italia"),
        "{fields}"
    );
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let bed = json!({"kind": "dormitorio", "name": "Casa Itaca", "provider": "Cooperativa",
        "address": "Via dei Mille 3", "confidentiality": "pubblico", "capacity": 2,
        "unit": "posti_letto", "contact": "xx", "tariff": "25"});
    let r = post(&app, &coordinator, "/api/v1/resources", &bed).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.json()["error"]["fields"]["contact"]
            .as_str()
            .unwrap()
            .contains("telefono")
    );
    body["reporter"]["phone"] = json!("+39 02 9330 1234");
    body["persons"][0]["citizenship"] = json!("it");
    assert_eq!(
        post(&app, &op, "/api/v1/reports", &body).await.status,
        StatusCode::CREATED
    );
}

/// Every JSON body refuses a field it does not take, at any depth, naming it; and a whole
/// number written with a zero fraction (`2.0`, as JSON Schema allows) reads as the number.
#[tokio::test]
async fn a_body_refuses_a_field_it_does_not_take_and_reads_whole_numbers() {
    let app = TestApp::new().await;
    let op = app.sign_in("operatore_centrale", &[]).await;
    let mut body = minimal();
    body["reporter"]["telefono"] = json!("02 123");
    let r = post(&app, &op, "/api/v1/reports", &body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.json()["error"]["fields"]["reporter.telefono"]
            .as_str()
            .unwrap()
            .contains("Campo non previsto"),
        "{}",
        r.text()
    );
    let mut body = minimal();
    body["persons"][0]["age"] = json!(54.0);
    let r = post(&app, &op, "/api/v1/reports", &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let triage = json!({"outcome": "urgenza", "rationale": "Freddo", "redirected_to": null,
        "criteria": null, "not_pertinent_reason": null, "motivo": "x"});
    let r = post(&app, &op, &format!("/api/v1/reports/{id}/triage"), &triage).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.json()["error"]["fields"].get("motivo").is_some());
    let triage = json!({"outcome": "urgenza", "rationale": "Freddo", "redirected_to": null,
        "criteria": null, "not_pertinent_reason": null});
    let r = post(&app, &op, &format!("/api/v1/reports/{id}/triage"), &triage).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "null reads as not given: {}",
        r.text()
    );
    let stored = app.t.db.report(id).await.unwrap();
    assert_eq!(stored.data.persons[0].age, Some(54));
}

#[tokio::test]
async fn a_page_past_the_end_is_empty_whatever_its_offset() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let (s, _) = crate::calendar::call(
        &mut app,
        Some(&desk),
        Method::POST,
        "/api/v1/reports",
        &minimal(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    for query in [
        "open=true&limit=1&offset=9223372036854775807",
        "limit=1&offset=9223372036854775807",
        "limit=500&offset=1000000001",
    ] {
        let r = app.get_as(&desk, &format!("/api/v1/reports?{query}")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(r.json()["error"]["fields"]["offset"].is_string(), "{query}");
    }
    for query in [
        "open=true&limit=1&offset=1000000000",
        "limit=500&offset=1000000000",
        "open=true&limit=1&offset=0",
    ] {
        let r = app.get_as(&desk, &format!("/api/v1/reports?{query}")).await;
        assert_eq!(r.status, StatusCode::OK, "{query}");
        let v = r.json();
        if query.ends_with("offset=0") {
            assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
            // A full page of one: the next page starts after it.
            assert_eq!(v["next_offset"], 1, "{v}");
        } else {
            assert!(v["items"].as_array().unwrap().is_empty(), "{query}: {v}");
            assert!(v["next_offset"].is_null(), "{query}: {v}");
        }
    }
}

/// One refused write, as the API and the report page send it.
struct Refusal<'a> {
    api: &'a str,
    body: Value,
    page: &'a str,
    fields: Vec<(&'a str, &'a str)>,
    /// The refused field's API name.
    field: &'a str,
}

fn refused_writes(long_note: &str) -> Vec<Refusal<'_>> {
    let one = |api, body, page, fields, field| Refusal {
        api,
        body,
        page,
        fields,
        field,
    };
    vec![
        one(
            "diary",
            json!({"kind": "", "text": "Chiamata al 118"}),
            "diario",
            vec![("kind", ""), ("text", "Chiamata al 118")],
            "kind",
        ),
        one(
            "diary",
            json!({"kind": "nota", "text": "  "}),
            "diario",
            vec![("kind", "nota"), ("text", "  ")],
            "text",
        ),
        one(
            "status",
            json!({"status": "volata_via"}),
            "stato",
            vec![("status", "volata_via")],
            "status",
        ),
        one(
            "status",
            json!({"status": "triaged", "note": long_note}),
            "stato",
            vec![("status", "triaged"), ("note", long_note)],
            "note",
        ),
        one(
            "status",
            json!({"status": "closed", "closing_outcome": "sparito"}),
            "stato",
            vec![("status", "closed"), ("closing_outcome", "sparito")],
            "closing_outcome",
        ),
        one(
            "reopen",
            json!({"reason": ""}),
            "riapri",
            vec![("reopen_reason", "")],
            "reason",
        ),
    ]
}

/// The report page and the API run one use case per action: the same input is refused on the
/// same field with the same message, nothing is written, and a user of another Ambito is told
/// of neither.
#[tokio::test]
async fn the_report_page_and_the_api_refuse_a_write_alike() {
    let app = TestApp::new().await;
    let op = app.sign_in("operatore_centrale", &[]).await;
    let created = post(&app, &op, "/api/v1/reports", &minimal()).await.json();
    let id = created["id"].as_i64().unwrap();
    let long_note = "n".repeat(4001);
    for case in refused_writes(&long_note) {
        let (api, page, field) = (case.api, case.page, case.field);
        let r = post(
            &app,
            &op,
            &format!("/api/v1/reports/{id}/{api}"),
            &case.body,
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{api}: {}",
            r.text()
        );
        let message = r.json()["error"]["fields"][field]
            .as_str()
            .unwrap_or_else(|| panic!("{api}: no message on {field}: {}", r.text()))
            .to_owned();
        let p = app
            .post_form_as(
                &op,
                &format!("/segnalazioni/{id}/{page}"),
                &case.fields,
                None,
            )
            .await;
        assert_eq!(
            p.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{page}: {field}"
        );
        let html = p.text().replace("&#39;", "'");
        // The same problem, on the field as the form names it (the reopening's is its own).
        let page_field = if field == "reason" {
            "reopen_reason"
        } else {
            field
        };
        let problem = message
            .split_once(": ")
            .map_or(message.as_str(), |(_, p)| p);
        assert!(
            html.contains(&format!("<a href=\"#{page_field}\">")) && html.contains(problem),
            "{page}: the page shows {message:?} too"
        );
    }
    let now = app
        .get_as(&op, &format!("/api/v1/reports/{id}"))
        .await
        .json();
    assert_eq!(
        (now["status"].as_str(), now["version"].as_i64()),
        (Some("received"), Some(1)),
        "nothing was written: {now}"
    );
    let writes = app.audited("write").await;
    assert_eq!(
        writes
            .iter()
            .filter(|e| e.entry.record_id == id.to_string())
            .count(),
        1,
        "only the recording is audited as a write: {writes:?}"
    );
    another_ambito_is_told_of_neither(&app, id).await;
}

async fn another_ambito_is_told_of_neither(app: &TestApp, id: i64) {
    app.add_bollatese().await;
    let other = app.sign_in_in("bollatese", "operatore_centrale", &[]).await;
    let r = post(
        app,
        &other,
        &format!("/api/v1/reports/{id}/diary"),
        &json!({"kind": "nota", "text": "Scritta da un altro Ambito"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    let p = app
        .post_form_as(
            &other,
            &format!("/segnalazioni/{id}/diario"),
            &[("kind", "nota"), ("text", "Scritta da un altro Ambito")],
            None,
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
}
