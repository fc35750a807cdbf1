//! Security headers on every response, and request spans that carry no personal data.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Span;

/// Scripts and styles only from this server: no inline script, no other host.
/// `data:` images and fonts are the icons and the video font inside the UI kit's stylesheet.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds the security headers a response does not set itself; with an https public address,
/// `Strict-Transport-Security` too (browsers then never use plain http for it).
pub async fn headers(
    axum::extract::State(https): axum::extract::State<bool>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    if https {
        h.entry(header::STRICT_TRANSPORT_SECURITY)
            .or_insert(HeaderValue::from_static("max-age=31536000"));
    }
    let defaults = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            header::HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ),
        (
            header::HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ),
    ];
    for (name, value) in defaults {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    }
    response
}

/// The span of one request: method, path and request id; never the query string, which could
/// carry a name or a fiscal code (paths hold only codes and identifiers).
pub fn request_span(request: &Request) -> Span {
    let route = loggable_path(request.uri().path());
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", method = %request.method(), route, id)
}

/// The path as logs may show it: a secret carried in the path (a calendar feed's) is hidden.
pub fn loggable_path(path: &str) -> &str {
    if path.starts_with("/turni/ics/") {
        "/turni/ics/…"
    } else if path.starts_with("/stato/") {
        "/stato/…"
    } else {
        path
    }
}

/// The answer to a request whose handler panicked: 500 with the Italian error page (JSON under
/// `/api`, by `api::errors_as_json`). The log records the fault, not the request.
#[allow(clippy::needless_pass_by_value)]
pub fn panicked(fault: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = fault
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| fault.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(fault = %message, "a request handler failed");
    axum::response::IntoResponse::into_response(crate::error::PageError::new(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_in_paths_stay_out_of_the_logs() {
        assert_eq!(super::loggable_path("/turni/ics/abc123"), "/turni/ics/…");
        assert_eq!(super::loggable_path("/stato/abc123"), "/stato/…");
        assert_eq!(super::loggable_path("/segnalazioni/4"), "/segnalazioni/4");
    }
}
