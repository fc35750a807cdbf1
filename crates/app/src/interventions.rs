//! The intervention shared by the pages and the API: who to alert (the roster's field operator
//! on call), the alert itself with its e-mail, the steps, the lone-worker sweep that raises the
//! alarm of a missed check-in, and the texts a dispatch shows.

use presidio_db::{DbError, StoredDispatch};
use presidio_domain::audit::Entry;
use presidio_domain::intervention::{Assessment, FieldStep, Stage};
use presidio_domain::reference::AmbitoId;
use presidio_domain::report::Report;
use presidio_domain::report::triage::Outcome;
use presidio_domain::roster::{RosterRole, on_call};
use presidio_domain::time::UtcMillis;
use presidio_domain::validation::{Invalid, Problem};

use crate::App;
use presidio_i18n::{Arg, Tr};

/// Who holds the `role` shift of the Ambito now, if anybody.
pub async fn on_call_now(
    app: &App,
    ambito: AmbitoId,
    role: RosterRole,
) -> Result<Option<i64>, DbError> {
    let now = app.clock.now();
    let stored = app.db.shifts(ambito, now, UtcMillis(now.0 + 1)).await?;
    let shifts: Vec<_> = stored.into_iter().map(|s| s.shift).collect();
    Ok(on_call(&shifts, now)
        .into_iter()
        .find(|s| s.role == role)
        .map(|s| s.user_id))
}

/// Alerts the operator named, or else the field operator on call, for `report`: only an
/// emergency gets one, an operator must have a role in the Ambito, one dispatch at a time.
pub async fn alert(
    app: &App,
    report: &Report,
    operator: Option<i64>,
    audit: &Entry,
) -> Result<StoredDispatch, DbError> {
    if report.outcome != Some(Outcome::Emergenza) || !report.status.is_open() {
        return Err(Invalid::one("outcome", Problem::BadTransition).into());
    }
    let operator = match operator {
        Some(id) => id,
        None => on_call_now(app, report.ambito, RosterRole::ProntoIntervento)
            .await?
            .ok_or_else(|| Invalid::one("operator_id", Problem::Required))?,
    };
    let people = app.db.roster_people(report.ambito).await?;
    if !people.iter().any(|p| p.id == operator) {
        return Err(Invalid::one("operator_id", Problem::UnknownCode).into());
    }
    let d = app
        .db
        .alert_operator(report.id, operator, app.field.check_in_minutes, audit)
        .await?;
    app.changed(report.ambito, report.id);
    crate::notify::dispatch(app, operator, "mail-alert", &d);
    Ok(d)
}

/// Records a step of dispatch `id` on a report the caller may write.
pub async fn step(
    app: &App,
    d: &StoredDispatch,
    step: &str,
    assessment: (Option<i64>, &str),
    version: i64,
    audit: &Entry,
) -> Result<StoredDispatch, DbError> {
    let Some(step) = FieldStep::parse(step) else {
        return Err(Invalid::one("step", Problem::UnknownCode).into());
    };
    let found = if step == FieldStep::Assess {
        Some(Assessment::parse(assessment.0, assessment.1)?)
    } else {
        None
    };
    let moved = app
        .db
        .record_field_step(d.id, step, found, version, audit)
        .await?;
    app.changed(d.ambito, d.report_id);
    Ok(moved)
}

/// The dispatches under way in `ambiti` (the Ambiti the caller reads), for the board.
pub async fn under_way(
    app: &App,
    ambiti: &[presidio_domain::reference::AmbitoId],
) -> Result<Vec<StoredDispatch>, DbError> {
    app.db.dispatches_under_way(ambiti).await
}

/// Raises the alarm of every check-in missed at `now`: a notification to the coordinators of
/// the Ambito, an e-mail to the coordinator on call, and the boards refresh. Returns how many.
pub async fn sweep(app: &App, now: UtcMillis) -> Result<usize, DbError> {
    let t = presidio_i18n::catalogue().tr(presidio_i18n::Locale::Italian);
    let mut raised = 0;
    for d in app.db.missed_check_ins(now).await? {
        let text = t.t_args(
            "dispatch-alarm-text",
            &[
                ("operator", Arg::Str(&d.operator)),
                ("code", Arg::Str(&d.report_code)),
            ],
        );
        if app.db.raise_alarm(&d, &text).await? {
            raised += 1;
            tracing::warn!(dispatch = d.id, "lone-worker check-in missed");
            app.changed(d.ambito, d.report_id);
            if let Some(coordinator) =
                on_call_now(app, d.ambito, RosterRole::CoordinatoreReperibile).await?
            {
                crate::notify::dispatch(app, coordinator, "mail-alarm", &d);
            }
        }
    }
    Ok(raised)
}

/// Releases the places of every hold past its time, and refreshes the boards of its cases.
pub async fn expire_holds(app: &App, now: UtcMillis) -> Result<usize, DbError> {
    let mut entry = presidio_domain::audit::Entry::new(now, presidio_domain::audit::Action::Write);
    entry.actor = "sistema".into();
    entry.record_type = "activations".into();
    entry.section = "hold_lapsed".into();
    let lapsed = app.db.expire_lapsed_holds(now, &entry).await?;
    for (ambito, report) in &lapsed {
        app.changed(*ambito, *report);
    }
    Ok(lapsed.len())
}

/// How long ago, as "12 min" or "1 h 05 min".
pub fn ago(t: Tr<'_>, since: UtcMillis, now: UtcMillis) -> String {
    let minutes = ((now.0 - since.0) / 60_000).max(0);
    if minutes >= 60 {
        t.t_args(
            "board-wait-hours",
            &[
                ("hours", Arg::Num(minutes / 60)),
                ("minutes", Arg::Str(&format!("{:02}", minutes % 60))),
            ],
        )
    } else {
        t.t_args("board-wait-minutes", &[("minutes", Arg::Num(minutes))])
    }
}

/// "Sul posto dal 02/12/2026 03:10": the stage with an absolute time, for paper.
pub fn stage_on_paper(t: Tr<'_>, d: &StoredDispatch) -> String {
    let (stage, since) = d.dispatch.stage();
    t.t2(
        "dispatch-stage-at",
        "stage",
        &t.t(&format!("dispatch-stage-{}", stage.code())),
        "at",
        &t.date_time(since),
    )
}

/// "Sul posto da 32 min", with whether a check-in is overdue.
pub fn stage_text(t: Tr<'_>, d: &StoredDispatch, now: UtcMillis) -> (String, bool) {
    let (stage, since) = d.dispatch.stage();
    let text = t.t_args(
        "dispatch-stage-since",
        &[
            (
                "stage",
                Arg::Str(&t.t(&format!("dispatch-stage-{}", stage.code()))),
            ),
            ("since", Arg::Str(&ago(t, since, now))),
        ],
    );
    (
        text,
        stage == Stage::OnSite && d.dispatch.check_in_missed(now),
    )
}
