//! "Who has seen this person's record" (right of access, GDPR art. 15): the page and the API
//! share the query, the scope and the audit of the search itself.

use presidio_db::{DbError, PersonMatch, PersonQuery};
use presidio_domain::access::{Permission, Principal};
use presidio_domain::audit::{Action, Stored};
use presidio_domain::report::identity::is_fiscal_code;
use presidio_domain::validation::{Invalid, Problem};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Visitor;

/// A name part shorter than this would match too many people.
const NAME_MIN: usize = 3;

/// At most this many audit entries are listed for one search.
pub const ACCESSES: i64 = 2000;

#[derive(Debug, Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PersonAccessQuery {
    /// Codice fiscale della persona (esatto).
    #[serde(default)]
    pub fiscal_code: String,
    /// Parte del nome o dello pseudonimo (almeno 3 caratteri).
    #[serde(default)]
    pub name: String,
}

impl PersonAccessQuery {
    pub fn is_empty(&self) -> bool {
        self.fiscal_code.trim().is_empty() && self.name.trim().is_empty()
    }

    /// What to look for: the fiscal code when given, else the name.
    pub fn query(&self) -> Result<PersonQuery, Invalid> {
        let mut errors = Invalid::default();
        let code = self.fiscal_code.trim();
        let name = self.name.trim();
        if !code.is_empty() {
            if !is_fiscal_code(code) {
                errors.push("fiscal_code", Problem::InvalidFiscalCode);
            }
            return errors.into_result(PersonQuery::FiscalCode(code.to_uppercase()));
        }
        if name.is_empty() {
            errors.push("fiscal_code", Problem::Required);
        } else if name.chars().count() < NAME_MIN {
            errors.push("name", Problem::TooShort);
        } else if name.chars().count() > 100 {
            errors.push("name", Problem::TooLong { max: 100 });
        }
        errors.into_result(PersonQuery::Name(name.to_owned()))
    }
}

/// The people found and every access to their reports.
pub struct Lookup {
    pub persons: Vec<PersonMatch>,
    pub accesses: Vec<Stored>,
}

/// Finds the people in the Ambiti where the user reads the audit trail, then the audit entries
/// of their reports. The search is audited with the reports it touched, never with the name or
/// fiscal code searched.
pub async fn lookup(
    state: &AppState,
    visitor: &Visitor,
    who: &Principal,
    query: &PersonQuery,
) -> Result<Lookup, DbError> {
    let ambiti = who.ambiti_with(Permission::ReadAudit);
    let persons = state.db.persons_matching(&ambiti, query).await?;
    let mut ids: Vec<i64> = persons.iter().map(|p| p.report_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut entry = visitor.entry(Action::AuditSearched);
    entry.section = "person".into();
    entry.reason = format!(
        "reports={}",
        ids.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
    state.db.audit(&entry).await?;
    let accesses = state.db.report_accesses(&ids, ACCESSES).await?;
    Ok(Lookup { persons, accesses })
}
