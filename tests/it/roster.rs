//! The on-call roster from the pages and on the board.

use axum::http::StatusCode;
use presidio_domain::time::{UtcMillis, rome_local_value};

use crate::calendar::call;
use crate::support::{TestApp, Who};

/// A week far enough ahead to be all future: Monday 7 to Sunday 13 January 2030.
const WEEK: &str = "2030-01-07";

async fn add_shift(
    app: &TestApp,
    who: &Who,
    role: &str,
    user_id: i64,
    start: &str,
    end: &str,
) -> crate::support::TestResponse {
    app.post_form_as(
        who,
        "/turni",
        &[
            ("role", role),
            ("user_id", &user_id.to_string()),
            ("phone", "+39 333 123 4567"),
            ("start", start),
            ("end", end),
            ("week", WEEK),
        ],
        None,
    )
    .await
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    app.t
        .db
        .users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username == username)
        .unwrap()
        .id
}

#[tokio::test]
async fn a_coordinator_builds_a_week_sees_the_gap_and_fills_it() {
    let app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let operator = app.sign_in("operatore_pis", &[]).await;
    let me = user_id(&app, &coordinator.username).await;
    let pis = user_id(&app, &operator.username).await;
    let page = app
        .get_as(&coordinator, &format!("/turni?settimana={WEEK}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("Settimana dal 07/01/2030 al 13/01/2030"),
        "{html}"
    );
    assert!(html.contains("Copri (Pronto intervento)"));
    // Refused, naming the fields.
    let r = add_shift(&app, &coordinator, "", pis, "", "2030-01-07T08:00").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text();
    assert!(text.contains("Ruolo: campo obbligatorio"), "{text}");
    assert!(text.contains("Dalle ore: campo obbligatorio"), "{text}");
    // Whole week for the call centre and the coordinator; the field operator misses Saturday.
    for (role, who) in [("centrale", me), ("coordinatore_reperibile", me)] {
        let r = add_shift(
            &app,
            &coordinator,
            role,
            who,
            "2030-01-07T00:00",
            "2030-01-14T00:00",
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    }
    for (start, end) in [
        ("2030-01-07T00:00", "2030-01-12T08:00"),
        ("2030-01-12T20:00", "2030-01-14T00:00"),
    ] {
        let r = add_shift(&app, &coordinator, "pronto_intervento", pis, start, end).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    let html = app
        .get_as(&coordinator, &format!("/turni?settimana={WEEK}"))
        .await
        .text();
    assert!(html.contains("id=\"roster-gaps\""), "{html}");
    assert!(
        html.contains("dal 12/01/2030 08:00 al 12/01/2030 20:00"),
        "{html}"
    );
    assert!(!html.contains("Copri (Centrale)"));
    // Filling it removes the flag.
    let r = add_shift(
        &app,
        &coordinator,
        "pronto_intervento",
        me,
        "2030-01-12T08:00",
        "2030-01-12T20:00",
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let html = app
        .get_as(&coordinator, &format!("/turni?settimana={WEEK}"))
        .await
        .text();
    assert!(html.contains("id=\"roster-no-gaps\""), "{html}");
    // Operators read the roster but change nothing.
    let html = app
        .get_as(&operator, &format!("/turni?settimana={WEEK}"))
        .await
        .text();
    assert!(html.contains("+39 333 123 4567") && !html.contains("Nuovo turno"));
    let r = add_shift(
        &app,
        &operator,
        "centrale",
        pis,
        "2030-01-07T00:00",
        "2030-01-08T00:00",
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(app.audited("write").await.len() >= 5);
}

#[tokio::test]
async fn the_board_shows_who_is_on_call_now_and_the_gaps_ahead() {
    let app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let me = user_id(&app, &coordinator.username).await;
    let board = app.get_as(&coordinator, "/").await.text();
    assert!(board.contains("Nessuno è di turno"), "{board}");
    assert!(board.contains("scoperture nei turni delle prossime due settimane"));
    let now = presidio_db::now().0;
    let r = add_shift(
        &app,
        &coordinator,
        "centrale",
        me,
        &rome_local_value(UtcMillis(now - 3_600_000)),
        &rome_local_value(UtcMillis(now + 3_600_000)),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let board = app.get_as(&coordinator, "/").await.text();
    assert!(board.contains("<strong>Centrale</strong>"), "{board}");
    assert!(board.contains("href=\"tel:+393331234567\""), "{board}");
}

#[tokio::test]
async fn the_roster_api_adds_lists_and_removes_shifts_and_reports_gaps() {
    use axum::http::Method;
    use serde_json::{Value, json};
    let mut app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let operator = app.sign_in("operatore_centrale", &[]).await;
    let analyst = app.sign_in("analista", &[]).await;
    let me = user_id(&app, &coordinator.username).await;
    // Friday 11 January 2030 17:00 Rome (16:00 UTC) to Monday 14 08:30 (07:30 UTC).
    let gaps_path = "/api/v1/roster/gaps?from=2030-01-11T12:00:00Z&to=2030-01-14T12:00:00Z";
    let (s, v) = call(
        &mut app,
        Some(&operator),
        Method::GET,
        gaps_path,
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let gaps = v.as_array().unwrap();
    assert_eq!(gaps.len(), 3, "{v}");
    assert!(
        gaps.iter()
            .all(|g| g["start"] == "2030-01-11T16:00:00Z" && g["end"] == "2030-01-14T07:30:00Z")
    );
    let body = json!({"role": "centrale", "user_id": me, "phone": "02 1234",
        "start": "2030-01-11T16:00:00Z", "end": "2030-01-14T07:30:00Z"});
    let add = "/api/v1/roster/shifts";
    let (s, _) = call(&mut app, Some(&operator), Method::POST, add, &body).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "operators do not change the roster"
    );
    let (s, v) = call(&mut app, Some(&coordinator), Method::POST, add, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (_, v) = call(
        &mut app,
        Some(&operator),
        Method::GET,
        gaps_path,
        &Value::Null,
    )
    .await;
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert!(!v.to_string().contains("\"centrale\""), "{v}");
    let list = "/api/v1/roster/shifts?from=2030-01-11T12:00:00Z&to=2030-01-14T12:00:00Z";
    let (_, v) = call(&mut app, Some(&operator), Method::GET, list, &Value::Null).await;
    assert_eq!(v[0]["phone"], "02 1234");
    assert_eq!(v[0]["end"], "2030-01-14T07:30:00Z");
    let one = format!("/api/v1/roster/shifts/{id}");
    let (s, _) = call(
        &mut app,
        Some(&coordinator),
        Method::DELETE,
        &one,
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = call(
        &mut app,
        Some(&coordinator),
        Method::DELETE,
        &one,
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let on_call = "/api/v1/roster/on-call";
    let (s, v) = call(
        &mut app,
        Some(&operator),
        Method::GET,
        on_call,
        &Value::Null,
    )
    .await;
    assert_eq!((s, v), (StatusCode::OK, json!([])));
    let (s, _) = call(&mut app, Some(&analyst), Method::GET, on_call, &Value::Null).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn roster_api_refusals_name_their_fields() {
    use axum::http::Method;
    use serde_json::{Value, json};
    let mut app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let analyst = app.sign_in("analista", &[]).await;
    let me = user_id(&app, &coordinator.username).await;
    let other = user_id(&app, &analyst.username).await;
    let (a, b) = ("2030-01-11T16:00:00Z", "2030-01-12T07:30:00Z");
    // Someone without an operational role cannot be on call.
    for (body, field) in [
        (
            json!({"role": "centrale", "user_id": me, "phone": "1", "start": "ieri", "end": b}),
            "start",
        ),
        (
            json!({"role": "guardia", "user_id": me, "phone": "1", "start": a, "end": b}),
            "role",
        ),
        (
            json!({"role": "centrale", "user_id": me, "phone": "1", "start": b, "end": a}),
            "end",
        ),
        (
            json!({"role": "centrale", "user_id": other, "phone": "1", "start": a, "end": b}),
            "user_id",
        ),
        (json!({"role": "centrale", "user_id": "tre"}), "user_id"),
    ] {
        let (s, v) = call(
            &mut app,
            Some(&coordinator),
            Method::POST,
            "/api/v1/roster/shifts",
            &body,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {v}");
        assert!(v["error"]["fields"][field].is_string(), "{field}: {v}");
    }
    let bad = "/api/v1/roster/gaps?from=2030-01-11&to=x";
    let (s, v) = call(&mut app, Some(&coordinator), Method::GET, bad, &Value::Null).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"]["fields"]["from"].is_string(), "{v}");
}

#[tokio::test]
async fn a_secret_calendar_feed_carries_ones_own_shifts_until_revoked() {
    use icalendar::Component;
    let app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let operator = app.sign_in("operatore_pis", &[]).await;
    let pis = user_id(&app, &operator.username).await;
    let me = user_id(&app, &coordinator.username).await;
    let now = presidio_db::now().0;
    let (start, end) = (now + 86_400_000, now + 2 * 86_400_000);
    for who in [pis, me] {
        let r = add_shift(
            &app,
            &coordinator,
            if who == pis {
                "pronto_intervento"
            } else {
                "centrale"
            },
            who,
            &rome_local_value(UtcMillis(start)),
            &rome_local_value(UtcMillis(end)),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    let created = app
        .post_form_as(&operator, "/turni/calendario-personale", &[], None)
        .await;
    assert_eq!(created.status, StatusCode::OK);
    let html = created.text();
    let url = html
        .split("id=\"feed-url\" type=\"text\" readonly value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the address is shown once")
        .to_owned();
    let path = url
        .split_once("/turni/ics/")
        .map(|(_, s)| format!("/turni/ics/{s}"))
        .unwrap();
    let feed = app.get_with(None, None, &path).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert_eq!(feed.header("content-type"), "text/calendar; charset=utf-8");
    let text = feed.text();
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
    // A standard RFC 5545 parser reads it: one event, the operator's, at the right time.
    let calendar: icalendar::Calendar = text.parse().expect("the feed parses");
    let events: Vec<_> = calendar.events().collect();
    assert_eq!(events.len(), 1, "{text}");
    assert_eq!(
        events[0].get_summary(),
        Some("Turno PIS: Pronto intervento")
    );
    let expected = chrono::DateTime::from_timestamp_millis(start - start % 1000).unwrap();
    assert_eq!(
        events[0].get_start(),
        Some(icalendar::DatePerhapsTime::DateTime(
            icalendar::CalendarDateTime::Utc(
                expected - chrono::Duration::seconds(expected.timestamp() % 60)
            )
        ))
    );
    assert!(!text.contains(&coordinator.username) && !text.contains("Centrale\r\n"));
    // A new address replaces the old one; revoking ends it.
    let again = app
        .post_form_as(&operator, "/turni/calendario-personale", &[], None)
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        app.get_with(None, None, &path).await.status,
        StatusCode::NOT_FOUND
    );
    let r = app
        .post_form_as(&operator, "/turni/calendario-personale/revoca", &[], None)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        app.get_as(&operator, "/turni")
            .await
            .text()
            .contains("Nessun collegamento attivo")
    );
    assert_eq!(
        app.get_with(None, None, "/turni/ics/nonesiste")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
