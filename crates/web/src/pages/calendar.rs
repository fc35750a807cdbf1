//! The service calendar on screen: a month view of when the PIS is active for each municipality,
//! and, for coordinators and admins of its Ambito, the page that edits a municipality's opening
//! hours, local holidays and closures. Every change is audited.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::ToSpan;
use jiff::civil::Date;
use presidio_db::{CalendarEntry, DbError, StoredCalendar};
use presidio_domain::calendar::hours::format_minute;
use presidio_domain::calendar::input::{ClosureInput, DAY_FIELDS, LocalHolidayInput, weekly_hours};
use presidio_domain::calendar::{Reason, ServiceCalendar};
use presidio_domain::reference::IstatCode;
use presidio_domain::validation::Invalid;
use serde::Deserialize;

use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::forms::FormErrors;
use crate::i18n::Tr;
use presidio_app::AppError;
use presidio_app::calendar::reason_text;

/// One day of the month view, for one municipality.
pub struct Cell {
    pub text: String,
    /// The PIS is active all day (the service does not open).
    pub all_day: bool,
}

pub struct DayRow {
    pub label: String,
    pub weekend_or_holiday: bool,
    pub cells: Vec<Cell>,
}

pub struct Column {
    pub name: String,
    /// The editing page, for those who may edit.
    pub href: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "calendar.html")]
pub struct MonthPage {
    page: Layout,
    month_label: String,
    previous: String,
    next: String,
    columns: Vec<Column>,
    rows: Vec<DayRow>,
}

#[derive(Deserialize)]
pub struct MonthQuery {
    #[serde(default)]
    mese: String,
}

const MONTHS: [&str; 12] = [
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
];

const WEEKDAYS: [&str; 7] = ["lun", "mar", "mer", "gio", "ven", "sab", "dom"];

fn month_of(raw: &str, today: Date) -> Date {
    let parsed = raw
        .split_once('-')
        .and_then(|(y, m)| Some((y.parse::<i16>().ok()?, m.parse::<i8>().ok()?)))
        .and_then(|(y, m)| Date::new(y, m, 1).ok());
    parsed.unwrap_or_else(|| today.first_of_month())
}

fn month_param(d: Date) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// What a day looks like for one service: its opening hours, or why the PIS covers it all.
fn cell(t: Tr<'_>, cal: &ServiceCalendar, day: Date) -> Cell {
    let open = cal.day_minutes(day);
    if open.is_empty() {
        let why = cal.holiday(day).or_else(|| {
            cal.closures
                .iter()
                .find(|c| c.date == day && c.hours.is_none())
                .map(|c| Reason::Closure(c.reason.clone()))
        });
        let text = match why {
            Some(Reason::NationalHoliday(h)) => t.t1(
                "calendar-cell-all-day-because",
                "why",
                &t.t(&format!("holiday-{}", h.code())),
            ),
            Some(Reason::LocalHoliday(name) | Reason::Closure(name)) => {
                t.t1("calendar-cell-all-day-because", "why", &name)
            }
            _ => t.t("calendar-cell-all-day"),
        };
        return Cell {
            text,
            all_day: true,
        };
    }
    let hours = open
        .iter()
        .map(|(a, b)| format!("{}–{}", format_minute(*a), format_minute(*b)))
        .collect::<Vec<_>>()
        .join(", ");
    Cell {
        text: t.t1("calendar-cell-open", "hours", &hours),
        all_day: false,
    }
}

fn today() -> Date {
    presidio_db::now().in_rome().date()
}

pub async fn month(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<MonthQuery>,
) -> Result<MonthPage, PageError> {
    let who = super::reports::principal(&visitor)?;
    let page = Layout::new(&visitor, "calendar-title", "calendar");
    let t = page.t;
    let first = month_of(&q.mese, today());
    let mut columns = Vec::new();
    let mut calendars = Vec::new();
    for (m, may_edit) in presidio_app::calendar::municipalities(&state, who).await? {
        calendars.push(
            presidio_app::calendar::service_calendar(&state, &m.data.istat_code)
                .await?
                .calendar,
        );
        columns.push(Column {
            href: may_edit.then(|| format!("/calendario/{}", m.data.istat_code.as_str())),
            name: m.data.name,
        });
    }
    let mut rows = Vec::new();
    let mut day = first;
    while day.month() == first.month() {
        let weekday = usize::try_from(day.weekday().to_monday_zero_offset()).unwrap_or(0);
        rows.push(DayRow {
            label: format!("{} {}", WEEKDAYS[weekday], day.day()),
            weekend_or_holiday: weekday >= 5
                || presidio_domain::calendar::NationalHoliday::on(day).is_some(),
            cells: calendars.iter().map(|c| cell(t, c, day)).collect(),
        });
        let Ok(next) = day.tomorrow() else { break };
        day = next;
    }
    let month_index = usize::try_from(first.month() - 1).unwrap_or(0);
    Ok(MonthPage {
        month_label: format!("{} {}", MONTHS[month_index], first.year()),
        previous: month_param(first.checked_sub(1.month()).unwrap_or(first)),
        next: month_param(first.checked_add(1.month()).unwrap_or(first)),
        columns,
        rows,
        page,
    })
}

pub struct HolidayRow {
    pub id: i64,
    pub day: String,
    pub name: String,
    pub years: String,
    pub source: String,
}

pub struct ClosureRow {
    pub id: i64,
    pub date: String,
    pub hours: String,
    pub reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "calendar_edit.html")]
pub struct EditPage {
    page: Layout,
    istat: String,
    status: String,
    version: i64,
    /// (field, label, value) of the seven days.
    days: Vec<(&'static str, String, String)>,
    holidays: Vec<HolidayRow>,
    closures: Vec<ClosureRow>,
    holiday: HolidayForm,
    closure: ClosureForm,
    errors: FormErrors,
    done: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct HolidayForm {
    #[serde(default)]
    pub day: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub from_year: String,
    #[serde(default)]
    pub to_year: String,
    #[serde(default)]
    pub source: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct ClosureForm {
    #[serde(default)]
    pub date: String,
    #[serde(default, rename = "start")]
    pub from: String,
    #[serde(default, rename = "end")]
    pub to: String,
    #[serde(default)]
    pub reason: String,
}

#[derive(Deserialize)]
pub struct HoursForm {
    pub version: i64,
    #[serde(default)]
    pub lunedi: String,
    #[serde(default)]
    pub martedi: String,
    #[serde(default)]
    pub mercoledi: String,
    #[serde(default)]
    pub giovedi: String,
    #[serde(default)]
    pub venerdi: String,
    #[serde(default)]
    pub sabato: String,
    #[serde(default)]
    pub domenica: String,
}

/// The municipality, if it exists and the user may edit its calendar (404 and 403 otherwise).
async fn editable(
    state: &AppState,
    visitor: &Visitor,
    istat: &str,
) -> Result<IstatCode, PageError> {
    let who = super::reports::principal(visitor)?;
    Ok(presidio_app::calendar::editable(state, who, istat).await?)
}

/// What the edit page shows, with the forms as given and their errors.
#[derive(Default)]
struct Shown {
    days: Option<[String; 7]>,
    holiday: HolidayForm,
    closure: ClosureForm,
    errors: FormErrors,
    done: Option<&'static str>,
}

async fn edit_page(
    state: &AppState,
    visitor: &Visitor,
    istat: &IstatCode,
    shown: Shown,
) -> Result<EditPage, PageError> {
    let (m, stored): (_, StoredCalendar) =
        presidio_app::calendar::of_municipality(state, istat.as_str()).await?;
    let page = Layout::titled(
        visitor,
        catalogue_t().t1("calendar-edit-title", "name", &m.data.name),
        "calendar",
    );
    let t = page.t;
    let status = stored.calendar.status(state.clock.now());
    let (why, _) = reason_text(t, &status.reason);
    let status_text = match status.next_change {
        Some(at) => t.t_args(
            "calendar-edit-status",
            &[
                ("why", crate::i18n::Arg::Str(&why)),
                ("until", crate::i18n::Arg::Str(&t.date_time(at))),
            ],
        ),
        None => why,
    };
    let days = (0..7)
        .map(|i| {
            let value = shown
                .days
                .as_ref()
                .map_or_else(|| stored.calendar.hours.format_day(i), |d| d[i].clone());
            (
                DAY_FIELDS[i],
                t.t(&format!("field-{}", DAY_FIELDS[i])),
                value,
            )
        })
        .collect();
    let holidays = stored
        .holiday_ids
        .iter()
        .zip(&stored.calendar.local_holidays)
        .map(|(id, h)| HolidayRow {
            id: *id,
            day: format!("{:02}/{:02}", h.day.day, h.day.month),
            name: h.name.clone(),
            years: match (h.from_year, h.to_year) {
                (None, None) => t.t("calendar-every-year"),
                (Some(a), None) => t.t1("calendar-from-year", "year", &a.to_string()),
                (None, Some(b)) => t.t1("calendar-to-year", "year", &b.to_string()),
                (Some(a), Some(b)) => format!("{a}–{b}"),
            },
            source: h.source.clone(),
        })
        .collect();
    let from = today().checked_sub(7.days()).unwrap_or_else(|_| today());
    let closures = stored
        .closure_ids
        .iter()
        .zip(&stored.calendar.closures)
        .filter(|(_, c)| c.date >= from)
        .map(|(id, c)| ClosureRow {
            id: *id,
            date: t.date(c.date),
            hours: c.hours.map_or_else(
                || t.t("calendar-all-day"),
                |(a, b)| format!("{}–{}", format_minute(a), format_minute(b)),
            ),
            reason: c.reason.clone(),
        })
        .collect();
    Ok(EditPage {
        istat: istat.as_str().to_owned(),
        status: status_text,
        version: stored.hours_version,
        days,
        holidays,
        closures,
        holiday: shown.holiday,
        closure: shown.closure,
        errors: shown.errors,
        done: shown.done.map(|d| t.t(d)),
        page,
    })
}

fn catalogue_t() -> Tr<'static> {
    crate::i18n::catalogue().tr(crate::i18n::Locale::Italian)
}

#[derive(Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    fatto: String,
}

pub async fn edit(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(istat): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<EditPage, PageError> {
    let code = editable(&state, &visitor, &istat).await?;
    let done = match q.fatto.as_str() {
        "orari" => Some("calendar-done-hours"),
        "festivita" => Some("calendar-done-holiday"),
        "chiusura" => Some("calendar-done-closure"),
        "rimosso" => Some("calendar-done-removed"),
        _ => None,
    };
    let shown = Shown {
        done,
        ..Shown::default()
    };
    edit_page(&state, &visitor, &code, shown).await
}

/// Renders the page again with what was refused, as 422 (409 for a stale save).
async fn refused(
    state: &AppState,
    visitor: &Visitor,
    code: &IstatCode,
    status: StatusCode,
    shown: Shown,
) -> Result<Response, PageError> {
    Ok((status, edit_page(state, visitor, code, shown).await?).into_response())
}

fn back(code: &IstatCode, done: &str) -> Response {
    Redirect::to(&format!("/calendario/{}?fatto={done}", code.as_str())).into_response()
}

pub async fn save_hours(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(istat): Path<String>,
    Form(form): Form<HoursForm>,
) -> Result<Response, PageError> {
    let code = editable(&state, &visitor, &istat).await?;
    let raw = [
        form.lunedi,
        form.martedi,
        form.mercoledi,
        form.giovedi,
        form.venerdi,
        form.sabato,
        form.domenica,
    ];
    let refs: [&str; 7] = std::array::from_fn(|i| raw[i].as_str());
    let hours = match weekly_hours(refs) {
        Ok(h) => h,
        Err(invalid) => {
            let shown = Shown {
                days: Some(raw.clone()),
                errors: FormErrors::from(&invalid),
                ..Shown::default()
            };
            return refused(
                &state,
                &visitor,
                &code,
                StatusCode::UNPROCESSABLE_ENTITY,
                shown,
            )
            .await;
        }
    };
    let who = super::reports::principal(&visitor)?;
    match presidio_app::calendar::set_hours(
        &state,
        visitor.caller(),
        who,
        code.as_str(),
        &hours,
        form.version,
    )
    .await
    {
        Ok(_) => Ok(back(&code, "orari")),
        Err(AppError::Db(DbError::Conflict)) => {
            let shown = Shown {
                errors: FormErrors::from(&Invalid::one(
                    "lunedi",
                    presidio_domain::validation::Problem::StaleVersion,
                )),
                ..Shown::default()
            };
            refused(&state, &visitor, &code, StatusCode::CONFLICT, shown).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn add_holiday(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(istat): Path<String>,
    Form(form): Form<HolidayForm>,
) -> Result<Response, PageError> {
    let code = editable(&state, &visitor, &istat).await?;
    let input = LocalHolidayInput {
        day: form.day.clone(),
        name: form.name.clone(),
        from_year: form.from_year.clone(),
        to_year: form.to_year.clone(),
        source: form.source.clone(),
    };
    match input.validate() {
        Ok(h) => {
            let who = super::reports::principal(&visitor)?;
            presidio_app::calendar::add_holiday(&state, visitor.caller(), who, code.as_str(), &h)
                .await?;
            Ok(back(&code, "festivita"))
        }
        Err(invalid) => {
            let shown = Shown {
                holiday: form,
                errors: FormErrors::from(&invalid),
                ..Shown::default()
            };
            refused(
                &state,
                &visitor,
                &code,
                StatusCode::UNPROCESSABLE_ENTITY,
                shown,
            )
            .await
        }
    }
}

pub async fn add_closure(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(istat): Path<String>,
    Form(form): Form<ClosureForm>,
) -> Result<Response, PageError> {
    let code = editable(&state, &visitor, &istat).await?;
    let input = ClosureInput {
        date: form.date.clone(),
        from: form.from.clone(),
        to: form.to.clone(),
        reason: form.reason.clone(),
    };
    match input.validate() {
        Ok(c) => {
            let who = super::reports::principal(&visitor)?;
            presidio_app::calendar::add_closure(&state, visitor.caller(), who, code.as_str(), &c)
                .await?;
            Ok(back(&code, "chiusura"))
        }
        Err(invalid) => {
            let shown = Shown {
                closure: form,
                errors: FormErrors::from(&invalid),
                ..Shown::default()
            };
            refused(
                &state,
                &visitor,
                &code,
                StatusCode::UNPROCESSABLE_ENTITY,
                shown,
            )
            .await
        }
    }
}

async fn remove(
    state: &AppState,
    visitor: &Visitor,
    istat: &str,
    kind: CalendarEntry,
    id: i64,
) -> Result<Response, PageError> {
    let code = editable(state, visitor, istat).await?;
    let who = super::reports::principal(visitor)?;
    presidio_app::calendar::remove_entry(state, visitor.caller(), who, istat, kind, id).await?;
    Ok(back(&code, "rimosso"))
}

pub async fn remove_holiday(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((istat, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    remove(&state, &visitor, &istat, CalendarEntry::LocalHoliday, id).await
}

pub async fn remove_closure(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((istat, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    remove(&state, &visitor, &istat, CalendarEntry::Closure, id).await
}
