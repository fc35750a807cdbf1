//! Escalation of a dispatch nobody answers: an alert not acknowledged in the Ambito's minutes
//! goes to the next field operator on call, then to the coordinator on call, each step once
//! (two sweeps at once take it once), kept in the dispatch's history with its time, on the
//! coordinators' board and through the outbox; a check-in still missing after its alarm sends
//! a colleague; on both databases.

use axum::http::{Method, StatusCode};
use presidio_domain::time::UtcMillis;
use serde_json::{Value, json};

use crate::calendar::call;
use crate::interventions::{app_with_mail, emergency, mails, on_call, step, user_id};
use crate::reports_api::minimal;
use crate::support::{TestApp, Who};

const MIN: i64 = 60_000;

async fn sweep(app: &TestApp, at: i64) -> usize {
    presidio_app::escalation::sweep(&app.state, UtcMillis(at))
        .await
        .unwrap()
}

async fn dispatch_of(app: &mut TestApp, who: &Who, report: i64) -> Value {
    let path = format!("/api/v1/reports/{report}/dispatches");
    let (s, v) = call(app, Some(who), Method::GET, &path, &Value::Null).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v.as_array().unwrap().last().unwrap().clone()
}

async fn addresses(app: &TestApp, people: &[(&Who, &str)]) {
    for (who, address) in people {
        let r = app
            .post_form_as(who, "/profilo/avvisi", &[("alert_email", address)], None)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    }
}

#[tokio::test]
async fn an_unacknowledged_alert_goes_to_the_next_operator_then_the_coordinator() {
    let (mut app, got) = app_with_mail().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &["015182"]).await;
    let first = app.sign_in("operatore_pis", &[]).await;
    let second = app.sign_in("operatore_pis", &[]).await;
    addresses(
        &app,
        &[
            (&first, "primo@coop.example.it"),
            (&second, "secondo@coop.example.it"),
            (&coordinator, "coord@coop.example.it"),
        ],
    )
    .await;
    on_call(&mut app, &coordinator, &first, "pronto_intervento").await;
    on_call(&mut app, &coordinator, &second, "pronto_intervento").await;
    on_call(
        &mut app,
        &coordinator,
        &coordinator,
        "coordinatore_reperibile",
    )
    .await;
    let (first_id, second_id) = (
        user_id(&mut app, &first).await,
        user_id(&mut app, &second).await,
    );
    let id = emergency(&mut app, &desk, minimal()).await;
    let path = format!("/api/v1/reports/{id}/dispatches");
    let (s, d) = call(&mut app, Some(&desk), Method::POST, &path, &json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    assert_eq!(d["operator_id"], first_id);
    assert_eq!(mails(&got, 1).await.len(), 1);
    let t0 = presidio_db::now().0;
    assert_eq!(
        sweep(&app, t0 + 9 * MIN).await,
        0,
        "still within the minutes"
    );
    assert_eq!(sweep(&app, t0 + 10 * MIN + 1_000).await, 1);
    assert_eq!(sweep(&app, t0 + 10 * MIN + 2_000).await, 0, "once");
    let d = dispatch_of(&mut app, &desk, id).await;
    assert_eq!(
        d["operator_id"], second_id,
        "the dispatch is the next one's"
    );
    let sent = mails(&got, 2).await;
    assert!(
        sent[1].contains("To: secondo@coop.example.it"),
        "{}",
        sent[1]
    );
    // Nobody answers again: two sweeps at once tell the coordinator on call once.
    let at = t0 + 21 * MIN;
    let (one, other) = tokio::join!(sweep(&app, at), sweep(&app, at));
    assert_eq!(one + other, 1);
    let sent = mails(&got, 3).await;
    assert_eq!(sent.len(), 3);
    assert!(
        sent[2].contains("To: coord@coop.example.it") && sent[2].contains("senza risposta"),
        "{}",
        sent[2]
    );
    assert!(!sent[2].contains("Rossi"), "no name in the message");
    assert_eq!(sweep(&app, t0 + 90 * MIN).await, 0, "the chain has ended");
    let d = dispatch_of(&mut app, &desk, id).await;
    let steps = d["escalations"].as_array().unwrap();
    assert_eq!(
        steps
            .iter()
            .map(|e| (e["cause"].as_str().unwrap(), e["reached"].as_str().unwrap()))
            .collect::<Vec<_>>(),
        vec![("no_ack", "operator"), ("no_ack", "coordinator")]
    );
    assert_eq!(steps[0]["from_user_id"], first_id);
    assert_eq!(steps[0]["to_user_id"], second_id);
    let when = jiff::Timestamp::from_millisecond(at).unwrap().to_string();
    assert_eq!(steps[1]["at"], when.as_str());
    shown_and_taken(&mut app, (&desk, &coordinator, &second), id, &d).await;
}

/// The history on the report page, the coordinators' board line; the second operator wakes
/// and takes the dispatch.
async fn shown_and_taken(app: &mut TestApp, people: (&Who, &Who, &Who), id: i64, d: &Value) {
    let (desk, coordinator, second) = people;
    let page = app
        .get_as(desk, &format!("/segnalazioni/{id}"))
        .await
        .text();
    assert!(
        page.contains("Nessuna conferma: allerta passata a"),
        "{page}"
    );
    assert!(page.contains("avvisato il coordinatore"), "{page}");
    let board = app.get_as(desk, "/").await.text();
    assert!(board.contains("Nessuna conferma dai reperibili"), "{board}");
    let (_, notes) = call(
        app,
        Some(coordinator),
        Method::GET,
        "/api/v1/notifications",
        &Value::Null,
    )
    .await;
    assert!(notes.to_string().contains("senza conferma"), "{notes}");
    let (s, v) = step(app, second, d, json!({"step": "acknowledge"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let audit = format!("{:?}", app.audited("write").await);
    assert!(
        audit.contains("escalate=no_ack reached=coordinator"),
        "{audit}"
    );
}

#[tokio::test]
async fn a_check_in_still_missing_after_the_alarm_sends_a_colleague() {
    let (mut app, got) = app_with_mail().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &["015182"]).await;
    let on_site = app.sign_in("operatore_pis", &[]).await;
    let colleague = app.sign_in("operatore_pis", &[]).await;
    addresses(&app, &[(&colleague, "collega@coop.example.it")]).await;
    on_call(&mut app, &coordinator, &on_site, "pronto_intervento").await;
    on_call(&mut app, &coordinator, &colleague, "pronto_intervento").await;
    let id = emergency(&mut app, &desk, minimal()).await;
    let path = format!("/api/v1/reports/{id}/dispatches");
    let (s, d) = call(&mut app, Some(&desk), Method::POST, &path, &json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let (_, d) = step(&mut app, &on_site, &d, json!({"step": "acknowledge"})).await;
    let (_, d) = step(&mut app, &on_site, &d, json!({"step": "arrive"})).await;
    let t0 = presidio_db::now().0;
    assert_eq!(
        sweep(&app, t0 + 30 * MIN).await,
        0,
        "acknowledged: no chain"
    );
    let late = UtcMillis(t0 + 46 * MIN);
    assert_eq!(
        presidio_app::interventions::sweep(&app.state, late)
            .await
            .unwrap(),
        1
    );
    assert_eq!(sweep(&app, t0 + 5 * MIN).await, 0, "the alarm is fresh");
    assert_eq!(sweep(&app, t0 + 11 * MIN).await, 1);
    assert_eq!(sweep(&app, t0 + 60 * MIN).await, 0, "once");
    let sent = mails(&got, 1).await;
    assert!(
        sent[0].contains("To: collega@coop.example.it") && sent[0].contains("check-in"),
        "{}",
        sent[0]
    );
    let v = dispatch_of(&mut app, &desk, id).await;
    assert_eq!(v["escalations"][0]["cause"], "check_in");
    assert_eq!(v["escalations"][0]["reached"], "operator");
    // The check-in clears the alarm; a later miss goes up the chain again.
    let (s, v) = step(&mut app, &on_site, &v, json!({"step": "check_in"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let _ = d;
    // The colleague now follows the case.
    let r = app.get_as(&colleague, &format!("/segnalazioni/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text()
            .contains("Check-in ancora mancante: avvisato il collega")
    );
}

#[tokio::test]
async fn an_ambito_sets_its_minutes_from_the_command_line() {
    let app = TestApp::new().await;
    app.t.db.set_ack_minutes("rhodense", 3).await.unwrap();
    let minutes = app.t.db.ack_minutes().await.unwrap();
    assert_eq!(minutes[0].1, 3);
    assert!(matches!(
        app.t.db.set_ack_minutes("nessuno", 3).await,
        Err(presidio_db::DbError::NotFound)
    ));
    assert_eq!(
        presidio_domain::intervention::escalation::ack_minutes(0),
        Err(presidio_domain::validation::Problem::OutOfRange)
    );
}
