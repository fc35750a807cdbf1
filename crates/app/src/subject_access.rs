//! "Who has seen this person's record" (right of access, GDPR art. 15): the page and the API
//! share the query, the scope and the audit of the search itself.

use presidio_db::{DbError, PersonMatch, PersonQuery};
use presidio_domain::access::{Permission, Principal};
use presidio_domain::audit::{Action, Stored};

use crate::App;

/// At most this many audit entries are listed for one search.
pub const ACCESSES: i64 = 2000;

/// The people found and every access to their reports.
pub struct Lookup {
    pub persons: Vec<PersonMatch>,
    pub accesses: Vec<Stored>,
}

/// Finds the people in the Ambiti where the user reads the audit trail, then the audit entries
/// of their reports. The search is audited with the reports it touched, never with the name or
/// fiscal code searched.
pub async fn lookup(
    app: &App,
    caller: crate::Caller<'_>,
    who: &Principal,
    query: &PersonQuery,
) -> Result<Lookup, DbError> {
    let ambiti = who.ambiti_with(Permission::ReadAudit);
    let persons = app.db.persons_matching(&ambiti, query).await?;
    let mut ids: Vec<i64> = persons.iter().map(|p| p.report_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut entry = app.entry(caller, Action::AuditSearched);
    entry.section = "person".into();
    entry.reason = format!(
        "reports={}",
        ids.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
    app.db.audit(&entry).await?;
    let accesses = app.db.report_accesses(&ids, ACCESSES).await?;
    Ok(Lookup { persons, accesses })
}
