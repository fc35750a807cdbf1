//! Handovers in the pages: the section of the report page (send, the service's answers, the
//! thread), the list of handovers waiting, and the printable handover sheet.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use presidio_db::DbError;
use presidio_domain::time::UtcMillis;
use presidio_domain::validation::{Invalid, Problem};
use serde::Deserialize;

use super::reports::{after, principal};
use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use presidio_app::AppError;
use presidio_app::handovers::HandoverLine;

/// Sends the case to its municipality's social service.
pub async fn send(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let result = match presidio_app::handovers::send(&state, visitor.caller(), who, id).await {
        Ok(_) => Ok(()),
        Err(AppError::Invalid(invalid)) => Err(invalid),
        Err(e) => return Err(e.into()),
    };
    after(&state, &visitor, id, result).await
}

#[derive(Deserialize, Default)]
pub struct AnswerForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    version: i64,
}

/// The receiving service's answer, from the report page.
pub async fn answer(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((id, handover)): Path<(i64, i64)>,
    Form(form): Form<AnswerForm>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let result = match presidio_app::handovers::answer(
        &state,
        visitor.caller(),
        who,
        handover,
        Some(id),
        presidio_app::handovers::Answer {
            outcome: &form.outcome,
            reason: &form.reason,
            version: form.version,
        },
    )
    .await
    {
        Ok(_) => Ok(()),
        Err(AppError::Invalid(invalid)) => Err(invalid),
        Err(AppError::Db(DbError::Conflict)) => {
            Err(Invalid::one("outcome", Problem::BadTransition))
        }
        Err(e) => return Err(e.into()),
    };
    // Given back as not competent, the case is no longer theirs: back to the list.
    if result.is_ok() && presidio_app::cases::load(&state, who, id).await?.is_none() {
        return Ok(Redirect::to("/passaggi").into_response());
    }
    after(&state, &visitor, id, result).await
}

#[derive(Deserialize, Default)]
pub struct MessageForm {
    #[serde(default)]
    text: String,
}

/// A message in the case's thread, from either side.
pub async fn message(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(form): Form<MessageForm>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let result =
        match presidio_app::handovers::post_message(&state, visitor.caller(), who, id, &form.text)
            .await
        {
            Ok(_) => Ok(()),
            // The form calls the field `message`.
            Err(AppError::Invalid(mut invalid)) => {
                for e in &mut invalid.0 {
                    if e.field == "text" {
                        e.field = "message";
                    }
                }
                Err(invalid)
            }
            Err(e) => return Err(e.into()),
        };
    after(&state, &visitor, id, result).await
}

#[derive(Template, WebTemplate)]
#[template(path = "handovers.html")]
pub struct HandoversPage {
    page: Layout,
    lines: Vec<HandoverLine>,
}

/// The handovers waiting for an answer: a social service's own, or the Ambito's for the PIS.
pub async fn list(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<HandoversPage, PageError> {
    let who = principal(&visitor)?;
    let page = Layout::new(&visitor, "handover-list-title", "handovers");
    let now = state.clock.now();
    let lines = presidio_app::handovers::waiting(&state, who)
        .await?
        .iter()
        .map(|h| presidio_app::handovers::line(page.t, who, h, now))
        .collect();
    Ok(HandoversPage { page, lines })
}

#[derive(Template, WebTemplate)]
#[template(path = "status_link.html")]
pub struct StatusLinkPage {
    page: Layout,
    id: i64,
    url: String,
}

/// Makes a status link for the reporter and shows it once.
pub async fn make_status_link(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<StatusLinkPage, PageError> {
    let who = principal(&visitor)?;
    let (report, url) =
        presidio_app::handovers::new_status_link(&state, visitor.caller(), who, id).await?;
    let t = crate::i18n::catalogue().tr(crate::i18n::Locale::Italian);
    let page = Layout::titled(
        &visitor,
        t.t1("status-link-title", "code", &report.code),
        "home",
    );
    Ok(StatusLinkPage { page, id, url })
}

#[derive(Template, WebTemplate)]
#[template(path = "status_public.html")]
pub struct PublicStatusPage {
    page: Layout,
    /// The report's code, when the link is valid.
    code: String,
    received: String,
    stage: String,
}

/// What the reporter sees through the link: the code, when it arrived and where it stands.
pub async fn public_status(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(secret): Path<String>,
) -> Result<Response, PageError> {
    let page = Layout::new(&visitor, "status-public-title", "");
    let t = page.t;
    let found = presidio_app::handovers::public_status(&state, &secret).await?;
    let Some((code, received, status)) = found else {
        return Err(PageError::new(StatusCode::NOT_FOUND, "not_found"));
    };
    let where_now = presidio_domain::report::lifecycle::Status::parse(&status)
        .map(presidio_domain::report::lifecycle::Status::reporter_stage)
        .map_or_else(String::new, |s| {
            t.t(&format!("reporter-stage-{}", s.code()))
        });
    Ok(PublicStatusPage {
        page,
        code,
        received: t.date_time(UtcMillis(received)),
        stage: where_now,
    }
    .into_response())
}
