//! Reference data pages: the Ambiti and their municipalities.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::Redirect;

use super::{Layout, PageError};
use crate::AppState;
use crate::i18n::{Arg, Locale, catalogue};

pub struct MunicipalityRow {
    pub istat_code: String,
    pub belfiore_code: String,
    pub name: String,
    pub province: String,
    pub postal_code: String,
    pub population: String,
    pub patron_holiday: String,
}

pub struct AmbitoLink {
    pub name: String,
    pub href: String,
    pub count: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "reference.html")]
pub struct ReferencePage {
    page: Layout,
    ambiti: Vec<AmbitoLink>,
}

#[derive(Template, WebTemplate)]
#[template(path = "ambito.html")]
pub struct AmbitoPage {
    page: Layout,
    caption: String,
    rows: Vec<MunicipalityRow>,
}

/// The list of Ambiti; with a single Ambito, straight to its municipalities.
pub async fn index(
    State(state): State<AppState>,
    axum::Extension(visitor): axum::Extension<crate::auth::Visitor>,
) -> Result<axum::response::Response, PageError> {
    use axum::response::IntoResponse;
    let ambiti = presidio_app::reference::ambiti_with_counts(&state).await?;
    if let [(only, _)] = ambiti.as_slice() {
        return Ok(Redirect::to(&format!("/ambiti/{}", only.code)).into_response());
    }
    let page = Layout::new(&visitor, "reference-title", "reference");
    let mut links = Vec::new();
    for (ambito, count) in ambiti {
        links.push(AmbitoLink {
            href: format!("/ambiti/{}", ambito.code),
            count: page.t.t_args(
                "municipalities-count",
                &[("count", Arg::Num(i64::try_from(count).unwrap_or(0)))],
            ),
            name: ambito.name,
        });
    }
    Ok(ReferencePage {
        page,
        ambiti: links,
    }
    .into_response())
}

/// The municipalities of one Ambito.
pub async fn ambito(
    State(state): State<AppState>,
    axum::Extension(visitor): axum::Extension<crate::auth::Visitor>,
    Path(code): Path<String>,
) -> Result<AmbitoPage, PageError> {
    let (ambito, municipalities) = presidio_app::reference::ambito(&state, &code).await?;
    let page = Layout::titled(
        &visitor,
        catalogue()
            .tr(Locale::Italian)
            .t1("ambito-title", "name", &ambito.name),
        "reference",
    );
    let t = page.t;
    let caption = t.t_args(
        "ambito-caption",
        &[
            ("name", Arg::Str(&ambito.name)),
            (
                "count",
                Arg::Num(i64::try_from(municipalities.len()).unwrap_or(0)),
            ),
        ],
    );
    let rows = municipalities
        .into_iter()
        .map(|m| {
            let d = m.data;
            MunicipalityRow {
                istat_code: d.istat_code.to_string(),
                belfiore_code: d.belfiore_code.as_str().to_owned(),
                name: d.name,
                province: d.province,
                postal_code: d.postal_code.unwrap_or_default(),
                population: d
                    .population
                    .map(|p| t.number(i64::from(p)))
                    .unwrap_or_default(),
                patron_holiday: d
                    .patron_holiday
                    .map_or_else(|| t.t("patron-unknown"), |h| t.day_month(h.month, h.day)),
            }
        })
        .collect();
    Ok(AmbitoPage {
        page,
        caption,
        rows,
    })
}
