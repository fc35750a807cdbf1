//! The resource directory over the API, with the same confidentiality as the pages: a
//! resource's address is null for those who may not read it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use presidio_domain::access::Permission;
use presidio_domain::resources::ResourceInput;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::ApiJson;
use super::reports::principal;
use crate::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ErrorBody};

#[derive(Debug, Serialize, ToSchema)]
pub struct ResourceView {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub provider: String,
    /// Null when the user may not read it (its confidentiality).
    pub address: Option<String>,
    /// `pubblico`, `riservato`, `protetto`.
    pub confidentiality: String,
    pub capacity: u32,
    pub free: u32,
    /// `posti_letto` or `unita`.
    pub unit: String,
    pub contact: String,
    pub tariff_cents: i64,
    /// Null, like the address, when the user may not read it: a protected shelter's notes can
    /// say where it is.
    pub notes: Option<String>,
    /// When and by whom the free places were last set (RFC 3339, UTC).
    pub free_updated_at: Option<String>,
    pub free_updated_by: Option<String>,
    pub version: i64,
}

/// The resources of the user's Ambito with their free places.
#[utoipa::path(get, path = "/api/v1/resources", tag = "risorse",
    responses((status = 200, body = Vec<ResourceView>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Json<Vec<ResourceView>>, ApiError> {
    let (_, listed) = presidio_app::resources::list(&state, principal(&visitor)?).await?;
    Ok(Json(
        listed
            .into_iter()
            .map(
                |presidio_app::resources::Listed {
                     stored: s,
                     readable,
                 }| {
                    let r = s.resource;
                    ResourceView {
                        id: s.id,
                        kind: r.kind.code().into(),
                        address: readable.then_some(r.address),
                        confidentiality: r.confidentiality.code().into(),
                        capacity: r.capacity,
                        free: s.free,
                        unit: r.unit.code().into(),
                        contact: r.contact,
                        tariff_cents: r.tariff_cents,
                        notes: readable.then_some(r.notes),
                        free_updated_at: s
                            .free_updated_at
                            .map(|at| presidio_domain::time::UtcMillis(at).timestamp().to_string()),
                        free_updated_by: s.free_updated_by,
                        name: r.name,
                        provider: r.provider,
                        version: s.version,
                    }
                },
            )
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResourceBody {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub provider: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub confidentiality: String,
    pub capacity: Option<u32>,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub contact: String,
    /// Euro, e.g. `"45,50"`.
    #[serde(default)]
    pub tariff: String,
    #[serde(default)]
    pub notes: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResourceCreated {
    pub id: i64,
}

/// Records a resource (coordinators); all its places start free. A protected shelter
/// (`casa_rifugio`) is always `protetto`.
#[utoipa::path(post, path = "/api/v1/resources", tag = "risorse", request_body = ResourceBody,
    responses((status = 201, body = ResourceCreated), (status = 422, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    ApiJson(body): ApiJson<ResourceBody>,
) -> Result<(StatusCode, Json<ResourceCreated>), ApiError> {
    presidio_app::resources::directory(principal(&visitor)?, Permission::ManageResources)?;
    let capacity = body.capacity.map(|c| c.to_string()).unwrap_or_default();
    let resource = ResourceInput {
        kind: &body.kind,
        name: &body.name,
        provider: &body.provider,
        address: &body.address,
        confidentiality: &body.confidentiality,
        capacity: &capacity,
        unit: &body.unit,
        contact: &body.contact,
        tariff: &body.tariff,
        notes: &body.notes,
    }
    .validate()?;
    let id =
        presidio_app::resources::create(&state, visitor.caller(), principal(&visitor)?, &resource)
            .await?;
    Ok((StatusCode::CREATED, Json(ResourceCreated { id })))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FreeBody {
    pub free: u32,
    /// The `version` read.
    pub version: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FreeSaved {
    pub version: i64,
}

/// Sets the free places (operators and coordinators); more than the capacity is refused, a
/// stale `version` gets 409.
#[utoipa::path(put, path = "/api/v1/resources/{id}/free", tag = "risorse",
    params(("id" = i64, Path)), request_body = FreeBody,
    responses((status = 200, body = FreeSaved), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_free(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<FreeBody>,
) -> Result<Json<FreeSaved>, ApiError> {
    let version = presidio_app::resources::set_free(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        id,
        body.free,
        body.version,
    )
    .await?;
    Ok(Json(FreeSaved { version }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BudgetView {
    /// Null while no budget is set.
    pub amount_cents: Option<i64>,
    /// First and last day, `YYYY-MM-DD`.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Confirmed, started and ended activations booked in the period.
    pub spent_cents: i64,
    /// Spending at the end of the period if it goes on as so far.
    pub forecast_cents: i64,
}

/// The Ambito's budget with its spending and forecast (coordinators).
#[utoipa::path(get, path = "/api/v1/budget", tag = "risorse",
    responses((status = 200, body = BudgetView), (status = 403, body = ErrorBody)))]
pub async fn budget(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Json<BudgetView>, ApiError> {
    let ambito = presidio_app::budget::ambito_of(principal(&visitor)?)?;
    let s = presidio_app::budget::summary(&state, ambito).await?;
    Ok(Json(BudgetView {
        amount_cents: s.as_ref().map(|s| s.budget.amount_cents),
        from: s.as_ref().map(|s| s.budget.from.to_string()),
        to: s.as_ref().map(|s| s.budget.to.to_string()),
        spent_cents: s.as_ref().map_or(0, |s| s.spent_cents),
        forecast_cents: s.as_ref().map_or(0, |s| s.forecast_cents),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BudgetBody {
    /// Euro, e.g. `"89572,80"`.
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

/// Sets the Ambito's budget for a period (coordinators).
#[utoipa::path(put, path = "/api/v1/budget", tag = "risorse", request_body = BudgetBody,
    responses((status = 200, body = BudgetView), (status = 422, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn set_budget(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    ApiJson(body): ApiJson<BudgetBody>,
) -> Result<Json<BudgetView>, ApiError> {
    let who = principal(&visitor)?;
    presidio_app::budget::ambito_of(who)?;
    let b = presidio_domain::resources::budget::validate(
        &body.amount,
        &body.from,
        &body.to,
        state.clock.now().in_rome().date(),
    )?;
    presidio_app::budget::set(&state, visitor.caller(), who, &b).await?;
    budget(State(state), Extension(visitor)).await
}
