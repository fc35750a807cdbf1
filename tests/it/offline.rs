//! The field app's offline outbox on the server's side: a check-in and a note tapped without
//! network arrive later with their tap times, once whatever the replays; a step on a dispatch
//! that changed meanwhile answers 409 with the dispatch as it is now; a tap time out of range
//! is refused on its field and writes nothing; the board lists what arrived late; both
//! databases.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};

use crate::calendar::call;
use crate::interventions::{emergency, on_call, step};
use crate::reports_api::minimal;
use crate::support::{TestApp, TestResponse, Who};

async fn queued(app: &TestApp, who: &Who, key: &str, body: &Value) -> TestResponse {
    let request = Request::post("/campo/invio")
        .header("content-type", "application/json")
        .header("cookie", &who.cookie)
        .header("x-csrf-token", &who.csrf)
        .header("idempotency-key", key)
        .body(Body::from(body.to_string()))
        .unwrap();
    app.request(request).await
}

fn iso(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).unwrap().to_string()
}

#[tokio::test]
async fn steps_and_notes_made_offline_arrive_once_with_their_tap_times() {
    let mut app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &["015182"]).await;
    let field = app.sign_in("operatore_pis", &[]).await;
    on_call(&mut app, &coordinator, &field, "pronto_intervento").await;
    let id = emergency(&mut app, &desk, minimal()).await;
    let path = format!("/api/v1/reports/{id}/dispatches");
    let (s, d) = call(&mut app, Some(&desk), Method::POST, &path, &json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let (_, d) = step(&mut app, &field, &d, json!({"step": "acknowledge"})).await;
    let (_, d) = step(&mut app, &field, &d, json!({"step": "arrive"})).await;
    let now = presidio_db::now().0;
    let tapped = now - 7 * 60_000;
    let check_in = json!({"action": "step", "report_id": id, "dispatch_id": d["id"],
        "step": "check_in", "version": d["version"], "tapped_at": iso(tapped)});
    let note = json!({"action": "note", "report_id": id, "text": "Sta bene, ha accettato una coperta",
        "tapped_at": iso(tapped + 60_000)});
    refused_input_writes_nothing(&app, &field, id, tapped, now).await;
    // The replay, then the same replay again: once.
    for _ in 0..2 {
        let r = queued(&app, &field, "k-check-in", &check_in).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["version"], d["version"].as_i64().unwrap() + 1);
        let r = queued(&app, &field, "k-note", &note).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    }
    let diary = app.t.db.report_history(id).await.unwrap().diary;
    assert_eq!(diary.len(), 1);
    assert_eq!(diary[0].at, tapped + 60_000, "the tap's time");
    assert!(diary[0].received_at.is_some_and(|r| r >= now));
    let dispatch = app.t.db.dispatch(d["id"].as_i64().unwrap()).await.unwrap();
    assert_eq!(
        dispatch.dispatch.last_check_in_at.map(|t| t.0),
        Some(tapped)
    );
    assert_eq!(dispatch.receipts.len(), 1, "one check-in");
    // The Centrale's board: each once, with its tap time.
    let board = app.get_as(&desk, "/").await.text();
    let t = presidio_i18n::catalogue().tr(presidio_i18n::Locale::Italian);
    let at = t.time(presidio_domain::time::UtcMillis(tapped));
    assert_eq!(board.matches("Dal campo, senza rete").count(), 2, "{board}");
    assert_eq!(
        board
            .matches(&format!("Check-in: tutto bene alle {at}"))
            .count(),
        1,
        "{board}"
    );
    // The report page says the times are the phone's.
    let page = app
        .get_as(&desk, &format!("/segnalazioni/{id}"))
        .await
        .text();
    assert!(page.contains("ora del telefono, senza rete"), "{page}");
    stale_and_foreign(&mut app, &field, &d, id, (&check_in, &note)).await;
}

async fn refused_input_writes_nothing(app: &TestApp, field: &Who, id: i64, tapped: i64, now: i64) {
    // Refused input first: nothing written.
    for (bad, field_name) in [
        (
            json!({"action": "note", "report_id": id, "text": "x", "tapped_at": "0001-01-01T00:00:00Z"}),
            "tapped_at",
        ),
        (
            json!({"action": "note", "report_id": id, "text": "x", "tapped_at": iso(now + 3_600_000)}),
            "tapped_at",
        ),
        (
            json!({"action": "note", "report_id": id, "text": "x", "tapped_at": "ieri"}),
            "tapped_at",
        ),
        (
            json!({"action": "note", "report_id": id, "text": "", "tapped_at": iso(tapped)}),
            "text",
        ),
        (json!({"action": "volo", "report_id": id}), "action"),
    ] {
        let r = queued(
            app,
            field,
            &format!("bad-{field_name}-{}", bad["tapped_at"]),
            &bad,
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad} {}",
            r.text()
        );
        assert!(
            r.json()["error"]["fields"][field_name].is_string(),
            "{}",
            r.text()
        );
    }
    assert_eq!(app.t.db.report_history(id).await.unwrap().diary.len(), 0);
}

/// A step on a dispatch changed meanwhile answers 409 with the dispatch as it is now; without
/// the page's token, refused; another Ambito's operator finds nothing.
async fn stale_and_foreign(
    app: &mut TestApp,
    field: &Who,
    d: &Value,
    id: i64,
    (check_in, note): (&Value, &Value),
) {
    let tapped = presidio_db::now().0 - 5 * 60_000;
    // A step on a dispatch changed meanwhile: 409 with the dispatch as it is now.
    let stale = json!({"action": "step", "report_id": id, "dispatch_id": d["id"],
        "step": "check_in", "version": d["version"], "tapped_at": iso(tapped)});
    let r = queued(app, field, "k-stale", &stale).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    let current = &r.json()["error"]["current"];
    assert_eq!(current["version"], d["version"].as_i64().unwrap() + 1);
    assert!(
        current["stage"].as_str().unwrap().starts_with("Sul posto"),
        "{current}"
    );
    assert_eq!(
        app.t
            .db
            .dispatch(d["id"].as_i64().unwrap())
            .await
            .unwrap()
            .receipts
            .len(),
        1
    );
    // Without the page's token, refused; another operator's dispatch, not found.
    let mut no_token = field.clone();
    no_token.csrf = String::new();
    let r = queued(app, &no_token, "k-other", note).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.add_bollatese().await;
    let stranger = app.sign_in_in("bollatese", "operatore_pis", &[]).await;
    let r = queued(app, &stranger, "k-check-in", check_in).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    let r = queued(app, &stranger, "k-note", note).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    assert_eq!(app.t.db.report_history(id).await.unwrap().diary.len(), 1);
}
