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
