//! Persons over the API: who may already be known at intake, the person's record and timeline,
//! the search, links between records of the same person, and corrections.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use presidio_app::persons::{Candidate, Corrected, Entry, PersonView as Viewed};
use presidio_domain::person::{CandidateInput, DetailsInput};
use presidio_domain::time::UtcMillis;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::json::ApiJson;
use super::reports::principal;
use crate::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ErrorBody};

fn rfc3339(at: i64) -> String {
    UtcMillis(at).timestamp().to_string()
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct CandidatesQuery {
    /// Name or alias as typed, in any order.
    pub name: String,
    /// `M`, `F`, `X`
    pub sex: String,
    /// Not before 1900 nor after this year.
    #[param(minimum = 1900, maximum = 9999)]
    pub birth_year: Option<i64>,
    pub fiscal_code: String,
    /// ISTAT code of the report's municipality: its Ambito's records are searched.
    #[param(pattern = r"^\s*([0-9]{6})?\s*$")]
    pub municipality: String,
}

/// A possible match.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateView {
    pub person_id: i64,
    /// 0–1, best first.
    pub score: f64,
    /// Null when restricted, or for "sconosciuto".
    pub display_name: Option<String>,
    pub birth_year: Option<i64>,
    /// Reports naming the person (0 when restricted).
    pub reports: usize,
    /// RFC 3339; null when restricted.
    pub last_seen: Option<String>,
    /// Known only from protected records the user does not take care of: ask the coordinators.
    pub restricted: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateList {
    pub items: Vec<CandidateView>,
}

fn candidate_view(c: Candidate) -> CandidateView {
    CandidateView {
        person_id: c.person_id,
        score: (c.score * 1000.0).round() / 1000.0,
        display_name: c.display_name,
        birth_year: c.birth_year,
        reports: c.reports,
        last_seen: c.last_seen.map(rfc3339),
        restricted: c.restricted,
    }
}

/// Who may already be known ("già noto al servizio?"): the same fiscal code first, then names
/// alike in any order, with accents or typos, weighed with birth year, sex and municipality.
/// A match known only from protected records says nothing but `restricted`, and is audited.
#[utoipa::path(get, path = "/api/v1/persons/candidates", tag = "persone", params(CandidatesQuery),
    responses((status = 200, body = CandidateList), (status = 422, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn candidates(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<CandidatesQuery>,
) -> Result<Json<CandidateList>, ApiError> {
    let input = CandidateInput {
        name: q.name,
        sex: q.sex,
        birth_year: q.birth_year,
        fiscal_code: q.fiscal_code,
        municipality: q.municipality,
    };
    let found =
        presidio_app::persons::candidates(&state, visitor.caller(), principal(&visitor)?, &input)
            .await?;
    Ok(Json(CandidateList {
        items: found.into_iter().map(candidate_view).collect(),
    }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct SearchQuery {
    /// A name or alias, a fiscal code, or a birth year.
    #[param(required = true, min_length = 1, max_length = 200)]
    pub q: String,
}

/// The persons the user may read whose name, alias, fiscal code or birth year is like `q`.
/// Audited with the records found, never with the text searched.
#[utoipa::path(get, path = "/api/v1/persons", tag = "persone", params(SearchQuery),
    responses((status = 200, body = CandidateList), (status = 422, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<SearchQuery>,
) -> Result<Json<CandidateList>, ApiError> {
    let found =
        presidio_app::persons::search(&state, visitor.caller(), principal(&visitor)?, &q.q).await?;
    Ok(Json(CandidateList {
        items: found.into_iter().map(candidate_view).collect(),
    }))
}

/// A name or alias and where it comes from.
#[derive(Debug, Serialize, ToSchema)]
pub struct NameView {
    /// `name`, `alias`
    pub kind: String,
    pub value: String,
    /// `segnalazione`, `correzione`
    pub source: String,
    /// The protocol number of the report it was typed in.
    pub report_code: Option<String>,
    pub at: String,
    pub person_id: i64,
}

/// A correction of the record: the field, what it was and what it became.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionView {
    pub at: String,
    pub field: String,
    pub previous: Option<String>,
    pub value: Option<String>,
}

/// A link to another record of the same person (standing, or undone).
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkView {
    pub person_id: i64,
    pub other_id: i64,
    pub reason: String,
    pub linked_at: String,
    pub unlinked_at: Option<String>,
    pub unlink_reason: Option<String>,
}

/// A resource activated for the person.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlacementView {
    /// A protected shelter reads "Struttura protetta tramite CAV".
    pub resource: String,
    pub status: String,
    pub nights: i64,
}

/// A handover of the report, and who took charge.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandoverLine {
    pub municipality: String,
    pub municipality_name: String,
    /// `sent`, `acknowledged`, `taken_in_charge`, `not_competent`, `closed`
    pub status: String,
    pub sent_at: String,
    pub acknowledged_by: Option<String>,
}

/// A report naming the person.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineView {
    pub report_id: i64,
    pub code: String,
    /// True for a report the user may not read: nothing but its number.
    pub restricted: bool,
    pub received_at: Option<String>,
    pub role: Option<String>,
    pub target_group: Option<String>,
    pub status: Option<String>,
    /// The triage outcome: `non_pertinente`, `urgenza`, `emergenza`.
    pub outcome: Option<String>,
    pub closing_outcome: Option<String>,
    pub placements: Vec<PlacementView>,
    pub handovers: Vec<HandoverLine>,
}

/// A person record: identity, safety notes, linked records and the reports naming them.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonDetailView {
    pub id: i64,
    pub ambito_id: i64,
    /// Null when restricted, or for "sconosciuto".
    pub name: Option<String>,
    /// Known only from protected records the user does not take care of: nothing else is given.
    pub restricted: bool,
    pub sex: Option<String>,
    pub birth_date: Option<String>,
    pub birth_year: Option<i64>,
    pub age_band: Option<String>,
    /// Belfiore code.
    pub birth_place: Option<String>,
    pub citizenship: Option<String>,
    pub fiscal_code: Option<String>,
    pub languages: Option<String>,
    pub needs_mediator: bool,
    /// ISTAT code.
    pub residence: Option<String>,
    pub contacts: Option<String>,
    /// For every operator before meeting the person.
    pub safety_notes: Option<String>,
    pub names: Vec<NameView>,
    /// The records linked to this one (the same person found twice).
    pub linked: Vec<i64>,
    pub links: Vec<LinkView>,
    pub corrections: Vec<CorrectionView>,
    /// Newest first, across every linked record.
    pub reports: Vec<TimelineView>,
    /// The household: its head first (`relationship` null), then each member with how they
    /// are related to the head. Empty when the person lives with no one known.
    pub household: Vec<RelativeView>,
    /// Data-protection records: notices, consents, requests and their decisions, newest first.
    pub privacy: Vec<crate::views::persons::PrivacyView>,
    /// Processing restricted at the person's request (RFC 3339): no longer offered at intake.
    pub restricted_at: Option<String>,
    pub version: i64,
}

/// A person of a household.
#[derive(Debug, Serialize, ToSchema)]
pub struct RelativeView {
    pub person_id: i64,
    /// How they are related to the head: `genitore`, `figlio`, `partner`, `altro_familiare`,
    /// `convivente`; null for the head.
    pub relationship: Option<String>,
    /// Known to the user only from protected records: nothing else is given.
    pub restricted: bool,
    pub name: Option<String>,
    pub sex: Option<String>,
    pub birth_year: Option<i64>,
}

/// A record known to the user only from protected reports: nothing but that.
fn reserved(id: i64) -> PersonDetailView {
    PersonDetailView {
        id,
        ambito_id: 0,
        name: None,
        restricted: true,
        sex: None,
        birth_date: None,
        birth_year: None,
        age_band: None,
        birth_place: None,
        citizenship: None,
        fiscal_code: None,
        languages: None,
        needs_mediator: false,
        residence: None,
        contacts: None,
        safety_notes: None,
        names: Vec::new(),
        linked: Vec::new(),
        links: Vec::new(),
        corrections: Vec::new(),
        reports: Vec::new(),
        household: Vec::new(),
        privacy: Vec::new(),
        restricted_at: None,
        version: 0,
    }
}

/// A report of the timeline as the API gives it.
fn timeline_view(t: crate::i18n::Tr<'_>, e: Entry) -> TimelineView {
    match e {
        Entry::Reserved { code, report_id } => TimelineView {
            report_id,
            code,
            restricted: true,
            received_at: None,
            role: None,
            target_group: None,
            status: None,
            outcome: None,
            closing_outcome: None,
            placements: Vec::new(),
            handovers: Vec::new(),
        },
        Entry::Open { role, case, .. } => TimelineView {
            report_id: case.report.id,
            code: case.report.code.clone(),
            restricted: false,
            received_at: Some(case.report.data.received_at.timestamp().to_string()),
            role: Some(role),
            target_group: Some(case.report.data.target_group.code().into()),
            status: Some(case.report.status.code().into()),
            outcome: case.report.outcome.map(|o| o.code().into()),
            closing_outcome: case.report.closing_outcome.map(|c| c.code().into()),
            placements: case
                .activations
                .iter()
                .map(|a| PlacementView {
                    resource: crate::views::resource_name(t, a),
                    status: a.status.clone(),
                    nights: a.nights,
                })
                .collect(),
            handovers: case
                .handovers
                .iter()
                .map(|h| HandoverLine {
                    municipality: h.municipality.clone(),
                    municipality_name: h.municipality_name.clone(),
                    status: h.status.clone(),
                    sent_at: rfc3339(h.sent_at),
                    acknowledged_by: h.acknowledged_by.clone(),
                })
                .collect(),
        },
    }
}

fn detail(t: crate::i18n::Tr<'_>, viewed: Viewed, id: i64) -> PersonDetailView {
    let p = match viewed {
        Viewed::Reserved => return reserved(id),
        Viewed::Full(p) => *p,
    };
    let r = p.record;
    PersonDetailView {
        id: r.id,
        ambito_id: r.ambito_id,
        name: r.name,
        restricted: false,
        sex: Some(r.sex),
        birth_date: r.birth_date,
        birth_year: r.birth_year,
        age_band: r.age_band,
        birth_place: r.birth_place,
        citizenship: r.citizenship,
        fiscal_code: r.fiscal_code,
        languages: r.languages,
        needs_mediator: r.needs_mediator == 1,
        residence: r.residence,
        contacts: r.contacts,
        safety_notes: r.safety_notes,
        names: p
            .names
            .into_iter()
            .map(|n| NameView {
                kind: n.kind,
                value: n.value,
                source: n.source,
                report_code: n.report_code,
                at: rfc3339(n.at),
                person_id: n.person_id,
            })
            .collect(),
        linked: p.linked.iter().map(|l| l.id).collect(),
        links: p
            .links
            .into_iter()
            .map(|l| LinkView {
                person_id: l.person_id,
                other_id: l.other_id,
                reason: l.reason,
                linked_at: rfc3339(l.linked_at),
                unlinked_at: l.unlinked_at.map(rfc3339),
                unlink_reason: l.unlink_reason,
            })
            .collect(),
        corrections: p
            .corrections
            .into_iter()
            .map(|c| CorrectionView {
                at: rfc3339(c.at),
                field: c.field,
                previous: c.previous,
                value: c.value,
            })
            .collect(),
        reports: p
            .timeline
            .into_iter()
            .map(|e| timeline_view(t, e))
            .collect(),
        household: p
            .household
            .into_iter()
            .map(|m| RelativeView {
                person_id: m.person_id,
                relationship: m.relationship.map(|r| r.code().to_owned()),
                restricted: m.reserved,
                name: m.name,
                sex: m.sex,
                birth_year: m.birth_year,
            })
            .collect(),
        privacy: p
            .privacy
            .iter()
            .map(crate::views::persons::privacy_view)
            .collect(),
        restricted_at: r.restricted_at.map(rfc3339),
        version: r.version,
    }
}

/// A person record and the reports naming them (and every linked record), as far as the user
/// may read them; a record known to them only from protected reports answers `restricted` and
/// nothing else. Not found for whoever reads none of its reports. Audited.
#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "persone", params(("id" = i64, Path)),
    responses((status = 200, body = PersonDetailView), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Json<PersonDetailView>, ApiError> {
    let viewed =
        presidio_app::persons::view(&state, visitor.caller(), principal(&visitor)?, id).await?;
    let t = crate::i18n::catalogue().tr(crate::i18n::Locale::Italian);
    Ok(Json(detail(t, viewed, id)))
}

/// Corrections of a person's details: every field at once, with the `version` read. Each
/// change is kept in the record's history with what it was. A field left out (or null) is
/// cleared.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct DetailsBody {
    pub name: Option<String>,
    /// `M`, `F`, `X`
    pub sex: Option<String>,
    /// `YYYY-MM-DD`
    pub birth_date: Option<String>,
    /// Not before 1900 nor after this year; must agree with `birth_date`.
    #[schema(minimum = 1900, maximum = 9999)]
    pub birth_year: Option<i64>,
    /// Belfiore code of the municipality or country of birth.
    pub birth_place: Option<String>,
    /// ISO 3166-1 alpha-2
    pub citizenship: Option<String>,
    pub fiscal_code: Option<String>,
    pub languages: Option<String>,
    pub needs_mediator: Option<bool>,
    /// ISTAT code.
    pub residence: Option<String>,
    pub contacts: Option<String>,
    pub safety_notes: Option<String>,
    /// The version read (409 when the record changed since).
    #[schema(required = true, value_type = i64)]
    pub version: Option<i64>,
}

impl DetailsBody {
    fn input(self) -> DetailsInput {
        DetailsInput {
            name: self.name.unwrap_or_default(),
            sex: self.sex.unwrap_or_default(),
            birth_date: self.birth_date.unwrap_or_default(),
            birth_year: self.birth_year,
            birth_place: self.birth_place.unwrap_or_default(),
            citizenship: self.citizenship.unwrap_or_default(),
            fiscal_code: self.fiscal_code.unwrap_or_default(),
            languages: self.languages.unwrap_or_default(),
            needs_mediator: self.needs_mediator.unwrap_or_default(),
            residence: self.residence.unwrap_or_default(),
            contacts: self.contacts.unwrap_or_default(),
            safety_notes: self.safety_notes.unwrap_or_default(),
        }
    }
}

/// What a correction answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    pub id: i64,
    pub version: i64,
}

/// Corrects a person's details (`version` as read; 409 when someone changed it since).
#[utoipa::path(patch, path = "/api/v1/persons/{id}", tag = "persone", params(("id" = i64, Path)),
    request_body = DetailsBody,
    responses((status = 200, body = VersionView), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn correct(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<DetailsBody>,
) -> Result<Json<VersionView>, ApiError> {
    let version = body.version;
    match presidio_app::persons::correct(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        id,
        version,
        &body.input(),
    )
    .await?
    {
        Corrected::Done(version) => Ok(Json(VersionView { id, version })),
        Corrected::Stale => Err(ApiError::new(StatusCode::CONFLICT, "conflict")),
    }
}

/// A link to make: the other record, and why they are the same person.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct LinkBody {
    /// The other record.
    #[schema(required = true, value_type = i64, minimum = 1)]
    pub person_id: Option<i64>,
    /// Why they are the same person.
    #[schema(required = true, min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// Links two records of the same person (never merged: undone by `DELETE`). Audited.
#[utoipa::path(post, path = "/api/v1/persons/{id}/links", tag = "persone",
    params(("id" = i64, Path)), request_body = LinkBody,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn link(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<LinkBody>,
) -> Result<StatusCode, ApiError> {
    presidio_app::persons::link(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        id,
        body.person_id,
        &body.reason,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Why a link is undone.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct UnlinkBody {
    #[schema(required = true, min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// Undoes the link between two records, with a reason. Audited.
#[utoipa::path(delete, path = "/api/v1/persons/{id}/links/{other_id}", tag = "persone",
    params(("id" = i64, Path), ("other_id" = i64, Path)), request_body = UnlinkBody,
    responses((status = 204), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unlink(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((id, other)): Path<(i64, i64)>,
    ApiJson(body): ApiJson<UnlinkBody>,
) -> Result<StatusCode, ApiError> {
    presidio_app::persons::unlink(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        id,
        other,
        &body.reason,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who joins the household, and how they are related to its head.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct HouseholdBody {
    /// The person joining: a record of the same Ambito.
    #[schema(required = true, value_type = i64, minimum = 1)]
    pub person_id: Option<i64>,
    /// How they are related to the household's head (this person, when they head none yet):
    /// `genitore`, `figlio`, `partner`, `altro_familiare`, `convivente`.
    #[schema(required = true, min_length = 1, max_length = 40)]
    pub relationship: String,
}

/// Adds a person to this person's household (a new one headed by this person when they live
/// with no one known). 422 when the person already lives in another household. Audited.
#[utoipa::path(post, path = "/api/v1/persons/{id}/household", tag = "persone",
    params(("id" = i64, Path)), request_body = HouseholdBody,
    responses((status = 204), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn household_add(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<HouseholdBody>,
) -> Result<StatusCode, ApiError> {
    presidio_app::households::add(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        id,
        body.person_id,
        &body.relationship,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Takes this person out of their household (the household of a head ends: every member
/// leaves). Kept in the history; audited.
#[utoipa::path(delete, path = "/api/v1/persons/{id}/household", tag = "persone",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn household_leave(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    presidio_app::households::leave(&state, visitor.caller(), principal(&visitor)?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A data-protection record to keep.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct PrivacyBody {
    /// `informativa`, `consenso`, `revoca_consenso`, `limitazione`, `cancellazione`,
    /// `opposizione`
    #[schema(required = true, min_length = 1, max_length = 40)]
    pub kind: String,
    /// `AAAA-MM-GG`, from 2000-01-01 to today: when the notice or consent was given, or the
    /// request received.
    #[schema(required = true, format = Date)]
    pub on: String,
    /// Required for the notice: `orale`, `scritta`, `mediatore`, `non_possibile`.
    #[schema(max_length = 40)]
    pub how: String,
    /// Required for a consent or its withdrawal: what sharing.
    #[schema(max_length = 2000)]
    pub purpose: String,
    /// Required for a consent or its withdrawal: with whom.
    #[schema(max_length = 2000)]
    pub recipient: String,
    #[schema(max_length = 2000)]
    pub notes: String,
}

/// The record kept.
#[derive(Debug, Serialize, ToSchema)]
pub struct PrivacyRef {
    pub id: i64,
}

/// Records that the information notice was given (and how), a consent or its withdrawal, or a
/// request of the person (restriction, erasure, objection) for a coordinator to decide. Audited.
#[utoipa::path(post, path = "/api/v1/persons/{id}/privacy", tag = "persone",
    params(("id" = i64, Path)), request_body = PrivacyBody,
    responses((status = 201, body = PrivacyRef), (status = 422, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn privacy_add(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<PrivacyBody>,
) -> Result<(StatusCode, Json<PrivacyRef>), ApiError> {
    let input = presidio_domain::privacy::PrivacyInput {
        kind: body.kind,
        on: body.on,
        how: body.how,
        purpose: body.purpose,
        recipient: body.recipient,
        notes: body.notes,
    };
    let entry =
        presidio_app::privacy::record(&state, visitor.caller(), principal(&visitor)?, id, &input)
            .await?;
    Ok((StatusCode::CREATED, Json(PrivacyRef { id: entry })))
}

/// The decision on a request.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct PrivacyDecisionBody {
    /// `accolta`, `respinta`
    #[schema(required = true, min_length = 1, max_length = 40)]
    pub decision: String,
    #[schema(required = true, min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// Decides a request of the person, once (coordinators): a granted erasure anonymises the
/// record at once (the statistics keep their totals); a granted restriction or objection stops
/// it being offered at intake. 409 when it was decided already. Audited.
#[utoipa::path(post, path = "/api/v1/persons/{id}/privacy/{entry_id}/decision", tag = "persone",
    params(("id" = i64, Path), ("entry_id" = i64, Path)), request_body = PrivacyDecisionBody,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn privacy_decide(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((id, entry)): Path<(i64, i64)>,
    ApiJson(body): ApiJson<PrivacyDecisionBody>,
) -> Result<StatusCode, ApiError> {
    presidio_app::privacy::decide(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        id,
        entry,
        &body.decision,
        &body.reason,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which report's person was attached by mistake, and why.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct DetachBody {
    /// A report naming the record (or a record linked to it).
    #[schema(required = true, value_type = i64, minimum = 1)]
    pub report_id: Option<i64>,
    #[schema(required = true, min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// The record the report's person now has.
#[derive(Debug, Serialize, ToSchema)]
pub struct DetachedView {
    pub person_id: i64,
}

/// Detaches the person of a report wrongly attached to this record (coordinators): they get a
/// record of their own, made from what the report says; the record's history keeps the
/// report's number and the reason. Audited.
#[utoipa::path(post, path = "/api/v1/persons/{id}/detach", tag = "persone",
    params(("id" = i64, Path)), request_body = DetachBody,
    responses((status = 201, body = DetachedView), (status = 422, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn detach(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<DetachBody>,
) -> Result<(StatusCode, Json<DetachedView>), ApiError> {
    let person_id = presidio_app::persons::detach(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        id,
        body.report_id,
        &body.reason,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(DetachedView { person_id })))
}

/// Everything held about the person (right of access, GDPR art. 15): the record and its linked
/// records, names, links, corrections, and what each report says of them. For an administrator
/// of the record's Ambito to hand over; not found for anyone else. Audited.
#[utoipa::path(get, path = "/api/v1/persons/{id}/export", tag = "persone",
    params(("id" = i64, Path)),
    responses((status = 200, body = crate::views::persons::ExportView),
        (status = 404, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Json<crate::views::persons::ExportView>, ApiError> {
    let x =
        presidio_app::persons::export(&state, visitor.caller(), principal(&visitor)?, id).await?;
    let t = crate::i18n::catalogue().tr(crate::i18n::Locale::Italian);
    Ok(Json(crate::views::persons::export_view(
        t,
        &x,
        state.clock.now(),
    )))
}
