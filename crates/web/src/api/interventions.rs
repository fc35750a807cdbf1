//! The intervention over the API: alert the field operator, record the steps and check-ins,
//! the operator's own dispatches, and the checklists of the special procedures.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use presidio_db::StoredDispatch;
use presidio_domain::intervention::procedures::{StepInput, checklist_of};
use presidio_domain::time::UtcMillis;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::ApiJson;
use super::reports::principal;
use crate::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ErrorBody};

fn rfc3339(at: Option<UtcMillis>) -> Option<String> {
    at.map(|t| t.timestamp().to_string())
}

/// A dispatch: the operator alerted for a report and each step's time (RFC 3339, UTC).
#[derive(Debug, Serialize, ToSchema)]
pub struct DispatchView {
    pub id: i64,
    pub report_id: i64,
    pub report_code: String,
    pub operator_id: i64,
    pub operator: String,
    /// `alerted`, `acknowledged`, `departed`, `on_site`, `remote`, `ended`, `cancelled`.
    pub stage: String,
    pub alerted_at: String,
    pub acknowledged_at: Option<String>,
    pub departed_at: Option<String>,
    pub arrived_at: Option<String>,
    pub remote_at: Option<String>,
    pub assessed_at: Option<String>,
    pub persons_met: Option<u32>,
    pub assessment: Option<String>,
    pub last_check_in_at: Option<String>,
    pub check_in_minutes: u32,
    /// When the next check-in is due (only while on site).
    pub check_in_due: Option<String>,
    /// When the alarm of a missed check-in was raised (cleared by the next check-in).
    pub alarm_at: Option<String>,
    pub ended_at: Option<String>,
    pub cancelled_at: Option<String>,
    /// The steps that may be recorded now.
    pub allowed: Vec<String>,
    /// The steps of the escalation chain taken, oldest first.
    pub escalations: Vec<EscalationView>,
    pub version: i64,
}

/// A step of a dispatch's escalation chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct EscalationView {
    /// `no_ack` (the alert was not acknowledged in time) or `check_in` (a check-in still
    /// missing after its alarm).
    pub cause: String,
    /// `operator` (the next field operator on call; for `no_ack` the dispatch is theirs from
    /// then on), `coordinator` (the coordinator on call) or `nobody` (the coordinators' board).
    pub reached: String,
    pub from_user_id: Option<i64>,
    pub to_user_id: Option<i64>,
    pub to: Option<String>,
    pub at: String,
}

impl From<StoredDispatch> for DispatchView {
    fn from(s: StoredDispatch) -> Self {
        let d = &s.dispatch;
        Self {
            id: s.id,
            report_id: s.report_id,
            report_code: s.report_code.clone(),
            operator_id: s.operator_id,
            operator: s.operator.clone(),
            stage: d.stage().0.code().into(),
            alerted_at: d.alerted_at.timestamp().to_string(),
            acknowledged_at: rfc3339(d.acknowledged_at),
            departed_at: rfc3339(d.departed_at),
            arrived_at: rfc3339(d.arrived_at),
            remote_at: rfc3339(d.remote_at),
            assessed_at: rfc3339(d.assessed_at),
            persons_met: d.assessment.as_ref().map(|a| a.persons_met),
            assessment: d.assessment.as_ref().map(|a| a.text.clone()),
            last_check_in_at: rfc3339(d.last_check_in_at),
            check_in_minutes: d.check_in_minutes,
            check_in_due: rfc3339(d.check_in_due()),
            alarm_at: rfc3339(s.alarm_at),
            ended_at: rfc3339(d.ended_at),
            cancelled_at: rfc3339(d.cancelled_at),
            allowed: d.allowed().iter().map(|s| s.code().to_owned()).collect(),
            escalations: s
                .escalations
                .iter()
                .map(|e| EscalationView {
                    cause: e.cause.code().into(),
                    reached: e.reached.code().into(),
                    from_user_id: e.from_user_id,
                    to_user_id: e.to_user_id,
                    to: e.to.clone(),
                    at: e.at.timestamp().to_string(),
                })
                .collect(),
            version: s.version,
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AlertBody {
    /// The operator to alert; default: the roster's field operator on call now.
    pub operator_id: Option<i64>,
}

/// Alerts a field operator for an emergency (default: the one on call): the report moves to
/// "operatore allertato", the operator sees it on the board and, with an e-mail address for
/// alerts and a relay configured, gets an e-mail with a link (no personal data).
#[utoipa::path(post, path = "/api/v1/reports/{id}/dispatches", tag = "intervento",
    params(("id" = i64, Path)), request_body = AlertBody,
    responses((status = 201, body = DispatchView), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn alert(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<AlertBody>,
) -> Result<(StatusCode, Json<DispatchView>), ApiError> {
    let d = presidio_app::interventions::alert(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        id,
        body.operator_id,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

/// The dispatches of a report, oldest first (reading them is audited).
#[utoipa::path(get, path = "/api/v1/reports/{id}/dispatches", tag = "intervento",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<DispatchView>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<DispatchView>>, ApiError> {
    let list =
        presidio_app::interventions::of_report(&state, visitor.caller(), principal(&visitor)?, id)
            .await?;
    Ok(Json(list.into_iter().map(DispatchView::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StepBody {
    /// `acknowledge`, `depart`, `arrive`, `remote`, `check_in`, `assess`, `end`, `cancel`.
    #[serde(default)]
    pub step: String,
    /// The dispatch's version as read (409 when it changed since).
    pub version: i64,
    /// For `assess`: how many persons the operator met.
    pub persons_met: Option<i64>,
    /// For `assess`: what the operator found.
    #[serde(default)]
    pub assessment: String,
    /// When the step was tapped on the phone without network (RFC 3339, at most a day ago and
    /// two minutes ahead): the step's time, the server's receipt time kept beside it.
    #[schema(format = DateTime)]
    pub tapped_at: Option<String>,
}

/// Records a step of a dispatch at the server's time (or the phone's, with `tapped_at`); the report follows (accepted, on site,
/// remote, intervention closed). A check-in restarts the lone-worker timer and clears its alarm.
#[utoipa::path(post, path = "/api/v1/dispatches/{id}/steps", tag = "intervento",
    params(("id" = i64, Path)), request_body = StepBody,
    responses((status = 200, body = DispatchView), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn step(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<StepBody>,
) -> Result<Json<DispatchView>, ApiError> {
    let who = principal(&visitor)?;
    let moved = presidio_app::interventions::step(
        &state,
        visitor.caller(),
        who,
        id,
        None,
        presidio_app::interventions::StepGiven {
            step: &body.step,
            persons_met: body.persons_met,
            assessment: &body.assessment,
            version: body.version,
            tapped_at: &super::typed(body.tapped_at),
        },
    )
    .await;
    match moved {
        Ok(d) => Ok(Json(d.into())),
        // A stale step answers with the dispatch as it stands: both versions side by side.
        Err(presidio_app::AppError::Db(presidio_db::DbError::Conflict)) => {
            let d = presidio_app::interventions::current(&state, visitor.caller(), who, id).await?;
            let view = serde_json::to_value(DispatchView::from(d)).unwrap_or_default();
            Err(ApiError::conflict_with(view))
        }
        Err(e) => Err(e.into()),
    }
}

/// The caller's own dispatches under way, newest first: the field operator's current cases.
#[utoipa::path(get, path = "/api/v1/field", tag = "intervento",
    responses((status = 200, body = Vec<DispatchView>)))]
pub async fn mine(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Json<Vec<DispatchView>>, ApiError> {
    let who = principal(&visitor)?;
    let list = presidio_app::interventions::mine(&state, who).await?;
    Ok(Json(list.into_iter().map(DispatchView::from).collect()))
}

/// One step of a special procedure's checklist.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChecklistItemView {
    /// `procura_minori`, `tribunale_minori`, `ministero_lavoro`, `colloquio_mediatore`,
    /// `collocamento_comunita`, `contatto_cav`, `collocamento_cav`.
    pub step: String,
    pub label: String,
    /// `done`, `pending` or `overdue`.
    pub state: String,
    pub due: String,
    pub done_at: Option<String>,
    pub done_by: Option<String>,
    pub protocol: Option<String>,
    pub note: Option<String>,
    /// Who recorded it in Presidio.
    pub recorded_by: Option<String>,
}

pub(crate) fn checklist(
    state: &AppState,
    report: &presidio_domain::report::Report,
    stored: &[presidio_db::StoredStep],
) -> Vec<ChecklistItemView> {
    let t = crate::i18n::catalogue().tr(crate::i18n::Locale::Italian);
    let records: Vec<_> = stored.iter().map(|s| s.record.clone()).collect();
    let items = checklist_of(
        report.data.target_group,
        report.data.received_at,
        &records,
        state.clock.now(),
    );
    items
        .into_iter()
        .map(|i| {
            let by = stored
                .iter()
                .find(|s| s.record.step == i.step)
                .and_then(|s| s.recorded_by.clone());
            ChecklistItemView {
                step: i.step.code().into(),
                label: t.t(&format!("procedure-{}", i.step.code())),
                state: i.state.code().into(),
                due: i.due.timestamp().to_string(),
                done_at: i.record.as_ref().map(|r| r.done_at.timestamp().to_string()),
                done_by: i.record.as_ref().map(|r| r.done_by.clone()),
                protocol: i.record.as_ref().and_then(|r| r.protocol.clone()),
                note: i.record.as_ref().map(|r| r.note.clone()),
                recorded_by: by,
            }
        })
        .collect()
}

/// The checklist of the report's special procedure (MSNA notices, CAV contact); empty for
/// target groups without one. Overdue steps are marked. Reading it is audited.
#[utoipa::path(get, path = "/api/v1/reports/{id}/procedures", tag = "intervento",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ChecklistItemView>), (status = 403, body = ErrorBody)))]
pub async fn procedures(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ChecklistItemView>>, ApiError> {
    let (report, steps) =
        presidio_app::interventions::procedures(&state, visitor.caller(), principal(&visitor)?, id)
            .await?;
    Ok(Json(checklist(&state, &report, &steps)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ProcedureBody {
    /// A step of the report's checklist.
    #[serde(default)]
    pub step: String,
    /// When it was done: RFC 3339 or Rome time `AAAA-MM-GGTHH:MM`; default now.
    #[serde(default)]
    pub done_at: String,
    /// Who did it (a person or an office).
    #[serde(default)]
    pub done_by: String,
    /// The protocol number (required for the three notices).
    #[serde(default)]
    pub protocol: String,
    #[serde(default)]
    pub note: String,
}

/// Records (or corrects) a step of the report's special procedure; returns the checklist.
#[utoipa::path(post, path = "/api/v1/reports/{id}/procedures", tag = "intervento",
    params(("id" = i64, Path)), request_body = ProcedureBody,
    responses((status = 200, body = Vec<ChecklistItemView>), (status = 422, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn record_procedure(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ProcedureBody>,
) -> Result<Json<Vec<ChecklistItemView>>, ApiError> {
    let input = StepInput {
        step: body.step,
        done_at: body.done_at,
        done_by: body.done_by,
        protocol: body.protocol,
        note: body.note,
    };
    let (report, steps) = presidio_app::interventions::record_procedure(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        id,
        &input,
    )
    .await?;
    Ok(Json(checklist(&state, &report, &steps)))
}
