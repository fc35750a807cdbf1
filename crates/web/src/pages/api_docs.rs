//! A readable page of the JSON API, drawn from the same OpenAPI document the API serves.

use askama::Template;
use askama_web::WebTemplate;
use utoipa::openapi::path::Operation;

use super::Layout;

pub struct Endpoint {
    pub method: &'static str,
    pub path: String,
    pub summary: String,
    pub responses: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "api_docs.html")]
pub struct ApiDocsPage {
    page: Layout,
    endpoints: Vec<Endpoint>,
    error_example: String,
}

fn endpoint(method: &'static str, path: &str, op: &Operation) -> Endpoint {
    let summary = op
        .summary
        .clone()
        .or_else(|| op.description.clone())
        .unwrap_or_default();
    let responses = op
        .responses
        .responses
        .keys()
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    Endpoint {
        method,
        path: path.to_owned(),
        summary,
        responses,
    }
}

pub async fn page(axum::Extension(visitor): axum::Extension<crate::auth::Visitor>) -> ApiDocsPage {
    let doc = crate::openapi();
    let mut endpoints = Vec::new();
    for (path, item) in &doc.paths.paths {
        let ops = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ];
        for (method, op) in ops {
            if let Some(op) = op {
                endpoints.push(endpoint(method, path, op));
            }
        }
    }
    let example = crate::error::ApiError::from(presidio_domain::validation::Invalid::one(
        "istat_code",
        presidio_domain::validation::Problem::InvalidIstatCode,
    ));
    let error_example = serde_json::to_string_pretty(&example.body()).unwrap_or_default();
    ApiDocsPage {
        page: Layout::new(&visitor, "api-title", "api"),
        endpoints,
        error_example,
    }
}
