//! The outbox: every outgoing message kept until delivered, claimed by one sender at a time
//! (several instances on one database never send it twice), with its attempts and state.

use presidio_domain::audit::Entry;
use presidio_domain::outbox::{Channel, Kind, LEASE_MS};
use presidio_domain::reference::AmbitoId;

use crate::audit::append;
use crate::{Db, DbError, dispatch};

/// Whom a notice goes to: a user, at the addresses they gave (the alert e-mail), the users a
/// team membership names (its user, or its organisation's partners), or one address (a
/// service's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum To {
    User(i64),
    Member(i64),
    Address(String),
}

/// A message caused by a write, queued in the write's own transaction (see `enqueue!`), so that
/// a message is never lost between the event and its queueing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub to: To,
    pub ambito_id: Option<i64>,
    pub subject: String,
    pub body: String,
    /// What it is about: a safety message takes every channel, and its failure is shown on the
    /// board; the others take the channels the user chose.
    pub kind: Kind,
    /// Whether e-mail can be sent (a relay is configured).
    pub email: bool,
    /// Whether SMS can be sent (a gateway is configured): to the user's mobile number.
    pub sms: bool,
}

impl Notice {
    /// An alert or an alarm.
    pub fn safety(&self) -> bool {
        self.kind == Kind::Safety
    }
}

/// Inside the open transaction `tx`: queues `$notice` at `$at` (milliseconds), one row per
/// channel each recipient has and takes for its kind: each device subscribed to push, the
/// mobile number where an SMS gateway is configured, and the alert e-mail where a relay is. A
/// safety message with no channel at all, where a relay or a gateway is configured, is stored
/// as given up, so that the board shows it. Evaluates to `Result<u64, sqlx::Error>`, the rows
/// queued.
macro_rules! enqueue {
    ($tx:expr, $notice:expr, $at:expr) => {
        async {
            use presidio_domain::outbox::{Channel, unchosen};
            let n: &$crate::outbox::Notice = $notice;
            let at: i64 = $at;
            let safety = i64::from(n.safety());
            let kind = n.kind.code();
            let mut ids: Vec<(i64,)> = Vec::new();
            let users: Vec<i64> = match &n.to {
                $crate::outbox::To::User(id) => vec![*id],
                $crate::outbox::To::Member(member) => sqlx::query_as::<_, (i64,)>(
                    "SELECT DISTINCT u.id FROM team_members m
                     JOIN users u ON u.id = m.user_id
                        OR (m.user_id IS NULL AND u.organisation_id = m.organisation_id
                            AND EXISTS (SELECT 1 FROM user_roles r
                                        WHERE r.user_id = u.id AND r.role = 'partner'))
                     WHERE m.id = $1 AND u.disabled_at IS NULL ORDER BY u.id",
                )
                .bind(*member)
                .fetch_all(&mut *$tx)
                .await?
                .into_iter()
                .map(|(id,)| id)
                .collect(),
                $crate::outbox::To::Address(_) => Vec::new(),
            };
            let on = |channel| i64::from(unchosen(n.kind, channel));
            for id in &users {
                ids.extend(
                    sqlx::query_as::<_, (i64,)>(
                        "INSERT INTO outbox (channel, recipient, user_id, ambito_id, subject, body,
                            safety, next_at, created_at)
                         SELECT r.channel, r.recipient, r.user_id, $2, $3, $4, $5, $6, $6
                         FROM (SELECT 'push' AS channel, CAST(s.id AS TEXT) AS recipient,
                                  s.user_id AS user_id, $9 AS unchosen
                               FROM push_subscriptions s WHERE s.user_id = $1
                               UNION ALL
                               SELECT 'sms', u.mobile, u.id, $10 FROM users u
                               WHERE u.id = $1 AND u.mobile IS NOT NULL AND $8 = 1
                               UNION ALL
                               SELECT 'email', u.alert_email, u.id, $11 FROM users u
                               WHERE u.id = $1 AND u.alert_email IS NOT NULL
                                 AND u.alert_email <> '' AND $12 = 1) r
                         JOIN users u ON u.id = r.user_id
                         WHERE u.disabled_at IS NULL
                           AND ($5 = 1 OR COALESCE((SELECT c.chosen FROM channel_choices c
                                WHERE c.user_id = r.user_id AND c.kind = $7
                                  AND c.channel = r.channel), r.unchosen) = 1)
                         RETURNING id",
                    )
                    .bind(*id)
                    .bind(n.ambito_id)
                    .bind(&n.subject)
                    .bind(&n.body)
                    .bind(safety)
                    .bind(at)
                    .bind(kind)
                    .bind(i64::from(n.sms))
                    .bind(on(Channel::Push))
                    .bind(on(Channel::Sms))
                    .bind(on(Channel::Email))
                    .bind(i64::from(n.email))
                    .fetch_all(&mut *$tx)
                    .await?,
                );
            }
            if let ($crate::outbox::To::Address(address), true) = (&n.to, n.email) {
                ids.extend(
                    sqlx::query_as::<_, (i64,)>(
                        "INSERT INTO outbox (channel, recipient, ambito_id, subject, body, safety,
                        next_at, created_at)
                     VALUES ('email', $1, $2, $3, $4, $5, $6, $6) RETURNING id",
                    )
                    .bind(address)
                    .bind(n.ambito_id)
                    .bind(&n.subject)
                    .bind(&n.body)
                    .bind(safety)
                    .bind(at)
                    .fetch_all(&mut *$tx)
                    .await?,
                );
            }
            if let Some(first) = ids.iter().map(|(id,)| *id).min() {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE outbox SET batch = $1 WHERE id IN ({})",
                    $crate::persons::id_list(&ids.iter().map(|(id,)| *id).collect::<Vec<_>>())
                )))
                .bind(first)
                .execute(&mut *$tx)
                .await?;
            }
            let queued = u64::try_from(ids.len()).unwrap_or(u64::MAX);
            if queued == 0 && n.safety() && (n.email || n.sms) {
                sqlx::query(
                    "INSERT INTO outbox (channel, recipient, user_id, ambito_id, subject, body,
                        safety, state, last_error, next_at, created_at)
                     VALUES ('none', '', $1, $2, $3, $4, 1, 'gave_up', $5, $6, $6)",
                )
                .bind(users.first().copied())
                .bind(n.ambito_id)
                .bind(&n.subject)
                .bind(&n.body)
                .bind(presidio_domain::outbox::NO_CHANNEL)
                .bind(at)
                .execute(&mut *$tx)
                .await?;
            }
            Ok::<u64, sqlx::Error>(queued)
        }
    };
}
pub(crate) use enqueue;

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredMessage {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub user_id: Option<i64>,
    pub ambito_id: Option<i64>,
    pub subject: String,
    pub body: String,
    pub safety: i64,
    pub state: String,
    pub attempts: i64,
    pub next_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

/// A safety message not delivered: to whom (by name), what, since when.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Undelivered {
    pub id: i64,
    pub name: Option<String>,
    pub subject: String,
    pub state: String,
    pub attempts: i64,
    pub created_at: i64,
}

impl Db {
    /// The channels user `user_id` chose, as (kind, channel, chosen) codes; a pair absent was
    /// never chosen.
    pub async fn channel_choices(
        &self,
        user_id: i64,
    ) -> Result<Vec<(String, String, bool)>, DbError> {
        let rows: Vec<(String, String, i64)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT kind, channel, chosen FROM channel_choices WHERE user_id = $1
                     ORDER BY kind, channel",
                )
                .bind(user_id)
                .fetch_all(pool)
                .await
            }
        )?;
        Ok(rows.into_iter().map(|(k, c, on)| (k, c, on == 1)).collect())
    }

    /// Sets user `user_id`'s `choices` (kind, channel, chosen), each pair written whole (two
    /// saves at once: one or the other), audited.
    pub async fn set_channel_choices(
        &self,
        user_id: i64,
        choices: &[(Kind, Channel, bool)],
        audit: &Entry,
    ) -> Result<(), DbError> {
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                for (kind, channel, chosen) in choices {
                    sqlx::query(
                        "INSERT INTO channel_choices (user_id, kind, channel, chosen)
                         VALUES ($1, $2, $3, $4)
                         ON CONFLICT (user_id, kind, channel) DO UPDATE SET chosen = $4",
                    )
                    .bind(user_id)
                    .bind(kind.code())
                    .bind(channel.code())
                    .bind(i64::from(*chosen))
                    .execute(&mut *tx)
                    .await?;
                }
                append!(tx, &audit.clone().record("user", user_id)).await?;
                tx.commit().await?;
                Ok::<(), sqlx::Error>(())
            }
        )?;
        Ok(())
    }

    /// Queues `notice` at `now` in a transaction of its own, for a message no write of the
    /// database causes (the audit anchor, written to a file); returns the rows queued.
    pub async fn queue_notice(&self, notice: &Notice, now: i64) -> Result<u64, DbError> {
        Ok(dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let queued = enqueue!(tx, notice, now).await?;
                tx.commit().await?;
                Ok::<u64, sqlx::Error>(queued)
            }
        )?)
    }

    /// The ids of the messages due at `now` (queued, or failed and due again), oldest first.
    pub async fn due_messages(&self, now: i64, limit: i64) -> Result<Vec<i64>, DbError> {
        let rows: Vec<(i64,)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT id FROM outbox WHERE state IN ('queued', 'failed') AND next_at <= $1
                        AND (claimed_until IS NULL OR claimed_until < $1)
                     ORDER BY next_at, id LIMIT $2",
                )
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await
            }
        )?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Claims message `id` for one attempt at `now`: the message for the one caller that gets
    /// it, none when it is not due or another sender holds it.
    pub async fn claim_message(&self, id: i64, now: i64) -> Result<Option<StoredMessage>, DbError> {
        Ok(dispatch!(
            self,
            write | pool | {
                sqlx::query_as(
                    "UPDATE outbox SET claimed_until = $2, attempts = attempts + 1
                     WHERE id = $1 AND state IN ('queued', 'failed') AND next_at <= $3
                        AND (claimed_until IS NULL OR claimed_until < $3)
                     RETURNING id, channel, recipient, user_id, ambito_id, subject, body,
                        safety, state, attempts, next_at, last_error, created_at, sent_at",
                )
                .bind(id)
                .bind(now.saturating_add(LEASE_MS))
                .bind(now)
                .fetch_optional(pool)
                .await
            }
        )?)
    }

    /// Records the attempt on message `id`: delivered at `now`, or failed with `error` and due
    /// again at `next_at` (`gave_up`: never again).
    pub async fn settle_message(
        &self,
        id: i64,
        now: i64,
        failure: Option<(&str, i64, bool)>,
    ) -> Result<(), DbError> {
        match failure {
            None => dispatch!(
                self,
                write | pool | {
                    sqlx::query(
                        "UPDATE outbox SET state = 'sent', sent_at = $2, claimed_until = NULL,
                            last_error = NULL
                         WHERE id = $1",
                    )
                    .bind(id)
                    .bind(now)
                    .execute(pool)
                    .await
                    .map(|_| ())
                }
            )?,
            Some((error, next_at, gave_up)) => dispatch!(
                self,
                write | pool | {
                    sqlx::query(
                        "UPDATE outbox SET state = $2, next_at = $3, last_error = $4,
                            claimed_until = NULL
                         WHERE id = $1",
                    )
                    .bind(id)
                    .bind(if gave_up { "gave_up" } else { "failed" })
                    .bind(next_at)
                    .bind(error)
                    .execute(pool)
                    .await
                    .map(|_| ())
                }
            )?,
        }
        Ok(())
    }

    /// The messages (newest first), of one state or all, of one Ambito or all.
    pub async fn outbox(
        &self,
        state: Option<&str>,
        ambito: Option<AmbitoId>,
        limit: i64,
    ) -> Result<Vec<StoredMessage>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT id, channel, recipient, user_id, ambito_id, subject, body, safety,
                        state, attempts, next_at, last_error, created_at, sent_at
                     FROM outbox
                     WHERE ($1 IS NULL OR state = $1) AND ($3 IS NULL OR ambito_id = $3)
                     ORDER BY id DESC LIMIT $2",
                )
                .bind(state)
                .bind(limit)
                .bind(ambito.map(|a| a.0))
                .fetch_all(pool)
                .await
            }
        )?)
    }

    /// The safety messages of `ambiti` that failed at least once and are not delivered,
    /// queued since `since`: for the board.
    pub async fn undelivered_safety(
        &self,
        ambiti: &[AmbitoId],
        since: i64,
    ) -> Result<Vec<Undelivered>, DbError> {
        let mut out = Vec::new();
        for ambito in ambiti {
            let rows: Vec<Undelivered> = dispatch!(
                self,
                read | pool | {
                    sqlx::query_as(
                        "SELECT o.id, u.name, o.subject, o.state, o.attempts, o.created_at
                         FROM outbox o LEFT JOIN users u ON u.id = o.user_id
                         WHERE o.ambito_id = $1 AND o.safety = 1
                            AND o.state IN ('failed', 'gave_up') AND o.created_at >= $2
                            AND (o.batch IS NULL OR (
                                NOT EXISTS (SELECT 1 FROM outbox s
                                    WHERE s.batch = o.batch AND s.state = 'sent')
                                AND o.id = (SELECT MIN(f.id) FROM outbox f WHERE f.batch = o.batch
                                    AND f.state IN ('failed', 'gave_up'))))
                         ORDER BY o.created_at DESC, o.id DESC LIMIT 50",
                    )
                    .bind(ambito.0)
                    .bind(since)
                    .fetch_all(pool)
                    .await
                }
            )?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// Removes the delivered and given-up messages queued before `before`; returns how many.
    pub async fn purge_outbox(&self, before: i64) -> Result<u64, DbError> {
        let done = dispatch!(
            self,
            write | pool | {
                sqlx::query(
                    "DELETE FROM outbox WHERE state IN ('sent', 'gave_up') AND created_at < $1",
                )
                .bind(before)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
            }
        )?;
        Ok(done)
    }
}
