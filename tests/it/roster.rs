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
    assert!(
        text.contains("Inizio del turno: campo obbligatorio"),
        "{text}"
    );
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
            json!({"role": "centrale", "user_id": other, "phone": "333 1234567", "start": a, "end": b}),
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

#[tokio::test]
async fn a_weekly_rota_generates_shifts_once_and_swaps_are_decided_by_the_coordinator() {
    let app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let operator = app.sign_in("operatore_pis", &[]).await;
    let me = user_id(&app, &coordinator.username).await;
    let pis = user_id(&app, &operator.username).await;
    // Refused with the fields named, then Friday 17:00 to Monday 08:30.
    let r = app
        .post_form_as(
            &coordinator,
            "/turni/schema",
            &[("weekday", "9"), ("start", "17")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Giorno di inizio") && r.text().contains("Telefono"));
    let weekend = [
        ("weekday", "4"),
        ("start", "17:00"),
        ("end", "08:30"),
        ("extra_days", "2"),
        ("role", "pronto_intervento"),
        ("user_id", &pis.to_string()),
        ("phone", "333 1"),
    ];
    let r = app
        .post_form_as(&coordinator, "/turni/schema", &weekend, None)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let rota = app.get_as(&coordinator, "/turni/schema").await.text();
    assert!(rota.contains("17:00–08:30 di 3 giorni dopo"), "{rota}");
    for expected in ["2", "0"] {
        let r = app
            .post_form_as(
                &coordinator,
                "/turni/genera",
                &[("from", "2030-01-09"), ("weeks", "2")],
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(
            r.header("location")
                .ends_with(&format!("quanti={expected}")),
            "{}",
            r.header("location")
        );
    }
    let r = app
        .post_form_as(
            &coordinator,
            "/turni/genera",
            &[("from", "x"), ("weeks", "20")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let week = app
        .get_as(&coordinator, "/turni?settimana=2030-01-07")
        .await
        .text();
    assert!(
        week.contains("dal 11/01/2030 17:00 al 14/01/2030 08:30"),
        "{week}"
    );
    swap_is_asked_and_decided(&app, &coordinator, &operator, me, pis).await;
}

/// The operator asks the coordinator to take their shift; the coordinator approves, once.
async fn swap_is_asked_and_decided(
    app: &TestApp,
    coordinator: &Who,
    operator: &Who,
    me: i64,
    pis: i64,
) {
    // The operator asks the coordinator to take it; the coordinator approves.
    let shift = app
        .t
        .db
        .user_shifts(pis, UtcMillis(0), UtcMillis(i64::MAX))
        .await
        .unwrap()[0]
        .id;
    let mine = app
        .get_as(operator, "/turni?settimana=2030-01-07")
        .await
        .text();
    assert!(mine.contains(&format!("/turni/{shift}/cambio")));
    assert_eq!(
        app.get_as(coordinator, &format!("/turni/{shift}/cambio"))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "only one's own shift"
    );
    let path = format!("/turni/{shift}/cambio");
    let r = app
        .post_form_as(operator, &path, &[("to_user_id", &me.to_string())], None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Nota: campo obbligatorio"));
    let r = app
        .post_form_as(
            operator,
            &path,
            &[("to_user_id", &me.to_string()), ("note", "Visita medica")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let board = app.get_as(coordinator, "/turni").await.text();
    assert!(board.contains("Motivo: Visita medica"), "{board}");
    let swap = app
        .t
        .db
        .pending_swaps(presidio_domain::reference::AmbitoId(1))
        .await
        .unwrap();
    let swap_id = swap[0].id;
    let r = app
        .post_form_as(
            operator,
            &format!("/turni/cambi/{swap_id}/approva"),
            &[],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post_form_as(
            coordinator,
            &format!("/turni/cambi/{swap_id}/approva"),
            &[],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app
        .post_form_as(
            coordinator,
            &format!("/turni/cambi/{swap_id}/rifiuta"),
            &[],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let now_mine = app
        .t
        .db
        .user_shifts(me, UtcMillis(0), UtcMillis(i64::MAX))
        .await
        .unwrap();
    assert!(
        now_mine.iter().any(|s| s.id == shift),
        "the shift passed to the coordinator"
    );
}

#[tokio::test]
async fn the_rota_and_swaps_through_the_api() {
    use axum::http::Method;
    use serde_json::{Value, json};
    let mut app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let operator = app.sign_in("operatore_pis", &[]).await;
    let me = user_id(&app, &coordinator.username).await;
    let pis = user_id(&app, &operator.username).await;
    let line = json!({"weekday": 4, "start": "17:00", "end": "08:30", "extra_days": 2,
        "role": "pronto_intervento", "user_id": pis, "phone": "333"});
    let (s, _) = call(
        &mut app,
        Some(&operator),
        Method::POST,
        "/api/v1/roster/rota",
        &line,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = call(
        &mut app,
        Some(&coordinator),
        Method::POST,
        "/api/v1/roster/rota",
        &line,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let bad = json!({"weekday": 8, "start": "x"});
    let (s, v) = call(
        &mut app,
        Some(&coordinator),
        Method::POST,
        "/api/v1/roster/rota",
        &bad,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["weekday", "start", "end", "role", "user_id", "phone"] {
        assert!(v["error"]["fields"][field].is_string(), "{field}: {v}");
    }
    let (_, v) = call(
        &mut app,
        Some(&coordinator),
        Method::GET,
        "/api/v1/roster/rota",
        &Value::Null,
    )
    .await;
    assert_eq!(v[0]["end"], "08:30");
    let generate = json!({"from": "2030-03-06", "weeks": 3});
    let gen_path = "/api/v1/roster/rota/generate";
    let (s, v) = call(
        &mut app,
        Some(&coordinator),
        Method::POST,
        gen_path,
        &generate,
    )
    .await;
    assert_eq!((s, v["created"].as_i64()), (StatusCode::OK, Some(3)), "{v}");
    let (_, v) = call(
        &mut app,
        Some(&coordinator),
        Method::POST,
        gen_path,
        &generate,
    )
    .await;
    assert_eq!(v["created"], 0, "no duplicates");
    let (s, _) = call(
        &mut app,
        Some(&coordinator),
        Method::POST,
        gen_path,
        &json!({"from": "2030-03-06", "weeks": 9}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    api_swap_is_asked_and_refused(&mut app, &coordinator, &operator, me, pis).await;
    let (s, _) = call(
        &mut app,
        Some(&coordinator),
        Method::DELETE,
        "/api/v1/roster/rota/1",
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
}

/// Over the API: only the person on call asks, only the coordinator decides, once.
async fn api_swap_is_asked_and_refused(
    app: &mut TestApp,
    coordinator: &Who,
    operator: &Who,
    me: i64,
    pis: i64,
) {
    use axum::http::Method;
    use serde_json::{Value, json};
    // A swap: asked by the person on call, decided by the coordinator.
    let shift = app
        .t
        .db
        .user_shifts(pis, UtcMillis(0), UtcMillis(i64::MAX))
        .await
        .unwrap()[0]
        .id;
    let ask = format!("/api/v1/roster/shifts/{shift}/swaps");
    let body = json!({"to_user_id": me, "note": "Esame all'università"});
    let (s, _) = call(app, Some(coordinator), Method::POST, &ask, &body).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not the coordinator's shift"
    );
    let (s, v) = call(app, Some(operator), Method::POST, &ask, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let swap = v["id"].as_i64().unwrap();
    let (_, v) = call(
        app,
        Some(coordinator),
        Method::GET,
        "/api/v1/roster/swaps",
        &Value::Null,
    )
    .await;
    assert_eq!(v[0]["note"], "Esame all'università");
    let decide = format!("/api/v1/roster/swaps/{swap}/decision");
    let (s, _) = call(
        app,
        Some(operator),
        Method::POST,
        &decide,
        &json!({"approve": true}),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = call(
        app,
        Some(coordinator),
        Method::POST,
        &decide,
        &json!({"approve": false}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = call(
        app,
        Some(coordinator),
        Method::POST,
        &decide,
        &json!({"approve": true}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let still = app
        .t
        .db
        .user_shifts(pis, UtcMillis(0), UtcMillis(i64::MAX))
        .await
        .unwrap();
    assert!(
        still.iter().any(|s| s.id == shift),
        "a refused swap changes nothing"
    );
}

/// A second shift of the same person in the same role over the same hours is refused, naming the
/// start, in the API and on the page; sent together, exactly one of two is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_overlapping_shift_of_the_same_person_and_role_is_refused() {
    use axum::http::Method;
    use serde_json::json;

    use crate::reports_api::post;
    let mut app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let operator = app.sign_in("operatore_pis", &[]).await;
    let me = user_id(&app, &operator.username).await;
    let add = "/api/v1/roster/shifts";
    let body = |start: &str, end: &str, role: &str| json!({"role": role, "user_id": me, "phone": "02 1234", "start": start, "end": end});
    let first = body(
        "2030-01-11T16:00:00Z",
        "2030-01-12T07:30:00Z",
        "pronto_intervento",
    );
    let (s, v) = call(&mut app, Some(&coordinator), Method::POST, add, &first).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let inside = body(
        "2030-01-11T20:00:00Z",
        "2030-01-11T23:00:00Z",
        "pronto_intervento",
    );
    let (s, v) = call(&mut app, Some(&coordinator), Method::POST, add, &inside).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["error"]["fields"]["start"]
            .as_str()
            .unwrap()
            .contains("ha già un turno con lo stesso ruolo"),
        "{v}"
    );
    // Back to back, or another role, is fine.
    let next = body(
        "2030-01-12T07:30:00Z",
        "2030-01-12T16:00:00Z",
        "pronto_intervento",
    );
    let (s, v) = call(&mut app, Some(&coordinator), Method::POST, add, &next).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let other = body("2030-01-11T20:00:00Z", "2030-01-11T23:00:00Z", "centrale");
    let (s, v) = call(&mut app, Some(&coordinator), Method::POST, add, &other).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // The page says it too.
    let r = add_shift(
        &app,
        &coordinator,
        "pronto_intervento",
        me,
        "2030-01-11T21:00",
        "2030-01-11T22:00",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("ha già un turno con lo stesso ruolo"),
        "{}",
        r.text()
    );
    // Two at once over the same night: one wins.
    let night = body(
        "2030-01-13T20:00:00Z",
        "2030-01-14T07:00:00Z",
        "pronto_intervento",
    );
    let app = std::sync::Arc::new(app);
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let (app, who, night) = (app.clone(), coordinator.clone(), night.clone());
            tokio::spawn(async move { post(&app, &who, add, &night).await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY]
    );
}
