//! A user's calendar feed: their shifts and the case conferences they take part in, opened by
//! the secret address a phone's calendar subscribes to.

use presidio_domain::time::UtcMillis;

use crate::{App, AppError};

/// How far back and ahead a calendar feed lists shifts.
pub const FEED_PAST_MS: i64 = 31 * 86_400_000;
pub const FEED_AHEAD_MS: i64 = 366 * 86_400_000;

/// What a calendar feed lists: the user's name, shifts and case conferences.
pub type Feed = (
    String,
    Vec<presidio_db::StoredShift>,
    Vec<presidio_db::StoredConference>,
);

/// The name, the shifts and the case conferences they take part in (from [`FEED_PAST_MS`] ago
/// to [`FEED_AHEAD_MS`] ahead) of the user whose feed `secret` opens; none for an unknown or
/// revoked secret.
pub async fn feed(app: &App, secret: &str) -> Result<Option<Feed>, AppError> {
    let Some((user_id, name, organisation)) = app
        .db
        .shift_feed_user(&crate::secret::stored(secret))
        .await?
    else {
        return Ok(None);
    };
    let now = app.clock.now().0;
    let shifts = app
        .db
        .user_shifts(
            user_id,
            UtcMillis(now - FEED_PAST_MS),
            UtcMillis(now + FEED_AHEAD_MS),
        )
        .await?;
    let conferences = crate::conferences::taking_part(
        app,
        user_id,
        organisation,
        UtcMillis(now - FEED_PAST_MS),
        UtcMillis(now + FEED_AHEAD_MS),
    )
    .await?;
    Ok(Some((name, shifts, conferences)))
}
