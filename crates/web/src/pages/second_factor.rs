//! The second factor in the browser: the page that asks for the one-time code after the
//! password, and the page that sets the second factor up (voluntarily, or because the user's
//! role requires it).

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use presidio_domain::second_factor as sf;
use serde::Deserialize;

use super::{Layout, PageError, safe_next};
use crate::AppState;
use crate::auth::login::{self, Code, Refusal};
use crate::auth::{Stage, Visitor};
use crate::forms::FormErrors;
use crate::i18n::Arg;
use presidio_app::AppError;

#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "second_factor_code.html")]
pub struct CodePage {
    page: Layout,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

/// The session waiting for the second factor, and what it waits for.
fn waiting(visitor: &Visitor) -> Option<(&crate::auth::Auth, Stage)> {
    visitor.pending.as_ref().map(|(auth, due)| (auth, *due))
}

pub async fn code_form(
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<NextQuery>,
) -> Response {
    match waiting(&visitor) {
        Some((_, Stage::Totp)) => CodePage {
            page: Layout::new(&visitor, "code-title", ""),
            next: safe_next(&q.next),
            error: None,
        }
        .into_response(),
        Some((_, due)) => Redirect::to(due.page()).into_response(),
        None => Redirect::to("/").into_response(),
    }
}

pub async fn code_submit(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Form(form): Form<CodeForm>,
) -> Result<Response, PageError> {
    let Some((auth, due)) = waiting(&visitor) else {
        return Ok(Redirect::to("/").into_response());
    };
    if due != Stage::Totp {
        return Ok(Redirect::to(due.page()).into_response());
    }
    let next = safe_next(&form.next);
    let principal = auth.principal.as_ref();
    let t = crate::i18n::catalogue().tr(crate::i18n::Locale::Italian);
    let refused = |status: StatusCode, message: String| {
        let page = CodePage {
            page: Layout::new(&visitor, "code-title", ""),
            next: next.clone(),
            error: Some(message),
        };
        Ok((status, page).into_response())
    };
    let session = visitor.session_id().unwrap_or_default();
    match login::complete_with_code(&state, visitor.caller(), principal, session, &form.code)
        .await?
    {
        Code::Accepted => Ok(Redirect::to(&next).into_response()),
        Code::NotEnrolled => Ok(Redirect::to("/accesso").into_response()),
        Code::Refused(Refusal::BadCredentials) => {
            refused(StatusCode::UNAUTHORIZED, t.t("code-wrong"))
        }
        Code::Refused(Refusal::Locked(until)) => refused(
            StatusCode::TOO_MANY_REQUESTS,
            t.t_args("login-locked", &[("time", Arg::Str(&t.date_time(until)))]),
        ),
        Code::Refused(Refusal::Unavailable) => Err(PageError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
        )),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "second_factor_enrol.html")]
pub struct EnrolPage {
    page: Layout,
    /// Already enrolled: how many recovery codes are left.
    enrolled: Option<String>,
    /// The role requires it and the user has not set it up yet.
    required: bool,
    secret: String,
    secret_spaced: String,
    qr_svg: String,
    next: String,
    errors: FormErrors,
    /// Shown once, right after enrolment.
    recovery: Vec<String>,
}

#[derive(Deserialize)]
pub struct EnrolForm {
    #[serde(default)]
    secret: String,
    #[serde(default)]
    totp_code: String,
    #[serde(default)]
    next: String,
}

fn qr_svg(uri: &str) -> String {
    qrcode::QrCode::new(uri.as_bytes())
        .map(|code| {
            let svg = code
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(200, 200)
                .build();
            svg.find("<svg")
                .map_or(svg.clone(), |at| svg[at..].to_owned())
        })
        .unwrap_or_default()
}

fn enrol_page(visitor: &Visitor, secret: &[u8], next: String, errors: FormErrors) -> EnrolPage {
    let username = visitor
        .actor()
        .map(|p| p.username.clone())
        .unwrap_or_default();
    let b32 = sf::to_base32(secret);
    let spaced = b32
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    EnrolPage {
        page: Layout::new(visitor, "enrol-title", ""),
        enrolled: None,
        required: matches!(visitor.pending, Some((_, Stage::Enrol))),
        qr_svg: qr_svg(&sf::otpauth_uri("Presidio", &username, secret)),
        secret: b32,
        secret_spaced: spaced,
        next,
        errors,
        recovery: Vec::new(),
    }
}

pub async fn enrol_form(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<NextQuery>,
) -> Result<Response, PageError> {
    if let Some((_, Stage::Totp)) = visitor.pending {
        return Ok(Redirect::to(Stage::Totp.page()).into_response());
    }
    let Some(user) = visitor.actor() else {
        return Ok(Redirect::to("/accesso").into_response());
    };
    if login::second_factor(&state, user).await?.is_some() {
        let left = login::recovery_codes_left(&state, user).await?;
        let mut page = enrol_page(&visitor, &[], String::new(), FormErrors::default());
        page.enrolled = Some(
            page.page
                .t
                .t_args("enrol-active", &[("count", Arg::Num(left))]),
        );
        return Ok(page.into_response());
    }
    let mut raw = [0u8; sf::SECRET_BYTES];
    getrandom::fill(&mut raw).expect("the operating system provides random bytes");
    Ok(enrol_page(&visitor, &raw, safe_next(&q.next), FormErrors::default()).into_response())
}

pub async fn enrol_submit(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Form(form): Form<EnrolForm>,
) -> Result<Response, PageError> {
    if let Some((_, Stage::Totp)) = visitor.pending {
        return Ok(Redirect::to(Stage::Totp.page()).into_response());
    }
    let Some(user) = visitor.actor().cloned() else {
        return Ok(Redirect::to("/accesso").into_response());
    };
    let next = safe_next(&form.next);
    let secret = sf::from_base32(form.secret.trim()).filter(|s| s.len() == sf::SECRET_BYTES);
    let Some(secret) = secret else {
        return Err(PageError::new(StatusCode::BAD_REQUEST, "bad_request"));
    };
    let pending = matches!(visitor.pending, Some((_, Stage::Enrol)));
    let codes = match login::enrol(
        &state,
        visitor.caller(),
        &user,
        &secret,
        &form.totp_code,
        visitor.session_id().filter(|_| pending),
    )
    .await
    {
        Ok(codes) => codes,
        Err(AppError::Conflict(_)) => {
            return Ok(Redirect::to("/profilo/due-fattori").into_response());
        }
        Err(AppError::Invalid(errors)) => {
            let page = enrol_page(&visitor, &secret, next, FormErrors::from(&errors));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let mut page = enrol_page(&visitor, &[], next, FormErrors::default());
    page.required = false;
    page.recovery = codes;
    Ok(page.into_response())
}
