//! Resources activated inside a case, on the report page: book places (held at once, never
//! below zero), then confirm, start, end or cancel.

use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use presidio_app::AppError;
use serde::Deserialize;

use super::PageError;
use super::reports::principal;
use crate::AppState;
use crate::auth::Visitor;

#[derive(Deserialize, Default)]
pub struct HoldForm {
    #[serde(default)]
    pub resource_id: String,
    #[serde(default)]
    pub places: String,
    #[serde(default)]
    pub nights: String,
    /// `campo` when sent from the field view.
    #[serde(default)]
    pub back: String,
}

/// A count as typed: empty takes the default, anything but a whole number is out of range.
fn count(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    (!raw.is_empty()).then(|| raw.parse::<i64>().unwrap_or(0))
}

pub async fn hold(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(form): Form<HoldForm>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let input = presidio_app::activations::HoldInput {
        resource_id: form.resource_id.trim().parse::<i64>().ok(),
        places: count(&form.places),
        nights: count(&form.nights),
        hold_minutes: None,
    };
    let result = presidio_app::activations::hold(&state, visitor.caller(), who, id, input).await;
    done(&state, &visitor, id, &form.back, result).await
}

/// Back to the page the form was sent from, with what went wrong if anything.
async fn done<T>(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    back: &str,
    result: Result<T, AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(_) => super::interventions::back(state, visitor, id, back, Ok(())).await,
        Err(AppError::Invalid(invalid)) => {
            super::interventions::back(state, visitor, id, back, Err(invalid)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct MoveForm {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub version: i64,
    #[serde(default)]
    pub back: String,
}

pub async fn move_to(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((id, activation)): Path<(i64, i64)>,
    Form(form): Form<MoveForm>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let result = presidio_app::activations::move_to(
        &state,
        visitor.caller(),
        who,
        Some(id),
        activation,
        &form.status,
        form.version,
    )
    .await;
    done(&state, &visitor, id, &form.back, result).await
}
