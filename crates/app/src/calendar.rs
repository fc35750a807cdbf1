//! "Is the PIS active for this municipality now?": the answer shared by the API and the CLI;
//! and who may edit a municipality's calendar.

use presidio_db::DbError;
use presidio_domain::calendar::{Reason, Status};
use presidio_domain::reference::IstatCode;
use presidio_domain::time::UtcMillis;
use presidio_domain::validation::{Invalid, Problem};
use presidio_i18n::{Locale, Tr, catalogue};
use serde::Serialize;

use crate::{App, AppError};

/// The PIS at an instant, for one municipality (the API's `CalendarStatus`).
#[derive(Debug, Serialize)]
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

fn rfc3339(at: UtcMillis) -> String {
    at.timestamp().to_string()
}

/// The reason in words and as a code.
pub fn reason_text(t: Tr<'_>, reason: &Reason) -> (String, &'static str) {
    match reason {
        Reason::Open => (t.t("calendar-reason-open"), "servizio_aperto"),
        Reason::OutsideHours => (t.t("calendar-reason-outside_hours"), "fuori_orario"),
        Reason::NationalHoliday(h) => (
            t.t1(
                "calendar-reason-national",
                "name",
                &t.t(&format!("holiday-{}", h.code())),
            ),
            "festivita_nazionale",
        ),
        Reason::LocalHoliday(name) => (
            t.t1("calendar-reason-local", "name", name),
            "festivita_locale",
        ),
        Reason::Closure(why) => (t.t1("calendar-reason-closure", "reason", why), "chiusura"),
    }
}

/// Reads the query, loads the municipality's calendar and answers (empty `at`: now). A missing
/// or unknown municipality and a malformed instant are refused on their field.
pub async fn status(app: &App, municipality: &str, at: &str) -> Result<CalendarStatus, AppError> {
    let now = app.clock.now();
    let mut errors = Invalid::default();
    let istat = if municipality.trim().is_empty() {
        errors.push("municipality", Problem::Required);
        None
    } else {
        IstatCode::parse(municipality)
            .map_err(|p| errors.push("municipality", p))
            .ok()
    };
    let at = if at.trim().is_empty() {
        Some(now)
    } else {
        at.trim()
            .parse::<jiff::Timestamp>()
            .map(UtcMillis::from_timestamp)
            .map_err(|_| errors.push("at", Problem::InvalidDateTime))
            .ok()
    };
    let (Some(istat), Some(at)) = (istat, at) else {
        return Err(errors.into());
    };
    match app.db.municipality(&istat).await {
        Ok(_) => {}
        Err(DbError::NotFound) => {
            return Err(Invalid::one("municipality", Problem::UnknownMunicipality).into());
        }
        Err(e) => return Err(e.into()),
    }
    let stored = app.db.service_calendar(&istat).await?;
    let Status {
        open,
        reason,
        next_change,
        next_opening,
    } = stored.calendar.status(at);
    let (reason, reason_code) = reason_text(catalogue().tr(Locale::Italian), &reason);
    Ok(CalendarStatus {
        municipality: istat.as_str().to_owned(),
        at: rfc3339(at),
        pis_active: !open,
        reason,
        reason_code: reason_code.to_owned(),
        next_change: next_change.map(rfc3339),
        next_opening: next_opening.map(rfc3339),
    })
}

/// The municipality `raw` names, if it exists and `who` coordinates or administers its Ambito.
/// Not found for a malformed or unknown code; forbidden to anyone but the coordinators and
/// administrators of its Ambito.
pub async fn editable(
    app: &App,
    who: &presidio_domain::access::Principal,
    raw: &str,
) -> Result<IstatCode, AppError> {
    let code = IstatCode::parse(raw).map_err(|_| AppError::NotFound)?;
    let m = app.db.municipality(&code).await?;
    if who.may_in(
        presidio_domain::access::Permission::ManageCalendar,
        m.ambito_id,
    ) {
        Ok(code)
    } else {
        Err(AppError::Forbidden)
    }
}

/// The municipalities whose calendar `who` reads, with whether they may edit each.
pub async fn municipalities(
    app: &App,
    who: &presidio_domain::access::Principal,
) -> Result<Vec<(presidio_domain::reference::Municipality, bool)>, AppError> {
    use presidio_domain::access::Permission;
    let mut out = Vec::new();
    for ambito in who.ambiti_with(Permission::ReadReference) {
        let may_edit = who.may_in(Permission::ManageCalendar, ambito);
        for m in app.db.municipalities_of(ambito).await? {
            out.push((m, may_edit));
        }
    }
    Ok(out)
}

/// The municipality `raw` names and its service calendar (public: hours and closures of a
/// public office). Not found for a malformed or unknown code.
pub async fn of_municipality(
    app: &App,
    raw: &str,
) -> Result<
    (
        presidio_domain::reference::Municipality,
        presidio_db::StoredCalendar,
    ),
    AppError,
> {
    let code = IstatCode::parse(raw).map_err(|_| AppError::NotFound)?;
    let m = app.db.municipality(&code).await?;
    let calendar = app.db.service_calendar(&code).await?;
    Ok((m, calendar))
}

/// The service calendar of a municipality known to exist.
pub async fn service_calendar(
    app: &App,
    code: &IstatCode,
) -> Result<presidio_db::StoredCalendar, AppError> {
    Ok(app.db.service_calendar(code).await?)
}

/// Replaces the weekly hours of the municipality `raw` names (see [`editable`]); `version` is
/// the one read (conflict when someone saved since). Returns the new version.
pub async fn set_hours(
    app: &App,
    caller: crate::Caller<'_>,
    who: &presidio_domain::access::Principal,
    raw: &str,
    hours: &presidio_domain::calendar::WeeklyHours,
    version: i64,
) -> Result<i64, AppError> {
    let code = editable(app, who, raw).await?;
    let entry = app.entry(caller, presidio_domain::audit::Action::SettingsChanged);
    let version = app
        .db
        .set_service_hours(&code, hours, version, &entry)
        .await?;
    app.caches.invalidate();
    Ok(version)
}

/// Adds a validated local holiday to the municipality `raw` names.
pub async fn add_holiday(
    app: &App,
    caller: crate::Caller<'_>,
    who: &presidio_domain::access::Principal,
    raw: &str,
    holiday: &presidio_domain::calendar::LocalHoliday,
) -> Result<i64, AppError> {
    let code = editable(app, who, raw).await?;
    let entry = app.entry(caller, presidio_domain::audit::Action::SettingsChanged);
    let id = app.db.add_local_holiday(&code, holiday, &entry).await?;
    app.caches.invalidate();
    Ok(id)
}

/// Adds a validated closure of the service of the municipality `raw` names.
pub async fn add_closure(
    app: &App,
    caller: crate::Caller<'_>,
    who: &presidio_domain::access::Principal,
    raw: &str,
    closure: &presidio_domain::calendar::Closure,
) -> Result<i64, AppError> {
    let code = editable(app, who, raw).await?;
    let entry = app.entry(caller, presidio_domain::audit::Action::SettingsChanged);
    let id = app.db.add_closure(&code, closure, &entry).await?;
    app.caches.invalidate();
    Ok(id)
}

/// Removes a local holiday or a closure of the municipality `raw` names.
pub async fn remove_entry(
    app: &App,
    caller: crate::Caller<'_>,
    who: &presidio_domain::access::Principal,
    raw: &str,
    kind: presidio_db::CalendarEntry,
    id: i64,
) -> Result<(), AppError> {
    let code = editable(app, who, raw).await?;
    let entry = app.entry(caller, presidio_domain::audit::Action::SettingsChanged);
    app.db
        .remove_calendar_entry(kind, &code, id, &entry)
        .await?;
    app.caches.invalidate();
    Ok(())
}
