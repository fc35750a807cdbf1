//! SIUSS over the API: an Ambito's settings (the body sending the flows, the prestazione of
//! each kind of intervention and activation), for its administrators.

use axum::extract::{Query, State};
use axum::{Extension, Json};
use presidio_domain::siuss::settings::{MappingInput, ServiceKind, SettingsInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::json::ApiJson;
use super::reports::principal;
use crate::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ErrorBody};

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct AmbitoQuery {
    /// The Ambito's id; the first the caller keeps when absent.
    pub ambito: Option<i64>,
}

/// A kind of what the PIS does that may become a prestazione: `sul_posto` and `a_distanza`
/// (the intervention, on site or by phone), or the kind of resource activated.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // The schema of the `kind` fields, read as text to name a wrong one.
pub enum SiussKind {
    SulPosto,
    ADistanza,
    Dormitorio,
    Albergo,
    ComunitaMinori,
    CentroAntiviolenza,
    CasaRifugio,
    Mediazione,
    Trasporto,
    BeniPrimari,
    ContributoEconomico,
}

/// One kind's prestazione.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrestazioneView {
    #[serde(default)]
    #[schema(value_type = SiussKind, required = true)]
    pub kind: String,
    /// The kind as the screens name it (ignored when sent).
    #[serde(default)]
    pub label: String,
    /// `CodicePrestazione` of INPS's table (5 to 10 letters, digits or dots); null: no code,
    /// and no flow for this kind.
    #[serde(default)]
    #[schema(pattern = r"^[A-Za-z0-9._-]{5,10}$")]
    pub codice: Option<String>,
    /// `DenominazionePrestazione` (10 to 200 characters), with a code.
    #[serde(default)]
    #[schema(min_length = 10, max_length = 200)]
    pub denominazione: Option<String>,
}

/// An Ambito's SIUSS settings.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct SiussSettings {
    /// The body's code for INPS (`Codice` of `Ente`, 1 to 32 letters, digits or dots).
    #[serde(default)]
    #[schema(pattern = r"^[A-Za-z0-9._-]{1,32}$")]
    pub codice_ente: String,
    /// The body's name (at most 100 characters).
    #[serde(default)]
    #[schema(min_length = 1, max_length = 100)]
    pub denominazione_ente: String,
    /// The Belfiore code of the body's seat.
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z][0-9]{3}$")]
    pub belfiore_sede: String,
    /// The fiscal code of the operator who answers for the flows (`CFOperatore`).
    #[serde(default)]
    pub cf_operatore: String,
    /// Every kind, with its code or null.
    #[serde(default, deserialize_with = "super::json::object_items")]
    pub prestazioni: Vec<PrestazioneView>,
    /// The version a change must name (0 before the first); 409 when it changed since.
    #[serde(default)]
    pub version: i64,
}

fn view(stored: presidio_db::StoredSiuss) -> SiussSettings {
    let t = presidio_i18n::catalogue().tr(presidio_i18n::Locale::Italian);
    SiussSettings {
        prestazioni: ServiceKind::ALL
            .iter()
            .map(|k| {
                let set = stored.mappings.iter().find(|m| m.kind == *k);
                PrestazioneView {
                    kind: k.code().into(),
                    label: t.t(&format!("siuss-kind-{}", k.code())),
                    codice: set.map(|m| m.code.clone()),
                    denominazione: set.map(|m| m.name.clone()),
                }
            })
            .collect(),
        codice_ente: stored.body_code,
        denominazione_ente: stored.body_name,
        belfiore_sede: stored.seat,
        cf_operatore: stored.operator,
        version: stored.version,
    }
}

/// The SIUSS settings of an Ambito the caller keeps (administrators), listing every kind.
/// The reading is audited.
#[utoipa::path(get, path = "/api/v1/siuss/settings", tag = "siuss", params(AmbitoQuery),
    responses((status = 200, body = SiussSettings), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn settings(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<AmbitoQuery>,
) -> Result<Json<SiussSettings>, ApiError> {
    let who = principal(&visitor)?;
    let (_, stored) =
        presidio_app::siuss::settings(&state, visitor.caller(), who, q.ambito).await?;
    Ok(Json(view(stored)))
}

/// Replaces the SIUSS settings of an Ambito the caller keeps, at `version`; a kind absent or
/// with a null code has none. Audited; 422 naming each field refused, with nothing changed.
#[utoipa::path(put, path = "/api/v1/siuss/settings", tag = "siuss", params(AmbitoQuery),
    request_body = SiussSettings,
    responses((status = 200, body = SiussSettings), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn set_settings(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<AmbitoQuery>,
    ApiJson(body): ApiJson<SiussSettings>,
) -> Result<Json<SiussSettings>, ApiError> {
    let who = principal(&visitor)?;
    let input = SettingsInput {
        body_code: &body.codice_ente,
        body_name: &body.denominazione_ente,
        seat: &body.belfiore_sede,
        operator: &body.cf_operatore,
        mappings: body
            .prestazioni
            .iter()
            .map(|p| MappingInput {
                kind: &p.kind,
                code: p.codice.as_deref(),
                name: p.denominazione.as_deref(),
            })
            .collect(),
    };
    let (_, stored) = presidio_app::siuss::set(
        &state,
        visitor.caller(),
        who,
        q.ambito,
        &input,
        body.version,
    )
    .await?;
    Ok(Json(view(stored)))
}
