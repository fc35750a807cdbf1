//! What a user may see of reports: shared by the API and the pages, so both apply the same
//! need-to-know rule (`presidio_domain::access::case_access`).

use presidio_db::{DbError, ReportLine};
use presidio_domain::access::{CaseAccess, CaseFacts, Permission, Principal, case_access};
use presidio_domain::reference::{AmbitoId, IstatCode};
use presidio_domain::report::Report;
use presidio_domain::time::UtcMillis;

use std::sync::Arc;

use crate::App;
use crate::cache::CachedReport;

/// The Ambiti where the user reads reports (all their cases, or their organisation's).
pub fn readable_ambiti(who: &Principal) -> Vec<AmbitoId> {
    let mut out: Vec<AmbitoId> = who
        .grants
        .iter()
        .filter(|g| {
            let p = g.role.permissions();
            p.contains(&Permission::ReadCases) || p.contains(&Permission::ReadOwnReports)
        })
        .map(|g| g.ambito)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Facts for a line of a list. Assignees are not in the line, so protected lines stay
/// restricted for everyone but coordinators until the report itself is opened.
fn line_facts(line: &ReportLine) -> CaseFacts {
    CaseFacts {
        ambito: AmbitoId(line.ambito_id),
        municipality: line
            .municipality
            .as_deref()
            .and_then(|m| IstatCode::parse(m).ok()),
        protected: line.protected == 1,
        assigned: Vec::new(),
        handed_over: matches!(
            line.status.as_str(),
            "handover_sent" | "handover_acknowledged" | "closed"
        ),
        reporter_organisation: line.reporter_organisation_id,
        glass_broken_by: Vec::new(),
        team: Vec::new(),
    }
}

/// The lines the user may know of, each with what the user may see of it.
pub fn visible(who: &Principal, lines: Vec<ReportLine>) -> Vec<(ReportLine, CaseAccess)> {
    lines
        .into_iter()
        .filter_map(|l| {
            let access = case_access(who, &line_facts(&l));
            (access != CaseAccess::None).then_some((l, access))
        })
        .collect()
}

/// A page of report lines, each with what the user may see of it.
#[derive(Debug)]
pub struct Lines {
    pub items: Vec<(ReportLine, CaseAccess)>,
    /// The page was full: there may be more after it.
    pub full_page: bool,
}

/// The report lines `filter` selects among those `who` may know of: its Ambiti narrowed to
/// those the user reads, a trusted reporter's to their organisation's own reports. Lines hold
/// no personal data (restricted ones not even the target group), so the lists are not audited:
/// the opening of each report is.
pub async fn lines(
    app: &App,
    who: &Principal,
    mut filter: presidio_db::ReportFilter,
) -> Result<Lines, DbError> {
    let readable = readable_ambiti(who);
    filter.ambiti.retain(|a| readable.contains(a));
    if reporter_only(who) {
        filter.reporter_organisation = Some(who.organisation_id);
    }
    let lines = app.db.reports(&filter).await?;
    let full_page = i64::try_from(lines.len()).unwrap_or(0) == filter.limit;
    Ok(Lines {
        items: visible(who, lines),
        full_page,
    })
}

/// Whether the user only follows the reports of their own organisation (a trusted reporter,
/// with the portal rather than the Centrale's screens).
pub fn reporter_only(who: &Principal) -> bool {
    who.may(Permission::ReadOwnReports) && !who.may(Permission::ReadCases)
}

/// The reports a trusted reporter's organisation sent, newest first.
pub async fn own_reports(
    app: &App,
    who: &Principal,
    limit: i64,
    offset: i64,
) -> Result<Vec<ReportLine>, DbError> {
    let filter = presidio_db::ReportFilter {
        ambiti: readable_ambiti(who),
        reporter_organisation: Some(who.organisation_id),
        limit,
        offset,
        ..presidio_db::ReportFilter::default()
    };
    let lines = app.db.reports(&filter).await?;
    Ok(visible(who, lines)
        .into_iter()
        .filter(|(_, access)| *access == CaseAccess::Limited)
        .map(|(l, _)| l)
        .collect())
}

/// A report and what the user may see of it; `None` when they may not even know it exists.
pub async fn load(
    app: &App,
    who: &Principal,
    id: i64,
) -> Result<Option<(Report, CaseAccess)>, DbError> {
    let report = match app.db.report(id).await {
        Ok(r) => r,
        Err(DbError::NotFound) => return Ok(None),
        Err(e) => return Err(e),
    };
    let since = UtcMillis(app.clock.now().0 - presidio_db::BREAK_GLASS_MS);
    let glass = app.db.glass_broken_by(id, since).await?;
    let access = access_to(app, who, id, report.facts(glass)).await?;
    Ok((access != CaseAccess::None).then_some((report, access)))
}

/// What `who` may see of the case of `facts` (report `id`): by their roles, and, short of the
/// whole record, by the running memberships of its team that concern them (read afresh, so a
/// removal or a last day ends access on the next request).
async fn access_to(
    app: &App,
    who: &Principal,
    id: i64,
    mut facts: CaseFacts,
) -> Result<CaseAccess, DbError> {
    let access = case_access(who, &facts);
    if access == CaseAccess::Full || !who.may(Permission::ReadTeamCases) {
        return Ok(access);
    }
    facts.team = crate::team_access::grants_for(app, who, id).await?;
    Ok(case_access(who, &facts))
}

/// The Ambito a new report of this user belongs to, and whether its place is outside it: the
/// municipality's Ambito when the user records reports there, else the first where they may.
/// `None` when the user records reports nowhere; an unknown municipality is refused on its
/// field.
pub async fn ambito_for(
    app: &App,
    who: &Principal,
    data: &presidio_domain::report::ReportData,
) -> Result<Option<(AmbitoId, bool)>, DbError> {
    use presidio_domain::validation::{Invalid, Problem};
    let allowed: Vec<AmbitoId> = who
        .grants
        .iter()
        .filter(|g| {
            let p = g.role.permissions();
            p.contains(&Permission::WriteCases) || p.contains(&Permission::SendReports)
        })
        .map(|g| g.ambito)
        .collect();
    let Some(first) = allowed.first().copied() else {
        return Ok(None);
    };
    let Some(code) = &data.municipality else {
        return Ok(Some((first, true)));
    };
    let municipality = match app.db.municipality(code).await {
        Ok(m) => m,
        Err(DbError::NotFound) => {
            return Err(Invalid::one("municipality", Problem::UnknownMunicipality).into());
        }
        Err(other) => return Err(other),
    };
    if allowed.contains(&municipality.ambito_id) {
        Ok(Some((municipality.ambito_id, false)))
    } else {
        Ok(Some((first, true)))
    }
}

/// Opens a protected report to `who` with a written reason (already checked): stored, audited,
/// and the coordinators of its Ambito notified.
pub async fn break_glass(
    app: &App,
    caller: crate::Caller<'_>,
    who: &Principal,
    report: &Report,
    reason: &str,
) -> Result<(), DbError> {
    let t = presidio_i18n::catalogue().tr(presidio_i18n::Locale::Italian);
    let notice = t.t_args(
        "notice-break-glass",
        &[
            ("name", presidio_i18n::Arg::Str(&who.name)),
            ("code", presidio_i18n::Arg::Str(&report.code)),
            ("reason", presidio_i18n::Arg::Str(reason)),
        ],
    );
    let entry = app.entry(caller, presidio_domain::audit::Action::BreakGlass);
    app.db
        .break_glass(report.id, who.user_id, reason, &notice, &entry)
        .await?;
    // The opening shows on the next read of the report.
    app.caches.invalidate();
    Ok(())
}

/// A report with its history and what this user may see of it, for reading (the report page):
/// from the cache when no report changed since it was loaded. `None` when they may not even
/// know it exists.
pub async fn load_for_reading(
    app: &App,
    who: &Principal,
    id: i64,
) -> Result<Option<(Arc<CachedReport>, CaseAccess)>, DbError> {
    let loaded = app
        .caches
        .reports
        .get_or_fill(&app.caches, &id, async || {
            let report = match app.db.report(id).await {
                Ok(r) => r,
                Err(DbError::NotFound) => return Ok(None),
                Err(e) => return Err(e),
            };
            let since = UtcMillis(app.clock.now().0 - presidio_db::BREAK_GLASS_MS);
            let glass = app.db.glass_broken_by(id, since).await?;
            let history = app.db.report_history(id).await?;
            let municipality = match &report.data.municipality {
                Some(code) => Some(
                    app.db
                        .municipality(code)
                        .await
                        .map_or_else(|_| code.as_str().to_owned(), |m| m.data.name),
                ),
                None => None,
            };
            let activations = app.db.activations_of(id).await?;
            let resources = app.db.resources(report.ambito).await?;
            let dispatches = app.db.dispatches_of(id).await?;
            let steps = app.db.procedure_steps(id).await?;
            let handovers = app.db.handovers_of(id).await?;
            let messages = app.db.case_messages(id).await?;
            let safety = safety_notes(app, &report.data.persons).await?;
            let alertable = if report.outcome
                == Some(presidio_domain::report::triage::Outcome::Emergenza)
                && report.status.is_open()
                && !dispatches.iter().any(|d| d.dispatch.is_active())
            {
                let on_call = crate::roster::on_call_now(
                    app,
                    report.ambito,
                    presidio_domain::roster::RosterRole::ProntoIntervento,
                )
                .await?;
                Some((on_call, app.db.roster_people(report.ambito).await?))
            } else {
                None
            };
            Ok(Some(Arc::new(CachedReport {
                report,
                glass,
                history,
                municipality,
                activations,
                resources,
                dispatches,
                steps,
                handovers,
                messages,
                safety,
                alertable,
            })))
        })
        .await?;
    let Some(cached) = loaded else {
        return Ok(None);
    };
    let access = access_to(app, who, id, cached.report.facts(cached.glass.clone())).await?;
    Ok((access != CaseAccess::None).then_some((cached, access)))
}

/// Records a new report by `who`, in the Ambito of its municipality with the next protocol
/// number of that Ambito, and tells the live boards. Forbidden when the user records reports
/// nowhere; an unknown municipality is refused on its field.
pub(crate) async fn record(
    app: &App,
    caller: crate::Caller<'_>,
    who: &Principal,
    data: &presidio_domain::report::ReportData,
) -> Result<presidio_db::ReportRef, crate::AppError> {
    let Some((ambito, outside_ambito)) = ambito_for(app, who, data).await? else {
        return Err(crate::AppError::Forbidden);
    };
    let reporter_organisation = reporting_organisation(who, ambito);
    let mut data = std::borrow::Cow::Borrowed(data);
    if data.reporter.organisation.is_some() {
        crate::network::check_partner(app, ambito, data.reporter.organisation, None).await?;
    } else if reporter_organisation.is_some() {
        // The sender's own organisation, read from the directory: no second check.
        data.to_mut().reporter.organisation =
            crate::network::sender_partner(app, who, ambito).await?;
    }
    let data = data.as_ref();
    let created = app
        .db
        .create_report(
            &presidio_db::NewReport {
                ambito,
                data,
                outside_ambito,
                created_by: Some(who.user_id),
                reporter_organisation,
                year: app.clock.now().in_rome().year(),
            },
            &app.entry(caller, presidio_domain::audit::Action::Write),
        )
        .await?;
    app.changed(ambito, created.id);
    Ok(created)
}

/// The reporting organisation to record on a new report: the sender's own, when they send it
/// as a trusted reporter rather than as staff of the Centrale.
pub fn reporting_organisation(who: &Principal, ambito: AmbitoId) -> Option<i64> {
    (!who.may_in(Permission::WriteCases, ambito)).then_some(who.organisation_id)
}

/// Refuses on `places` a booking of more places than resource `resource` of `ambito` has free
/// now, so that it is said with a form's other faults (the booking itself checks again, in its
/// transaction, against bookings made meanwhile).
pub async fn check_free_places(
    app: &App,
    ambito: AmbitoId,
    resource: i64,
    places: u32,
    errors: &mut presidio_domain::validation::Invalid,
) -> Result<(), DbError> {
    let free = app
        .db
        .resources(ambito)
        .await?
        .into_iter()
        .find(|r| r.id == resource)
        .map(|r| r.free);
    if free.is_some_and(|free| places > free) && !errors.0.iter().any(|e| e.field == "places") {
        errors.push("places", presidio_domain::validation::Problem::NoFreePlaces);
    }
    Ok(())
}

/// The safety notes of the people of a report, by position, from their person records: shown
/// at the top of the report.
async fn safety_notes(
    app: &App,
    persons: &[presidio_domain::report::Person],
) -> Result<std::collections::BTreeMap<usize, String>, DbError> {
    let ids: Vec<i64> = persons.iter().filter_map(|p| p.person_id).collect();
    let records = app.db.persons(&ids).await?;
    Ok(persons
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let id = p.person_id?;
            let notes = records.iter().find(|r| r.id == id)?.safety_notes.clone()?;
            Some((i, notes))
        })
        .collect())
}
