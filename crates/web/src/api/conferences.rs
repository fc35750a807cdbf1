//! Case conferences and shared tasks over the API: plan a conference of a case's team, record
//! its minutes (each decision a task), read a conference, list and move tasks.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use presidio_app::conferences::{Conference, Task};
use presidio_db::StoredConference;
use presidio_domain::conference::{ConferenceInput, DecisionInput, MinutesInput};
use presidio_domain::time::UtcMillis;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::json::ApiJson;
use super::reports::principal;
use crate::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ErrorBody};

fn at(ms: i64) -> String {
    UtcMillis(ms).timestamp().to_string()
}

/// A conference to plan.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ConferenceBody {
    /// When: `AAAA-MM-GGTHH:MM` (Rome) or an RFC 3339 instant; from 90 days ago to a year
    /// ahead.
    #[schema(required = true, min_length = 1)]
    pub at: String,
    /// Where, or the video link.
    #[schema(required = true, min_length = 1, max_length = 300)]
    pub place: String,
    #[schema(max_length = 4000)]
    pub agenda: String,
    /// Ids of the team memberships taking part (accepted and running).
    #[schema(required = true, min_items = 1, max_items = 50)]
    pub participants: Vec<i64>,
}

/// What was created.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedRef {
    pub id: i64,
}

/// A conference.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConferenceView {
    pub id: i64,
    pub report_id: i64,
    pub report_code: String,
    /// RFC 3339.
    pub at: String,
    pub place: String,
    pub agenda: String,
    /// The minutes, once recorded.
    pub minutes: Option<String>,
    pub minutes_at: Option<String>,
    pub minutes_by: Option<String>,
}

impl From<StoredConference> for ConferenceView {
    fn from(c: StoredConference) -> Self {
        Self {
            id: c.id,
            report_id: c.report_id,
            report_code: c.report_code,
            at: at(c.at),
            place: c.place,
            agenda: c.agenda,
            minutes: c.minutes,
            minutes_at: c.minutes_at.map(at),
            minutes_by: c.minutes_by,
        }
    }
}

/// A shared task.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskView {
    pub id: i64,
    pub report_id: i64,
    pub report_code: String,
    pub conference_id: i64,
    pub title: String,
    pub owner_member_id: i64,
    pub owner_name: String,
    /// `AAAA-MM-GG`, the last day.
    pub due: String,
    /// `open`, `in_progress`, `done`, `cancelled`.
    pub status: String,
    /// Open and past its last day.
    pub overdue: bool,
    /// Whether the caller may move it.
    pub movable: bool,
    pub version: i64,
}

impl From<Task> for TaskView {
    fn from(t: Task) -> Self {
        let s = t.task;
        Self {
            id: s.id,
            report_id: s.report_id,
            report_code: s.report_code,
            conference_id: s.conference_id,
            title: s.title,
            owner_member_id: s.owner_member_id,
            owner_name: s.owner_name,
            due: s.due_day,
            status: t.status.code().into(),
            overdue: t.overdue,
            movable: t.movable,
            version: s.version,
        }
    }
}

/// A conference with who takes part and the tasks decided.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConferenceDetailView {
    #[serde(flatten)]
    pub conference: ConferenceView,
    /// The memberships taking part.
    pub participants: Vec<i64>,
    pub tasks: Vec<TaskView>,
}

impl From<Conference> for ConferenceDetailView {
    fn from(c: Conference) -> Self {
        Self {
            conference: c.conference.into(),
            participants: c.participants.iter().map(|m| m.member.id).collect(),
            tasks: c.tasks.into_iter().map(TaskView::from).collect(),
        }
    }
}

/// Plans a conference of a report's team (coordinators). 422 names the field at fault (a
/// participant who is no running member of the team). Audited.
#[utoipa::path(post, path = "/api/v1/reports/{id}/conferences", tag = "equipe",
    params(("id" = i64, Path)), request_body = ConferenceBody,
    responses((status = 201, body = CreatedRef), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn plan(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ConferenceBody>,
) -> Result<(StatusCode, Json<CreatedRef>), ApiError> {
    let input = ConferenceInput {
        at: body.at,
        place: body.place,
        agenda: body.agenda,
        participants: body.participants,
    };
    let id =
        presidio_app::conferences::plan(&state, visitor.caller(), principal(&visitor)?, id, &input)
            .await?;
    Ok((StatusCode::CREATED, Json(CreatedRef { id })))
}

/// The conferences of a report, soonest first (who reads it whole).
#[utoipa::path(get, path = "/api/v1/reports/{id}/conferences", tag = "equipe",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ConferenceView>), (status = 404, body = ErrorBody)))]
pub async fn of_report(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ConferenceView>>, ApiError> {
    let list = presidio_app::conferences::of_report(&state, principal(&visitor)?, id).await?;
    Ok(Json(list.into_iter().map(ConferenceView::from).collect()))
}

/// A conference, for a coordinator of its case or a participant whose membership runs.
/// Audited.
#[utoipa::path(get, path = "/api/v1/conferences/{id}", tag = "equipe",
    params(("id" = i64, Path)),
    responses((status = 200, body = ConferenceDetailView), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Json<ConferenceDetailView>, ApiError> {
    let c =
        presidio_app::conferences::conference(&state, visitor.caller(), principal(&visitor)?, id)
            .await?;
    Ok(Json(c.into()))
}

/// One decision of the minutes.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct MinutesDecision {
    /// What is to be done.
    #[schema(required = true, min_length = 1, max_length = 500)]
    pub task: String,
    /// The team membership that owns it (accepted and running).
    #[schema(required = true, minimum = 1)]
    pub owner_member_id: i64,
    /// `AAAA-MM-GG`, from today to two years ahead.
    #[schema(required = true, format = Date)]
    pub due: String,
}

/// The minutes of a conference.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct MinutesBody {
    #[schema(required = true, min_length = 1, max_length = 20000)]
    pub text: String,
    #[schema(max_items = 50)]
    pub decisions: Vec<MinutesDecision>,
}

/// The tasks the minutes created.
#[derive(Debug, Serialize, ToSchema)]
pub struct MinutesRef {
    pub tasks: Vec<i64>,
}

/// Records the minutes of a conference, once (coordinators); each decision becomes a task of
/// its owner. 409 when recorded already. Audited.
#[utoipa::path(post, path = "/api/v1/conferences/{id}/minutes", tag = "equipe",
    params(("id" = i64, Path)), request_body = MinutesBody,
    responses((status = 201, body = MinutesRef), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn minutes(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<MinutesBody>,
) -> Result<(StatusCode, Json<MinutesRef>), ApiError> {
    let input = MinutesInput {
        text: body.text,
        decisions: body
            .decisions
            .into_iter()
            .map(|d| DecisionInput {
                task: d.task,
                owner_member_id: d.owner_member_id,
                due: d.due,
            })
            .collect(),
    };
    let tasks = presidio_app::conferences::record_minutes(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        id,
        &input,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(MinutesRef { tasks })))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct TasksQuery {
    /// Only the caller's own tasks (or their organisation's).
    #[serde(default)]
    pub mine: bool,
}

/// The caller's task list: their own (or their organisation's) while their membership runs;
/// unless `mine`, also those of the cases they are responsible for and, for coordinators, of
/// their Ambiti. Open ones first, by last day.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "equipe", params(TasksQuery),
    responses((status = 200, body = Vec<TaskView>), (status = 403, body = ErrorBody)))]
pub async fn tasks(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(query): Query<TasksQuery>,
) -> Result<Json<Vec<TaskView>>, ApiError> {
    let list = presidio_app::conferences::tasks(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        query.mine,
    )
    .await?;
    Ok(Json(list.into_iter().map(TaskView::from).collect()))
}

/// A task's new status, with the version read.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct TaskBody {
    /// `open`, `in_progress`, `done`, `cancelled`.
    #[schema(required = true, min_length = 1)]
    pub status: String,
    #[schema(required = true)]
    pub version: i64,
}

/// Moves a task (its owner while a member, the case's responsible, a coordinator). 409 when it
/// changed since `version`. Audited.
#[utoipa::path(post, path = "/api/v1/tasks/{id}", tag = "equipe",
    params(("id" = i64, Path)), request_body = TaskBody,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn move_task(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<TaskBody>,
) -> Result<StatusCode, ApiError> {
    presidio_app::conferences::move_task(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        id,
        &body.status,
        body.version,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One step of a case's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEntryView {
    /// RFC 3339.
    pub at: String,
    /// `status` (a move), `triage`, `conference` (planned), `minutes`, `task` (decided),
    /// `task_moved`.
    pub kind: String,
    /// The status reached, the triage outcome, the closing outcome (`detail` of a closing),
    /// or the task's status.
    pub code: Option<String>,
    /// `reopened` on a reopening, the closing outcome on a closing.
    pub detail: Option<String>,
    pub actor: Option<String>,
    /// The move's note, the triage's rationale, the agenda, the minutes, the task.
    pub note: String,
    /// Where a conference is held.
    pub place: Option<String>,
    /// The conference or the task the step is about.
    pub conference_id: Option<i64>,
    pub task_id: Option<i64>,
}

fn entry(at_ms: i64, kind: &str, note: String) -> TimelineEntryView {
    TimelineEntryView {
        at: at(at_ms),
        kind: kind.into(),
        code: None,
        detail: None,
        actor: None,
        note,
        place: None,
        conference_id: None,
        task_id: None,
    }
}

/// The case's timeline, oldest first: its status moves and triages, its conferences with their
/// minutes, the tasks decided and their moves — what the report page shows as "Storia della
/// segnalazione" (who reads the case whole). Audited.
#[utoipa::path(get, path = "/api/v1/reports/{id}/timeline", tag = "equipe",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<TimelineEntryView>), (status = 404, body = ErrorBody)))]
pub async fn timeline(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<TimelineEntryView>>, ApiError> {
    let (cached, conferences, tasks) =
        presidio_app::conferences::timeline(&state, visitor.caller(), principal(&visitor)?, id)
            .await?;
    let mut out: Vec<(i64, TimelineEntryView)> = Vec::new();
    for e in &cached.history.events {
        let mut v = entry(e.at, "status", e.note.clone());
        v.code = Some(e.status_to.clone());
        v.detail.clone_from(&e.detail);
        v.actor.clone_from(&e.actor);
        out.push((e.at, v));
    }
    for tr in &cached.history.triages {
        let mut v = entry(tr.at, "triage", tr.rationale.clone());
        v.code = Some(tr.outcome.clone());
        v.actor.clone_from(&tr.actor);
        out.push((tr.at, v));
    }
    for c in conferences {
        let mut v = entry(c.at, "conference", c.agenda.clone());
        v.conference_id = Some(c.id);
        v.place = Some(c.place.clone());
        out.push((c.at, v));
        if let (Some(minutes), Some(when)) = (c.minutes, c.minutes_at) {
            let mut v = entry(when, "minutes", minutes);
            v.conference_id = Some(c.id);
            v.actor = c.minutes_by;
            out.push((when, v));
        }
    }
    for x in tasks {
        let mut v = entry(x.created_at, "task", x.title.clone());
        v.code = Some(presidio_domain::conference::TaskStatus::Open.code().into());
        v.conference_id = Some(x.conference_id);
        v.task_id = Some(x.id);
        out.push((x.created_at, v));
        let open = presidio_domain::conference::TaskStatus::Open.code();
        if let Some(when) = x.updated_at.filter(|_| x.status != open) {
            let mut v = entry(when, "task_moved", x.title);
            v.code = Some(x.status);
            v.task_id = Some(x.id);
            out.push((when, v));
        }
    }
    out.sort_by_key(|(at, _)| *at);
    Ok(Json(out.into_iter().map(|(_, v)| v).collect()))
}
