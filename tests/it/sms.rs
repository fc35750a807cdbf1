//! SMS through a configured HTTP gateway: the operator's mobile number from the profile; an
//! alert goes out by every channel the operator has; one channel delivering is enough for the
//! board, and when none does the board shows the alarm once; on both databases.

use std::sync::{Arc, Mutex};

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::calendar::call;
use crate::interventions::{emergency, on_call};
use crate::reports_api::minimal;
use crate::support::TestApp;

pub type Got = Arc<Mutex<Vec<(String, Value)>>>;

/// A local SMS gateway: answers `status`, keeps (authorization, body).
pub async fn gateway(status: Arc<Mutex<u16>>) -> (String, Got) {
    let got: Got = Arc::default();
    let kept = got.clone();
    let app = axum::Router::new().route(
        "/sms",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let (kept, status) = (kept.clone(), status.clone());
                async move {
                    let auth = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    kept.lock()
                        .unwrap()
                        .push((auth, serde_json::from_slice(&body).unwrap_or(Value::Null)));
                    StatusCode::from_u16(*status.lock().unwrap()).unwrap()
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

pub async fn wait(got: &Got, n: usize) -> Vec<(String, Value)> {
    for _ in 0..200 {
        if got.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    got.lock().unwrap().clone()
}

#[tokio::test]
async fn an_alert_goes_by_sms_too_and_one_channel_delivering_is_enough() {
    let status = Arc::new(Mutex::new(202));
    let (url, got) = gateway(status.clone()).await;
    let mut app = TestApp::new().await;
    app.set_field(presidio_app::FieldConfig {
        // A relay that is not there: every e-mail fails.
        mailer: Some(
            presidio_app::mail::Mailer::new("smtp://127.0.0.1:9", "Presidio <p@example.it>")
                .unwrap(),
        ),
        sms: Some(
            presidio_app::sms::SmsGateway::new(
                &url,
                "POST",
                "Content-Type: application/json|Authorization: Bearer segreto",
                r#"{"to":"{to}","message":"{text}"}"#,
                "202",
            )
            .unwrap(),
        ),
        ..presidio_app::FieldConfig::default()
    });
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &["015182"]).await;
    let field = app.sign_in("operatore_pis", &[]).await;
    // The profile refuses a wrong number by its label, and keeps a good one in full.
    let r = app
        .post_form_as(&field, "/profilo/sms", &[("mobile", "333 abc")], None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Cellulare per gli SMS"), "{}", r.text());
    for (path, field_name, value) in [
        ("/profilo/sms", "mobile", "333 123 4567"),
        ("/profilo/avvisi", "alert_email", "pis@coop.example.it"),
    ] {
        let r = app
            .post_form_as(&field, path, &[(field_name, value)], None)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    }
    assert!(
        app.get_as(&field, "/profilo")
            .await
            .text()
            .contains("+393331234567")
    );
    on_call(&mut app, &coordinator, &field, "pronto_intervento").await;
    let alert = async |app: &mut TestApp| {
        let id = emergency(app, &desk, minimal()).await;
        let path = format!("/api/v1/reports/{id}/dispatches");
        let (s, d) = call(app, Some(&desk), Method::POST, &path, &json!({})).await;
        assert_eq!(s, StatusCode::CREATED, "{d}");
        d["report_code"].as_str().unwrap().to_owned()
    };
    let code = alert(&mut app).await;
    let sms = wait(&got, 1).await;
    assert_eq!(sms[0].0, "Bearer segreto");
    assert_eq!(sms[0].1["to"], "+393331234567");
    let text = sms[0].1["message"].as_str().unwrap();
    assert!(
        text.contains(&code) && text.contains("http://127.0.0.1:8080/campo"),
        "{text}"
    );
    // The e-mail failed, the SMS went: no red line.
    settled(&app, 2).await;
    let board = app.get_as(&coordinator, "/").await.text();
    assert!(!board.contains("Allarme non consegnato"), "{board}");
    // Every channel down: the board shows the alarm, once.
    *status.lock().unwrap() = 503;
    let code = alert(&mut app).await;
    wait(&got, 2).await;
    settled(&app, 4).await;
    let board = app.get_as(&coordinator, "/").await.text();
    assert_eq!(
        board.matches("Allarme non consegnato a").count(),
        1,
        "{board}"
    );
    assert!(board.contains(&code));
}

/// Waits until `n` messages have had their first attempt.
async fn settled(app: &TestApp, n: usize) {
    for _ in 0..200 {
        let all = app.t.db.outbox(None, None, 50).await.unwrap();
        if all
            .iter()
            .filter(|m| m.attempts > 0 && m.state != "queued")
            .count()
            >= n
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the messages were not tried");
}
