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
        let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_json"));
        };
        // Text with control characters is refused first, naming its field (see `input`).
        if let Some(path) = control_character_at(&value, String::new()) {
            return Err(Invalid(vec![FieldError {
                field: presidio_domain::validation::field_name(&path),
                problem: Problem::ControlCharacter,
            }])
            .into());
        }
        whole_numbers(&mut value);
        // A field the body does not take is refused, never silently dropped: a typo must not
        // read as "not sent".
        let mut unknown: Option<String> = None;
        let mut note = |path: serde_ignored::Path<'_>| {
            unknown.get_or_insert_with(|| path_text(&path));
        };
        let ignored = serde_ignored::Deserializer::new(value, &mut note);
        let parsed: Result<T, _> = serde_path_to_error::deserialize(ignored);
        match (parsed, unknown) {
            (Ok(_), Some(path)) => Err(Invalid(vec![FieldError {
                field: presidio_domain::validation::field_name(&path),
                problem: Problem::UnknownField,
            }])
            .into()),
            (Ok(value), None) => Ok(Self(value)),
            (Err(err), _) => match refused_field(&err) {
                Some((path, problem)) => Err(Invalid(vec![FieldError {
                    field: presidio_domain::validation::field_name(&path),
                    problem,
                }])
                .into()),
                None => Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_json")),
            },
        }
    }
}

/// A path of serde-ignored as the API names fields: `persons[0].name`.
fn path_text(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", path_text(parent)),
        Path::Map { parent, key } => {
            let head = path_text(parent);
            if head.is_empty() {
                key.clone()
            } else {
                format!("{head}.{key}")
            }
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => path_text(parent),
    }
}

/// Numbers written with a zero fraction (`3.0`) read as the whole numbers they are, as JSON
/// Schema counts them integers.
fn whole_numbers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                #[allow(clippy::cast_possible_truncation)]
                let whole = f as i64;
                *value = Value::from(whole);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        Value::Object(map) => map.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// The field a JSON body's error is about, and what is wrong with it: a missing field (the path
/// names its parent, the message the field), a field the body does not take, or a value of the
/// wrong type. `None` when the body is not JSON at all.
fn refused_field(err: &serde_path_to_error::Error<serde_json::Error>) -> Option<(String, Problem)> {
    if !err.inner().is_data() {
        return None;
    }
    let path = err.path().to_string();
    let message = err.inner().to_string();
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = &rest[..rest.find('`')?];
        let full = if path == "." {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        };
        return Some((full, Problem::Required));
    }
    if path == "." {
        return None;
    }
    let problem = if message.starts_with("unknown field `") {
        Problem::UnknownField
    } else {
        Problem::WrongType
    };
    Some((path, problem))
}

/// The path (`persons[0].name`) of the first string of `value`, or key, that holds a control
/// character.
fn control_character_at(value: &serde_json::Value, at: String) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) if crate::input::has_control(s) => {
            Some(if at.is_empty() { "body".into() } else { at })
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| control_character_at(v, format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let path = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            if crate::input::has_control(k) {
                Some(if at.is_empty() {
                    "body".into()
                } else {
                    at.clone()
                })
            } else {
                control_character_at(v, path)
            }
        }),
        _ => None,
    }
}

/// A list of objects read strictly (`#[serde(deserialize_with = "object_items")]`): serde's
/// derive would also take an item written as an array of its fields in order, which the API's
/// document does not allow. The items' types refuse unknown fields themselves
/// (`deny_unknown_fields`), since they are read apart from the body.
pub fn object_items<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: DeserializeOwned,
{
    use serde::Deserialize;
    use serde::de::Error;
    Vec::<serde_json::Value>::deserialize(d)?
        .into_iter()
        .map(|item| {
            if item.is_object() {
                serde_json::from_value(item).map_err(D::Error::custom)
            } else {
                Err(D::Error::invalid_type(
                    serde::de::Unexpected::Other("not an object"),
                    &"an object",
                ))
            }
        })
        .collect()
}
