//! The first run: a one-time link, printed by the server on an empty database, opens this page
//! to create the first administrator. There is no default password.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use presidio_domain::validation::Invalid;
use serde::Deserialize;

use super::{Layout, PageError};
use crate::AppState;
use crate::auth::{self, SESSION_COOKIE, Visitor};
use crate::forms::FormErrors;
use presidio_app::setup::Setup;

#[derive(Template, WebTemplate)]
#[template(path = "setup.html")]
pub struct SetupPage {
    page: Layout,
    valid: bool,
    code: String,
    form: SetupForm,
    errors: FormErrors,
}

#[derive(Deserialize, Default)]
pub struct CodeQuery {
    #[serde(default)]
    codice: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct SetupForm {
    #[serde(default)]
    pub codice: String,
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirm: String,
}

pub async fn form(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<CodeQuery>,
) -> Result<Response, PageError> {
    let (valid, ambito) = presidio_app::setup::link(&state, &q.codice).await?;
    let page = SetupPage {
        page: Layout::new(&visitor, "setup-title", ""),
        valid,
        code: q.codice,
        form: SetupForm {
            organisation: ambito.unwrap_or_default(),
            ..SetupForm::default()
        },
        errors: FormErrors::default(),
    };
    let status = if valid {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    Ok((status, page).into_response())
}

pub async fn submit(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> Result<Response, PageError> {
    let show = |valid: bool, errors: Invalid, status: StatusCode| {
        let mut form = form.clone();
        form.password.clear();
        form.password_confirm.clear();
        let page = SetupPage {
            page: Layout::new(&visitor, "setup-title", ""),
            valid,
            code: form.codice.clone(),
            form,
            errors: FormErrors::from(&errors),
        };
        Ok((status, page).into_response())
    };
    let input = presidio_app::setup::FirstAdmin {
        organisation: form.organisation.clone(),
        username: form.username.clone(),
        name: form.name.clone(),
        password: form.password.clone(),
        password_confirm: form.password_confirm.clone(),
    };
    let principal =
        match presidio_app::setup::complete(&state, visitor.caller(), &form.codice, &input).await {
            Ok(Setup::Done(principal)) => principal,
            Ok(Setup::LinkInvalid) => {
                return show(false, Invalid::default(), StatusCode::NOT_FOUND);
            }
            Ok(Setup::Unavailable) => {
                return Err(PageError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                ));
            }
            Err(presidio_app::AppError::Invalid(errors)) => {
                return show(true, errors, StatusCode::UNPROCESSABLE_ENTITY);
            }
            Err(e) => return Err(e.into()),
        };
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let secret = auth::start_session(&state, &visitor, &principal, ua, auth::Stage::Full).await?;
    let mut response = Redirect::to("/amministrazione/utenti").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(&state, SESSION_COOKIE, Some(&secret)),
    );
    Ok(response)
}
