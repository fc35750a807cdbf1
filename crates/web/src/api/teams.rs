//! The team of a case over the API: invite, answer, remove, list; and a report as its team
//! member reads it (only the sections granted).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use presidio_app::teams::Membership;
use presidio_domain::team::{MemberInput, Section};
use presidio_domain::time::UtcMillis;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::activations::ActivationView;
use super::handovers::HandoverView;
use super::interventions::{ChecklistItemView, DispatchView, checklist};
use super::json::ApiJson;
use super::reports::principal;
use crate::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ErrorBody};
use crate::views::reports::{PersonView, ReporterView, person_view, reporter_view};

/// An invitation to a case's team: a user or an organisation (whose partner users then share
/// the grant), never both.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct MemberBody {
    /// A username of the report's Ambito.
    #[schema(max_length = 40)]
    pub user: Option<String>,
    /// An organisation of the report's Ambito.
    #[schema(minimum = 1)]
    pub organisation_id: Option<i64>,
    /// `responsabile`, `referente_sanitario`, `referente_cav`, `mediatore`, `comunita`, `altro`
    #[schema(required = true, min_length = 1, max_length = 40)]
    pub role_in_case: String,
    /// What the member may read: `segnalazione`, `persone`, `valutazione`, `intervento`,
    /// `procedure`, `passaggio`.
    #[schema(required = true, min_items = 1)]
    pub sections: Vec<String>,
    /// `AAAA-MM-GG`, the grant's last day: from today to two years ahead.
    #[schema(required = true, format = Date)]
    pub until: String,
    /// The lawful basis: `compito_pubblico` (the default, except for protected cases, which
    /// state it), `consenso`, `obbligo_di_legge`, `interesse_vitale`.
    #[schema(max_length = 40)]
    pub basis: String,
    /// For a consent: how and when the person gave it.
    #[schema(max_length = 1000)]
    pub consent: String,
}

/// The invitation made.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberRef {
    pub id: i64,
    /// `invited`
    pub status: String,
}

/// A membership of a case's team.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub id: i64,
    /// The report whose team it is; none for the team of a person.
    pub report_id: Option<i64>,
    pub report_code: Option<String>,
    /// The person record whose team it is (across their reports); none for a report's team.
    pub person_id: Option<i64>,
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    /// The member organisation, or the member user's.
    pub organisation_id: Option<i64>,
    pub organisation_name: Option<String>,
    pub role_in_case: String,
    pub sections: Vec<String>,
    /// `AAAA-MM-GG`, the last day.
    pub until: String,
    pub basis: String,
    /// `invited`, `accepted`, `declined`, `removed`.
    pub status: String,
    /// Accepted, and past its last day: it opens nothing.
    pub expired: bool,
    pub invited_at: String,
    pub answered_at: Option<String>,
    pub decline_reason: Option<String>,
    pub removed_at: Option<String>,
}

/// The user's principal (the report module reads through this one, so not its helper).
fn at(ms: i64) -> String {
    UtcMillis(ms).timestamp().to_string()
}

fn member_view(m: Membership) -> MemberView {
    let s = m.member;
    MemberView {
        id: s.id,
        report_id: s.report_id,
        report_code: s.report_code,
        person_id: s.person_id,
        user_id: s.user_id,
        user_name: s.user_name,
        organisation_id: s.organisation_id,
        organisation_name: s.organisation_name,
        role_in_case: s.role_in_case,
        sections: m
            .sections
            .list()
            .iter()
            .map(|x| x.code().to_owned())
            .collect(),
        until: s.until_day,
        basis: s.basis,
        status: s.status,
        expired: m.expired,
        invited_at: at(s.invited_at),
        answered_at: s.answered_at.map(at),
        decline_reason: s.decline_reason,
        removed_at: s.removed_at.map(at),
    }
}

fn member_input(body: MemberBody) -> MemberInput {
    MemberInput {
        user: body.user.unwrap_or_default(),
        organisation_id: body
            .organisation_id
            .map(|o| o.to_string())
            .unwrap_or_default(),
        role_in_case: body.role_in_case,
        sections: body.sections,
        until: body.until,
        basis: body.basis,
        consent: body.consent,
    }
}

/// Invites a user or an organisation to the team of a report, with a role in the case, the
/// sections it may read and a last day (coordinators). 422 names the field at fault (an
/// unknown user or organisation of the Ambito, an open membership already). Audited.
#[utoipa::path(post, path = "/api/v1/reports/{id}/team", tag = "equipe",
    params(("id" = i64, Path)), request_body = MemberBody,
    responses((status = 201, body = MemberRef), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn invite(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<MemberBody>,
) -> Result<(StatusCode, Json<MemberRef>), ApiError> {
    let input = member_input(body);
    let member =
        presidio_app::teams::invite(&state, visitor.caller(), principal(&visitor)?, id, &input)
            .await?;
    Ok(invited(member))
}

fn invited(member: i64) -> (StatusCode, Json<MemberRef>) {
    (
        StatusCode::CREATED,
        Json(MemberRef {
            id: member,
            status: "invited".into(),
        }),
    )
}

/// The team of a report, every membership ever (coordinators).
#[utoipa::path(get, path = "/api/v1/reports/{id}/team", tag = "equipe",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<MemberView>), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn team(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<MemberView>>, ApiError> {
    let list = presidio_app::teams::of(&state, principal(&visitor)?, id).await?;
    Ok(Json(list.into_iter().map(member_view).collect()))
}

/// Ends a membership (coordinators): access ends on the member's next request. 409 when it
/// ended already. Audited.
#[utoipa::path(delete, path = "/api/v1/reports/{id}/team/{member_id}", tag = "equipe",
    params(("id" = i64, Path), ("member_id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((id, member)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    presidio_app::teams::remove(&state, visitor.caller(), principal(&visitor)?, id, member).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An answer to an invitation.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct TeamAnswerBody {
    #[schema(required = true)]
    pub accept: bool,
    /// Why not: required to decline.
    #[schema(max_length = 1000)]
    pub reason: String,
}

/// Accepts or declines an invitation (the invited user, or a partner of the invited
/// organisation); a decline says why and goes back to the coordinators. Once: 409 after.
/// Audited.
#[utoipa::path(post, path = "/api/v1/team/{member_id}/answer", tag = "equipe",
    params(("member_id" = i64, Path)), request_body = TeamAnswerBody,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn answer(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(member): Path<i64>,
    ApiJson(body): ApiJson<TeamAnswerBody>,
) -> Result<StatusCode, ApiError> {
    presidio_app::teams::answer(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        member,
        body.accept,
        &body.reason,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's open memberships: invitations to answer and cases followed, newest first.
#[utoipa::path(get, path = "/api/v1/team", tag = "equipe",
    responses((status = 200, body = Vec<MemberView>)))]
pub async fn mine(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Json<Vec<MemberView>>, ApiError> {
    let list = presidio_app::teams::mine(&state, principal(&visitor)?).await?;
    Ok(Json(list.into_iter().map(member_view).collect()))
}

/// What the reporter said and where (the section `segnalazione`).
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamReportView {
    pub received_at: String,
    pub channel: String,
    pub reporter: ReporterView,
    pub place: Option<String>,
    pub current_location: Option<String>,
    pub description: String,
}

/// The triage (the section `valutazione`).
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamTriageView {
    pub outcome: Option<String>,
    pub target_group: String,
    pub risk_flags: Vec<String>,
}

/// A report as a member of its team reads it: protocol number, municipality and status, and
/// only the sections granted (the others are null).
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamCaseView {
    pub id: i64,
    pub code: String,
    /// True: not the whole record.
    pub restricted: bool,
    pub municipality: Option<String>,
    pub status: String,
    /// The sections open to the caller.
    pub sections: Vec<String>,
    /// `segnalazione`
    pub report: Option<TeamReportView>,
    /// `persone`
    pub persons: Option<Vec<PersonView>>,
    /// `valutazione`
    pub triage: Option<TeamTriageView>,
    /// `intervento`: the operators alerted.
    pub dispatches: Option<Vec<DispatchView>>,
    /// `intervento`: the resources activated (placements).
    pub activations: Option<Vec<ActivationView>>,
    /// `procedure`: the checklist of the special procedure.
    pub procedures: Option<Vec<ChecklistItemView>>,
    /// `passaggio`: the handovers to the municipal social service.
    pub handovers: Option<Vec<HandoverView>>,
}

/// Report `id` as `visitor`'s team membership opens it. Audited (with the sections read).
pub(crate) async fn case_view(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
) -> Result<TeamCaseView, ApiError> {
    let who = principal(visitor)?;
    let (cached, sections, _) = presidio_app::teams::case(state, visitor.caller(), who, id).await?;
    let r = &cached.report;
    let d = &r.data;
    let open = |s: Section| sections.contains(s);
    Ok(TeamCaseView {
        id: r.id,
        code: r.code.clone(),
        restricted: true,
        municipality: d.municipality.as_ref().map(|m| m.as_str().to_owned()),
        status: r.status.code().into(),
        sections: sections
            .list()
            .iter()
            .map(|s| s.code().to_owned())
            .collect(),
        report: open(Section::Segnalazione).then(|| TeamReportView {
            received_at: d.received_at.timestamp().to_string(),
            channel: d.channel.code().into(),
            reporter: reporter_view(d.reporter.clone()),
            place: d.place.clone(),
            current_location: d.current_location.clone(),
            description: d.description.clone(),
        }),
        persons: open(Section::Persone)
            .then(|| d.persons.iter().cloned().map(person_view).collect()),
        triage: open(Section::Valutazione).then(|| TeamTriageView {
            outcome: r.outcome.map(|o| o.code().into()),
            target_group: d.target_group.code().into(),
            risk_flags: d.risk_flags.iter().map(|f| f.code().into()).collect(),
        }),
        dispatches: open(Section::Intervento).then(|| {
            cached
                .dispatches
                .iter()
                .cloned()
                .map(DispatchView::from)
                .collect()
        }),
        activations: open(Section::Intervento).then(|| {
            cached
                .activations
                .iter()
                .cloned()
                .map(ActivationView::from)
                .collect()
        }),
        procedures: open(Section::Procedure).then(|| checklist(state, r, &cached.steps)),
        handovers: open(Section::Passaggio).then(|| {
            cached
                .handovers
                .iter()
                .cloned()
                .map(HandoverView::from)
                .collect()
        }),
    })
}

/// A report as the caller's team membership opens it: only the sections granted. 404 before
/// the invitation is accepted, after removal and past the last day. Audited.
#[utoipa::path(get, path = "/api/v1/team/cases/{id}", tag = "equipe",
    params(("id" = i64, Path)),
    responses((status = 200, body = TeamCaseView), (status = 404, body = ErrorBody)))]
pub async fn case(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Json<TeamCaseView>, ApiError> {
    Ok(Json(case_view(&state, &visitor, id).await?))
}

/// Invites a user or an organisation to the team that follows a person record (coordinators
/// who read one of the person's reports whole): the grant opens its sections of every report
/// naming the person or a linked record, the later ones too. The basis is always stated; a
/// consent must stand in the person's data-protection records (422 on `basis`); 409 when the
/// person's processing is restricted. Audited on the person.
#[utoipa::path(post, path = "/api/v1/persons/{id}/team", tag = "equipe",
    params(("id" = i64, Path)), request_body = MemberBody,
    responses((status = 201, body = MemberRef), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn person_invite(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<MemberBody>,
) -> Result<(StatusCode, Json<MemberRef>), ApiError> {
    let input = member_input(body);
    let member = presidio_app::person_teams::invite(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        id,
        &input,
    )
    .await?;
    Ok(invited(member))
}

/// The team that follows a person record, every membership ever (coordinators).
#[utoipa::path(get, path = "/api/v1/persons/{id}/team", tag = "equipe",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<MemberView>), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn person_team(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<MemberView>>, ApiError> {
    let (list, _) = presidio_app::person_teams::of(&state, principal(&visitor)?, id).await?;
    Ok(Json(list.into_iter().map(member_view).collect()))
}

/// Ends a membership of a person's team (coordinators): access ends on the member's next
/// request. 409 when it ended already. Audited on the person.
#[utoipa::path(delete, path = "/api/v1/persons/{id}/team/{member_id}", tag = "equipe",
    params(("id" = i64, Path), ("member_id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn person_remove(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((id, member)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    presidio_app::person_teams::remove(&state, visitor.caller(), principal(&visitor)?, id, member)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A report opened by a membership of a person's team.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowedCaseView {
    pub id: i64,
    pub code: String,
    pub received_at: String,
}

/// The person a membership of the caller's follows.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowedView {
    pub membership: MemberView,
    /// With the section `persone`: the name shown (none for "sconosciuto") and the safety
    /// notes; null otherwise.
    pub name: Option<String>,
    pub safety_notes: Option<String>,
    /// The reports it opens, newest first: each read at `/api/v1/team/cases/{id}`.
    pub cases: Vec<FollowedCaseView>,
}

/// The person followed by one of the caller's memberships, while it runs: the reports it
/// opens and, with the section `persone`, the name and the safety notes. 404 before the
/// invitation is accepted, after removal and past the last day. Audited on the person.
#[utoipa::path(get, path = "/api/v1/team/{member_id}/person", tag = "equipe",
    params(("member_id" = i64, Path)),
    responses((status = 200, body = FollowedView), (status = 404, body = ErrorBody)))]
pub async fn followed(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(member): Path<i64>,
) -> Result<Json<FollowedView>, ApiError> {
    let f = presidio_app::person_teams::followed(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        member,
    )
    .await?;
    Ok(Json(FollowedView {
        membership: member_view(f.membership),
        name: f.name,
        safety_notes: f.safety_notes,
        cases: f
            .cases
            .into_iter()
            .map(|(id, code, at)| FollowedCaseView {
                id,
                code,
                received_at: at.timestamp().to_string(),
            })
            .collect(),
    }))
}
