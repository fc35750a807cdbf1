//! Each user chooses the channels of the messages that are not safety messages, kind by kind
//! (the profile and `/api/v1/me/channels`); a safety message takes every channel the user has
//! whatever they chose; a message is queued by the write that causes it, or not at all when
//! the write is refused; on both databases.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::calendar::call;
use crate::interventions::{mails, on_call, smtp_sink};
use crate::reports_api::minimal;
use crate::sms::{gateway, wait};
use crate::support::{TestApp, Who};

async fn app_with_every_channel() -> (TestApp, crate::interventions::Mailbox, crate::sms::Got) {
    let (mail_url, mailbox) = smtp_sink().await;
    let (sms_url, texts) = gateway(std::sync::Arc::new(std::sync::Mutex::new(200))).await;
    let mut app = TestApp::new().await;
    app.set_field(presidio_app::FieldConfig {
        mailer: Some(
            presidio_app::mail::Mailer::new(&mail_url, "Presidio <p@example.it>").unwrap(),
        ),
        sms: Some(
            presidio_app::sms::SmsGateway::new(
                &sms_url,
                "POST",
                "Content-Type: application/json",
                r#"{"to":"{to}","message":"{text}"}"#,
                "200",
            )
            .unwrap(),
        ),
        ..presidio_app::FieldConfig::default()
    });
    (app, mailbox, texts)
}

/// Gives `who` an e-mail address and a mobile number from the profile.
async fn reachable(app: &TestApp, who: &Who, mobile: &str) {
    for (path, name, value) in [
        ("/profilo/sms", "mobile", mobile),
        (
            "/profilo/avvisi",
            "alert_email",
            &format!("{}@example.it", who.username),
        ),
    ] {
        let r = app.post_form_as(who, path, &[(name, value)], None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    }
}

async fn channels(app: &mut TestApp, who: &Who) -> Value {
    let (s, v) = call(
        app,
        Some(who),
        Method::GET,
        "/api/v1/me/channels",
        &json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

/// The outbox rows of `user` as (channel, state).
async fn rows_of(app: &TestApp, user: i64) -> Vec<String> {
    let mut rows: Vec<String> = app
        .t
        .db
        .outbox(None, None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.user_id == Some(user))
        .map(|m| m.channel)
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn the_api_keeps_a_choice_per_kind_and_refuses_bad_ones_changing_nothing() {
    let mut app = TestApp::new().await;
    let partner = app.sign_in("partner", &[]).await;
    let v = channels(&mut app, &partner).await;
    let list = v["channels"].as_array().unwrap();
    let kinds: Vec<&str> = list.iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["team", "handover", "follow_up", "summary", "protocol"]
    );
    for c in list {
        assert_eq!(
            (&c["email"], &c["push"], &c["sms"]),
            (&json!(true), &json!(false), &json!(false)),
            "{c}"
        );
        assert!(!c["label"].as_str().unwrap().is_empty());
    }
    let body = json!({"channels": [{"kind": "team", "sms": true, "push": true}]});
    let (s, v) = call(
        &mut app,
        Some(&partner),
        Method::PUT,
        "/api/v1/me/channels",
        &body,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["channels"][0],
        json!({"kind": "team", "label": v["channels"][0]["label"],
        "email": false, "push": true, "sms": true})
    );
    assert_eq!(
        v["channels"][3]["email"],
        json!(true),
        "the other kinds keep theirs"
    );
    let written = app.audited("write").await.len();
    for (body, field) in [
        (
            json!({"channels": [{"kind": "safety", "email": false}]}),
            "channels[0].kind",
        ),
        (
            json!({"channels": [{"kind": "team"}, {"kind": "team"}]}),
            "channels[1].kind",
        ),
        (
            json!({"channels": [{"kind": "summary"}, {"kind": "te\u{0}am"}]}),
            "channels[1].kind",
        ),
        (json!({"channels": [{"kind": "audit"}]}), "channels[0].kind"),
    ] {
        let (s, v) = call(
            &mut app,
            Some(&partner),
            Method::PUT,
            "/api/v1/me/channels",
            &body,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body} {v}");
        let message = v["error"]["fields"][field].as_str().unwrap_or_default();
        assert!(message.contains("Tipo: "), "{v}");
        assert!(!message.contains("lettere minuscole"), "{v}");
    }
    wrong_shapes_refused(&mut app, &partner).await;
    assert_eq!(app.audited("write").await.len(), written, "nothing written");
    let v = channels(&mut app, &partner).await;
    assert_eq!(
        (&v["channels"][0]["push"], &v["channels"][3]["email"]),
        (&json!(true), &json!(true))
    );
    // One's choices are one's own.
    let other = app.sign_in("partner", &[]).await;
    assert_eq!(
        channels(&mut app, &other).await["channels"][0]["email"],
        json!(true)
    );
}

#[tokio::test]
async fn an_invitation_takes_the_chosen_channels_and_an_alert_every_one() {
    let (mut app, mailbox, texts) = app_with_every_channel().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &["015182"]).await;
    let partner = app.sign_in("partner", &[]).await;
    let field = app.sign_in("operatore_pis", &[]).await;
    reachable(&app, &partner, "333 111 2222").await;
    reachable(&app, &field, "333 333 4444").await;
    // The partner wants invitations by SMS only, from the profile's form.
    let r = app
        .post_form_as(
            &partner,
            "/profilo/canali",
            &[("team-sms", "on"), ("summary-email", "on")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = app.get_as(&partner, "/profilo").await.text();
    assert!(
        page.contains(r#"id="team-sms" name="team-sms" checked"#),
        "{page}"
    );
    assert!(
        page.contains(r#"id="team-email" name="team-email">"#),
        "{page}"
    );
    // The field operator turns every other message off: the alert still takes every channel.
    let r = app.post_form_as(&field, "/profilo/canali", &[], None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let v = channels(&mut app, &field).await;
    assert!(
        v["channels"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["email"] == json!(false)),
        "{v}"
    );

    let id = crate::teams::emergency(&mut app, &coordinator).await;
    let (s, v) = crate::teams::invite(
        &mut app,
        &coordinator,
        id,
        &crate::teams::health(&partner.username),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let sms = wait(&texts, 1).await;
    assert_eq!(sms[0].1["to"], "+393331112222", "{sms:?}");
    let partner_id = crate::interventions::user_id(&mut app, &partner).await;
    assert_eq!(
        rows_of(&app, partner_id).await,
        ["sms"],
        "no e-mail, as chosen"
    );
    // A refused invitation (the same member twice) queues nothing.
    let (s, _) = crate::teams::invite(
        &mut app,
        &coordinator,
        id,
        &crate::teams::health(&partner.username),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(rows_of(&app, partner_id).await, ["sms"]);

    on_call(&mut app, &coordinator, &field, "pronto_intervento").await;
    let report = crate::interventions::emergency(&mut app, &desk, minimal()).await;
    let path = format!("/api/v1/reports/{report}/dispatches");
    let (s, d) = call(&mut app, Some(&desk), Method::POST, &path, &json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let field_id = crate::interventions::user_id(&mut app, &field).await;
    assert_eq!(
        rows_of(&app, field_id).await,
        ["email", "sms"],
        "a safety message takes all"
    );
    let sms = wait(&texts, 2).await;
    assert_eq!(sms[1].1["to"], "+393333334444");
    let mail = mails(&mailbox, 1).await;
    assert!(
        mail.iter()
            .any(|m| m.contains(&format!("To: {}@example.it", field.username))),
        "{mail:?}"
    );
    assert!(
        !mail.iter().any(|m| m.contains(&partner.username)),
        "{mail:?}"
    );
}

/// A body of the wrong shape is refused: a list that is text, an item that is an array or has a
/// field it does not take, a body that is an array or empty.
async fn wrong_shapes_refused(app: &mut TestApp, partner: &Who) {
    let (s, _) = call(
        app,
        Some(partner),
        Method::PUT,
        "/api/v1/me/channels",
        &json!({"channels": "tutti"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    for shape in [
        json!({"channels": [["team", true, true, true]]}),
        json!({"channels": [{"kind": "team", "fax": true}]}),
        json!([]),
        json!({}),
    ] {
        let (s, v) = call(
            app,
            Some(partner),
            Method::PUT,
            "/api/v1/me/channels",
            &shape,
        )
        .await;
        assert!(
            matches!(
                s,
                StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY
            ),
            "{shape}: {s} {v}"
        );
    }
}

#[tokio::test]
async fn parallel_saves_of_ones_channels_all_land_whole() {
    let app = TestApp::new().await;
    let partner = app.sign_in("partner", &[]).await;
    let bodies: Vec<Value> = [true, false, true, false]
        .iter()
        .map(|on| json!({"channels": [{"kind": "team", "push": on, "email": !on}]}))
        .collect();
    let put =
        |b| crate::reports_api::request_as(&app, &partner, Method::PUT, "/api/v1/me/channels", b);
    let saves = tokio::join!(
        put(&bodies[0]),
        put(&bodies[1]),
        put(&bodies[2]),
        put(&bodies[3])
    );
    for saved in [&saves.0, &saves.1, &saves.2, &saves.3] {
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    }
    let r = crate::reports_api::request_as(
        &app,
        &partner,
        Method::GET,
        "/api/v1/me/channels",
        &Value::Null,
    )
    .await;
    let team = r.json()["channels"][0].clone();
    assert_ne!(
        team["push"], team["email"],
        "one save or the other, never a mix: {team}"
    );
}
