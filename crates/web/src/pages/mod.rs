//! Server-rendered pages, one module per area. Every page extends `templates/base.html`, which
//! draws the header, the navigation, the skip links and the footer from a [`Layout`].

mod about;
mod api_docs;
mod home;
mod reference;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use presidio_db::DbError;

use crate::AppState;
use crate::i18n::{Locale, Tr, catalogue};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::page))
        .route("/ambiti", get(reference::index))
        .route("/ambiti/{code}", get(reference::ambito))
        .route("/informazioni", get(about::page))
        .route("/api", get(api_docs::page))
}

/// The main navigation entries, in order: (key, message id, path).
const NAV: [(&str, &str, &str); 4] = [
    ("home", "nav-home", "/"),
    ("reference", "nav-reference", "/ambiti"),
    ("about", "nav-about", "/informazioni"),
    ("api", "nav-api", "/api"),
];

/// What the shared layout needs from every page.
pub struct Layout {
    pub t: Tr<'static>,
    pub title: String,
    /// The navigation entry this page belongs to.
    pub section: &'static str,
    pub version: &'static str,
    /// Now, on a Rome wall clock, for the footer.
    pub now: String,
}

/// One navigation link as the template draws it.
pub struct NavLink {
    pub label: String,
    pub href: &'static str,
    pub current: bool,
}

impl Layout {
    /// The layout of a page titled by message `title_id`, in navigation section `section`.
    pub fn new(title_id: &str, section: &'static str) -> Self {
        let t = catalogue().tr(Locale::Italian);
        Self::titled(t.t(title_id), section)
    }

    /// The layout of a page with a title already written.
    pub fn titled(title: String, section: &'static str) -> Self {
        let t = catalogue().tr(Locale::Italian);
        Self {
            t,
            title,
            section,
            version: env!("CARGO_PKG_VERSION"),
            now: t.date_time(presidio_db::now()),
        }
    }

    // Methods rather than free functions, so templates reach them through `page`.
    #[allow(clippy::unused_self)]
    pub fn asset(&self, path: &str) -> String {
        crate::assets::url(path)
    }

    /// The URL of an icon of the UI kit's sprite sheet, e.g. `icon("it-pa")`.
    #[allow(clippy::unused_self)]
    pub fn icon(&self, name: &str) -> String {
        format!(
            "{}#{name}",
            crate::assets::url("/vendor/bootstrap-italia/svg/sprites.svg")
        )
    }

    pub fn nav(&self) -> Vec<NavLink> {
        NAV.iter()
            .map(|(key, id, href)| NavLink {
                label: self.t.t(id),
                href,
                current: *key == self.section,
            })
            .collect()
    }
}

/// An error page in Italian.
#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    page: Layout,
    message: String,
}

/// An error met while building a page.
#[derive(Debug)]
pub struct PageError {
    status: StatusCode,
    code: &'static str,
}

impl From<DbError> for PageError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::NotFound => Self {
                status: StatusCode::NOT_FOUND,
                code: "not_found",
            },
            other => {
                tracing::error!(error = %other, "storage error while rendering a page");
                Self {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    code: "unavailable",
                }
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let t = catalogue().tr(Locale::Italian);
        let title = t.t_args(
            "error-page-title",
            &[(
                "status",
                crate::i18n::Arg::Num(i64::from(self.status.as_u16())),
            )],
        );
        let page = ErrorPage {
            page: Layout::titled(title, ""),
            message: t.t(&format!("error-{}", self.code)),
        };
        (self.status, page).into_response()
    }
}

/// Any path nothing else answers.
pub async fn not_found() -> PageError {
    PageError {
        status: StatusCode::NOT_FOUND,
        code: "not_found",
    }
}
