//! The Ambito's budget with its spending and forecast, shared by the page and the API.

use presidio_db::DbError;
use presidio_domain::reference::AmbitoId;
use presidio_domain::resources::budget::{Budget, forecast_cents};
use presidio_domain::time::rome_day_start;

use crate::App;

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
