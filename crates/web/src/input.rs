//! Control characters (NUL and the like) are refused in every text a request carries: query
//! parameters, form fields and JSON strings, identically on both databases (PostgreSQL cannot
//! store NUL in text; SQLite would). Tab, new line and carriage return are text.
//!
//! Query strings and forms are checked here, before any handler; JSON bodies by
//! [`crate::api::json::ApiJson`] with the path of the field.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use presidio_domain::validation::{FieldError, Invalid, Problem};

pub use presidio_domain::validation::has_control;

/// The first field of `pairs` (URL-encoded) whose name or value holds a control character.
fn refused_field(encoded: &[u8]) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(encoded).ok()?;
    pairs
        .into_iter()
        .find(|(k, v)| has_control(k) || has_control(v))
        .map(|(k, _)| {
            if has_control(&k) {
                "body".to_owned()
            } else {
                k
            }
        })
}

/// Refuses a request whose query string or form body holds a control character: 422 naming
/// the field, and nothing reaches a handler.
pub async fn refuse_control_characters(request: Request, next: Next) -> Response {
    if let Some(field) = request
        .uri()
        .query()
        .and_then(|q| refused_field(q.as_bytes()))
    {
        return refusal(request.uri().path(), &field);
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, crate::BODY_LIMIT).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    if let Some(field) = refused_field(&bytes) {
        return refusal(parts.uri.path(), &field);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn refusal(path: &str, field: &str) -> Response {
    let invalid = Invalid(vec![FieldError {
        field: presidio_domain::validation::field_name(field),
        problem: Problem::ControlCharacter,
    }]);
    if is_api_path(path) {
        crate::error::ApiError::from(invalid).into_response()
    } else {
        crate::error::invalid_page(&invalid)
    }
}

/// Whether a path belongs to the machine-facing part of the server (the API and the probes).
pub(crate) fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/") || path == "/healthz" || path == "/readyz"
}
