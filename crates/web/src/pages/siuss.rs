//! The SIUSS settings of an Ambito, for its administrators: the body sending the flows to INPS
//! and the code and name of the prestazione of each kind of intervention and activation.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use presidio_domain::siuss::settings::{MappingInput, ServiceKind, SettingsInput};

use super::reports::principal;
use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::forms::FormErrors;

/// One kind's line of the form: (index, kind code, label, code, name).
type Line = (usize, &'static str, String, String, String);

#[derive(Template, WebTemplate)]
#[template(path = "admin_siuss.html")]
pub struct SiussPage {
    page: Layout,
    ambito: i64,
    body_code: String,
    body_name: String,
    seat: String,
    operator: String,
    lines: Vec<Line>,
    version: i64,
    errors: FormErrors,
    saved: bool,
    stale: bool,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct SiussQuery {
    ambito: Option<i64>,
    salvato: Option<u8>,
}

fn lines(t: presidio_i18n::Tr<'_>, code_of: impl Fn(ServiceKind) -> (String, String)) -> Vec<Line> {
    ServiceKind::ALL
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let (code, name) = code_of(*k);
            (
                i,
                k.code(),
                t.t(&format!("siuss-kind-{}", k.code())),
                code,
                name,
            )
        })
        .collect()
}

/// The settings of the Ambito asked (or the first the admin keeps).
pub async fn form(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<SiussQuery>,
) -> Result<SiussPage, PageError> {
    let who = principal(&visitor)?;
    let (ambito, s) =
        presidio_app::siuss::settings(&state, visitor.caller(), who, q.ambito).await?;
    let page = Layout::new(&visitor, "siuss-title", "admin");
    let lines = lines(page.t, |k| {
        s.mappings
            .iter()
            .find(|m| m.kind == k)
            .map(|m| (m.code.clone(), m.name.clone()))
            .unwrap_or_default()
    });
    Ok(SiussPage {
        page,
        ambito: ambito.0,
        body_code: s.body_code,
        body_name: s.body_name,
        seat: s.seat,
        operator: s.operator,
        lines,
        version: s.version,
        errors: FormErrors::default(),
        saved: q.salvato.is_some(),
        stale: false,
    })
}

/// Saves the settings as typed: back to the form, saved; or the form again with every field
/// refused (422), or told that someone else saved first (409).
pub async fn save(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<SiussQuery>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let keys: Vec<(String, String)> = (0..ServiceKind::ALL.len())
        .map(|i| {
            (
                format!("prestazioni[{i}].codice"),
                format!("prestazioni[{i}].denominazione"),
            )
        })
        .collect();
    let input = SettingsInput {
        body_code: get("codice_ente"),
        body_name: get("denominazione_ente"),
        seat: get("belfiore_sede"),
        operator: get("cf_operatore"),
        mappings: ServiceKind::ALL
            .iter()
            .zip(&keys)
            .map(|(k, (code, name))| MappingInput {
                kind: k.code(),
                code: Some(get(code)),
                name: Some(get(name)),
            })
            .collect(),
    };
    let version = get("version").trim().parse::<i64>().unwrap_or(-1);
    let outcome =
        presidio_app::siuss::set(&state, visitor.caller(), who, q.ambito, &input, version).await;
    let (status, errors, conflict) = match outcome {
        Ok((ambito, _)) => {
            let to = format!("/amministrazione/siuss?ambito={}&salvato=1", ambito.0);
            return Ok(Redirect::to(&to).into_response());
        }
        Err(presidio_app::AppError::Invalid(invalid)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            FormErrors::from(&invalid),
            false,
        ),
        Err(presidio_app::AppError::Db(presidio_db::DbError::Conflict)) => {
            (StatusCode::CONFLICT, FormErrors::default(), true)
        }
        Err(e) => return Err(e.into()),
    };
    let page = Layout::new(&visitor, "siuss-title", "admin");
    let lines = lines(page.t, |k| {
        let i = ServiceKind::ALL.iter().position(|x| *x == k).unwrap_or(0);
        (get(&keys[i].0).to_owned(), get(&keys[i].1).to_owned())
    });
    let page = SiussPage {
        page,
        ambito: presidio_app::siuss::ambito_of(who, q.ambito)?.0,
        body_code: input.body_code.to_owned(),
        body_name: input.body_name.to_owned(),
        seat: input.seat.to_owned(),
        operator: input.operator.to_owned(),
        lines,
        version,
        errors,
        saved: false,
        stale: conflict,
    };
    Ok((status, page).into_response())
}
