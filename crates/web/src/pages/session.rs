//! Signing in and out: the login page, logout, "log out everywhere" and the user's own profile.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use presidio_domain::audit::Action;
use serde::Deserialize;

use super::{Layout, PageError, safe_next};
use crate::AppState;
use crate::auth::login::{self, Refusal};
use crate::auth::{self, SESSION_COOKIE, Via, Visitor};
use crate::i18n::Arg;

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    page: Layout,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login_form(
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<NextQuery>,
) -> Response {
    if visitor.auth.is_some() {
        return Redirect::to(&safe_next(&q.next)).into_response();
    }
    LoginPage {
        page: Layout::new(&visitor, "login-title", ""),
        next: safe_next(&q.next),
        username: String::new(),
        error: None,
    }
    .into_response()
}

pub async fn login(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let next = safe_next(&form.next);
    let refused = |status, message: String| {
        let page = LoginPage {
            page: Layout::new(&visitor, "login-title", ""),
            next: next.clone(),
            username: form.username.trim().chars().take(64).collect(),
            error: Some(message),
        };
        Ok((status, page).into_response())
    };
    let t = crate::i18n::catalogue().tr(crate::i18n::Locale::Italian);
    let principal = match login::check(&state, &visitor, &form.username, &form.password).await {
        Ok(p) => p,
        Err(Refusal::BadCredentials) => {
            return refused(
                axum::http::StatusCode::UNAUTHORIZED,
                t.t("error-bad_credentials"),
            );
        }
        Err(Refusal::Locked(until)) => {
            return refused(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                t.t_args("login-locked", &[("time", Arg::Str(&t.date_time(until)))]),
            );
        }
        Err(Refusal::Unavailable) => {
            return Err(PageError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
            ));
        }
    };
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let secret = auth::start_session(&state, &visitor, &principal, ua).await?;
    let mut response = Redirect::to(&next).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(&state, SESSION_COOKIE, Some(&secret)),
    );
    Ok(response)
}

/// Ends this session.
pub async fn logout(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Response, PageError> {
    if let Some(Via::Session { id_hash, .. }) = visitor.auth.as_ref().map(|a| &a.via) {
        let entry = visitor.entry(Action::Logout);
        state.db.end_session(id_hash, &entry).await?;
    }
    let mut response = Redirect::to("/accesso?uscito=1").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(&state, SESSION_COOKIE, None),
    );
    Ok(response)
}

#[derive(Template, WebTemplate)]
#[template(path = "profile.html")]
pub struct ProfilePage {
    page: Layout,
    username: String,
    organisation: String,
    roles: Vec<String>,
    sessions: String,
}

pub async fn profile(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<ProfilePage, PageError> {
    let page = Layout::new(&visitor, "profile-title", "");
    let t = page.t;
    let Some(p) = visitor.principal() else {
        return Err(PageError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "unauthorized",
        ));
    };
    let count = state.db.session_count(p.user_id).await?;
    Ok(ProfilePage {
        username: p.username.clone(),
        organisation: p.organisation.clone(),
        roles: p
            .roles()
            .iter()
            .map(|r| t.t(&format!("role-{}", r.code())))
            .collect(),
        sessions: t.t_args("profile-sessions", &[("count", Arg::Num(count))]),
        page,
    })
}

/// Ends every session of the user, on every device, and the API tokens they obtained by login.
pub async fn logout_everywhere(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Response, PageError> {
    if let Some(p) = visitor.principal() {
        let entry = visitor
            .entry(Action::LogoutEverywhere)
            .record("user", p.user_id);
        state.db.end_sessions_of(p.user_id, &entry).await?;
    }
    let mut response = Redirect::to("/accesso?uscito=1").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(&state, SESSION_COOKIE, None),
    );
    Ok(response)
}
