//! Protocols and agreements of the network over the API: list (also those about to end),
//! read, save (coordinators), and their signed PDF (uploaded as multipart, downloaded audited).

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Json};
use presidio_db::StoredProtocol;
use presidio_domain::protocol::ProtocolInput;
use presidio_domain::time::UtcMillis;
use presidio_domain::validation::{Invalid, Problem};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::json::ApiJson;
use super::reports::principal;
use crate::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ErrorBody};

/// A protocol to save.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ProtocolBody {
    #[schema(required = true, min_length = 1, max_length = 200)]
    pub title: String,
    /// `protocollo_operativo`, `accordo_di_rete`, `convenzione`.
    #[schema(required = true, min_length = 1)]
    pub kind: String,
    /// Ids of the organisations of the Ambito that signed it.
    #[schema(max_items = 100)]
    pub parties: Vec<i64>,
    /// Target group codes; none: every group.
    #[schema(max_items = 20)]
    pub target_groups: Vec<String>,
    /// ISTAT codes; none: the whole Ambito.
    #[schema(max_items = 200)]
    pub municipalities: Vec<String>,
    /// `AAAA-MM-GG`.
    #[schema(required = true, format = Date)]
    pub signed_on: String,
    /// `AAAA-MM-GG`, the last day; a new one on an existing protocol is a renewal.
    #[schema(required = true, format = Date)]
    pub valid_until: String,
    /// The operational clauses, in short.
    #[schema(max_length = 8000)]
    pub summary: String,
    /// Target groups whose special procedure it governs (`violenza_genere`, `msna`).
    #[schema(max_items = 20)]
    pub procedures: Vec<String>,
    /// The Ambito's code, when the caller keeps the directory of several.
    pub ambito: String,
    /// The version read, to save an existing protocol.
    pub version: i64,
}

impl ProtocolBody {
    fn input(&self) -> ProtocolInput {
        ProtocolInput {
            title: self.title.clone(),
            kind: self.kind.clone(),
            parties: self.parties.iter().map(ToString::to_string).collect(),
            target_groups: self.target_groups.clone(),
            municipalities: self.municipalities.clone(),
            signed_on: self.signed_on.clone(),
            valid_until: self.valid_until.clone(),
            summary: self.summary.clone(),
            procedures: self.procedures.clone(),
        }
    }
}

fn codes(joined: &str) -> Vec<String> {
    joined
        .split(',')
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

fn at(ms: i64) -> String {
    UtcMillis(ms).timestamp().to_string()
}

/// A signed document.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentView {
    pub id: i64,
    pub name: String,
    pub size: i64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    pub uploaded_at: String,
}

/// A renewal: the last day before and after.
#[derive(Debug, Serialize, ToSchema)]
pub struct RenewalView {
    pub previous_until: String,
    pub valid_until: String,
    pub at: String,
}

/// A protocol of the network.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProtocolView {
    pub id: i64,
    pub ambito_id: i64,
    pub title: String,
    pub kind: String,
    pub parties: Vec<i64>,
    pub target_groups: Vec<String>,
    pub municipalities: Vec<String>,
    pub signed_on: String,
    pub valid_until: String,
    pub summary: Option<String>,
    pub procedures: Vec<String>,
    pub renewals: Vec<RenewalView>,
    pub documents: Vec<DocumentView>,
    pub version: i64,
}

impl From<StoredProtocol> for ProtocolView {
    fn from(p: StoredProtocol) -> Self {
        Self {
            id: p.id,
            ambito_id: p.ambito_id,
            title: p.title,
            kind: p.kind,
            parties: p.parties.iter().map(|(id, _)| *id).collect(),
            target_groups: codes(&p.target_groups),
            municipalities: p.municipalities,
            signed_on: p.signed_on,
            valid_until: p.valid_until,
            summary: p.summary,
            procedures: codes(&p.procedures),
            renewals: p
                .renewals
                .into_iter()
                .map(|(previous_until, valid_until, when)| RenewalView {
                    previous_until,
                    valid_until,
                    at: at(when),
                })
                .collect(),
            documents: p
                .documents
                .into_iter()
                .map(|d| DocumentView {
                    id: d.id,
                    name: d.name,
                    size: d.size,
                    sha256: d.sha256,
                    uploaded_at: at(d.uploaded_at),
                })
                .collect(),
            version: p.version,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct ProtocolsQuery {
    /// Only those ending within this many days (0–3650), the ended ones too.
    #[param(minimum = 0, maximum = 3650)]
    pub expiring_within_days: Option<i64>,
}

/// The protocols of the caller's Ambiti, soonest to end first. Audited.
#[utoipa::path(get, path = "/api/v1/network/protocols", tag = "rete", params(ProtocolsQuery),
    responses((status = 200, body = Vec<ProtocolView>), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(query): Query<ProtocolsQuery>,
) -> Result<Json<Vec<ProtocolView>>, ApiError> {
    let list = presidio_app::protocols::list(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        query.expiring_within_days,
    )
    .await?;
    Ok(Json(list.into_iter().map(ProtocolView::from).collect()))
}

/// What was created.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProtocolRef {
    pub id: i64,
}

/// Records a protocol of the network (coordinators): parties among the Ambito's organisations.
/// 422 names the field at fault. Audited.
#[utoipa::path(post, path = "/api/v1/network/protocols", tag = "rete",
    request_body = ProtocolBody,
    responses((status = 201, body = ProtocolRef), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    ApiJson(body): ApiJson<ProtocolBody>,
) -> Result<(StatusCode, Json<ProtocolRef>), ApiError> {
    let id = presidio_app::protocols::save(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        None,
        &body.ambito,
        &body.input(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(ProtocolRef { id })))
}

/// A protocol. Audited.
#[utoipa::path(get, path = "/api/v1/network/protocols/{id}", tag = "rete",
    params(("id" = i64, Path)),
    responses((status = 200, body = ProtocolView), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Json<ProtocolView>, ApiError> {
    let p =
        presidio_app::protocols::get(&state, visitor.caller(), principal(&visitor)?, id).await?;
    Ok(Json(p.into()))
}

/// Saves a protocol read at `version` (coordinators); a new last day is a renewal, kept in
/// its history, and its reminders start again. 409 when it changed since. Audited.
#[utoipa::path(put, path = "/api/v1/network/protocols/{id}", tag = "rete",
    params(("id" = i64, Path)), request_body = ProtocolBody,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ProtocolBody>,
) -> Result<StatusCode, ApiError> {
    presidio_app::protocols::save(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        Some((id, body.version)),
        "",
        &body.input(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed document, as `multipart/form-data` with the file in the field `document`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct DocumentUpload {
    /// A PDF by its content, at most 10 MB.
    #[schema(value_type = String, format = Binary)]
    pub document: Vec<u8>,
}

/// Keeps the signed document of a protocol (coordinators): checked by its content (a PDF; an
/// executable or anything else is refused on `document`), at most 10 MB, with its SHA-256.
/// Audited.
#[utoipa::path(post, path = "/api/v1/network/protocols/{id}/document", tag = "rete",
    params(("id" = i64, Path)),
    request_body(content = DocumentUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = ProtocolRef), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    form: Multipart,
) -> Result<(StatusCode, Json<ProtocolRef>), ApiError> {
    let (name, bytes) = crate::forms::uploaded(form, "document")
        .await
        .ok_or_else(|| ApiError::from(Invalid::one("document", Problem::Required)))?;
    let doc = presidio_app::protocols::upload(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        id,
        &name,
        &bytes,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(ProtocolRef { id: doc })))
}

/// A signed document of a protocol, as kept. Every download is audited.
#[utoipa::path(get, path = "/api/v1/network/protocols/{id}/documents/{document_id}",
    tag = "rete", params(("id" = i64, Path), ("document_id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 404, body = ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((id, document)): Path<(i64, i64)>,
) -> Result<Response, ApiError> {
    let (name, bytes) = presidio_app::protocols::document(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        id,
        document,
    )
    .await?;
    Ok(crate::forms::pdf_download(&name, bytes))
}
