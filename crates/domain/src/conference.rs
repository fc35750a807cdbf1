//! Case conferences (riunioni d'équipe) and the shared tasks their decisions become: when and
//! where the team meets, who of the team takes part, the agenda; the minutes with the decisions;
//! each decision a task with an owner (a member of the team), a last day and a status. A task
//! past its day is overdue for its owner and the case's responsible, and after a grace of days
//! it is escalated to the coordinators.

use serde::Deserialize;

use crate::codes;
use crate::time::UtcMillis;
use crate::validation::{Invalid, Problem, field_name, has_control, required_text};

/// At most this many characters in a place (or a video link).
pub const PLACE_MAX: usize = 300;
/// At most this many characters in an agenda.
pub const AGENDA_MAX: usize = 4000;
/// At most this many characters in the minutes.
pub const MINUTES_MAX: usize = 20_000;
/// At most this many characters in a task.
pub const TASK_MAX: usize = 500;
/// At most this many participants in a conference, and decisions in its minutes.
pub const LIST_MAX: usize = 50;
/// A conference is planned at most this many days ahead, or recorded this many days after.
pub const AHEAD_DAYS: i64 = 366;
pub const BEHIND_DAYS: i64 = 90;
/// A task is due at most this many days from today.
pub const DUE_MAX_DAYS: i64 = 731;
/// Days past its last day after which an open task is escalated to the coordinators, unless
/// configured otherwise.
pub const DEFAULT_GRACE_DAYS: u32 = 3;

const DAY_MS: i64 = 86_400_000;

codes!(
    /// Where a shared task stands.
    TaskStatus {
        Open = "open",
        InProgress = "in_progress",
        Done = "done",
        Cancelled = "cancelled",
    }
);

impl TaskStatus {
    /// Whether the task still waits for its owner.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Open | Self::InProgress)
    }
}

/// A conference as typed: `at` as `AAAA-MM-GGTHH:MM` (Rome) or an RFC 3339 instant, the place
/// or video link, the agenda, the team memberships taking part.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ConferenceInput {
    pub at: String,
    pub place: String,
    pub agenda: String,
    pub participants: Vec<i64>,
}

/// A conference checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConference {
    pub at: UtcMillis,
    pub place: String,
    pub agenda: String,
    /// Distinct membership ids, in the order given.
    pub participants: Vec<i64>,
}

fn instant(raw: &str) -> Option<UtcMillis> {
    crate::time::parse_rome_local(raw).or_else(|| {
        raw.trim()
            .parse::<jiff::Timestamp>()
            .ok()
            .map(UtcMillis::from_timestamp)
    })
}

fn optional_text(e: &mut Invalid, field: &'static str, raw: &str, max: usize) -> String {
    let value = raw.trim();
    if value.chars().count() > max {
        e.push(field, Problem::TooLong { max });
    } else if has_control(value) {
        e.push(field, Problem::ControlCharacter);
    }
    value.to_owned()
}

impl ConferenceInput {
    /// Checks the conference: a time from [`BEHIND_DAYS`] before `now` to [`AHEAD_DAYS`]
    /// after, a place, an agenda of at most [`AGENDA_MAX`] characters, one to [`LIST_MAX`]
    /// participants (whether they belong to the team is the store's to check).
    pub fn validate(&self, now: UtcMillis) -> Result<NewConference, Invalid> {
        let mut e = Invalid::default();
        let at = if self.at.trim().is_empty() {
            e.push("at", Problem::Required);
            None
        } else {
            match instant(&self.at) {
                Some(at)
                    if at.0 >= now.0 - BEHIND_DAYS * DAY_MS
                        && at.0 <= now.0 + AHEAD_DAYS * DAY_MS =>
                {
                    Some(at)
                }
                Some(_) => {
                    e.push("at", Problem::OutOfRange);
                    None
                }
                None => {
                    e.push("at", Problem::InvalidDateTime);
                    None
                }
            }
        };
        let place = required_text(&mut e, "place", &self.place, PLACE_MAX);
        let agenda = optional_text(&mut e, "agenda", &self.agenda, AGENDA_MAX);
        let mut participants: Vec<i64> = Vec::new();
        for p in &self.participants {
            if !participants.contains(p) {
                participants.push(*p);
            }
        }
        if participants.is_empty() {
            e.push("participants", Problem::Required);
        } else if participants.len() > LIST_MAX {
            e.push("participants", Problem::TooMany);
        }
        match at {
            Some(at) if e.is_empty() => Ok(NewConference {
                at,
                place,
                agenda,
                participants,
            }),
            _ => Err(e),
        }
    }
}

/// One decision of the minutes, as typed: what is to be done, by which member, by when.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DecisionInput {
    pub task: String,
    pub owner_member_id: i64,
    pub due: String,
}

/// The minutes of a conference as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MinutesInput {
    pub text: String,
    pub decisions: Vec<DecisionInput>,
}

/// A decision checked: a task to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    pub title: String,
    pub owner_member_id: i64,
    pub due: jiff::civil::Date,
}

/// The minutes checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMinutes {
    pub text: String,
    pub tasks: Vec<NewTask>,
}

impl MinutesInput {
    /// Checks the minutes: a text of at most [`MINUTES_MAX`] characters, at most [`LIST_MAX`]
    /// decisions, each with a task, an owner and a last day from `today` to [`DUE_MAX_DAYS`]
    /// ahead (refused on `decisions[i].…`; whether the owner belongs to the team is the store's
    /// to check).
    pub fn validate(&self, today: jiff::civil::Date) -> Result<NewMinutes, Invalid> {
        let mut e = Invalid::default();
        let text = required_text(&mut e, "text", &self.text, MINUTES_MAX);
        if self.decisions.len() > LIST_MAX {
            e.push("decisions", Problem::TooMany);
            return Err(e);
        }
        let latest = today
            .checked_add(jiff::Span::new().days(DUE_MAX_DAYS))
            .unwrap_or(jiff::civil::Date::MAX);
        let mut tasks = Vec::new();
        for (i, d) in self.decisions.iter().enumerate() {
            let field = |name: &str| field_name(&format!("decisions[{i}].{name}"));
            let title = required_text(&mut e, field("task"), &d.task, TASK_MAX);
            if d.owner_member_id <= 0 {
                e.push(field("owner_member_id"), Problem::Required);
            }
            let due = match crate::time::parse_date(&d.due) {
                _ if d.due.trim().is_empty() => {
                    e.push(field("due"), Problem::Required);
                    None
                }
                Some(day) if day >= today && day <= latest => Some(day),
                Some(_) => {
                    e.push(field("due"), Problem::OutOfRange);
                    None
                }
                None => {
                    e.push(field("due"), Problem::InvalidDate);
                    None
                }
            };
            if let Some(due) = due {
                tasks.push(NewTask {
                    title,
                    owner_member_id: d.owner_member_id,
                    due,
                });
            }
        }
        e.into_result(NewMinutes { text, tasks })
    }
}

/// Whether a task in `status` due on `due` is late on `today`.
pub fn is_overdue(status: TaskStatus, due: jiff::civil::Date, today: jiff::civil::Date) -> bool {
    status.is_open() && due < today
}

/// Whether a task in `status` due on `due` is to be escalated to the coordinators on `today`:
/// still open more than `grace_days` after its last day.
pub fn is_to_escalate(
    status: TaskStatus,
    due: jiff::civil::Date,
    today: jiff::civil::Date,
    grace_days: u32,
) -> bool {
    let limit = due
        .checked_add(jiff::Span::new().days(i64::from(grace_days)))
        .unwrap_or(jiff::civil::Date::MAX);
    status.is_open() && limit < today
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn now() -> UtcMillis {
        crate::time::rome_day_start(date(2026, 12, 4))
    }

    fn conference(at: &str) -> ConferenceInput {
        ConferenceInput {
            at: at.into(),
            place: "Sala riunioni, Rho".into(),
            agenda: "Collocamento".into(),
            participants: vec![3, 4, 3],
        }
    }

    fn refused(r: Result<impl std::fmt::Debug, Invalid>) -> Vec<(&'static str, Problem)> {
        r.unwrap_err()
            .0
            .iter()
            .map(|f| (f.field, f.problem))
            .collect()
    }

    #[test]
    fn a_conference_is_read_in_rome_time_with_distinct_participants() {
        let c = conference("2026-12-10T15:30").validate(now()).unwrap();
        assert_eq!(c.at.in_rome().strftime("%H:%M").to_string(), "15:30");
        assert_eq!(c.participants, vec![3, 4]);
        let utc = conference("2026-12-10T14:30:00Z").validate(now()).unwrap();
        assert_eq!(utc.at, c.at);
    }

    #[test]
    fn a_conference_is_refused_on_each_field() {
        let mut bad = conference("0001-01-01T00:00");
        bad.place = "\0".into();
        bad.participants.clear();
        assert_eq!(
            refused(bad.validate(now())),
            vec![
                ("at", Problem::OutOfRange),
                ("place", Problem::ControlCharacter),
                ("participants", Problem::Required)
            ]
        );
        assert_eq!(
            refused(conference("domani").validate(now())),
            vec![("at", Problem::InvalidDateTime)]
        );
        assert_eq!(
            refused(conference("2028-01-01T10:00").validate(now())),
            vec![("at", Problem::OutOfRange)]
        );
        let mut many = conference("2026-12-10T10:00");
        many.participants = (1..=51).collect();
        many.agenda = "x".repeat(AGENDA_MAX + 1);
        assert_eq!(
            refused(many.validate(now())),
            vec![
                ("agenda", Problem::TooLong { max: AGENDA_MAX }),
                ("participants", Problem::TooMany)
            ]
        );
    }

    #[test]
    fn minutes_name_the_decision_at_fault() {
        let today = date(2026, 12, 4);
        let decision = |task: &str, owner, due: &str| DecisionInput {
            task: task.into(),
            owner_member_id: owner,
            due: due.into(),
        };
        let ok = MinutesInput {
            text: "Deciso il collocamento".into(),
            decisions: vec![decision("Visita in comunità", 7, "2026-12-20")],
        }
        .validate(today)
        .unwrap();
        assert_eq!(ok.tasks[0].due, date(2026, 12, 20));
        let bad = MinutesInput {
            text: " ".into(),
            decisions: vec![
                decision("Va bene", 7, "2026-12-04"),
                decision("", 0, "2026-12-03"),
                decision("Troppo tardi", 7, "9999-12-31"),
            ],
        };
        assert_eq!(
            refused(bad.validate(today)),
            vec![
                ("text", Problem::Required),
                ("decisions[1].task", Problem::Required),
                ("decisions[1].owner_member_id", Problem::Required),
                ("decisions[1].due", Problem::OutOfRange),
                ("decisions[2].due", Problem::OutOfRange)
            ]
        );
    }

    #[test]
    fn a_task_is_overdue_the_day_after_and_escalated_after_the_grace() {
        let due = date(2026, 12, 4);
        assert!(!is_overdue(TaskStatus::Open, due, due));
        assert!(is_overdue(TaskStatus::InProgress, due, date(2026, 12, 5)));
        assert!(!is_overdue(TaskStatus::Done, due, date(2026, 12, 5)));
        assert!(!is_to_escalate(TaskStatus::Open, due, date(2026, 12, 7), 3));
        assert!(is_to_escalate(TaskStatus::Open, due, date(2026, 12, 8), 3));
        assert!(!is_to_escalate(
            TaskStatus::Cancelled,
            due,
            date(2027, 1, 8),
            3
        ));
        assert!(is_to_escalate(TaskStatus::Open, due, date(2026, 12, 5), 0));
    }
}
