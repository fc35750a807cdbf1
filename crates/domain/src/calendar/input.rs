//! What the editing forms and the API send for a calendar, checked field by field.

use jiff::civil::Date;

use super::hours::{Minute, WeeklyHours, parse_minute};
use super::{Closure, LocalHoliday};
use crate::reference::MonthDay;
use crate::validation::{Invalid, Problem, required_text};

/// The form fields of the seven days, Monday first (also their API names).
pub const DAY_FIELDS: [&str; 7] = [
    "lunedi",
    "martedi",
    "mercoledi",
    "giovedi",
    "venerdi",
    "sabato",
    "domenica",
];

/// Reads the seven days of weekly hours; each refused day is named.
pub fn weekly_hours(days: [&str; 7]) -> Result<WeeklyHours, Invalid> {
    let mut errors = Invalid::default();
    for (field, raw) in DAY_FIELDS.iter().zip(days) {
        if let Err(p) = WeeklyHours::parse_day(raw) {
            errors.push(field, p);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    WeeklyHours::from_days(days).map_err(|(i, p)| Invalid::one(DAY_FIELDS[i], p))
}

/// A local holiday as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalHolidayInput {
    /// `MM-GG`.
    pub day: String,
    pub name: String,
    pub from_year: String,
    pub to_year: String,
    pub source: String,
}

fn year(errors: &mut Invalid, field: &'static str, raw: &str) -> Option<i16> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match raw.parse::<i16>() {
        Ok(y) if (1900..=2200).contains(&y) => Some(y),
        _ => {
            errors.push(field, Problem::OutOfRange);
            None
        }
    }
}

impl LocalHolidayInput {
    pub fn validate(&self) -> Result<LocalHoliday, Invalid> {
        let mut errors = Invalid::default();
        let day = MonthDay::parse(&self.day)
            .map_err(|p| errors.push("day", p))
            .ok();
        let name = required_text(&mut errors, "name", &self.name, 100);
        let from_year = year(&mut errors, "from_year", &self.from_year);
        let to_year = year(&mut errors, "to_year", &self.to_year);
        if let (Some(a), Some(b)) = (from_year, to_year)
            && a > b
        {
            errors.push("to_year", Problem::OutOfRange);
        }
        let source = required_text(&mut errors, "source", &self.source, 200);
        match day {
            Some(day) => errors.into_result(LocalHoliday {
                day,
                name,
                from_year,
                to_year,
                source,
            }),
            None => Err(errors),
        }
    }
}

/// A closure as typed: a date, and both times or neither (all day).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClosureInput {
    /// `AAAA-MM-GG`.
    pub date: String,
    /// `HH:MM`, or empty.
    pub from: String,
    pub to: String,
    pub reason: String,
}

impl ClosureInput {
    pub fn validate(&self) -> Result<Closure, Invalid> {
        let mut errors = Invalid::default();
        let date: Option<Date> = if self.date.trim().is_empty() {
            errors.push("date", Problem::Required);
            None
        } else {
            let d = crate::time::parse_date(&self.date);
            match d {
                None => errors.push("date", Problem::InvalidDate),
                Some(d) if d < crate::validation::EARLIEST_DAY || d.year() > 2200 => {
                    errors.push("date", Problem::OutOfRange);
                }
                Some(_) => {}
            }
            d
        };
        let minute = |errors: &mut Invalid, field: &'static str, raw: &str| -> Option<Minute> {
            let raw = raw.trim();
            if raw.is_empty() {
                return None;
            }
            let m = parse_minute(raw);
            if m.is_none() {
                errors.push(field, Problem::InvalidHours);
            }
            m
        };
        let from = minute(&mut errors, "start", &self.from);
        let to = minute(&mut errors, "end", &self.to);
        let hours = match (
            self.from.trim().is_empty(),
            self.to.trim().is_empty(),
            from,
            to,
        ) {
            (true, true, _, _) => None,
            (_, _, Some(a), Some(b)) if a < b => Some((a, b)),
            (_, _, Some(_), Some(_)) => {
                errors.push("end", Problem::InvalidHours);
                None
            }
            (true, false, _, _) => {
                errors.push("start", Problem::Required);
                None
            }
            (false, true, _, _) => {
                errors.push("end", Problem::Required);
                None
            }
            _ => None,
        };
        let reason = required_text(&mut errors, "reason", &self.reason, 200);
        match date {
            Some(date) => errors.into_result(Closure {
                date,
                hours,
                reason,
            }),
            None => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(e: &Invalid) -> Vec<(&str, Problem)> {
        e.0.iter().map(|f| (f.field, f.problem)).collect()
    }

    #[test]
    fn weekly_hours_name_each_bad_day() {
        let e = weekly_hours(["08:30-17:00", "x", "", "", "", "9-10", ""]).unwrap_err();
        assert_eq!(
            fields(&e),
            vec![
                ("martedi", Problem::InvalidHours),
                ("sabato", Problem::InvalidHours)
            ]
        );
        assert!(weekly_hours(["08:30-17:00", "", "", "", "", "", ""]).is_ok());
    }

    #[test]
    fn local_holidays_are_checked() {
        let ok = LocalHolidayInput {
            day: "05-08".into(),
            name: "San Vittore".into(),
            from_year: "2020".into(),
            to_year: String::new(),
            source: "Statuto".into(),
        };
        assert_eq!(ok.validate().unwrap().from_year, Some(2020));
        let bad = LocalHolidayInput {
            day: "13-01".into(),
            from_year: "2030".into(),
            to_year: "2020".into(),
            ..LocalHolidayInput::default()
        };
        assert_eq!(
            fields(&bad.validate().unwrap_err()),
            vec![
                ("day", Problem::InvalidMonthDay),
                ("name", Problem::Required),
                ("to_year", Problem::OutOfRange),
                ("source", Problem::Required)
            ]
        );
    }

    #[test]
    fn closures_take_both_times_or_none() {
        let base = ClosureInput {
            date: "2026-12-24".into(),
            reason: "Vigilia".into(),
            ..ClosureInput::default()
        };
        assert_eq!(base.validate().unwrap().hours, None);
        let afternoon = ClosureInput {
            from: "12:00".into(),
            to: "17:00".into(),
            ..base.clone()
        };
        assert_eq!(afternoon.validate().unwrap().hours, Some((720, 1020)));
        let half = ClosureInput {
            from: "12:00".into(),
            ..base.clone()
        };
        assert_eq!(
            fields(&half.validate().unwrap_err()),
            vec![("end", Problem::Required)]
        );
        let backwards = ClosureInput {
            from: "17:00".into(),
            to: "12:00".into(),
            ..base.clone()
        };
        assert_eq!(
            fields(&backwards.validate().unwrap_err()),
            vec![("end", Problem::InvalidHours)]
        );
        let nothing = ClosureInput::default();
        assert_eq!(
            fields(&nothing.validate().unwrap_err()),
            vec![("date", Problem::Required), ("reason", Problem::Required)]
        );
    }
}
