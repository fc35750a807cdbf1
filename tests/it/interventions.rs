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

pub async fn step(app: &mut TestApp, who: &Who, d: &Value, body: Value) -> (StatusCode, Value) {
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
    let (s, v) = step(&mut app, &field, &stale, json!({"step": "acknowledge"})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(
        (
            &v["error"]["current"]["version"],
            &v["error"]["current"]["id"]
        ),
        (&d["version"], &d["id"]),
        "the dispatch as it stands, beside the version sent: {v}"
    );
    assert_eq!(v["error"]["current"]["stage"], d["stage"], "{v}");
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
    let sweep = presidio_app::interventions::sweep;
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

/// A local SMTP server that keeps every message it is given.
pub async fn smtp_sink() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = got.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read);
                write.write_all(b"220 sink\r\n").await.unwrap();
                let mut line = String::new();
                while lines.read_line(&mut line).await.unwrap_or(0) > 0 {
                    let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
                    let answer: &[u8] = match verb.as_str() {
                        "DATA" => {
                            write.write_all(b"354 go on\r\n").await.unwrap();
                            let mut message = String::new();
                            loop {
                                let mut l = String::new();
                                if lines.read_line(&mut l).await.unwrap_or(0) == 0 || l == ".\r\n" {
                                    break;
                                }
                                message.push_str(&l);
                            }
                            kept.lock().unwrap().push(message);
                            b"250 queued\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(answer).await.unwrap();
                    line.clear();
                }
            });
        }
    });
    (url, got)
}

/// The mailbox of a local SMTP server.
pub type Mailbox = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// The application with its e-mails going to a local SMTP sink (the rest as configured by
/// default), and that sink's mailbox.
pub async fn app_with_mail() -> (TestApp, Mailbox) {
    let (url, got) = smtp_sink().await;
    let mut app = TestApp::new().await;
    app.set_field(presidio_app::FieldConfig {
        mailer: Some(
            presidio_app::mail::Mailer::new(&url, "Presidio <presidio@example.it>").unwrap(),
        ),
        ..presidio_app::FieldConfig::default()
    });
    (app, got)
}

/// Waits (up to 10 s) until the sink holds `n` messages.
pub async fn mails(got: &Mailbox, n: usize) -> Vec<String> {
    for _ in 0..200 {
        if got.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    got.lock().unwrap().clone()
}

#[tokio::test]
async fn alerts_and_alarms_are_mailed_as_a_link_and_a_protected_shelter_stays_hidden() {
    let (mut app, got) = app_with_mail().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let field = app.sign_in("operatore_pis", &[]).await;
    alert_addresses(&app, &coordinator, &field).await;
    on_call(&mut app, &coordinator, &field, "pronto_intervento").await;
    on_call(
        &mut app,
        &coordinator,
        &coordinator,
        "coordinatore_reperibile",
    )
    .await;
    let shelter = json!({"kind": "casa_rifugio", "name": "Casa Girasole", "provider": "CAV Rhodense",
        "address": "Via Segreta 7, Rho", "confidentiality": "protetto", "capacity": 3,
        "unit": "posti_letto", "contact": "02 000 1522", "tariff": "0"});
    let (s, v) = call(
        &mut app,
        Some(&coordinator),
        Method::POST,
        "/api/v1/resources",
        &shelter,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let shelter_id = v["id"].as_i64().unwrap();
    let mut body = minimal();
    body["target_group"] = json!("violenza_genere");
    body["persons"] =
        json!([{"role": "beneficiario", "name": "Maria Bianchi", "sex": "F", "age": 34}]);
    body["description"] = json!("Fuggita dal compagno violento con il figlio");
    let id = emergency(&mut app, &desk, body).await;
    let (s, d) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        &format!("/api/v1/reports/{id}/dispatches"),
        &json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let sent = mails(&got, 1).await;
    assert_eq!(sent.len(), 1, "the alert is mailed");
    let code = d["report_code"].as_str().unwrap();
    assert!(
        sent[0].contains("To: operatore@coop.example.it"),
        "{}",
        sent[0]
    );
    assert!(
        sent[0].contains("http://127.0.0.1:8080/campo") && sent[0].contains(code),
        "{}",
        sent[0]
    );
    // The operator goes on site and places her through the CAV.
    let (_, d) = step(&mut app, &field, &d, json!({"step": "acknowledge"})).await;
    let (_, d) = step(&mut app, &field, &d, json!({"step": "arrive"})).await;
    let (s, v) = call(
        &mut app,
        Some(&field),
        Method::POST,
        &format!("/api/v1/reports/{id}/activations"),
        &json!({"resource_id": shelter_id}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["resource"], "Struttura protetta tramite CAV");
    let late = presidio_domain::time::UtcMillis(presidio_db::now().0 + 46 * 60_000);
    assert_eq!(
        presidio_app::interventions::sweep(&app.state, late)
            .await
            .unwrap(),
        1
    );
    let sent = mails(&got, 2).await;
    assert_eq!(
        sent.len(),
        2,
        "the alarm is mailed to the coordinator on call"
    );
    assert!(
        sent[1].contains("To: coord@coop.example.it")
            && sent[1].contains(&format!("/segnalazioni/{id}")),
        "{}",
        sent[1]
    );
    let _ = d;
    nothing_shows_the_shelter(&app, &coordinator, &field, id, &sent).await;
    let audit = format!("{:?}", app.audited("write").await);
    assert!(!audit.contains("Via Segreta"));
}

/// Each sets an address for alerts on their profile (a wrong one is refused, naming the field).
async fn alert_addresses(app: &TestApp, coordinator: &Who, field: &Who) {
    let r = app
        .post_form_as(
            field,
            "/profilo/avvisi",
            &[("alert_email", "non un indirizzo")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .contains("E-mail per gli avvisi: indirizzo e-mail non valido"),
        "{}",
        r.text()
    );
    for (who, address) in [
        (field, "operatore@coop.example.it"),
        (coordinator, "coord@coop.example.it"),
    ] {
        let r = app
            .post_form_as(who, "/profilo/avvisi", &[("alert_email", address)], None)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    }
    assert!(
        app.get_as(field, "/profilo")
            .await
            .text()
            .contains("operatore@coop.example.it")
    );
}

/// Nothing the operator, the board, the lists or the mails show names the shelter's place or
/// the woman.
async fn nothing_shows_the_shelter(
    app: &TestApp,
    coordinator: &Who,
    field: &Who,
    id: i64,
    sent: &[String],
) {
    let (coordinator, field) = (coordinator, field);
    let mut seen = sent.join("\n");
    for (who, path) in [
        (field, "/campo".to_owned()),
        (field, "/".to_owned()),
        (coordinator, "/".to_owned()),
        (field, "/risorse".to_owned()),
        (field, format!("/segnalazioni/{id}")),
        (field, "/api/v1/resources".to_owned()),
        (field, format!("/api/v1/reports/{id}/activations")),
        (coordinator, "/api/v1/notifications".to_owned()),
        (coordinator, "/notifiche".to_owned()),
    ] {
        let r = app.get_as(who, &path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        let text = r.text();
        assert!(
            !text.contains("Via Segreta"),
            "the shelter's address leaked in {path}"
        );
        assert!(
            path.contains("resources") || path == "/risorse" || !text.contains("Casa Girasole"),
            "the shelter's name leaked in {path}"
        );
        seen.push_str(&text);
    }
    assert!(
        !seen.contains("Via Segreta"),
        "the shelter's address leaked"
    );
    assert!(
        !sent.join("\n").contains("Maria") && !sent.join("\n").contains("compagno"),
        "personal data mailed"
    );
}

/// The dispatch's version as the operator reads it now.
async fn current(app: &mut TestApp, field: &Who) -> Value {
    let (_, mine) = call(app, Some(field), Method::GET, "/api/v1/field", &Value::Null).await;
    mine[0].clone()
}

async fn tap(app: &mut TestApp, field: &Who, id: i64, step: &str) {
    let d = current(app, field).await;
    let version = d["version"].to_string();
    let path = format!("/segnalazioni/{id}/intervento/{}", d["id"]);
    let r = app
        .post_form_as(
            field,
            &path,
            &[("step", step), ("version", &version), ("back", "campo")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{step}: {}", r.text());
    assert_eq!(r.header("location"), format!("/campo#caso-{id}"));
}

#[tokio::test]
async fn the_field_view_takes_an_emergency_from_the_alert_to_a_confirmed_bed() {
    let mut app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let field = app.sign_in("operatore_pis", &[]).await;
    on_call(&mut app, &coordinator, &field, "pronto_intervento").await;
    let id = bed_and_emergency(&mut app, &coordinator, &desk).await;
    let page = app
        .get_as(&desk, &format!("/segnalazioni/{id}"))
        .await
        .text();
    assert!(page.contains("Allerta l&#39;operatore"), "{page}");
    assert!(
        page.contains("Operatore di turno (Utente operatorepis"),
        "the one on call comes first"
    );
    let r = app
        .post_form_as(
            &desk,
            &format!("/segnalazioni/{id}/intervento"),
            &[("operator_id", "")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let view = app.get_as(&field, "/campo").await.text();
    assert!(
        view.contains("Ricevuto, me ne occupo") && view.contains("tel:0293301234"),
        "{view}"
    );
    assert!(
        view.contains("Stazione di Rho, binario 1") && view.contains("Casa Itaca"),
        "{view}"
    );
    tap(&mut app, &field, id, "acknowledge").await;
    tap(&mut app, &field, id, "depart").await;
    tap(&mut app, &field, id, "arrive").await;
    let view = app.get_as(&field, "/campo").await.text();
    assert!(
        view.contains("Sul posto da") && view.contains("Prossimo check-in entro le"),
        "{view}"
    );
    // A refused assessment comes back to the field view naming the fields.
    let d = current(&mut app, &field).await;
    let path = format!("/segnalazioni/{id}/intervento/{}", d["id"]);
    let version = d["version"].to_string();
    let r = app
        .post_form_as(
            &field,
            &path,
            &[
                ("step", "assess"),
                ("version", &version),
                ("back", "campo"),
                ("persons_met", ""),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("Persone incontrate: campo obbligatorio"),
        "{}",
        r.text()
    );
    let r = app
        .post_form_as(
            &field,
            &format!("/segnalazioni/{id}/nota-veloce"),
            &[("text", "Accetta il posto letto")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    hold_and_confirm_a_bed(&mut app, &field, id).await;
    let view = app.get_as(&field, "/campo").await.text();
    assert!(view.contains("confermat"), "{view}");
    let page = app
        .get_as(&coordinator, &format!("/segnalazioni/{id}"))
        .await
        .text();
    assert!(
        page.contains("Accetta il posto letto") && page.contains("Tempi dell&#39;intervento"),
        "{page}"
    );
    let reads = app.audited("read").await;
    assert!(
        reads.iter().any(|r| r.entry.section == "field"),
        "the field view's reads are audited"
    );
    // On the printed sheet every time is absolute.
    let sheet = app
        .get_as(&coordinator, &format!("/segnalazioni/{id}/scheda"))
        .await
        .text();
    assert!(sheet.contains("Sul posto dal "), "{sheet}");
    assert!(!sheet.contains(" min<"), "{sheet}");
}

/// The bed is held from the field view, then confirmed.
pub async fn hold_and_confirm_a_bed(app: &mut TestApp, field: &Who, id: i64) {
    let (_, resources) = call(
        app,
        Some(field),
        Method::GET,
        "/api/v1/resources",
        &Value::Null,
    )
    .await;
    let bed_id = resources[0]["id"].to_string();
    let r = app
        .post_form_as(
            field,
            &format!("/segnalazioni/{id}/attivazioni"),
            &[("resource_id", &bed_id), ("back", "campo")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let (_, acts) = call(
        app,
        Some(field),
        Method::GET,
        &format!("/api/v1/reports/{id}/activations"),
        &Value::Null,
    )
    .await;
    let path = format!("/segnalazioni/{id}/attivazioni/{}/stato", acts[0]["id"]);
    let version = acts[0]["version"].to_string();
    let r = app
        .post_form_as(
            field,
            &path,
            &[
                ("status", "confirmed"),
                ("version", &version),
                ("back", "campo"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
}

/// A dormitory with one bed, and an emergency at the station whose reporter left a number.
pub async fn bed_and_emergency(app: &mut TestApp, coordinator: &Who, desk: &Who) -> i64 {
    let bed = json!({"kind": "dormitorio", "name": "Casa Itaca", "provider": "Cooperativa",
        "address": "Via dei Mille 3, Rho", "confidentiality": "pubblico", "capacity": 1,
        "unit": "posti_letto", "contact": "02 930 1111", "tariff": "25"});
    let (s, _) = call(
        app,
        Some(coordinator),
        Method::POST,
        "/api/v1/resources",
        &bed,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let mut body = minimal();
    body["reporter"]["phone"] = json!("02 9330 1234");
    body["current_location"] = json!("Stazione di Rho, binario 1");
    emergency(app, desk, body).await
}

#[tokio::test]
async fn the_report_page_lists_the_procedure_and_records_a_notice() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let mut body = minimal();
    body["target_group"] = json!("msna");
    body["persons"] = json!([{"role": "beneficiario", "sex": "M", "age": 16}]);
    let received = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(26))
        .unwrap();
    body["received_at"] = json!(received.to_string());
    let id = emergency(&mut app, &desk, body).await;
    let path = format!("/segnalazioni/{id}");
    let page = app.get_as(&desk, &path).await.text();
    assert!(page.contains("Procedura speciale"), "{page}");
    assert_eq!(page.matches("procedure-overdue").count(), 3, "{page}");
    let form = format!("{path}/procedura");
    let r = app
        .post_form_as(
            &desk,
            &form,
            &[("step", "procura_minori"), ("done_by", "Operatrice PIS")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .contains("Numero di protocollo: campo obbligatorio"),
        "{}",
        r.text()
    );
    let r = app
        .post_form_as(
            &desk,
            &form,
            &[
                ("step", "procura_minori"),
                ("done_by", "Operatrice PIS"),
                ("protocol", "PM-2026/77"),
                ("done_at", ""),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = app.get_as(&desk, &path).await.text();
    assert_eq!(page.matches("procedure-overdue").count(), 2);
    assert!(page.contains("prot. PM-2026/77"), "{page}");
}

/// Two emergencies dispatched to the same operator: each case has its own resource search, and a
/// place is held for the case whose button was pressed, which the button names.
#[tokio::test]
async fn in_the_field_view_a_bed_is_held_for_the_case_that_asked_for_it() {
    let mut app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let field = app.sign_in("operatore_pis", &[]).await;
    on_call(&mut app, &coordinator, &field, "pronto_intervento").await;
    let homeless = bed_and_emergency(&mut app, &coordinator, &desk).await;
    let mut minor = minimal();
    minor["target_group"] = json!("msna");
    minor["persons"] = json!([{"role": "beneficiario", "sex": "M", "age": 16}]);
    let minor = emergency(&mut app, &desk, minor).await;
    let mut codes = Vec::new();
    for id in [minor, homeless] {
        let r = app
            .post_form_as(
                &desk,
                &format!("/segnalazioni/{id}/intervento"),
                &[("operator_id", "")],
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let (_, v) = call(
            &mut app,
            Some(&desk),
            Method::GET,
            &format!("/api/v1/reports/{id}"),
            &Value::Null,
        )
        .await;
        codes.push(v["code"].as_str().unwrap().to_owned());
    }
    // Two cases: no hold button until a search is made for one of them.
    let view = app.get_as(&field, "/campo").await.text();
    assert!(!view.contains("Blocca un posto"), "{view}");
    assert!(
        view.contains(&format!("Risorse per {}", codes[0])),
        "{view}"
    );
    assert!(
        view.contains(&format!("Risorse per {}", codes[1])),
        "{view}"
    );
    // The search made for the homeless man's case offers the bed for that case only.
    let view = app
        .get_as(&field, &format!("/campo?caso={homeless}&q=dormitorio"))
        .await
        .text();
    assert_eq!(view.matches("Blocca un posto").count(), 1, "{view}");
    assert!(
        view.contains(&format!("Blocca un posto per {}: Casa Itaca", codes[1])),
        "{view}"
    );
    let form_at = view.find("Blocca un posto per").unwrap();
    let action = &view[..form_at][view[..form_at].rfind("action=\"").unwrap() + 8..];
    let action = &action[..action.find('"').unwrap()];
    assert_eq!(action, format!("/segnalazioni/{homeless}/attivazioni"));
    let resource_id = {
        let (_, list) = call(
            &mut app,
            Some(&field),
            Method::GET,
            "/api/v1/resources",
            &Value::Null,
        )
        .await;
        list[0]["id"].to_string()
    };
    let r = app
        .post_form_as(
            &field,
            action,
            &[("resource_id", &resource_id), ("back", "campo")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    for (id, held) in [(homeless, 1), (minor, 0)] {
        let (_, acts) = call(
            &mut app,
            Some(&coordinator),
            Method::GET,
            &format!("/api/v1/reports/{id}/activations"),
            &Value::Null,
        )
        .await;
        assert_eq!(acts.as_array().unwrap().len(), held, "case {id}: {acts}");
    }
}
