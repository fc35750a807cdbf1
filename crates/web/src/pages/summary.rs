//! The morning summary page.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Query, State};
use serde::Deserialize;

use super::reports::principal;
use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use presidio_app::summary::Summary;

#[derive(Template, WebTemplate)]
#[template(path = "summary.html")]
pub struct SummaryPage {
    page: Layout,
    summary: Summary,
}

#[derive(Deserialize, Default)]
pub struct SummaryQuery {
    /// How many hours back (default 24; 72 after a weekend).
    #[serde(default)]
    ore: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(query): Query<SummaryQuery>,
) -> Result<SummaryPage, PageError> {
    let who = principal(&visitor)?;
    let hours = query
        .ore
        .as_deref()
        .and_then(|h| h.trim().parse::<i64>().ok())
        .unwrap_or(24);
    let summary = presidio_app::summary::build(&state, who, hours, state.clock.now()).await?;
    let page = Layout::new(&visitor, "summary-title", "summary");
    Ok(SummaryPage { page, summary })
}
