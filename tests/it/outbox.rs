//! The outbox: a message the relay refuses is tried again with growing waits and arrives on
//! the fourth attempt; two senders at once deliver it once; an alarm nobody could receive is
//! on the board in red until delivered; the admins read the queue; on both databases.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::{Method, StatusCode};
use presidio_db::{Notice, To};
use presidio_domain::time::UtcMillis;
use serde_json::Value;

use crate::calendar::call;
use crate::interventions::Mailbox;
use crate::support::TestApp;

/// A local SMTP server that refuses the first `refusals` messages (451 at `MAIL FROM`) and
/// keeps the others.
async fn refusing_sink(refusals: usize) -> (String, Mailbox, Arc<AtomicUsize>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let got: Mailbox = Arc::default();
    let refused = Arc::new(AtomicUsize::new(0));
    let (kept, count) = (got.clone(), refused.clone());
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (kept, count) = (kept.clone(), count.clone());
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read);
                write.write_all(b"220 sink\r\n").await.unwrap();
                let mut line = String::new();
                while lines.read_line(&mut line).await.unwrap_or(0) > 0 {
                    let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
                    let answer: &[u8] = match verb.as_str() {
                        "MAIL" if count.load(Ordering::SeqCst) < refusals => {
                            count.fetch_add(1, Ordering::SeqCst);
                            b"451 4.3.0 try again later\r\n"
                        }
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
    (url, got, refused)
}

async fn app_refusing(refusals: usize, give_up_minutes: u32) -> (TestApp, Mailbox) {
    let (url, got, _) = refusing_sink(refusals).await;
    let mut app = TestApp::new().await;
    app.set_field(presidio_app::FieldConfig {
        mailer: Some(
            presidio_app::mail::Mailer::new(&url, "Presidio <presidio@example.it>").unwrap(),
        ),
        outbox_give_up_minutes: give_up_minutes,
        ..presidio_app::FieldConfig::default()
    });
    (app, got)
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    app.t.db.credentials(username).await.unwrap().unwrap().id
}

async fn alarm(app: &TestApp, user: i64) -> i64 {
    let rhodense = app.t.db.list_ambiti().await.unwrap()[0].id;
    app.t
        .db
        .set_alert_email(
            user,
            Some("pis.notte@example.it"),
            &presidio_domain::audit::Entry::new(
                presidio_domain::time::UtcMillis(0),
                presidio_domain::audit::Action::Write,
            ),
        )
        .await
        .unwrap();
    presidio_app::outbox::send(
        &app.state,
        &Notice {
            to: To::User(user),
            ambito_id: Some(rhodense.0),
            subject: "Allarme: check-in mancato PIS-2026-0042".into(),
            body: "Apri il campo: http://127.0.0.1/campo".into(),
            kind: presidio_domain::outbox::Kind::Safety,
            email: true,
            sms: false,
        },
    )
    .await;
    app.t.db.outbox(None, None, 10).await.unwrap()[0].id
}

async fn state_of(app: &TestApp, id: i64) -> (String, i64) {
    let m = app
        .t
        .db
        .outbox(None, None, 100)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.id == id)
        .unwrap();
    (m.state, m.attempts)
}

#[tokio::test]
async fn a_refused_alarm_is_tried_again_and_arrives_on_the_fourth_attempt() {
    let (app, got) = app_refusing(3, 60).await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let field = app.sign_in("operatore_pis", &[]).await;
    let id = alarm(&app, user_id(&app, &field.username).await).await;
    assert_eq!(state_of(&app, id).await, ("failed".into(), 1));
    let board = app.get_as(&coord, "/").await.text();
    assert!(
        board.contains("Allarme non consegnato a") && board.contains("PIS-2026-0042"),
        "{board}"
    );
    let t0 = app.state.clock.now().0;
    let deliver = |at: i64| presidio_app::outbox::deliver(&app.state, UtcMillis(at));
    assert_eq!(deliver(t0 + 1_000).await.unwrap(), 0, "not due yet");
    assert_eq!(state_of(&app, id).await.1, 1);
    assert_eq!(deliver(t0 + 16_000).await.unwrap(), 0);
    assert_eq!(deliver(t0 + 16_000 + 31_000).await.unwrap(), 0);
    assert_eq!(state_of(&app, id).await, ("failed".into(), 3));
    // The fourth attempt, by two senders at once: delivered once.
    let at = t0 + 16_000 + 31_000 + 61_000;
    let (a, b) = tokio::join!(deliver(at), deliver(at));
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    assert_eq!(state_of(&app, id).await, ("sent".into(), 4));
    let mails = crate::interventions::mails(&got, 1).await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("PIS-2026-0042"));
    assert_eq!(deliver(at + 3_600_000).await.unwrap(), 0, "never again");
    let board = app.get_as(&coord, "/").await.text();
    assert!(!board.contains("Allarme non consegnato"), "delivered now");
    let m = &app.t.db.outbox(Some("sent"), None, 10).await.unwrap()[0];
    assert!(m.last_error.is_none());
    // Kept for 30 days, then removed by maintenance.
    let week = at + 7 * 86_400_000;
    assert_eq!(
        app.t.db.purge_outbox(week - 30 * 86_400_000).await.unwrap(),
        0
    );
    assert_eq!(app.t.db.purge_outbox(week).await.unwrap(), 1);
}

#[tokio::test]
async fn an_alarm_nobody_could_receive_stays_on_the_board_and_in_the_admins_queue() {
    let (mut app, _got) = app_refusing(usize::MAX, 1).await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let admin = app.sign_in("admin", &[]).await;
    let field = app.sign_in("operatore_pis", &[]).await;
    let id = alarm(&app, user_id(&app, &field.username).await).await;
    let t0 = app.state.clock.now().0;
    presidio_app::outbox::deliver(&app.state, UtcMillis(t0 + 61_000))
        .await
        .unwrap();
    assert_eq!(state_of(&app, id).await, ("gave_up".into(), 2));
    assert_eq!(
        presidio_app::outbox::deliver(&app.state, UtcMillis(t0 + 86_400_000))
            .await
            .unwrap(),
        0,
        "given up: never tried again"
    );
    for who in [&coord, &desk] {
        let board = app.get_as(who, "/").await.text();
        assert!(board.contains("Allarme non consegnato a"), "{board}");
        assert!(board.contains("2 tentativi"), "{board}");
    }
    let (s, v) = call(
        &mut app,
        Some(&admin),
        Method::GET,
        "/api/v1/outbox?state=gave_up",
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let item = &v["items"][0];
    assert_eq!(
        (item["id"].as_i64(), item["safety"].as_bool()),
        (Some(id), Some(true))
    );
    let error = item["last_error"].as_str().unwrap();
    assert!(error.contains("451") && !error.contains('@'), "{error}");
    let (s, v) = call(
        &mut app,
        Some(&admin),
        Method::GET,
        "/api/v1/outbox?state=perso",
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"]["fields"]["state"].is_string());
    let (s, _) = call(
        &mut app,
        Some(&coord),
        Method::GET,
        "/api/v1/outbox",
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// The alert is queued by the same transaction as the dispatch: in the queue as soon as the
/// dispatch is acknowledged. An operator with no address for any channel gets an alert that no
/// channel carries, and the board says so at once.
#[tokio::test]
async fn an_alert_is_queued_with_its_dispatch_and_one_nobody_can_carry_is_on_the_board() {
    let (mut app, _got) = app_refusing(usize::MAX, 60).await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &["015182"]).await;
    let field = app.sign_in("operatore_pis", &[]).await;
    let field_id = user_id(&app, &field.username).await;
    crate::interventions::on_call(&mut app, &coord, &field, "pronto_intervento").await;
    let alert = async |app: &mut TestApp| {
        let id = crate::interventions::emergency(app, &desk, crate::reports_api::minimal()).await;
        let path = format!("/api/v1/reports/{id}/dispatches");
        let (s, d) = call(
            app,
            Some(&desk),
            Method::POST,
            &path,
            &serde_json::json!({}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{d}");
        let queued = app.t.db.outbox(None, None, 10).await.unwrap();
        (d, queued)
    };
    let (d, queued) = alert(&mut app).await;
    let m = &queued[0];
    assert_eq!(
        (m.user_id, m.channel.as_str(), m.state.as_str(), m.safety),
        (Some(field_id), "none", "gave_up", 1)
    );
    assert!(m.subject.contains(d["report_code"].as_str().unwrap()));
    let board = app.get_as(&coord, "/").await.text();
    assert!(board.contains("Allarme non consegnato a"), "{board}");
    let admin = app.sign_in("admin", &[]).await;
    let page = app.get_as(&admin, "/amministrazione/messaggi").await.text();
    assert!(page.contains("Nessun recapito"), "{page}");
    // With an address, the alert is in the queue (tried at once) when the answer comes.
    let r = app
        .post_form_as(
            &field,
            "/profilo/avvisi",
            &[("alert_email", "pis@coop.example.it")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (_, queued) = alert(&mut app).await;
    let m = &queued[0];
    assert_eq!(
        (m.user_id, m.channel.as_str(), m.recipient.as_str()),
        (Some(field_id), "email", "pis@coop.example.it")
    );
    assert_ne!(m.state, "sent", "the relay refuses everything");
}
