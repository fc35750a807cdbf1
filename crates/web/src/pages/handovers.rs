//! Handovers in the pages: the section of the report page (send, the service's answers, the
//! thread), the list of handovers waiting, and the printable handover sheet.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use presidio_db::DbError;
use presidio_domain::access::CaseAccess;
use presidio_domain::audit::Action;
use presidio_domain::time::UtcMillis;
use presidio_domain::validation::{Invalid, Problem, required_text};
use serde::Deserialize;

use super::reports::{after, for_write, principal};
use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use presidio_app::handovers::HandoverLine;

/// Sends the case to its municipality's social service.
pub async fn send(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let report = for_write(&state, who, id).await?;
    let result =
        match presidio_app::handovers::send(&state, &report, &visitor.entry(Action::Write)).await {
            Ok(_) => Ok(()),
            Err(DbError::Invalid(invalid)) => Err(invalid),
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
    let h = state.db.handover(handover).await?;
    if h.report_id != id {
        return Err(PageError::new(StatusCode::NOT_FOUND, "not_found"));
    }
    let entry = visitor.entry(Action::Write);
    let result = match presidio_app::handovers::answer(
        &state,
        who,
        &h,
        &form.outcome,
        &form.reason,
        form.version,
        &entry,
    )
    .await
    {
        Ok(_) => Ok(()),
        Err(DbError::Invalid(invalid)) => Err(invalid),
        Err(DbError::Conflict) => Err(Invalid::one("outcome", Problem::BadTransition)),
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
    let Some((report, CaseAccess::Full)) = presidio_app::cases::load(&state, who, id).await? else {
        return Err(PageError::new(StatusCode::NOT_FOUND, "not_found"));
    };
    let mut errors = Invalid::default();
    let text = required_text(&mut errors, "message", &form.text, 4000);
    let result = if errors.is_empty() {
        state
            .db
            .add_case_message(id, &text, &visitor.entry(Action::Write))
            .await?;
        state.changed(report.ambito, id);
        Ok(())
    } else {
        Err(errors)
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
    let report = for_write(&state, who, id).await?;
    let url =
        presidio_app::handovers::new_status_link(&state, id, &visitor.entry(Action::Write)).await?;
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
    let found = if secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        state
            .db
            .status_by_link(&crate::auth::secret::stored(&secret))
            .await?
    } else {
        None
    };
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
