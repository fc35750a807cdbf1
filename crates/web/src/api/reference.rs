//! Reference data: Ambiti and their municipalities.

use axum::Json;
use axum::extract::{Path, State};
use presidio_domain::reference::{Ambito, IstatCode, Municipality};
use presidio_domain::validation::Invalid;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};

/// An Ambito Territoriale Sociale.
#[derive(Debug, Serialize, ToSchema)]
pub struct AmbitoView {
    pub id: i64,
    #[schema(example = "rhodense")]
    pub code: String,
    #[schema(example = "Ambito Territoriale Sociale Rhodense")]
    pub name: String,
    /// Increases at every change; send it back when editing.
    pub version: i64,
}

impl From<Ambito> for AmbitoView {
    fn from(a: Ambito) -> Self {
        Self {
            id: a.id.0,
            code: a.code,
            name: a.name,
            version: a.version,
        }
    }
}

/// A municipality of an Ambito.
#[derive(Debug, Serialize, ToSchema)]
pub struct MunicipalityView {
    #[schema(example = "015182")]
    pub istat_code: String,
    #[schema(example = "H264")]
    pub belfiore_code: String,
    #[schema(example = "Rho")]
    pub name: String,
    #[schema(example = "MI")]
    pub province: String,
    #[schema(example = "20017")]
    pub postal_code: Option<String>,
    pub population: Option<u32>,
    /// Local holiday when the municipal offices close, `MM-DD`.
    #[schema(example = "05-08")]
    pub patron_holiday: Option<String>,
    pub ambito_id: i64,
    pub version: i64,
}

impl From<Municipality> for MunicipalityView {
    fn from(m: Municipality) -> Self {
        let d = m.data;
        Self {
            istat_code: d.istat_code.to_string(),
            belfiore_code: d.belfiore_code.as_str().to_owned(),
            name: d.name,
            province: d.province,
            postal_code: d.postal_code,
            population: d.population,
            patron_holiday: d.patron_holiday.map(|h| h.to_string()),
            ambito_id: m.ambito_id.0,
            version: m.version,
        }
    }
}

/// Every Ambito of this installation.
#[utoipa::path(get, path = "/api/v1/ambiti", tag = "riferimento", responses(
    (status = 200, body = Vec<AmbitoView>),
    (status = 503, body = ErrorBody)))]
pub async fn list_ambiti(State(state): State<AppState>) -> Result<Json<Vec<AmbitoView>>, ApiError> {
    let ambiti = presidio_app::reference::ambiti(&state).await?;
    Ok(Json(ambiti.into_iter().map(AmbitoView::from).collect()))
}

/// The municipalities of one Ambito, by name.
#[utoipa::path(get, path = "/api/v1/ambiti/{code}/municipalities", tag = "riferimento",
    params(("code" = String, Path, description = "Codice dell'Ambito", example = "rhodense")),
    responses(
        (status = 200, body = Vec<MunicipalityView>),
        (status = 404, description = "Ambito sconosciuto", body = ErrorBody)))]
pub async fn ambito_municipalities(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Vec<MunicipalityView>>, ApiError> {
    let (_, list) = presidio_app::reference::ambito(&state, &code).await?;
    Ok(Json(list.into_iter().map(MunicipalityView::from).collect()))
}

/// One municipality, by ISTAT code.
#[utoipa::path(get, path = "/api/v1/municipalities/{istat_code}", tag = "riferimento",
    params(("istat_code" = String, Path, description = "Codice ISTAT di 6 cifre", example = "015182")),
    responses(
        (status = 200, body = MunicipalityView),
        (status = 404, description = "Comune sconosciuto", body = ErrorBody),
        (status = 422, description = "Codice ISTAT non valido", body = ErrorBody)))]
pub async fn municipality(
    State(state): State<AppState>,
    Path(istat_code): Path<String>,
) -> Result<Json<MunicipalityView>, ApiError> {
    let code = IstatCode::parse(&istat_code).map_err(|p| Invalid::one("istat_code", p))?;
    Ok(Json(
        presidio_app::reference::municipality(&state, &code)
            .await?
            .into(),
    ))
}
