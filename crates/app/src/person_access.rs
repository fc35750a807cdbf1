//! What a user may see of a person record: the need-to-know rule of the reports naming it,
//! shared by the person's record, its household and the candidates at intake.

use presidio_db::{Sighting, StoredPerson};
use presidio_domain::access::{CaseAccess, CaseFacts, Permission, Principal, case_access};
use presidio_domain::reference::{AmbitoId, IstatCode};

use crate::{App, AppError};

/// What the user may see of a person, from the reports naming them.
pub fn access_of(who: &Principal, sightings: &[&Sighting], assignees: &[(i64, i64)]) -> CaseAccess {
    let mut best = CaseAccess::None;
    for s in sightings {
        let facts = CaseFacts {
            ambito: AmbitoId(s.ambito_id),
            municipality: s
                .municipality
                .as_deref()
                .and_then(|m| IstatCode::parse(m).ok()),
            protected: s.protected == 1,
            assigned: assignees
                .iter()
                .filter(|(r, _)| *r == s.report_id)
                .map(|(_, u)| *u)
                .collect(),
            handed_over: matches!(
                s.status.as_str(),
                "handover_sent" | "handover_acknowledged" | "closed"
            ),
            reporter_organisation: s.reporter_organisation_id,
            glass_broken_by: Vec::new(),
            team: Vec::new(),
        };
        let access = case_access(who, &facts);
        if access == CaseAccess::Full {
            return access;
        }
        if access != CaseAccess::None {
            best = CaseAccess::Limited;
        }
    }
    best
}

/// The record `id`, when `who` reads it in full; not found otherwise (a reserved record is not
/// theirs to change or link either).
pub async fn readable(app: &App, who: &Principal, id: i64) -> Result<StoredPerson, AppError> {
    let record = app.db.person(id).await?;
    let group = app.db.person_group(id).await?;
    let sightings = app.db.sightings(&group).await?;
    let report_ids: Vec<i64> = sightings.iter().map(|s| s.report_id).collect();
    let assignees = app.db.assignees_of(&report_ids).await?;
    let all: Vec<&Sighting> = sightings.iter().collect();
    match access_of(who, &all, &assignees) {
        CaseAccess::Full => Ok(record),
        _ => Err(AppError::NotFound),
    }
}

/// The record, when `who` reads it in full and writes cases in its Ambito.
pub async fn writable(app: &App, who: &Principal, id: i64) -> Result<StoredPerson, AppError> {
    let record = readable(app, who, id).await?;
    if who.may_in(Permission::WriteCases, AmbitoId(record.ambito_id)) {
        Ok(record)
    } else {
        Err(AppError::Forbidden)
    }
}
