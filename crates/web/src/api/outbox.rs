//! The outbox over the API (admins): every outgoing message with its state and attempts.

use axum::extract::{Query, State};
use axum::{Extension, Json};
use presidio_db::StoredMessage;
use presidio_domain::time::UtcMillis;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::reports::principal;
use crate::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ErrorBody};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct OutboxQuery {
    /// `queued`, `sent`, `failed` (to be tried again), `gave_up`; none: all.
    pub state: Option<String>,
}

/// An outgoing message.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxMessage {
    pub id: i64,
    /// `email`.
    pub channel: String,
    pub recipient: String,
    pub user_id: Option<i64>,
    pub subject: String,
    /// An alert or an alarm.
    pub safety: bool,
    /// `queued`, `sent`, `failed`, `gave_up`.
    pub state: String,
    pub attempts: i64,
    /// When the next attempt is due (a failed one).
    pub next_at: String,
    /// The transport's last error, without addresses.
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

fn at(ms: i64) -> String {
    UtcMillis(ms).timestamp().to_string()
}

impl From<StoredMessage> for OutboxMessage {
    fn from(m: StoredMessage) -> Self {
        Self {
            id: m.id,
            channel: m.channel,
            recipient: m.recipient,
            user_id: m.user_id,
            subject: m.subject,
            safety: m.safety == 1,
            state: m.state,
            attempts: m.attempts,
            next_at: at(m.next_at),
            last_error: m.last_error,
            created_at: at(m.created_at),
            sent_at: m.sent_at.map(at),
        }
    }
}

/// A list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Outbox {
    pub items: Vec<OutboxMessage>,
}

/// The outgoing messages, newest first (the last 500), of one state or all (admins). Audited.
#[utoipa::path(get, path = "/api/v1/outbox", tag = "sistema", params(OutboxQuery),
    responses((status = 200, body = Outbox), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(query): Query<OutboxQuery>,
) -> Result<Json<Outbox>, ApiError> {
    let list = presidio_app::outbox::list(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        query.state.as_deref(),
    )
    .await?;
    Ok(Json(Outbox {
        items: list.into_iter().map(OutboxMessage::from).collect(),
    }))
}
