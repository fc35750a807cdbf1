//! The installable field app: the web manifest (Italian name, icons, the field view as start)
//! and the service worker, both at the site's root so that the worker's scope is the whole
//! site. Neither holds anything of a user.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::i18n::{Locale, catalogue};

/// The service worker's source (`pages/sw.js`), with the icon's address.
static WORKER: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    include_str!("sw.js").replace("__ICON__", &crate::assets::url("/icons/presidio-192.png"))
});

/// `GET /sw.js`: never cached by the browser, so that a new version takes over at once.
pub async fn worker() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        WORKER.as_str(),
    )
        .into_response()
}

/// `GET /manifest.webmanifest`.
pub async fn manifest() -> Response {
    let t = catalogue().tr(Locale::Italian);
    let icon = |path: &str, sizes: &str, kind: &str| {
        serde_json::json!({"src": crate::assets::url(path), "sizes": sizes, "type": kind,
            "purpose": "any"})
    };
    let body = serde_json::json!({
        "name": t.t("pwa-name"),
        "short_name": t.t("app-name"),
        "description": t.t("app-description"),
        "lang": "it-IT",
        "dir": "ltr",
        "start_url": "/campo",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0066cc",
        "icons": [
            icon("/icons/presidio-192.png", "192x192", "image/png"),
            icon("/icons/presidio-512.png", "512x512", "image/png"),
            icon("/icons/presidio.svg", "any", "image/svg+xml"),
        ],
    });
    (
        [
            (header::CONTENT_TYPE, "application/manifest+json"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body.to_string(),
    )
        .into_response()
}
