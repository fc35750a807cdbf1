//! The outbox for the admins: every outgoing message of their Ambiti with its state, attempts
//! and last error, filtered by state.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Query, State};
use presidio_domain::outbox::{NO_CHANNEL, State as MessageState};
use presidio_domain::time::UtcMillis;

use super::reports::principal;
use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::forms::Choice;

/// A message as a line of the table.
pub struct MessageRow {
    pub created: String,
    pub recipient: String,
    pub subject: String,
    pub kind: String,
    pub state: String,
    pub attempts: i64,
    pub detail: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_outbox.html")]
pub struct OutboxPage {
    page: Layout,
    rows: Vec<MessageRow>,
    states: Vec<Choice>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct OutboxQuery {
    stato: String,
}

/// The queue, newest first (`?stato=` one state).
pub async fn list(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(query): Query<OutboxQuery>,
) -> Result<OutboxPage, PageError> {
    let who = principal(&visitor)?;
    let picked = query.stato.trim();
    let list = presidio_app::outbox::list(&state, visitor.caller(), who, Some(picked)).await?;
    let page = Layout::new(&visitor, "outbox-title", "admin");
    let t = page.t;
    let rows = list
        .into_iter()
        .map(|m| MessageRow {
            created: t.date_time(UtcMillis(m.created_at)),
            recipient: m.recipient,
            subject: m.subject,
            kind: t.t(if m.safety == 1 {
                "outbox-safety"
            } else {
                "outbox-message"
            }),
            state: t.t(&format!("outbox-state-{}", m.state)),
            attempts: m.attempts,
            detail: match (m.sent_at, m.last_error) {
                (Some(at), _) => t.t1("outbox-sent-at", "at", &t.date_time(UtcMillis(at))),
                (None, Some(error)) if error == NO_CHANNEL => t.t("outbox-no-channel"),
                (None, Some(error)) if error == "subscription_gone" => {
                    t.t("outbox-subscription-gone")
                }
                (None, Some(error)) => error,
                (None, None) => String::new(),
            },
        })
        .collect();
    let states = MessageState::ALL
        .iter()
        .map(|s| Choice {
            value: s.code().to_owned(),
            label: t.t(&format!("outbox-state-{}", s.code())),
            selected: s.code() == picked,
        })
        .collect();
    Ok(OutboxPage { page, rows, states })
}
