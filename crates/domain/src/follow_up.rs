//! Outcomes after a handover (esiti a 30 e 90 giorni): once the municipal social service takes
//! a case in charge, it is asked, after each of its Ambito's intervals, what became of the
//! person, and how appropriate the PIS response was. An unanswered request is reminded once,
//! then shown to the coordinators.

use serde::Deserialize;

use crate::codes;
use crate::validation::{Invalid, Problem, has_control};

/// The intervals, in days after taking charge, of an Ambito that sets none.
pub const DEFAULT_DAYS: [u16; 2] = [30, 90];
/// At most this many intervals, each of at most this many days.
pub const MAX_INTERVALS: usize = 4;
pub const MAX_INTERVAL_DAYS: u16 = 730;
/// Days after a request falls due at which its service is reminded, and then the coordinators
/// are told.
pub const REMIND_AFTER_DAYS: i64 = 7;
pub const ESCALATE_AFTER_DAYS: i64 = 21;
/// At most this many characters in a note.
pub const NOTE_MAX: usize = 1000;

codes!(
    /// What became of the person, as the receiving service tells.
    Outcome {
        InCarico = "in_carico",
        Risolta = "situazione_risolta",
        Trasferito = "trasferito",
        ContattoPerso = "contatto_perso",
        NuovaEmergenza = "nuova_emergenza",
    }
);

/// Parses an Ambito's intervals written as `30,90`: one to [`MAX_INTERVALS`] distinct numbers
/// of days from 1 to [`MAX_INTERVAL_DAYS`], returned in ascending order.
pub fn parse_days(raw: &str) -> Option<Vec<u16>> {
    let mut days: Vec<u16> = raw
        .split(',')
        .map(|d| d.trim().parse::<u16>().ok())
        .collect::<Option<_>>()?;
    days.sort_unstable();
    days.dedup();
    let fits = !days.is_empty()
        && days.len() <= MAX_INTERVALS
        && days.iter().all(|d| (1..=MAX_INTERVAL_DAYS).contains(d));
    fits.then_some(days)
}

/// The requests a taking charge at `taken` makes under an Ambito's `setting` (the default
/// intervals when it cannot be read): (interval in days, day the outcome is asked for, Rome).
pub fn requests(taken: crate::time::UtcMillis, setting: &str) -> Vec<(i64, jiff::civil::Date)> {
    let day = taken.in_rome().date();
    parse_days(setting)
        .unwrap_or_else(|| DEFAULT_DAYS.to_vec())
        .into_iter()
        .map(|d| {
            let due = day
                .checked_add(jiff::Span::new().days(i64::from(d)))
                .unwrap_or(jiff::civil::Date::MAX);
            (i64::from(d), due)
        })
        .collect()
}

/// An answer as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AnswerInput {
    pub outcome: String,
    /// How appropriate the PIS response was, 1 to 5; none: not said.
    pub rating: Option<i64>,
    pub note: String,
}

/// An answer checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub outcome: Outcome,
    pub rating: Option<u8>,
    pub note: String,
}

impl AnswerInput {
    /// Checks the answer: a known outcome, a rating from 1 to 5 if any, a short note.
    pub fn validate(&self) -> Result<Answer, Invalid> {
        let mut e = Invalid::default();
        let outcome = if self.outcome.trim().is_empty() {
            e.push("outcome", Problem::Required);
            None
        } else {
            let found = Outcome::parse(&self.outcome);
            if found.is_none() {
                e.push("outcome", Problem::UnknownCode);
            }
            found
        };
        let rating = match self.rating {
            None => None,
            Some(r @ 1..=5) => u8::try_from(r).ok(),
            Some(_) => {
                e.push("rating", Problem::OutOfRange);
                None
            }
        };
        let note = self.note.trim();
        if note.chars().count() > NOTE_MAX {
            e.push("note", Problem::TooLong { max: NOTE_MAX });
        } else if has_control(note) {
            e.push("note", Problem::ControlCharacter);
        }
        match outcome {
            Some(outcome) if e.is_empty() => Ok(Answer {
                outcome,
                rating,
                note: note.to_owned(),
            }),
            _ => Err(e),
        }
    }
}

/// The next step for an unanswered request due on `due`, on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chase {
    /// Ask the receiving service, on the day the request falls due (once).
    Ask,
    /// Remind the receiving service (once).
    Reminder,
    /// Tell the coordinators (once).
    Coordinator,
}

/// What was done already for an unanswered request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Chased {
    pub asked: bool,
    pub reminded: bool,
    pub escalated: bool,
}

/// What an unanswered request due on `due` needs on `today`, given what was done already. A
/// request found a week late and never asked is reminded at once (the reminder asks too).
pub fn chase(due: jiff::civil::Date, today: jiff::civil::Date, done: Chased) -> Option<Chase> {
    if today < due {
        return None;
    }
    let late = due.until(today).map_or(0, |s| i64::from(s.get_days()));
    if !done.escalated && done.reminded && late >= ESCALATE_AFTER_DAYS {
        Some(Chase::Coordinator)
    } else if !done.reminded && late >= REMIND_AFTER_DAYS {
        Some(Chase::Reminder)
    } else if !done.asked && !done.reminded {
        Some(Chase::Ask)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn intervals_are_read_sorted_and_bounded() {
        assert_eq!(parse_days("90, 30"), Some(vec![30, 90]));
        assert_eq!(parse_days("30,30"), Some(vec![30]));
        assert_eq!(parse_days(""), None);
        assert_eq!(parse_days("0"), None);
        assert_eq!(parse_days("731"), None);
        assert_eq!(parse_days("1,2,3,4,5"), None);
        assert_eq!(parse_days("trenta"), None);
    }

    #[test]
    fn requests_fall_on_rome_days_after_taking_charge() {
        // 23:30 in Rome on 31 December (22:30 UTC): the Rome day counts.
        let late = crate::time::parse_rome_local("2026-12-31T23:30").unwrap();
        assert_eq!(
            requests(late, "30,90"),
            vec![(30, date(2027, 1, 30)), (90, date(2027, 3, 31))]
        );
        assert_eq!(requests(late, "rotto"), requests(late, "90,30"));
    }

    #[test]
    fn an_answer_is_refused_on_each_field() {
        let bad = AnswerInput {
            outcome: "boh".into(),
            rating: Some(6),
            note: "\0".into(),
        };
        let fields: Vec<_> = bad
            .validate()
            .unwrap_err()
            .0
            .iter()
            .map(|f| (f.field, f.problem))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("outcome", Problem::UnknownCode),
                ("rating", Problem::OutOfRange),
                ("note", Problem::ControlCharacter)
            ]
        );
        let ok = AnswerInput {
            outcome: "in_carico".into(),
            rating: Some(4),
            note: " ".into(),
        }
        .validate()
        .unwrap();
        assert_eq!(ok.outcome, Outcome::InCarico);
        assert_eq!(ok.rating, Some(4));
    }

    #[test]
    fn a_request_is_asked_on_its_day_reminded_after_a_week_then_told_to_the_coordinators() {
        let due = date(2026, 12, 1);
        let asked = Chased {
            asked: true,
            ..Chased::default()
        };
        let reminded = Chased {
            reminded: true,
            ..asked
        };
        let none = Chased::default();
        assert_eq!(chase(due, date(2026, 11, 30), none), None, "not before");
        assert_eq!(chase(due, due, none), Some(Chase::Ask));
        assert_eq!(chase(due, date(2026, 12, 7), asked), None);
        assert_eq!(chase(due, date(2026, 12, 8), asked), Some(Chase::Reminder));
        assert_eq!(chase(due, date(2026, 12, 21), reminded), None);
        assert_eq!(
            chase(due, date(2026, 12, 22), reminded),
            Some(Chase::Coordinator)
        );
        let all = Chased {
            escalated: true,
            ..reminded
        };
        assert_eq!(chase(due, date(2027, 3, 1), all), None);
        // Never asked, long late: the reminder comes first, and asks.
        assert_eq!(chase(due, date(2027, 3, 1), none), Some(Chase::Reminder));
        assert_eq!(
            chase(
                due,
                date(2027, 3, 1),
                Chased {
                    reminded: true,
                    ..none
                }
            ),
            Some(Chase::Coordinator)
        );
    }
}
