//! The activity report on screen: the published table's rows and labels first, then more.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use presidio_db::DbError;
use presidio_domain::access::Permission;
use presidio_domain::audit::Action;
use presidio_domain::stats::activity::table;
use serde::Deserialize;

use super::reports::principal;
use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::forms::FormErrors;

#[derive(Template, WebTemplate)]
#[template(path = "stats.html")]
pub struct StatsPage {
    page: Layout,
    from: String,
    to: String,
    /// (label, value or empty for a heading, published row).
    rows: Vec<(String, String, bool)>,
    errors: FormErrors,
}

#[derive(Deserialize, Default)]
pub struct PeriodForm {
    #[serde(default)]
    dal: Option<String>,
    #[serde(default)]
    al: Option<String>,
}

/// From July 2023, when the service started, to today.
fn default_period() -> (String, String) {
    let today = presidio_db::now().in_rome().date();
    ("2023-07-01".into(), today.to_string())
}

pub async fn show(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(form): Query<PeriodForm>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let (default_from, default_to) = default_period();
    let from = form.dal.unwrap_or(default_from);
    let to = form.al.unwrap_or(default_to);
    let page = Layout::new(&visitor, "stats-title", "stats");
    let t = page.t;
    let ambiti = who.ambiti_with(Permission::ReadAggregates);
    let (rows, errors, status) = match crate::stats::activity(&state.db, &ambiti, &from, &to).await
    {
        Ok(a) => {
            let mut entry = visitor.entry(Action::Read);
            entry.record_type = "stats".into();
            entry.section = "activity".into();
            state.audit.append(entry).await?;
            let rows = table(&a)
                .into_iter()
                .map(|r| {
                    (
                        t.t(r.label),
                        r.value.map_or_else(String::new, |v| {
                            t.number(i64::try_from(v).unwrap_or(i64::MAX))
                        }),
                        r.published,
                    )
                })
                .collect();
            (rows, FormErrors::default(), StatusCode::OK)
        }
        Err(DbError::Invalid(invalid)) => (
            Vec::new(),
            FormErrors::from(&invalid),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => return Err(e.into()),
    };
    Ok((
        status,
        StatsPage {
            page,
            from,
            to,
            rows,
            errors,
        },
    )
        .into_response())
}
