//! The HTML shell: Italian, the UI kit from this server, navigation, errors, static assets.

use axum::http::StatusCode;

use crate::support::TestApp;

/// The values of every `src="…"` and `href="…"` in a page.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            out.push(part.split('"').next().unwrap().to_owned());
        }
    }
    out
}

#[tokio::test]
async fn the_home_page_is_italian_and_uses_only_local_assets() {
    let app = TestApp::signed_in("coordinatore").await;
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert_eq!(home.header("content-type"), "text/html; charset=utf-8");
    let html = home.text();
    assert!(html.contains("<html lang=\"it\">"));
    assert!(html.contains("Vai al contenuto principale"), "skip link");
    assert!(html.contains("id=\"main-content\""));
    assert!(html.contains("Ambito Territoriale Sociale Rhodense"));
    assert!(html.contains("9 comuni"));
    assert!(html.contains("aria-current=\"page\""));
    for link in links(&html) {
        assert!(
            link.starts_with('/') || link.starts_with('#'),
            "external or relative link: {link}"
        );
    }
    assert!(
        !html.contains("<script>") && !html.contains(" style=\""),
        "no inline script or style"
    );
}

#[tokio::test]
async fn every_linked_asset_is_served_compressed_or_cached() {
    let app = TestApp::signed_in("coordinatore").await;
    let html = app.get("/").await.text();
    let assets: Vec<String> = links(&html)
        .into_iter()
        .filter(|l| l.starts_with("/static/"))
        .collect();
    let kit_file = |ext: &str| {
        assets.iter().any(|a| {
            a.contains("bootstrap-italia")
                && std::path::Path::new(a)
                    .extension()
                    .is_some_and(|e| e == ext)
        })
    };
    assert!(kit_file("css") && kit_file("js"));
    for asset in assets {
        let path = asset.split('#').next().unwrap();
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(!r.header("etag").is_empty(), "{path} has no ETag");
        assert!(
            r.header("cache-control").contains("max-age"),
            "{path}: {}",
            r.header("cache-control")
        );
    }
    // The fonts named by fonts.css exist.
    let fonts = app.get("/static/fonts.css").await.text();
    for url in fonts
        .split("url(\"")
        .skip(1)
        .map(|p| p.split('"').next().unwrap())
    {
        assert_eq!(app.get(url).await.status, StatusCode::OK, "{url}");
    }
}

#[tokio::test]
async fn the_municipalities_page_formats_numbers_and_dates_in_italian() {
    let app = TestApp::signed_in("coordinatore").await;
    // With one Ambito, the list goes straight to it.
    let index = app.get("/ambiti").await;
    assert_eq!(index.status, StatusCode::SEE_OTHER);
    assert_eq!(index.header("location"), "/ambiti/rhodense");

    let page = app.get("/ambiti/rhodense").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("50.052"), "population with Italian grouping");
    assert!(html.contains("8 maggio"), "Rho's local holiday");
    assert!(
        html.contains("non indicata"),
        "unknown local holidays say so"
    );
    assert!(html.contains("<caption>"));
    assert_eq!(
        app.get("/ambiti/nessuno").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn about_lists_version_database_and_licences() {
    let app = TestApp::signed_in("coordinatore").await;
    let html = app.get("/informazioni").await.text();
    assert!(html.contains(env!("CARGO_PKG_VERSION")));
    for text in [
        "Bootstrap Italia",
        "BSD-3-Clause",
        "htmx",
        "SIL Open Font License 1.1",
        "CC BY 4.0",
    ] {
        assert!(html.contains(text), "{text}");
    }
}

#[tokio::test]
async fn the_api_page_lists_the_endpoints() {
    let app = TestApp::signed_in("coordinatore").await;
    let html = app.get("/api").await.text();
    assert!(html.contains("/api/v1/ambiti/{code}/municipalities"));
    assert!(html.contains("/api/v1/openapi.json"));
    assert!(html.contains("invalid_input"));
}

#[tokio::test]
async fn unknown_pages_get_an_italian_404() {
    let app = TestApp::signed_in("coordinatore").await;
    let r = app.get("/non-esiste").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let html = r.text();
    assert!(html.contains("Pagina non trovata"));
    assert!(html.contains("<html lang=\"it\">"));
}
