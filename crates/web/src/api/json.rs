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
                    let field = presidio_domain::validation::field_name(&path);
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
