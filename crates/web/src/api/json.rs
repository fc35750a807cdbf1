//! Request bodies: JSON read with the path of the first wrong value, so that a wrong type names
//! its field in Italian (`persons[0].age`), and a body that is not JSON at all is a 400.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use presidio_domain::validation::{FieldError, Invalid, Problem};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body of type `T`.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(ApiError::from_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::from_status(StatusCode::PAYLOAD_TOO_LARGE))?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize(&mut de) {
            Ok(value) => Ok(Self(value)),
            Err(err) => {
                let path = err.path().to_string();
                if err.inner().is_data() && path != "." {
                    let field = intern(&path);
                    Err(Invalid(vec![FieldError {
                        field,
                        problem: Problem::WrongType,
                    }])
                    .into())
                } else {
                    Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_json"))
                }
            }
        }
    }
}

/// Field paths of wrong values, kept for the life of the process; bounded by the shapes of our
/// bodies (at most a few hundred distinct paths).
fn intern(path: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{LazyLock, Mutex};
    static PATHS: LazyLock<Mutex<HashSet<&'static str>>> =
        LazyLock::new(|| Mutex::new(HashSet::new()));
    // Indexes beyond the first few collapse, so a hostile body cannot grow the set.
    let path = collapse_indexes(path);
    let mut paths = PATHS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(p) = paths.get(path.as_str()) {
        return p;
    }
    if paths.len() > 2000 {
        return "body";
    }
    let leaked: &'static str = Box::leak(path.into_boxed_str());
    paths.insert(leaked);
    leaked
}

fn collapse_indexes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..=open]);
        let close = rest[open..].find(']').map_or(rest.len(), |c| open + c);
        let index = &rest[open + 1..close];
        match index.parse::<u32>() {
            Ok(n) if n < 100 => out.push_str(index),
            _ => out.push('*'),
        }
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}
