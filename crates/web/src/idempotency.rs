//! The `Idempotency-Key` of a request that creates something (API and field app alike): the
//! first answer is kept for 24 hours, per user and key, and a copy of the request sent again
//! gets it (marked `Idempotent-Replayed: true`) without running again; a copy sent while the
//! first still runs gets 409; a key used for another action, or with another body, is refused
//! on the header.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use presidio_app::idempotency::valid_key;
use presidio_db::{Claim, StoredAnswer};
use presidio_domain::validation::{Invalid, Problem};

use crate::AppState;
use crate::auth::Visitor;
use crate::error::ApiError;

/// The header's name.
pub const HEADER: &str = "idempotency-key";

/// The largest answer kept (the answers of creating requests are small).
const ANSWER_LIMIT: usize = 1 << 20;

/// Runs a `POST` that carries an `Idempotency-Key` once per user and key.
pub async fn once(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(raw) = request.headers().get(HEADER) else {
        return next.run(request).await;
    };
    let Some(key) = raw
        .to_str()
        .ok()
        .filter(|k| valid_key(k))
        .map(str::to_owned)
    else {
        return ApiError::from(Invalid::one("idempotency_key", Problem::InvalidCode))
            .into_response();
    };
    let Some(user) = request
        .extensions()
        .get::<Visitor>()
        .and_then(Visitor::principal)
        .map(|p| p.user_id)
    else {
        return next.run(request).await;
    };
    // The action and its content: the same key with another body is another request.
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, crate::body_limit(parts.uri.path())).await else {
        return ApiError::from_status(StatusCode::PAYLOAD_TOO_LARGE).into_response();
    };
    let route = format!(
        "POST {} {}",
        parts.uri.path(),
        presidio_domain::audit::sha256_hex(&bytes)
    );
    let request = Request::from_parts(parts, Body::from(bytes));
    let now = state.clock.now();
    match presidio_app::idempotency::claim(&state, user, &key, &route, now).await {
        Err(err) => ApiError::from(err).into_response(),
        Ok(Claim::Done(answer)) => replayed(answer),
        Ok(Claim::Busy) => ApiError::new(StatusCode::CONFLICT, "idempotency_busy").into_response(),
        Ok(Claim::Other) => {
            ApiError::from(Invalid::one("idempotency_key", Problem::Duplicate)).into_response()
        }
        Ok(Claim::New) => {
            let response = next.run(request).await;
            let (parts, body) = response.into_parts();
            let Ok(bytes) = axum::body::to_bytes(body, ANSWER_LIMIT).await else {
                let _ =
                    presidio_app::idempotency::answer(&state, user, &key, &server_error()).await;
                return ApiError::from_status(StatusCode::INTERNAL_SERVER_ERROR).into_response();
            };
            let text = |name: header::HeaderName| {
                parts
                    .headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let answer = StoredAnswer {
                status: parts.status.as_u16(),
                content_type: text(header::CONTENT_TYPE),
                location: text(header::LOCATION),
                body: bytes.to_vec(),
            };
            if let Err(err) = presidio_app::idempotency::answer(&state, user, &key, &answer).await {
                tracing::error!(error = %err, "idempotency answer not kept");
            }
            Response::from_parts(parts, Body::from(bytes))
        }
    }
}

fn server_error() -> StoredAnswer {
    StoredAnswer {
        status: 500,
        content_type: None,
        location: None,
        body: Vec::new(),
    }
}

/// The first answer, again.
fn replayed(answer: StoredAnswer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut response = (status, answer.body).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, answer.content_type),
        (header::LOCATION, answer.location),
    ] {
        if let Some(v) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            headers.insert(name, v);
        }
    }
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
