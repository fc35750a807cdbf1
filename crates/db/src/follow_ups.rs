//! Outcomes asked after a handover is taken in charge: the requests (made in the same
//! transaction as the taking charge, one per interval of the Ambito), the answers, the
//! reminders, and the figures of the dashboard's *Efficacia* section.

use presidio_domain::audit::Entry;
use presidio_domain::follow_up::{Answer, Chase};
use presidio_domain::time::UtcMillis;

use crate::audit::append;
use crate::outbox::{Notice, enqueue};
use crate::{Db, DbError, dispatch};

/// An outcome request as stored, with the names to show.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredFollowUp {
    pub id: i64,
    pub ambito_id: i64,
    pub handover_id: i64,
    pub report_id: i64,
    pub report_code: String,
    pub municipality: String,
    pub municipality_name: String,
    pub days: i64,
    /// `AAAA-MM-GG`.
    pub due_day: String,
    pub outcome: Option<String>,
    pub rating: Option<i64>,
    pub note: String,
    pub answered_at: Option<i64>,
    pub answered_by: Option<String>,
    pub asked_at: Option<i64>,
    pub reminded_at: Option<i64>,
    pub escalated_at: Option<i64>,
    pub version: i64,
}

const COLUMNS: &str = "SELECT f.id, f.ambito_id, f.handover_id, f.report_id,
        r.code AS report_code, f.municipality, mu.name AS municipality_name, f.days, f.due_day,
        f.outcome, f.rating, f.note, f.answered_at, u.name AS answered_by, f.asked_at, f.reminded_at,
        f.escalated_at, f.version
     FROM follow_ups f
     JOIN reports r ON r.id = f.report_id
     JOIN municipalities mu ON mu.istat_code = f.municipality
     LEFT JOIN users u ON u.id = f.answered_by";

/// The *Efficacia* figures of some Ambiti over a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Efficacy {
    /// Handovers sent in the period, and of them taken in charge, and acknowledged by their
    /// deadline.
    pub handovers: i64,
    pub taken_in_charge: i64,
    pub acknowledged_in_time: i64,
    /// (interval in days, outcome code, how many) of the answers given to the requests of the
    /// handovers sent in the period.
    pub outcomes: Vec<(i64, String, i64)>,
    /// (interval, asked so far, answered).
    pub asked: Vec<(i64, i64, i64)>,
    /// Ratings given: how many, and their sum.
    pub ratings: i64,
    pub rating_sum: i64,
    /// Persons of the period's reports, and of them those reported again within 90 days.
    pub persons: i64,
    pub re_reported: i64,
}

fn ids(list: &[i64]) -> String {
    if list.is_empty() {
        return "NULL".into();
    }
    list.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Creates, in the transaction of a taking charge at `at`, the outcome requests of handover
/// `handover`, one per interval of its Ambito.
macro_rules! ask_follow_ups {
    ($tx:ident, $handover:expr, $at:expr) => {
        async {
            let (ambito, report, municipality, days): (i64, i64, String, String) =
                sqlx::query_as(
                    "SELECT r.ambito_id, h.report_id, h.municipality, a.follow_up_days
                     FROM handovers h JOIN reports r ON r.id = h.report_id
                     JOIN ambiti a ON a.id = r.ambito_id WHERE h.id = $1",
                )
                .bind($handover)
                .fetch_one(&mut *$tx)
                .await?;
            for (d, due) in presidio_domain::follow_up::requests(
                presidio_domain::time::UtcMillis($at),
                &days,
            ) {
                sqlx::query(
                    "INSERT INTO follow_ups (ambito_id, handover_id, report_id, municipality,
                        days, due_day)
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (handover_id, days) DO NOTHING",
                )
                .bind(ambito)
                .bind($handover)
                .bind(report)
                .bind(&municipality)
                .bind(d)
                .bind(due.to_string())
                .execute(&mut *$tx)
                .await?;
            }
            Ok::<(), sqlx::Error>(())
        }
    };
}
pub(crate) use ask_follow_ups;

impl Db {
    /// One outcome request.
    pub async fn follow_up(&self, id: i64) -> Result<StoredFollowUp, DbError> {
        let sql = format!("{COLUMNS} WHERE f.id = $1");
        dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(pool)
                    .await?
                    .ok_or(DbError::NotFound)
            }
        )
    }

    /// The outcome requests of the Ambiti `ambiti` (of the municipalities `municipalities`
    /// only, when given): when `pending`, those due by `today` (`AAAA-MM-GG`) and unanswered,
    /// oldest first; otherwise all those asked by then, newest first. At most 500.
    pub async fn follow_ups(
        &self,
        ambiti: &[i64],
        municipalities: Option<&[String]>,
        pending: bool,
        today: &str,
    ) -> Result<Vec<StoredFollowUp>, DbError> {
        let place = match municipalities {
            None => String::new(),
            Some([]) => " AND 1 = 0".into(),
            Some(list) => {
                let codes: Vec<String> = list
                    .iter()
                    .filter(|c| c.chars().all(|ch| ch.is_ascii_digit()))
                    .map(|c| format!("'{c}'"))
                    .collect();
                format!(" AND f.municipality IN ({})", codes.join(", "))
            }
        };
        let sql = if pending {
            format!(
                "{COLUMNS} WHERE f.ambito_id IN ({}){place}
                   AND f.answered_at IS NULL AND f.due_day <= $1
                 ORDER BY f.due_day, f.id LIMIT 500",
                ids(ambiti)
            )
        } else {
            format!(
                "{COLUMNS} WHERE f.ambito_id IN ({}){place} AND f.due_day <= $1
                 ORDER BY f.due_day DESC, f.id DESC LIMIT 500",
                ids(ambiti)
            )
        };
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(today)
                    .fetch_all(pool)
                    .await
            }
        )?)
    }

    /// The outcome requests of report `report`.
    pub async fn follow_ups_of(&self, report: i64) -> Result<Vec<StoredFollowUp>, DbError> {
        let sql = format!("{COLUMNS} WHERE f.report_id = $1 ORDER BY f.days, f.id");
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(report)
                    .fetch_all(pool)
                    .await
            }
        )?)
    }

    /// Answers request `id`, once, by user `by`, with its audit entry. `Conflict` when it was
    /// answered already (by a parallel request too).
    pub async fn answer_follow_up(
        &self,
        id: i64,
        answer: &Answer,
        by: i64,
        audit: &Entry,
    ) -> Result<(), DbError> {
        let at = crate::now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let found: Option<(i64,)> = sqlx::query_as(
                    "UPDATE follow_ups SET outcome = $2, rating = $3, note = $4,
                        answered_by = $5, answered_at = $6, version = version + 1
                     WHERE id = $1 AND answered_at IS NULL RETURNING report_id",
                )
                .bind(id)
                .bind(answer.outcome.code())
                .bind(answer.rating.map(i64::from))
                .bind(&answer.note)
                .bind(by)
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((report,)) = found else {
                    return Err(DbError::Conflict);
                };
                let mut entry = audit.clone().record("report", report);
                entry.section = "passaggio".into();
                entry.reason = format!("follow_up={id} {}", answer.outcome.code());
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<(), DbError>(())
            }
        )
    }

    /// Unanswered requests due by `day` (`AAAA-MM-GG`) not escalated yet: those to chase.
    pub async fn follow_ups_to_chase(&self, day: &str) -> Result<Vec<StoredFollowUp>, DbError> {
        let sql = format!(
            "{COLUMNS} WHERE f.answered_at IS NULL AND f.escalated_at IS NULL
               AND f.due_day <= $1 ORDER BY f.id LIMIT 500"
        );
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(day)
                    .fetch_all(pool)
                    .await
            }
        )?)
    }

    /// Marks `step` done on request `id`, once (false when another round did it first); the
    /// coordinators' step also tells them with `notice`; `mail` is queued in the same
    /// transaction.
    pub async fn mark_follow_up_chase(
        &self,
        id: i64,
        step: Chase,
        notice: &str,
        mail: &[Notice],
    ) -> Result<bool, DbError> {
        let at = crate::now().0;
        let column = match step {
            Chase::Ask => "asked_at",
            Chase::Reminder => "reminded_at",
            Chase::Coordinator => "escalated_at",
        };
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let sql = format!(
                    "UPDATE follow_ups SET {column} = $2
                     WHERE id = $1 AND {column} IS NULL AND answered_at IS NULL
                     RETURNING ambito_id, report_id"
                );
                let claimed: Option<(i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .bind(at)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some((ambito, report)) = claimed else {
                    return Ok(false);
                };
                if step == Chase::Coordinator {
                    sqlx::query(
                        "INSERT INTO notifications (ambito_id, role, kind, report_id, text, at)
                         VALUES ($1, 'coordinatore', 'follow_up_overdue', $2, $3, $4)",
                    )
                    .bind(ambito)
                    .bind(report)
                    .bind(notice)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                }
                for n in mail {
                    enqueue!(tx, n, at).await?;
                }
                tx.commit().await?;
                Ok::<bool, DbError>(true)
            }
        )
    }

    /// The *Efficacia* figures of the reports of `ambiti` received from `from` to `to`.
    pub async fn efficacy(
        &self,
        ambiti: &[i64],
        from: UtcMillis,
        to: UtcMillis,
    ) -> Result<Efficacy, DbError> {
        let within = format!(
            "r.ambito_id IN ({}) AND r.received_at >= $1 AND r.received_at < $2",
            ids(ambiti)
        );
        let handovers_sql = format!(
            "SELECT COUNT(*),
                COALESCE(SUM(CASE WHEN h.status IN ('taken_in_charge', 'closed')
                    AND h.outcome_at IS NOT NULL THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN h.acknowledged_at IS NOT NULL
                    AND h.acknowledged_at <= h.due_at THEN 1 ELSE 0 END), 0)
             FROM handovers h JOIN reports r ON r.id = h.report_id WHERE {within}"
        );
        let outcomes_sql = format!(
            "SELECT f.days, f.outcome, COUNT(*) FROM follow_ups f
             JOIN reports r ON r.id = f.report_id
             WHERE {within} AND f.outcome IS NOT NULL
             GROUP BY f.days, f.outcome ORDER BY f.days, f.outcome"
        );
        let asked_sql = format!(
            "SELECT f.days, COUNT(*), COALESCE(SUM(CASE WHEN f.answered_at IS NOT NULL
                THEN 1 ELSE 0 END), 0)
             FROM follow_ups f JOIN reports r ON r.id = f.report_id
             WHERE {within} GROUP BY f.days ORDER BY f.days"
        );
        let ratings_sql = format!(
            "SELECT COUNT(f.rating), CAST(COALESCE(SUM(f.rating), 0) AS BIGINT) FROM follow_ups f
             JOIN reports r ON r.id = f.report_id WHERE {within}"
        );
        let again_sql = format!(
            "SELECT COUNT(DISTINCT p.person_id), COUNT(DISTINCT CASE WHEN EXISTS (
                SELECT 1 FROM report_persons q JOIN reports s ON s.id = q.report_id
                WHERE q.person_id = p.person_id AND s.id <> r.id
                  AND s.received_at > r.received_at
                  AND s.received_at <= r.received_at + 7776000000) THEN p.person_id END)
             FROM report_persons p JOIN reports r ON r.id = p.report_id
             WHERE {within} AND p.person_id IS NOT NULL"
        );
        dispatch!(
            self,
            read | pool | {
                let q = |sql: &str| sqlx::AssertSqlSafe(sql.to_owned());
                let (handovers, taken_in_charge, acknowledged_in_time): (i64, i64, i64) =
                    sqlx::query_as(q(&handovers_sql))
                        .bind(from.0)
                        .bind(to.0)
                        .fetch_one(pool)
                        .await?;
                let outcomes = sqlx::query_as(q(&outcomes_sql))
                    .bind(from.0)
                    .bind(to.0)
                    .fetch_all(pool)
                    .await?;
                let asked = sqlx::query_as(q(&asked_sql))
                    .bind(from.0)
                    .bind(to.0)
                    .fetch_all(pool)
                    .await?;
                let (ratings, rating_sum): (i64, i64) = sqlx::query_as(q(&ratings_sql))
                    .bind(from.0)
                    .bind(to.0)
                    .fetch_one(pool)
                    .await?;
                let (persons, re_reported): (i64, i64) = sqlx::query_as(q(&again_sql))
                    .bind(from.0)
                    .bind(to.0)
                    .fetch_one(pool)
                    .await?;
                Ok::<Efficacy, sqlx::Error>(Efficacy {
                    handovers,
                    taken_in_charge,
                    acknowledged_in_time,
                    outcomes,
                    asked,
                    ratings,
                    rating_sum,
                    persons,
                    re_reported,
                })
            }
        )
        .map_err(DbError::from)
    }

    /// Sets the intervals (`30,90`, checked by the caller) at which Ambito `code` asks for
    /// outcomes after a taking charge; `NotFound` for an unknown code.
    pub async fn set_follow_up_days(&self, code: &str, days: &str) -> Result<(), DbError> {
        let done = dispatch!(
            self,
            write | pool | {
                sqlx::query("UPDATE ambiti SET follow_up_days = $2 WHERE code = $1")
                    .bind(code)
                    .bind(days)
                    .execute(pool)
                    .await
                    .map(|r| r.rows_affected())
            }
        )?;
        if done == 0 {
            return Err(DbError::NotFound);
        }
        Ok(())
    }

    /// The intervals of Ambito `id`, as stored (`30,90`).
    pub async fn follow_up_days(&self, id: i64) -> Result<String, DbError> {
        let (days,): (String,) = dispatch!(
            self,
            read | pool | {
                sqlx::query_as("SELECT follow_up_days FROM ambiti WHERE id = $1")
                    .bind(id)
                    .fetch_optional(pool)
                    .await?
                    .ok_or(DbError::NotFound)
            }
        )?;
        Ok(days)
    }
}
