//! The on-call roster, shared by the pages, the API and the board: who is on call now and the
//! gaps ahead, kept in the cache until a shift or a calendar changes.

use std::sync::Arc;

use presidio_db::DbError;
use presidio_domain::access::{Permission, Principal};
use presidio_domain::reference::AmbitoId;
use presidio_domain::roster::{Gap, gaps, on_call};
use presidio_domain::time::UtcMillis;

use crate::App;

/// How far ahead the board and the API look for gaps.
pub const AHEAD_MS: i64 = 14 * 24 * 3600 * 1000;

/// Who is on call, and where nobody is, in one Ambito.
#[derive(Debug)]
pub struct Summary {
    /// (role, name, phone) of the shifts running now, by role.
    pub on_call: Vec<(presidio_domain::roster::RosterRole, String, String)>,
    /// The gaps from now to [`AHEAD_MS`] ahead.
    pub gaps: Vec<Gap>,
}

/// The Ambito whose roster the user reads (the first where they may).
pub fn ambito_of(who: &Principal) -> Option<AmbitoId> {
    who.ambiti_with(Permission::ReadRoster).first().copied()
}

/// The gaps of an Ambito within `[from, to)`.
pub async fn gaps_between(
    app: &App,
    ambito: AmbitoId,
    from: UtcMillis,
    to: UtcMillis,
) -> Result<Vec<Gap>, DbError> {
    let calendars = app.db.service_calendars(ambito).await?;
    let shifts: Vec<_> = app
        .db
        .shifts(ambito, from, to)
        .await?
        .into_iter()
        .map(|s| s.shift)
        .collect();
    Ok(gaps(&calendars, &shifts, from, to))
}

/// Who is on call now and the gaps ahead, from the cache when nothing changed.
pub async fn summary(app: &App, ambito: AmbitoId) -> Result<Arc<Summary>, DbError> {
    app.caches
        .roster
        .get_or_fill(&app.caches, &ambito, async || {
            let now = app.clock.now();
            let stored = app.db.shifts(ambito, now, UtcMillis(now.0 + 1)).await?;
            let shifts: Vec<_> = stored.iter().map(|s| s.shift.clone()).collect();
            let running = on_call(&shifts, now);
            let on_call = running
                .iter()
                .filter_map(|s| {
                    stored
                        .iter()
                        .find(|st| st.shift == **s)
                        .map(|st| (s.role, st.name.clone(), s.phone.clone()))
                })
                .collect();
            let gaps = gaps_between(app, ambito, now, UtcMillis(now.0 + AHEAD_MS)).await?;
            Ok(Arc::new(Summary { on_call, gaps }))
        })
        .await
}

/// Turns the Ambito's weekly rota into shifts for `weeks` weeks from the week holding `from`
/// (no duplicates); returns that week's Monday and how many shifts were added.
pub async fn generate(
    app: &App,
    ambito: AmbitoId,
    from: jiff::civil::Date,
    weeks: u8,
    audit: &presidio_domain::audit::Entry,
) -> Result<(jiff::civil::Date, u64), DbError> {
    let back = i64::from(from.weekday().to_monday_zero_offset());
    let monday = from
        .checked_sub(jiff::Span::new().days(back))
        .unwrap_or(from);
    let entries: Vec<_> = app
        .db
        .rota(ambito)
        .await?
        .into_iter()
        .map(|r| r.entry)
        .collect();
    let shifts = presidio_domain::roster::rota::generate(&entries, monday, weeks);
    let added = app.db.add_generated_shifts(ambito, &shifts, audit).await?;
    app.caches.invalidate();
    Ok((monday, added))
}
