//! The on-call roster as stored: shifts per Ambito. Every change appends its audit entry in the
//! same transaction.

use presidio_domain::audit::Entry;
use presidio_domain::calendar::ServiceCalendar;
use presidio_domain::reference::AmbitoId;
use presidio_domain::roster::{RosterRole, Shift};
use presidio_domain::time::UtcMillis;

use crate::audit::append;
use crate::{Db, DbError, dispatch, now};

/// A stored shift with the name of the person on call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredShift {
    pub id: i64,
    pub shift: Shift,
    pub name: String,
}

#[derive(sqlx::FromRow)]
struct ShiftRow {
    id: i64,
    role: String,
    user_id: i64,
    name: String,
    phone: String,
    start_at: i64,
    end_at: i64,
}

/// Someone who can be put on the roster: a user with an operational role in the Ambito.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RosterPerson {
    pub id: i64,
    pub name: String,
    pub username: String,
}

fn stored(r: ShiftRow) -> Result<StoredShift, DbError> {
    Ok(StoredShift {
        id: r.id,
        shift: Shift {
            role: RosterRole::parse(&r.role).ok_or(DbError::Corrupt("shifts.role"))?,
            start: UtcMillis(r.start_at),
            end: UtcMillis(r.end_at),
            user_id: r.user_id,
            phone: r.phone,
        },
        name: r.name,
    })
}

impl Db {
    /// The shifts of an Ambito that overlap `[from, to)`, by start.
    pub async fn shifts(
        &self,
        ambito: AmbitoId,
        from: UtcMillis,
        to: UtcMillis,
    ) -> Result<Vec<StoredShift>, DbError> {
        let rows: Vec<ShiftRow> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT s.id, s.role, s.user_id, u.name, s.phone, s.start_at, s.end_at
                     FROM shifts s JOIN users u ON u.id = s.user_id
                     WHERE s.ambito_id = $1 AND s.end_at > $2 AND s.start_at < $3
                     ORDER BY s.start_at, s.id",
                )
                .bind(ambito.0)
                .bind(from.0)
                .bind(to.0)
                .fetch_all(pool)
                .await
            }
        )?;
        rows.into_iter().map(stored).collect()
    }

    /// Adds a shift; returns its id. The person must hold an operational role in the Ambito.
    pub async fn add_shift(
        &self,
        ambito: AmbitoId,
        shift: &Shift,
        audit: &Entry,
    ) -> Result<i64, DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let eligible: Option<(i64,)> = sqlx::query_as(
                    "SELECT r.user_id FROM user_roles r JOIN users u ON u.id = r.user_id
                     WHERE r.user_id = $1 AND r.ambito_id = $2 AND u.disabled_at IS NULL
                       AND r.role IN ('coordinatore', 'operatore_centrale', 'operatore_pis')
                     LIMIT 1",
                )
                .bind(shift.user_id)
                .bind(ambito.0)
                .fetch_optional(&mut *tx)
                .await?;
                if eligible.is_none() {
                    return Err(DbError::Invalid(presidio_domain::validation::Invalid::one(
                        "user_id",
                        presidio_domain::validation::Problem::UnknownCode,
                    )));
                }
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO shifts (ambito_id, role, user_id, phone, start_at, end_at,
                        created_by, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(ambito.0)
                .bind(shift.role.code())
                .bind(shift.user_id)
                .bind(&shift.phone)
                .bind(shift.start.0)
                .bind(shift.end.0)
                .bind(audit.actor_id)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                append!(tx, &audit.clone().record("shift", id)).await?;
                tx.commit().await?;
                Ok::<i64, DbError>(id)
            }
        )
    }

    /// Removes a shift of the Ambito; `NotFound` when it is not one of its own.
    pub async fn remove_shift(
        &self,
        ambito: AmbitoId,
        id: i64,
        audit: &Entry,
    ) -> Result<(), DbError> {
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let removed = sqlx::query("DELETE FROM shifts WHERE id = $1 AND ambito_id = $2")
                    .bind(id)
                    .bind(ambito.0)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if removed == 0 {
                    return Err(DbError::NotFound);
                }
                append!(tx, &audit.clone().record("shift", id)).await?;
                tx.commit().await?;
                Ok::<(), DbError>(())
            }
        )
    }

    /// The shifts of one person overlapping `[from, to)`, in every Ambito, by start.
    pub async fn user_shifts(
        &self,
        user_id: i64,
        from: UtcMillis,
        to: UtcMillis,
    ) -> Result<Vec<StoredShift>, DbError> {
        let rows: Vec<ShiftRow> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT s.id, s.role, s.user_id, u.name, s.phone, s.start_at, s.end_at
                     FROM shifts s JOIN users u ON u.id = s.user_id
                     WHERE s.user_id = $1 AND s.end_at > $2 AND s.start_at < $3
                     ORDER BY s.start_at, s.id",
                )
                .bind(user_id)
                .bind(from.0)
                .bind(to.0)
                .fetch_all(pool)
                .await
            }
        )?;
        rows.into_iter().map(stored).collect()
    }

    /// Gives `user_id` a new feed secret (stored as its hash), replacing any earlier one.
    pub async fn set_shift_feed(
        &self,
        user_id: i64,
        secret_hash: &str,
        audit: &Entry,
    ) -> Result<(), DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                sqlx::query(
                    "INSERT INTO shift_feeds (user_id, secret_hash, created_at) VALUES ($1, $2, $3)
                     ON CONFLICT (user_id) DO UPDATE SET secret_hash = excluded.secret_hash,
                        created_at = excluded.created_at",
                )
                .bind(user_id)
                .bind(secret_hash)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                append!(tx, &audit.clone().record("shift_feed", user_id)).await?;
                tx.commit().await?;
                Ok::<(), DbError>(())
            }
        )
    }

    /// Revokes the feed of `user_id` (nothing when there is none).
    pub async fn remove_shift_feed(&self, user_id: i64, audit: &Entry) -> Result<(), DbError> {
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                sqlx::query("DELETE FROM shift_feeds WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                append!(tx, &audit.clone().record("shift_feed", user_id)).await?;
                tx.commit().await?;
                Ok::<(), DbError>(())
            }
        )
    }

    /// The active user whose feed secret hashes to `secret_hash`: (id, name).
    pub async fn shift_feed_user(
        &self,
        secret_hash: &str,
    ) -> Result<Option<(i64, String)>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT u.id, u.name FROM shift_feeds f JOIN users u ON u.id = f.user_id
                     WHERE f.secret_hash = $1 AND u.disabled_at IS NULL",
                )
                .bind(secret_hash)
                .fetch_optional(pool)
                .await
            }
        )?)
    }

    /// Whether `user_id` has a feed.
    pub async fn has_shift_feed(&self, user_id: i64) -> Result<bool, DbError> {
        let row: Option<(i64,)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as("SELECT user_id FROM shift_feeds WHERE user_id = $1")
                    .bind(user_id)
                    .fetch_optional(pool)
                    .await
            }
        )?;
        Ok(row.is_some())
    }

    /// The people who can be on call in an Ambito, by name.
    pub async fn roster_people(&self, ambito: AmbitoId) -> Result<Vec<RosterPerson>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT DISTINCT u.id, u.name, u.username FROM users u
                     JOIN user_roles r ON r.user_id = u.id
                     WHERE r.ambito_id = $1 AND u.disabled_at IS NULL
                       AND r.role IN ('coordinatore', 'operatore_centrale', 'operatore_pis')
                     ORDER BY u.name, u.id",
                )
                .bind(ambito.0)
                .fetch_all(pool)
                .await
            }
        )?)
    }

    /// The service calendars of every municipality of an Ambito.
    pub async fn service_calendars(
        &self,
        ambito: AmbitoId,
    ) -> Result<Vec<ServiceCalendar>, DbError> {
        let mut out = Vec::new();
        for m in self.municipalities_of(ambito).await? {
            out.push(self.service_calendar(&m.data.istat_code).await?.calendar);
        }
        Ok(out)
    }
}
