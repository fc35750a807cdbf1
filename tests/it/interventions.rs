//! The intervention: alert of the field operator on call, steps and check-ins, the lone-worker
//! alarm, the special procedures, and the e-mails (a link, never personal data).

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::calendar::call;
use crate::reports_api::minimal;
use crate::support::{TestApp, Who};

/// Records a report and triages it as an emergency; returns its id.
pub async fn emergency(app: &mut TestApp, who: &Who, body: Value) -> i64 {
    let (s, v) = call(app, Some(who), Method::POST, "/api/v1/reports", &body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let triage = json!({"outcome": "emergenza", "rationale": "Pericolo immediato per la persona",
        "criteria": ["pericolo_immediato"]});
    let path = format!("/api/v1/reports/{id}/triage");
    let (s, v) = call(app, Some(who), Method::POST, &path, &triage).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    id
}

pub async fn user_id(app: &mut TestApp, who: &Who) -> i64 {
    let (_, me) = call(app, Some(who), Method::GET, "/api/v1/me", &Value::Null).await;
    me["id"].as_i64().unwrap()
}

/// Puts `who` on the roster as the field operator on call for the next hours.
pub async fn on_call(app: &mut TestApp, coordinator: &Who, who: &Who, role: &str) {
    let id = user_id(app, who).await;
    let now = jiff::Timestamp::now();
    let body = json!({"role": role, "user_id": id, "phone": "333 123 4567",
        "start": now.checked_sub(jiff::SignedDuration::from_hours(1)).unwrap().to_string(),
        "end": now.checked_add(jiff::SignedDuration::from_hours(8)).unwrap().to_string()});
    let (s, v) = call(
        app,
        Some(coordinator),
        Method::POST,
        "/api/v1/roster/shifts",
        &body,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

async fn step(app: &mut TestApp, who: &Who, d: &Value, body: Value) -> (StatusCode, Value) {
    let path = format!("/api/v1/dispatches/{}/steps", d["id"]);
    let mut body = body;
    body["version"] = d["version"].clone();
    call(app, Some(who), Method::POST, &path, &body).await
}

async fn status_of(app: &mut TestApp, who: &Who, id: i64) -> String {
    let path = format!("/api/v1/reports/{id}");
    let (_, v) = call(app, Some(who), Method::GET, &path, &Value::Null).await;
    v["status"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_operator_on_call_is_alerted_goes_on_site_and_the_report_follows() {
    let mut app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let field = app.sign_in("operatore_pis", &[]).await;
    let id = emergency(&mut app, &desk, minimal()).await;
    let alert = format!("/api/v1/reports/{id}/dispatches");
    let (s, v) = call(&mut app, Some(&desk), Method::POST, &alert, &json!({})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "nobody on call: {v}");
    assert!(v["error"]["fields"]["operator_id"].is_string(), "{v}");
    on_call(&mut app, &coordinator, &field, "pronto_intervento").await;
    let (s, d) = call(&mut app, Some(&desk), Method::POST, &alert, &json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    assert!(
        d["operator"]
            .as_str()
            .unwrap()
            .starts_with("Utente operatorepis"),
        "{d}"
    );
    assert_eq!(
        d["operator_id"].as_i64(),
        Some(user_id(&mut app, &field).await)
    );
    assert_eq!(d["stage"], "alerted");
    assert_eq!(d["allowed"], json!(["acknowledge", "cancel"]));
    assert_eq!(status_of(&mut app, &desk, id).await, "operator_alerted");
    let (s, _) = call(&mut app, Some(&desk), Method::POST, &alert, &json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "one dispatch at a time");
    // The operator finds it among their own cases, and it is on the board.
    let (_, mine) = call(
        &mut app,
        Some(&field),
        Method::GET,
        "/api/v1/field",
        &Value::Null,
    )
    .await;
    assert_eq!(mine[0]["id"], d["id"], "{mine}");
    let board = app.get_as(&field, "/").await.text();
    assert!(board.contains("Sei stato allertato per"), "{board}");
    // Out of order, stale or unknown steps change nothing.
    let (s, v) = step(&mut app, &field, &d, json!({"step": "arrive"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"]["fields"]["step"].is_string(), "{v}");
    let (s, _) = step(&mut app, &field, &d, json!({"step": "volare"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let mut stale = d.clone();
    stale["version"] = json!(99);
    let (s, _) = step(&mut app, &field, &stale, json!({"step": "acknowledge"})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, d) = step(&mut app, &field, &d, json!({"step": "acknowledge"})).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(status_of(&mut app, &desk, id).await, "accepted");
    let (_, d) = step(&mut app, &field, &d, json!({"step": "depart"})).await;
    let (s, d) = step(&mut app, &field, &d, json!({"step": "arrive"})).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["stage"], "on_site");
    assert!(d["check_in_due"].is_string() && d["departed_at"].is_string());
    assert_eq!(status_of(&mut app, &desk, id).await, "on_site");
    let board = app.get_as(&coordinator, "/").await.text();
    assert!(board.contains("Sul posto da"), "{board}");
    let d = lone_worker_alarm(&mut app, &coordinator, &field, d).await;
    let (s, v) = step(&mut app, &field, &d, json!({"step": "assess"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        v["error"]["fields"]["persons_met"].is_string()
            && v["error"]["fields"]["assessment"].is_string(),
        "{v}"
    );
    let found = json!({"step": "assess", "persons_met": 1,
        "assessment": "Uomo lucido, ipotermia lieve: accetta il dormitorio"});
    let (s, d) = step(&mut app, &field, &d, found).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["persons_met"], 1);
    let (_, d) = step(&mut app, &field, &d, json!({"step": "end"})).await;
    assert_eq!(d["stage"], "ended");
    assert_eq!(status_of(&mut app, &desk, id).await, "intervention_closed");
    let path = format!("/api/v1/reports/{id}/dispatches");
    let (_, list) = call(
        &mut app,
        Some(&coordinator),
        Method::GET,
        &path,
        &Value::Null,
    )
    .await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let reads = app.audited("read").await;
    assert!(reads.iter().any(|r| r.entry.section == "dispatches"));
    // A stranger to the Ambito's cases cannot record a step.
    let analyst = app.sign_in("analista", &[]).await;
    let (s, _) = step(&mut app, &analyst, &d, json!({"step": "end"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// Missing a check-in raises one alarm for the coordinators; the next check-in clears it.
async fn lone_worker_alarm(app: &mut TestApp, coordinator: &Who, field: &Who, d: Value) -> Value {
    let now = presidio_db::now().0;
    let sweep = presidio_web::interventions::sweep;
    assert_eq!(
        sweep(&app.state, presidio_domain::time::UtcMillis(now))
            .await
            .unwrap(),
        0
    );
    let late = presidio_domain::time::UtcMillis(now + 46 * 60_000);
    assert_eq!(sweep(&app.state, late).await.unwrap(), 1);
    assert_eq!(sweep(&app.state, late).await.unwrap(), 0, "raised once");
    let (_, list) = call(
        app,
        Some(coordinator),
        Method::GET,
        "/api/v1/notifications",
        &Value::Null,
    )
    .await;
    let text = list.to_string();
    assert!(
        text.contains("check_in_missed") && text.contains("Check-in mancato"),
        "{text}"
    );
    assert!(!text.contains("stazione"), "no detail of the case: {text}");
    let (_, mine) = call(app, Some(field), Method::GET, "/api/v1/field", &Value::Null).await;
    assert!(mine[0]["alarm_at"].is_string(), "{mine}");
    assert_eq!(mine[0]["id"], d["id"]);
    let d = mine[0].clone();
    let (s, d) = step(app, field, &d, json!({"step": "check_in"})).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert!(d["alarm_at"].is_null(), "{d}");
    d
}

#[tokio::test]
async fn an_unaccompanied_minor_s_notices_are_recorded_and_overdue_ones_marked() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let mut body = minimal();
    body["target_group"] = json!("msna");
    body["persons"] = json!([{"role": "beneficiario", "sex": "M", "age": 15, "language": "arabo"}]);
    let received = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(30))
        .unwrap();
    body["received_at"] = json!(received.to_string());
    let id = emergency(&mut app, &desk, body).await;
    let path = format!("/api/v1/reports/{id}/procedures");
    let (s, list) = call(&mut app, Some(&desk), Method::GET, &path, &Value::Null).await;
    assert_eq!(s, StatusCode::OK);
    let states: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{}={}",
                i["step"].as_str().unwrap(),
                i["state"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            "procura_minori=overdue",
            "tribunale_minori=overdue",
            "ministero_lavoro=pending",
            "colloquio_mediatore=pending",
            "collocamento_comunita=overdue"
        ]
    );
    let (s, v) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        &path,
        &json!({"step": "tribunale_minori", "done_by": "Operatrice PIS"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        v["error"]["fields"]["protocol"]
            .as_str()
            .unwrap()
            .contains("protocollo"),
        "{v}"
    );
    let (s, v) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        &path,
        &json!({"step": "contatto_cav", "done_by": "x"}),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not a step of this procedure: {v}"
    );
    let (s, list) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        &path,
        &json!({"step": "tribunale_minori", "done_by": "Operatrice PIS",
                "protocol": "TM-2026/881", "done_at": "2026-11-21T23:40"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list[1]["state"], "done");
    assert_eq!(list[1]["protocol"], "TM-2026/881");
    assert_eq!(list[1]["done_at"], "2026-11-21T22:40:00Z");
    assert!(
        list[1]["recorded_by"]
            .as_str()
            .unwrap()
            .starts_with("Utente")
    );
    let writes = app.audited("write").await;
    assert!(writes.iter().any(|w| w.entry.section == "procedures"));
    // A homeless man's case has no special procedure.
    let other = emergency(&mut app, &desk, minimal()).await;
    let (_, list) = call(
        &mut app,
        Some(&desk),
        Method::GET,
        &format!("/api/v1/reports/{other}/procedures"),
        &Value::Null,
    )
    .await;
    assert_eq!(list, json!([]));
}
