//! Administration over the API: the accounts and the audit trail.

use axum::extract::{Query, State};
use axum::{Extension, Json};
use presidio_domain::audit::Stored;
use presidio_domain::time::UtcMillis;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ErrorBody};
use crate::forms::AuditQuery;
use crate::forms::PersonAccessQuery;
use presidio_app::subject_access;

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub organisation: String,
    /// `role@ambito`, e.g. `operatore_pis@rhodense`.
    pub roles: Vec<String>,
    pub disabled: bool,
    pub totp: bool,
}

/// The accounts the administrator manages: those with a role in an Ambito where they manage
/// accounts, and those left with no role.
#[utoipa::path(get, path = "/api/v1/users", tag = "amministrazione",
    responses((status = 200, body = Vec<UserView>), (status = 403, body = ErrorBody)))]
pub async fn users(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Json<Vec<UserView>>, ApiError> {
    let who = super::reports::principal(&visitor)?;
    let users =
        presidio_app::accounts::users(&state, presidio_app::accounts::Creator::Admin(who)).await?;
    Ok(Json(
        users
            .into_iter()
            .map(|u| UserView {
                id: u.id,
                username: u.username,
                name: u.name,
                organisation: u.organisation,
                roles: u.roles,
                disabled: u.disabled,
                totp: u.totp,
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub seq: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub actor: String,
    pub organisation: String,
    pub role: String,
    pub action: String,
    pub record_type: String,
    pub record_id: String,
    pub section: String,
    pub reason: String,
    pub client_ip: String,
    pub hash: String,
}

/// The newest audit entries matching the filters (at most 1000); the search is itself audited.
#[utoipa::path(get, path = "/api/v1/audit", tag = "amministrazione",
    params(
        ("actor" = Option<String>, Query, description = "Nome utente"),
        ("action" = Option<String>, Query, description = "Codice dell'azione, es. login_failed"),
        ("record_type" = Option<String>, Query, description = "Tipo di scheda, es. user"),
        ("record_id" = Option<String>, Query, description = "Identificativo della scheda"),
        ("from" = Option<String>, Query, description = "Dal giorno (AAAA-MM-GG, ora di Roma)"),
        ("to" = Option<String>, Query, description = "Al giorno compreso (AAAA-MM-GG)")),
    responses((status = 200, body = Vec<AuditEntryView>), (status = 422, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn audit(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<AuditEntryView>>, ApiError> {
    let filter = q.filter(1000)?;
    let who = visitor
        .principal()
        .ok_or_else(|| ApiError::unauthenticated("unauthenticated"))?;
    let rows = presidio_app::audit_trail::search(&state, visitor.caller(), who, &filter).await?;
    Ok(Json(rows.into_iter().map(AuditEntryView::from).collect()))
}

impl From<Stored> for AuditEntryView {
    fn from(s: Stored) -> Self {
        AuditEntryView {
            seq: s.seq,
            at: s.entry.at.timestamp().to_string(),
            actor: s.entry.actor,
            organisation: s.entry.organisation,
            role: s.entry.role,
            action: s.entry.action,
            record_type: s.entry.record_type,
            record_id: s.entry.record_id,
            section: s.entry.section,
            reason: s.entry.reason,
            client_ip: s.entry.client_ip,
            hash: s.hash,
        }
    }
}

/// A person found in a report.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonMatchView {
    pub report_id: i64,
    /// The report's protocol number.
    pub code: String,
    /// When the report was received, RFC 3339, UTC.
    pub received_at: String,
    pub role: String,
    pub name: Option<String>,
    pub alias: Option<String>,
    pub fiscal_code: Option<String>,
    /// The person record (its own data: `GET /api/v1/persons/{id}/export`).
    pub person_id: Option<i64>,
}

/// The people found and every audited read or write of their reports, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonAccessView {
    pub persons: Vec<PersonMatchView>,
    pub accesses: Vec<AuditEntryView>,
}

/// Who has seen this person's record (right of access): the reports naming the person, in the
/// user's Ambiti, and their audit entries. Needs the fiscal code or a part of the name.
#[utoipa::path(get, path = "/api/v1/audit/person", tag = "amministrazione",
    params(PersonAccessQuery),
    responses((status = 200, body = PersonAccessView), (status = 422, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn person_accesses(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<PersonAccessQuery>,
) -> Result<Json<PersonAccessView>, ApiError> {
    let query = q.query()?;
    let who = super::reports::principal(&visitor)?;
    let found = subject_access::lookup(&state, visitor.caller(), who, &query).await?;
    Ok(Json(PersonAccessView {
        persons: found
            .persons
            .into_iter()
            .map(|p| PersonMatchView {
                report_id: p.report_id,
                code: p.code,
                received_at: UtcMillis(p.received_at).timestamp().to_string(),
                role: p.role,
                name: p.name,
                alias: p.alias,
                fiscal_code: p.fiscal_code,
                person_id: p.person_id,
            })
            .collect(),
        accesses: found
            .accesses
            .into_iter()
            .map(AuditEntryView::from)
            .collect(),
    }))
}
