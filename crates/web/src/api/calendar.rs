//! The service calendar over the API.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use presidio_db::CalendarEntry;
use presidio_domain::calendar::WeeklyHours;
use presidio_domain::calendar::hours::format_minute;
use presidio_domain::calendar::input::{ClosureInput, LocalHolidayInput, weekly_hours};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::ApiJson;
use super::reports::principal;
use crate::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ErrorBody};
use presidio_app::calendar::editable;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusQuery {
    /// Codice ISTAT del comune.
    #[serde(default)]
    #[param(required = true, pattern = r"^\s*[0-9]{6}\s*$")]
    pub municipality: String,
    /// Istante RFC 3339 (predefinito: adesso).
    #[serde(default)]
    pub at: String,
}

/// Whether the PIS is active for a municipality at an instant, why, when that changes and when
/// the municipality's social service next opens.
#[utoipa::path(get, path = "/api/v1/calendar/status", tag = "calendario", params(StatusQuery),
    responses((status = 200, body = CalendarStatus), (status = 422, body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    Query(q): Query<StatusQuery>,
) -> Result<Json<CalendarStatus>, ApiError> {
    let answer = presidio_app::calendar::status(&state, &q.municipality, &q.at).await?;
    Ok(Json(answer.into()))
}

/// The PIS at an instant, for one municipality.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarStatus {
    /// ISTAT code of the municipality.
    pub municipality: String,
    /// The instant asked about, RFC 3339 (UTC).
    pub at: String,
    /// The PIS is active: the municipality's social service is closed.
    pub pis_active: bool,
    /// Why, in Italian.
    pub reason: String,
    /// Why, as a stable code: `servizio_aperto`, `fuori_orario`, `festivita_nazionale`,
    /// `festivita_locale`, `chiusura`.
    pub reason_code: String,
    /// When the PIS next starts or stops for this municipality, RFC 3339 (UTC); null when it
    /// never does within two years.
    pub next_change: Option<String>,
    /// The next opening of the municipality's social service (the handover's "next working
    /// day"), RFC 3339 (UTC).
    pub next_opening: Option<String>,
}

impl From<presidio_app::calendar::CalendarStatus> for CalendarStatus {
    fn from(s: presidio_app::calendar::CalendarStatus) -> Self {
        let presidio_app::calendar::CalendarStatus {
            municipality,
            at,
            pis_active,
            reason,
            reason_code,
            next_change,
            next_opening,
        } = s;
        Self {
            municipality,
            at,
            pis_active,
            reason,
            reason_code,
            next_change,
            next_opening,
        }
    }
}

/// The seven days of weekly hours, Monday first, each as `08:30-12:30, 14:00-17:00` (empty:
/// closed). The same shape is read and written: every day must be there, so a day left out is
/// never taken for a closed one.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeekView {
    pub lunedi: String,
    pub martedi: String,
    pub mercoledi: String,
    pub giovedi: String,
    pub venerdi: String,
    pub sabato: String,
    pub domenica: String,
}

impl WeekView {
    fn of(hours: &WeeklyHours) -> Self {
        Self {
            lunedi: hours.format_day(0),
            martedi: hours.format_day(1),
            mercoledi: hours.format_day(2),
            giovedi: hours.format_day(3),
            venerdi: hours.format_day(4),
            sabato: hours.format_day(5),
            domenica: hours.format_day(6),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LocalHolidayView {
    pub id: i64,
    /// `MM-DD`.
    pub day: String,
    pub name: String,
    pub from_year: Option<i16>,
    pub to_year: Option<i16>,
    pub source: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClosureView {
    pub id: i64,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM`; both null: the whole day.
    pub start: Option<String>,
    pub end: Option<String>,
    pub reason: String,
}

/// A municipality's service calendar.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarView {
    pub municipality: String,
    pub hours: WeekView,
    /// 0 while the hours are the default (Monday–Friday 08:30–17:00).
    pub hours_version: i64,
    pub local_holidays: Vec<LocalHolidayView>,
    pub closures: Vec<ClosureView>,
}

/// A municipality's calendar: weekly hours, local holidays, closures.
#[utoipa::path(get, path = "/api/v1/calendar/municipalities/{istat_code}", tag = "calendario",
    params(("istat_code" = String, Path)),
    responses((status = 200, body = CalendarView), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Path(istat_code): Path<String>,
) -> Result<Json<CalendarView>, ApiError> {
    let (m, s) = presidio_app::calendar::of_municipality(&state, &istat_code).await?;
    Ok(Json(CalendarView {
        municipality: m.data.istat_code.as_str().to_owned(),
        hours: WeekView::of(&s.calendar.hours),
        hours_version: s.hours_version,
        local_holidays: s
            .holiday_ids
            .iter()
            .zip(&s.calendar.local_holidays)
            .map(|(id, h)| LocalHolidayView {
                id: *id,
                day: h.day.to_string(),
                name: h.name.clone(),
                from_year: h.from_year,
                to_year: h.to_year,
                source: h.source.clone(),
            })
            .collect(),
        closures: s
            .closure_ids
            .iter()
            .zip(&s.calendar.closures)
            .map(|(id, c)| ClosureView {
                id: *id,
                date: c.date.to_string(),
                start: c.hours.map(|(a, _)| format_minute(a)),
                end: c.hours.map(|(_, b)| format_minute(b)),
                reason: c.reason.clone(),
            })
            .collect(),
    }))
}

/// The weekly hours to save, in the shape the calendar is read (`hours` and `hours_version`,
/// 0 while the hours are the default): what `GET` gave, with the days changed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoursBody {
    pub hours_version: i64,
    pub hours: WeekView,
}

impl WeekView {
    fn days(&self) -> [&str; 7] {
        [
            &self.lunedi,
            &self.martedi,
            &self.mercoledi,
            &self.giovedi,
            &self.venerdi,
            &self.sabato,
            &self.domenica,
        ]
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HoursSaved {
    pub hours_version: i64,
}

/// Replaces the weekly hours (coordinators and admins of the Ambito); a stale `version` gets 409.
#[utoipa::path(put, path = "/api/v1/calendar/municipalities/{istat_code}/hours",
    tag = "calendario", params(("istat_code" = String, Path)), request_body = HoursBody,
    responses((status = 200, body = HoursSaved), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn save_hours(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(istat_code): Path<String>,
    ApiJson(body): ApiJson<HoursBody>,
) -> Result<Json<HoursSaved>, ApiError> {
    let who = principal(&visitor)?;
    editable(&state, who, &istat_code).await?;
    let hours = weekly_hours(body.hours.days()).map_err(|invalid| {
        // The days are inside `hours` in the body: the errors say so.
        presidio_domain::validation::Invalid(
            invalid
                .0
                .into_iter()
                .map(|e| presidio_domain::validation::FieldError {
                    field: presidio_domain::validation::field_name(&format!("hours.{}", e.field)),
                    problem: e.problem,
                })
                .collect(),
        )
    })?;
    let version = presidio_app::calendar::set_hours(
        &state,
        visitor.caller(),
        who,
        &istat_code,
        &hours,
        body.hours_version,
    )
    .await?;
    Ok(Json(HoursSaved {
        hours_version: version,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct HolidayBody {
    /// `MM-DD`.
    #[serde(default)]
    pub day: String,
    #[serde(default)]
    pub name: String,
    pub from_year: Option<i16>,
    pub to_year: Option<i16>,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Adds a local holiday.
#[utoipa::path(post, path = "/api/v1/calendar/municipalities/{istat_code}/local-holidays",
    tag = "calendario", params(("istat_code" = String, Path)), request_body = HolidayBody,
    responses((status = 201, body = Created), (status = 422, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn add_holiday(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(istat_code): Path<String>,
    ApiJson(body): ApiJson<HolidayBody>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let who = principal(&visitor)?;
    editable(&state, who, &istat_code).await?;
    let year = |y: Option<i16>| y.map(|y| y.to_string()).unwrap_or_default();
    let holiday = LocalHolidayInput {
        day: body.day,
        name: body.name,
        from_year: year(body.from_year),
        to_year: year(body.to_year),
        source: body.source,
    }
    .validate()?;
    let id =
        presidio_app::calendar::add_holiday(&state, visitor.caller(), who, &istat_code, &holiday)
            .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ClosureBody {
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub date: String,
    /// `HH:MM`; both absent: the whole day.
    #[serde(default)]
    pub start: String,
    #[serde(default)]
    pub end: String,
    #[serde(default)]
    pub reason: String,
}

/// Adds a closure of the service.
#[utoipa::path(post, path = "/api/v1/calendar/municipalities/{istat_code}/closures",
    tag = "calendario", params(("istat_code" = String, Path)), request_body = ClosureBody,
    responses((status = 201, body = Created), (status = 422, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn add_closure(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(istat_code): Path<String>,
    ApiJson(body): ApiJson<ClosureBody>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let who = principal(&visitor)?;
    editable(&state, who, &istat_code).await?;
    let closure = ClosureInput {
        date: body.date,
        from: body.start,
        to: body.end,
        reason: body.reason,
    }
    .validate()?;
    let id =
        presidio_app::calendar::add_closure(&state, visitor.caller(), who, &istat_code, &closure)
            .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Removes a local holiday.
#[utoipa::path(delete, path = "/api/v1/calendar/municipalities/{istat_code}/local-holidays/{id}",
    tag = "calendario", params(("istat_code" = String, Path), ("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn remove_holiday(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((istat_code, id)): Path<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    remove(
        &state,
        &visitor,
        &istat_code,
        CalendarEntry::LocalHoliday,
        id,
    )
    .await
}

/// Removes a closure.
#[utoipa::path(delete, path = "/api/v1/calendar/municipalities/{istat_code}/closures/{id}",
    tag = "calendario", params(("istat_code" = String, Path), ("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn remove_closure(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((istat_code, id)): Path<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    remove(&state, &visitor, &istat_code, CalendarEntry::Closure, id).await
}

async fn remove(
    state: &AppState,
    visitor: &Visitor,
    istat_code: &str,
    kind: CalendarEntry,
    id: i64,
) -> Result<StatusCode, ApiError> {
    presidio_app::calendar::remove_entry(
        state,
        visitor.caller(),
        principal(visitor)?,
        istat_code,
        kind,
        id,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
