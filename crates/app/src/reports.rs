//! What is done to a report after it is recorded: triage, moves along the lifecycle, reopening
//! and the diary. The report page and the API call these; each checks that the user may write
//! the whole record, validates, writes with its audit entry in one transaction and refreshes the
//! boards.
//!
//! Fields are refused by the names the API gives them (`status`, `note`, `closing_outcome`,
//! `reason`, `kind`, `text`).

use presidio_db::{DbError, ReportRef};
use presidio_domain::access::{CaseAccess, Permission, Principal};
use presidio_domain::audit::Action;
use presidio_domain::report::lifecycle::{ClosingOutcome, Status};
use presidio_domain::report::portal::SentReport;
use presidio_domain::report::triage::TriageInput;
use presidio_domain::report::{DiaryKind, Report, ReportInput};
use presidio_domain::validation::{Invalid, Problem, required_text};

use crate::{App, AppError, Caller};

/// The longest note of a move.
pub const NOTE_MAX: usize = 4000;
/// The longest reason for reopening a case.
pub const REOPEN_REASON_MAX: usize = 2000;
/// The longest diary entry.
pub const DIARY_TEXT_MAX: usize = 10_000;

/// The report, when `who` may write it: the whole record open to them and the right to write
/// cases in its Ambito. Not found when they may not even know it exists.
pub async fn writable(app: &App, who: &Principal, id: i64) -> Result<Report, AppError> {
    match crate::cases::load(app, who, id).await? {
        Some((report, CaseAccess::Full)) if who.may_in(Permission::WriteCases, report.ambito) => {
            Ok(report)
        }
        Some(_) => Err(AppError::Forbidden),
        None => Err(AppError::NotFound),
    }
}

/// Records a report typed by the Centrale (or sent over the API): validated, then filed in the
/// Ambito of its municipality with that Ambito's next protocol number. Forbidden when the user
/// records reports nowhere.
pub async fn create(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    input: &ReportInput,
) -> Result<ReportRef, AppError> {
    let filled = crate::network::with_partner(app, input).await?;
    let data = filled.as_ref().unwrap_or(input).validate(app.clock.now())?;
    if data.persons.iter().any(|p| p.person_id.is_some())
        && let Some((ambito, _)) = crate::cases::ambito_for(app, who, &data).await?
    {
        crate::persons::check_chosen(app, who, ambito, &data.persons).await?;
    }
    crate::cases::record(app, caller, who, &data).await
}

/// Sends a report from the trusted reporters' portal: received now, from the sender's
/// organisation. Forbidden to a user who may not send reports.
pub async fn send(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    input: &SentReport,
) -> Result<ReportRef, AppError> {
    if !who.may(Permission::SendReports) {
        return Err(AppError::Forbidden);
    }
    let data = input.validate(&who.organisation, app.clock.now())?;
    crate::cases::record(app, caller, who, &data).await
}

/// What a correction came to.
#[derive(Debug)]
pub enum Saved {
    /// Written: the report at its new version.
    Done(ReportRef),
    /// Someone changed the report since `version` was read: nothing was written; the record as
    /// it is now.
    Stale(Box<Report>),
}

/// Corrects a report's data; `version` must be the one read.
pub async fn update(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    version: Option<i64>,
    input: &ReportInput,
) -> Result<Saved, AppError> {
    let Some(version) = version else {
        return Err(Invalid::one("version", Problem::Required).into());
    };
    let report = writable(app, who, id).await?;
    let filled = crate::network::with_partner(app, input).await?;
    let data = filled.as_ref().unwrap_or(input).validate(app.clock.now())?;
    let (_, outside) = crate::cases::ambito_for(app, who, &data)
        .await?
        .ok_or(AppError::Forbidden)?;
    crate::persons::check_chosen(app, who, report.ambito, &data.persons).await?;
    crate::network::check_partner(
        app,
        report.ambito,
        data.reporter.organisation,
        report.data.reporter.organisation,
    )
    .await?;
    match app
        .db
        .update_report(
            id,
            version,
            &data,
            outside,
            &app.entry(caller, Action::Write),
        )
        .await
    {
        Ok(new_version) => {
            app.changed(report.ambito, id);
            Ok(Saved::Done(ReportRef {
                id,
                code: report.code,
                status: report.status,
                version: new_version,
            }))
        }
        Err(DbError::Conflict) => Ok(Saved::Stale(Box::new(app.db.report(id).await?))),
        Err(other) => Err(other.into()),
    }
}

/// Triages (or re-triages) a report.
pub async fn triage(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    input: &TriageInput,
) -> Result<ReportRef, AppError> {
    let report = writable(app, who, id).await?;
    let decision = input.validate()?;
    let done = app
        .db
        .triage_report(
            id,
            &decision,
            Some(who.user_id),
            &app.entry(caller, Action::Write),
        )
        .await?;
    app.changed(report.ambito, id);
    Ok(done)
}

/// A move as typed: the next status, a note, and the outcome when closing.
#[derive(Debug, Clone, Copy, Default)]
pub struct MoveInput<'a> {
    pub status: &'a str,
    pub note: &'a str,
    pub closing_outcome: &'a str,
}

/// Moves a report along its lifecycle; a move the lifecycle does not allow is refused on
/// `status`.
pub async fn move_status(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    input: MoveInput<'_>,
) -> Result<ReportRef, AppError> {
    let report = writable(app, who, id).await?;
    if input.status.trim().is_empty() {
        return Err(Invalid::one("status", Problem::Required).into());
    }
    let to =
        Status::parse(input.status).ok_or_else(|| Invalid::one("status", Problem::UnknownCode))?;
    if input.note.chars().count() > NOTE_MAX {
        return Err(Invalid::one("note", Problem::TooLong { max: NOTE_MAX }).into());
    }
    let closing = ClosingOutcome::from_input(input.closing_outcome)?;
    let done = app
        .db
        .move_report(
            id,
            to,
            input.note.trim(),
            closing,
            Some(who.user_id),
            &app.entry(caller, Action::Write),
        )
        .await?;
    app.changed(report.ambito, id);
    Ok(done)
}

/// Reopens a closed case with a reason: back to triaged (or received); the history keeps the
/// closing and the reopening.
pub async fn reopen(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    reason: &str,
) -> Result<ReportRef, AppError> {
    let report = writable(app, who, id).await?;
    let mut errors = Invalid::default();
    let reason = required_text(&mut errors, "reason", reason, REOPEN_REASON_MAX);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let done = app
        .db
        .reopen_report(
            id,
            &reason,
            Some(who.user_id),
            &app.entry(caller, Action::Write),
        )
        .await?;
    app.changed(report.ambito, id);
    Ok(done)
}

/// A diary entry as typed; `corrects` names the entry it corrects (entries never change).
#[derive(Debug, Clone, Copy, Default)]
pub struct DiaryInput<'a> {
    pub kind: &'a str,
    pub text: &'a str,
    pub corrects: Option<i64>,
    /// When the note was tapped on the phone without network (RFC 3339), or empty.
    pub tapped_at: &'a str,
}

/// Adds a diary entry; returns its id.
pub async fn add_diary(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    input: DiaryInput<'_>,
) -> Result<i64, AppError> {
    let report = writable(app, who, id).await?;
    let mut errors = Invalid::default();
    let kind = if input.kind.trim().is_empty() {
        errors.push("kind", Problem::Required);
        None
    } else {
        let kind = DiaryKind::parse(input.kind);
        if kind.is_none() {
            errors.push("kind", Problem::UnknownCode);
        }
        kind
    };
    let text = required_text(&mut errors, "text", input.text, DIARY_TEXT_MAX);
    let tapped = presidio_domain::intervention::tapped_at(input.tapped_at, app.clock.now())
        .unwrap_or_else(|p| {
            errors.push("tapped_at", p);
            None
        });
    let Some(kind) = kind.filter(|_| errors.is_empty()) else {
        return Err(errors.into());
    };
    let note = presidio_db::DiaryNote {
        kind,
        text: &text,
        corrects: input.corrects,
        tapped,
    };
    let entry = app
        .db
        .add_diary(
            id,
            &note,
            Some(who.user_id),
            &app.entry(caller, Action::Write),
        )
        .await?;
    app.changed(report.ambito, id);
    Ok(entry)
}

/// The shortest reason for opening a protected report.
pub const GLASS_REASON_MIN: usize = 10;
/// The longest reason for opening a protected report.
pub const GLASS_REASON_MAX: usize = 1000;

/// What asking to open a protected report came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Glass {
    /// Opened to the user for [`presidio_db::BREAK_GLASS_MS`]: the coordinators are notified.
    Opened,
    /// The record was already open to the user: nothing was done.
    AlreadyOpen,
}

/// Opens a protected report to a user who is not taking care of it, with a written reason
/// (`reason`, 10 to 1,000 characters). Refused to a role that never opens it.
pub async fn break_glass(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    reason: &str,
) -> Result<Glass, AppError> {
    let (report, access) = crate::cases::load(app, who, id)
        .await?
        .ok_or(AppError::NotFound)?;
    match access {
        CaseAccess::Full => return Ok(Glass::AlreadyOpen),
        CaseAccess::BreakGlass => {}
        _ => return Err(AppError::Forbidden),
    }
    let reason = reason.trim();
    let problem = match reason.chars().count() {
        0 => Some(Problem::Required),
        n if n < GLASS_REASON_MIN => Some(Problem::TooShort),
        n if n > GLASS_REASON_MAX => Some(Problem::TooLong {
            max: GLASS_REASON_MAX,
        }),
        _ => None,
    };
    if let Some(problem) = problem {
        return Err(Invalid::one("reason", problem).into());
    }
    crate::cases::break_glass(app, caller, who, &report, reason).await?;
    Ok(Glass::Opened)
}

/// The report just opened by [`break_glass`], read whole: audited as a read for that reason.
pub async fn read_opened(app: &App, caller: Caller<'_>, id: i64) -> Result<Report, AppError> {
    let mut entry = app.entry(caller, Action::Read).record("report", id);
    entry.reason = "break_glass".into();
    app.db.audit(&entry).await?;
    Ok(app.db.report(id).await?)
}
