//! How conferences, shared tasks and outcome requests read on screen: the report page's team
//! section, the conference page, the member's task list and the service's outcome list.

use presidio_app::conferences::Task;
use presidio_db::{StoredConference, StoredFollowUp};
use presidio_domain::conference::TaskStatus;
use presidio_domain::follow_up::Outcome;
use presidio_domain::time::UtcMillis;

use crate::forms::Choice;
use crate::i18n::{Arg, Tr};

/// A conference as a line.
pub struct ConferenceLine {
    pub id: i64,
    /// The case's protocol code.
    pub code: String,
    /// "10/12/2026 15:30 · Sala riunioni".
    pub when_where: String,
    /// "Verbale registrato" or "Verbale da registrare".
    pub minutes: String,
}

pub fn conference_line(t: Tr<'_>, c: &StoredConference) -> ConferenceLine {
    ConferenceLine {
        id: c.id,
        code: c.report_code.clone(),
        when_where: format!("{} · {}", t.date_time(UtcMillis(c.at)), c.place),
        minutes: t.t(if c.minutes.is_some() {
            "conference-minutes-done"
        } else {
            "conference-minutes-due"
        }),
    }
}

/// A task as a line, with the statuses it may move to.
pub struct TaskLine {
    pub id: i64,
    pub version: i64,
    pub code: String,
    pub title: String,
    pub owner: String,
    /// "entro il 20/12/2026".
    pub due: String,
    pub status_label: String,
    pub overdue: bool,
    pub movable: bool,
    pub moves: Vec<Choice>,
}

pub fn task_line(t: Tr<'_>, task: &Task) -> TaskLine {
    let s = &task.task;
    let due = presidio_domain::time::parse_date(&s.due_day)
        .map(|d| t.t1("task-due", "day", &t.date(d)))
        .unwrap_or_default();
    TaskLine {
        id: s.id,
        version: s.version,
        code: s.report_code.clone(),
        title: s.title.clone(),
        owner: s.owner_name.clone(),
        due,
        status_label: t.t(&format!("task-status-{}", task.status.code())),
        overdue: task.overdue,
        movable: task.movable,
        moves: TaskStatus::ALL
            .iter()
            .map(|st| Choice {
                value: st.code().to_owned(),
                label: t.t(&format!("task-status-{}", st.code())),
                selected: *st == task.status,
            })
            .collect(),
    }
}

/// An outcome request as a line.
pub struct FollowUpLine {
    pub id: i64,
    pub report_id: i64,
    pub code: String,
    pub municipality: String,
    /// "Esito a 30 giorni, richiesto dal 20/12/2026".
    pub asked: String,
    /// The answer given, if any: "Ancora in carico · 4/5 · nota · da …".
    pub answer: String,
    /// Whether the viewer answers it now.
    pub answerable: bool,
    pub reminded: bool,
    pub error: String,
}

pub fn follow_up_line(t: Tr<'_>, f: &StoredFollowUp, answerable: bool) -> FollowUpLine {
    let day = presidio_domain::time::parse_date(&f.due_day)
        .map(|d| t.date(d))
        .unwrap_or_default();
    let answer = f.outcome.as_ref().map_or_else(String::new, |o| {
        let mut parts = vec![t.t(&format!("follow-up-outcome-{o}"))];
        if let Some(r) = f.rating {
            parts.push(t.t_args("follow-up-rated", &[("rating", crate::i18n::Arg::Num(r))]));
        }
        if !f.note.is_empty() {
            parts.push(f.note.clone());
        }
        if let (Some(by), Some(at)) = (&f.answered_by, f.answered_at) {
            parts.push(format!("{by}, {}", t.date_time(UtcMillis(at))));
        }
        parts.join(" · ")
    });
    FollowUpLine {
        id: f.id,
        report_id: f.report_id,
        code: f.report_code.clone(),
        municipality: f.municipality_name.clone(),
        asked: t.t_args(
            "follow-up-asked",
            &[
                ("days", crate::i18n::Arg::Num(f.days)),
                ("day", crate::i18n::Arg::Str(&day)),
            ],
        ),
        answerable: answerable && f.outcome.is_none(),
        reminded: f.reminded_at.is_some() && f.outcome.is_none(),
        answer,
        error: String::new(),
    }
}

/// The outcomes as choices.
pub fn outcome_choices(t: Tr<'_>) -> Vec<Choice> {
    Outcome::ALL
        .iter()
        .map(|o| Choice {
            value: o.code().to_owned(),
            label: t.t(&format!("follow-up-outcome-{}", o.code())),
            selected: false,
        })
        .collect()
}

/// A conference or a task as a line of the case's timeline.
pub struct TimelineEntry {
    pub at: i64,
    pub what: String,
    pub actor: String,
    pub note: String,
}

/// The case's conferences (held, and their minutes) and tasks (decided, and where they stand)
/// as timeline lines.
pub fn timeline(
    t: Tr<'_>,
    conferences: &[StoredConference],
    tasks: &[presidio_db::StoredTask],
) -> Vec<TimelineEntry> {
    let mut lines = Vec::new();
    for c in conferences {
        lines.push(TimelineEntry {
            at: c.at,
            what: t.t1("timeline-conference", "place", &c.place),
            actor: String::new(),
            note: c.agenda.clone(),
        });
        if let (Some(minutes), Some(at)) = (&c.minutes, c.minutes_at) {
            lines.push(TimelineEntry {
                at,
                what: t.t1("timeline-minutes", "day", &t.date_time(UtcMillis(c.at))),
                actor: c.minutes_by.clone().unwrap_or_default(),
                note: minutes.clone(),
            });
        }
    }
    for x in tasks {
        let due = presidio_domain::time::parse_date(&x.due_day)
            .map(|d| t.date(d))
            .unwrap_or_default();
        lines.push(TimelineEntry {
            at: x.created_at,
            what: t.t("timeline-task"),
            actor: String::new(),
            note: t.t_args(
                "timeline-task-note",
                &[
                    ("task", Arg::Str(&x.title)),
                    ("owner", Arg::Str(&x.owner_name)),
                    ("day", Arg::Str(&due)),
                ],
            ),
        });
        if let (Some(at), Some(status)) = (x.updated_at, TaskStatus::parse(&x.status))
            && status != TaskStatus::Open
        {
            lines.push(TimelineEntry {
                at,
                what: t.t1("timeline-task-moved", "task", &x.title),
                actor: String::new(),
                note: t.t(&format!("task-status-{}", status.code())),
            });
        }
    }
    lines
}
