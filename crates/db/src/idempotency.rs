//! Idempotency keys: the first answer to a request that carried one, per user and key, so
//! that a replay (a phone sending again what it queued offline, a client retrying) gets the
//! same answer and changes nothing. A key is claimed before the request runs, so two copies
//! at once run once.

use crate::{Db, DbError, dispatch};

/// How long a claim with no answer holds its key before a replay may run the request again
/// (the first run died before answering).
pub const CLAIM_MS: i64 = 60_000;

/// A stored first answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub status: u16,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is this request's now: run it, then keep its answer.
    New,
    /// Answered already: this is the first answer.
    Done(StoredAnswer),
    /// Another copy of the request is running.
    Busy,
    /// The key was used for another action.
    Other,
}

type Row = (
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<Vec<u8>>,
    i64,
);

impl Db {
    /// Claims key `key` of user `user` for `route` (method and path) at `now`.
    pub async fn claim_key(
        &self,
        user: i64,
        key: &str,
        route: &str,
        now: i64,
    ) -> Result<Claim, DbError> {
        let inserted = dispatch!(
            self,
            write | pool | {
                sqlx::query(
                    "INSERT INTO idempotency_keys (user_id, idem_key, route, created_at)
                     VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, idem_key) DO NOTHING",
                )
                .bind(user)
                .bind(key)
                .bind(route)
                .bind(now)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
            }
        )?;
        if inserted == 1 {
            return Ok(Claim::New);
        }
        let row: Option<Row> = dispatch!(
            self,
            write | pool | {
                sqlx::query_as(
                    "SELECT route, status, content_type, location, body, created_at
                     FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2",
                )
                .bind(user)
                .bind(key)
                .fetch_optional(pool)
                .await
            }
        )?;
        let Some((stored_route, status, content_type, location, body, created_at)) = row else {
            // Removed between the two statements (purged): the next attempt claims it.
            return Ok(Claim::Busy);
        };
        if stored_route != route {
            return Ok(Claim::Other);
        }
        if let Some(status) = status {
            return Ok(Claim::Done(StoredAnswer {
                status: u16::try_from(status).unwrap_or(500),
                content_type,
                location,
                body: body.unwrap_or_default(),
            }));
        }
        if now - created_at < CLAIM_MS {
            return Ok(Claim::Busy);
        }
        // A claim that never got its answer: taken over by this request, once.
        let taken = dispatch!(
            self,
            write | pool | {
                sqlx::query(
                    "UPDATE idempotency_keys SET created_at = $4
                     WHERE user_id = $1 AND idem_key = $2 AND status IS NULL AND created_at = $3",
                )
                .bind(user)
                .bind(key)
                .bind(created_at)
                .bind(now)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
            }
        )?;
        Ok(if taken == 1 { Claim::New } else { Claim::Busy })
    }

    /// Keeps the first answer to the request that claimed `key`.
    pub async fn answer_key(
        &self,
        user: i64,
        key: &str,
        answer: &StoredAnswer,
    ) -> Result<(), DbError> {
        dispatch!(
            self,
            write | pool | {
                sqlx::query(
                    "UPDATE idempotency_keys SET status = $3, content_type = $4, location = $5,
                        body = $6
                     WHERE user_id = $1 AND idem_key = $2 AND status IS NULL",
                )
                .bind(user)
                .bind(key)
                .bind(i64::from(answer.status))
                .bind(answer.content_type.as_deref())
                .bind(answer.location.as_deref())
                .bind(&answer.body)
                .execute(pool)
                .await
                .map(|_| ())
            }
        )?;
        Ok(())
    }

    /// Lets go of the claim on `key` (the request failed on the server's side: it may be sent
    /// again).
    pub async fn release_key(&self, user: i64, key: &str) -> Result<(), DbError> {
        dispatch!(
            self,
            write | pool | {
                sqlx::query(
                    "DELETE FROM idempotency_keys
                     WHERE user_id = $1 AND idem_key = $2 AND status IS NULL",
                )
                .bind(user)
                .bind(key)
                .execute(pool)
                .await
                .map(|_| ())
            }
        )?;
        Ok(())
    }

    /// Removes the keys claimed before `before`; returns how many.
    pub async fn purge_keys(&self, before: i64) -> Result<u64, DbError> {
        Ok(dispatch!(
            self,
            write | pool | {
                sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
                    .bind(before)
                    .execute(pool)
                    .await
                    .map(|r| r.rows_affected())
            }
        )?)
    }
}
