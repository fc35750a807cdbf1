//! Errors as people and programs see them.
//!
//! Use [`ApiError`] in `/api` handlers: it renders `{"error": {"code", "message", "fields"}}` with
//! a stable `snake_case` `code` and Italian messages from the catalogue. HTML handlers use
//! [`PageError`], which renders an Italian error page. Storage errors convert into
//! both; causes are logged with the request id, never shown.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use presidio_app::AppError;
use presidio_db::DbError;
use presidio_domain::validation::Invalid;
use serde::Serialize;
use utoipa::ToSchema;

use askama::Template;
use askama_web::WebTemplate;
use presidio_i18n::{Locale, catalogue};

use crate::auth::Visitor;
use crate::views::layout::Layout;

/// An error answer of the JSON API.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub invalid: Option<Invalid>,
    pub current: Option<serde_json::Value>,
    /// The labels an endpoint gives some fields (field, message id) where the common label
    /// means something else (`hours` of a course: "Ore", not the weekly opening hours).
    pub labels: &'static [(&'static str, &'static str)],
}

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `not_found`, `invalid_input`, `conflict`, …
    #[schema(example = "invalid_input")]
    pub code: String,
    /// For people, in Italian.
    pub message: String,
    /// One message per refused field, keyed by the field's API name.
    pub fields: BTreeMap<String, String>,
    /// On a 409: the record as it is now, to compare with what was about to be saved.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub current: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str) -> Self {
        Self {
            status,
            code,
            invalid: None,
            current: None,
            labels: &[],
        }
    }

    /// The same error, its messages naming `labels`' fields by their own labels.
    #[must_use]
    pub fn labelled(mut self, labels: &'static [(&'static str, &'static str)]) -> Self {
        self.labels = labels;
        self
    }

    /// A 409 carrying the record as it is now.
    pub fn conflict_with(current: serde_json::Value) -> Self {
        Self {
            current: Some(current),
            ..Self::new(StatusCode::CONFLICT, "conflict")
        }
    }

    /// The error that stands for `status` when nothing more specific is known.
    pub fn from_status(status: StatusCode) -> Self {
        let code = match status {
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
            StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::UNPROCESSABLE_ENTITY => "invalid_input",
            StatusCode::CONFLICT => "conflict",
            StatusCode::UNAUTHORIZED => "unauthorized",
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::REQUEST_TIMEOUT => "timeout",
            StatusCode::SERVICE_UNAVAILABLE => "unavailable",
            s if s.is_server_error() => "internal",
            _ => "bad_request",
        };
        Self::new(status, code)
    }

    /// The codes of refused authentication, each with its message in the catalogue.
    pub const AUTH_CODES: [&'static str; 7] = [
        "unauthenticated",
        "token_invalid",
        "bad_credentials",
        "locked",
        "totp_required",
        "totp_invalid",
        "totp_enrolment_required",
    ];

    /// A 401: no credentials (`unauthenticated`), a token that is unknown, revoked or expired
    /// (`token_invalid`), a wrong username or password (`bad_credentials`), a lockout (`locked`).
    pub fn unauthenticated(code: &'static str) -> Self {
        debug_assert!(Self::AUTH_CODES.contains(&code));
        Self::new(StatusCode::UNAUTHORIZED, code)
    }

    pub fn body(&self) -> ErrorBody {
        let tr = catalogue().tr(Locale::Italian);
        let fields = self
            .invalid
            .iter()
            .flat_map(|invalid| &invalid.0)
            .map(|e| {
                let message = tr.field_error(e);
                let message = match self.labels.iter().find(|(f, _)| *f == e.field) {
                    Some((_, label)) => message.replacen(&tr.field_label(e.field), &tr.t(label), 1),
                    None => message,
                };
                (e.field.to_owned(), message)
            })
            .collect();
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: tr.t(&format!("error-{}", self.code)),
                fields,
                current: self.current.clone(),
            },
        }
    }
}

impl From<Invalid> for ApiError {
    fn from(invalid: Invalid) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid_input",
            invalid: Some(invalid),
            current: None,
            labels: &[],
        }
    }
}

impl From<DbError> for ApiError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::NotFound => Self::new(StatusCode::NOT_FOUND, "not_found"),
            DbError::Conflict => Self::new(StatusCode::CONFLICT, "conflict"),
            DbError::Invalid(invalid) => invalid.into(),
            DbError::Refused(constraint) => {
                tracing::warn!(%constraint, "write refused by a database constraint");
                Self::new(StatusCode::CONFLICT, "refused")
            }
            other => {
                tracing::error!(error = %other, "storage error");
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable")
            }
        }
    }
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::NotFound => Self::from_status(StatusCode::NOT_FOUND),
            AppError::Forbidden => Self::from_status(StatusCode::FORBIDDEN),
            AppError::Conflict(code) => Self::new(StatusCode::CONFLICT, code),
            AppError::Invalid(invalid) => invalid.into(),
            AppError::Db(e) => e.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"presidio\""),
            );
        }
        response
    }
}

/// An error page in Italian.
#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    page: Layout,
    message: String,
}

/// An error met while building a page.
#[derive(Debug)]
pub struct PageError {
    status: StatusCode,
    code: &'static str,
}

impl From<presidio_app::AppError> for PageError {
    fn from(err: presidio_app::AppError) -> Self {
        use presidio_app::AppError;
        match err {
            AppError::NotFound => Self::new(StatusCode::NOT_FOUND, "not_found"),
            AppError::Forbidden => Self::new(StatusCode::FORBIDDEN, "forbidden"),
            AppError::Conflict(code) => Self::new(StatusCode::CONFLICT, code),
            AppError::Invalid(invalid) => DbError::Invalid(invalid).into(),
            AppError::Db(e) => e.into(),
        }
    }
}

impl From<DbError> for PageError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::NotFound => Self {
                status: StatusCode::NOT_FOUND,
                code: "not_found",
            },
            DbError::Conflict => Self {
                status: StatusCode::CONFLICT,
                code: "conflict",
            },
            DbError::Invalid(_) => Self {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "invalid_input",
            },
            DbError::Refused(constraint) => {
                tracing::warn!(%constraint, "write refused by a database constraint");
                Self {
                    status: StatusCode::CONFLICT,
                    code: "refused",
                }
            }
            other => {
                tracing::error!(error = %other, "storage error while rendering a page");
                Self {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    code: "unavailable",
                }
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let t = catalogue().tr(Locale::Italian);
        let title = t.t_args(
            "error-page-title",
            &[(
                "status",
                crate::i18n::Arg::Num(i64::from(self.status.as_u16())),
            )],
        );
        let page = ErrorPage {
            page: Layout::titled(&Visitor::default(), title, "").neutral(),
            message: t.t(&format!("error-{}", self.code)),
        };
        (self.status, page).into_response()
    }
}

impl PageError {
    pub fn new(status: StatusCode, code: &'static str) -> Self {
        Self { status, code }
    }
}

/// A 422 page listing what was refused, each field named as on screen.
pub fn invalid_page(invalid: &presidio_domain::validation::Invalid) -> Response {
    let t = catalogue().tr(Locale::Italian);
    let title = t.t_args(
        "error-page-title",
        &[("status", crate::i18n::Arg::Num(422))],
    );
    let message = invalid
        .0
        .iter()
        .map(|e| t.field_error(e))
        .collect::<Vec<_>>()
        .join(" ");
    let page = ErrorPage {
        page: Layout::titled(&Visitor::default(), title, "").neutral(),
        message,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// The page for a form whose CSRF token is missing or wrong.
pub fn csrf_refused() -> Response {
    PageError::new(StatusCode::FORBIDDEN, "csrf").into_response()
}

/// The page for a signed-in user whose roles do not allow the page.
pub fn forbidden() -> Response {
    PageError::new(StatusCode::FORBIDDEN, "forbidden").into_response()
}

/// The page shown when the database does not answer.
pub fn unavailable() -> Response {
    PageError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable").into_response()
}

/// Any path nothing else answers.
pub async fn not_found() -> PageError {
    PageError {
        status: StatusCode::NOT_FOUND,
        code: "not_found",
    }
}

#[cfg(test)]
mod catalogue_tests {
    use super::ApiError;
    use crate::i18n::{I18n, Locale};

    #[test]
    fn every_error_code_has_a_message() {
        let i18n = I18n::load();
        let codes = [400, 401, 403, 404, 405, 408, 409, 413, 415, 422, 500, 503]
            .into_iter()
            .map(|s| ApiError::from_status(axum::http::StatusCode::from_u16(s).unwrap()).code)
            .chain(ApiError::AUTH_CODES.iter().copied());
        for code in codes {
            assert!(
                i18n.has(Locale::Italian, &format!("error-{code}")),
                "error-{code}"
            );
        }
    }
}
