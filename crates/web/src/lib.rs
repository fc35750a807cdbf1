//! Presidio on the web: server-rendered pages (`pages/`), the JSON API (`api/`), the embedded
//! static assets and the cross-cutting layers (security headers, limits, request ids, tracing).
//!
//! Handlers know nothing of SQL; they call the storage crate and the domain crate.

pub mod anchors;
mod api;
mod assets;
pub mod auth;
mod budget;
mod cache;
pub mod calendar;
mod cases;
pub mod charts;
pub mod dashboard;
mod error;
mod exports;
mod forms;
pub mod handovers;
pub mod i18n;
mod input;
pub mod interventions;
pub(crate) mod live;
pub mod mail;
mod notifications;
mod pages;
mod pdf;
pub mod policy;
mod roster;
mod security;
pub mod server;
mod shift_feed;
pub mod stats;
mod subject_access;
pub mod summary;
mod views;

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

/// Request bodies larger than this are refused with 413.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub info: Arc<ServerInfo>,
    pub auth: Arc<auth::AuthConfig>,
    /// Changes to reports, for the live boards (within this process).
    pub board: tokio::sync::broadcast::Sender<BoardEvent>,
    /// Audit entries of reads, written in shared transactions (group commit).
    pub audit: presidio_db::AuditBatcher,
    /// Board rows and report pages, dropped at each report change.
    pub caches: Arc<cache::Caches>,
    pub field: Arc<FieldConfig>,
    /// The heavy exports running now, per user.
    pub exports: Arc<exports::Exports>,
}

/// Field work: the lone-worker check-in interval and the e-mail relay, if any.
#[derive(Debug)]
pub struct FieldConfig {
    pub check_in_minutes: u32,
    pub mailer: Option<mail::Mailer>,
    /// Working minutes after the service's next opening within which a handover is due.
    pub handover_grace_minutes: u32,
    /// Working minutes after that deadline at which the coordinator is alerted.
    pub handover_escalation_minutes: u32,
    /// When (minute of the day, Rome) the morning summary is e-mailed; none: never.
    pub summary_at_minute: Option<u16>,
}

impl Default for FieldConfig {
    fn default() -> Self {
        Self {
            check_in_minutes: presidio_domain::intervention::DEFAULT_CHECK_IN_MINUTES,
            mailer: None,
            handover_grace_minutes: presidio_domain::handover::DEFAULT_GRACE_MINUTES,
            handover_escalation_minutes: presidio_domain::handover::DEFAULT_ESCALATION_MINUTES,
            summary_at_minute: Some(7 * 60 + 30),
        }
    }
}

/// A report changed: the boards of its Ambito refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct BoardEvent {
    pub ambito_id: i64,
    pub report_id: i64,
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
        Self {
            audit: presidio_db::AuditBatcher::start(db.clone()),
            db,
            info: Arc::new(ServerInfo { database }),
            auth: Arc::new(auth::AuthConfig::default()),
            board: tokio::sync::broadcast::channel(256).0,
            caches: Arc::default(),
            field: Arc::default(),
            exports: Arc::default(),
        }
    }

    /// Tells the live boards that a report changed (nobody listening is fine).
    pub fn changed(&self, ambito: presidio_domain::reference::AmbitoId, report_id: i64) {
        self.caches.invalidate();
        let _ = self.board.send(BoardEvent {
            ambito_id: ambito.0,
            report_id,
        });
    }

    /// The same state with another sign-in configuration.
    #[must_use]
    pub fn with_field(mut self, config: FieldConfig) -> Self {
        self.field = Arc::new(config);
        self
    }

    #[must_use]
    pub fn with_auth(mut self, config: auth::AuthConfig) -> Self {
        self.auth = Arc::new(config);
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
        .nest("/static", assets::router())
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
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
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
