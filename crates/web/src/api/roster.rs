//! The on-call roster over the API: shifts, gaps and who is on call now.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use presidio_domain::calendar::hours::format_minute;
use presidio_domain::roster::rota::RotaInput;
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
    fn window(&self, now: UtcMillis) -> Result<(UtcMillis, UtcMillis), Invalid> {
        let mut errors = Invalid::default();
        let from = instant(&mut errors, "from", &self.from, Some(now));
        let to = from.and_then(|f| {
            instant(
                &mut errors,
                "to",
                &self.to,
                Some(UtcMillis(f.0 + presidio_app::roster::AHEAD_MS)),
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
    let who = principal(&visitor)?;
    let (from, to) = q.window(state.clock.now())?;
    Ok(Json(
        presidio_app::roster::shifts(&state, who, from, to)
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
    let who = principal(&visitor)?;
    presidio_app::roster::managed(who)?;
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
    let id = presidio_app::roster::add_shift(&state, visitor.caller(), who, &shift).await?;
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
    presidio_app::roster::remove_shift(&state, visitor.caller(), principal(&visitor)?, id).await?;
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
    let (ambito, _) = presidio_app::roster::roster_of(principal(&visitor)?)?;
    let (from, to) = q.window(state.clock.now())?;
    Ok(Json(
        presidio_app::roster::gaps_between(&state, ambito, from, to)
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
    let (ambito, _) = presidio_app::roster::roster_of(principal(&visitor)?)?;
    let summary = presidio_app::roster::summary(&state, ambito).await?;
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

#[derive(Debug, Serialize, ToSchema)]
pub struct RotaView {
    pub id: i64,
    /// 0 = Monday.
    pub weekday: u8,
    /// `HH:MM`.
    pub start: String,
    /// `HH:MM`; at or before `start`: the next day.
    pub end: String,
    pub extra_days: u8,
    pub role: String,
    pub user_id: i64,
    pub name: String,
    pub phone: String,
}

/// The weekly rota pattern of the Ambito (coordinators).
#[utoipa::path(get, path = "/api/v1/roster/rota", tag = "turni",
    responses((status = 200, body = Vec<RotaView>), (status = 403, body = ErrorBody)))]
pub async fn rota(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Json<Vec<RotaView>>, ApiError> {
    Ok(Json(
        presidio_app::roster::rota(&state, principal(&visitor)?)
            .await?
            .into_iter()
            .map(|r| RotaView {
                id: r.id,
                weekday: r.entry.weekday,
                start: format_minute(r.entry.start),
                end: format_minute(r.entry.end),
                extra_days: r.entry.extra_days,
                role: r.entry.role.code().into(),
                user_id: r.entry.user_id,
                name: r.name,
                phone: r.entry.phone,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RotaBody {
    pub weekday: Option<u8>,
    #[serde(default)]
    pub start: String,
    #[serde(default)]
    pub end: String,
    pub extra_days: Option<u8>,
    #[serde(default)]
    pub role: String,
    pub user_id: Option<i64>,
    #[serde(default)]
    pub phone: String,
}

/// Adds a line to the weekly rota.
#[utoipa::path(post, path = "/api/v1/roster/rota", tag = "turni", request_body = RotaBody,
    responses((status = 201, body = ShiftCreated), (status = 422, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn add_rota(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    ApiJson(body): ApiJson<RotaBody>,
) -> Result<(StatusCode, Json<ShiftCreated>), ApiError> {
    let who = principal(&visitor)?;
    presidio_app::roster::managed(who)?;
    let weekday = body.weekday.map(|d| d.to_string()).unwrap_or_default();
    let extra = body.extra_days.map(|d| d.to_string()).unwrap_or_default();
    let entry = RotaInput {
        weekday: &weekday,
        start: &body.start,
        end: &body.end,
        extra_days: &extra,
        role: &body.role,
        user_id: body.user_id,
        phone: &body.phone,
    }
    .validate()?;
    let id = presidio_app::roster::add_rota(&state, visitor.caller(), who, &entry).await?;
    Ok((StatusCode::CREATED, Json(ShiftCreated { id })))
}

/// Removes a line of the weekly rota.
#[utoipa::path(delete, path = "/api/v1/roster/rota/{id}", tag = "turni",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn remove_rota(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    presidio_app::roster::remove_rota(&state, visitor.caller(), principal(&visitor)?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct GenerateBody {
    /// A day of the first week, `YYYY-MM-DD`.
    #[serde(default)]
    pub from: String,
    /// 1 to 8.
    pub weeks: Option<u8>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Generated {
    /// Shifts added (those already there are not repeated).
    pub created: u64,
}

/// Turns the weekly rota into shifts for 1 to 8 weeks from the week of `from`.
#[utoipa::path(post, path = "/api/v1/roster/rota/generate", tag = "turni",
    request_body = GenerateBody,
    responses((status = 200, body = Generated), (status = 422, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn generate(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    ApiJson(body): ApiJson<GenerateBody>,
) -> Result<Json<Generated>, ApiError> {
    let who = principal(&visitor)?;
    presidio_app::roster::managed(who)?;
    let mut errors = Invalid::default();
    let from = presidio_domain::time::parse_date(&body.from);
    if from.is_none() {
        errors.push("from", Problem::InvalidDate);
    }
    let weeks = body.weeks.filter(|w| (1..=8).contains(w));
    if weeks.is_none() {
        errors.push("weeks", Problem::OutOfRange);
    }
    let (Some(from), Some(weeks)) = (from, weeks) else {
        return Err(errors.into());
    };
    let (_, created) =
        presidio_app::roster::generate(&state, visitor.caller(), who, from, weeks).await?;
    Ok(Json(Generated { created }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SwapBody {
    pub to_user_id: Option<i64>,
    #[serde(default)]
    pub note: String,
}

/// Asks that a colleague take one's own shift; the coordinator decides.
#[utoipa::path(post, path = "/api/v1/roster/shifts/{id}/swaps", tag = "turni",
    params(("id" = i64, Path)), request_body = SwapBody,
    responses((status = 201, body = ShiftCreated), (status = 422, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn request_swap(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<SwapBody>,
) -> Result<(StatusCode, Json<ShiftCreated>), ApiError> {
    let swap = presidio_app::roster::request_swap(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        id,
        body.to_user_id,
        &body.note,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(ShiftCreated { id: swap })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SwapView {
    pub id: i64,
    pub shift_id: i64,
    pub role: String,
    pub start: String,
    pub end: String,
    pub from_name: String,
    pub to_user_id: i64,
    pub to_name: String,
    pub note: String,
}

/// The swap requests awaiting a decision (coordinators).
#[utoipa::path(get, path = "/api/v1/roster/swaps", tag = "turni",
    responses((status = 200, body = Vec<SwapView>), (status = 403, body = ErrorBody)))]
pub async fn swaps(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Json<Vec<SwapView>>, ApiError> {
    Ok(Json(
        presidio_app::roster::pending_swaps(&state, principal(&visitor)?)
            .await?
            .into_iter()
            .map(|w| SwapView {
                id: w.id,
                shift_id: w.shift_id,
                role: w.role,
                start: rfc3339(UtcMillis(w.start_at)),
                end: rfc3339(UtcMillis(w.end_at)),
                from_name: w.from_name,
                to_user_id: w.to_user_id,
                to_name: w.to_name,
                note: w.note,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionBody {
    /// True: the shift passes to the colleague; false: it stays.
    pub approve: bool,
}

/// Approves or refuses a swap request (coordinators); 409 when already decided.
#[utoipa::path(post, path = "/api/v1/roster/swaps/{id}/decision", tag = "turni",
    params(("id" = i64, Path)), request_body = DecisionBody,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn decide_swap(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<StatusCode, ApiError> {
    presidio_app::roster::decide_swap(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        id,
        body.approve,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
