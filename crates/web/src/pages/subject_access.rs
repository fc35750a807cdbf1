//! "Who has seen this person's record": the admin page for the right of access. It finds the
//! reports naming a person and lists every audited read or write of them.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use presidio_domain::audit::Action;
use presidio_domain::time::UtcMillis;

use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::forms::FormErrors;
use crate::forms::PersonAccessQuery;
use presidio_app::subject_access::{ACCESSES, lookup};

pub struct PersonRow {
    pub code: String,
    pub received_at: String,
    pub role: String,
    pub name: String,
    pub fiscal_code: String,
    pub person_id: Option<i64>,
}

pub struct AccessRow {
    pub at: String,
    pub actor: String,
    pub organisation: String,
    pub role: String,
    pub action: String,
    pub code: String,
    pub section: String,
    pub reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_person_accesses.html")]
pub struct PersonAccessesPage {
    page: Layout,
    q: PersonAccessQuery,
    errors: FormErrors,
    /// A search was made (an empty result then says so).
    searched: bool,
    persons: Vec<PersonRow>,
    accesses: Vec<AccessRow>,
    /// The list stops at its limit: older entries exist.
    truncated: bool,
}

pub async fn page(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<PersonAccessQuery>,
) -> Result<Response, PageError> {
    let page = Layout::new(&visitor, "person-access-title", "admin");
    let t = page.t;
    let mut view = PersonAccessesPage {
        page,
        q,
        errors: FormErrors::default(),
        searched: false,
        persons: Vec::new(),
        accesses: Vec::new(),
        truncated: false,
    };
    if view.q.is_empty() {
        return Ok(view.into_response());
    }
    let query = match view.q.query() {
        Ok(query) => query,
        Err(invalid) => {
            view.errors = FormErrors::from(&invalid);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, view).into_response());
        }
    };
    let who = super::reports::principal(&visitor)?;
    let found = lookup(&state, visitor.caller(), who, &query).await?;
    let codes: HashMap<String, String> = found
        .persons
        .iter()
        .map(|p| (p.report_id.to_string(), p.code.clone()))
        .collect();
    view.searched = true;
    view.truncated = i64::try_from(found.accesses.len()).unwrap_or(0) == ACCESSES;
    view.persons = found
        .persons
        .into_iter()
        .map(|p| PersonRow {
            code: p.code,
            received_at: t.date_time(UtcMillis(p.received_at)),
            role: t.t(&format!("person-role-{}", p.role)),
            name: match (p.name, p.alias) {
                (Some(name), Some(alias)) => format!("{name} ({alias})"),
                (Some(name), None) => name,
                (None, Some(alias)) => alias,
                (None, None) => t.t("person-unknown"),
            },
            fiscal_code: p.fiscal_code.unwrap_or_default(),
            person_id: p.person_id,
        })
        .collect();
    view.accesses = found
        .accesses
        .into_iter()
        .map(|s| AccessRow {
            at: t.date_time(s.entry.at),
            actor: s.entry.actor,
            organisation: s.entry.organisation,
            role: super::audit_labels::roles(t, &s.entry.role),
            action: Action::parse(&s.entry.action).map_or(s.entry.action.clone(), |a| {
                t.t(&format!("audit-action-{}", a.code()))
            }),
            code: codes.get(&s.entry.record_id).cloned().unwrap_or_default(),
            section: super::audit_labels::section(t, &s.entry.section),
            reason: super::audit_labels::reason(t, &s.entry.reason),
        })
        .collect();
    Ok(view.into_response())
}
