//! What every operation of the API shares, written once into the OpenAPI document: the error
//! answers any operation may give (a malformed path or body, no or wrong credentials, a record
//! not there, a body too large or not JSON, a refused field, the database unavailable), text
//! without control characters, and request bodies that take no field they do not declare (the
//! server refuses unknown fields, see `json`).

use serde_json::{Map, Value, json};

/// Text as the server takes it: anything but control characters other than tab and new line
/// (see `input::has_control`).
pub const NO_CONTROL: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";

/// Required text as the server takes it: [`NO_CONTROL`], and something besides spaces (every
/// required text is trimmed first, see `validation::required_text`). Given to every string the
/// code declares with a `minLength`.
pub const NON_BLANK: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";

/// An ISTAT municipality code as the server reads it (`IstatCode::parse`: six digits, spaces
/// around ignored).
pub const ISTAT: &str = "^\\s*[0-9]{6}\\s*$";

/// Completes `doc` (an OpenAPI 3.1 document as JSON).
pub fn complete(doc: &mut Value) {
    let mut request_schemas = Vec::new();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                if matches!(method.as_str(), "get" | "post" | "put" | "patch" | "delete") {
                    complete_operation(op, &mut request_schemas);
                }
            }
        }
    }
    let mut closed = std::collections::BTreeSet::new();
    let schemas = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut);
    if let Some(schemas) = schemas {
        // Request bodies, and every schema they reach, take only their declared fields.
        while let Some(name) = request_schemas.pop() {
            if !closed.insert(name.clone()) {
                continue;
            }
            if let Some(schema) = schemas.get_mut(&name) {
                close_objects(schema, &mut request_schemas);
            }
        }
        for schema in schemas.values_mut() {
            no_control_text(schema);
        }
    }
}

fn error(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    })
}

fn complete_operation(op: &mut Value, request_schemas: &mut Vec<String>) {
    let public = op
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|r| r.as_object().is_some_and(Map::is_empty)));
    let has_path_params = op
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|ps| ps.iter().any(|p| p["in"] == "path"));
    let has_params = op
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|ps| !ps.is_empty());
    let has_body = op.get("requestBody").is_some();
    if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        for p in params {
            // Every `istat_code` in a path is read as an ISTAT code.
            if p["in"] == "path" && p["name"] == "istat_code" {
                p["schema"]["pattern"] = Value::String(ISTAT.into());
            }
            if let Some(schema) = p.get_mut("schema") {
                no_control_text(schema);
            }
        }
    }
    if let Some(body) = op.pointer_mut("/requestBody/content/application~1json/schema") {
        if let Some(name) = reference(body) {
            request_schemas.push(name);
        } else {
            close_objects(body, request_schemas);
            no_control_text(body);
        }
    }
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    let mut add = |status: &str, description: &str| {
        responses
            .entry(status)
            .or_insert_with(|| error(description));
    };
    if has_params || has_body {
        add(
            "400",
            "Richiesta malformata (un parametro del percorso non valido, un corpo non JSON)",
        );
        add(
            "422",
            "Dati non validi: `fields` nomina ogni campo rifiutato, in italiano",
        );
    }
    if !public {
        add("401", "Token assente, non valido, revocato o scaduto");
        add(
            "403",
            "Il ruolo dell'utente non dà accesso a questa operazione",
        );
    }
    if has_path_params {
        add("404", "Il record non esiste o l'utente non può saperlo");
    }
    if has_body {
        add("413", "Corpo della richiesta troppo grande");
        add("415", "Il corpo deve essere `application/json`");
    }
    add("503", "Il database non è raggiungibile: riprovare");
}

/// The component name of a `$ref`.
fn reference(schema: &Value) -> Option<String> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .map(str::to_owned)
}

/// Marks every object schema in `schema` as taking no undeclared field; collects the components
/// it refers to.
fn close_objects(schema: &mut Value, refs: &mut Vec<String>) {
    if let Some(name) = reference(schema) {
        refs.push(name);
        return;
    }
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if object.contains_key("properties") && !object.contains_key("additionalProperties") {
        object.insert("additionalProperties".into(), Value::Bool(false));
    }
    for (key, value) in object.iter_mut() {
        match key.as_str() {
            "properties" => {
                if let Some(props) = value.as_object_mut() {
                    for p in props.values_mut() {
                        close_objects(p, refs);
                    }
                }
            }
            "items" => close_objects(value, refs),
            "allOf" | "oneOf" | "anyOf" => {
                if let Some(list) = value.as_array_mut() {
                    for s in list.iter_mut() {
                        close_objects(s, refs);
                    }
                }
            }
            _ => {}
        }
    }
}

fn is_string(schema: &Map<String, Value>) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
        _ => false,
    }
}

/// Declares on every free-text string of `schema` that it holds no control character.
fn no_control_text(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if is_string(object)
        && !object.contains_key("pattern")
        && !object.contains_key("enum")
        && !object.contains_key("format")
    {
        let pattern = if object.get("minLength").and_then(Value::as_u64).unwrap_or(0) > 0 {
            NON_BLANK
        } else {
            NO_CONTROL
        };
        object.insert("pattern".into(), Value::String(pattern.into()));
    }
    for (key, value) in object.iter_mut() {
        match key.as_str() {
            "properties" => {
                if let Some(props) = value.as_object_mut() {
                    props.values_mut().for_each(no_control_text);
                }
            }
            "items" | "additionalProperties" => no_control_text(value),
            "allOf" | "oneOf" | "anyOf" => {
                if let Some(list) = value.as_array_mut() {
                    list.iter_mut().for_each(no_control_text);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ranges the pattern's class excludes, as written in it.
    fn excluded() -> Vec<(u32, u32)> {
        let class = NO_CONTROL
            .strip_prefix("^[^")
            .and_then(|p| p.strip_suffix("]*$"))
            .unwrap();
        let codes: Vec<&str> = class.split("\\u").filter(|p| !p.is_empty()).collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < codes.len() {
            let start = u32::from_str_radix(&codes[i][..4], 16).unwrap();
            if codes[i].ends_with('-') {
                out.push((start, u32::from_str_radix(&codes[i + 1][..4], 16).unwrap()));
                i += 2;
            } else {
                out.push((start, start));
                i += 1;
            }
        }
        out
    }

    #[test]
    fn the_pattern_refuses_exactly_what_the_server_refuses() {
        let ranges = excluded();
        assert_eq!(ranges.len(), 5, "{ranges:?}");
        for code in 0..0x3000u32 {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            let in_pattern = ranges.iter().any(|(a, b)| (*a..=*b).contains(&code));
            assert_eq!(
                in_pattern,
                presidio_domain::validation::has_control(&c.to_string()),
                "U+{code:04X}"
            );
        }
    }

    #[test]
    fn required_text_is_declared_as_the_server_reads_it() {
        let pattern = regex::Regex::new(NON_BLANK).unwrap();
        for (text, taken) in [
            ("x", true),
            ("  Mario  ", true),
            ("a\nb", true),
            ("", false),
            ("   ", false),
            ("\t\n", false),
            ("a\u{0}b", false),
        ] {
            let mut errors = presidio_domain::validation::Invalid::default();
            presidio_domain::validation::required_text(&mut errors, "reason", text, 100);
            assert_eq!(errors.is_empty(), taken, "{text:?}");
            assert_eq!(pattern.is_match(text), taken, "{text:?}");
        }
    }

    #[test]
    fn every_operation_lists_the_shared_errors_and_bodies_take_no_stray_field() {
        let mut doc = json!({
            "paths": {"/x/{id}": {"post": {
                "parameters": [{"name": "id", "in": "path", "schema": {"type": "integer"}}],
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Body"}}}},
                "responses": {"200": {"description": "ok"}}
            }}},
            "components": {"schemas": {
                "Body": {"type": "object", "properties": {
                    "name": {"type": ["string", "null"]},
                    "reason": {"type": "string", "minLength": 1},
                    "inner": {"$ref": "#/components/schemas/Inner"}
                }},
                "Inner": {"type": "object", "properties": {"at": {"type": "string", "format": "date-time"}}},
                "Answer": {"type": "object", "properties": {"a": {"type": "string"}}}
            }}
        });
        complete(&mut doc);
        let responses = doc.pointer("/paths/~1x~1{id}/post/responses").unwrap();
        for status in [
            "200", "400", "401", "403", "404", "413", "415", "422", "503",
        ] {
            assert!(responses.get(status).is_some(), "{status}");
        }
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas["Body"]["additionalProperties"], false);
        assert_eq!(schemas["Inner"]["additionalProperties"], false);
        assert!(schemas["Answer"].get("additionalProperties").is_none());
        assert_eq!(schemas["Body"]["properties"]["name"]["pattern"], NO_CONTROL);
        assert_eq!(
            schemas["Body"]["properties"]["reason"]["pattern"],
            NON_BLANK
        );
        assert!(
            schemas["Inner"]["properties"]["at"]
                .get("pattern")
                .is_none()
        );
    }
}
