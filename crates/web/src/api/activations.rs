//! Activations of resources inside a case, over the API: hold places (never below zero), then
//! confirm, start, end or cancel them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use presidio_db::StoredActivation;
use presidio_domain::time::UtcMillis;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::ApiJson;
use super::reports::principal;
use crate::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ErrorBody};

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivationView {
    pub id: i64,
    pub report_id: i64,
    pub resource_id: i64,
    /// The resource's name; a protected shelter reads "Struttura protetta tramite CAV".
    pub resource: String,
    /// `held`, `confirmed`, `started`, `ended`, `cancelled`.
    pub status: String,
    pub places: i64,
    pub nights: i64,
    pub cost_cents: i64,
    /// Until when a `held` booking keeps its places (RFC 3339, UTC).
    pub held_until: String,
    pub version: i64,
}

impl From<StoredActivation> for ActivationView {
    fn from(a: StoredActivation) -> Self {
        let t = crate::i18n::catalogue().tr(crate::i18n::Locale::Italian);
        let resource = crate::views::resource_name(t, &a);
        Self {
            id: a.id,
            report_id: a.report_id,
            resource_id: a.resource_id,
            resource,
            status: a.status,
            places: a.places,
            nights: a.nights,
            cost_cents: a.cost_cents,
            held_until: UtcMillis(a.held_until).timestamp().to_string(),
            version: a.version,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct HoldBody {
    pub resource_id: i64,
    /// Default 1.
    pub places: Option<u32>,
    /// Nights (or units) for the cost; default 1.
    pub nights: Option<u32>,
    /// How long the places are held before they lapse; default 90 minutes, at most 24 hours.
    pub hold_minutes: Option<i64>,
}

/// Books places of a resource for the report: they are held at once, never below zero.
#[utoipa::path(post, path = "/api/v1/reports/{id}/activations", tag = "risorse",
    params(("id" = i64, Path)), request_body = HoldBody,
    responses((status = 201, body = ActivationView), (status = 422, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn hold(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<HoldBody>,
) -> Result<(StatusCode, Json<ActivationView>), ApiError> {
    let who = principal(&visitor)?;
    let input = presidio_app::activations::HoldInput {
        resource_id: Some(body.resource_id),
        places: body.places.map(i64::from),
        nights: body.nights.map(i64::from),
        hold_minutes: body.hold_minutes,
    };
    let activation =
        presidio_app::activations::hold(&state, visitor.caller(), who, id, input).await?;
    Ok((StatusCode::CREATED, Json(activation.into())))
}

/// The activations of a report.
#[utoipa::path(get, path = "/api/v1/reports/{id}/activations", tag = "risorse",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ActivationView>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ActivationView>>, ApiError> {
    let who = principal(&visitor)?;
    let activations =
        presidio_app::activations::of_report(&state, visitor.caller(), who, id).await?;
    Ok(Json(
        activations.into_iter().map(ActivationView::from).collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MoveBody {
    #[serde(default)]
    pub status: String,
    pub version: i64,
}

/// Confirms, starts, ends or cancels an activation; ending or cancelling gives its places back.
#[utoipa::path(post, path = "/api/v1/activations/{id}/status", tag = "risorse",
    params(("id" = i64, Path)), request_body = MoveBody,
    responses((status = 200, body = ActivationView), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn move_to(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<MoveBody>,
) -> Result<Json<ActivationView>, ApiError> {
    let who = principal(&visitor)?;
    let moved = presidio_app::activations::move_to(
        &state,
        visitor.caller(),
        who,
        None,
        id,
        &body.status,
        body.version,
    )
    .await?;
    Ok(Json(moved.into()))
}
