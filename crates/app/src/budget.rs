//! The Ambito's budget with its spending and forecast, shared by the page and the API.

use presidio_db::DbError;
use presidio_domain::reference::AmbitoId;
use presidio_domain::resources::budget::{Budget, forecast_cents};
use presidio_domain::time::rome_day_start;

use crate::{App, AppError, Caller};

/// The Ambito whose budget `who` manages (the first where they may); forbidden otherwise.
pub fn ambito_of(who: &presidio_domain::access::Principal) -> Result<AmbitoId, AppError> {
    who.ambiti_with(presidio_domain::access::Permission::ManageResources)
        .first()
        .copied()
        .ok_or(AppError::Forbidden)
}

/// Sets the budget of the Ambito `who` manages for a period (validated).
pub async fn set(
    app: &App,
    caller: Caller<'_>,
    who: &presidio_domain::access::Principal,
    budget: &Budget,
) -> Result<(), AppError> {
    let ambito = ambito_of(who)?;
    let entry = app.entry(caller, presidio_domain::audit::Action::SettingsChanged);
    Ok(app.db.set_budget(ambito, budget, &entry).await?)
}

/// A budget and where its spending stands today.
pub struct Summary {
    pub budget: Budget,
    pub spent_cents: i64,
    pub forecast_cents: i64,
}

/// The Ambito's budget, if set, with the spending of its period so far and the forecast.
pub async fn summary(app: &App, ambito: AmbitoId) -> Result<Option<Summary>, DbError> {
    let Some(budget) = app.db.budget(ambito).await? else {
        return Ok(None);
    };
    let start = rome_day_start(budget.from);
    let end = rome_day_start(budget.to.tomorrow().unwrap_or(budget.to));
    let spent_cents = app.db.spent_cents(ambito, start, end).await?;
    let today = app.clock.now().in_rome().date();
    Ok(Some(Summary {
        budget,
        spent_cents,
        forecast_cents: forecast_cents(&budget, spent_cents, today),
    }))
}
