//! Instants: UTC in storage (milliseconds since the epoch), Europe/Rome on screen.

use jiff::{Timestamp, Zoned, tz::TimeZone};
use serde::{Deserialize, Serialize};

/// The time zone of every Italian Ambito, with its daylight-saving rules, compiled in.
/// The earliest instant a report may carry (1 January 2000, Rome): older dates are typing
/// mistakes, never history the service keeps.
pub const EARLIEST_REPORT: UtcMillis = UtcMillis(946_681_200_000);

pub fn rome() -> TimeZone {
    jiff::tz::get!("Europe/Rome")
}

/// An instant, stored as milliseconds since 1970-01-01T00:00:00Z in both database backends.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct UtcMillis(pub i64);

impl UtcMillis {
    /// The instant at which this value is built. Callers outside the domain pass it in,
    /// so domain rules stay deterministic.
    pub fn from_timestamp(ts: Timestamp) -> Self {
        Self(ts.as_millisecond())
    }

    /// The instant as a `jiff` timestamp. Values beyond jiff's range (years past 9999) saturate.
    pub fn timestamp(self) -> Timestamp {
        Timestamp::from_millisecond(self.0).unwrap_or(if self.0 < 0 {
            Timestamp::MIN
        } else {
            Timestamp::MAX
        })
    }

    /// The instant as seen on a wall clock in Rome.
    pub fn in_rome(self) -> Zoned {
        self.timestamp().to_zoned(rome())
    }
}

/// The instant a day starts in Rome (midnight, or the first hour that exists on that day).
pub fn rome_day_start(date: jiff::civil::Date) -> UtcMillis {
    date.to_zoned(rome())
        .map_or(UtcMillis(0), |z| UtcMillis(z.timestamp().as_millisecond()))
}

/// The instant `months` calendar months before `now`, on Rome's calendar (for retention periods).
pub fn months_before(now: UtcMillis, months: u32) -> UtcMillis {
    let span = jiff::Span::new().months(i64::from(months));
    now.in_rome()
        .checked_sub(span)
        .map_or(UtcMillis(i64::MIN), |z| {
            UtcMillis(z.timestamp().as_millisecond())
        })
}

/// A wall-clock time typed in a form (`AAAA-MM-GGTHH:MM`, as a `datetime-local` field sends it),
/// read as Rome time; at a daylight-saving change an hour that does not exist moves forward.
pub fn parse_rome_local(raw: &str) -> Option<UtcMillis> {
    let civil: jiff::civil::DateTime = raw.trim().parse().ok()?;
    let zoned = civil.to_zoned(rome()).ok()?;
    Some(UtcMillis(zoned.timestamp().as_millisecond()))
}

/// A time of arrival typed on a form, Rome wall clock, as people write it at the desk:
/// `GG/MM/AAAA HH:MM` (also `GG/MM/AA` and `.` or `-` between the day parts), the form's own
/// `AAAA-MM-GGTHH:MM`, or only `HH:MM` (`H.MM`): today, or yesterday when that would be more
/// than a minute after `now` (a call of 23:50 recorded at 00:20).
pub fn parse_rome_typed(raw: &str, now: UtcMillis) -> Option<UtcMillis> {
    let raw = raw.trim();
    if let Some(at) = parse_rome_local(raw) {
        return Some(at);
    }
    let (day, time) = match raw.rsplit_once(' ') {
        Some((d, t)) => (Some(d.trim()), t.trim()),
        None => (None, raw),
    };
    let (h, m) = time.split_once([':', '.'])?;
    let (h, m): (i8, i8) = (h.parse().ok()?, m.parse().ok()?);
    let clock = jiff::civil::Time::new(h, m, 0, 0).ok()?;
    let date = match day {
        Some(d) => {
            let parts: Vec<&str> = d.split(['/', '.', '-']).collect();
            let [dd, mm, yy] = parts.as_slice() else {
                return None;
            };
            let year: i16 = match yy.len() {
                2 => 2000 + yy.parse::<i16>().ok()?,
                4 => yy.parse().ok()?,
                _ => return None,
            };
            jiff::civil::Date::new(year, mm.parse().ok()?, dd.parse().ok()?).ok()?
        }
        None => now.in_rome().date(),
    };
    let zoned = date.to_datetime(clock).to_zoned(rome()).ok()?;
    let at = UtcMillis(zoned.timestamp().as_millisecond());
    if day.is_none() && at.0 > now.0 + 60_000 {
        let yesterday = date
            .yesterday()
            .ok()?
            .to_datetime(clock)
            .to_zoned(rome())
            .ok()?;
        return Some(UtcMillis(yesterday.timestamp().as_millisecond()));
    }
    Some(at)
}

/// How a time of arrival is shown in a form to be typed over: `GG/MM/AAAA HH:MM`, Rome.
pub fn rome_typed_value(at: UtcMillis) -> String {
    at.in_rome().strftime("%d/%m/%Y %H:%M").to_string()
}

/// The form value of an instant for a `datetime-local` field, in Rome time.
pub fn rome_local_value(at: UtcMillis) -> String {
    at.in_rome().strftime("%Y-%m-%dT%H:%M").to_string()
}

/// A day typed as `AAAA-MM-GG` (what a date field sends).
pub fn parse_date(raw: &str) -> Option<jiff::civil::Date> {
    raw.trim().parse().ok()
}

impl From<Timestamp> for UtcMillis {
    fn from(ts: Timestamp) -> Self {
        Self::from_timestamp(ts)
    }
}

#[cfg(test)]
mod day_tests {
    use super::*;

    #[test]
    fn retention_counts_calendar_months_in_rome() {
        let now = UtcMillis::from("2026-11-22T08:00:00Z".parse::<Timestamp>().unwrap());
        let cut = months_before(now, 24);
        assert_eq!(cut.timestamp().to_string(), "2024-11-22T08:00:00Z");
        // Across daylight saving time the wall-clock hour is kept.
        let summer = UtcMillis::from("2026-07-31T10:00:00Z".parse::<Timestamp>().unwrap());
        assert_eq!(
            months_before(summer, 5).timestamp().to_string(),
            "2026-02-28T11:00:00Z"
        );
    }

    #[test]
    fn form_times_are_rome_wall_clock() {
        let at = parse_rome_local("2026-11-22T03:10").unwrap();
        assert_eq!(at.timestamp().to_string(), "2026-11-22T02:10:00Z");
        assert_eq!(rome_local_value(at), "2026-11-22T03:10");
        let summer = parse_rome_local("2026-07-01T03:10").unwrap();
        assert_eq!(summer.timestamp().to_string(), "2026-07-01T01:10:00Z");
        assert_eq!(parse_rome_local("22/11/2026 03:10"), None);
    }

    #[test]
    fn days_start_at_rome_midnight() {
        let d = parse_date("2026-03-29").unwrap();
        assert_eq!(
            rome_day_start(d).timestamp().to_string(),
            "2026-03-28T23:00:00Z"
        );
        let d = parse_date("2026-07-01").unwrap();
        assert_eq!(
            rome_day_start(d).timestamp().to_string(),
            "2026-06-30T22:00:00Z"
        );
        assert_eq!(parse_date("31/12/2026"), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rome_is_utc_plus_one_in_winter_and_plus_two_in_summer() {
        let winter: Timestamp = "2026-01-15T12:00:00Z".parse().unwrap();
        let summer: Timestamp = "2026-07-15T12:00:00Z".parse().unwrap();
        assert_eq!(UtcMillis::from(winter).in_rome().hour(), 13);
        assert_eq!(UtcMillis::from(summer).in_rome().hour(), 14);
    }

    #[test]
    fn daylight_saving_starts_on_the_last_sunday_of_march_2026() {
        // 29 March 2026, 01:00 UTC = 03:00 CEST: the 02:00-03:00 hour does not exist in Rome.
        let before: Timestamp = "2026-03-29T00:59:59Z".parse().unwrap();
        let after: Timestamp = "2026-03-29T01:00:00Z".parse().unwrap();
        assert_eq!(UtcMillis::from(before).in_rome().hour(), 1);
        assert_eq!(UtcMillis::from(after).in_rome().hour(), 3);
    }

    #[test]
    fn millis_round_trip() {
        let ts: Timestamp = "2025-10-26T01:30:00.123Z".parse().unwrap();
        let m = UtcMillis::from(ts);
        assert_eq!(m.0, ts.as_millisecond());
        assert_eq!(m.timestamp(), ts);
    }

    #[test]
    fn out_of_range_millis_saturate_instead_of_panicking() {
        assert_eq!(UtcMillis(i64::MAX).timestamp(), Timestamp::MAX);
        assert_eq!(UtcMillis(i64::MIN).timestamp(), Timestamp::MIN);
    }
}

#[cfg(test)]
mod typed_tests {
    use super::*;

    fn at(text: &str) -> UtcMillis {
        UtcMillis::from_timestamp(text.parse().unwrap())
    }

    #[test]
    fn arrival_times_read_as_typed_at_the_desk() {
        // 00:20 in Rome on 2 December 2026.
        let now = at("2026-12-01T23:20:00Z");
        let expect = at("2026-12-01T21:15:00Z");
        for typed in [
            "01/12/2026 22:15",
            "1/12/26 22:15",
            "01.12.2026 22.15",
            "2026-12-01T22:15",
        ] {
            assert_eq!(parse_rome_typed(typed, now), Some(expect), "{typed}");
        }
        // A time alone: today, or yesterday when today's would be ahead.
        assert_eq!(
            parse_rome_typed("00:05", now),
            Some(at("2026-12-01T23:05:00Z"))
        );
        assert_eq!(parse_rome_typed("22:15", now), Some(expect));
        for bad in [
            "ieri sera",
            "25:00",
            "31/02/2026 10:00",
            "10",
            "01/12 10:00",
            "",
        ] {
            assert_eq!(parse_rome_typed(bad, now), None, "{bad}");
        }
        assert_eq!(rome_typed_value(expect), "01/12/2026 22:15");
    }
}
