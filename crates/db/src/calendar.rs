//! The service calendar as stored: weekly hours, local holidays and closures per municipality.
//! Every change appends its audit entry in the same transaction.

use presidio_domain::audit::Entry;
use presidio_domain::calendar::{Closure, LocalHoliday, ServiceCalendar, WeeklyHours};
use presidio_domain::reference::{IstatCode, MonthDay};

use crate::audit::append;
use crate::{Db, DbError, dispatch, now};

/// A municipality's calendar with what the editing screens need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCalendar {
    pub calendar: ServiceCalendar,
    /// The version of the weekly hours (0 while they are the default).
    pub hours_version: i64,
    /// The ids of `calendar.local_holidays` and `calendar.closures`, in the same order.
    pub holiday_ids: Vec<i64>,
    pub closure_ids: Vec<i64>,
}

#[derive(sqlx::FromRow)]
struct HolidayRow {
    id: i64,
    month: i64,
    day: i64,
    name: String,
    from_year: Option<i64>,
    to_year: Option<i64>,
    source: String,
}

#[derive(sqlx::FromRow)]
struct ClosureRow {
    id: i64,
    day: String,
    start_minute: Option<i64>,
    end_minute: Option<i64>,
    reason: String,
}

fn corrupt(what: &'static str) -> impl Fn() -> DbError {
    move || DbError::Corrupt(what)
}

impl Db {
    /// The calendar of one municipality (default hours when none were set).
    pub async fn service_calendar(&self, istat: &IstatCode) -> Result<StoredCalendar, DbError> {
        let code = istat.as_str();
        let (hours, holidays, closures): (Option<(String, i64)>, Vec<HolidayRow>, Vec<ClosureRow>) =
            dispatch!(
                self,
                read | pool | {
                    let hours = sqlx::query_as(
                        "SELECT hours, version FROM service_hours WHERE istat_code = $1",
                    )
                    .bind(code)
                    .fetch_optional(pool)
                    .await?;
                    let holidays = sqlx::query_as(
                        "SELECT id, month, day, name, from_year, to_year, source
                     FROM local_holidays WHERE istat_code = $1 ORDER BY month, day, id",
                    )
                    .bind(code)
                    .fetch_all(pool)
                    .await?;
                    let closures = sqlx::query_as(
                        "SELECT id, day, start_minute, end_minute, reason
                     FROM service_closures WHERE istat_code = $1 ORDER BY day, start_minute, id",
                    )
                    .bind(code)
                    .fetch_all(pool)
                    .await?;
                    Ok::<_, sqlx::Error>((hours, holidays, closures))
                }
            )?;
        let (hours, hours_version) = match hours {
            Some((raw, version)) => (
                WeeklyHours::from_storage(&raw).map_err(|_| DbError::Corrupt("service_hours"))?,
                version,
            ),
            None => (WeeklyHours::default(), 0),
        };
        let mut out = StoredCalendar {
            calendar: ServiceCalendar {
                hours,
                ..ServiceCalendar::default()
            },
            hours_version,
            holiday_ids: Vec::new(),
            closure_ids: Vec::new(),
        };
        for h in holidays {
            let day = MonthDay::parse(&format!("{:02}-{:02}", h.month, h.day))
                .map_err(|_| DbError::Corrupt("local_holidays"))?;
            out.holiday_ids.push(h.id);
            out.calendar.local_holidays.push(LocalHoliday {
                day,
                name: h.name,
                from_year: h.from_year.and_then(|y| i16::try_from(y).ok()),
                to_year: h.to_year.and_then(|y| i16::try_from(y).ok()),
                source: h.source,
            });
        }
        for c in closures {
            let date = c.day.parse().ok().ok_or_else(corrupt("service_closures"))?;
            let minute = |m: Option<i64>| m.and_then(|m| u16::try_from(m).ok());
            let hours = match (minute(c.start_minute), minute(c.end_minute)) {
                (Some(a), Some(b)) => Some((a, b)),
                _ => None,
            };
            out.closure_ids.push(c.id);
            out.calendar.closures.push(Closure {
                date,
                hours,
                reason: c.reason,
            });
        }
        Ok(out)
    }

    /// Replaces the weekly hours, if `version` is still theirs (0: still the default).
    pub async fn set_service_hours(
        &self,
        istat: &IstatCode,
        hours: &WeeklyHours,
        version: i64,
        audit: &Entry,
    ) -> Result<i64, DbError> {
        let at = now().0;
        let code = istat.as_str();
        let stored = hours.to_storage();
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let current: Option<(i64,)> =
                    sqlx::query_as("SELECT version FROM service_hours WHERE istat_code = $1")
                        .bind(code)
                        .fetch_optional(&mut *tx)
                        .await?;
                if current.map_or(0, |(v,)| v) != version {
                    return Err(DbError::Conflict);
                }
                sqlx::query(
                    "INSERT INTO service_hours (istat_code, hours, updated_at) VALUES ($1, $2, $3)
                     ON CONFLICT (istat_code) DO UPDATE SET hours = excluded.hours,
                        version = service_hours.version + 1, updated_at = excluded.updated_at",
                )
                .bind(code)
                .bind(&stored)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                append!(
                    tx,
                    &audit.clone().record("service_hours", code).reason(&stored)
                )
                .await?;
                tx.commit().await?;
                Ok::<i64, DbError>(version + 1)
            }
        )
    }

    /// Adds a local holiday; returns its id.
    pub async fn add_local_holiday(
        &self,
        istat: &IstatCode,
        holiday: &LocalHoliday,
        audit: &Entry,
    ) -> Result<i64, DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO local_holidays (istat_code, month, day, name, from_year, to_year,
                        source, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(istat.as_str())
                .bind(i64::from(holiday.day.month))
                .bind(i64::from(holiday.day.day))
                .bind(&holiday.name)
                .bind(holiday.from_year.map(i64::from))
                .bind(holiday.to_year.map(i64::from))
                .bind(&holiday.source)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                append!(
                    tx,
                    &audit.clone().record("local_holiday", id).reason(&format!(
                        "{} {} {}",
                        istat.as_str(),
                        holiday.day,
                        holiday.name
                    ))
                )
                .await?;
                tx.commit().await?;
                Ok::<i64, DbError>(id)
            }
        )
    }

    /// Adds a closure; returns its id.
    pub async fn add_closure(
        &self,
        istat: &IstatCode,
        closure: &Closure,
        audit: &Entry,
    ) -> Result<i64, DbError> {
        let at = now().0;
        let (start, end) = closure.hours.map_or((None, None), |(a, b)| {
            (Some(i64::from(a)), Some(i64::from(b)))
        });
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO service_closures (istat_code, day, start_minute, end_minute,
                        reason, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(istat.as_str())
                .bind(closure.date.to_string())
                .bind(start)
                .bind(end)
                .bind(&closure.reason)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                append!(
                    tx,
                    &audit.clone().record("service_closure", id).reason(&format!(
                        "{} {}",
                        istat.as_str(),
                        closure.date
                    ))
                )
                .await?;
                tx.commit().await?;
                Ok::<i64, DbError>(id)
            }
        )
    }

    /// Removes a local holiday or a closure of this municipality; `NotFound` when it is not one
    /// of its own.
    pub async fn remove_calendar_entry(
        &self,
        kind: CalendarEntry,
        istat: &IstatCode,
        id: i64,
        audit: &Entry,
    ) -> Result<(), DbError> {
        let (sql, record) = match kind {
            CalendarEntry::LocalHoliday => (
                "DELETE FROM local_holidays WHERE id = $1 AND istat_code = $2",
                "local_holiday",
            ),
            CalendarEntry::Closure => (
                "DELETE FROM service_closures WHERE id = $1 AND istat_code = $2",
                "service_closure",
            ),
        };
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let removed = sqlx::query(sql)
                    .bind(id)
                    .bind(istat.as_str())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if removed == 0 {
                    return Err(DbError::NotFound);
                }
                append!(tx, &audit.clone().record(record, id)).await?;
                tx.commit().await?;
                Ok::<(), DbError>(())
            }
        )
    }
}

/// The removable entries of a calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarEntry {
    LocalHoliday,
    Closure,
}
