//! A person's own shifts as an iCalendar feed (RFC 5545) that a phone's calendar subscribes to
//! through a secret, revocable address. The feed holds roles and times only, and the case
//! conferences the person takes part in with the case's protocol code and the place (no names,
//! nothing of the case).

use icalendar::{Calendar, Component, Event, EventLike};
use presidio_db::StoredShift;
use presidio_domain::time::UtcMillis;

use crate::i18n::Tr;

fn utc(at: UtcMillis) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(at.0).unwrap_or_default()
}

/// How long a conference is put in the calendar.
const CONFERENCE_MS: i64 = 3_600_000;

/// The feed of `shifts` and `conferences` for the person called `name`.
pub fn ics(
    t: Tr<'_>,
    name: &str,
    host: &str,
    shifts: &[StoredShift],
    conferences: &[presidio_db::StoredConference],
) -> String {
    let mut calendar = Calendar::new();
    calendar.name(&t.t1("feed-name", "name", name));
    for s in shifts {
        let role = t.t(&format!("roster-role-{}", s.shift.role.code()));
        calendar.push(
            Event::new()
                .uid(&format!("turno-{}@{host}", s.id))
                .summary(&t.t1("feed-summary", "role", &role))
                .description(&t.t1("feed-description", "phone", &s.shift.phone))
                .starts(utc(s.shift.start))
                .ends(utc(s.shift.end))
                .done(),
        );
    }
    for c in conferences {
        calendar.push(
            Event::new()
                .uid(&format!("riunione-{}@{host}", c.id))
                .summary(&t.t1("feed-conference", "code", &c.report_code))
                .location(&c.place)
                .starts(utc(UtcMillis(c.at)))
                .ends(utc(UtcMillis(c.at + CONFERENCE_MS)))
                .done(),
        );
    }
    calendar.done().to_string()
}
