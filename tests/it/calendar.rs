//! The service calendar through storage, the API and the CLI, on the real databases.

use axum::http::StatusCode;
use presidio_db::{CalendarEntry, DbError};
use presidio_domain::audit::{Action, Entry};
use presidio_domain::calendar::{Closure, LocalHoliday, WeeklyHours};
use presidio_domain::reference::{IstatCode, MonthDay};
use serde_json::Value;

use crate::support::{TestApp, Who};

const RHO: &str = "015182";
const ARESE: &str = "015009";

async fn status(app: &TestApp, query: &str) -> (StatusCode, Value) {
    let r = app.get(&format!("/api/v1/calendar/status?{query}")).await;
    (r.status, r.json())
}

#[tokio::test]
async fn the_api_says_when_the_pis_is_active_and_until_when() {
    let app = TestApp::signed_in("operatore_centrale").await;
    // Friday 20 November 2026, 20:00 in Rome: active until Monday 08:30 (07:30 UTC).
    let (s, v) = status(
        &app,
        &format!("municipality={RHO}&at=2026-11-20T20:00:00%2B01:00"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["pis_active"], true);
    assert_eq!(v["reason_code"], "fuori_orario");
    assert_eq!(v["at"], "2026-11-20T19:00:00Z");
    assert_eq!(v["next_change"], "2026-11-23T07:30:00Z");
    assert_eq!(v["next_opening"], "2026-11-23T07:30:00Z");
    // Rho's patron saint closes Rho, not Arese.
    let (_, v) = status(&app, &format!("municipality={RHO}&at=2026-05-08T08:00:00Z")).await;
    assert_eq!(v["reason_code"], "festivita_locale");
    assert!(
        v["reason"].as_str().unwrap().contains("Festa patronale"),
        "{v}"
    );
    let (_, v) = status(
        &app,
        &format!("municipality={ARESE}&at=2026-05-08T08:00:00Z"),
    )
    .await;
    assert_eq!(v["pis_active"], false);
    assert_eq!(v["next_change"], "2026-05-08T15:00:00Z");
    let (_, v) = status(
        &app,
        &format!("municipality={ARESE}&at=2026-12-25T10:00:00Z"),
    )
    .await;
    assert_eq!(v["reason_code"], "festivita_nazionale");
    assert!(v["reason"].as_str().unwrap().starts_with("Natale"), "{v}");
    // Without `at`, now.
    let (s, v) = status(&app, &format!("municipality={RHO}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["pis_active"].is_boolean() && v["next_opening"].is_string());
    // Refusals name their field.
    for (query, field) in [
        (format!("municipality={RHO}&at=domani"), "at"),
        (format!("municipality={RHO}&at=2026-11-20T20:00:00"), "at"),
        ("municipality=999999".to_owned(), "municipality"),
        ("municipality=12".to_owned(), "municipality"),
        (String::new(), "municipality"),
    ] {
        let (s, v) = status(&app, &query).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(v["error"]["fields"][field].is_string(), "{query}: {v}");
    }
    let anonymous = app
        .get_with(None, None, "/api/v1/calendar/status?municipality=015182")
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn hours_holidays_and_closures_are_stored_versioned_and_audited() {
    let app = TestApp::new().await;
    let db = &app.t.db;
    let rho = IstatCode::parse(RHO).unwrap();
    let entry = Entry::new(presidio_db::now(), Action::SettingsChanged);
    let stored = db.service_calendar(&rho).await.unwrap();
    assert_eq!(stored.hours_version, 0);
    assert_eq!(stored.calendar.hours, WeeklyHours::default());
    assert_eq!(
        stored.calendar.local_holidays.len(),
        1,
        "San Vittore, from the municipalities"
    );
    // Mornings only; a second save from the same old version is refused.
    let mornings =
        WeeklyHours::from_days(["08:30-12:30", "08:30-12:30", "", "", "", "", ""]).unwrap();
    assert_eq!(
        db.set_service_hours(&rho, &mornings, 0, &entry)
            .await
            .unwrap(),
        1
    );
    assert!(matches!(
        db.set_service_hours(&rho, &WeeklyHours::default(), 0, &entry)
            .await,
        Err(DbError::Conflict)
    ));
    let id = db
        .add_closure(
            &rho,
            &Closure {
                date: "2026-11-23".parse().unwrap(),
                hours: Some((600, 720)),
                reason: "Assemblea".into(),
            },
            &entry,
        )
        .await
        .unwrap();
    db.add_local_holiday(
        &rho,
        &LocalHoliday {
            day: MonthDay { month: 11, day: 24 },
            name: "Prova".into(),
            from_year: Some(2026),
            to_year: Some(2026),
            source: "Delibera di prova".into(),
        },
        &entry,
    )
    .await
    .unwrap();
    let stored = db.service_calendar(&rho).await.unwrap();
    assert_eq!(stored.calendar.hours, mornings);
    assert_eq!(stored.calendar.closures[0].hours, Some((600, 720)));
    assert_eq!(stored.calendar.local_holidays.len(), 2);
    // The API answers from the stored calendar: Monday opens 08:30, closes at 10:00 for the
    // assembly, opens again at 12:00; Tuesday is the new holiday.
    let who = app.sign_in("coordinatore", &[]).await;
    let r = app
        .get_as(
            &who,
            "/api/v1/calendar/status?municipality=015182&at=2026-11-23T08:00:00Z",
        )
        .await
        .json();
    assert_eq!(r["pis_active"], false, "{r}");
    assert_eq!(r["next_change"], "2026-11-23T09:00:00Z");
    assert_eq!(
        r["next_opening"], "2026-11-23T11:00:00Z",
        "after the assembly"
    );
    let r = app
        .get_as(
            &who,
            "/api/v1/calendar/status?municipality=015182&at=2026-11-23T11:30:00Z",
        )
        .await
        .json();
    assert_eq!(r["reason_code"], "fuori_orario", "{r}");
    assert_eq!(
        r["next_opening"], "2026-11-30T07:30:00Z",
        "Tuesday is the new holiday"
    );
    removals_are_scoped_and_audited(&app, id, &entry).await;
}

#[test]
fn the_cli_prints_the_same_answer_and_refuses_bad_input_in_italian() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("c.db").display());
    let run = |args: &[&str]| {
        crate::cli::presidio()
            .args(["calendar", "status", "--database", &url])
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["--municipality", RHO, "--at", "2026-12-24T17:00:00Z"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["pis_active"], true);
    assert_eq!(v["next_opening"], "2026-12-28T07:30:00Z");
    let out = run(&["--municipality", "999999", "--at", "ieri"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Data e ora: indicare data e ora"), "{err}");
    let out = run(&["--municipality", "999999"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Comune: comune non appartenente"), "{err}");
}

/// A closure is removed only through its own municipality; every change is audited.
async fn removals_are_scoped_and_audited(app: &TestApp, id: i64, entry: &Entry) {
    let rho = IstatCode::parse(RHO).unwrap();
    // Removing needs the right municipality.
    let arese = IstatCode::parse(ARESE).unwrap();
    assert!(matches!(
        app.t
            .db
            .remove_calendar_entry(CalendarEntry::Closure, &arese, id, entry)
            .await,
        Err(DbError::NotFound)
    ));
    app.t
        .db
        .remove_calendar_entry(CalendarEntry::Closure, &rho, id, entry)
        .await
        .unwrap();
    let records: Vec<String> = app
        .audited("settings_changed")
        .await
        .iter()
        .map(|s| s.entry.record_type.clone())
        .collect();
    for kind in ["service_hours", "service_closure", "local_holiday"] {
        assert!(records.iter().any(|r| r == kind), "{kind}: {records:?}");
    }
}

#[tokio::test]
async fn coordinators_edit_the_calendar_from_the_pages_and_others_only_read_it() {
    let app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let operator = app.sign_in("operatore_centrale", &[]).await;
    let month = app.get_as(&operator, "/calendario?mese=2026-12").await;
    assert_eq!(month.status, StatusCode::OK);
    let html = month.text();
    assert!(html.contains("dicembre 2026") && html.contains("Pregnana Milanese"));
    assert!(html.contains("PIS tutto il giorno · Natale"), "{html}");
    assert!(html.contains("Aperto 08:30–17:00"));
    assert!(
        !html.contains("href=\"/calendario/015182\""),
        "operators do not edit"
    );
    assert_eq!(
        app.get_as(&operator, "/calendario/015182").await.status,
        StatusCode::FORBIDDEN
    );
    let edit = app.get_as(&coordinator, "/calendario/015182").await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.text().contains("Calendario di Rho") && edit.text().contains("Festa patronale"));
    // Hours: refused with the day named, then saved, then a stale save is a conflict.
    let mut days = vec![("version", "0"), ("lunedi", "8-12")];
    let r = app
        .post_form_as(&coordinator, "/calendario/015182/orari", &days, None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("Lunedì: orario non valido"),
        "{}",
        r.text()
    );
    days[1] = ("lunedi", "08:30-12:30");
    let r = app
        .post_form_as(&coordinator, "/calendario/015182/orari", &days, None)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app
        .post_form_as(&coordinator, "/calendario/015182/orari", &days, None)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let html = app
        .get_as(&coordinator, "/calendario?mese=2026-12")
        .await
        .text();
    assert!(html.contains("Aperto 08:30–12:30") && html.contains("href=\"/calendario/015182\""));
    // A local holiday and a closure, refused then accepted, then removed.
    let r = app
        .post_form_as(
            &coordinator,
            "/calendario/015182/festivita",
            &[("day", "31-12"), ("name", "")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Giorno (MM-GG)") && r.text().contains("Fonte"));
    let r = app
        .post_form_as(
            &coordinator,
            "/calendario/015182/chiusure",
            &[("date", "2026-12-07"), ("reason", "Sciopero generale")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let html = app
        .get_as(&coordinator, "/calendario?mese=2026-12")
        .await
        .text();
    assert!(html.contains("PIS tutto il giorno · Sciopero generale"));
    let id = app
        .t
        .db
        .service_calendar(&IstatCode::parse(RHO).unwrap())
        .await
        .unwrap()
        .closure_ids[0];
    let r = app
        .post_form_as(
            &coordinator,
            &format!("/calendario/015182/chiusure/{id}/elimina"),
            &[],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let html = app
        .get_as(&coordinator, "/calendario?mese=2026-12")
        .await
        .text();
    assert!(!html.contains("Sciopero generale"));
    assert!(app.audited("settings_changed").await.len() >= 3);
}

/// A JSON request as `who` (or anonymous).
pub async fn call(
    app: &mut TestApp,
    who: Option<&crate::support::Who>,
    method: axum::http::Method,
    path: &str,
    body: &Value,
) -> (StatusCode, Value) {
    app.who = who.cloned();
    let r = app
        .send(
            method,
            path,
            "application/json",
            body.to_string().into_bytes(),
        )
        .await;
    let v = if r.text().is_empty() {
        Value::Null
    } else {
        r.json()
    };
    (r.status, v)
}

#[tokio::test]
async fn the_calendar_is_edited_through_the_api_with_the_same_rules() {
    use axum::http::Method;
    use serde_json::json;
    let mut app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let operator = app.sign_in("operatore_pis", &[]).await;
    let base = "/api/v1/calendar/municipalities/015182";
    let (s, v) = call(&mut app, Some(&operator), Method::GET, base, &Value::Null).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["hours"]["lunedi"], "08:30-17:00");
    assert_eq!(v["hours"]["sabato"], "");
    assert_eq!(v["hours_version"], 0);
    assert_eq!(v["local_holidays"][0]["day"], "05-08");
    // Operators read, they do not edit.
    let mut week = json!({"hours_version": v["hours_version"], "hours": v["hours"]});
    week["hours"]["lunedi"] = json!("09:00-13:00");
    week["hours"]["venerdi"] = json!("09:00-13:00, 14:00-16:00");
    let hours = format!("{base}/hours");
    let (s, _) = call(&mut app, Some(&operator), Method::PUT, &hours, &week).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = call(&mut app, Some(&coordinator), Method::PUT, &hours, &week).await;
    assert_eq!(
        (s, v["hours_version"].as_i64()),
        (StatusCode::OK, Some(1)),
        "{v}"
    );
    let (s, _) = call(&mut app, Some(&coordinator), Method::PUT, &hours, &week).await;
    assert_eq!(s, StatusCode::CONFLICT);
    // What was saved reads back, the days not changed kept as they were.
    let (_, read) = call(&mut app, Some(&operator), Method::GET, base, &Value::Null).await;
    assert_eq!(read["hours"]["lunedi"], "09:00-13:00");
    assert_eq!(read["hours"]["martedi"], "08:30-17:00");
    let bad = json!({"hours_version": 1, "hours": {"lunedi": "", "martedi": "13:00-09:00",
        "mercoledi": 9, "giovedi": "", "venerdi": "", "sabato": "", "domenica": ""}});
    let (s, v) = call(&mut app, Some(&coordinator), Method::PUT, &hours, &bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["error"]["fields"]["hours.mercoledi"].is_string(), "{v}");
    bad_hours_change_nothing(&mut app, &coordinator, &hours).await;
    let (_, after) = call(&mut app, Some(&operator), Method::GET, base, &Value::Null).await;
    assert_eq!(
        after["hours"], read["hours"],
        "refused bodies changed nothing"
    );
    assert_eq!(after["hours_version"], 1);
    holidays_and_closures_through_the_api(&mut app, &coordinator, &operator, base).await;
    let (s, _) = call(
        &mut app,
        Some(&coordinator),
        Method::GET,
        "/api/v1/calendar/municipalities/999999",
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// Bodies that would have wiped the hours: the old flat shape, a day left out, no day at all, an
/// unknown field; each refused naming its field.
async fn bad_hours_change_nothing(app: &mut TestApp, coordinator: &Who, hours: &str) {
    use axum::http::Method;
    use serde_json::json;
    let all = |martedi: &str| {
        json!({"lunedi": "", "martedi": martedi, "mercoledi": "", "giovedi": "", "venerdi": "",
            "sabato": "", "domenica": ""})
    };
    let cases = [
        (json!({"version": 1, "lunedi": "09:00-13:00"}), "lunedi"),
        (
            json!({"hours_version": 1, "hours": {"lunedi": "09:00-13:00"}}),
            "hours.martedi",
        ),
        (json!({"hours_version": 1, "hours": {}}), "hours.lunedi"),
        (json!({"hours_version": 1}), "hours"),
        (
            {
                let mut w = all("");
                w["sabbato"] = json!("");
                json!({"hours_version": 1, "hours": w})
            },
            "hours.sabbato",
        ),
        (
            json!({"hours_version": 1, "hours": all("13:00-09:00")}),
            "hours.martedi",
        ),
    ];
    for (body, field) in cases {
        let (s, v) = call(app, Some(coordinator), Method::PUT, hours, &body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
        assert!(v["error"]["fields"][field].is_string(), "{body}: {v}");
    }
    let (_, v) = call(
        app,
        Some(coordinator),
        Method::PUT,
        hours,
        &json!({"hours_version": 1, "hours": all("13:00-09:00")}),
    )
    .await;
    assert!(
        v["error"]["fields"]["hours.martedi"]
            .as_str()
            .unwrap()
            .starts_with("Orari settimanali · Martedì: orario non valido"),
        "{v}"
    );
}

/// Holidays and closures over the API: refused naming fields, created, listed, followed by the
/// status, removed only by coordinators, once.
async fn holidays_and_closures_through_the_api(
    app: &mut TestApp,
    coordinator: &crate::support::Who,
    operator: &crate::support::Who,
    base: &str,
) {
    use axum::http::Method;
    use serde_json::json;
    // Holidays and closures: refused naming fields, created, listed, removed.
    let holidays = format!("{base}/local-holidays");
    let (s, v) = call(
        app,
        Some(coordinator),
        Method::POST,
        &holidays,
        &json!({"day": "02-30", "name": ""}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["day", "name", "source"] {
        assert!(v["error"]["fields"][field].is_string(), "{field}: {v}");
    }
    let (s, v) = call(
        app,
        Some(coordinator),
        Method::POST,
        &holidays,
        &json!({"day": "12-07", "name": "Sant'Ambrogio", "from_year": 2026, "source": "Delibera 12/2026"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let holiday = v["id"].as_i64().unwrap();
    let closures = format!("{base}/closures");
    let (s, v) = call(
        app,
        Some(coordinator),
        Method::POST,
        &closures,
        &json!({"date": "2026-12-24", "start": "12:00", "end": "24:00", "reason": "Vigilia"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let closure = v["id"].as_i64().unwrap();
    let (_, v) = call(app, Some(operator), Method::GET, base, &Value::Null).await;
    assert_eq!(v["hours"]["venerdi"], "09:00-13:00, 14:00-16:00");
    assert_eq!(v["closures"][0]["end"], "24:00");
    assert_eq!(v["local_holidays"].as_array().unwrap().len(), 2);
    // The status follows: Monday 7 December 2026 is now a holiday in Rho.
    let (_, v) = call(
        app,
        Some(operator),
        Method::GET,
        "/api/v1/calendar/status?municipality=015182&at=2026-12-07T09:00:00Z",
        &Value::Null,
    )
    .await;
    assert_eq!(v["reason_code"], "festivita_locale", "{v}");
    for path in [
        format!("{holidays}/{holiday}"),
        format!("{closures}/{closure}"),
    ] {
        let (s, _) = call(app, Some(operator), Method::DELETE, &path, &Value::Null).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = call(app, Some(coordinator), Method::DELETE, &path, &Value::Null).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{path}");
        let (s, _) = call(app, Some(coordinator), Method::DELETE, &path, &Value::Null).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
    }
}

/// A year-1 (or year-9999) date is a typing mistake wherever a day or an instant is asked: a
/// closure, a shift, a budget, a statistics period, a report's arrival; each refused naming its
/// field, nothing stored.
#[tokio::test]
async fn year_one_dates_are_refused_everywhere() {
    use axum::http::Method;
    use serde_json::json;
    let mut app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let me = crate::interventions::user_id(&mut app, &coordinator).await;
    let cases = [
        (
            Method::POST,
            "/api/v1/calendar/municipalities/015182/closures".to_owned(),
            json!({"date": "0001-01-01", "reason": "Sciopero"}),
            "date",
        ),
        (
            Method::POST,
            "/api/v1/roster/shifts".to_owned(),
            json!({"role": "centrale", "user_id": me, "phone": "02 1234567",
                "start": "0001-01-01T20:00:00Z", "end": "0001-01-02T07:00:00Z"}),
            "start",
        ),
        (
            Method::PUT,
            "/api/v1/budget".to_owned(),
            json!({"amount": "1000", "from": "0001-01-01", "to": "2026-12-31"}),
            "from",
        ),
        (
            Method::POST,
            "/api/v1/reports".to_owned(),
            {
                let mut b = crate::reports_api::minimal();
                b["received_at"] = json!("0001-01-01T00:00:00Z");
                b
            },
            "received_at",
        ),
    ];
    for (method, path, body, field) in cases {
        let (s, v) = call(&mut app, Some(&coordinator), method, &path, &body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {v}");
        assert!(v["error"]["fields"][field].is_string(), "{path}: {v}");
    }
    let (s, v) = call(
        &mut app,
        Some(&coordinator),
        Method::GET,
        "/api/v1/stats/activity?from=0001-01-01&to=0001-12-31",
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (_, v) = call(
        &mut app,
        Some(&coordinator),
        Method::GET,
        "/api/v1/calendar/municipalities/015182",
        &Value::Null,
    )
    .await;
    assert!(
        v["closures"].as_array().unwrap().is_empty(),
        "nothing stored: {v}"
    );
}
