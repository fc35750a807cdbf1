//! Handovers over the API: send a case to its municipality's social service, the service's
//! list and answers, and the thread of messages of a case.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use presidio_db::StoredHandover;
use presidio_domain::time::UtcMillis;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::json::ApiJson;
use super::reports::principal;
use crate::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ErrorBody};

fn rfc3339(at: Option<i64>) -> Option<String> {
    at.map(|t| UtcMillis(t).timestamp().to_string())
}

/// A handover (instants in RFC 3339, UTC).
#[derive(Debug, Serialize, ToSchema)]
pub struct HandoverView {
    pub id: i64,
    pub report_id: i64,
    pub report_code: String,
    /// ISTAT code of the receiving municipality.
    pub municipality: String,
    pub municipality_name: String,
    /// `sent`, `acknowledged`, `taken_in_charge`, `not_competent`, `closed`.
    pub status: String,
    pub sent_at: String,
    /// The service acknowledges by then (next opening + grace of working time).
    pub due_at: String,
    /// Still not acknowledged by then: the coordinator is alerted.
    pub escalate_at: String,
    pub overdue: bool,
    pub reminded_at: Option<String>,
    pub escalated_at: Option<String>,
    pub acknowledged_at: Option<String>,
    pub acknowledged_by: Option<String>,
    pub outcome_at: Option<String>,
    pub outcome_by: Option<String>,
    pub reason: String,
    pub version: i64,
}

impl From<StoredHandover> for HandoverView {
    fn from(h: StoredHandover) -> Self {
        let overdue = presidio_domain::handover::is_overdue(
            h.status(),
            UtcMillis(h.due_at),
            presidio_db::now(),
        );
        Self {
            id: h.id,
            report_id: h.report_id,
            report_code: h.report_code,
            municipality: h.municipality,
            municipality_name: h.municipality_name,
            status: h.status,
            sent_at: UtcMillis(h.sent_at).timestamp().to_string(),
            due_at: UtcMillis(h.due_at).timestamp().to_string(),
            escalate_at: UtcMillis(h.escalate_at).timestamp().to_string(),
            overdue,
            reminded_at: rfc3339(h.reminded_at),
            escalated_at: rfc3339(h.escalated_at),
            acknowledged_at: rfc3339(h.acknowledged_at),
            acknowledged_by: h.acknowledged_by,
            outcome_at: rfc3339(h.outcome_at),
            outcome_by: h.outcome_by,
            reason: h.reason,
            version: h.version,
        }
    }
}

/// Sends the case to the social service of its municipality: due at the service's next
/// opening plus the grace of working time (`PRESIDIO_HANDOVER_GRACE_MINUTES`).
#[utoipa::path(post, path = "/api/v1/reports/{id}/handover", tag = "passaggi",
    params(("id" = i64, Path)),
    responses((status = 201, body = HandoverView), (status = 422, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn send(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<HandoverView>), ApiError> {
    let h =
        presidio_app::handovers::send(&state, visitor.caller(), principal(&visitor)?, id).await?;
    Ok((StatusCode::CREATED, Json(h.into())))
}

/// The handovers of a report, oldest first (reading them is audited).
#[utoipa::path(get, path = "/api/v1/reports/{id}/handovers", tag = "passaggi",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<HandoverView>), (status = 403, body = ErrorBody)))]
pub async fn of_report(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<HandoverView>>, ApiError> {
    let list =
        presidio_app::handovers::of_report(&state, visitor.caller(), principal(&visitor)?, id)
            .await?;
    Ok(Json(list.into_iter().map(HandoverView::from).collect()))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct WaitingQuery {
    /// Only those past their deadline.
    #[serde(default)]
    pub overdue: bool,
}

/// The handovers waiting for their service: a social service sees its municipalities'.
#[utoipa::path(get, path = "/api/v1/handovers", tag = "passaggi", params(WaitingQuery),
    responses((status = 200, body = Vec<HandoverView>)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(query): Query<WaitingQuery>,
) -> Result<Json<Vec<HandoverView>>, ApiError> {
    let who = principal(&visitor)?;
    let list: Vec<HandoverView> = presidio_app::handovers::waiting(&state, who)
        .await?
        .into_iter()
        .map(HandoverView::from)
        .filter(|h| !query.overdue || h.overdue)
        .collect();
    Ok(Json(list))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AnswerBody {
    /// `acknowledged`, then `taken_in_charge`, `not_competent` or `closed`.
    #[serde(default)]
    pub outcome: String,
    /// Required for `not_competent` and `closed`.
    #[serde(default)]
    pub reason: String,
    pub version: i64,
}

/// The receiving service acknowledges a handover, then records the outcome of taking charge;
/// `not_competent` gives the case back to the coordinator.
#[utoipa::path(post, path = "/api/v1/handovers/{id}/answer", tag = "passaggi",
    params(("id" = i64, Path)), request_body = AnswerBody,
    responses((status = 200, body = HandoverView), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn answer(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<AnswerBody>,
) -> Result<Json<HandoverView>, ApiError> {
    let answered = presidio_app::handovers::answer(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        id,
        None,
        presidio_app::handovers::Answer {
            outcome: &body.outcome,
            reason: &body.reason,
            version: body.version,
        },
    )
    .await?;
    Ok(Json(answered.into()))
}

/// A message of a case's thread.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageView {
    pub id: i64,
    pub at: String,
    pub author: Option<String>,
    pub text: String,
}

/// The thread of a case between the PIS and the receiving service (reading it is audited).
#[utoipa::path(get, path = "/api/v1/reports/{id}/messages", tag = "passaggi",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<MessageView>), (status = 403, body = ErrorBody)))]
pub async fn messages(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<MessageView>>, ApiError> {
    let list =
        presidio_app::handovers::messages(&state, visitor.caller(), principal(&visitor)?, id)
            .await?;
    Ok(Json(
        list.into_iter()
            .map(|m| MessageView {
                id: m.id,
                at: UtcMillis(m.at).timestamp().to_string(),
                author: m.author,
                text: m.text,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MessageBody {
    #[serde(default)]
    pub text: String,
}

/// Adds a message to the thread of a case (the PIS staff, or the service it was handed to).
#[utoipa::path(post, path = "/api/v1/reports/{id}/messages", tag = "passaggi",
    params(("id" = i64, Path)), request_body = MessageBody,
    responses((status = 201, body = MessageView), (status = 422, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn post_message(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<MessageBody>,
) -> Result<(StatusCode, Json<MessageView>), ApiError> {
    let who = principal(&visitor)?;
    let (message, text) =
        presidio_app::handovers::post_message(&state, visitor.caller(), who, id, &body.text)
            .await?;
    Ok((
        StatusCode::CREATED,
        Json(MessageView {
            id: message,
            at: state.clock.now().timestamp().to_string(),
            author: Some(who.name.clone()),
            text,
        }),
    ))
}

/// A report of the summary's period.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryReportView {
    pub id: i64,
    pub code: String,
    pub received_at: String,
    pub municipality: String,
    /// `emergenza`, `urgenza`, `non_pertinente`, or `none` (not triaged yet).
    pub outcome: String,
    pub status: String,
}

/// The morning summary.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryView {
    pub from: String,
    pub to: String,
    /// Reports of the period by triage outcome (`none`: not triaged yet).
    pub by_outcome: std::collections::BTreeMap<String, i64>,
    /// Cases closed in the period by closing outcome (PIS staff only).
    pub closed: std::collections::BTreeMap<String, i64>,
    pub handovers_waiting: usize,
    pub handovers_overdue: usize,
    /// Gaps in the roster in the next two weeks, for those who read it.
    pub roster_gaps: Option<usize>,
    pub reports: Vec<SummaryReportView>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct SummaryQuery {
    /// Hours back from now, 1 to 168 (default 24).
    pub hours: Option<i64>,
}

/// The morning summary as the caller may see it: a social service only its municipalities'
/// handovers and the cases handed to it.
#[utoipa::path(get, path = "/api/v1/summary", tag = "passaggi", params(SummaryQuery),
    responses((status = 200, body = SummaryView)))]
pub async fn summary(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(query): Query<SummaryQuery>,
) -> Result<Json<SummaryView>, ApiError> {
    let who = principal(&visitor)?;
    let s = presidio_app::summary::build(&state, who, query.hours.unwrap_or(24), state.clock.now())
        .await?;
    Ok(Json(SummaryView {
        from: s.from.timestamp().to_string(),
        to: s.to.timestamp().to_string(),
        by_outcome: s
            .counts
            .iter()
            .map(|(o, n)| ((*o).to_owned(), *n))
            .collect(),
        closed: s.closed_counts.into_iter().collect(),
        handovers_waiting: s.waiting.len(),
        handovers_overdue: s.overdue,
        roster_gaps: s.gaps,
        reports: s
            .reports
            .into_iter()
            .map(|r| SummaryReportView {
                id: r.id,
                code: r.code,
                received_at: r.received_at.timestamp().to_string(),
                municipality: r.municipality,
                outcome: r.severity.to_owned(),
                status: r.status_code,
            })
            .collect(),
    }))
}
