//! Which memberships of a case's team concern a user, read afresh on every access decision:
//! shared by the report loading (`cases`) and the team's use cases (`teams`).

use presidio_db::{DbError, StoredMember};
use presidio_domain::access::{Permission, Principal};
use presidio_domain::team::{MemberStatus, Sections, TeamGrant};

use crate::App;

/// A membership as its member sees it.
#[derive(Debug, Clone)]
pub struct Membership {
    pub member: StoredMember,
    pub status: MemberStatus,
    pub sections: Sections,
    /// Accepted, and its last day is past.
    pub expired: bool,
}

pub(crate) fn today(app: &App) -> jiff::civil::Date {
    app.clock.now().in_rome().date()
}

pub(crate) fn membership(app: &App, member: StoredMember) -> Result<Membership, DbError> {
    let status = MemberStatus::parse(&member.status).ok_or(DbError::Corrupt("team.status"))?;
    let sections =
        Sections::parse_codes(&member.sections).ok_or(DbError::Corrupt("team.sections"))?;
    let until = presidio_domain::time::parse_date(&member.until_day)
        .ok_or(DbError::Corrupt("team.until_day"))?;
    Ok(Membership {
        expired: status == MemberStatus::Accepted && until < today(app),
        member,
        status,
        sections,
    })
}

/// The running memberships of report `id` that concern `who` (their own, or their
/// organisation's when they are a partner): for the access rule. Nothing for a user whose roles
/// read no team cases.
pub(crate) async fn grants_for(
    app: &App,
    who: &Principal,
    id: i64,
) -> Result<Vec<TeamGrant>, DbError> {
    if !who.may(Permission::ReadTeamCases) {
        return Ok(Vec::new());
    }
    let today = today(app);
    let mut out = Vec::new();
    for stored in app
        .db
        .team_grants(id, who.user_id, who.organisation_id)
        .await?
    {
        let m = membership(app, stored)?;
        let until = presidio_domain::time::parse_date(&m.member.until_day);
        if until.is_some_and(|u| presidio_domain::team::is_running(m.status, u, today)) {
            out.push(TeamGrant {
                user: m.member.user_id,
                organisation: m.member.organisation_id,
                sections: m.sections,
            });
        }
    }
    Ok(out)
}

/// Whether a consent of the person stands in the data-protection records of one of the person
/// records `persons` (each with the records linked to it): what a sharing on consent needs.
pub(crate) async fn consent_stands(app: &App, persons: &[i64]) -> Result<bool, DbError> {
    use presidio_domain::privacy::PrivacyKind;
    for person in persons {
        let group = app.db.person_group(*person).await?;
        let records = app.db.privacy_records(&group).await?;
        let kinds = records.iter().filter_map(|r| PrivacyKind::parse(&r.kind));
        if presidio_domain::privacy::consent_stands(kinds) {
            return Ok(true);
        }
    }
    Ok(false)
}
