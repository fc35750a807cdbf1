//! The JSON API: health, reference data, errors, limits, the OpenAPI document.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn healthz_and_readyz_answer_while_the_database_is_up() {
    let app = TestApp::new().await;
    let live = app.get("/healthz").await;
    assert_eq!(
        (live.status, live.json()),
        (StatusCode::OK, json!({"status": "ok"}))
    );
    let ready = app.get("/readyz").await;
    assert_eq!(
        (ready.status, ready.json()),
        (StatusCode::OK, json!({"status": "ok"}))
    );
}

#[tokio::test]
async fn readyz_says_503_when_the_database_is_gone() {
    let app = TestApp::new().await;
    app.t.db.close().await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json()["error"]["code"], "unavailable");
    assert!(
        ready.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("archivio dati")
    );
    // Liveness does not depend on the database.
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn ambiti_and_their_municipalities() {
    let app = TestApp::signed_in("coordinatore").await;
    let ambiti = app.get("/api/v1/ambiti").await;
    assert_eq!(ambiti.status, StatusCode::OK);
    assert_eq!(ambiti.json()[0]["code"], "rhodense");

    let list = app.get("/api/v1/ambiti/rhodense/municipalities").await;
    assert_eq!(list.status, StatusCode::OK);
    let list = list.json();
    assert_eq!(list.as_array().unwrap().len(), 9);
    let rho = list
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "Rho")
        .unwrap();
    assert_eq!(rho["istat_code"], "015182");
    assert_eq!(rho["belfiore_code"], "H264");
    assert_eq!(rho["patron_holiday"], "05-08");
    assert_eq!(rho["ambito_id"], ambiti.json()[0]["id"]);

    let unknown = app.get("/api/v1/ambiti/nessuno/municipalities").await;
    assert_eq!(
        (unknown.status, unknown.json()["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
}

#[tokio::test]
async fn a_bad_istat_code_is_a_422_naming_the_field_in_italian() {
    let app = TestApp::signed_in("coordinatore").await;
    let bad = app.get("/api/v1/municipalities/15182").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = &bad.json()["error"];
    assert_eq!(error["code"], "invalid_input");
    assert_eq!(
        error["fields"]["istat_code"],
        "Codice ISTAT: deve essere di 6 cifre (ad esempio 015182)."
    );

    let missing = app.get("/api/v1/municipalities/099999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let found = app.get("/api/v1/municipalities/015009").await;
    assert_eq!(
        (found.status, found.json()["name"].as_str()),
        (StatusCode::OK, Some("Arese"))
    );
}

#[tokio::test]
async fn unknown_routes_and_methods_get_json_errors() {
    let app = TestApp::signed_in("coordinatore").await;
    let missing = app.get("/api/v1/nothing-here").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.header("content-type"), "application/json");
    assert_eq!(
        missing.json()["error"]["message"],
        "La risorsa richiesta non esiste."
    );

    let wrong = app
        .send(
            Method::DELETE,
            "/api/v1/ambiti",
            "application/json",
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong.json()["error"]["code"], "method_not_allowed");
    assert!(wrong.header("allow").contains("GET"));
}

#[tokio::test]
async fn bodies_over_one_mebibyte_get_413() {
    let app = TestApp::signed_in("coordinatore").await;
    let big = vec![b' '; presidio_web::BODY_LIMIT + 1];
    let response = app
        .send(Method::POST, "/api/v1/ambiti", "application/json", big)
        .await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.json()["error"]["code"], "payload_too_large");
    assert!(
        response.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("troppo grande")
    );
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let app = TestApp::signed_in("coordinatore").await;
    for path in ["/", "/api/v1/ambiti", "/healthz", "/nothing-here"] {
        let r = app.get(path).await;
        let csp = r.header("content-security-policy");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(r.header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(r.header("x-frame-options"), "DENY", "{path}");
        assert_eq!(r.header("referrer-policy"), "no-referrer", "{path}");
        assert!(!r.header("x-request-id").is_empty(), "{path}");
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = TestApp::signed_in("coordinatore").await;
    let doc = app.get("/api/v1/openapi.json").await;
    assert_eq!(doc.status, StatusCode::OK);
    let doc = doc.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    let paths: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for expected in [
        "/healthz",
        "/readyz",
        "/api/v1/openapi.json",
        "/api/v1/ambiti",
        "/api/v1/ambiti/{code}/municipalities",
        "/api/v1/municipalities/{istat_code}",
    ] {
        assert!(
            paths.contains(&expected),
            "{expected} missing from {paths:?}"
        );
    }
    // Every documented GET answers the admin or the coordinator.
    let admin = app.sign_in("admin", &[]).await;
    let report = app
        .send(
            Method::POST,
            "/api/v1/reports",
            "application/json",
            crate::reports_api::minimal().to_string().into_bytes(),
        )
        .await;
    assert_eq!(report.status, StatusCode::CREATED, "{}", report.text());
    let report_id = report.json()["id"].as_i64().unwrap().to_string();
    for path in &paths {
        // A conference's id is not a report's: tests/it/conferences.rs reads one.
        if doc["paths"][path].get("get").is_none()
            || path.ends_with("/events")
            || *path == "/api/v1/conferences/{id}"
            || *path == "/api/v1/team/{member_id}/person"
            || path.starts_with("/api/v1/network/protocols/")
        {
            continue;
        }
        let concrete = path
            .replace("{code}", "rhodense")
            .replace("{istat_code}", "015182")
            .replace("{id}", &report_id);
        // Routes that need a query to answer.
        let concrete = match concrete.as_str() {
            "/api/v1/audit/person" | "/api/v1/persons/candidates" => {
                format!("{concrete}?name=rossi")
            }
            "/api/v1/calendar/status" => format!("{concrete}?municipality=015182"),
            "/api/v1/persons" => format!("{concrete}?q=rossi"),
            "/api/v1/stats/activity" | "/api/v1/stats/dashboard" => {
                format!("{concrete}?from=2026-01-01&to=2026-12-31")
            }
            _ => concrete,
        };
        let coordinator = app.get(&concrete).await.status;
        let by_admin = app.get_as(&admin, &concrete).await.status;
        assert!(
            coordinator == StatusCode::OK || by_admin == StatusCode::OK,
            "{concrete}: {coordinator} / {by_admin}"
        );
    }
}

/// The OpenAPI document is kept in `tests/it/openapi.json`, so every API change shows in review.
/// Run with `UPDATE_SNAPSHOTS=1` to accept a change.
#[tokio::test]
async fn the_openapi_document_matches_its_snapshot() {
    let current = serde_json::to_string_pretty(presidio_web::openapi()).unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/openapi.json");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &current).unwrap();
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        stored == current,
        "the OpenAPI document changed: review it and run with UPDATE_SNAPSHOTS=1"
    );
}

/// Every field a request can carry (each property of a request body's schema, nested ones too,
/// and each query parameter) has a label in the catalogue, so an error about it never shows a
/// bare code such as `field-hold_minutes`.
#[test]
fn every_request_field_has_a_label() {
    fn walk(
        schema: &serde_json::Value,
        schemas: &serde_json::Value,
        names: &mut std::collections::BTreeSet<String>,
        seen: &mut std::collections::BTreeSet<String>,
    ) {
        if let Some(r) = schema["$ref"].as_str() {
            let name = r.rsplit('/').next().unwrap().to_owned();
            if seen.insert(name.clone()) {
                walk(&schemas[&name], schemas, names, seen);
            }
            return;
        }
        if let Some(props) = schema["properties"].as_object() {
            for (k, v) in props {
                names.insert(k.clone());
                walk(v, schemas, names, seen);
            }
        }
        for key in ["items", "additionalProperties"] {
            if schema[key].is_object() {
                walk(&schema[key], schemas, names, seen);
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            for s in schema[key].as_array().into_iter().flatten() {
                walk(s, schemas, names, seen);
            }
        }
    }
    let doc = serde_json::to_value(presidio_web::openapi()).unwrap();
    let schemas = &doc["components"]["schemas"];
    let mut names = std::collections::BTreeSet::new();
    let mut seen = std::collections::BTreeSet::new();
    for (_, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !["post", "put", "patch", "get", "delete"].contains(&method.as_str()) {
                continue;
            }
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["in"] == "query" {
                    names.insert(p["name"].as_str().unwrap().to_owned());
                }
            }
            for (_, media) in op["requestBody"]["content"]
                .as_object()
                .into_iter()
                .flatten()
            {
                walk(&media["schema"], schemas, &mut names, &mut seen);
            }
        }
    }
    assert!(
        names.len() > 50,
        "the walk found the request fields: {names:?}"
    );
    let t = presidio_i18n::catalogue();
    let missing: Vec<_> = names
        .iter()
        .filter(|n| !t.has(presidio_i18n::Locale::Italian, &format!("field-{n}")))
        .collect();
    assert!(
        missing.is_empty(),
        "fields without a label in it.ftl: {missing:?}"
    );
}
