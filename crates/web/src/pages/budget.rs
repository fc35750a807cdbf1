//! The budget of the Ambito for the coordinator: amount and period, spending from the
//! activations, and the forecast to the end of the period.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use presidio_domain::reference::AmbitoId;
use serde::Deserialize;

use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::forms::FormErrors;

#[derive(Template, WebTemplate)]
#[template(path = "budget.html")]
pub struct BudgetPage {
    page: Layout,
    /// (label, value) lines; empty when no budget is set.
    lines: Vec<(String, String)>,
    /// The forecast goes beyond the budget.
    over: bool,
    form: BudgetForm,
    errors: FormErrors,
    done: bool,
}

#[derive(Deserialize, Default, Clone)]
pub struct BudgetForm {
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    fatto: String,
}

fn ambito(visitor: &Visitor) -> Result<AmbitoId, PageError> {
    Ok(presidio_app::budget::ambito_of(super::reports::principal(
        visitor,
    )?)?)
}

async fn budget_page(
    state: &AppState,
    visitor: &Visitor,
    form: Option<BudgetForm>,
    errors: FormErrors,
    done: bool,
) -> Result<BudgetPage, PageError> {
    let ambito = ambito(visitor)?;
    let page = Layout::new(visitor, "budget-title", "resources");
    let t = page.t;
    let summary = presidio_app::budget::summary(state, ambito).await?;
    let mut lines = Vec::new();
    let mut over = false;
    if let Some(s) = &summary {
        let b = s.budget;
        lines = vec![
            (
                t.t("budget-period"),
                format!("{} – {}", t.date(b.from), t.date(b.to)),
            ),
            (t.t("budget-amount"), t.euro(b.amount_cents)),
            (t.t("budget-spent"), t.euro(s.spent_cents)),
            (t.t("budget-left"), t.euro(b.amount_cents - s.spent_cents)),
            (t.t("budget-forecast"), t.euro(s.forecast_cents)),
        ];
        over = s.forecast_cents > b.amount_cents;
    }
    let form = form.unwrap_or_else(|| match &summary {
        Some(s) => BudgetForm {
            amount: t
                .euro(s.budget.amount_cents)
                .replace(" €", "")
                .replace('\u{a0}', ""),
            from: s.budget.from.to_string(),
            to: s.budget.to.to_string(),
        },
        None => BudgetForm::default(),
    });
    Ok(BudgetPage {
        page,
        lines,
        over,
        form,
        errors,
        done,
    })
}

pub async fn show(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<DoneQuery>,
) -> Result<BudgetPage, PageError> {
    budget_page(
        &state,
        &visitor,
        None,
        FormErrors::default(),
        q.fatto == "salvato",
    )
    .await
}

pub async fn save(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Form(form): Form<BudgetForm>,
) -> Result<Response, PageError> {
    let who = super::reports::principal(&visitor)?;
    presidio_app::budget::ambito_of(who)?;
    match presidio_domain::resources::budget::validate(
        &form.amount,
        &form.from,
        &form.to,
        state.clock.now().in_rome().date(),
    ) {
        Ok(budget) => {
            presidio_app::budget::set(&state, visitor.caller(), who, &budget).await?;
            Ok(Redirect::to("/bilancio?fatto=salvato").into_response())
        }
        Err(invalid) => {
            let errors = FormErrors::from(&invalid);
            let page = budget_page(&state, &visitor, Some(form), errors, false).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
