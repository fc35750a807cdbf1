//! The intervention shared by the pages and the API: who to alert (the roster's field operator
//! on call), the alert itself with its e-mail, the steps, the lone-worker sweep that raises the
//! alarm of a missed check-in, and the texts a dispatch shows.

use presidio_db::{DbError, StoredDispatch};
use presidio_domain::access::Principal;
use presidio_domain::audit::Action;
use presidio_domain::intervention::{Assessment, FieldStep, Stage};
use presidio_domain::report::Report;
use presidio_domain::report::triage::Outcome;
use presidio_domain::roster::RosterRole;
use presidio_domain::time::UtcMillis;
use presidio_domain::validation::{Invalid, Problem};

use crate::{App, AppError, Caller};
use presidio_i18n::{Arg, Tr};

/// Alerts the operator named, or else the field operator on call, for report `id` (by a user
/// who may write it): only an emergency gets one, an operator must have a role in the Ambito,
/// one dispatch at a time (conflict otherwise).
pub async fn alert(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    operator: Option<i64>,
) -> Result<StoredDispatch, AppError> {
    let report = &crate::reports::writable(app, who, id).await?;
    let audit = &app.entry(caller, Action::Write);
    if report.outcome != Some(Outcome::Emergenza) || !report.status.is_open() {
        return Err(Invalid::one("outcome", Problem::BadTransition).into());
    }
    let operator = match operator {
        Some(id) => id,
        None => crate::roster::on_call_now(app, report.ambito, RosterRole::ProntoIntervento)
            .await?
            .ok_or_else(|| Invalid::one("operator_id", Problem::Required))?,
    };
    let people = app.db.roster_people(report.ambito).await?;
    if !people.iter().any(|p| p.id == operator) {
        return Err(Invalid::one("operator_id", Problem::UnknownCode).into());
    }
    let notice = crate::notify::dispatch(
        app,
        operator,
        "mail-alert",
        report.ambito,
        report.id,
        &report.code,
    );
    let d = app
        .db
        .alert_operator(
            report.id,
            operator,
            app.field.check_in_minutes,
            audit,
            &notice,
        )
        .await?;
    app.changed(report.ambito, report.id);
    crate::outbox::flush(app);
    Ok(d)
}

/// A step of a dispatch as given: `step` is `acknowledge`, `depart`, `arrive`, `remote`,
/// `check_in`, `assess`, `end` or `cancel`; `assess` carries `persons_met` and `assessment`;
/// `version` is the dispatch's as read; `tapped_at` (RFC 3339, or empty) the time it was tapped
/// on the phone without network.
#[derive(Debug, Clone, Copy)]
pub struct StepGiven<'a> {
    pub step: &'a str,
    pub persons_met: Option<i64>,
    pub assessment: &'a str,
    pub version: i64,
    pub tapped_at: &'a str,
}

/// Records a step of dispatch `id` (of report `report_id` when the address names one) at the
/// clock's time, by a user who may write its report (not found otherwise); conflict when the
/// dispatch changed since `version`.
pub async fn step(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    report_id: Option<i64>,
    given: StepGiven<'_>,
) -> Result<StoredDispatch, AppError> {
    let d = app.db.dispatch(id).await?;
    if report_id.is_some_and(|r| r != d.report_id) {
        return Err(AppError::NotFound);
    }
    crate::reports::writable(app, who, d.report_id)
        .await
        .map_err(|_| AppError::NotFound)?;
    let (step, assessment, version) = (
        given.step,
        (given.persons_met, given.assessment),
        given.version,
    );
    let audit = &app.entry(caller, Action::Write);
    let Some(step) = FieldStep::parse(step) else {
        return Err(Invalid::one("step", Problem::UnknownCode).into());
    };
    let tapped = presidio_domain::intervention::tapped_at(given.tapped_at, app.clock.now())
        .map_err(|p| Invalid::one("tapped_at", p))?;
    let found = if step == FieldStep::Assess {
        Some(Assessment::parse(assessment.0, assessment.1)?)
    } else {
        None
    };
    let moved = app
        .db
        .record_field_step(d.id, step, found, version, tapped, audit)
        .await?;
    app.changed(d.ambito, d.report_id);
    Ok(moved)
}

/// Dispatch `id` as it stands now, for a user who may write its report (not found
/// otherwise): what a step refused as stale is shown beside; the reading is audited.
pub async fn current(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
) -> Result<StoredDispatch, AppError> {
    let d = app.db.dispatch(id).await?;
    crate::reports::writable(app, who, d.report_id)
        .await
        .map_err(|_| AppError::NotFound)?;
    app.read_section(caller, d.report_id, "dispatches").await?;
    Ok(d)
}

/// The dispatches of report `id`, oldest first (for a user who may write it); the reading is
/// audited.
pub async fn of_report(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
) -> Result<Vec<StoredDispatch>, AppError> {
    crate::reports::writable(app, who, id).await?;
    app.read_section(caller, id, "dispatches").await?;
    Ok(app.db.dispatches_of(id).await?)
}

/// The user's own dispatches under way, newest first: the field operator's current cases.
pub async fn mine(app: &App, who: &Principal) -> Result<Vec<StoredDispatch>, AppError> {
    Ok(app.db.dispatches_for(who.user_id).await?)
}

/// The field view's cases: each of the user's dispatches under way whose report is wholly open
/// to them, with the report; each reading is audited (section `field`).
pub async fn field_cases(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
) -> Result<Vec<(StoredDispatch, std::sync::Arc<crate::cache::CachedReport>)>, AppError> {
    let mut out = Vec::new();
    for d in app.db.dispatches_for(who.user_id).await? {
        let Some((cached, presidio_domain::access::CaseAccess::Full)) =
            crate::cases::load_for_reading(app, who, d.report_id).await?
        else {
            continue;
        };
        app.read_section(caller, d.report_id, "field").await?;
        out.push((d, cached));
    }
    Ok(out)
}

/// The report `id` (for a user who may write it) and the recorded steps of its special
/// procedure; the reading is audited.
pub async fn procedures(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
) -> Result<(Report, Vec<presidio_db::StoredStep>), AppError> {
    let report = crate::reports::writable(app, who, id).await?;
    app.read_section(caller, id, "procedures").await?;
    let steps = app.db.procedure_steps(id).await?;
    Ok((report, steps))
}

/// Records (or corrects) a step of report `id`'s special procedure, validated against its
/// target group; returns the report and its recorded steps.
pub async fn record_procedure(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    input: &presidio_domain::intervention::procedures::StepInput,
) -> Result<(Report, Vec<presidio_db::StoredStep>), AppError> {
    let report = crate::reports::writable(app, who, id).await?;
    let record = input.validate(report.data.target_group, app.clock.now())?;
    app.db
        .record_procedure_step(id, &record, &app.entry(caller, Action::Write))
        .await?;
    app.changed(report.ambito, id);
    let steps = app.db.procedure_steps(id).await?;
    Ok((report, steps))
}

/// The dispatches under way in `ambiti` (the Ambiti the caller reads), for the board.
pub async fn under_way(
    app: &App,
    ambiti: &[presidio_domain::reference::AmbitoId],
) -> Result<Vec<StoredDispatch>, DbError> {
    app.db.dispatches_under_way(ambiti).await
}

/// What arrived in the last 12 hours from the phones without network on these reports (the
/// ones a board shows whole): (report, step code or `note`, tapped, received), latest first.
/// Codes and times only, so not audited.
pub async fn offline_arrivals(
    app: &App,
    reports: &[i64],
    now: UtcMillis,
) -> Result<Vec<(i64, String, UtcMillis, UtcMillis)>, DbError> {
    Ok(app
        .db
        .offline_arrivals(reports, now.0 - 12 * 3_600_000)
        .await?
        .into_iter()
        .map(|(r, what, tapped, received)| (r, what, UtcMillis(tapped), UtcMillis(received)))
        .collect())
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
        let coordinator =
            crate::roster::on_call_now(app, d.ambito, RosterRole::CoordinatoreReperibile).await?;
        let notice = coordinator.map(|c| {
            crate::notify::dispatch(app, c, "mail-alarm", d.ambito, d.report_id, &d.report_code)
        });
        if app.db.raise_alarm(&d, &text, notice.as_ref()).await? {
            raised += 1;
            tracing::warn!(dispatch = d.id, "lone-worker check-in missed");
            app.changed(d.ambito, d.report_id);
            crate::outbox::flush(app);
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
    let mut text = t.t_args(
        "dispatch-stage-since",
        &[
            (
                "stage",
                Arg::Str(&t.t(&format!("dispatch-stage-{}", stage.code()))),
            ),
            ("since", Arg::Str(&ago(t, since, now))),
        ],
    );
    // The last step of the escalation chain, while the dispatch waits.
    if let Some(e) = d.escalations.last().filter(|_| d.dispatch.is_active()) {
        let key = format!("escalation-{}-{}", e.cause.code(), e.reached.code());
        let step = t.t1(&key, "to", e.to.as_deref().unwrap_or_default());
        text = format!("{text} · {step}");
    }
    (
        text,
        stage == Stage::OnSite && d.dispatch.check_in_missed(now),
    )
}
