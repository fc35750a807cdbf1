//! Weekly rota patterns: "every Friday from 17:00 to Monday 08:30, pronto intervento, Maria"
//! written once and turned into shifts week by week, in Rome time (an entry that ends at or
//! before its start ends the next day; across a daylight-saving change the wall-clock times
//! hold, so that night is an hour shorter or longer).

use jiff::ToSpan;
use jiff::civil::Date;

use super::{RosterRole, Shift};
use crate::calendar::hours::{DAY, Minute, parse_minute};
use crate::time::{UtcMillis, rome};
use crate::validation::{Invalid, Problem, required_text};

/// One line of a weekly pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotaEntry {
    /// 0 = Monday.
    pub weekday: u8,
    pub start: Minute,
    /// At or before `start`: on the next day.
    pub end: Minute,
    /// Whole days more before the end (Friday 17:00 to Monday 08:30 is 2: Saturday, then +2).
    pub extra_days: u8,
    pub role: RosterRole,
    pub user_id: i64,
    pub phone: String,
}

/// The instant of a Rome wall-clock minute on `day`.
fn at(day: Date, minute: Minute) -> Option<UtcMillis> {
    let (day, minute) = if minute >= DAY {
        (day.tomorrow().ok()?, minute - DAY)
    } else {
        (day, minute)
    };
    let h = i8::try_from(minute / 60).ok()?;
    let m = i8::try_from(minute % 60).ok()?;
    let zoned = day.at(h, m, 0, 0).to_zoned(rome()).ok()?;
    Some(UtcMillis(zoned.timestamp().as_millisecond()))
}

impl RotaEntry {
    /// The shift of this entry in the week starting on `monday`.
    pub fn shift_in_week(&self, monday: Date) -> Option<Shift> {
        let day = monday.checked_add(i64::from(self.weekday).days()).ok()?;
        let end_day = day
            .checked_add((i64::from(self.extra_days) + i64::from(self.end <= self.start)).days())
            .ok()?;
        Some(Shift {
            role: self.role,
            start: at(day, self.start)?,
            end: at(end_day, self.end)?,
            user_id: self.user_id,
            phone: self.phone.clone(),
        })
    }
}

/// The shifts of `entries` for `weeks` weeks from the week of `monday`.
pub fn generate(entries: &[RotaEntry], monday: Date, weeks: u8) -> Vec<Shift> {
    (0..weeks)
        .filter_map(|w| monday.checked_add((i64::from(w) * 7).days()).ok())
        .flat_map(|week| entries.iter().filter_map(move |e| e.shift_in_week(week)))
        .collect()
}

/// A rota line as typed.
#[derive(Debug, Clone, Default)]
pub struct RotaInput<'a> {
    pub weekday: &'a str,
    pub start: &'a str,
    pub end: &'a str,
    pub extra_days: &'a str,
    pub role: &'a str,
    pub user_id: Option<i64>,
    pub phone: &'a str,
}

impl RotaInput<'_> {
    pub fn validate(&self) -> Result<RotaEntry, Invalid> {
        let mut errors = Invalid::default();
        let weekday = match self.weekday.trim().parse::<u8>() {
            Ok(d) if d < 7 => Some(d),
            _ => {
                errors.push("weekday", Problem::UnknownCode);
                None
            }
        };
        let mut minute = |field: &'static str, raw: &str| {
            let m = parse_minute(raw).filter(|m| *m < DAY);
            if m.is_none() {
                errors.push(field, Problem::InvalidHours);
            }
            m
        };
        let start = minute("start", self.start);
        let end = minute("end", self.end);
        let extra_days = match self.extra_days.trim() {
            "" => Some(0),
            raw => match raw.parse::<u8>() {
                Ok(d) if d < 7 => Some(d),
                _ => {
                    errors.push("extra_days", Problem::OutOfRange);
                    None
                }
            },
        };
        let role = RosterRole::parse(self.role);
        if role.is_none() {
            errors.push("role", Problem::UnknownCode);
        }
        if self.user_id.is_none() {
            errors.push("user_id", Problem::Required);
        }
        let phone = required_text(&mut errors, "phone", self.phone, 30);
        match (weekday, start, end, extra_days, role, self.user_id) {
            (
                Some(weekday),
                Some(start),
                Some(end),
                Some(extra_days),
                Some(role),
                Some(user_id),
            ) => errors.into_result(RotaEntry {
                weekday,
                start,
                end,
                extra_days,
                role,
                user_id,
                phone,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn utc(raw: &str) -> UtcMillis {
        UtcMillis(raw.parse::<jiff::Timestamp>().unwrap().as_millisecond())
    }

    fn entry(weekday: u8, start: &str, end: &str, extra_days: u8) -> RotaEntry {
        RotaEntry {
            weekday,
            start: parse_minute(start).unwrap(),
            end: parse_minute(end).unwrap(),
            extra_days,
            role: RosterRole::ProntoIntervento,
            user_id: 7,
            phone: "333".into(),
        }
    }

    #[test]
    fn entries_become_shifts_in_rome_time_across_daylight_saving() {
        // Weeknights 17:00–08:30 (end before start: next day) and Friday 17:00 to Monday 08:30.
        let rota = [entry(0, "17:00", "08:30", 0), entry(4, "17:00", "08:30", 2)];
        let shifts = generate(&rota, date(2026, 10, 19), 2);
        assert_eq!(shifts.len(), 4);
        assert_eq!(
            (shifts[0].start, shifts[0].end),
            (utc("2026-10-19T15:00:00Z"), utc("2026-10-20T06:30:00Z"))
        );
        // The weekend of the October change is 64 h 30 min long, wall clock 17:00 to 08:30.
        assert_eq!(
            (shifts[1].start, shifts[1].end),
            (utc("2026-10-23T15:00:00Z"), utc("2026-10-26T07:30:00Z"))
        );
        assert_eq!(
            (shifts[2].start, shifts[2].end),
            (utc("2026-10-26T16:00:00Z"), utc("2026-10-27T07:30:00Z"))
        );
        // The spring change: Friday 27 March 2026 17:00 CET to Monday 30 08:30 CEST.
        let spring = generate(&[entry(4, "17:00", "08:30", 2)], date(2026, 3, 23), 1);
        assert_eq!(
            (spring[0].start, spring[0].end),
            (utc("2026-03-27T16:00:00Z"), utc("2026-03-30T06:30:00Z"))
        );
        // A day shift.
        let day = generate(&[entry(5, "08:00", "20:00", 0)], date(2026, 11, 16), 1);
        assert_eq!(
            (day[0].start, day[0].end),
            (utc("2026-11-21T07:00:00Z"), utc("2026-11-21T19:00:00Z"))
        );
    }

    #[test]
    fn rota_input_names_its_faults() {
        let bad = RotaInput {
            weekday: "7",
            start: "25:00",
            end: "08:30",
            extra_days: "9",
            role: "x",
            user_id: None,
            phone: "",
        };
        let fields: Vec<_> = bad
            .validate()
            .unwrap_err()
            .0
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            vec!["weekday", "start", "extra_days", "role", "user_id", "phone"]
        );
        let good = RotaInput {
            weekday: "4",
            start: "17:00",
            end: "08:30",
            extra_days: "2",
            role: "centrale",
            user_id: Some(1),
            phone: "02 123",
        };
        assert_eq!(good.validate().unwrap().extra_days, 2);
    }
}
