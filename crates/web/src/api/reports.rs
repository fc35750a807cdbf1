//! Reports over the API: record, list, read (by the need-to-know rule), correct with a version,
//! triage, move along the lifecycle, write in the diary, break the glass.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use presidio_db::ReportFilter;
use presidio_domain::access::{CaseAccess, Principal};
use presidio_domain::reference::{AmbitoId, IstatCode};
use presidio_domain::report::lifecycle::Status;
use presidio_domain::report::triage::TriageInput;
use presidio_domain::report::{Report, ReportInput};
use presidio_domain::time::UtcMillis;
use presidio_domain::validation::{Invalid, Problem};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::json::ApiJson;
use crate::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ErrorBody};
use crate::views::reports::{PersonView, ReporterView, person_view, reporter_view};
use presidio_app::reports::Saved;

/// A report as the API writes it: `POST /api/v1/reports` and `PATCH` (with `version`).
/// Codes are stable values; every field refused is named in the 422 answer.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // documents the body; the handlers read it as `ReportInput`
pub struct ReportBody {
    /// RFC 3339; omitted for now.
    pub received_at: Option<String>,
    /// `telefono`, `email`, `pec`, `portale`, `di_persona`
    #[schema(example = "telefono")]
    pub channel: String,
    pub reporter: ReporterBody,
    /// ISTAT code; omitted when the place is outside every known municipality (then `place`).
    #[schema(example = "015182")]
    pub municipality: Option<String>,
    pub place: Option<String>,
    pub current_location: Option<String>,
    /// `senza_dimora`, `grave_emarginazione`, `msna`, `fragilita`, `emergenza_abitativa`,
    /// `violenza_genere`, `altro`
    #[schema(example = "senza_dimora")]
    pub target_group: String,
    pub persons: Vec<PersonBody>,
    /// `pericolo_immediato`, `autore_presente`, `minori_presenti`, `problema_sanitario`,
    /// `salute_mentale`, `sostanze`, `animali`, `mobilita_ridotta`
    pub risk_flags: Option<Vec<String>>,
    pub description: String,
    /// Marks the record protected (besides `msna` and `violenza_genere`).
    pub protected: Option<bool>,
    /// Only for `PATCH`: the version read.
    pub version: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct ReporterBody {
    /// Required, unless `organisation_id` names a reporting partner: then its kind.
    pub kind: String,
    pub organization: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub reference: Option<String>,
    /// A reporting partner of the Ambito's network directory (an organisation with a reporter
    /// kind); `organization`, when empty, becomes its name.
    pub organisation_id: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct PersonBody {
    pub role: String,
    pub name: Option<String>,
    pub alias: Option<String>,
    pub sex: Option<String>,
    pub age: Option<i64>,
    pub age_band: Option<String>,
    pub citizenship: Option<String>,
    pub fiscal_code: Option<String>,
    pub language: Option<String>,
    pub needs_mediator: Option<bool>,
    pub known_to_services: Option<bool>,
    /// A known person record of the report's Ambito (from `GET /api/v1/persons/candidates`);
    /// omitted for a new person. On `PATCH`, omitted keeps the record of the person at the
    /// same place in the list.
    pub person_id: Option<i64>,
    /// How this person is related to the report's first person: `genitore`, `figlio`,
    /// `partner`, `altro_familiare`, `convivente`. Stored, the two are one household (unless
    /// this person already lives in another). Refused on the first person.
    pub relationship: Option<String>,
}

/// What a write answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportRefView {
    pub id: i64,
    /// The protocol number.
    #[schema(example = "PIS-2026-0042")]
    pub code: String,
    #[schema(example = "received")]
    pub status: String,
    pub version: i64,
}

impl From<presidio_db::ReportRef> for ReportRefView {
    fn from(r: presidio_db::ReportRef) -> Self {
        Self {
            id: r.id,
            code: r.code,
            status: r.status.code().into(),
            version: r.version,
        }
    }
}

/// A whole report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    pub id: i64,
    pub code: String,
    pub ambito_id: i64,
    /// False: the whole record.
    pub restricted: bool,
    pub status: String,
    pub status_at: String,
    /// Latest triage: `non_pertinente`, `urgenza`, `emergenza`.
    pub outcome: Option<String>,
    pub received_at: String,
    pub channel: String,
    pub reporter: ReporterView,
    pub municipality: Option<String>,
    pub outside_ambito: bool,
    pub place: Option<String>,
    pub current_location: Option<String>,
    pub target_group: String,
    pub persons: Vec<PersonView>,
    pub risk_flags: Vec<String>,
    pub description: String,
    pub protected: bool,
    /// How the case ended, while closed: `placed`, `returned_home`, `refused_help`,
    /// `referred`, `no_action_needed`.
    pub closing_outcome: Option<String>,
    pub version: i64,
}

/// A protected report seen by someone not taking care of it, or a trusted reporter's view.
#[derive(Debug, Serialize, ToSchema)]
pub struct RestrictedView {
    pub id: i64,
    pub code: String,
    /// True: only protocol number, municipality and status.
    pub restricted: bool,
    pub municipality: Option<String>,
    /// The lifecycle status; for the reporting organisation, only `received`, `in_progress`,
    /// `handed_over` or `closed`.
    pub status: String,
    /// The whole record opens with `POST /api/v1/reports/{id}/break-glass` and a reason.
    pub break_glass: bool,
    /// What the reporting organisation sent, on its own report; null otherwise.
    pub sent: Option<SentView>,
}

/// A report as its reporting organisation sent it: no triage, no assignee, no later record.
#[derive(Debug, Serialize, ToSchema)]
pub struct SentView {
    pub received_at: String,
    pub reporter: ReporterView,
    pub place: Option<String>,
    pub target_group: String,
    pub description: String,
}

pub(crate) fn rfc3339(t: UtcMillis) -> String {
    t.timestamp().to_string()
}

pub(crate) fn full(r: Report) -> ReportView {
    let d = r.data;
    ReportView {
        id: r.id,
        code: r.code,
        ambito_id: r.ambito.0,
        restricted: false,
        status: r.status.code().into(),
        status_at: rfc3339(r.status_at),
        outcome: r.outcome.map(|o| o.code().into()),
        received_at: rfc3339(d.received_at),
        channel: d.channel.code().into(),
        reporter: reporter_view(d.reporter),
        municipality: d.municipality.map(|m| m.as_str().to_owned()),
        outside_ambito: r.outside_ambito,
        place: d.place,
        current_location: d.current_location,
        target_group: d.target_group.code().into(),
        persons: d.persons.into_iter().map(person_view).collect(),
        risk_flags: d.risk_flags.iter().map(|f| f.code().into()).collect(),
        protected: d.protected || d.target_group.is_protected(),
        description: d.description,
        closing_outcome: r.closing_outcome.map(|c| c.code().into()),
        version: r.version,
    }
}

/// The user's principal; the policy layer guarantees one on these routes.
pub(crate) fn principal(visitor: &Visitor) -> Result<&Principal, ApiError> {
    visitor
        .principal()
        .ok_or_else(|| ApiError::unauthenticated("unauthenticated"))
}

/// Records a report; it gets the next protocol number of its Ambito.
#[utoipa::path(post, path = "/api/v1/reports", tag = "segnalazioni", request_body = ReportBody,
    responses(
        (status = 201, body = ReportRefView),
        (status = 400, description = "Corpo non JSON", body = ErrorBody),
        (status = 422, description = "Campi rifiutati, ognuno con il suo messaggio", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    ApiJson(input): ApiJson<ReportInput>,
) -> Result<(StatusCode, Json<ReportRefView>), ApiError> {
    let who = principal(&visitor)?;
    let created = presidio_app::reports::create(&state, visitor.caller(), who, &input).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// A status code, e.g. `received`.
    #[serde(default)]
    pub status: String,
    /// ISTAT code.
    #[serde(default)]
    pub municipality: String,
    /// From this day (AAAA-MM-GG, Rome).
    #[serde(default)]
    pub from: String,
    /// To this day included.
    #[serde(default)]
    pub to: String,
    /// Only open reports, by severity and waiting time (the board).
    #[serde(default)]
    pub open: bool,
    /// 1 to 500, default 100.
    #[serde(default)]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// 0 to 1,000,000,000, default 0.
    #[serde(default)]
    #[param(minimum = 0, maximum = 1_000_000_000)]
    pub offset: Option<i64>,
}

/// A line of the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportLineView {
    pub id: i64,
    pub code: String,
    pub restricted: bool,
    /// The lifecycle status; on the reporting organisation's own lines, only `received`,
    /// `in_progress`, `handed_over` or `closed`.
    pub status: String,
    pub municipality: Option<String>,
    /// Hidden (null) on restricted lines but the reporting organisation's own.
    pub received_at: Option<String>,
    pub outcome: Option<String>,
    pub target_group: Option<String>,
    pub assigned: Option<String>,
    pub version: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportPage {
    pub items: Vec<ReportLineView>,
    /// Pass as `offset` for the next page; null on the last.
    pub next_offset: Option<i64>,
}

impl ListQuery {
    fn filter(&self, ambiti: Vec<AmbitoId>) -> Result<ReportFilter, Invalid> {
        let mut errors = Invalid::default();
        let status = if self.status.trim().is_empty() {
            None
        } else {
            let s = Status::parse(&self.status);
            if s.is_none() {
                errors.push("status", Problem::UnknownCode);
            }
            s
        };
        let municipality = if self.municipality.trim().is_empty() {
            None
        } else {
            IstatCode::parse(&self.municipality)
                .map_err(|p| errors.push("municipality", p))
                .ok()
        };
        let (from, to) = presidio_domain::validation::day_range(&mut errors, &self.from, &self.to);
        let limit = self.limit.unwrap_or(100);
        if !(1..=500).contains(&limit) {
            errors.push("limit", Problem::OutOfRange);
        }
        let offset = self.offset.unwrap_or(0);
        if !(0..=presidio_db::MAX_OFFSET).contains(&offset) {
            errors.push("offset", Problem::OutOfRange);
        }
        errors.into_result(ReportFilter {
            ambiti,
            status,
            open_only: self.open,
            municipality,
            from,
            to,
            reporter_organisation: None,
            limit,
            offset,
        })
    }
}

/// Reports the user may know of, newest first (or, with `open=true`, the board's order).
#[utoipa::path(get, path = "/api/v1/reports", tag = "segnalazioni", params(ListQuery),
    responses((status = 200, body = ReportPage), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<ListQuery>,
) -> Result<Json<ReportPage>, ApiError> {
    let who = principal(&visitor)?;
    let filter = q.filter(presidio_app::cases::readable_ambiti(who))?;
    let (offset, limit) = (filter.offset, filter.limit);
    let lines = presidio_app::cases::lines(&state, who, filter).await?;
    let full_page = lines.full_page;
    let items: Vec<ReportLineView> = lines
        .items
        .into_iter()
        .map(|(l, access)| {
            let restricted = access != CaseAccess::Full;
            // The reporting organisation: the four public stages, as `GET /reports/{id}`.
            let own = access == CaseAccess::Limited;
            line_view(l, restricted, own)
        })
        .collect();
    // Lines hold no personal data (no names, no description; restricted lines not even the
    // target group): the audit trail records the opening of each report, not the lists.
    Ok(Json(ReportPage {
        items,
        next_offset: full_page
            .then(|| offset.saturating_add(limit))
            .filter(|next| *next <= presidio_db::MAX_OFFSET),
    }))
}

fn line_view(l: presidio_db::ReportLine, restricted: bool, own: bool) -> ReportLineView {
    ReportLineView {
        id: l.id,
        code: l.code,
        restricted,
        status: match Status::parse(&l.status) {
            Some(s) if own => s.reporter_stage().code().to_owned(),
            _ => l.status,
        },
        municipality: l.municipality,
        received_at: (!restricted || own).then(|| rfc3339(UtcMillis(l.received_at))),
        outcome: l.outcome.filter(|_| !restricted),
        target_group: (!restricted).then_some(l.target_group),
        assigned: l.assigned_name.filter(|_| !restricted),
        version: l.version,
    }
}

/// A correction: the whole report as for `POST`, and the version read.
#[derive(Debug, Deserialize)]
pub struct PatchInput {
    #[serde(default)]
    pub version: Option<i64>,
    #[serde(flatten)]
    pub report: ReportInput,
}

/// Corrects a report; `version` must be the one read, else 409 with the current record.
#[utoipa::path(patch, path = "/api/v1/reports/{id}", tag = "segnalazioni",
    params(("id" = i64, Path)), request_body = ReportBody,
    responses((status = 200, body = ReportRefView), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<PatchInput>,
) -> Result<Json<ReportRefView>, ApiError> {
    let who = principal(&visitor)?;
    let saved = presidio_app::reports::update(
        &state,
        visitor.caller(),
        who,
        id,
        body.version,
        &body.report,
    )
    .await?;
    match saved {
        Saved::Done(done) => Ok(Json(done.into())),
        Saved::Stale(now) => Err(ApiError::conflict_with(
            serde_json::to_value(full(*now)).unwrap_or_default(),
        )),
    }
}

/// The triage decision (or a revised one): outcome, reason and destination when not pertinent,
/// rationale, and the checklist criteria ticked.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct TriageBody {
    /// `non_pertinente`, `urgenza`, `emergenza`
    pub outcome: String,
    /// `casistica` or `richiesta`, for `non_pertinente`
    pub not_pertinent_reason: Option<String>,
    pub redirected_to: Option<String>,
    pub rationale: String,
    /// Checklist codes, e.g. `pericolo_immediato`, `minore_solo`.
    pub criteria: Option<Vec<String>>,
}

/// Triages (or re-triages) a report.
#[utoipa::path(post, path = "/api/v1/reports/{id}/triage", tag = "segnalazioni",
    params(("id" = i64, Path)), request_body = TriageBody,
    responses((status = 200, body = ReportRefView), (status = 422, body = ErrorBody)))]
pub async fn triage(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<TriageInput>,
) -> Result<Json<ReportRefView>, ApiError> {
    let who = principal(&visitor)?;
    let done = presidio_app::reports::triage(&state, visitor.caller(), who, id, &input).await?;
    Ok(Json(done.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StatusBody {
    /// The next status, e.g. `advice` or `closed`.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub note: String,
    /// Required to close: `placed`, `returned_home`, `refused_help`, `referred`,
    /// `no_action_needed`.
    #[serde(default)]
    pub closing_outcome: String,
}

/// Moves a report along its lifecycle; a move the lifecycle does not allow is a 422.
#[utoipa::path(post, path = "/api/v1/reports/{id}/status", tag = "segnalazioni",
    params(("id" = i64, Path)), request_body = StatusBody,
    responses((status = 200, body = ReportRefView), (status = 422, body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<StatusBody>,
) -> Result<Json<ReportRefView>, ApiError> {
    let who = principal(&visitor)?;
    let input = presidio_app::reports::MoveInput {
        status: &body.status,
        note: &body.note,
        closing_outcome: &body.closing_outcome,
    };
    let done = presidio_app::reports::move_status(&state, visitor.caller(), who, id, input).await?;
    Ok(Json(done.into()))
}

/// A status link: the address to read out or send to the reporter.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusLinkView {
    /// Opens a page with the report's code and where it stands, nothing personal; a new link
    /// replaces the old one.
    pub url: String,
}

/// Makes a secret link to the report's minimal status for the reporter (received, in
/// progress, handed over, closed); any earlier link stops working.
#[utoipa::path(post, path = "/api/v1/reports/{id}/status-link", tag = "segnalazioni",
    params(("id" = i64, Path)),
    responses((status = 201, body = StatusLinkView), (status = 403, body = ErrorBody)))]
pub async fn status_link(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<StatusLinkView>), ApiError> {
    let (_, url) = presidio_app::handovers::new_status_link(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        id,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(StatusLinkView { url })))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReopenBody {
    /// Why the case opens again.
    #[serde(default)]
    pub reason: String,
}

/// Reopens a closed case with a reason: back to triaged (or received); the history keeps the
/// closing and the reopening.
#[utoipa::path(post, path = "/api/v1/reports/{id}/reopen", tag = "segnalazioni",
    params(("id" = i64, Path)), request_body = ReopenBody,
    responses((status = 200, body = ReportRefView), (status = 422, body = ErrorBody)))]
pub async fn reopen(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ReopenBody>,
) -> Result<Json<ReportRefView>, ApiError> {
    let who = principal(&visitor)?;
    let done =
        presidio_app::reports::reopen(&state, visitor.caller(), who, id, &body.reason).await?;
    Ok(Json(done.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DiaryBody {
    /// `nota`, `chiamata_effettuata`, `chiamata_ricevuta`, `contatto_forze_ordine`,
    /// `contatto_servizi`, `decisione`
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub text: String,
    /// The id of the entry this one corrects.
    #[serde(default)]
    pub corrects: Option<i64>,
    /// When the note was written on the phone without network (RFC 3339, at most a day ago and
    /// two minutes ahead): the entry's time, the server's receipt time kept beside it.
    #[schema(format = DateTime)]
    pub tapped_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiaryRef {
    pub id: i64,
}

/// Adds a diary entry; entries are never changed: a correction is a new entry naming the old.
#[utoipa::path(post, path = "/api/v1/reports/{id}/diary", tag = "segnalazioni",
    params(("id" = i64, Path)), request_body = DiaryBody,
    responses((status = 201, body = DiaryRef), (status = 422, body = ErrorBody)))]
pub async fn diary(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<DiaryBody>,
) -> Result<(StatusCode, Json<DiaryRef>), ApiError> {
    let who = principal(&visitor)?;
    let input = presidio_app::reports::DiaryInput {
        kind: &body.kind,
        text: &body.text,
        corrects: body.corrects,
        tapped_at: &super::typed(body.tapped_at),
    };
    let entry = presidio_app::reports::add_diary(&state, visitor.caller(), who, id, input).await?;
    Ok((StatusCode::CREATED, Json(DiaryRef { id: entry })))
}

/// Server-Sent Events of the live board: an event `board` with `{"ambito_id","report_id"}`
/// each time a report of the user's Ambiti changes.
#[utoipa::path(get, path = "/api/v1/board/events", tag = "segnalazioni",
    responses((status = 200, description = "Flusso text/event-stream", content_type = "text/event-stream")))]
pub async fn board_events(
    state: State<AppState>,
    visitor: Extension<Visitor>,
) -> impl axum::response::IntoResponse {
    crate::live::board_events(state, visitor).await
}
