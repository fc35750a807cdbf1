//! Handovers shared by the pages and the API: sending a case to the competent municipality's
//! social service with its deadlines, the service's answers, the escalation sweep (reminder to
//! the service, then alert to the coordinator), and what a handover shows.

use presidio_db::{DbError, StoredHandover};
use presidio_domain::access::{CaseAccess, Principal};
use presidio_domain::audit::Action;
use presidio_domain::handover::{Escalation, HandoverStatus, check_outcome, deadlines, escalation};
use presidio_domain::report::Report;
use presidio_domain::roster::RosterRole;
use presidio_domain::time::UtcMillis;
use presidio_domain::validation::{Invalid, Problem};

use crate::{App, AppError, Caller};
use presidio_i18n::{Arg, Tr};

/// Sends report `id` to the social service of its municipality (by a user who may write the
/// whole record), due at the service's next opening plus the configured grace of working time.
/// Refused on `municipality` when the report has none in the Ambito.
pub async fn send(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
) -> Result<StoredHandover, AppError> {
    let report = crate::reports::writable(app, who, id).await?;
    let audit = &app.entry(caller, Action::Write);
    let Some(municipality) = report
        .data
        .municipality
        .clone()
        .filter(|_| !report.outside_ambito)
    else {
        return Err(Invalid::one("municipality", Problem::Required).into());
    };
    let calendar = app.db.service_calendar(&municipality).await?.calendar;
    let now = app.clock.now();
    let config = &app.field;
    let due = deadlines(
        &calendar,
        now,
        config.handover_grace_minutes,
        config.handover_escalation_minutes,
    )
    .unwrap_or(presidio_domain::handover::Deadlines {
        // A service that never opens: the clock runs on wall time, never without a deadline.
        due: UtcMillis(now.0 + i64::from(config.handover_grace_minutes) * 60_000),
        escalate: UtcMillis(
            now.0
                + i64::from(config.handover_grace_minutes + config.handover_escalation_minutes)
                    * 60_000,
        ),
    });
    let h = app
        .db
        .send_handover(report.id, &municipality, due, audit)
        .await?;
    app.changed(report.ambito, report.id);
    Ok(h)
}

/// What a service answers to a handover: `outcome` is `acknowledged`, then `taken_in_charge`,
/// `not_competent` or `closed` (the last two with a `reason`); `version` is the one read.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    pub outcome: &'a str,
    pub reason: &'a str,
    pub version: i64,
}

/// The receiving service answers handover `id` (of report `report_id` when the address names
/// one). Only a social service bound to the municipality; conflict when the handover changed
/// since `version`.
pub async fn answer(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    report_id: Option<i64>,
    given: Answer<'_>,
) -> Result<StoredHandover, AppError> {
    let h = app.db.handover(id).await?;
    if report_id.is_some_and(|r| r != h.report_id) {
        return Err(AppError::NotFound);
    }
    let (outcome, reason, version) = (given.outcome, given.reason, given.version);
    let audit = &app.entry(caller, Action::Write);
    let ambito = presidio_domain::reference::AmbitoId(h.ambito_id);
    let ours = presidio_domain::reference::IstatCode::parse(&h.municipality)
        .is_ok_and(|m| who.receives_for(ambito, &m));
    if !ours {
        return Err(AppError::NotFound);
    }
    let (to, reason) = check_outcome(h.status(), outcome, reason)?;
    let t = presidio_i18n::catalogue().tr(presidio_i18n::Locale::Italian);
    let notice = t.t_args(
        "handover-returned-notice",
        &[
            ("code", Arg::Str(&h.report_code)),
            ("municipality", Arg::Str(&h.municipality_name)),
        ],
    );
    let answered = app
        .db
        .answer_handover(h.id, to, &reason, version, &notice, audit)
        .await?;
    app.changed(ambito, h.report_id);
    Ok(answered)
}

/// The report, when `who` may read all of it (the PIS staff, or the service it was handed to):
/// forbidden when they see only part of it, not found when not even that.
pub async fn readable(app: &App, who: &Principal, id: i64) -> Result<Report, AppError> {
    match crate::cases::load(app, who, id).await? {
        Some((report, CaseAccess::Full)) => Ok(report),
        Some(_) => Err(AppError::Forbidden),
        None => Err(AppError::NotFound),
    }
}

/// The handovers of a report, oldest first; the reading is audited.
pub async fn of_report(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
) -> Result<Vec<StoredHandover>, AppError> {
    readable(app, who, id).await?;
    app.read_section(caller, id, "handovers").await?;
    Ok(app.db.handovers_of(id).await?)
}

/// The thread of a case between the PIS and the receiving service; the reading is audited.
pub async fn messages(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
) -> Result<Vec<presidio_db::CaseMessage>, AppError> {
    readable(app, who, id).await?;
    app.read_section(caller, id, "messages").await?;
    Ok(app.db.case_messages(id).await?)
}

/// The longest message of a case's thread.
pub const MESSAGE_MAX: usize = 4000;

/// Adds a message to the thread of a case (the PIS staff, or the service it was handed to);
/// refused on `text` when empty or longer than [`MESSAGE_MAX`]. The message's id and its text.
pub async fn post_message(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    text: &str,
) -> Result<(i64, String), AppError> {
    let report = readable(app, who, id).await?;
    let mut errors = Invalid::default();
    let text = presidio_domain::validation::required_text(&mut errors, "text", text, MESSAGE_MAX);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let message = app
        .db
        .add_case_message(id, &text, &app.entry(caller, Action::Write))
        .await?;
    app.changed(report.ambito, id);
    Ok((message, text))
}

/// What the reporter's status link shows: the report's code, when it arrived (ms) and its
/// status code; none for a malformed, unknown or expired link.
pub async fn public_status(
    app: &App,
    secret: &str,
) -> Result<Option<(String, i64, String)>, AppError> {
    if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    Ok(app
        .db
        .status_by_link(&crate::secret::stored(secret))
        .await?)
}

/// Sends what late handovers need at `now`: a reminder to their service (by e-mail, and the
/// overdue mark on its list), then an alert to the coordinators (a notification, an e-mail to
/// the coordinator on call, a line on the board). Returns how many steps were taken.
pub async fn sweep(app: &App, now: UtcMillis) -> Result<usize, DbError> {
    let t = presidio_i18n::catalogue().tr(presidio_i18n::Locale::Italian);
    let mut taken = 0;
    for h in app.db.late_handovers(now).await? {
        let Some(step) = escalation(
            h.status(),
            h.deadlines(),
            h.reminded_at.is_some(),
            h.escalated_at.is_some(),
            now,
        ) else {
            continue;
        };
        let args = [
            ("code", Arg::Str(&h.report_code)),
            ("municipality", Arg::Str(&h.municipality_name)),
        ];
        let notice = t.t_args("handover-overdue-notice", &args);
        let ambito = presidio_domain::reference::AmbitoId(h.ambito_id);
        let (to, key) = match step {
            Escalation::Reminder => (
                app.db.service_users(&h.municipality).await?,
                "mail-handover-reminder",
            ),
            Escalation::Coordinator => (
                crate::roster::on_call_now(app, ambito, RosterRole::CoordinatoreReperibile)
                    .await?
                    .into_iter()
                    .collect(),
                "mail-handover-overdue",
            ),
        };
        let mail: Vec<presidio_db::Notice> = to
            .into_iter()
            .map(|u| crate::notify::handover(app, presidio_db::To::User(u), key, &h))
            .collect();
        if !app.db.mark_escalation(&h, step, &notice, &mail).await? {
            continue;
        }
        taken += 1;
        app.changed(ambito, h.report_id);
    }
    if taken > 0 {
        crate::outbox::flush(app);
    }
    Ok(taken)
}

/// A handover as a page shows it.
pub struct HandoverLine {
    pub id: i64,
    pub version: i64,
    pub report_id: i64,
    pub code: String,
    pub municipality: String,
    pub status: &'static str,
    pub status_label: String,
    pub overdue: bool,
    /// "Inviato il …, da prendere in carico entro …".
    pub timing: String,
    /// Who acknowledged and answered, and the reason.
    pub answers: Vec<String>,
    /// (outcome code, button label) the viewer may record now.
    pub moves: Vec<(&'static str, String)>,
}

pub fn line(t: Tr<'_>, who: &Principal, h: &StoredHandover, now: UtcMillis) -> HandoverLine {
    let status = h.status();
    let overdue = presidio_domain::handover::is_overdue(status, UtcMillis(h.due_at), now);
    let mut answers = Vec::new();
    if let (Some(at), Some(by)) = (h.acknowledged_at, &h.acknowledged_by) {
        answers.push(t.t_args(
            "handover-acknowledged-by",
            &[
                ("by", Arg::Str(by)),
                ("at", Arg::Str(&t.date_time(UtcMillis(at)))),
            ],
        ));
    }
    if let (Some(at), Some(by)) = (h.outcome_at, &h.outcome_by) {
        answers.push(t.t_args(
            "handover-answered-by",
            &[
                (
                    "outcome",
                    Arg::Str(&t.t(&format!("handover-status-{}", h.status))),
                ),
                ("by", Arg::Str(by)),
                ("at", Arg::Str(&t.date_time(UtcMillis(at)))),
            ],
        ));
    }
    if !h.reason.is_empty() {
        answers.push(h.reason.clone());
    }
    let ours = presidio_domain::reference::IstatCode::parse(&h.municipality)
        .is_ok_and(|m| who.receives_for(presidio_domain::reference::AmbitoId(h.ambito_id), &m));
    HandoverLine {
        id: h.id,
        version: h.version,
        report_id: h.report_id,
        code: h.report_code.clone(),
        municipality: h.municipality_name.clone(),
        status: status.code(),
        status_label: t.t(&format!("handover-status-{}", status.code())),
        overdue,
        timing: t.t_args(
            "handover-timing",
            &[
                ("sent", Arg::Str(&t.date_time(UtcMillis(h.sent_at)))),
                ("due", Arg::Str(&t.date_time(UtcMillis(h.due_at)))),
            ],
        ),
        answers,
        moves: if ours {
            status
                .next()
                .iter()
                .map(|s| (s.code(), t.t(&format!("handover-to-{}", s.code()))))
                .collect()
        } else {
            Vec::new()
        },
    }
}

/// The handovers waiting for an answer, soonest deadline first: a social service sees those
/// of its municipalities, the PIS staff those of their Ambiti.
pub async fn waiting(app: &App, who: &Principal) -> Result<Vec<StoredHandover>, DbError> {
    use presidio_domain::access::Permission;
    let pis = who.ambiti_with(Permission::WriteCases);
    if pis.is_empty() {
        let ambiti = who.ambiti_with(Permission::ReceiveHandovers);
        let municipalities = who.receiving_municipalities();
        app.db
            .waiting_handovers(&ambiti, Some(&municipalities))
            .await
    } else {
        app.db.waiting_handovers(&pis, None).await
    }
}

/// Whether the report can be sent to its municipality's service now.
pub fn can_send(report: &Report) -> bool {
    use presidio_domain::report::lifecycle::Status;
    report.data.municipality.is_some()
        && !report.outside_ambito
        && (report.status == Status::HandoverQueued
            || report
                .status
                .next(report.outcome)
                .contains(&Status::HandoverQueued))
}

/// Only the social service's statuses that the receiving side records.
pub fn is_answer(code: &str) -> bool {
    HandoverStatus::parse(code).is_some_and(|s| s != HandoverStatus::Sent)
}

/// Makes a new status link for report `id` (by a user who may write it; the old link stops
/// working); returns the report and the link's address.
pub async fn new_status_link(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
) -> Result<(Report, String), AppError> {
    let report = crate::reports::writable(app, who, id).await?;
    let secret = crate::secret::new_secret();
    app.db
        .set_status_link(
            id,
            &crate::secret::stored(&secret),
            &app.entry(caller, Action::Write),
        )
        .await?;
    Ok((report, format!("{}/stato/{secret}", app.public_url)))
}
