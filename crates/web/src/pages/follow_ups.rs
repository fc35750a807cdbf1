//! The outcome requests of a social service (`/esiti`): what became of the person some days
//! after the case was taken in charge, answered on the list; the PIS staff follow them.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use presidio_app::AppError;
use presidio_domain::follow_up::AnswerInput;

use super::reports::principal;
use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::forms::Choice;
use crate::views::conferences::{FollowUpLine, follow_up_line, outcome_choices};

#[derive(Template, WebTemplate)]
#[template(path = "follow_ups.html")]
pub struct FollowUpsPage {
    page: Layout,
    pending: Vec<FollowUpLine>,
    answered: Vec<FollowUpLine>,
    outcomes: Vec<Choice>,
}

async fn page(state: &AppState, visitor: &Visitor) -> Result<FollowUpsPage, PageError> {
    let who = principal(visitor)?;
    let page = Layout::new(visitor, "follow-ups-title", "follow-ups");
    let t = page.t;
    let (pending, answered) = presidio_app::follow_ups::list(state, visitor.caller(), who, false)
        .await?
        .iter()
        .map(|f| follow_up_line(t, f, presidio_app::follow_ups::answers_for(who, f)))
        .partition(|l| l.answer.is_empty());
    Ok(FollowUpsPage {
        outcomes: outcome_choices(t),
        page,
        pending,
        answered,
    })
}

/// The requests asked so far: those to answer first, then those answered.
pub async fn list(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<FollowUpsPage, PageError> {
    page(&state, &visitor).await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct AnswerForm {
    outcome: String,
    rating: String,
    note: String,
}

/// Answers a request; then back to the list (refused: the list again, the error on its line).
pub async fn answer(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(form): Form<AnswerForm>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let rating = form.rating.trim();
    let input = AnswerInput {
        outcome: form.outcome,
        // Not a number from the list: out of range, said on the field.
        rating: (!rating.is_empty()).then(|| rating.parse().unwrap_or(0)),
        note: form.note,
    };
    match presidio_app::follow_ups::answer(&state, visitor.caller(), who, id, &input).await {
        Ok(()) => Ok(Redirect::to("/esiti").into_response()),
        Err(AppError::Invalid(invalid)) => {
            let mut page = page(&state, &visitor).await?;
            let errors = crate::forms::FormErrors::from(&invalid);
            for line in &mut page.pending {
                if line.id == id {
                    line.error = errors
                        .all
                        .iter()
                        .map(|(_, m)| m.clone())
                        .collect::<Vec<_>>()
                        .join(" ");
                }
            }
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
