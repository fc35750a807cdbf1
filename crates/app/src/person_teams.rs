//! The team that follows a person across their reports ("presa in carico generale"): formed
//! from the person's record by who coordinates its cases, with the same invitation, answer and
//! removal as a report's team. A running membership opens the granted sections of every report
//! naming the person or a record linked to them, the later ones too, and — with the section
//! "persone" — the person's name and safety notes.

use presidio_db::{DbError, StoredPerson};
use presidio_domain::access::{CaseAccess, Permission, Principal};
use presidio_domain::audit::Action;
use presidio_domain::reference::AmbitoId;
use presidio_domain::team::{Basis, MemberInput, MemberStatus, Scope, Section};
use presidio_domain::validation::{Invalid, Problem};

use crate::team_access::{Membership, consent_stands, membership, today};
use crate::teams::is_mine;
use crate::{App, AppError, Caller};

/// The person record `id` and its linked records, when `who` forms its team: they read at
/// least one report naming it whole, and form teams in its Ambito. `NotFound` when they may not
/// know the person, `Forbidden` when they may not form its team.
async fn managed(
    app: &App,
    who: &Principal,
    id: i64,
) -> Result<(StoredPerson, Vec<i64>), AppError> {
    let record = app.db.person(id).await?;
    let group = app.db.person_group(id).await?;
    let mut whole = false;
    for s in app.db.sightings(&group).await? {
        if matches!(
            crate::cases::load(app, who, s.report_id).await?,
            Some((_, CaseAccess::Full))
        ) {
            whole = true;
            break;
        }
    }
    if !whole {
        return Err(AppError::NotFound);
    }
    if !who.may_in(Permission::ManageTeams, AmbitoId(record.ambito_id)) {
        return Err(AppError::Forbidden);
    }
    Ok((record, group))
}

/// Invites a member to the team that follows person `id`. A person's team spans reports still
/// to come, some of them protected, so its basis is always stated; a consent must stand in the
/// person's data-protection records; a restricted record is shared with no one. Returns the
/// membership's id. Audited on the person.
pub async fn invite(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    input: &MemberInput,
) -> Result<i64, AppError> {
    let (record, _) = managed(app, who, id).await?;
    if record.restricted_at.is_some() {
        return Err(AppError::Conflict("person_restricted"));
    }
    let today = today(app);
    let member = input.validate(today, true)?;
    if member.basis == Basis::Consenso && !consent_stands(app, &[id]).await? {
        return Err(Invalid::one("basis", Problem::NoConsentRecorded).into());
    }
    let mail = crate::notify::member(
        app,
        record.ambito_id,
        "mail-team-person-invite",
        &id.to_string(),
        "/equipe",
    );
    let invited = app
        .db
        .invite_member(
            presidio_db::Inviting {
                ambito: AmbitoId(record.ambito_id),
                scope: Scope::Person(id),
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

/// Ends membership `member` of the team of person `id`. Audited on the person.
pub async fn remove(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    member: i64,
) -> Result<(), AppError> {
    managed(app, who, id).await?;
    crate::teams::end(app, caller, who, Scope::Person(id), member).await
}

/// The team of person `id`, every membership ever, with the Ambito's organisations to invite:
/// for who forms it.
pub async fn of(
    app: &App,
    who: &Principal,
    id: i64,
) -> Result<(Vec<Membership>, Vec<presidio_db::Organisation>), AppError> {
    let (record, _) = managed(app, who, id).await?;
    let members = app
        .db
        .team_in(Scope::Person(id))
        .await?
        .into_iter()
        .map(|m| membership(app, m))
        .collect::<Result<_, _>>()?;
    let organisations = app.db.organisations(AmbitoId(record.ambito_id)).await?;
    Ok((members, organisations))
}

/// What of the person a running membership of their team shows its member.
#[derive(Debug, Clone)]
pub struct Followed {
    pub membership: Membership,
    /// The name shown and the safety notes, with the section "persone".
    pub name: Option<String>,
    pub safety_notes: Option<String>,
    /// The reports the membership opens, newest first: id, code, when received.
    pub cases: Vec<(i64, String, presidio_domain::time::UtcMillis)>,
}

/// The person followed by membership `member` of `who`, while it runs: the reports it opens,
/// and with the section "persone" their name and safety notes. Audited on the person with the
/// reports listed. `NotFound` otherwise.
pub async fn followed(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    member: i64,
) -> Result<Followed, AppError> {
    let stored = match app.db.team_member(member).await {
        Err(DbError::NotFound) => return Err(AppError::NotFound),
        other => other?,
    };
    let Some(person) = stored.person_id else {
        return Err(AppError::NotFound);
    };
    if !who.may(Permission::ReadTeamCases) || !is_mine(who, &stored) {
        return Err(AppError::NotFound);
    }
    let m = membership(app, stored)?;
    if m.status != MemberStatus::Accepted || m.expired {
        return Err(AppError::NotFound);
    }
    let group = app.db.person_group(person).await?;
    let mut cases = Vec::new();
    for s in app.db.sightings(&group).await? {
        if cases.iter().any(|(id, _, _)| *id == s.report_id) {
            continue;
        }
        if crate::cases::load(app, who, s.report_id).await?.is_some() {
            cases.push((
                s.report_id,
                s.code,
                presidio_domain::time::UtcMillis(s.received_at),
            ));
        }
    }
    let (name, safety_notes) = if m.sections.contains(Section::Persone) {
        let record = app.db.person(person).await?;
        (record.name, record.safety_notes)
    } else {
        (None, None)
    };
    let mut entry = app.entry(caller, Action::Read).record("person", person);
    "team".clone_into(&mut entry.section);
    entry.reason = format!(
        "member={member} reports={}",
        cases
            .iter()
            .map(|(id, _, _)| id.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    app.audit.append(entry).await?;
    Ok(Followed {
        membership: m,
        name,
        safety_notes,
        cases,
    })
}
