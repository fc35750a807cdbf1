//! The first run: a one-time link, printed by the server on an empty database, opens this page
//! to create the first administrator. There is no default password.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use presidio_db::{SetupError, UserToCreate};
use presidio_domain::account::NewUserInput;
use presidio_domain::audit::Action;
use presidio_domain::validation::{Invalid, Problem};
use serde::Deserialize;

use super::{Layout, PageError};
use crate::AppState;
use crate::auth::{self, SESSION_COOKIE, Visitor, password, secret};
use crate::forms::FormErrors;

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
    let valid = state
        .db
        .setup_token_valid(&secret::stored(&q.codice))
        .await?;
    let ambito = state.db.list_ambiti().await?.into_iter().next();
    let page = SetupPage {
        page: Layout::new(&visitor, "setup-title", ""),
        valid,
        code: q.codice,
        form: SetupForm {
            organisation: ambito.map(|a| a.name).unwrap_or_default(),
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
    let token_hash = secret::stored(&form.codice);
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
    if !state.db.setup_token_valid(&token_hash).await? {
        return show(false, Invalid::default(), StatusCode::NOT_FOUND);
    }
    let input = NewUserInput {
        username: form.username.clone(),
        name: form.name.clone(),
        role: "admin".into(),
        password: form.password.clone(),
    };
    let mut errors = Invalid::default();
    let organisation = form.organisation.trim().to_owned();
    if organisation.is_empty() {
        errors.push("organisation", Problem::Required);
    }
    let user = input.validate();
    if let Err(e) = &user {
        errors.0.extend(e.0.iter().cloned());
    }
    if form.password != form.password_confirm {
        errors.push("password_confirm", Problem::PasswordMismatch);
    }
    let (Ok(user), true) = (user, errors.is_empty()) else {
        return show(true, errors, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let Some(ambito) = state.db.list_ambiti().await?.into_iter().next() else {
        return Err(PageError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
        ));
    };
    let hash = password::hash(form.password.clone()).await;
    let entry = visitor.entry(Action::SetupCompleted);
    let created = state
        .db
        .complete_setup(
            &token_hash,
            &organisation,
            &UserToCreate {
                user: &user,
                organisation: presidio_db::OrganisationChoice::Named {
                    name: &organisation,
                    kind: presidio_domain::account::OrganisationKind::EnteGestore,
                },
                ambito: ambito.id,
                municipalities: &[],
                password_hash: &hash,
            },
            &entry,
        )
        .await;
    let id = match created {
        Ok(id) => id,
        Err(SetupError::Invalid) => return show(false, Invalid::default(), StatusCode::NOT_FOUND),
        Err(SetupError::Db(e)) => return Err(e.into()),
    };
    let Some(principal) = state.db.principal(id).await? else {
        return Err(PageError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
        ));
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
