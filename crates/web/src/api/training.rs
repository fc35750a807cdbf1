//! The training register over the API (coordinators): courses, attendance, who is missing
//! what, and the volunteers.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use presidio_app::training::{Attendee, GapLine};
use presidio_db::{StoredCourse, StoredVolunteer};
use presidio_domain::training::{CourseInput, VolunteerInput};
use presidio_domain::validation::{Invalid, Problem};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::ApiJson;
use super::reports::principal;
use crate::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ErrorBody};

/// How the register labels the fields whose common label means something else.
const LABELS: [(&str, &str); 5] = [
    ("hours", "training-field-hours"),
    ("provider", "training-field-provider"),
    ("date", "training-field-date"),
    ("user_id", "field-attendee"),
    ("volunteer_id", "field-attendee"),
];

use super::typed as typed_day;

fn labelled(err: presidio_app::AppError) -> ApiError {
    ApiError::from(err).labelled(&LABELS)
}

/// What was created.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrainingRef {
    pub id: i64,
}

/// A course to record.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CourseBody {
    #[schema(required = true, min_length = 1, max_length = 200)]
    pub title: String,
    /// Who gave it.
    #[schema(max_length = 200)]
    pub provider: String,
    /// `AAAA-MM-GG`, the (first) day.
    #[schema(required = true, format = Date)]
    pub date: String,
    /// `AAAA-MM-GG`, the last day; none: a one-day course.
    #[schema(format = Date)]
    pub ends_on: Option<String>,
    /// Hours, above zero, at most one decimal.
    #[schema(required = true, minimum = 0.1, maximum = 2000)]
    pub hours: f64,
    /// `presenza` (the default), `online`, `mista`.
    #[schema(pattern = "^(presenza|online|mista)?$")]
    pub mode: String,
    /// Topic codes of the register (`msna`, `privacy`, …).
    #[schema(max_items = 50)]
    pub topics: Vec<String>,
    /// The Ambito's code, when the caller keeps the register of several.
    pub ambito: String,
}

/// A course of the register.
#[derive(Debug, Serialize, ToSchema)]
pub struct CourseView {
    pub id: i64,
    pub ambito_id: i64,
    pub title: String,
    pub provider: Option<String>,
    #[schema(format = Date)]
    pub date: String,
    #[schema(format = Date)]
    pub ends_on: String,
    pub hours: f64,
    pub mode: String,
    pub topics: Vec<String>,
    /// How many attended.
    pub attendees: i64,
}

fn tenths(n: i64) -> f64 {
    f64::from(i32::try_from(n).unwrap_or(i32::MAX)) / 10.0
}

impl From<StoredCourse> for CourseView {
    fn from(c: StoredCourse) -> Self {
        Self {
            id: c.id,
            ambito_id: c.ambito_id,
            title: c.title,
            provider: c.provider,
            date: c.starts_on,
            ends_on: c.ends_on,
            hours: tenths(c.hours_tenths),
            mode: c.mode,
            topics: c
                .topics
                .split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            attendees: c.attendees,
        }
    }
}

/// A list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Courses {
    pub items: Vec<CourseView>,
}

/// The courses of the caller's Ambiti, latest first. Audited.
#[utoipa::path(get, path = "/api/v1/training/courses", tag = "formazione",
    responses((status = 200, body = Courses), (status = 403, body = ErrorBody)))]
pub async fn courses(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Json<Courses>, ApiError> {
    let list =
        presidio_app::training::courses(&state, visitor.caller(), principal(&visitor)?).await?;
    Ok(Json(Courses {
        items: list.into_iter().map(CourseView::from).collect(),
    }))
}

/// Records a course (coordinators). 422 names the field at fault. Audited.
#[utoipa::path(post, path = "/api/v1/training/courses", tag = "formazione",
    request_body = CourseBody,
    responses((status = 201, body = TrainingRef), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn add_course(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    ApiJson(body): ApiJson<CourseBody>,
) -> Result<(StatusCode, Json<TrainingRef>), ApiError> {
    let input = CourseInput {
        title: body.title,
        provider: body.provider,
        date: body.date,
        ends_on: typed_day(body.ends_on),
        hours: if body.hours.is_finite() {
            body.hours.to_string()
        } else {
            String::new()
        },
        mode: body.mode,
        topics: body.topics,
    };
    let id = presidio_app::training::add_course(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        &body.ambito,
        &input,
    )
    .await
    .map_err(labelled)?;
    Ok((StatusCode::CREATED, Json(TrainingRef { id })))
}

/// Who attended: a user working in the course's Ambito, or one of its volunteers.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct AttendanceBody {
    #[schema(minimum = 1)]
    pub user_id: Option<i64>,
    #[schema(minimum = 1)]
    pub volunteer_id: Option<i64>,
}

/// Records who attended a course (coordinators). 409 when already recorded. Audited.
#[utoipa::path(post, path = "/api/v1/training/courses/{id}/attendance", tag = "formazione",
    params(("id" = i64, Path)), request_body = AttendanceBody,
    responses((status = 201, body = TrainingRef), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn attend(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<AttendanceBody>,
) -> Result<(StatusCode, Json<TrainingRef>), ApiError> {
    let (attendee, field) = match (body.user_id, body.volunteer_id) {
        (Some(u), None) => (Attendee::User(u), "user_id"),
        (None, Some(v)) => (Attendee::Volunteer(v), "volunteer_id"),
        (Some(_), Some(_)) => {
            return Err(
                ApiError::from(Invalid::one("volunteer_id", Problem::OutOfRange)).labelled(&LABELS),
            );
        }
        (None, None) => {
            return Err(
                ApiError::from(Invalid::one("user_id", Problem::Required)).labelled(&LABELS)
            );
        }
    };
    let who = principal(&visitor)?;
    match presidio_app::training::attend(&state, visitor.caller(), who, id, Some(attendee)).await {
        Ok(created) => Ok((StatusCode::CREATED, Json(TrainingRef { id: created }))),
        Err(presidio_app::AppError::Invalid(invalid)) => {
            let renamed = Invalid(
                invalid
                    .0
                    .into_iter()
                    .map(|mut e| {
                        if e.field == "attendee" {
                            e.field = field;
                        }
                        e
                    })
                    .collect(),
            );
            Err(ApiError::from(renamed).labelled(&LABELS))
        }
        Err(e) => Err(e.into()),
    }
}

/// The requirement a person misses.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequirementView {
    /// The role's code (`operatore_pis`, …).
    pub role: String,
    /// The topic's code (`msna`, …).
    pub topic: String,
}

/// A person missing a requirement.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrainingGapView {
    /// The person's name.
    pub person: String,
    pub user_id: i64,
    pub requirement: RequirementView,
    /// `AAAA-MM-GG`: by when.
    #[schema(format = Date)]
    pub due: String,
    /// Never attended a course on the topic.
    pub never: bool,
    pub overdue: bool,
}

impl From<GapLine> for TrainingGapView {
    fn from(g: GapLine) -> Self {
        Self {
            person: g.name,
            user_id: g.user_id,
            requirement: RequirementView {
                role: g.role.code().to_owned(),
                topic: g.topic,
            },
            due: g.due.to_string(),
            never: g.never,
            overdue: g.overdue,
        }
    }
}

/// A list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Gaps {
    pub items: Vec<TrainingGapView>,
}

/// Who in the caller's Ambiti misses a required course: never attended, or a refresher due
/// within 60 days or late. By due day. Audited.
#[utoipa::path(get, path = "/api/v1/training/gaps", tag = "formazione",
    responses((status = 200, body = Gaps), (status = 403, body = ErrorBody)))]
pub async fn gaps(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Json<Gaps>, ApiError> {
    let list = presidio_app::training::gaps(&state, visitor.caller(), principal(&visitor)?).await?;
    Ok(Json(Gaps {
        items: list.into_iter().map(TrainingGapView::from).collect(),
    }))
}

/// A volunteer to add.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct VolunteerBody {
    #[schema(required = true, min_length = 1, max_length = 200)]
    pub name: String,
    /// An organisation of the Ambito's directory.
    pub organisation_id: Option<i64>,
    /// `AAAA-MM-GG`.
    #[schema(format = Date)]
    pub started_on: Option<String>,
    /// The Ambito's code, when the caller keeps the register of several.
    pub ambito: String,
}

/// A volunteer of the register.
#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerView {
    pub id: i64,
    pub ambito_id: i64,
    pub name: String,
    pub organisation_id: Option<i64>,
    pub organisation: Option<String>,
    #[schema(format = Date)]
    pub started_on: Option<String>,
}

impl From<StoredVolunteer> for VolunteerView {
    fn from(v: StoredVolunteer) -> Self {
        Self {
            id: v.id,
            ambito_id: v.ambito_id,
            name: v.name,
            organisation_id: v.organisation_id,
            organisation: v.organisation,
            started_on: v.started_on,
        }
    }
}

/// A list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Volunteers {
    pub items: Vec<VolunteerView>,
}

/// The volunteers of the caller's Ambiti, by name. Audited.
#[utoipa::path(get, path = "/api/v1/volunteers", tag = "formazione",
    responses((status = 200, body = Volunteers), (status = 403, body = ErrorBody)))]
pub async fn volunteers(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Json<Volunteers>, ApiError> {
    let list =
        presidio_app::training::volunteers(&state, visitor.caller(), principal(&visitor)?).await?;
    Ok(Json(Volunteers {
        items: list.into_iter().map(VolunteerView::from).collect(),
    }))
}

/// Adds a volunteer (not a user) to the register, with their organisation. Audited.
#[utoipa::path(post, path = "/api/v1/volunteers", tag = "formazione",
    request_body = VolunteerBody,
    responses((status = 201, body = TrainingRef), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn add_volunteer(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    ApiJson(body): ApiJson<VolunteerBody>,
) -> Result<(StatusCode, Json<TrainingRef>), ApiError> {
    let input = VolunteerInput {
        name: body.name,
        organisation_id: body
            .organisation_id
            .map(|o| o.to_string())
            .unwrap_or_default(),
        started_on: typed_day(body.started_on),
    };
    let id = presidio_app::training::add_volunteer(
        &state,
        visitor.caller(),
        principal(&visitor)?,
        &body.ambito,
        &input,
    )
    .await
    .map_err(labelled)?;
    Ok((StatusCode::CREATED, Json(TrainingRef { id })))
}
