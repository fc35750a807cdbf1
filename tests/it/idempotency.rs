//! `Idempotency-Key`: a creating request sent again gets its first answer and creates nothing;
//! copies at once create one record; a key is one user's and one action's; a bad key is
//! refused on the header; on both databases.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::reports_api::minimal;
use crate::support::{TestApp, Who};

async fn post_with_key(
    app: &TestApp,
    who: &Who,
    path: &str,
    key: &str,
    body: &Value,
) -> crate::support::TestResponse {
    let request = axum::http::Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", who.token))
        .header("idempotency-key", key)
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    app.request(request).await
}

async fn reports(app: &TestApp, who: &Who) -> usize {
    let r = crate::reports_api::request_as(app, who, Method::GET, "/api/v1/reports", &Value::Null)
        .await;
    r.json()["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn a_report_sent_again_with_its_key_is_created_once() {
    let app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &["015182"]).await;
    let other = app.sign_in("operatore_centrale", &["015182"]).await;
    let body = minimal();
    let first = post_with_key(&app, &desk, "/api/v1/reports", "c0ffee-1", &body).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let again = post_with_key(&app, &desk, "/api/v1/reports", "c0ffee-1", &body).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.json()["id"], first.json()["id"], "the first answer");
    assert_eq!(again.header("idempotent-replayed"), "true");
    assert_eq!(reports(&app, &desk).await, 1);
    // Copies at once: one report.
    let (a, b, c) = tokio::join!(
        post_with_key(&app, &desk, "/api/v1/reports", "c0ffee-2", &body),
        post_with_key(&app, &desk, "/api/v1/reports", "c0ffee-2", &body),
        post_with_key(&app, &desk, "/api/v1/reports", "c0ffee-2", &body),
    );
    let statuses = [a.status, b.status, c.status];
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    assert_eq!(reports(&app, &desk).await, 2);
    // Another user's same key is theirs: a report of their own.
    let theirs = post_with_key(&app, &other, "/api/v1/reports", "c0ffee-1", &body).await;
    assert_eq!(theirs.status, StatusCode::CREATED);
    assert_ne!(theirs.json()["id"], first.json()["id"]);
    // The same key for another action is refused on the header, and does nothing.
    let id = first.json()["id"].as_i64().unwrap();
    let note = json!({"kind": "nota", "text": "Richiamato il segnalante"});
    let path = format!("/api/v1/reports/{id}/diary");
    let r = post_with_key(&app, &desk, &path, "c0ffee-1", &note).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.json()["error"]["fields"]["idempotency_key"]
            .as_str()
            .unwrap()
            .starts_with("Idempotency-Key"),
        "{}",
        r.text()
    );
    for bad in ["", &"x".repeat(256), "due parole", "caffè", "a\tb"] {
        let r = post_with_key(&app, &desk, &path, bad, &note).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
    }
    let diary = || async { app.t.db.report_history(id).await.unwrap().diary.len() };
    assert_eq!(diary().await, 0);
    // A refusal is a first answer too: sent again, the same refusal.
    let wrong = json!({"kind": "nota", "text": ""});
    let r1 = post_with_key(&app, &desk, &path, "note-1", &wrong).await;
    let r2 = post_with_key(&app, &desk, &path, "note-1", &wrong).await;
    assert_eq!(
        (r1.status, r2.status),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            StatusCode::UNPROCESSABLE_ENTITY
        )
    );
    assert_eq!(r2.header("idempotent-replayed"), "true");
    // The same key with another body is another request: refused on the header.
    let r = post_with_key(&app, &desk, &path, "note-1", &note).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"]["fields"]["idempotency_key"].is_string());
    assert_eq!(diary().await, 0);
    let r3 = post_with_key(&app, &desk, &path, "note-2", &note).await;
    assert_eq!(r3.status, StatusCode::CREATED, "{}", r3.text());
    let r4 = post_with_key(&app, &desk, &path, "note-2", &note).await;
    assert_eq!(r4.json(), r3.json());
    assert_eq!(diary().await, 1);
    // Kept a day, then removed.
    let later = presidio_domain::time::UtcMillis(presidio_db::now().0 + 25 * 3_600_000);
    assert!(
        presidio_app::idempotency::purge(&app.state, later)
            .await
            .unwrap()
            >= 4
    );
    let after = post_with_key(&app, &desk, "/api/v1/reports", "c0ffee-1", &body).await;
    assert_eq!(after.status, StatusCode::CREATED);
    assert_ne!(
        after.json()["id"],
        first.json()["id"],
        "a new request after a day"
    );
}
