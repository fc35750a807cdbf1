//! Web Push: the VAPID key pair in use, and the devices' subscriptions.

use crate::{Db, DbError, dispatch};

/// A device's push subscription.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredSubscription {
    pub id: i64,
    pub user_id: i64,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub label: String,
    pub created_at: i64,
}

/// A subscription to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubscription<'a> {
    pub endpoint: &'a str,
    pub p256dh: &'a str,
    pub auth: &'a str,
    pub label: &'a str,
}

impl Db {
    /// The key pair in use: (private, public), base64url.
    pub async fn vapid_key(&self) -> Result<Option<(String, String)>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT private_key, public_key FROM vapid_keys WHERE retired_at IS NULL
                     ORDER BY id DESC LIMIT 1",
                )
                .fetch_optional(pool)
                .await
            }
        )?)
    }

    /// Puts a new key pair in use at `now`: the one before is retired and, as the browsers
    /// bound their subscriptions to it, every subscription is removed (each device subscribes
    /// again). With `only_if_none`, nothing happens when a key is in use. Returns the public key
    /// put in use (two instances starting together may each put one: the newest is used).
    pub async fn put_vapid_key(
        &self,
        private_key: &str,
        public_key: &str,
        now: i64,
        only_if_none: bool,
    ) -> Result<String, DbError> {
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let current: Option<(String,)> = sqlx::query_as(
                    "SELECT public_key FROM vapid_keys WHERE retired_at IS NULL
                     ORDER BY id DESC LIMIT 1",
                )
                .fetch_optional(&mut *tx)
                .await?;
                if let (true, Some((key,))) = (only_if_none, &current) {
                    return Ok(key.clone());
                }
                sqlx::query("UPDATE vapid_keys SET retired_at = $1 WHERE retired_at IS NULL")
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                if current.is_some() {
                    sqlx::query(
                        "UPDATE outbox SET state = 'gave_up', last_error = 'subscription_gone'
                         WHERE channel = 'push' AND state IN ('queued', 'failed')",
                    )
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("DELETE FROM push_subscriptions")
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query(
                    "INSERT INTO vapid_keys (private_key, public_key, created_at)
                     VALUES ($1, $2, $3)",
                )
                .bind(private_key)
                .bind(public_key)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok::<String, DbError>(public_key.to_owned())
            }
        )
    }

    /// Keeps `s` for user `user` at `now`; a device subscribing again (same endpoint) replaces
    /// its keys, and moves to this user. Returns its id.
    pub async fn add_subscription(
        &self,
        user: i64,
        s: &NewSubscription<'_>,
        now: i64,
    ) -> Result<i64, DbError> {
        let (id,): (i64,) = dispatch!(
            self,
            write | pool | {
                sqlx::query_as(
                    "INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, label,
                        created_at) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id,
                        p256dh = excluded.p256dh, auth = excluded.auth, label = excluded.label
                     RETURNING id",
                )
                .bind(user)
                .bind(s.endpoint)
                .bind(s.p256dh)
                .bind(s.auth)
                .bind(s.label)
                .bind(now)
                .fetch_one(pool)
                .await
            }
        )?;
        Ok(id)
    }

    /// The subscriptions of user `user`, newest first.
    pub async fn subscriptions_of(&self, user: i64) -> Result<Vec<StoredSubscription>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT id, user_id, endpoint, p256dh, auth, label, created_at
                     FROM push_subscriptions WHERE user_id = $1 ORDER BY id DESC",
                )
                .bind(user)
                .fetch_all(pool)
                .await
            }
        )?)
    }

    /// One subscription.
    pub async fn subscription(&self, id: i64) -> Result<Option<StoredSubscription>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT id, user_id, endpoint, p256dh, auth, label, created_at
                     FROM push_subscriptions WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(pool)
                .await
            }
        )?)
    }

    /// Removes subscription `id`, of user `user` when one is named; false when there was none.
    pub async fn remove_subscription(&self, id: i64, user: Option<i64>) -> Result<bool, DbError> {
        let done = dispatch!(
            self,
            write | pool | {
                sqlx::query(
                    "DELETE FROM push_subscriptions WHERE id = $1
                        AND ($2 IS NULL OR user_id = $2)",
                )
                .bind(id)
                .bind(user)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
            }
        )?;
        Ok(done > 0)
    }
}
