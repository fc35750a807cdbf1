//! Handovers to the municipal social services: sending, deadlines from the calendar, the
//! receiving side's answers and thread, need-to-know across municipalities, and the escalation
//! with a controllable clock.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::calendar::call;
use crate::interventions::{app_with_mail, mails};
use crate::pdf::{assert_pdf_opens, pdf_text};
use crate::reports_api::minimal;
use crate::support::{TestApp, Who};

const RHO: &str = "015182";
const ARESE: &str = "015009";

/// Records a report in Rho and triages it as an urgency; returns its id.
async fn urgency(app: &mut TestApp, who: &Who, body: Value) -> i64 {
    let (s, v) = call(app, Some(who), Method::POST, "/api/v1/reports", &body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let triage = json!({"outcome": "urgenza", "rationale": "Serve il servizio sociale domani"});
    let path = format!("/api/v1/reports/{id}/triage");
    let (s, v) = call(app, Some(who), Method::POST, &path, &triage).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    id
}

async fn answer(
    app: &mut TestApp,
    who: &Who,
    h: &Value,
    outcome: &str,
    reason: &str,
) -> (StatusCode, Value) {
    let path = format!("/api/v1/handovers/{}/answer", h["id"]);
    let body = json!({"outcome": outcome, "reason": reason, "version": h["version"]});
    call(app, Some(who), Method::POST, &path, &body).await
}

async fn status_of(app: &mut TestApp, who: &Who, id: i64) -> String {
    let (_, v) = call(
        app,
        Some(who),
        Method::GET,
        &format!("/api/v1/reports/{id}"),
        &Value::Null,
    )
    .await;
    v["status"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_municipal_service_acknowledges_answers_and_talks_back() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let rho = app.sign_in("servizio_sociale", &[RHO]).await;
    let arese = app.sign_in("servizio_sociale", &[ARESE]).await;
    let mut body = minimal();
    body["target_group"] = json!("msna");
    let id = urgency(&mut app, &desk, body).await;
    // Before the handover the service does not know the case; the plain move is refused.
    let (s, _) = call(
        &mut app,
        Some(&rho),
        Method::GET,
        &format!("/api/v1/reports/{id}"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        &format!("/api/v1/reports/{id}/status"),
        &json!({"status": "handover_queued"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, h) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        &format!("/api/v1/reports/{id}/handover"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{h}");
    assert_eq!(
        (h["status"].as_str(), h["municipality_name"].as_str()),
        (Some("sent"), Some("Rho"))
    );
    assert!(h["due_at"].as_str().unwrap() > h["sent_at"].as_str().unwrap());
    assert_eq!(status_of(&mut app, &desk, id).await, "handover_sent");
    let (s, _) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        &format!("/api/v1/reports/{id}/handover"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "sent once");
    // Rho's service sees it (a protected case: handed to them, theirs to know); Arese's does not.
    let (_, list) = call(
        &mut app,
        Some(&rho),
        Method::GET,
        "/api/v1/handovers",
        &Value::Null,
    )
    .await;
    assert_eq!(list[0]["id"], h["id"], "{list}");
    assert_eq!(status_of(&mut app, &rho, id).await, "handover_sent");
    let (_, list) = call(
        &mut app,
        Some(&arese),
        Method::GET,
        "/api/v1/handovers",
        &Value::Null,
    )
    .await;
    assert_eq!(list, json!([]));
    let (s, _) = call(
        &mut app,
        Some(&arese),
        Method::GET,
        &format!("/api/v1/reports/{id}"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = answer(&mut app, &arese, &h, "acknowledged", "").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = answer(&mut app, &coordinator, &h, "acknowledged", "").await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the PIS does not answer for the service"
    );
    let path = format!("/api/v1/reports/{id}/handovers");
    let (_, of_report) = call(&mut app, Some(&rho), Method::GET, &path, &Value::Null).await;
    assert_eq!(of_report[0]["id"], h["id"]);
    let reads = app.audited("read").await;
    assert!(
        reads.iter().any(|r| r.entry.section == "handovers"),
        "reading them is audited"
    );
    service_answers(&mut app, [&desk, &coordinator, &rho, &arese], id, &h).await;
}

#[tokio::test]
async fn a_friday_night_handover_is_reminded_on_monday_then_escalated() {
    let (mut app, got) = app_with_mail().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let rho = app.sign_in("servizio_sociale", &[RHO]).await;
    let r = app
        .post_form_as(
            &rho,
            "/profilo/avvisi",
            &[("alert_email", "sociale@comune.rho.mi.it")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut body = minimal();
    body["persons"] =
        json!([{"role": "beneficiario", "name": "Giuseppe Verdi", "sex": "M", "age": 80}]);
    let id = urgency(&mut app, &desk, body).await;
    // Sent on Friday 13 November 2026 at 23:40, Rome time: due Monday 12:30, escalated 14:30.
    let friday = rome(2026, 11, 13, 23, 40);
    let calendar = app
        .t
        .db
        .service_calendar(&presidio_domain::reference::IstatCode::parse(RHO).unwrap())
        .await
        .unwrap()
        .calendar;
    let due = presidio_domain::handover::deadlines(&calendar, friday, 240, 120).unwrap();
    assert_eq!(due.due, rome(2026, 11, 16, 12, 30));
    let entry = presidio_domain::audit::Entry::new(friday, presidio_domain::audit::Action::Write);
    let rho_code = presidio_domain::reference::IstatCode::parse(RHO).unwrap();
    app.t
        .db
        .send_handover(id, &rho_code, due, &entry)
        .await
        .unwrap();
    let sweep = presidio_app::handovers::sweep;
    assert_eq!(
        sweep(&app.state, rome(2026, 11, 16, 12, 0)).await.unwrap(),
        0,
        "not yet due"
    );
    assert_eq!(
        sweep(&app.state, rome(2026, 11, 16, 12, 31)).await.unwrap(),
        1,
        "the reminder"
    );
    assert_eq!(
        sweep(&app.state, rome(2026, 11, 16, 12, 32)).await.unwrap(),
        0,
        "only once"
    );
    let sent = mails(&got, 1).await;
    assert!(
        sent[0].contains("To: sociale@comune.rho.mi.it") && sent[0].contains("/passaggi"),
        "{}",
        sent[0]
    );
    assert!(!sent[0].contains("Verdi"), "no personal data by e-mail");
    let (_, notes) = call(
        &mut app,
        Some(&coordinator),
        Method::GET,
        "/api/v1/notifications",
        &Value::Null,
    )
    .await;
    assert!(
        !notes.to_string().contains("handover_overdue"),
        "the coordinator waits for the escalation"
    );
    assert_eq!(
        sweep(&app.state, rome(2026, 11, 16, 14, 31)).await.unwrap(),
        1,
        "the escalation"
    );
    let (_, notes) = call(
        &mut app,
        Some(&coordinator),
        Method::GET,
        "/api/v1/notifications",
        &Value::Null,
    )
    .await;
    assert!(notes.to_string().contains("handover_overdue"), "{notes}");
    stays_on_the_board_until_answered(&mut app, &coordinator, &rho, id).await;
}

fn rome(y: i16, mo: i8, d: i8, h: i8, mi: i8) -> presidio_domain::time::UtcMillis {
    let z = jiff::civil::date(y, mo, d)
        .at(h, mi, 0, 0)
        .to_zoned(presidio_domain::time::rome())
        .unwrap();
    presidio_domain::time::UtcMillis(z.timestamp().as_millisecond())
}

/// The service answers, in order and on a fresh version; the thread between the two sides;
/// given back as not competent, the case is no longer theirs.
async fn service_answers(app: &mut TestApp, people: [&Who; 4], id: i64, h: &Value) {
    let [desk, coordinator, rho, arese] = people;
    let (s, v) = answer(app, rho, h, "taken_in_charge", "").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, h2) = answer(app, rho, h, "acknowledged", "").await;
    assert_eq!(s, StatusCode::OK, "{h2}");
    assert!(
        h2["acknowledged_by"]
            .as_str()
            .unwrap()
            .starts_with("Utente")
    );
    assert_eq!(status_of(app, desk, id).await, "handover_acknowledged");
    // The thread between the two sides.
    let path = format!("/api/v1/reports/{id}/messages");
    let (s, v) = call(app, Some(rho), Method::POST, &path, &json!({"text": " "})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, _) = call(
        app,
        Some(rho),
        Method::POST,
        &path,
        &json!({"text": "Il ragazzo risulta seguito da Arese"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, thread) = call(app, Some(desk), Method::GET, &path, &Value::Null).await;
    assert_eq!(thread[0]["text"], "Il ragazzo risulta seguito da Arese");
    let (s, _) = call(app, Some(arese), Method::GET, &path, &Value::Null).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = answer(app, rho, h, "not_competent", "Residente ad Arese").await;
    assert_eq!(s, StatusCode::CONFLICT, "stale version");
    let (s, v) = answer(app, rho, &h2, "not_competent", " ").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["error"]["fields"]["reason"].is_string(), "{v}");
    let (s, h3) = answer(app, rho, &h2, "not_competent", "Residente ad Arese").await;
    assert_eq!(s, StatusCode::OK, "{h3}");
    assert_eq!(status_of(app, desk, id).await, "handover_queued");
    let (_, notes) = call(
        app,
        Some(coordinator),
        Method::GET,
        "/api/v1/notifications",
        &Value::Null,
    )
    .await;
    assert!(notes.to_string().contains("handover_returned"), "{notes}");
    let (s, _) = call(
        app,
        Some(rho),
        Method::GET,
        &format!("/api/v1/reports/{id}"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "given back: no longer theirs");
}

/// It stays on the coordinator's board and in the overdue list until answered.
async fn stays_on_the_board_until_answered(
    app: &mut TestApp,
    coordinator: &Who,
    rho: &Who,
    id: i64,
) {
    let board = app.get_as(coordinator, "/").await.text();
    assert!(board.contains("Passaggio in ritardo"), "{board}");
    let (_, late) = call(
        app,
        Some(coordinator),
        Method::GET,
        "/api/v1/handovers?overdue=true",
        &Value::Null,
    )
    .await;
    assert_eq!(late[0]["report_id"], id);
    let (_, mine) = call(
        app,
        Some(rho),
        Method::GET,
        "/api/v1/handovers",
        &Value::Null,
    )
    .await;
    let (s, _) = answer(app, rho, &mine[0], "acknowledged", "").await;
    assert_eq!(s, StatusCode::OK);
    let board = app.get_as(coordinator, "/").await.text();
    assert!(
        !board.contains("Passaggio in ritardo"),
        "acknowledged: off the board"
    );
}

#[tokio::test]
async fn the_handover_sheet_prints_and_comes_as_a_pdf_with_its_protections() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let rho = app.sign_in("servizio_sociale", &[RHO]).await;
    let shelter = json!({"kind": "casa_rifugio", "name": "Casa Girasole", "provider": "CAV",
        "address": "Via Segreta 7, Rho", "confidentiality": "protetto", "capacity": 2,
        "unit": "posti_letto", "contact": "1522", "tariff": "0"});
    let (_, v) = call(
        &mut app,
        Some(&coordinator),
        Method::POST,
        "/api/v1/resources",
        &shelter,
    )
    .await;
    let shelter_id = v["id"].as_i64().unwrap();
    let mut body = minimal();
    body["target_group"] = json!("violenza_genere");
    body["current_location"] = json!("Bar della stazione, via Madonna");
    body["description"] = json!("Donna con il figlio, fuggita di casa");
    let id = urgency(&mut app, &desk, body).await;
    let path = format!("/api/v1/reports/{id}/activations");
    let (s, _) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        &path,
        &json!({"resource_id": shelter_id}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        &format!("/api/v1/reports/{id}/handover"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let sheet = app
        .get_as(&rho, &format!("/segnalazioni/{id}/scheda"))
        .await;
    assert_eq!(sheet.status, StatusCode::OK);
    let html = sheet.text();
    for part in [
        "Scheda di passaggio PIS-",
        "Donna con il figlio",
        "Struttura protetta tramite CAV",
        "Passaggio al servizio sociale",
        "Contatto con il Centro antiviolenza",
    ] {
        assert!(html.contains(part), "{part}: {html}");
    }
    assert!(
        !html.contains("Via Segreta")
            && !html.contains("Casa Girasole")
            && !html.contains("Bar della stazione")
    );
    let pdf = app
        .get_as(&rho, &format!("/segnalazioni/{id}/scheda.pdf"))
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.header("content-type"), "application/pdf");
    let bytes = pdf.body.clone();
    assert_pdf_opens(&bytes);
    let text = pdf_text(&bytes);
    for part in [
        "Scheda di passaggio PIS-",
        "Donna con il figlio",
        "Struttura protetta tramite CAV",
        "Contatto con il Centro antiviolenza",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    assert!(
        text.contains("Carabinieri · Stazione di Rho"),
        "accents and dots survive: {text}"
    );
    assert!(
        !text.contains("Segreta")
            && !text.contains("Girasole")
            && !text.contains("Bar della stazione")
    );
    let reads = app.audited("read").await;
    assert!(reads.iter().any(|r| r.entry.section == "sheet_pdf"));
    let arese = app.sign_in("servizio_sociale", &[ARESE]).await;
    assert_eq!(
        app.get_as(&arese, &format!("/segnalazioni/{id}/scheda.pdf"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_case_closes_with_an_outcome_and_reopens_keeping_its_history() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let id = urgency(&mut app, &desk, minimal()).await;
    let status = format!("/api/v1/reports/{id}/status");
    let (s, _) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        &status,
        &json!({"status": "advice"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        &status,
        &json!({"status": "closed"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["error"]["fields"]["closing_outcome"].is_string(), "{v}");
    let (s, v) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        &status,
        &json!({"status": "closed", "closing_outcome": "boh"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, _) = call(&mut app, Some(&desk), Method::POST, &status,
        &json!({"status": "closed", "closing_outcome": "returned_home", "note": "Rientrato dalla figlia"})).await;
    assert_eq!(s, StatusCode::OK);
    let (_, r) = call(
        &mut app,
        Some(&desk),
        Method::GET,
        &format!("/api/v1/reports/{id}"),
        &Value::Null,
    )
    .await;
    assert_eq!(
        (r["status"].as_str(), r["closing_outcome"].as_str()),
        (Some("closed"), Some("returned_home"))
    );
    let page = app
        .get_as(&desk, &format!("/segnalazioni/{id}"))
        .await
        .text();
    assert!(
        page.contains("Chiusa: Rientrata a casa") && page.contains("Riaprire la segnalazione"),
        "{page}"
    );
    reopens_keeping_the_history(&mut app, &desk, id).await;
}

/// Reopened with a reason, the case goes back to triaged; the history keeps both moves.
async fn reopens_keeping_the_history(app: &mut TestApp, desk: &Who, id: i64) {
    let reopen = format!("/api/v1/reports/{id}/reopen");
    let (s, _) = call(
        app,
        Some(desk),
        Method::POST,
        &reopen,
        &json!({"reason": ""}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form_as(
            desk,
            &format!("/segnalazioni/{id}/riapri"),
            &[("reopen_reason", "La persona ha richiamato")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let (_, r) = call(
        app,
        Some(desk),
        Method::GET,
        &format!("/api/v1/reports/{id}"),
        &Value::Null,
    )
    .await;
    assert_eq!(
        (r["status"].as_str(), r["closing_outcome"].as_str()),
        (Some("triaged"), None)
    );
    let (s, _) = call(
        app,
        Some(desk),
        Method::POST,
        &reopen,
        &json!({"reason": "ancora"}),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "only a closed case reopens"
    );
    let page = app
        .get_as(desk, &format!("/segnalazioni/{id}"))
        .await
        .text();
    assert!(
        page.contains("Chiusa: Rientrata a casa")
            && page.contains("Riaperta")
            && page.contains("La persona ha richiamato"),
        "the history keeps both: {page}"
    );
}

#[tokio::test]
async fn the_reporter_follows_its_report_in_four_steps_without_personal_details() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let mut body = minimal();
    body["persons"] = json!([{"role": "beneficiario", "name": "Anna Neri", "sex": "F", "age": 70}]);
    let id = urgency(&mut app, &desk, body).await;
    let (s, link) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        &format!("/api/v1/reports/{id}/status-link"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{link}");
    let url = link["url"].as_str().unwrap();
    let path = url.trim_start_matches("http://127.0.0.1:8080");
    assert!(
        path.starts_with("/stato/") && path.len() == "/stato/".len() + 64,
        "{url}"
    );
    app.who = None;
    let page = app.get(path).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("In lavorazione") && html.contains("PIS-"),
        "{html}"
    );
    assert!(
        !html.contains("Anna")
            && !html.contains("Uomo al freddo")
            && !html.contains("Stazione di Rho"),
        "{html}"
    );
    let (s, _) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        &format!("/api/v1/reports/{id}/handover"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    app.who = None;
    assert!(
        app.get(path)
            .await
            .text()
            .contains("Passata al servizio sociale del comune")
    );
    // A new link replaces the old one; a made-up one opens nothing.
    let (_, again) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        &format!("/api/v1/reports/{id}/status-link"),
        &Value::Null,
    )
    .await;
    assert_ne!(again["url"], link["url"]);
    app.who = None;
    assert_eq!(app.get(path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/stato/nonesiste").await.status,
        StatusCode::NOT_FOUND
    );
    let writes = app.audited("write").await;
    assert!(writes.iter().any(|w| w.entry.section == "status_link"));
    assert!(
        !format!("{writes:?}").contains(url.rsplit('/').next().unwrap()),
        "the secret is not audited"
    );
}

#[tokio::test]
async fn a_trusted_reporter_sends_a_report_and_sees_only_where_it_stands() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let police = app.sign_in("segnalante", &[]).await;
    let (s, sent) = call(
        &mut app,
        Some(&police),
        Method::POST,
        "/api/v1/reports",
        &minimal(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{sent}");
    let id = sent["id"].as_i64().unwrap();
    let path = format!("/api/v1/reports/{id}");
    let (s, v) = call(&mut app, Some(&police), Method::GET, &path, &Value::Null).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (v["restricted"].as_bool(), v["status"].as_str()),
        (Some(true), Some("received")),
        "{v}"
    );
    assert!(
        v.get("persons").is_none() && v.get("description").is_none(),
        "{v}"
    );
    let triage =
        json!({"outcome": "emergenza", "rationale": "Freddo", "criteria": ["pericolo_immediato"]});
    let (s, _) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        &format!("{path}/triage"),
        &triage,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, v) = call(&mut app, Some(&police), Method::GET, &path, &Value::Null).await;
    assert_eq!(v["status"], "in_progress", "not the inner lifecycle: {v}");
    let board = app.get_as(&police, "/").await.text();
    assert!(
        board.contains("In lavorazione") && !board.contains("Valutata"),
        "{board}"
    );
    // A report the organisation did not send does not exist for it.
    let other = urgency(&mut app, &desk, minimal()).await;
    let (s, _) = call(
        &mut app,
        Some(&police),
        Method::GET,
        &format!("/api/v1/reports/{other}"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = call(
        &mut app,
        Some(&police),
        Method::POST,
        &format!("{path}/triage"),
        &triage,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a reporter does not triage");
}

#[tokio::test]
async fn the_morning_summary_counts_the_night_and_mails_once_without_names() {
    let (mut app, got) = app_with_mail().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let rho = app.sign_in("servizio_sociale", &[RHO]).await;
    let arese = app.sign_in("servizio_sociale", &[ARESE]).await;
    for who in [&coordinator, &rho, &arese] {
        let address = format!("{}@example.it", who.username);
        let r = app
            .post_form_as(who, "/profilo/avvisi", &[("alert_email", &address)], None)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    let mut body = minimal();
    body["persons"] =
        json!([{"role": "beneficiario", "name": "Bruno Gialli", "sex": "M", "age": 50}]);
    let handed = urgency(&mut app, &desk, body).await;
    let (s, _) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        &format!("/api/v1/reports/{handed}/handover"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let _ = urgency(&mut app, &desk, minimal()).await;
    let (_, coord) = call(
        &mut app,
        Some(&coordinator),
        Method::GET,
        "/api/v1/summary",
        &Value::Null,
    )
    .await;
    assert_eq!(coord["by_outcome"]["urgenza"], 2, "{coord}");
    assert_eq!(coord["handovers_waiting"], 1);
    assert!(
        coord["roster_gaps"].is_number(),
        "the coordinator sees the roster: {coord}"
    );
    let (_, mine) = call(
        &mut app,
        Some(&rho),
        Method::GET,
        "/api/v1/summary",
        &Value::Null,
    )
    .await;
    assert_eq!(
        mine["reports"].as_array().map(Vec::len),
        Some(1),
        "only the case handed to Rho: {mine}"
    );
    assert!(mine["roster_gaps"].is_null());
    let (_, theirs) = call(
        &mut app,
        Some(&arese),
        Method::GET,
        "/api/v1/summary",
        &Value::Null,
    )
    .await;
    assert_eq!(
        (
            theirs["reports"].as_array().map(Vec::len),
            theirs["handovers_waiting"].as_u64()
        ),
        (Some(0), Some(0))
    );
    let page = app.get_as(&coordinator, "/riepilogo").await.text();
    assert!(
        page.contains("Riepilogo del mattino") && page.contains("1 passaggio in attesa"),
        "{page}"
    );
    mailed_once_with_counts(&app, &got, [&coordinator, &rho, &arese]).await;
}

/// Before 07:30 nothing goes; after, once a day, to the coordinator and to Rho only.
async fn mailed_once_with_counts(
    app: &TestApp,
    got: &crate::interventions::Mailbox,
    people: [&Who; 3],
) {
    let [coordinator, rho, arese] = people;
    let mail = presidio_app::summary::mail_due;
    assert_eq!(mail(&app.state, rome(2026, 11, 23, 7, 0)).await.unwrap(), 0);
    assert_eq!(
        mail(&app.state, rome(2026, 11, 23, 7, 31)).await.unwrap(),
        2
    );
    assert_eq!(
        mail(&app.state, rome(2026, 11, 23, 9, 0)).await.unwrap(),
        0,
        "once a day"
    );
    let sent = mails(got, 2).await.join("\n");
    assert!(
        sent.contains(&format!("To: {}@example.it", coordinator.username)),
        "{sent}"
    );
    assert!(
        sent.contains(&format!("To: {}@example.it", rho.username))
            && !sent.contains(&arese.username),
        "{sent}"
    );
    assert!(sent.contains("/riepilogo") && sent.contains("/passaggi"));
    assert!(
        sent.contains("Formazione richiesta mancante o in scadenza:"),
        "the training register's count: {sent}"
    );
    assert!(
        !sent.contains("Gialli") && !sent.contains("PIS-"),
        "counts and links only: {sent}"
    );
}
