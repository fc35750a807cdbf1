//! The network directory over the API: search the organisations of the territory ("chi chiamo
//! per…") and keep their cards (coordinators), with the same rules as the pages.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use presidio_app::network::{SaveInput, SearchInput};
use presidio_db::StoredCard;
use presidio_domain::network::{CardInput, ContactInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::json::ApiJson;
use super::reports::principal;
use crate::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ErrorBody};

/// A line to call or write to.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ContactBody {
    /// `h24` (round the clock) or `ufficio` (the default).
    #[schema(max_length = 20)]
    pub kind: String,
    /// What the line is ("Centralino", "Triage").
    #[schema(required = true, min_length = 1, max_length = 120)]
    pub label: String,
    /// A phone, a PEC or an e-mail is needed.
    #[schema(max_length = 40)]
    pub phone: String,
    #[schema(max_length = 254)]
    pub pec: String,
    #[schema(max_length = 254)]
    pub email: String,
    /// When it answers, in words.
    #[schema(max_length = 120)]
    pub answers: String,
    #[schema(max_length = 120)]
    pub referent: String,
    #[schema(max_length = 120)]
    pub referent_role: String,
}

/// An organisation's card to save.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct OrganisationBody {
    #[schema(required = true, min_length = 1, max_length = 120)]
    pub name: String,
    /// `asst`, `cav`, `forze_ordine`, `terzo_settore`, `servizio_sociale`, `scuola`,
    /// `autorita_giudiziaria`, `comunita`, `sanita`, `cooperativa`, `ente_gestore`, `altro`.
    #[schema(required = true, min_length = 1)]
    pub kind: String,
    /// The Ambito's code, when the caller keeps the directory of several.
    pub ambito: String,
    /// ISTAT codes of the municipalities covered; none: the whole Ambito.
    #[schema(max_items = 200)]
    pub municipalities: Vec<String>,
    /// Target group codes served; none: all of them.
    #[schema(max_items = 20)]
    pub target_groups: Vec<String>,
    #[schema(max_length = 2000)]
    pub availability: String,
    #[schema(max_length = 2000)]
    pub notes: String,
    /// Set when the organisation reports to the service: the reporter kind its reports count
    /// as (`pronto_soccorso`, `servizio_118`, `terzo_settore`, …); it is then offered at intake.
    #[schema(max_length = 40)]
    pub reporter_kind: String,
    #[schema(max_items = 12)]
    pub contacts: Vec<ContactBody>,
    /// The version read, to save an existing card (409 when it changed since).
    pub version: i64,
}

impl OrganisationBody {
    fn input(self) -> SaveInput {
        SaveInput {
            name: self.name,
            kind: self.kind,
            ambito: self.ambito,
            card: CardInput {
                municipalities: self.municipalities,
                target_groups: self.target_groups,
                availability: self.availability,
                notes: self.notes,
                reporter_kind: self.reporter_kind,
                contacts: self
                    .contacts
                    .into_iter()
                    .map(|c| ContactInput {
                        kind: c.kind,
                        label: c.label,
                        phone: c.phone,
                        pec: c.pec,
                        email: c.email,
                        answers: c.answers,
                        referent: c.referent,
                        referent_role: c.referent_role,
                    })
                    .collect(),
            },
        }
    }
}

/// An organisation of the network.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationView {
    pub id: i64,
    pub ambito_id: i64,
    pub name: String,
    pub kind: String,
    pub municipalities: Vec<String>,
    pub target_groups: Vec<String>,
    pub availability: Option<String>,
    pub notes: Option<String>,
    /// Set for a reporting partner: the reporter kind its reports count as.
    pub reporter_kind: Option<String>,
    pub contacts: Vec<ContactBody>,
    pub version: i64,
}

impl From<StoredCard> for OrganisationView {
    fn from(c: StoredCard) -> Self {
        Self {
            id: c.id,
            ambito_id: c.ambito_id,
            name: c.name,
            kind: c.kind,
            municipalities: c.municipalities,
            target_groups: c
                .target_groups
                .split(',')
                .filter(|g| !g.is_empty())
                .map(str::to_owned)
                .collect(),
            availability: c.availability,
            notes: c.notes,
            reporter_kind: c.reporter_kind,
            contacts: c
                .contacts
                .into_iter()
                .map(|x| ContactBody {
                    kind: x.kind,
                    label: x.label,
                    phone: x.phone.unwrap_or_default(),
                    pec: x.pec.unwrap_or_default(),
                    email: x.email.unwrap_or_default(),
                    answers: x.hours.unwrap_or_default(),
                    referent: x.referent.unwrap_or_default(),
                    referent_role: x.referent_role.unwrap_or_default(),
                })
                .collect(),
            version: c.version,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct NetworkQuery {
    /// Words: each must begin a word of the name, kind, notes or contacts.
    #[param(max_length = 200)]
    pub q: String,
    /// An organisation kind.
    #[param(
        pattern = r"^[ \t\r\n]*(ente_gestore|cooperativa|servizio_sociale|forze_ordine|sanita|asst|cav|terzo_settore|scuola|autorita_giudiziaria|comunita|altro)?[ \t\r\n]*$"
    )]
    pub kind: String,
    /// An ISTAT code: organisations covering it (or the whole Ambito).
    #[param(pattern = r"^[ \t\r\n]*([0-9]{1,6})?[ \t\r\n]*$")]
    pub municipality: String,
    /// A target group code: organisations serving it (or every group).
    #[param(
        pattern = r"^[ \t\r\n]*(senza_dimora|grave_emarginazione|msna|fragilita|emergenza_abitativa|violenza_genere|altro)?[ \t\r\n]*$"
    )]
    pub target_group: String,
}

/// The organisations of the caller's Ambiti answering the search, best first (24-hour lines
/// first); at most 60. 422 names a filter that is not known. Audited.
#[utoipa::path(get, path = "/api/v1/network/organisations", tag = "rete", params(NetworkQuery),
    responses((status = 200, body = Vec<OrganisationView>), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(query): Query<NetworkQuery>,
) -> Result<Json<Vec<OrganisationView>>, ApiError> {
    let input = SearchInput {
        q: query.q,
        kind: query.kind,
        municipality: query.municipality,
        target_group: query.target_group,
    };
    let found =
        presidio_app::network::search(&state, visitor.caller(), principal(&visitor)?, &input)
            .await?;
    Ok(Json(
        found.into_iter().map(OrganisationView::from).collect(),
    ))
}

/// What was created.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationRef {
    pub id: i64,
}

/// Adds an organisation to the network of the caller's Ambito (coordinators): the same record
/// accounts and resources use. 422 names the field at fault (`contacts[0].phone`). Audited.
#[utoipa::path(post, path = "/api/v1/network/organisations", tag = "rete",
    request_body = OrganisationBody,
    responses((status = 201, body = OrganisationRef), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    ApiJson(body): ApiJson<OrganisationBody>,
) -> Result<(StatusCode, Json<OrganisationRef>), ApiError> {
    let id = presidio_app::network::save(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        None,
        &body.input(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(OrganisationRef { id })))
}

/// An organisation's card. Audited.
#[utoipa::path(get, path = "/api/v1/network/organisations/{id}", tag = "rete",
    params(("id" = i64, Path)),
    responses((status = 200, body = OrganisationView), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Json<OrganisationView>, ApiError> {
    let card =
        presidio_app::network::card(&state, visitor.caller(), principal(&visitor)?, id).await?;
    Ok(Json(card.into()))
}

/// Saves an organisation's card as a whole, contacts included (coordinators of its Ambito).
/// 409 when it changed since `version`. Audited.
#[utoipa::path(put, path = "/api/v1/network/organisations/{id}", tag = "rete",
    params(("id" = i64, Path)), request_body = OrganisationBody,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<OrganisationBody>,
) -> Result<StatusCode, ApiError> {
    let version = body.version;
    presidio_app::network::save(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        Some((id, version)),
        &body.input(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
