//! The intervention as the report page and the field view show it: each dispatch's panel
//! (stage, timeline, assessment), the special procedure's checklist, and the operators to alert.

use presidio_db::{StoredDispatch, StoredStep};
use presidio_domain::intervention::FieldStep;
use presidio_domain::intervention::procedures::checklist_of;
use presidio_domain::report::Report;
use presidio_domain::time::{UtcMillis, rome_local_value};

use crate::forms::Choice;
use crate::i18n::{Arg, Tr};

/// A dispatch as a page shows it.
pub struct DispatchPanel {
    pub id: i64,
    pub version: i64,
    pub operator: String,
    pub stage: String,
    pub alarm: bool,
    /// "Prossimo check-in entro le 03:40", or the missed one, or empty.
    pub check_in: String,
    /// (what, when) for each step recorded.
    pub timeline: Vec<(String, String)>,
    /// (step code, button label) of the one-tap steps allowed now.
    pub steps: Vec<(&'static str, String)>,
    pub can_assess: bool,
    pub assessment: String,
}

pub fn panel(t: Tr<'_>, d: &StoredDispatch, now: UtcMillis) -> DispatchPanel {
    let (stage, alarm) = presidio_app::interventions::stage_text(t, d, now);
    let x = &d.dispatch;
    let check_in = match x.check_in_due() {
        Some(due) if alarm => t.t1("dispatch-check-in-missed", "time", &t.time(due)),
        Some(due) => t.t1("dispatch-check-in-due", "time", &t.time(due)),
        None => String::new(),
    };
    let mut moments = vec![(x.alerted_at, "dispatch-stage-alerted")];
    for (at, key) in [
        (x.acknowledged_at, "dispatch-stage-acknowledged"),
        (x.departed_at, "dispatch-stage-departed"),
        (x.arrived_at, "dispatch-stage-on_site"),
        (x.remote_at, "dispatch-stage-remote"),
        (x.last_check_in_at, "dispatch-step-check_in"),
        (x.assessed_at, "dispatch-step-assess"),
        (x.ended_at, "dispatch-stage-ended"),
        (x.cancelled_at, "dispatch-stage-cancelled"),
    ] {
        if let Some(at) = at {
            moments.push((at, key));
        }
    }
    // In the order they happened (the last check-in or the assessment can come after arrival
    // and before the end, whatever the step's place in the list above).
    let mut timeline: Vec<(i64, String, String)> = moments
        .into_iter()
        .map(|(at, key)| {
            // A step tapped on the phone without network says so, with when it arrived.
            let when = match d.receipts.iter().rev().find(|r| r.tapped_at == at) {
                Some(r) => t.t2(
                    "dispatch-tapped-offline",
                    "at",
                    &t.date_time(at),
                    "received",
                    &t.time(r.received_at),
                ),
                None => t.date_time(at),
            };
            (at.0, t.t(key), when)
        })
        .collect();
    if let Some(at) = d.alarm_at {
        timeline.push((at.0, t.t("escalation-alarm"), t.date_time(at)));
    }
    for e in &d.escalations {
        let key = format!("escalation-{}-{}", e.cause.code(), e.reached.code());
        let to = e.to.clone().unwrap_or_default();
        timeline.push((e.at.0, t.t1(&key, "to", &to), t.date_time(e.at)));
    }
    timeline.sort_by_key(|(at, _, _)| *at);
    let timeline = timeline
        .into_iter()
        .map(|(_, what, at)| (what, at))
        .collect();
    let allowed = x.allowed();
    DispatchPanel {
        id: d.id,
        version: d.version,
        operator: d.operator.clone(),
        stage,
        alarm,
        check_in,
        timeline,
        steps: allowed
            .iter()
            .filter(|s| **s != FieldStep::Assess)
            .map(|s| (s.code(), t.t(&format!("dispatch-step-{}", s.code()))))
            .collect(),
        can_assess: allowed.contains(&FieldStep::Assess),
        assessment: x.assessment.as_ref().map_or_else(String::new, |a| {
            format!(
                "{}: {} · {}",
                t.t("field-persons_met"),
                a.persons_met,
                a.text
            )
        }),
    }
}

/// One line of the special procedure's checklist.
pub struct ChecklistLine {
    pub step: &'static str,
    pub label: String,
    pub state: &'static str,
    pub state_label: String,
    /// "entro le …" for steps not done; "who, when · prot. …" for done ones.
    pub detail: String,
}

pub fn checklist(
    t: Tr<'_>,
    report: &Report,
    steps: &[StoredStep],
    now: UtcMillis,
) -> Vec<ChecklistLine> {
    let records: Vec<_> = steps.iter().map(|s| s.record.clone()).collect();
    checklist_of(
        report.data.target_group,
        report.data.received_at,
        &records,
        now,
    )
    .into_iter()
    .map(|i| {
        let detail = match &i.record {
            Some(r) => {
                let mut d = t.t_args(
                    "procedure-done-by-at",
                    &[
                        ("by", Arg::Str(&r.done_by)),
                        ("at", Arg::Str(&t.date_time(r.done_at))),
                    ],
                );
                if let Some(p) = &r.protocol {
                    d = format!("{d} · {}", t.t1("procedure-protocol", "protocol", p));
                }
                d
            }
            None => t.t1("procedure-due", "time", &t.date_time(i.due)),
        };
        ChecklistLine {
            step: i.step.code(),
            label: t.t(&format!("procedure-{}", i.step.code())),
            state: i.state.code(),
            state_label: t.t(&format!("procedure-state-{}", i.state.code())),
            detail,
        }
    })
    .collect()
}

/// The report page's intervention: the dispatches, the operators to alert when none is under
/// way, and the special procedure's checklist.
#[derive(Default)]
pub struct ReportIntervention {
    pub dispatches: Vec<DispatchPanel>,
    /// Empty when no alert can be sent now.
    pub operator_choices: Vec<Choice>,
    pub checklist: Vec<ChecklistLine>,
    /// Now, for the `datetime-local` field of a procedure step.
    pub now_value: String,
}

pub fn for_report(
    t: Tr<'_>,
    cached: &presidio_app::cache::CachedReport,
    now: UtcMillis,
) -> ReportIntervention {
    ReportIntervention {
        dispatches: cached.dispatches.iter().map(|d| panel(t, d, now)).collect(),
        operator_choices: operator_choices(t, cached),
        checklist: checklist(t, &cached.report, &cached.steps, now),
        now_value: rome_local_value(now),
    }
}

/// The operators an emergency may be given to, the one on call first (from the cached report:
/// no query per page view).
pub fn operator_choices(t: Tr<'_>, cached: &presidio_app::cache::CachedReport) -> Vec<Choice> {
    let Some((on_call, people)) = &cached.alertable else {
        return Vec::new();
    };
    let mut choices: Vec<Choice> = people
        .iter()
        .map(|p| Choice {
            selected: Some(p.id) == *on_call,
            label: if Some(p.id) == *on_call {
                t.t1("dispatch-on-call", "name", &p.name)
            } else {
                p.name.clone()
            },
            value: p.id.to_string(),
        })
        .collect();
    choices.sort_by_key(|c| !c.selected);
    choices
}
