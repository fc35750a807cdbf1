//! Signing in and out: the login page, logout, "log out everywhere" and the user's own profile.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Layout, PageError, safe_next};
use crate::AppState;
use crate::auth::login::{self, Refusal};
use crate::auth::{self, SESSION_COOKIE, Stage, Visitor};
use crate::forms::FormErrors;
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
    let checked = match login::check(&state, visitor.caller(), &form.username, &form.password).await
    {
        Ok(c) => c,
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
    let next_stage = Stage::from(&checked);
    let secret = auth::start_session(&state, &visitor, &checked.principal, ua, next_stage).await?;
    let target = if next_stage == Stage::Full {
        next
    } else {
        format!(
            "{}?next={}",
            next_stage.page(),
            super::encode_component(&next)
        )
    };
    let mut response = Redirect::to(&target).into_response();
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
    if let Some(id_hash) = visitor.session_id() {
        presidio_app::profile::sign_out(&state, visitor.caller(), id_hash).await?;
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
    second_factor: String,
    alert_email: String,
    mobile: String,
    sms: bool,
    /// (id, name, since) of each device subscribed to push.
    devices: Vec<(i64, String, String)>,
    push_key: String,
    /// (kind code, label, e-mail, push, SMS) of each kind of message the user chooses for.
    channels: Vec<(&'static str, String, bool, bool, bool)>,
    errors: FormErrors,
    changed: bool,
}

async fn profile_page(
    state: &AppState,
    visitor: &Visitor,
    errors: FormErrors,
    changed: bool,
) -> Result<ProfilePage, PageError> {
    let page = Layout::new(visitor, "profile-title", "");
    let t = page.t;
    let Some(p) = visitor.principal() else {
        return Err(PageError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "unauthorized",
        ));
    };
    let profile = presidio_app::profile::profile(state, p).await?;
    let (count, enrolled) = (profile.sessions, profile.second_factor);
    Ok(ProfilePage {
        alert_email: profile.alert_email,
        mobile: profile.mobile,
        sms: profile.sms,
        devices: profile
            .devices
            .iter()
            .map(|d| {
                let since = t.date_time(presidio_domain::time::UtcMillis(d.created_at));
                (d.id, d.label.clone(), since)
            })
            .collect(),
        push_key: profile.push_key,
        channels: profile
            .channels
            .iter()
            .map(|c| {
                let label = t.t(&format!("message-kind-{}", c.kind.code()));
                (c.kind.code(), label, c.email, c.push, c.sms)
            })
            .collect(),
        username: p.username.clone(),
        organisation: p.organisation.clone(),
        roles: p
            .roles()
            .iter()
            .map(|r| t.t(&format!("role-{}", r.code())))
            .collect(),
        sessions: t.t_args("profile-sessions", &[("count", Arg::Num(count))]),
        second_factor: t.t(if enrolled {
            "profile-2fa-on"
        } else {
            "profile-2fa-off"
        }),
        page,
        errors,
        changed,
    })
}

pub async fn profile(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<ProfilePage, PageError> {
    profile_page(&state, &visitor, FormErrors::default(), false).await
}

#[derive(Deserialize)]
pub struct AlertEmailForm {
    #[serde(default)]
    alert_email: String,
}

/// Sets (or clears) one's own address for alerts and alarms.
pub async fn set_alert_email(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Form(form): Form<AlertEmailForm>,
) -> Result<Response, PageError> {
    let Some(p) = visitor.principal().cloned() else {
        return Ok(Redirect::to("/accesso").into_response());
    };
    match presidio_app::profile::set_alert_email(&state, visitor.caller(), &p, &form.alert_email)
        .await
    {
        Ok(()) => Ok(Redirect::to("/profilo#avvisi").into_response()),
        Err(presidio_app::AppError::Invalid(invalid)) => {
            let page = profile_page(&state, &visitor, FormErrors::from(&invalid), false).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct MobileForm {
    #[serde(default)]
    mobile: String,
}

/// Sets (or clears) one's own mobile number for SMS alerts.
pub async fn set_mobile(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Form(form): Form<MobileForm>,
) -> Result<Response, PageError> {
    let Some(p) = visitor.principal().cloned() else {
        return Ok(Redirect::to("/accesso").into_response());
    };
    match presidio_app::profile::set_mobile(&state, visitor.caller(), &p, &form.mobile).await {
        Ok(()) => Ok(Redirect::to("/profilo#sms").into_response()),
        Err(presidio_app::AppError::Invalid(invalid)) => {
            let page = profile_page(&state, &visitor, FormErrors::from(&invalid), false).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The channels chosen on the profile: `<kind>-<channel>` checked (`team-email=on`, …).
#[derive(Deserialize)]
pub struct ChannelsForm {
    #[serde(flatten)]
    checked: std::collections::HashMap<String, String>,
}

/// Sets the channels of every kind of message the form lists; unchecked means not taken.
pub async fn set_channels(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Form(form): Form<ChannelsForm>,
) -> Result<Response, PageError> {
    let Some(p) = visitor.principal().cloned() else {
        return Ok(Redirect::to("/accesso").into_response());
    };
    let on = |kind: &str, channel: &str| form.checked.contains_key(&format!("{kind}-{channel}"));
    let given: Vec<presidio_app::profile::ChannelInput<'_>> = presidio_domain::outbox::Kind::CHOSEN
        .iter()
        .map(|k| presidio_app::profile::ChannelInput {
            kind: k.code(),
            email: on(k.code(), "email"),
            push: on(k.code(), "push"),
            sms: on(k.code(), "sms"),
        })
        .collect();
    presidio_app::profile::set_channels(&state, visitor.caller(), &p, &given).await?;
    Ok(Redirect::to("/profilo#canali").into_response())
}

/// A device's push subscription, as the profile's script sends it (JSON, with the page's token).
#[derive(Deserialize)]
pub struct DeviceForm {
    #[serde(default)]
    endpoint: String,
    #[serde(default)]
    p256dh: String,
    #[serde(default)]
    auth: String,
    #[serde(default)]
    label: String,
}

/// Subscribes this device to push: 201, or 422 naming the field (JSON).
pub async fn add_device(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    axum::Json(form): axum::Json<DeviceForm>,
) -> Result<Response, crate::error::ApiError> {
    let p = visitor
        .principal()
        .ok_or_else(|| crate::error::ApiError::from_status(axum::http::StatusCode::UNAUTHORIZED))?;
    let input = presidio_app::push::SubscriptionInput {
        endpoint: &form.endpoint,
        p256dh: &form.p256dh,
        auth: &form.auth,
        label: &form.label,
    };
    presidio_app::push::subscribe(&state, visitor.caller(), p, input)
        .await
        .map_err(|e| {
            crate::error::ApiError::from(e).labelled(&[("label", "profile-push-label")])
        })?;
    Ok(axum::http::StatusCode::CREATED.into_response())
}

/// Unsubscribes one of one's devices.
pub async fn remove_device(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> Result<Response, PageError> {
    let Some(p) = visitor.principal().cloned() else {
        return Ok(Redirect::to("/accesso").into_response());
    };
    presidio_app::push::unsubscribe(&state, visitor.caller(), &p, id).await?;
    Ok(Redirect::to("/profilo#push").into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

/// Changes one's own password: the current one is asked again; other sessions end.
pub async fn change_password(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let Some(p) = visitor.principal().cloned() else {
        return Ok(Redirect::to("/accesso").into_response());
    };
    let change = presidio_app::profile::PasswordChange {
        current: form.current_password,
        new: form.password,
        confirm: form.password_confirm,
    };
    match presidio_app::profile::change_password(
        &state,
        visitor.caller(),
        &p,
        change,
        visitor.session_id(),
    )
    .await
    {
        Ok(()) => {}
        Err(presidio_app::AppError::Invalid(errors)) => {
            let page = profile_page(&state, &visitor, FormErrors::from(&errors), false).await?;
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(e) => return Err(e.into()),
    }
    Ok(profile_page(&state, &visitor, FormErrors::default(), true)
        .await?
        .into_response())
}

/// Ends every session of the user, on every device, and the API tokens they obtained by login.
pub async fn logout_everywhere(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Response, PageError> {
    if let Some(p) = visitor.principal() {
        presidio_app::profile::sign_out_everywhere(&state, visitor.caller(), p).await?;
    }
    let mut response = Redirect::to("/accesso?uscito=1").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(&state, SESSION_COOKIE, None),
    );
    Ok(response)
}
