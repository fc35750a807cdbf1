//! The on-call roster over the API: shifts, gaps and who is on call now.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use presidio_domain::access::Permission;
use presidio_domain::audit::Action;
use presidio_domain::reference::AmbitoId;
use presidio_domain::roster::{RosterRole, ShiftInput};
use presidio_domain::time::UtcMillis;
use presidio_domain::validation::{Invalid, Problem};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::ApiJson;
use super::reports::principal;
use crate::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ErrorBody};

fn rfc3339(at: UtcMillis) -> String {
    at.timestamp().to_string()
}

/// An RFC 3339 instant from a query or body field; empty gives `default`.
fn instant(
    errors: &mut Invalid,
    field: &'static str,
    raw: &str,
    default: Option<UtcMillis>,
) -> Option<UtcMillis> {
    if raw.trim().is_empty() {
        if default.is_none() {
            errors.push(field, Problem::Required);
        }
        return default;
    }
    let at = raw
        .trim()
        .parse::<jiff::Timestamp>()
        .ok()
        .map(UtcMillis::from_timestamp);
    if at.is_none() {
        errors.push(field, Problem::InvalidDateTime);
    }
    at
}

/// The user's roster Ambito, and whether they may change it.
fn ambito(visitor: &Visitor) -> Result<(AmbitoId, bool), ApiError> {
    let who = principal(visitor)?;
    let ambito = crate::roster::ambito_of(who)
        .ok_or_else(|| ApiError::from_status(StatusCode::FORBIDDEN))?;
    Ok((ambito, who.may_in(Permission::ManageRoster, ambito)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WindowQuery {
    /// Dall'istante (RFC 3339; predefinito: adesso).
    #[serde(default)]
    pub from: String,
    /// All'istante escluso (RFC 3339; predefinito: due settimane dopo `from`).
    #[serde(default)]
    pub to: String,
}

impl WindowQuery {
    fn window(&self) -> Result<(UtcMillis, UtcMillis), Invalid> {
        let mut errors = Invalid::default();
        let from = instant(&mut errors, "from", &self.from, Some(presidio_db::now()));
        let to = from.and_then(|f| {
            instant(
                &mut errors,
                "to",
                &self.to,
                Some(UtcMillis(f.0 + crate::roster::AHEAD_MS)),
            )
        });
        match (from, to) {
            (Some(f), Some(t)) if t > f && t.0 - f.0 <= 92 * 86_400_000 => {
                errors.into_result((f, t))
            }
            (Some(_), Some(_)) => {
                errors.push("to", Problem::OutOfRange);
                Err(errors)
            }
            _ => Err(errors),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShiftView {
    pub id: i64,
    /// `centrale`, `pronto_intervento`, `coordinatore_reperibile`.
    pub role: String,
    pub user_id: i64,
    pub name: String,
    pub phone: String,
    pub start: String,
    pub end: String,
}

/// The shifts of the user's Ambito overlapping a window (at most three months).
#[utoipa::path(get, path = "/api/v1/roster/shifts", tag = "turni", params(WindowQuery),
    responses((status = 200, body = Vec<ShiftView>), (status = 422, body = ErrorBody)))]
pub async fn shifts(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<WindowQuery>,
) -> Result<Json<Vec<ShiftView>>, ApiError> {
    let (ambito, _) = ambito(&visitor)?;
    let (from, to) = q.window()?;
    Ok(Json(
        state
            .db
            .shifts(ambito, from, to)
            .await?
            .into_iter()
            .map(|s| ShiftView {
                id: s.id,
                role: s.shift.role.code().into(),
                user_id: s.shift.user_id,
                name: s.name,
                phone: s.shift.phone,
                start: rfc3339(s.shift.start),
                end: rfc3339(s.shift.end),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ShiftBody {
    #[serde(default)]
    pub role: String,
    pub user_id: Option<i64>,
    #[serde(default)]
    pub phone: String,
    /// RFC 3339.
    #[serde(default)]
    pub start: String,
    /// RFC 3339; after `start`, at most 7 days later.
    #[serde(default)]
    pub end: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShiftCreated {
    pub id: i64,
}

/// Adds a shift (coordinators). The person must hold an operational role in the Ambito.
#[utoipa::path(post, path = "/api/v1/roster/shifts", tag = "turni", request_body = ShiftBody,
    responses((status = 201, body = ShiftCreated), (status = 422, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn add(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    ApiJson(body): ApiJson<ShiftBody>,
) -> Result<(StatusCode, Json<ShiftCreated>), ApiError> {
    let (ambito, may) = ambito(&visitor)?;
    if !may {
        return Err(ApiError::from_status(StatusCode::FORBIDDEN));
    }
    let mut errors = Invalid::default();
    let start = instant(&mut errors, "start", &body.start, None);
    let end = instant(&mut errors, "end", &body.end, None);
    let shift = ShiftInput {
        role: &body.role,
        user_id: body.user_id,
        phone: &body.phone,
        start,
        end,
    }
    .validate(errors)?;
    let id = state
        .db
        .add_shift(ambito, &shift, &visitor.entry(Action::Write))
        .await?;
    state.caches.invalidate();
    Ok((StatusCode::CREATED, Json(ShiftCreated { id })))
}

/// Removes a shift (coordinators).
#[utoipa::path(delete, path = "/api/v1/roster/shifts/{id}", tag = "turni",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let (ambito, may) = ambito(&visitor)?;
    if !may {
        return Err(ApiError::from_status(StatusCode::FORBIDDEN));
    }
    state
        .db
        .remove_shift(ambito, id, &visitor.entry(Action::Write))
        .await?;
    state.caches.invalidate();
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GapView {
    pub role: String,
    pub start: String,
    pub end: String,
}

/// Every interval of the window when the PIS is active for some municipality of the Ambito and
/// a role has nobody on call (default: the next two weeks).
#[utoipa::path(get, path = "/api/v1/roster/gaps", tag = "turni", params(WindowQuery),
    responses((status = 200, body = Vec<GapView>), (status = 422, body = ErrorBody)))]
pub async fn gaps(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<WindowQuery>,
) -> Result<Json<Vec<GapView>>, ApiError> {
    let (ambito, _) = ambito(&visitor)?;
    let (from, to) = q.window()?;
    Ok(Json(
        crate::roster::gaps_between(&state, ambito, from, to)
            .await?
            .into_iter()
            .map(|g| GapView {
                role: g.role.code().into(),
                start: rfc3339(g.start),
                end: rfc3339(g.end),
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OnCallView {
    pub role: String,
    pub name: String,
    pub phone: String,
}

/// Who is on call now, by role, with their phone.
#[utoipa::path(get, path = "/api/v1/roster/on-call", tag = "turni",
    responses((status = 200, body = Vec<OnCallView>)))]
pub async fn on_call(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Json<Vec<OnCallView>>, ApiError> {
    let (ambito, _) = ambito(&visitor)?;
    let summary = crate::roster::summary(&state, ambito).await?;
    Ok(Json(
        summary
            .on_call
            .iter()
            .map(
                |(role, name, phone): &(RosterRole, String, String)| OnCallView {
                    role: role.code().into(),
                    name: name.clone(),
                    phone: phone.clone(),
                },
            )
            .collect(),
    ))
}
