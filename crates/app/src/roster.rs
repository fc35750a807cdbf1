//! The on-call roster, shared by the pages, the API and the board: who is on call now and the
//! gaps ahead, kept in the cache until a shift or a calendar changes.

use std::sync::Arc;

use presidio_db::{DbError, RosterPerson, StoredRotaEntry, StoredShift, SwapRequest};
use presidio_domain::access::{Permission, Principal};
use presidio_domain::audit::Action;
use presidio_domain::reference::AmbitoId;
use presidio_domain::roster::{Gap, gaps, on_call};
use presidio_domain::time::UtcMillis;

use crate::{App, AppError, Caller};

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

/// Who holds the `role` shift of the Ambito now, if anybody.
pub async fn on_call_now(
    app: &App,
    ambito: AmbitoId,
    role: presidio_domain::roster::RosterRole,
) -> Result<Option<i64>, DbError> {
    let now = app.clock.now();
    let stored = app.db.shifts(ambito, now, UtcMillis(now.0 + 1)).await?;
    let shifts: Vec<_> = stored.into_iter().map(|s| s.shift).collect();
    Ok(on_call(&shifts, now)
        .into_iter()
        .find(|s| s.role == role)
        .map(|s| s.user_id))
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

/// The Ambito whose roster `who` reads, and whether they manage it. Forbidden to a user who
/// reads no roster.
pub fn roster_of(who: &Principal) -> Result<(AmbitoId, bool), AppError> {
    let ambito = ambito_of(who).ok_or(AppError::Forbidden)?;
    Ok((ambito, who.may_in(Permission::ManageRoster, ambito)))
}

/// The Ambito whose roster `who` manages; forbidden to anyone else.
pub fn managed(who: &Principal) -> Result<AmbitoId, AppError> {
    match roster_of(who)? {
        (ambito, true) => Ok(ambito),
        _ => Err(AppError::Forbidden),
    }
}

/// The shifts of the user's Ambito overlapping `[from, to)`.
pub async fn shifts(
    app: &App,
    who: &Principal,
    from: UtcMillis,
    to: UtcMillis,
) -> Result<Vec<StoredShift>, AppError> {
    let (ambito, _) = roster_of(who)?;
    Ok(app.db.shifts(ambito, from, to).await?)
}

/// The people who can be on call in the user's Ambito.
pub async fn people(app: &App, who: &Principal) -> Result<Vec<RosterPerson>, AppError> {
    let (ambito, _) = roster_of(who)?;
    Ok(app.db.roster_people(ambito).await?)
}

/// Adds a validated shift (coordinators); the person must hold an operational role there.
pub async fn add_shift(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    shift: &presidio_domain::roster::Shift,
) -> Result<i64, AppError> {
    let ambito = managed(who)?;
    let id = app
        .db
        .add_shift(ambito, shift, &app.entry(caller, Action::Write))
        .await?;
    app.caches.invalidate();
    Ok(id)
}

/// Removes a shift of the Ambito (coordinators).
pub async fn remove_shift(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
) -> Result<(), AppError> {
    let ambito = managed(who)?;
    app.db
        .remove_shift(ambito, id, &app.entry(caller, Action::Write))
        .await?;
    app.caches.invalidate();
    Ok(())
}

/// The weekly rota pattern (coordinators).
pub async fn rota(app: &App, who: &Principal) -> Result<Vec<StoredRotaEntry>, AppError> {
    Ok(app.db.rota(managed(who)?).await?)
}

/// Adds a validated line to the weekly rota (coordinators).
pub async fn add_rota(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    entry: &presidio_domain::roster::rota::RotaEntry,
) -> Result<i64, AppError> {
    let ambito = managed(who)?;
    Ok(app
        .db
        .add_rota_entry(ambito, entry, &app.entry(caller, Action::Write))
        .await?)
}

/// Removes a line of the weekly rota (coordinators).
pub async fn remove_rota(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
) -> Result<(), AppError> {
    let ambito = managed(who)?;
    Ok(app
        .db
        .remove_rota_entry(ambito, id, &app.entry(caller, Action::Write))
        .await?)
}

/// Turns the Ambito's weekly rota into shifts for `weeks` weeks from the week holding `from`
/// (no duplicates; coordinators); returns that week's Monday and how many shifts were added.
pub async fn generate(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    from: jiff::civil::Date,
    weeks: u8,
) -> Result<(jiff::civil::Date, u64), AppError> {
    let ambito = managed(who)?;
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
    let added = app
        .db
        .add_generated_shifts(ambito, &shifts, &app.entry(caller, Action::Write))
        .await?;
    app.caches.invalidate();
    Ok((monday, added))
}

/// One of the user's own shifts still to come (or running); not found otherwise.
pub async fn own_shift(app: &App, who: &Principal, id: i64) -> Result<StoredShift, AppError> {
    roster_of(who)?;
    app.db
        .user_shifts(who.user_id, app.clock.now(), UtcMillis(i64::MAX))
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(AppError::NotFound)
}

/// The longest note of a swap request.
pub const SWAP_NOTE_MAX: usize = 500;

/// Asks that colleague `to` take the user's own shift `shift_id`; the coordinator decides.
/// Refused on `to_user_id` (missing, not eligible, or the user themself) and `note`.
pub async fn request_swap(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    shift_id: i64,
    to: Option<i64>,
    note: &str,
) -> Result<i64, AppError> {
    let (ambito, _) = roster_of(who)?;
    let mut errors = presidio_domain::validation::Invalid::default();
    if to.is_none() {
        errors.push("to_user_id", presidio_domain::validation::Problem::Required);
    }
    let note = presidio_domain::validation::required_text(&mut errors, "note", note, SWAP_NOTE_MAX);
    let Some(to) = to.filter(|_| errors.is_empty()) else {
        return Err(errors.into());
    };
    Ok(app
        .db
        .request_swap(
            ambito,
            shift_id,
            who.user_id,
            to,
            &note,
            &app.entry(caller, Action::Write),
        )
        .await?)
}

/// The swap requests awaiting a decision (coordinators).
pub async fn pending_swaps(app: &App, who: &Principal) -> Result<Vec<SwapRequest>, AppError> {
    Ok(app.db.pending_swaps(managed(who)?).await?)
}

/// Approves (the shift passes to the colleague) or refuses a swap request (coordinators).
pub async fn decide_swap(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    approve: bool,
) -> Result<(), AppError> {
    let ambito = managed(who)?;
    app.db
        .decide_swap(
            ambito,
            id,
            approve,
            who.user_id,
            &app.entry(caller, Action::Write),
        )
        .await?;
    app.caches.invalidate();
    Ok(())
}

/// Whether the user has a calendar feed of their shifts.
pub async fn has_feed(app: &App, who: &Principal) -> Result<bool, AppError> {
    Ok(app.db.has_shift_feed(who.user_id).await?)
}

/// Creates (or replaces) the user's calendar feed; returns its secret, shown once.
pub async fn create_feed(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
) -> Result<String, AppError> {
    let secret = crate::secret::new_secret();
    app.db
        .set_shift_feed(
            who.user_id,
            &crate::secret::stored(&secret),
            &app.entry(caller, Action::TokenIssued),
        )
        .await?;
    Ok(secret)
}

/// Revokes the user's calendar feed.
pub async fn revoke_feed(app: &App, caller: Caller<'_>, who: &Principal) -> Result<(), AppError> {
    Ok(app
        .db
        .remove_shift_feed(who.user_id, &app.entry(caller, Action::TokenRevoked))
        .await?)
}
