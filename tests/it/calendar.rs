//! The service calendar through storage, the API and the CLI, on the real databases.

use axum::http::StatusCode;
use presidio_db::{CalendarEntry, DbError};
use presidio_domain::audit::{Action, Entry};
use presidio_domain::calendar::{Closure, LocalHoliday, WeeklyHours};
use presidio_domain::reference::{IstatCode, MonthDay};
use serde_json::Value;

use crate::support::TestApp;

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
    assert!(err.contains("Istante: indicare data e ora"), "{err}");
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
