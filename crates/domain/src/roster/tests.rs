use jiff::civil::date;

use super::*;
use crate::calendar::{LocalHoliday, ServiceCalendar, WeeklyHours};
use crate::reference::MonthDay;

fn utc(raw: &str) -> UtcMillis {
    UtcMillis(raw.parse::<jiff::Timestamp>().unwrap().as_millisecond())
}

fn shift(role: RosterRole, start: &str, end: &str) -> Shift {
    Shift {
        role,
        start: utc(start),
        end: utc(end),
        user_id: 1,
        phone: "333 000 0000".into(),
    }
}

#[test]
fn spans_merge_and_subtract() {
    let t = |s: i64| UtcMillis(s);
    assert_eq!(
        merge(vec![
            (t(5), t(7)),
            (t(1), t(3)),
            (t(3), t(4)),
            (t(6), t(9)),
            (t(9), t(9))
        ]),
        vec![(t(1), t(4)), (t(5), t(9))]
    );
    assert_eq!(
        subtract(
            &[(t(0), t(10)), (t(20), t(30))],
            &[(t(2), t(3)), (t(8), t(22)), (t(25), t(40))]
        ),
        vec![(t(0), t(2)), (t(3), t(8)), (t(22), t(25))]
    );
    assert_eq!(subtract(&[(t(0), t(10))], &[]), vec![(t(0), t(10))]);
    assert_eq!(subtract(&[(t(0), t(10))], &[(t(0), t(10))]), vec![]);
}

#[test]
fn the_pis_is_active_when_any_service_is_closed() {
    let rho = ServiceCalendar {
        local_holidays: vec![LocalHoliday {
            day: MonthDay { month: 5, day: 8 },
            name: "San Vittore".into(),
            from_year: None,
            to_year: None,
            source: String::new(),
        }],
        ..ServiceCalendar::default()
    };
    let arese = ServiceCalendar::default();
    // Thursday 7 to Saturday 9 May 2026 (CEST, UTC+2).
    let from = utc("2026-05-07T00:00:00Z");
    let to = utc("2026-05-09T00:00:00Z");
    assert_eq!(
        pis_active(std::slice::from_ref(&arese), from, to),
        vec![
            (from, utc("2026-05-07T06:30:00Z")),
            (utc("2026-05-07T15:00:00Z"), utc("2026-05-08T06:30:00Z")),
            (utc("2026-05-08T15:00:00Z"), to),
        ]
    );
    // Rho is closed all of Friday 8 May: the PIS is active from Thursday 17:00 on.
    assert_eq!(
        pis_active(&[arese, rho], from, to),
        vec![
            (from, utc("2026-05-07T06:30:00Z")),
            (utc("2026-05-07T15:00:00Z"), to),
        ]
    );
    let never = ServiceCalendar {
        hours: WeeklyHours::closed(),
        ..ServiceCalendar::default()
    };
    assert_eq!(pis_active(&[never], from, to), vec![(from, to)]);
}

#[test]
fn every_uncovered_role_is_a_gap_and_filling_it_removes_it() {
    let cal = [ServiceCalendar::default()];
    // Friday 20 November 2026 17:00 (16:00 UTC) to Monday 23 08:30 (07:30 UTC).
    let from = utc("2026-11-20T12:00:00Z");
    let to = utc("2026-11-23T12:00:00Z");
    let weekend = (utc("2026-11-20T16:00:00Z"), utc("2026-11-23T07:30:00Z"));
    let mut shifts = vec![
        shift(
            RosterRole::Centrale,
            "2026-11-20T16:00:00Z",
            "2026-11-23T07:30:00Z",
        ),
        shift(
            RosterRole::CoordinatoreReperibile,
            "2026-11-20T12:00:00Z",
            "2026-11-24T00:00:00Z",
        ),
        shift(
            RosterRole::ProntoIntervento,
            "2026-11-20T16:00:00Z",
            "2026-11-21T20:00:00Z",
        ),
        shift(
            RosterRole::ProntoIntervento,
            "2026-11-22T08:00:00Z",
            "2026-11-23T07:30:00Z",
        ),
    ];
    assert_eq!(
        gaps(&cal, &shifts, from, to),
        vec![Gap {
            role: RosterRole::ProntoIntervento,
            start: utc("2026-11-21T20:00:00Z"),
            end: utc("2026-11-22T08:00:00Z"),
        }]
    );
    shifts.push(shift(
        RosterRole::ProntoIntervento,
        "2026-11-21T20:00:00Z",
        "2026-11-22T08:00:00Z",
    ));
    assert_eq!(gaps(&cal, &shifts, from, to), vec![]);
    // Nobody at all: each role is one gap over the whole weekend.
    let all = gaps(&cal, &[], from, to);
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|g| (g.start, g.end) == weekend));
    // The service hours need nobody.
    assert_eq!(
        gaps(
            &cal,
            &[],
            utc("2026-11-24T08:00:00Z"),
            utc("2026-11-24T15:00:00Z")
        ),
        vec![]
    );
    assert_eq!(date(2026, 11, 20).weekday(), jiff::civil::Weekday::Friday);
}

#[test]
fn on_call_lists_the_running_shifts_by_role() {
    let shifts = vec![
        shift(
            RosterRole::ProntoIntervento,
            "2026-11-20T16:00:00Z",
            "2026-11-21T16:00:00Z",
        ),
        shift(
            RosterRole::Centrale,
            "2026-11-20T16:00:00Z",
            "2026-11-21T16:00:00Z",
        ),
        shift(
            RosterRole::Centrale,
            "2026-11-21T16:00:00Z",
            "2026-11-22T16:00:00Z",
        ),
    ];
    let now = on_call(&shifts, utc("2026-11-21T16:00:00Z"));
    assert_eq!(now.len(), 1, "a shift ends where the next begins");
    let now = on_call(&shifts, utc("2026-11-21T10:00:00Z"));
    assert_eq!(
        now.iter().map(|s| s.role).collect::<Vec<_>>(),
        vec![RosterRole::Centrale, RosterRole::ProntoIntervento]
    );
}

#[test]
fn shift_input_is_checked_field_by_field() {
    let ok = ShiftInput {
        role: "centrale",
        user_id: Some(3),
        phone: "+39 02 1234 5678",
        start: Some(utc("2026-11-20T16:00:00Z")),
        end: Some(utc("2026-11-21T07:30:00Z")),
    };
    assert_eq!(
        ok.validate(Invalid::default()).unwrap().role,
        RosterRole::Centrale
    );
    let bad = ShiftInput {
        role: "capo",
        user_id: None,
        phone: "chiamare Mario",
        start: Some(utc("2026-11-21T16:00:00Z")),
        end: Some(utc("2026-11-20T16:00:00Z")),
    };
    let fields: Vec<_> = bad
        .validate(Invalid::default())
        .unwrap_err()
        .0
        .iter()
        .map(|e| (e.field, e.problem))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("role", Problem::UnknownCode),
            ("user_id", Problem::Required),
            ("phone", Problem::InvalidPhone),
            ("end", Problem::OutOfRange)
        ]
    );
    let long = ShiftInput {
        end: Some(utc("2026-11-28T16:00:01Z")),
        start: Some(utc("2026-11-20T16:00:00Z")),
        ..ok
    };
    assert!(long.validate(Invalid::default()).is_err());
}
