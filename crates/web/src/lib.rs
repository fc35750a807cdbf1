//! Presidio on the web: server-rendered pages (`pages/`), the JSON API (`api/`), the embedded
//! static assets and the cross-cutting layers (security headers, limits, request ids, tracing).
//!
//! Handlers know nothing of SQL; they call the storage crate and the domain crate.

mod api;
mod assets;
pub mod auth;
pub mod charts;
pub mod dashboard;
mod error;
mod exports;
mod forms;
pub mod i18n;
mod idempotency;
mod input;
pub(crate) mod live;
mod pages;
mod pdf;
pub mod policy;
mod security;
pub mod server;
mod shift_feed;
mod views;
mod waas;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, StatusCode};
use presidio_db::Db;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use api::openapi;
use presidio_app::{App, FieldConfig};

/// Request bodies larger than this are refused with 413.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The upload of a signed document (a protocol's PDF, up to 10 MB) may be this large, with the
/// form around it.
pub const UPLOAD_LIMIT: usize = 11 * 1024 * 1024;

/// The largest body a request to `path` may carry: [`UPLOAD_LIMIT`] for the uploads of signed
/// documents, [`BODY_LIMIT`] for every other.
pub fn body_limit(path: &str) -> usize {
    let upload = (path.starts_with("/rete/protocolli/") && path.ends_with("/documento"))
        || (path.starts_with("/api/v1/network/protocols/") && path.ends_with("/document"));
    if upload { UPLOAD_LIMIT } else { BODY_LIMIT }
}

/// Refuses with 413, before anything reads it, a body its length says is larger than its
/// route takes (the extractors stop any other at [`BODY_LIMIT`]).
async fn declared_length(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > body_limit(request.uri().path())) {
        return axum::response::IntoResponse::into_response(StatusCode::PAYLOAD_TOO_LARGE);
    }
    next.run(request).await
}

/// What every handler can reach: the use cases' [`App`] (dereferenced to, so `state.db`
/// and `state.changed(…)` read as before) and what only HTTP needs.
#[derive(Clone, Debug)]
pub struct AppState {
    pub app: App,
    pub info: Arc<ServerInfo>,
    pub auth: Arc<auth::AuthConfig>,
    /// The heavy exports running now, per user.
    pub exports: Arc<exports::Exports>,
}

impl std::ops::Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.app
    }
}

/// Facts about this running server, shown on the "Informazioni" page.
#[derive(Debug)]
pub struct ServerInfo {
    /// The database location, without any password.
    pub database: String,
}

impl AppState {
    /// Needs a running Tokio runtime (it starts the audit writer).
    pub fn new(db: Db, database: String) -> Self {
        let auth = auth::AuthConfig::default();
        let mut app = App::new(db);
        app.public_url = Arc::from(auth.public_url.as_str());
        Self {
            app,
            info: Arc::new(ServerInfo { database }),
            auth: Arc::new(auth),
            exports: Arc::default(),
        }
    }

    /// The same state with another sign-in configuration.
    #[must_use]
    pub fn with_field(mut self, config: FieldConfig) -> Self {
        self.app.field = Arc::new(config);
        self
    }

    #[must_use]
    pub fn with_auth(mut self, config: auth::AuthConfig) -> Self {
        self.app.public_url = Arc::from(config.public_url.as_str());
        self.auth = Arc::new(config);
        self
    }

    /// The same state with another clock (tests hold and move it).
    #[must_use]
    pub fn with_clock(mut self, clock: presidio_app::Clock) -> Self {
        self.app.clock = clock;
        self
    }
}

/// The whole application: pages, API, static assets and the layers around them.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let https = state.auth.public_url.starts_with("https://");
    let routes = Router::new()
        .merge(pages::router())
        .merge(api::router())
        .merge(waas::router())
        .nest("/static", assets::router())
        // Inside the policy: a request it let through, with its user, runs once per key.
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            idempotency::once,
        ))
        // Every route above passes through the policy; the fallback (404) serves nothing.
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            policy::authorize,
        ))
        .fallback(pages::not_found)
        .with_state(state);
    // The layers wrap the routed application as a whole (axum applies `Router::layer` route by
    // route), so they also see what routing itself answers: 404, 405.
    Router::new()
        .fallback_service(routes)
        .layer(axum::middleware::from_fn(input::refuse_control_characters))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(declared_length))
        .layer(RequestBodyLimitLayer::new(UPLOAD_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        // A fault in a handler answers 500 (as JSON under /api) instead of dropping the
        // connection; the log says where, never what the request carried.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            security::panicked,
        ))
        // Outside the limits, so their refusals become JSON errors too.
        .layer(axum::middleware::from_fn(api::errors_as_json))
        .layer(axum::middleware::from_fn_with_state(
            https,
            security::headers,
        ))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(security::request_span))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// Every route of [`router`] as (method, path as registered), static assets aside (they are
/// public by the `/static/` prefix rule).
pub fn routes() -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = pages::route_list()
        .into_iter()
        .map(|(m, p)| (m.to_owned(), p.to_owned()))
        .collect();
    all.extend(api::route_list());
    all.extend(
        waas::route_list()
            .into_iter()
            .map(|(m, p)| (m.to_owned(), p.to_owned())),
    );
    all
}

/// Serves the application on `listener` until `shutdown` resolves, then lets the requests in
/// flight finish before returning.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    limits: server::ServerLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    server::serve(listener, router(state), limits, shutdown).await
}
