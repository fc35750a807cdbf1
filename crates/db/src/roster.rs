//! The on-call roster as stored: shifts per Ambito. Every change appends its audit entry in the
//! same transaction.

use presidio_domain::audit::Entry;
use presidio_domain::calendar::ServiceCalendar;
use presidio_domain::reference::AmbitoId;
use presidio_domain::roster::rota::RotaEntry;
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

/// Refuses, on `field`, a person without an operational role in the Ambito (inside `tx`).
macro_rules! eligible {
    ($tx:expr, $user:expr, $ambito:expr, $field:expr) => {
        let found: Option<(i64,)> = sqlx::query_as(
            "SELECT r.user_id FROM user_roles r JOIN users u ON u.id = r.user_id
             WHERE r.user_id = $1 AND r.ambito_id = $2 AND u.disabled_at IS NULL
               AND r.role IN ('coordinatore', 'operatore_centrale', 'operatore_pis')
             LIMIT 1",
        )
        .bind($user)
        .bind($ambito.0)
        .fetch_optional(&mut *$tx)
        .await?;
        if found.is_none() {
            return Err(DbError::Invalid(presidio_domain::validation::Invalid::one(
                $field,
                presidio_domain::validation::Problem::UnknownCode,
            )));
        }
    };
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
                eligible!(tx, shift.user_id, ambito, "user_id");
                // One person's shifts are added one at a time (the no-op update holds the
                // person's row), so two overlapping ones sent together cannot both pass.
                sqlx::query("UPDATE users SET id = id WHERE id = $1")
                    .bind(shift.user_id)
                    .execute(&mut *tx)
                    .await?;
                let overlapping: Option<(i64,)> = sqlx::query_as(
                    "SELECT id FROM shifts WHERE ambito_id = $1 AND role = $2 AND user_id = $3
                        AND start_at < $5 AND end_at > $4 LIMIT 1",
                )
                .bind(ambito.0)
                .bind(shift.role.code())
                .bind(shift.user_id)
                .bind(shift.start.0)
                .bind(shift.end.0)
                .fetch_optional(&mut *tx)
                .await?;
                if overlapping.is_some() {
                    return Err(DbError::Invalid(presidio_domain::validation::Invalid::one(
                        "start",
                        presidio_domain::validation::Problem::OverlappingShift,
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
        self.delete_in_ambito(
            "DELETE FROM shifts WHERE id = $1 AND ambito_id = $2",
            "shift",
            ambito,
            id,
            audit,
        )
        .await
    }

    /// Runs `sql` (a DELETE of row `$1` of Ambito `$2`) with its audit entry on `record`, in one
    /// transaction; `NotFound` when no row of that Ambito was removed.
    async fn delete_in_ambito(
        &self,
        sql: &'static str,
        record: &'static str,
        ambito: AmbitoId,
        id: i64,
        audit: &Entry,
    ) -> Result<(), DbError> {
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let removed = sqlx::query(sql)
                    .bind(id)
                    .bind(ambito.0)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if removed == 0 {
                    return Err(DbError::NotFound);
                }
                append!(tx, &audit.clone().record(record, id)).await?;
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

    /// The active user whose feed secret hashes to `secret_hash`: (id, name, and their
    /// organisation when they are a partner, whose invitations they share).
    pub async fn shift_feed_user(
        &self,
        secret_hash: &str,
    ) -> Result<Option<(i64, String, Option<i64>)>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT u.id, u.name,
                        CASE WHEN EXISTS (SELECT 1 FROM user_roles r
                                          WHERE r.user_id = u.id AND r.role = 'partner')
                             THEN u.organisation_id END
                     FROM shift_feeds f JOIN users u ON u.id = f.user_id
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

/// A stored line of the weekly rota, with the person's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRotaEntry {
    pub id: i64,
    pub entry: RotaEntry,
    pub name: String,
}

#[derive(sqlx::FromRow)]
struct RotaRow {
    id: i64,
    weekday: i64,
    start_minute: i64,
    end_minute: i64,
    extra_days: i64,
    role: String,
    user_id: i64,
    name: String,
    phone: String,
}

/// A swap request as listed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SwapRequest {
    pub id: i64,
    pub shift_id: i64,
    pub role: String,
    pub start_at: i64,
    pub end_at: i64,
    pub from_name: String,
    pub to_user_id: i64,
    pub to_name: String,
    pub note: String,
    pub status: String,
}

impl Db {
    /// The weekly rota of an Ambito, by weekday and start.
    pub async fn rota(&self, ambito: AmbitoId) -> Result<Vec<StoredRotaEntry>, DbError> {
        let rows: Vec<RotaRow> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT e.id, e.weekday, e.start_minute, e.end_minute, e.extra_days, e.role,
                        e.user_id, u.name, e.phone
                     FROM rota_entries e JOIN users u ON u.id = e.user_id
                     WHERE e.ambito_id = $1 ORDER BY e.weekday, e.start_minute, e.id",
                )
                .bind(ambito.0)
                .fetch_all(pool)
                .await
            }
        )?;
        rows.into_iter()
            .map(|r| {
                let small = |v: i64| u8::try_from(v).map_err(|_| DbError::Corrupt("rota_entries"));
                let minute =
                    |v: i64| u16::try_from(v).map_err(|_| DbError::Corrupt("rota_entries"));
                Ok(StoredRotaEntry {
                    id: r.id,
                    entry: RotaEntry {
                        weekday: small(r.weekday)?,
                        start: minute(r.start_minute)?,
                        end: minute(r.end_minute)?,
                        extra_days: small(r.extra_days)?,
                        role: RosterRole::parse(&r.role)
                            .ok_or(DbError::Corrupt("rota_entries.role"))?,
                        user_id: r.user_id,
                        phone: r.phone,
                    },
                    name: r.name,
                })
            })
            .collect()
    }

    /// Adds a line to the weekly rota; returns its id.
    pub async fn add_rota_entry(
        &self,
        ambito: AmbitoId,
        entry: &RotaEntry,
        audit: &Entry,
    ) -> Result<i64, DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                eligible!(tx, entry.user_id, ambito, "user_id");
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO rota_entries (ambito_id, weekday, start_minute, end_minute,
                        extra_days, role, user_id, phone, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(ambito.0)
                .bind(i64::from(entry.weekday))
                .bind(i64::from(entry.start))
                .bind(i64::from(entry.end))
                .bind(i64::from(entry.extra_days))
                .bind(entry.role.code())
                .bind(entry.user_id)
                .bind(&entry.phone)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                append!(tx, &audit.clone().record("rota_entry", id)).await?;
                tx.commit().await?;
                Ok::<i64, DbError>(id)
            }
        )
    }

    /// Removes a line of the weekly rota of the Ambito.
    pub async fn remove_rota_entry(
        &self,
        ambito: AmbitoId,
        id: i64,
        audit: &Entry,
    ) -> Result<(), DbError> {
        self.delete_in_ambito(
            "DELETE FROM rota_entries WHERE id = $1 AND ambito_id = $2",
            "rota_entry",
            ambito,
            id,
            audit,
        )
        .await
    }

    /// Adds the generated `shifts`, leaving out any that would overlap one already there (same
    /// role and person), in one transaction; returns how many were added.
    pub async fn add_generated_shifts(
        &self,
        ambito: AmbitoId,
        shifts: &[Shift],
        audit: &Entry,
    ) -> Result<u64, DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let mut added = 0_u64;
                for s in shifts {
                    added += sqlx::query(
                        "INSERT INTO shifts (ambito_id, role, user_id, phone, start_at, end_at,
                            created_by, created_at)
                         SELECT CAST($1 AS BIGINT), CAST($2 AS TEXT), CAST($3 AS BIGINT),
                            CAST($4 AS TEXT), CAST($5 AS BIGINT), CAST($6 AS BIGINT),
                            CAST($7 AS BIGINT), CAST($8 AS BIGINT)
                         WHERE NOT EXISTS (SELECT 1 FROM shifts WHERE ambito_id = $1
                            AND role = $2 AND user_id = $3 AND start_at < $6 AND end_at > $5)",
                    )
                    .bind(ambito.0)
                    .bind(s.role.code())
                    .bind(s.user_id)
                    .bind(&s.phone)
                    .bind(s.start.0)
                    .bind(s.end.0)
                    .bind(audit.actor_id)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                }
                append!(
                    tx,
                    &audit
                        .clone()
                        .record("shift", "")
                        .reason(&format!("generated={added}"))
                )
                .await?;
                tx.commit().await?;
                Ok::<u64, DbError>(added)
            }
        )
    }

    /// Asks that `to_user_id` take shift `shift_id` of the Ambito instead of its person, who
    /// must be `requested_by`; returns the request's id.
    pub async fn request_swap(
        &self,
        ambito: AmbitoId,
        shift_id: i64,
        requested_by: i64,
        to_user_id: i64,
        note: &str,
        audit: &Entry,
    ) -> Result<i64, DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let owner: Option<(i64,)> =
                    sqlx::query_as("SELECT user_id FROM shifts WHERE id = $1 AND ambito_id = $2")
                        .bind(shift_id)
                        .bind(ambito.0)
                        .fetch_optional(&mut *tx)
                        .await?;
                match owner {
                    None => return Err(DbError::NotFound),
                    Some((owner,)) if owner != requested_by || owner == to_user_id => {
                        return Err(DbError::Invalid(presidio_domain::validation::Invalid::one(
                            "to_user_id",
                            presidio_domain::validation::Problem::UnknownCode,
                        )));
                    }
                    Some(_) => {}
                }
                eligible!(tx, to_user_id, ambito, "to_user_id");
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO shift_swaps (shift_id, requested_by, to_user_id, note, created_at)
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(shift_id)
                .bind(requested_by)
                .bind(to_user_id)
                .bind(note)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                append!(tx, &audit.clone().record("shift_swap", id)).await?;
                tx.commit().await?;
                Ok::<i64, DbError>(id)
            }
        )
    }

    /// The swap requests of an Ambito still awaiting a decision, oldest first.
    pub async fn pending_swaps(&self, ambito: AmbitoId) -> Result<Vec<SwapRequest>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT w.id, w.shift_id, s.role, s.start_at, s.end_at, f.name AS from_name,
                        w.to_user_id, t.name AS to_name, w.note, w.status
                     FROM shift_swaps w JOIN shifts s ON s.id = w.shift_id
                     JOIN users f ON f.id = s.user_id JOIN users t ON t.id = w.to_user_id
                     WHERE s.ambito_id = $1 AND w.status = 'requested'
                     ORDER BY w.created_at, w.id",
                )
                .bind(ambito.0)
                .fetch_all(pool)
                .await
            }
        )?)
    }

    /// Approves (the shift passes to the colleague) or refuses a pending swap of the Ambito.
    /// `Conflict` when it was already decided.
    pub async fn decide_swap(
        &self,
        ambito: AmbitoId,
        id: i64,
        approve: bool,
        decided_by: i64,
        audit: &Entry,
    ) -> Result<(), DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let row: Option<(i64, i64, String)> = sqlx::query_as(
                    "SELECT w.shift_id, w.to_user_id, w.status FROM shift_swaps w
                     JOIN shifts s ON s.id = w.shift_id WHERE w.id = $1 AND s.ambito_id = $2",
                )
                .bind(id)
                .bind(ambito.0)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((shift_id, to_user, status)) = row else {
                    return Err(DbError::NotFound);
                };
                if status != "requested" {
                    return Err(DbError::Conflict);
                }
                sqlx::query(
                    "UPDATE shift_swaps SET status = $2, decided_by = $3, decided_at = $4
                     WHERE id = $1 AND status = 'requested'",
                )
                .bind(id)
                .bind(if approve { "approved" } else { "refused" })
                .bind(decided_by)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                if approve {
                    sqlx::query("UPDATE shifts SET user_id = $2 WHERE id = $1")
                        .bind(shift_id)
                        .bind(to_user)
                        .execute(&mut *tx)
                        .await?;
                }
                append!(
                    tx,
                    &audit.clone().record("shift_swap", id).reason(if approve {
                        "approved"
                    } else {
                        "refused"
                    })
                )
                .await?;
                tx.commit().await?;
                Ok::<(), DbError>(())
            }
        )
    }
}
