//! Table tests over holidays and daylight-saving weekends, and invariant sweeps over two years
//! of instants.

use jiff::civil::date;

use super::*;

/// A wall-clock instant in Rome.
fn rome_at(y: i16, mo: i8, d: i8, h: i8, mi: i8) -> UtcMillis {
    instant(
        date(y, mo, d),
        Minute::try_from(i32::from(h) * 60 + i32::from(mi)).unwrap(),
    )
}

/// An instant in UTC, for checking the conversions independently.
fn utc(raw: &str) -> UtcMillis {
    UtcMillis(raw.parse::<jiff::Timestamp>().unwrap().as_millisecond())
}

fn rho() -> ServiceCalendar {
    ServiceCalendar {
        local_holidays: vec![LocalHoliday {
            day: MonthDay { month: 5, day: 8 },
            name: "San Vittore".into(),
            from_year: None,
            to_year: None,
            source: "Statuto comunale".into(),
        }],
        ..ServiceCalendar::default()
    }
}

#[test]
fn a_friday_night_waits_for_monday_morning() {
    let s = rho().status(rome_at(2026, 11, 20, 20, 0));
    assert!(s.pis_active());
    assert_eq!(s.reason, Reason::OutsideHours);
    assert_eq!(s.next_change, Some(utc("2026-11-23T07:30:00Z")));
    assert_eq!(s.next_opening, s.next_change);
    // During office hours the PIS rests until 17:00.
    let s = rho().status(rome_at(2026, 11, 24, 10, 0));
    assert!(!s.pis_active());
    assert_eq!(s.reason, Reason::Open);
    assert_eq!(s.next_change, Some(utc("2026-11-24T16:00:00Z")));
    assert_eq!(s.next_opening, Some(utc("2026-11-25T07:30:00Z")));
}

#[test]
fn holidays_close_the_whole_day() {
    let s = rho().status(rome_at(2026, 12, 8, 10, 0));
    assert_eq!(
        s.reason,
        Reason::NationalHoliday(NationalHoliday::Immacolata)
    );
    assert_eq!(s.next_opening, Some(rome_at(2026, 12, 9, 8, 30)));
    // Christmas Eve evening: Christmas, Santo Stefano, then a Sunday.
    let s = rho().status(rome_at(2026, 12, 24, 18, 0));
    assert_eq!(s.next_opening, Some(rome_at(2026, 12, 28, 8, 30)));
    // Rho closes on San Vittore, Arese does not.
    let s = rho().status(rome_at(2026, 5, 8, 10, 0));
    assert_eq!(s.reason, Reason::LocalHoliday("San Vittore".into()));
    assert_eq!(s.next_opening, Some(rome_at(2026, 5, 11, 8, 30)));
    assert!(ServiceCalendar::default().is_open(rome_at(2026, 5, 8, 10, 0)));
    // A local rule applies only within its years.
    let mut later = rho();
    later.local_holidays[0].from_year = Some(2027);
    assert!(later.is_open(rome_at(2026, 5, 8, 10, 0)));
    assert_eq!(
        later.status(rome_at(2028, 5, 8, 10, 0)).reason,
        Reason::LocalHoliday("San Vittore".into()),
        "8 May 2028 is a Monday"
    );
    // 4 October 2027 is a Monday: closed from 2026 on.
    assert_eq!(
        rho().status(rome_at(2027, 10, 4, 9, 0)).reason,
        Reason::NationalHoliday(NationalHoliday::SanFrancesco)
    );
}

#[test]
fn easter_monday_2027_falls_right_after_the_clocks_go_forward() {
    // Friday 26 March 2027, 17:00 CET = 16:00 UTC; Easter is 28 March (clocks change that night),
    // Easter Monday 29 March; the service reopens Tuesday 30 March, 08:30 CEST = 06:30 UTC.
    let friday = rome_at(2027, 3, 26, 12, 0);
    let s = rho().status(friday);
    assert_eq!(s.next_change, Some(utc("2027-03-26T16:00:00Z")));
    let s = rho().status(utc("2027-03-26T16:00:00Z"));
    assert!(s.pis_active());
    assert_eq!(s.next_opening, Some(utc("2027-03-30T06:30:00Z")));
    assert_eq!(
        rho().status(rome_at(2027, 3, 29, 10, 0)).reason,
        Reason::NationalHoliday(NationalHoliday::LunediDellAngelo)
    );
}

#[test]
fn daylight_saving_weekends() {
    // Clocks go back on Sunday 25 October 2026: Friday 17:00 CEST (15:00 UTC) to Monday 08:30
    // CET (07:30 UTC).
    let s = rho().status(rome_at(2026, 10, 23, 12, 0));
    assert_eq!(s.next_change, Some(utc("2026-10-23T15:00:00Z")));
    let s = rho().status(utc("2026-10-25T01:30:00Z"));
    assert_eq!(s.next_opening, Some(utc("2026-10-26T07:30:00Z")));
    // A service open all weekend: Saturday 28 March 2026 00:00 CET to Monday 00:00 CEST is one
    // block of 47 hours.
    let weekend = ServiceCalendar {
        hours: WeeklyHours::from_days(["", "", "", "", "", "00:00-24:00", "00:00-24:00"]).unwrap(),
        ..ServiceCalendar::default()
    };
    let s = weekend.status(utc("2026-03-28T12:00:00Z"));
    assert!(s.open);
    assert_eq!(s.next_change, Some(utc("2026-03-29T22:00:00Z")));
    assert_eq!(s.next_opening, Some(utc("2026-04-03T22:00:00Z")));
    let s = weekend.status(utc("2026-03-27T12:00:00Z"));
    assert_eq!(s.next_change, Some(utc("2026-03-27T23:00:00Z")));
    // And 49 hours in October.
    let s = weekend.status(utc("2026-10-24T12:00:00Z"));
    assert_eq!(s.next_change, Some(utc("2026-10-25T23:00:00Z")));
    // Hours inside the missing hour move forward with the clock: 02:30 does not exist on
    // 29 March 2026, so 02:30–04:00 opens at 03:30 CEST (01:30 UTC).
    let night = ServiceCalendar {
        hours: WeeklyHours::from_days(["", "", "", "", "", "", "02:30-04:00"]).unwrap(),
        ..ServiceCalendar::default()
    };
    let s = night.status(utc("2026-03-29T00:00:00Z"));
    assert_eq!(s.next_opening, Some(utc("2026-03-29T01:30:00Z")));
    assert!(night.is_open(utc("2026-03-29T01:45:00Z")));
    assert!(!night.is_open(utc("2026-03-29T02:00:00Z")));
}

#[test]
fn closures_take_hours_or_the_whole_day() {
    let mut cal = rho();
    cal.closures.push(Closure {
        date: date(2026, 11, 25),
        hours: Some((12 * 60, 17 * 60)),
        reason: "Assemblea del personale".into(),
    });
    cal.closures.push(Closure {
        date: date(2026, 11, 27),
        hours: None,
        reason: "Sciopero".into(),
    });
    let s = cal.status(rome_at(2026, 11, 25, 10, 0));
    assert!(s.open);
    assert_eq!(s.next_change, Some(rome_at(2026, 11, 25, 12, 0)));
    let s = cal.status(rome_at(2026, 11, 25, 13, 0));
    assert_eq!(s.reason, Reason::Closure("Assemblea del personale".into()));
    assert_eq!(s.next_change, Some(rome_at(2026, 11, 26, 8, 30)));
    let s = cal.status(rome_at(2026, 11, 26, 18, 0));
    assert_eq!(s.reason, Reason::OutsideHours);
    assert_eq!(s.next_opening, Some(rome_at(2026, 11, 30, 8, 30)));
    assert_eq!(
        cal.status(rome_at(2026, 11, 27, 9, 0)).reason,
        Reason::Closure("Sciopero".into())
    );
    assert!(cal.open_intervals(date(2026, 11, 27)).is_empty());
    assert_eq!(
        cal.open_intervals(date(2026, 11, 25)),
        vec![(rome_at(2026, 11, 25, 8, 30), rome_at(2026, 11, 25, 12, 0))]
    );
}

#[test]
fn a_service_never_open_never_changes() {
    let never = ServiceCalendar {
        hours: WeeklyHours::closed(),
        ..ServiceCalendar::default()
    };
    let s = never.status(rome_at(2026, 6, 1, 10, 0));
    assert!(s.pis_active());
    assert_eq!((s.next_change, s.next_opening), (None, None));
}

/// A small deterministic generator (xorshift), so the sweeps cover odd instants too.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn calendars() -> Vec<(&'static str, ServiceCalendar)> {
    let mut split = rho();
    split.hours = WeeklyHours::from_days([
        "08:30-12:30, 14:00-17:00",
        "08:30-12:30",
        "08:30-12:30, 14:00-17:00",
        "",
        "09:00-24:00",
        "00:00-02:00",
        "",
    ])
    .unwrap();
    split.closures = vec![
        Closure {
            date: date(2026, 12, 24),
            hours: Some((12 * 60, DAY)),
            reason: "Vigilia".into(),
        },
        Closure {
            date: date(2027, 2, 3),
            hours: None,
            reason: "Sciopero".into(),
        },
    ];
    let always = ServiceCalendar {
        hours: WeeklyHours::from_days(["00:00-24:00"; 7]).unwrap(),
        ..ServiceCalendar::default()
    };
    vec![("rho", rho()), ("split", split), ("always", always)]
}

/// Every instant is open or not; the next change is after it and really changes the state;
/// the next opening is after it and is an opening instant.
#[test]
fn invariants_hold_at_every_sampled_instant_of_2026_and_2027() {
    let start = utc("2026-01-01T00:00:00Z").0;
    let end = utc("2028-01-01T00:00:00Z").0;
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    for (name, cal) in calendars() {
        let mut at = start;
        while at < end {
            let t = UtcMillis(at);
            let s = cal.status(t);
            assert_eq!(s.open, cal.is_open(t), "{name} {at}");
            assert_eq!(s.reason == Reason::Open, s.open, "{name} {at}");
            if let Some(change) = s.next_change {
                assert!(change > t, "{name} {at}");
                assert_eq!(cal.is_open(UtcMillis(change.0 - 1)), s.open, "{name} {at}");
                assert_ne!(cal.is_open(change), s.open, "{name} {at}");
                // Nothing changes in between.
                let mid = UtcMillis(t.0 + (change.0 - t.0) / 2);
                assert_eq!(cal.is_open(mid), s.open, "{name} {at}");
            }
            if let Some(opening) = s.next_opening {
                assert!(opening > t, "{name} {at}");
                assert!(cal.is_open(opening), "{name} {at}");
                assert!(!cal.is_open(UtcMillis(opening.0 - 1)), "{name} {at}");
                if !s.open {
                    assert_eq!(Some(opening), s.next_change, "{name} {at}");
                }
            }
            // The closed spans of the next three days agree with the state at their edges.
            if rng.next().is_multiple_of(50) {
                let to = UtcMillis(at + 3 * 86_400_000);
                for (a, b) in cal.closed_spans(t, to) {
                    assert!(
                        !cal.is_open(a) && !cal.is_open(UtcMillis(b.0 - 1)),
                        "{name} {at}"
                    );
                    assert!(a == t || cal.is_open(UtcMillis(a.0 - 1)), "{name} {at}");
                    assert!(b == to || cal.is_open(b), "{name} {at}");
                }
            }
            // Steps of 1 to 180 minutes, at any millisecond.
            at += i64::try_from(rng.next() % (180 * 60_000)).unwrap() + 60_000;
        }
    }
}
