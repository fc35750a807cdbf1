//! The coordinator's notifications page: the full list and "mark all as read".

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, State};
use axum::response::{IntoResponse, Redirect, Response};
use presidio_domain::time::UtcMillis;

use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::forms::ReadForm;
use presidio_app::notifications::audited_list;

pub struct NotificationRow {
    pub at: String,
    pub text: String,
    pub href: Option<String>,
    pub unread: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "notifications.html")]
pub struct NotificationsPage {
    page: Layout,
    rows: Vec<NotificationRow>,
    /// The newest id shown, for "mark all as read".
    newest: i64,
    unread: usize,
}

pub async fn page(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<NotificationsPage, PageError> {
    let who = super::reports::principal(&visitor)?;
    let list = audited_list(&state, visitor.caller(), who, false).await?;
    let page = Layout::new(&visitor, "notifications-title", "home");
    let t = page.t;
    Ok(NotificationsPage {
        newest: list.first().map_or(0, |n| n.id),
        unread: list.iter().filter(|n| !n.seen).count(),
        rows: list
            .into_iter()
            .map(|n| NotificationRow {
                at: t.date_time(UtcMillis(n.at)),
                text: n.text,
                href: n.report_id.map(|id| format!("/segnalazioni/{id}")),
                unread: !n.seen,
            })
            .collect(),
        page,
    })
}

pub async fn mark_read(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Form(form): Form<ReadForm>,
) -> Result<Response, PageError> {
    let who = super::reports::principal(&visitor)?;
    presidio_app::notifications::mark_read(&state, who, form.up_to).await?;
    Ok(Redirect::to("/notifiche").into_response())
}
