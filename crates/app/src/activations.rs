//! Activations of resources inside a case: places held (never below zero), then confirmed,
//! started, ended or cancelled. The report page, the field view and the API call these.
//!
//! Fields are refused by the names the API gives them (`resource_id`, `places`, `nights`,
//! `hold_minutes`, `status`).

use presidio_db::StoredActivation;
use presidio_domain::access::Principal;
use presidio_domain::audit::Action;
use presidio_domain::resources::activation::{ActivationStatus, DEFAULT_HOLD_MINUTES};
use presidio_domain::validation::{Invalid, Problem};

use crate::reports::writable;
use crate::{App, AppError, Caller};

/// The most places one booking holds.
pub const PLACES_MAX: i64 = 50;
/// The most nights (or units) one booking counts.
pub const NIGHTS_MAX: i64 = 366;
/// The longest a booking holds its places before they lapse: a day.
pub const HOLD_MINUTES_MAX: i64 = 24 * 60;

/// A booking as asked: `None` takes the default (one place, one night, 90 minutes); a resource
/// must be named. A count that is not a whole number is given as 0 (out of range).
#[derive(Debug, Clone, Copy, Default)]
pub struct HoldInput {
    pub resource_id: Option<i64>,
    pub places: Option<i64>,
    pub nights: Option<i64>,
    pub hold_minutes: Option<i64>,
}

fn within(
    errors: &mut Invalid,
    field: &'static str,
    value: Option<i64>,
    default: i64,
    max: i64,
) -> Option<u32> {
    let value = value.unwrap_or(default);
    if (1..=max).contains(&value) {
        u32::try_from(value).ok()
    } else {
        errors.push(field, Problem::OutOfRange);
        None
    }
}

/// Holds places of a resource for report `report_id`. A booking of more places than are free
/// is refused on `places`, said together with the form's other faults.
pub async fn hold(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    report_id: i64,
    input: HoldInput,
) -> Result<StoredActivation, AppError> {
    let report = writable(app, who, report_id).await?;
    let mut errors = Invalid::default();
    if input.resource_id.is_none() {
        errors.push("resource_id", Problem::Required);
    }
    let places = within(&mut errors, "places", input.places, 1, PLACES_MAX);
    let nights = within(&mut errors, "nights", input.nights, 1, NIGHTS_MAX);
    let minutes = within(
        &mut errors,
        "hold_minutes",
        input.hold_minutes,
        DEFAULT_HOLD_MINUTES,
        HOLD_MINUTES_MAX,
    );
    let (Some(resource), Some(places), Some(nights), Some(minutes), true) = (
        input.resource_id,
        places,
        nights,
        minutes,
        errors.is_empty(),
    ) else {
        if let (Some(resource), Some(places)) = (input.resource_id, places) {
            crate::cases::check_free_places(app, report.ambito, resource, places, &mut errors)
                .await?;
        }
        return Err(errors.into());
    };
    let activation = app
        .db
        .hold_places(
            report.ambito,
            report_id,
            resource,
            places,
            nights,
            app.clock.now().0 + i64::from(minutes) * 60_000,
            &app.entry(caller, Action::Write),
        )
        .await?;
    app.changed(report.ambito, report_id);
    Ok(activation)
}

/// Moves activation `id` to `status` (`confirmed`, `started`, `ended`, `cancelled`); ending or
/// cancelling gives its places back. With `report_id`, the activation must belong to that
/// report. Not found when the user may not write its report.
pub async fn move_to(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    report_id: Option<i64>,
    id: i64,
    status: &str,
    version: i64,
) -> Result<StoredActivation, AppError> {
    let report = if let Some(report_id) = report_id {
        let report = writable(app, who, report_id).await?;
        if app.db.activation(id).await?.report_id != report_id {
            return Err(AppError::NotFound);
        }
        report
    } else {
        let current = app.db.activation(id).await?;
        writable(app, who, current.report_id)
            .await
            .map_err(|_| AppError::NotFound)?
    };
    let to = ActivationStatus::parse(status)
        .ok_or_else(|| Invalid::one("status", Problem::UnknownCode))?;
    let moved = app
        .db
        .move_activation(id, to, version, &app.entry(caller, Action::Write))
        .await?;
    app.changed(report.ambito, report.id);
    Ok(moved)
}

/// The activations of a report, the read audited (section `activations`).
pub async fn of_report(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    report_id: i64,
) -> Result<Vec<StoredActivation>, AppError> {
    writable(app, who, report_id).await?;
    app.read_section(caller, report_id, "activations").await?;
    Ok(app.db.activations_of(report_id).await?)
}
