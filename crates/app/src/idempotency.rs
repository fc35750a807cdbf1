//! Idempotency keys of the requests that create something: a request sent again with the same
//! `Idempotency-Key` (by the same user, for the same action, within 24 hours) gets the first
//! answer and changes nothing; two copies at once run once.

use presidio_db::{Claim, DbError, StoredAnswer};
use presidio_domain::time::UtcMillis;

use crate::App;

/// How long a key's first answer is kept.
pub const KEPT_MS: i64 = 24 * 3_600_000;

/// The longest key taken (a UUID is 36 characters).
pub const KEY_MAX: usize = 255;

/// Whether `key` may be a key: 1 to 255 visible ASCII characters.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= KEY_MAX && key.bytes().all(|b| b.is_ascii_graphic())
}

/// Claims `key` of user `user` for `route` at `now`.
pub async fn claim(
    app: &App,
    user: i64,
    key: &str,
    route: &str,
    now: UtcMillis,
) -> Result<Claim, DbError> {
    app.db.claim_key(user, key, route, now.0).await
}

/// Keeps the first answer to the request that claimed `key`; a failure on the server's side
/// lets the key go, so that the request may be sent again.
pub async fn answer(app: &App, user: i64, key: &str, answer: &StoredAnswer) -> Result<(), DbError> {
    if answer.status >= 500 {
        app.db.release_key(user, key).await
    } else {
        app.db.answer_key(user, key, answer).await
    }
}

/// Removes the keys older than a day at `now`; returns how many.
pub async fn purge(app: &App, now: UtcMillis) -> Result<u64, DbError> {
    app.db.purge_keys(now.0 - KEPT_MS).await
}
