//! Outcomes after a handover over the API: the requests a service sees, its answers, and the
//! *Efficacia* figures.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use presidio_db::StoredFollowUp;
use presidio_domain::follow_up::AnswerInput;
use presidio_domain::time::UtcMillis;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::json::ApiJson;
use super::reports::principal;
use crate::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ErrorBody};

/// An outcome request: what became of the person some days after the case was taken in
/// charge.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpView {
    pub id: i64,
    pub report_id: i64,
    pub report_code: String,
    pub handover_id: i64,
    /// ISTAT code of the receiving municipality.
    pub municipality: String,
    pub municipality_name: String,
    /// Days after taking charge: 30, 90, or the Ambito's own intervals.
    pub days: i64,
    /// `AAAA-MM-GG`, the day it is asked for.
    pub due: String,
    /// `in_carico`, `situazione_risolta`, `trasferito`, `contatto_perso`, `nuova_emergenza`;
    /// null while unanswered.
    pub outcome: Option<String>,
    /// 1 to 5: how appropriate the PIS response was.
    pub rating: Option<i64>,
    pub note: String,
    pub answered_at: Option<String>,
    pub answered_by: Option<String>,
    /// Reminded to the service already.
    pub reminded: bool,
}

impl From<StoredFollowUp> for FollowUpView {
    fn from(f: StoredFollowUp) -> Self {
        Self {
            id: f.id,
            report_id: f.report_id,
            report_code: f.report_code,
            handover_id: f.handover_id,
            municipality: f.municipality,
            municipality_name: f.municipality_name,
            days: f.days,
            due: f.due_day,
            outcome: f.outcome,
            rating: f.rating,
            note: f.note,
            answered_at: f
                .answered_at
                .map(|ms| UtcMillis(ms).timestamp().to_string()),
            answered_by: f.answered_by,
            reminded: f.reminded_at.is_some(),
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct FollowUpQuery {
    /// Only those due and unanswered.
    #[serde(default)]
    pub pending: bool,
}

/// The outcome requests asked so far: a social service sees its municipalities', the PIS
/// staff their Ambiti's. With `pending`, the unanswered ones, oldest first.
#[utoipa::path(get, path = "/api/v1/follow-ups", tag = "passaggi", params(FollowUpQuery),
    responses((status = 200, body = Vec<FollowUpView>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(query): Query<FollowUpQuery>,
) -> Result<Json<Vec<FollowUpView>>, ApiError> {
    let list = presidio_app::follow_ups::list(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        query.pending,
    )
    .await?;
    Ok(Json(list.into_iter().map(FollowUpView::from).collect()))
}

/// An answer to an outcome request.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct FollowUpBody {
    /// `in_carico`, `situazione_risolta`, `trasferito`, `contatto_perso`, `nuova_emergenza`.
    #[schema(required = true, min_length = 1)]
    pub outcome: String,
    /// 1 to 5, how appropriate the PIS response was; null: not said.
    #[schema(minimum = 1, maximum = 5)]
    pub rating: Option<i64>,
    #[schema(max_length = 1000)]
    pub note: String,
}

/// Answers an outcome request, once, for the receiving service, when it is due (409 before,
/// and after an answer). Audited.
#[utoipa::path(post, path = "/api/v1/follow-ups/{id}", tag = "passaggi",
    params(("id" = i64, Path)), request_body = FollowUpBody,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn answer(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<FollowUpBody>,
) -> Result<StatusCode, ApiError> {
    let input = AnswerInput {
        outcome: body.outcome,
        rating: body.rating,
        note: body.note,
    };
    presidio_app::follow_ups::answer(&state, visitor.caller(), principal(&visitor)?, id, &input)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
