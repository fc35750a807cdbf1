//! The coordinator's notifications over the API.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use presidio_domain::time::UtcMillis;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::ApiJson;
use super::reports::principal;
use crate::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ErrorBody};
use crate::forms::ReadForm;
use presidio_app::notifications::audited_list;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Solo quelle non ancora lette.
    #[serde(default)]
    pub unread: bool,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationView {
    pub id: i64,
    /// `break_glass`.
    pub kind: String,
    pub report_id: Option<i64>,
    /// Who caused it.
    pub actor: Option<String>,
    pub text: String,
    /// RFC 3339, UTC.
    pub at: String,
    pub read: bool,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    pub items: Vec<NotificationView>,
}

/// The coordinator's notifications, newest first (at most 200); reading them is audited.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "segnalazioni", params(ListQuery),
    responses((status = 200, body = NotificationList), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<ListQuery>,
) -> Result<Json<NotificationList>, ApiError> {
    let who = principal(&visitor)?;
    let list = audited_list(&state, visitor.caller(), who, q.unread).await?;
    Ok(Json(NotificationList {
        items: list
            .into_iter()
            .map(|n| NotificationView {
                id: n.id,
                kind: n.kind,
                report_id: n.report_id,
                actor: n.actor,
                text: n.text,
                at: UtcMillis(n.at).timestamp().to_string(),
                read: n.seen,
            })
            .collect(),
    }))
}

/// Marks the notifications up to `up_to` as read.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "segnalazioni",
    request_body = ReadForm, responses((status = 204), (status = 422, body = ErrorBody)))]
pub async fn mark_read(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    ApiJson(body): ApiJson<ReadForm>,
) -> Result<StatusCode, ApiError> {
    let who = principal(&visitor)?;
    presidio_app::notifications::mark_read(&state, who, body.up_to).await?;
    Ok(StatusCode::NO_CONTENT)
}
