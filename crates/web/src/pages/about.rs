//! "Informazioni": version, database, the licences of every embedded component, data sources.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use presidio_db::Backend;

use super::Layout;
use crate::AppState;

/// A component embedded in the binary and served to browsers.
pub struct Component {
    pub name: &'static str,
    pub version: &'static str,
    pub licence: &'static str,
    /// Message id of what it is used for.
    pub use_id: &'static str,
}

/// Kept in step with `scripts/vendor-assets.sh` (a test checks the versions).
pub const COMPONENTS: [Component; 6] = [
    Component {
        name: "Bootstrap Italia",
        version: "2.18.3",
        licence: "BSD-3-Clause",
        use_id: "use-ui-kit",
    },
    Component {
        name: "Titillium Web",
        version: "v10",
        licence: "SIL Open Font License 1.1",
        use_id: "use-font-titillium",
    },
    Component {
        name: "Lora",
        version: "v20",
        licence: "SIL Open Font License 1.1",
        use_id: "use-font-lora",
    },
    Component {
        name: "Roboto Mono",
        version: "v13",
        licence: "Apache License 2.0",
        use_id: "use-font-roboto-mono",
    },
    Component {
        name: "htmx",
        version: "2.0.11",
        licence: "0BSD (Zero-Clause BSD)",
        use_id: "use-htmx",
    },
    Component {
        name: "htmx-ext-sse",
        version: "2.2.4",
        licence: "0BSD (Zero-Clause BSD)",
        use_id: "use-htmx-sse",
    },
];

#[derive(Template, WebTemplate)]
#[template(path = "about.html")]
pub struct AboutPage {
    page: Layout,
    backend: String,
    database: String,
    components: &'static [Component],
}

pub async fn page(
    State(state): State<AppState>,
    axum::Extension(visitor): axum::Extension<crate::auth::Visitor>,
) -> AboutPage {
    let page = Layout::new(&visitor, "about-title", "about");
    let backend = page.t.t(match presidio_app::reference::backend(&state) {
        Backend::Sqlite => "backend-sqlite",
        Backend::Postgres => "backend-postgres",
    });
    AboutPage {
        page,
        backend,
        database: state.info.database.clone(),
        components: &COMPONENTS,
    }
}

#[cfg(test)]
mod tests {
    use super::COMPONENTS;

    #[test]
    fn the_licence_table_names_the_vendored_versions() {
        // npm package (as in static/vendor/VERSIONS.txt) → the name on the page.
        let names = [
            ("bootstrap-italia", "Bootstrap Italia"),
            ("htmx.org", "htmx"),
            ("htmx-ext-sse", "htmx-ext-sse"),
        ];
        let versions = include_str!("../../static/vendor/VERSIONS.txt");
        assert_eq!(versions.lines().count(), names.len());
        for line in versions.lines() {
            let (package, version) = line.split_once(' ').unwrap();
            let name = names.iter().find(|(p, _)| *p == package).map(|(_, n)| *n);
            let listed = COMPONENTS.iter().find(|c| Some(c.name) == name);
            assert_eq!(
                listed.map(|c| c.version),
                Some(version),
                "{package} on the Informazioni page"
            );
        }
    }
}
