//! Web Push: a device subscribes through the API; an alert reaches a local push receiver,
//! encrypted for the device (RFC 8291) and signed with the VAPID key (RFC 8292); the receiver
//! decrypts it with the subscription's keys and finds the report's code and a link only; a
//! subscription the push service says is gone is removed; refused input names its field; on
//! both databases.

use std::sync::{Arc, Mutex};

use axum::http::{Method, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use p256::ecdsa::signature::Verifier as _;
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use serde_json::{Value, json};

use crate::calendar::call;
use crate::interventions::{emergency, on_call};
use crate::reports_api::minimal;
use crate::support::TestApp;

/// What the receiver got: (authorization header, content-encoding, body).
type Got = Arc<Mutex<Vec<(String, String, Vec<u8>)>>>;

/// A local push service: answers `status` to every push and keeps what it got.
async fn receiver(status: Arc<Mutex<u16>>) -> (String, Got) {
    let got: Got = Arc::default();
    let kept = got.clone();
    let app = axum::Router::new().route(
        "/push/{device}",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let (kept, status) = (kept.clone(), status.clone());
                async move {
                    let header = |n: &str| {
                        headers
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    kept.lock().unwrap().push((
                        header("authorization"),
                        header("content-encoding"),
                        body.to_vec(),
                    ));
                    StatusCode::from_u16(*status.lock().unwrap()).unwrap()
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

async fn pushes(got: &Got, n: usize) -> Vec<(String, String, Vec<u8>)> {
    for _ in 0..200 {
        if got.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    got.lock().unwrap().clone()
}

#[tokio::test]
async fn an_alert_is_pushed_encrypted_for_the_device_and_a_gone_device_is_removed() {
    let mut app = TestApp::new().await;
    app.set_field(presidio_app::FieldConfig {
        push_allow_http: true,
        ..presidio_app::FieldConfig::default()
    });
    let status = Arc::new(Mutex::new(201));
    let (url, got) = receiver(status.clone()).await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &["015182"]).await;
    let field = app.sign_in("operatore_pis", &[]).await;
    let (s, key) = call(
        &mut app,
        Some(&field),
        Method::GET,
        "/api/v1/push/key",
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let server_key = key["key"].as_str().unwrap().to_owned();
    assert_eq!(B64.decode(&server_key).unwrap().len(), 65);
    // The device's keys, as a browser makes them.
    let device = p256::SecretKey::from_slice(&[7u8; 32]).unwrap();
    let p256dh = B64.encode(device.public_key().to_encoded_point(false).as_bytes());
    let auth = [9u8; 16];
    let body = json!({"endpoint": format!("{url}/push/telefono-1"),
        "keys": {"p256dh": p256dh, "auth": B64.encode(auth)}, "label": "Telefono di servizio"});
    refusals(&mut app, &field, &body).await;
    let (s, v) = call(
        &mut app,
        Some(&field),
        Method::POST,
        "/api/v1/push/subscriptions",
        &body,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let subscription = v["id"].as_i64().unwrap();
    // The alert.
    on_call(&mut app, &coordinator, &field, "pronto_intervento").await;
    let id = emergency(&mut app, &desk, minimal()).await;
    let path = format!("/api/v1/reports/{id}/dispatches");
    let (s, d) = call(&mut app, Some(&desk), Method::POST, &path, &json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let got_now = pushes(&got, 1).await;
    assert_eq!(got_now.len(), 1, "one push");
    let (authorization, encoding, encrypted) = got_now[0].clone();
    assert_eq!(encoding, "aes128gcm");
    let plain = web_push_native::decrypt(encrypted, &device, &web_push_native::Auth::from(auth))
        .expect("the device decrypts the push");
    let payload: Value = serde_json::from_slice(&plain).unwrap();
    let code = d["report_code"].as_str().unwrap();
    assert!(
        payload["title"].as_str().unwrap().contains(code),
        "{payload}"
    );
    assert_eq!(payload["url"], "http://127.0.0.1:8080/campo");
    assert_eq!(
        payload.as_object().unwrap().len(),
        2,
        "the code and a link only"
    );
    vapid_is_signed(&authorization, &server_key, &url);
    let sent = app.t.db.outbox(Some("sent"), None, 10).await.unwrap();
    assert!(sent.iter().any(|m| m.channel == "push"), "{sent:?}");
    // The push service says the device is gone: the subscription is removed.
    *status.lock().unwrap() = 410;
    let id = emergency(&mut app, &desk, minimal()).await;
    let path = format!("/api/v1/reports/{id}/dispatches");
    let (s, _) = call(&mut app, Some(&desk), Method::POST, &path, &json!({})).await;
    assert_eq!(s, StatusCode::CREATED);
    pushes(&got, 2).await;
    for _ in 0..100 {
        if app.t.db.subscription(subscription).await.unwrap().is_none() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(app.t.db.subscription(subscription).await.unwrap().is_none());
    let (_, list) = call(
        &mut app,
        Some(&field),
        Method::GET,
        "/api/v1/push/subscriptions",
        &Value::Null,
    )
    .await;
    assert_eq!(list["items"], json!([]));
}

/// `vapid t=<JWT>, k=<key>`: the key is the server's, the JWT names the push service's origin
/// and is signed with ES256 by that key.
fn vapid_is_signed(authorization: &str, server_key: &str, origin: &str) {
    let rest = authorization.strip_prefix("vapid t=").expect(authorization);
    let (token, key) = rest.split_once(", k=").unwrap();
    assert_eq!(key, server_key);
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let claims: Value =
        serde_json::from_slice(&B64.decode(signed.split('.').nth(1).unwrap()).unwrap()).unwrap();
    assert_eq!(claims["aud"], origin);
    let verifying =
        p256::ecdsa::VerifyingKey::from_sec1_bytes(&B64.decode(server_key).unwrap()).unwrap();
    let signature = p256::ecdsa::Signature::from_slice(&B64.decode(signature).unwrap()).unwrap();
    verifying
        .verify(signed.as_bytes(), &signature)
        .expect("signed with the VAPID key");
}

/// Each bad field is refused by name, and nothing is kept.
async fn refusals(app: &mut TestApp, who: &crate::support::Who, good: &Value) {
    let cases = [
        ("endpoint", json!("ftp://push.example.net/x")),
        ("endpoint", json!("")),
        (
            "endpoint",
            json!(format!("https://push.example.net/{}", "x".repeat(2100))),
        ),
        ("p256dh", json!("non-una-chiave")),
        ("p256dh", json!(B64.encode([4u8; 65]))),
        ("auth", json!(B64.encode([1u8; 15]))),
        ("label", json!("")),
    ];
    for (field, value) in cases {
        let mut body = good.clone();
        match field {
            "p256dh" | "auth" => body["keys"][field] = value,
            _ => body[field] = value,
        }
        let (s, v) = call(
            app,
            Some(who),
            Method::POST,
            "/api/v1/push/subscriptions",
            &body,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {v}");
        assert!(v["error"]["fields"][field].is_string(), "{field}: {v}");
    }
    let (_, list) = call(
        app,
        Some(who),
        Method::GET,
        "/api/v1/push/subscriptions",
        &Value::Null,
    )
    .await;
    assert_eq!(list["items"], json!([]));
    // A device that does not exist is not found.
    let (s, _) = call(
        app,
        Some(who),
        Method::DELETE,
        "/api/v1/push/subscriptions/999",
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_admin_replaces_the_key_and_every_device_subscribes_again() {
    let mut app = TestApp::new().await;
    let admin = app.sign_in("admin", &[]).await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let (_, first) = call(
        &mut app,
        Some(&coordinator),
        Method::GET,
        "/api/v1/push/key",
        &Value::Null,
    )
    .await;
    let (_, again) = call(
        &mut app,
        Some(&admin),
        Method::GET,
        "/api/v1/push/key",
        &Value::Null,
    )
    .await;
    assert_eq!(first, again, "one key, made once");
    let device = p256::SecretKey::from_slice(&[5u8; 32]).unwrap();
    let body = json!({"endpoint": "https://push.example.net/wpush/v2/abc",
        "keys": {"p256dh": B64.encode(device.public_key().to_encoded_point(false).as_bytes()),
                 "auth": B64.encode([3u8; 16])}, "label": "Telefono"});
    let (s, mine) = call(
        &mut app,
        Some(&coordinator),
        Method::POST,
        "/api/v1/push/subscriptions",
        &body,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    // Another user's device is not theirs to remove.
    let path = format!("/api/v1/push/subscriptions/{}", mine["id"]);
    let (s, _) = call(&mut app, Some(&admin), Method::DELETE, &path, &Value::Null).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = call(
        &mut app,
        Some(&coordinator),
        Method::POST,
        "/api/v1/push/key",
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, rotated) = call(
        &mut app,
        Some(&admin),
        Method::POST,
        "/api/v1/push/key",
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{rotated}");
    assert_ne!(rotated["key"], first["key"]);
    let (_, now) = call(
        &mut app,
        Some(&coordinator),
        Method::GET,
        "/api/v1/push/key",
        &Value::Null,
    )
    .await;
    assert_eq!(now, rotated);
    let (_, list) = call(
        &mut app,
        Some(&coordinator),
        Method::GET,
        "/api/v1/push/subscriptions",
        &Value::Null,
    )
    .await;
    assert_eq!(list["items"], json!([]), "bound to the old key: removed");
    let audit = format!("{:?}", app.audited("write").await);
    assert!(audit.contains("push_key"), "{audit}");
}
