//! Searching the audit trail (administrators): the page and the API share the search and the
//! audit entry that records it.

use presidio_db::AuditFilter;
use presidio_domain::access::{Permission, Principal};
use presidio_domain::audit::{Action, Stored};

use crate::{App, AppError, Caller};

/// The newest entries matching `filter` (at most its limit). The search is audited with what
/// was asked for; forbidden to a user who reads the audit trail nowhere.
pub async fn search(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    filter: &AuditFilter,
) -> Result<Vec<Stored>, AppError> {
    if !who.may(Permission::ReadAudit) {
        return Err(AppError::Forbidden);
    }
    let day = |at: Option<presidio_domain::time::UtcMillis>| {
        at.map(|a| a.in_rome().date().to_string())
            .unwrap_or_default()
    };
    let mut entry = app.entry(caller, Action::AuditSearched);
    entry.reason = format!(
        "actor={} action={} record={} {} from={} to={}",
        filter.actor,
        filter.action,
        filter.record_type,
        filter.record_id,
        day(filter.from),
        day(filter.to)
    );
    app.db.audit(&entry).await?;
    Ok(app.db.audit_search(filter).await?)
}
