//! Deadlines against the service calendar: a Friday night in Rho, a Monday holiday, the
//! patron's day, daylight saving; and the escalation steps.

use jiff::civil::date;

use super::*;
use crate::calendar::LocalHoliday;
use crate::reference::MonthDay;

fn rome(y: i16, mo: i8, d: i8, h: i8, mi: i8) -> UtcMillis {
    let z = date(y, mo, d)
        .at(h, mi, 0, 0)
        .to_zoned(crate::time::rome())
        .unwrap();
    UtcMillis(z.timestamp().as_millisecond())
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

fn due(queued: UtcMillis) -> Deadlines {
    deadlines(
        &rho(),
        queued,
        DEFAULT_GRACE_MINUTES,
        DEFAULT_ESCALATION_MINUTES,
    )
    .unwrap()
}

#[test]
fn a_friday_night_emergency_in_rho_is_due_on_monday_morning() {
    let d = due(rome(2026, 11, 20, 23, 40));
    assert_eq!(d.due, rome(2026, 11, 23, 12, 30), "08:30 + 4 working hours");
    assert_eq!(d.escalate, rome(2026, 11, 23, 14, 30));
}

#[test]
fn a_monday_holiday_moves_it_to_tuesday() {
    // Easter Monday 2027 is 29 March.
    let d = due(rome(2027, 3, 26, 22, 0));
    assert_eq!(d.due, rome(2027, 3, 30, 12, 30));
    // Rho's patron, Friday 8 May 2026: a Thursday-night case waits for Monday 11 May.
    let d = due(rome(2026, 5, 7, 21, 0));
    assert_eq!(d.due, rome(2026, 5, 11, 12, 30));
}

#[test]
fn the_grace_counts_only_working_time() {
    // Queued at 15:00 on a Wednesday: two hours that day, two the next morning.
    let d = due(rome(2026, 11, 18, 15, 0));
    assert_eq!(d.due, rome(2026, 11, 19, 10, 30));
    // The escalation runs into the afternoon of the same day.
    assert_eq!(d.escalate, rome(2026, 11, 19, 12, 30));
    // Across the change to summer time (Sunday 29 March 2026) the wall clock is what counts.
    let d = due(rome(2026, 3, 27, 20, 0));
    assert_eq!(d.due, rome(2026, 3, 30, 12, 30));
    // A service that never opens has no deadline.
    let never = ServiceCalendar {
        hours: crate::calendar::WeeklyHours::closed(),
        ..ServiceCalendar::default()
    };
    assert_eq!(deadlines(&never, rome(2026, 1, 1, 0, 0), 240, 120), None);
}

#[test]
fn a_late_handover_is_reminded_then_escalated_once_each() {
    let d = due(rome(2026, 11, 20, 23, 40));
    let sent = HandoverStatus::Sent;
    assert_eq!(
        escalation(sent, d, false, false, rome(2026, 11, 23, 12, 0)),
        None
    );
    assert!(!is_overdue(sent, d.due, rome(2026, 11, 23, 12, 30)));
    let late = rome(2026, 11, 23, 12, 31);
    assert!(is_overdue(sent, d.due, late));
    assert_eq!(
        escalation(sent, d, false, false, late),
        Some(Escalation::Reminder)
    );
    assert_eq!(
        escalation(sent, d, true, false, late),
        None,
        "reminded once"
    );
    let later = rome(2026, 11, 23, 14, 30);
    assert_eq!(
        escalation(sent, d, true, false, later),
        Some(Escalation::Coordinator)
    );
    assert_eq!(escalation(sent, d, true, true, later), None);
    assert_eq!(
        escalation(HandoverStatus::Acknowledged, d, false, false, later),
        None,
        "acknowledged: nothing more"
    );
}

#[test]
fn the_receiving_service_records_an_outcome_with_its_reason() {
    use HandoverStatus as H;
    assert_eq!(
        check_outcome(H::Acknowledged, "taken_in_charge", ""),
        Ok((H::TakenInCharge, String::new()))
    );
    assert_eq!(
        check_outcome(H::Acknowledged, "not_competent", " "),
        Err(Invalid::one("reason", Problem::Required))
    );
    assert_eq!(
        check_outcome(H::Sent, "closed", "Già in carico al CPS"),
        Err(Invalid::one("outcome", Problem::BadTransition)),
        "acknowledge first"
    );
    assert_eq!(
        check_outcome(H::Acknowledged, "boh", "").unwrap_err().0[0].field,
        "outcome"
    );
    assert!(H::Sent.is_open() && !H::NotCompetent.is_open());
}
