//! The service calendar over the API.

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;

use crate::AppState;
use crate::calendar::CalendarStatus;
use crate::error::{ApiError, ErrorBody};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusQuery {
    /// Codice ISTAT del comune.
    #[serde(default)]
    pub municipality: String,
    /// Istante RFC 3339 (predefinito: adesso).
    #[serde(default)]
    pub at: String,
}

/// Whether the PIS is active for a municipality at an instant, why, when that changes and when
/// the municipality's social service next opens.
#[utoipa::path(get, path = "/api/v1/calendar/status", tag = "calendario", params(StatusQuery),
    responses((status = 200, body = CalendarStatus), (status = 422, body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    Query(q): Query<StatusQuery>,
) -> Result<Json<CalendarStatus>, ApiError> {
    Ok(Json(
        crate::calendar::status(&state.db, &q.municipality, &q.at, presidio_db::now()).await?,
    ))
}
