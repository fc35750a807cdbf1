//! Households (nuclei): who lives with a person, on the person's page and at intake ("aggiungi
//! il nucleo"). Each relative is shown only as far as the user reads them: a relative known only
//! from protected reports the user does not take care of is a reserved line, nothing more.

use presidio_db::{DbError, Household, Joined, Sighting, StoredPerson};
use presidio_domain::access::{CaseAccess, Principal};
use presidio_domain::audit::Action;
use presidio_domain::person::Relationship;
use presidio_domain::reference::AmbitoId;
use presidio_domain::validation::{Invalid, Problem};

use crate::person_access::{access_of, readable, writable};
use crate::{App, AppError, Caller};

/// A person of a household (or of the same reports), as the user may see them.
#[derive(Debug, Clone, PartialEq)]
pub struct Relative {
    pub person_id: i64,
    /// How they are related to the household's head; none for the head.
    pub relationship: Option<Relationship>,
    /// Known only from protected records the user does not take care of: nothing else shown.
    pub reserved: bool,
    pub name: Option<String>,
    pub sex: Option<String>,
    pub birth_year: Option<i64>,
}

/// The records `ids` with what `who` may see of each (a record no report names is theirs).
async fn seen(
    app: &App,
    who: &Principal,
    ids: &[i64],
) -> Result<Vec<(StoredPerson, CaseAccess)>, AppError> {
    let records = app.db.persons(ids).await?;
    let sightings = app.db.sightings(ids).await?;
    let report_ids: Vec<i64> = sightings.iter().map(|s| s.report_id).collect();
    let assignees = app.db.assignees_of(&report_ids).await?;
    Ok(records
        .into_iter()
        .map(|r| {
            let mine: Vec<&Sighting> = sightings.iter().filter(|s| s.person_id == r.id).collect();
            let access = if mine.is_empty() {
                CaseAccess::Full
            } else {
                access_of(who, &mine, &assignees)
            };
            (r, access)
        })
        .collect())
}

/// The lines of `ids` for `who`: each read in full, or reserved; those they know nothing of
/// are left out.
async fn lines(
    app: &App,
    who: &Principal,
    ids: &[i64],
    relationship: impl Fn(i64) -> Option<Relationship>,
) -> Result<Vec<Relative>, AppError> {
    let mut out = Vec::new();
    let seen = seen(app, who, ids).await?;
    for id in ids {
        let Some((record, access)) = seen.iter().find(|(r, _)| r.id == *id) else {
            continue;
        };
        let full = *access == CaseAccess::Full;
        if *access == CaseAccess::None {
            continue;
        }
        out.push(Relative {
            person_id: record.id,
            relationship: relationship(record.id),
            reserved: !full,
            name: record.name.clone().filter(|_| full),
            sex: Some(record.sex.clone()).filter(|_| full),
            birth_year: record.birth_year.filter(|_| full),
        });
    }
    Ok(out)
}

/// The household of record `group[0]` (or of a record linked to it), head first, each person
/// as `who` may see them; empty when they live with no one known.
/// Audited with the relatives shown.
pub async fn of(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    group: &[i64],
) -> Result<Vec<Relative>, AppError> {
    let Some(household) = app.db.household_of(group).await? else {
        return Ok(Vec::new());
    };
    let out = lines(app, who, &household.persons(), |id| {
        relation_in(&household, id)
    })
    .await?;
    let shown: Vec<i64> = out
        .iter()
        .filter(|r| !r.reserved)
        .map(|r| r.person_id)
        .collect();
    audit_shown(
        app,
        caller,
        group.first().copied().unwrap_or_default(),
        &shown,
    )
    .await?;
    Ok(out)
}

/// Records that the relatives `shown` of record `id` were read.
async fn audit_shown(
    app: &App,
    caller: Caller<'_>,
    id: i64,
    shown: &[i64],
) -> Result<(), AppError> {
    let mut entry = app.entry(caller, Action::Read).record("person", id);
    entry.section = "household".into();
    entry.reason = format!(
        "persons={}",
        shown
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
    app.audit.append(entry).await?;
    Ok(())
}

fn relation_in(household: &Household, id: i64) -> Option<Relationship> {
    household
        .members
        .iter()
        .find(|m| m.person_id == id)
        .and_then(|m| Relationship::parse(&m.relationship))
}

/// The persons named in the same reports as the records `group` and not of `household`, as
/// `who` may see them: whom the page offers to add to the household.
pub async fn companions(
    app: &App,
    who: &Principal,
    group: &[i64],
    household: &[Relative],
) -> Result<Vec<Relative>, AppError> {
    let sightings = app.db.sightings(group).await?;
    let report_ids: Vec<i64> = sightings.iter().map(|s| s.report_id).collect();
    let ids: Vec<i64> = app
        .db
        .persons_of_reports(&report_ids)
        .await?
        .into_iter()
        .filter(|id| !group.contains(id) && !household.iter().any(|r| r.person_id == *id))
        .collect();
    Ok(lines(app, who, &ids, |_| None)
        .await?
        .into_iter()
        .filter(|r| !r.reserved)
        .collect())
}

/// Puts record `other` in the household of record `id` (a new one headed by `id` when it has
/// none), related to its head as `relationship`: both read in full by the user, who writes cases
/// in their Ambito. Refused when `other` lives in another household. Audited.
pub async fn add(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    other: Option<i64>,
    relationship: &str,
) -> Result<(), AppError> {
    let mut errors = Invalid::default();
    let relation = if relationship.trim().is_empty() {
        errors.push("relationship", Problem::Required);
        None
    } else {
        let r = Relationship::parse(relationship);
        if r.is_none() {
            errors.push("relationship", Problem::UnknownCode);
        }
        r
    };
    let other = match other {
        None => {
            errors.push("person_id", Problem::Required);
            None
        }
        Some(o) if o <= 0 || o == id => {
            errors.push("person_id", Problem::OutOfRange);
            None
        }
        Some(o) => Some(o),
    };
    let (Some(relation), Some(other), true) = (relation, other, errors.is_empty()) else {
        return Err(errors.into());
    };
    let record = writable(app, who, id).await?;
    let relative = match readable(app, who, other).await {
        Ok(r) => r,
        Err(AppError::NotFound) => {
            return Err(Invalid::one("person_id", Problem::UnknownCode).into());
        }
        Err(e) => return Err(e),
    };
    if relative.ambito_id != record.ambito_id {
        return Err(Invalid::one("person_id", Problem::UnknownCode).into());
    }
    match app
        .db
        .add_to_household(
            AmbitoId(record.ambito_id),
            id,
            other,
            relation.code(),
            who.user_id,
            &app.entry(caller, Action::Write),
        )
        .await?
    {
        Joined::Added | Joined::Already => Ok(()),
        Joined::Elsewhere => Err(Invalid::one("person_id", Problem::OtherHousehold).into()),
    }
}

/// Takes record `id` out of its household (a head's household ends). Not found when it lives
/// with no one. Audited.
pub async fn leave(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
) -> Result<(), AppError> {
    writable(app, who, id).await?;
    match app
        .db
        .leave_household(id, who.user_id, &app.entry(caller, Action::Write))
        .await
    {
        Err(DbError::NotFound) => Err(AppError::NotFound),
        other => Ok(other?),
    }
}

/// A relative to add to a report at intake, with the chosen person's household.
#[derive(Debug, Clone, PartialEq)]
pub struct Joining {
    pub person_id: i64,
    pub name: Option<String>,
    pub sex: String,
    pub birth_year: Option<i64>,
    /// How they are related to the chosen person.
    pub relationship: Relationship,
}

/// The rest of the household of the chosen record `id` (read in full by the user, who records
/// reports), each related to it: for "aggiungi il nucleo" at intake. Relatives the user does
/// not read in full are left out.
/// Audited with the relatives given.
pub async fn for_intake(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
) -> Result<Vec<Joining>, AppError> {
    readable(app, who, id).await?;
    let Some(household) = app.db.household_of(&[id]).await? else {
        return Ok(Vec::new());
    };
    let mine = relation_in(&household, id);
    let seen = seen(app, who, &household.persons()).await?;
    let out: Vec<Joining> = seen
        .into_iter()
        .filter(|(r, access)| r.id != id && *access == CaseAccess::Full)
        .filter_map(|(r, _)| {
            let theirs = relation_in(&household, r.id);
            let relationship = match (mine, theirs) {
                // The chosen person is the head: as recorded.
                (None, Some(t)) => t,
                // The other is the head.
                (Some(m), None) => Relationship::of_head_to(m),
                (Some(m), Some(t)) => Relationship::between(m, t),
                (None, None) => return None,
            };
            Some(Joining {
                person_id: r.id,
                name: r.name,
                sex: r.sex,
                birth_year: r.birth_year,
                relationship,
            })
        })
        .collect();
    let shown: Vec<i64> = out.iter().map(|j| j.person_id).collect();
    audit_shown(app, caller, id, &shown).await?;
    Ok(out)
}
