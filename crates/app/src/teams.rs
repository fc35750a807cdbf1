//! The team of a case: coordinators invite users or partner organisations with a role in the
//! case, the sections they may read, a last day and the lawful basis; the invitee accepts or
//! declines (a decline says why and goes back to the coordinators); removal or the last day
//! ends access on the next request (memberships are never cached).

use std::sync::Arc;

use presidio_db::{DbError, StoredMember};
use presidio_domain::access::{CaseAccess, Permission, Principal, Role};
use presidio_domain::audit::Action;
use presidio_domain::reference::AmbitoId;
use presidio_domain::report::Report;
use presidio_domain::team::{MemberInput, Scope, Sections, check_answer};

use crate::cache::CachedReport;
pub use crate::team_access::Membership;
use crate::team_access::{membership, today};
use crate::{App, AppError, Caller};

/// The report `id`, when `who` coordinates its team: reads it in full and forms teams in its
/// Ambito. `NotFound` when they may not know it, `Forbidden` when they may not form its team.
pub(crate) async fn managed(app: &App, who: &Principal, id: i64) -> Result<Report, AppError> {
    match crate::cases::load(app, who, id).await? {
        Some((report, CaseAccess::Full)) if who.may_in(Permission::ManageTeams, report.ambito) => {
            Ok(report)
        }
        Some(_) => Err(AppError::Forbidden),
        None => Err(AppError::NotFound),
    }
}

/// Invites a member to the team of report `id`. Returns the membership's id. Audited.
pub async fn invite(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    input: &MemberInput,
) -> Result<i64, AppError> {
    let report = managed(app, who, id).await?;
    let today = today(app);
    let member = input.validate(today, report.data.is_protected())?;
    if member.basis == presidio_domain::team::Basis::Consenso {
        let persons: Vec<i64> = report
            .data
            .persons
            .iter()
            .filter_map(|p| p.person_id)
            .collect();
        if !crate::team_access::consent_stands(app, &persons).await? {
            return Err(presidio_domain::validation::Invalid::one(
                "basis",
                presidio_domain::validation::Problem::NoConsentRecorded,
            )
            .into());
        }
    }
    let mail = crate::notify::member(
        app,
        report.ambito.0,
        "mail-team-invite",
        &report.code,
        "/equipe",
    );
    let invited = app
        .db
        .invite_member(
            presidio_db::Inviting {
                ambito: report.ambito,
                scope: Scope::Report(id),
                by: who.user_id,
                today: &today.to_string(),
            },
            &member,
            &app.entry(caller, Action::Write),
            &mail,
        )
        .await?;
    crate::outbox::flush(app);
    Ok(invited)
}

/// Ends membership `member` of the team of report `id`. Audited.
pub async fn remove(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    member: i64,
) -> Result<(), AppError> {
    managed(app, who, id).await?;
    end(app, caller, who, Scope::Report(id), member).await
}

/// Ends membership `member` of the team of `scope`, for who has been found to form it.
/// Audited; `Conflict` when it ended already.
pub(crate) async fn end(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    scope: Scope,
    member: i64,
) -> Result<(), AppError> {
    match app
        .db
        .remove_member(
            scope,
            member,
            who.user_id,
            &app.entry(caller, Action::Write),
        )
        .await
    {
        Err(DbError::Conflict) => Err(AppError::Conflict("already_ended")),
        other => Ok(other?),
    }
}

/// The team of report `id`, every membership ever, for who coordinates it.
pub async fn of(app: &App, who: &Principal, id: i64) -> Result<Vec<Membership>, AppError> {
    managed(app, who, id).await?;
    let members = app.db.team_of(id).await?;
    Ok(members
        .into_iter()
        .map(|m| membership(app, m))
        .collect::<Result<_, _>>()?)
}

/// Whether membership `m` is `who`'s to answer and to follow: theirs, or their organisation's
/// while they are one of its partners in the case's Ambito.
pub(crate) fn is_mine(who: &Principal, m: &StoredMember) -> bool {
    if m.user_id.is_some() {
        return m.user_id == Some(who.user_id);
    }
    m.organisation_id == Some(who.organisation_id)
        && who
            .grants
            .iter()
            .any(|g| g.role == Role::Partner && g.ambito == AmbitoId(m.ambito_id))
}

/// The open memberships of `who` (invitations to answer, cases followed), newest first.
pub async fn mine(app: &App, who: &Principal) -> Result<Vec<Membership>, AppError> {
    if !who.may(Permission::ReadTeamCases) {
        return Err(AppError::Forbidden);
    }
    let partner = who.has_role(Role::Partner).then_some(who.organisation_id);
    let members = app.db.memberships_of(who.user_id, partner).await?;
    Ok(members
        .into_iter()
        .filter(|m| is_mine(who, m))
        .map(|m| membership(app, m))
        .collect::<Result<_, _>>()?)
}

/// Answers invitation `member`: the invitee (or a partner of the invited organisation) accepts,
/// or declines saying why (the coordinators are told). Once; audited.
pub async fn answer(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    member: i64,
    accept: bool,
    reason: &str,
) -> Result<(), AppError> {
    let stored = app.db.team_member(member).await?;
    if !who.may(Permission::ReadTeamCases) || !is_mine(who, &stored) {
        return Err(AppError::NotFound);
    }
    let reason = check_answer(accept, reason)?;
    let t = presidio_i18n::catalogue().tr(presidio_i18n::Locale::Italian);
    let notice = t.t_args(
        "notice-team-declined",
        &[
            ("name", presidio_i18n::Arg::Str(&who.name)),
            ("organisation", presidio_i18n::Arg::Str(&who.organisation)),
            ("code", presidio_i18n::Arg::Str(&followed(t, &stored))),
            (
                "reason",
                presidio_i18n::Arg::Str(reason.as_deref().unwrap_or("")),
            ),
        ],
    );
    match app
        .db
        .answer_invitation(
            member,
            accept,
            reason.as_deref(),
            who.user_id,
            &notice,
            &app.entry(caller, Action::Write),
        )
        .await
    {
        Err(DbError::Conflict) => Err(AppError::Conflict("already_answered")),
        other => Ok(other?),
    }
}

/// Report `id` as the team sees it: the record and the sections open to `who` (all of them
/// for who reads the whole record), with `who`'s memberships of its team. Audited, with the
/// sections read. `NotFound` when no running membership (nor role) opens it.
pub async fn case(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
) -> Result<(Arc<CachedReport>, Sections, Vec<Membership>), AppError> {
    let Some((cached, access)) = crate::cases::load_for_reading(app, who, id).await? else {
        return Err(AppError::NotFound);
    };
    let sections = match access {
        CaseAccess::Full => Sections::of(presidio_domain::team::Section::ALL),
        CaseAccess::Team(sections) => sections,
        _ => return Err(AppError::NotFound),
    };
    let mut mine: Vec<Membership> = mine(app, who)
        .await?
        .into_iter()
        .filter(|m| m.member.report_id == Some(id))
        .collect();
    for stored in app
        .db
        .team_grants(id, who.user_id, who.organisation_id)
        .await?
    {
        if stored.person_id.is_some() && is_mine(who, &stored) {
            mine.push(membership(app, stored)?);
        }
    }
    let mut entry = app.entry(caller, Action::Read).record("report", id);
    "team".clone_into(&mut entry.section);
    entry.reason = format!("sections={}", sections.codes());
    app.audit.append(entry).await?;
    Ok((cached, sections, mine))
}

/// What the report page's team section needs, for who forms the team of report `report` of
/// `ambito`: its memberships and the Ambito's organisations to invite. `None` for the others.
pub async fn section(
    app: &App,
    who: &Principal,
    report: i64,
    ambito: AmbitoId,
) -> Result<Option<(Vec<Membership>, Vec<presidio_db::Organisation>)>, AppError> {
    if !who.may_in(Permission::ManageTeams, ambito) {
        return Ok(None);
    }
    let members = app
        .db
        .team_of(report)
        .await?
        .into_iter()
        .map(|m| membership(app, m))
        .collect::<Result<_, _>>()?;
    Ok(Some((members, app.db.organisations(ambito).await?)))
}

/// What a membership follows, in words: the report's code, or the person record's number.
pub(crate) fn followed(t: presidio_i18n::Tr<'_>, m: &StoredMember) -> String {
    match (&m.report_code, m.person_id) {
        (Some(code), _) => code.clone(),
        (None, Some(person)) => t.t_args(
            "team-person-ref",
            &[("id", presidio_i18n::Arg::Num(person))],
        ),
        (None, None) => String::new(),
    }
}

/// The members, invited or taking part and not past their last day, of the teams of `reports`
/// and of the person records `persons`: the network around a person across their cases, for
/// who reads those reports whole.
pub async fn around(
    app: &App,
    reports: &[i64],
    persons: &[i64],
) -> Result<Vec<Membership>, AppError> {
    let mut network = Vec::new();
    for stored in app.db.teams_of(reports, persons).await? {
        let m = membership(app, stored)?;
        let open = matches!(
            m.status,
            presidio_domain::team::MemberStatus::Invited
                | presidio_domain::team::MemberStatus::Accepted
        );
        if open && !m.expired {
            network.push(m);
        }
    }
    Ok(network)
}
