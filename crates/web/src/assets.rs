//! Static assets (the UI kit, fonts, htmx, our own CSS and JS), embedded in the binary at build
//! time by `build.rs`, served compressed with `ETag`s, and on content-hashed routes that browsers
//! may cache for a year.

use std::sync::LazyLock;

use axum::Router;
use memory_serve::{CacheControl, Manifest, MemoryServe};

/// Where the assets are mounted.
pub const PREFIX: &str = "/static";

fn assets() -> MemoryServe {
    memory_serve::load!()
        .index_file(None)
        .enable_hashed_routes(true)
        .cache_control(CacheControl::Medium)
}

static MANIFEST: LazyLock<Manifest> = LazyLock::new(|| assets().manifest());

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    assets().into_router()
}

/// The URL to link an asset by, e.g. `asset("/app.css")` → `/static/app.3f9a1c2b7d84e6a0.css`.
/// An unknown asset is a template bug: it links the plain path and is logged.
pub fn url(path: &str) -> String {
    let served = MANIFEST.get(path).unwrap_or_else(|| {
        tracing::error!(path, "unknown static asset");
        path
    });
    format!("{PREFIX}{served}")
}
