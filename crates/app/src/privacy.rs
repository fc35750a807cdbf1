//! A person's data-protection records: the information notice, consents and their withdrawal,
//! recorded by who takes care of the person; the person's requests (restriction, erasure,
//! objection), decided by a coordinator. A granted erasure anonymises the record at once; a
//! granted restriction or objection stops it being offered at intake.

use presidio_db::DbError;
use presidio_domain::access::{Permission, Principal};
use presidio_domain::audit::Action;
use presidio_domain::privacy::{PrivacyInput, PrivacyKind, check_decision};
use presidio_domain::reference::AmbitoId;

use crate::person_access::{readable, writable};
use crate::{App, AppError, Caller};

/// Records a notice, consent or request for person `id`: the user reads them in full and writes
/// cases in their Ambito. Returns the record's id. Audited.
pub async fn record(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    input: &PrivacyInput,
) -> Result<i64, AppError> {
    let checked = input.validate(app.clock.now().in_rome().date())?;
    let person = writable(app, who, id).await?;
    Ok(app
        .db
        .add_privacy(
            AmbitoId(person.ambito_id),
            id,
            &checked,
            who.user_id,
            &app.entry(caller, Action::Write),
        )
        .await?)
}

/// Decides request `entry` of person `id` (or of a record linked to it), once: coordinators of
/// the record's Ambito who read it in full. Audited.
pub async fn decide(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    entry: i64,
    decision: &str,
    reason: &str,
) -> Result<PrivacyKind, AppError> {
    let (decision, reason) = check_decision(decision, reason)?;
    let person = readable(app, who, id).await?;
    if !who.may_in(Permission::ManagePersons, AmbitoId(person.ambito_id)) {
        return Err(AppError::Forbidden);
    }
    let group = app.db.person_group(id).await?;
    let kind = match app
        .db
        .decide_privacy(
            &group,
            entry,
            decision,
            &reason,
            who.user_id,
            &app.entry(caller, Action::Write),
        )
        .await
    {
        Err(DbError::Conflict) => return Err(AppError::Conflict("already_decided")),
        other => other?,
    };
    app.caches.invalidate();
    Ok(kind)
}
