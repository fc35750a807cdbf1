//! Notifications for the users of a role in an Ambito (a break-glass tells the coordinators),
//! and how far each user has read them.

use presidio_domain::reference::AmbitoId;

use crate::{Db, DbError, dispatch};

/// A notification, and whether this user has marked it as read.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub report_id: Option<i64>,
    pub actor: Option<String>,
    pub text: String,
    pub at: i64,
    #[sqlx(skip)]
    pub seen: bool,
}

impl Db {
    /// The newest notifications for `role` in these Ambiti, as `user_id` has read them; with
    /// `unread_only`, only those after the last one they marked as read.
    pub async fn notifications(
        &self,
        ambiti: &[AmbitoId],
        role: &str,
        user_id: i64,
        unread_only: bool,
        limit: i64,
    ) -> Result<Vec<Notification>, DbError> {
        if ambiti.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT n.id, n.kind, n.report_id, u.name AS actor, n.text, n.at
             FROM notifications n LEFT JOIN users u ON u.id = n.actor_id
             WHERE n.ambito_id IN ({}) AND n.role = $1 AND n.id > $2
             ORDER BY n.id DESC LIMIT $3",
            crate::ambito_list(ambiti)
        );
        let (last_seen, mut list) = dispatch!(
            self,
            read | pool | {
                let last_seen: Option<(i64,)> =
                    sqlx::query_as("SELECT last_seen FROM notification_reads WHERE user_id = $1")
                        .bind(user_id)
                        .fetch_optional(pool)
                        .await?;
                let last_seen = last_seen.map_or(0, |(l,)| l);
                let list: Vec<Notification> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(role)
                    .bind(if unread_only { last_seen } else { 0 })
                    .bind(limit.clamp(1, 500))
                    .fetch_all(pool)
                    .await?;
                Ok::<_, sqlx::Error>((last_seen, list))
            }
        )?;
        for n in &mut list {
            n.seen = n.id <= last_seen;
        }
        Ok(list)
    }

    /// How many notifications for `role` in these Ambiti `user_id` has not read yet.
    pub async fn unread_notifications(
        &self,
        ambiti: &[AmbitoId],
        role: &str,
        user_id: i64,
    ) -> Result<i64, DbError> {
        if ambiti.is_empty() {
            return Ok(0);
        }
        let sql = format!(
            "SELECT COUNT(*) FROM notifications n
             WHERE n.ambito_id IN ({}) AND n.role = $1 AND n.id > COALESCE(
                (SELECT last_seen FROM notification_reads WHERE user_id = $2), 0)",
            crate::ambito_list(ambiti)
        );
        let (count,): (i64,) = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(role)
                    .bind(user_id)
                    .fetch_one(pool)
                    .await
            }
        )?;
        Ok(count)
    }

    /// Marks as read every notification up to `up_to` for `user_id`; never moves backwards.
    pub async fn mark_notifications_read(&self, user_id: i64, up_to: i64) -> Result<(), DbError> {
        dispatch!(
            self,
            write | pool | {
                sqlx::query(
                    "INSERT INTO notification_reads (user_id, last_seen) VALUES ($1, $2)
                     ON CONFLICT (user_id) DO UPDATE SET last_seen = CASE
                        WHEN excluded.last_seen > notification_reads.last_seen
                        THEN excluded.last_seen ELSE notification_reads.last_seen END",
                )
                .bind(user_id)
                .bind(up_to)
                .execute(pool)
                .await
                .map(|_| ())
            }
        )?;
        Ok(())
    }
}
