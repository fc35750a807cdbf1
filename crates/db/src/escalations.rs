//! The escalation chain of a dispatch (part of the dispatch's aggregate): the steps taken,
//! the Ambito's minutes, and one step, taken once whatever the number of instances; and the
//! steps tapped on the phone without network, with their receipt time.

use presidio_domain::audit::Entry;
use presidio_domain::intervention::escalation::{Cause, Reached};
use presidio_domain::reference::AmbitoId;
use presidio_domain::time::UtcMillis;

use crate::audit::append;
use crate::outbox::{Notice, enqueue};
use crate::persons::id_list;
use crate::{Db, DbError, dispatch};

/// A step of a dispatch's chain as stored, with the name of whom it reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEscalation {
    pub dispatch_id: i64,
    pub cause: Cause,
    pub reached: Reached,
    pub from_user_id: Option<i64>,
    pub to_user_id: Option<i64>,
    pub to: Option<String>,
    pub at: UtcMillis,
}

/// A step to take on a dispatch: the dispatch as read (`version`, and for a missed check-in
/// the alarm still not sent up), whom it reaches, the message to them, the coordinators'
/// board line, the audit entry.
#[derive(Debug, Clone)]
pub struct EscalationStep<'a> {
    pub dispatch_id: i64,
    pub report_id: i64,
    pub ambito: AmbitoId,
    pub version: i64,
    pub cause: Cause,
    pub reached: Reached,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub at: UtcMillis,
    pub notice: Option<&'a Notice>,
    pub board: Option<&'a str>,
    pub audit: &'a Entry,
}

/// A step tapped on the phone without network: its time and the server's receipt time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReceipt {
    pub dispatch_id: i64,
    pub step: String,
    pub tapped_at: UtcMillis,
    pub received_at: UtcMillis,
}

type Row = (
    i64,
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<String>,
    i64,
);

impl Db {
    /// The steps of the chains of these dispatches, oldest first.
    pub(crate) async fn escalations_of(
        &self,
        ids: &[i64],
    ) -> Result<Vec<StoredEscalation>, DbError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT e.dispatch_id, e.cause, e.reached, e.from_user_id, e.to_user_id, u.name, e.at
             FROM dispatch_escalations e LEFT JOIN users u ON u.id = e.to_user_id
             WHERE e.dispatch_id IN ({}) ORDER BY e.at, e.id",
            id_list(ids)
        );
        let rows: Vec<Row> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .fetch_all(pool)
                    .await
            }
        )?;
        rows.into_iter()
            .map(|(dispatch_id, cause, reached, from, to_id, to, at)| {
                Ok(StoredEscalation {
                    dispatch_id,
                    cause: Cause::parse(&cause).ok_or(DbError::Corrupt("escalations.cause"))?,
                    reached: Reached::parse(&reached)
                        .ok_or(DbError::Corrupt("escalations.reached"))?,
                    from_user_id: from,
                    to_user_id: to_id,
                    to,
                    at: UtcMillis(at),
                })
            })
            .collect()
    }

    /// The steps of these dispatches tapped on the phone without network, oldest first.
    pub(crate) async fn receipts_of(&self, ids: &[i64]) -> Result<Vec<StoredReceipt>, DbError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT dispatch_id, step, tapped_at, received_at FROM dispatch_receipts
             WHERE dispatch_id IN ({}) ORDER BY tapped_at, id",
            id_list(ids)
        );
        let rows: Vec<(i64, String, i64, i64)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .fetch_all(pool)
                    .await
            }
        )?;
        Ok(rows
            .into_iter()
            .map(|(dispatch_id, step, tapped, received)| StoredReceipt {
                dispatch_id,
                step,
                tapped_at: UtcMillis(tapped),
                received_at: UtcMillis(received),
            })
            .collect())
    }

    /// What arrived from the phones without network on these reports since `since`: (report,
    /// step code or `note`, tapped, received), the latest received first; at most 50.
    pub async fn offline_arrivals(
        &self,
        reports: &[i64],
        since: i64,
    ) -> Result<Vec<(i64, String, i64, i64)>, DbError> {
        if reports.is_empty() {
            return Ok(Vec::new());
        }
        let list = id_list(reports);
        let sql = format!(
            "SELECT d.report_id, r.step, r.tapped_at, r.received_at
             FROM dispatch_receipts r JOIN dispatches d ON d.id = r.dispatch_id
             WHERE d.report_id IN ({list}) AND r.received_at >= $1
             UNION ALL
             SELECT e.report_id, 'note', e.at, e.received_at FROM diary_entries e
             WHERE e.report_id IN ({list}) AND e.received_at >= $1
             ORDER BY 4 DESC, 3 DESC LIMIT 50"
        );
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(since)
                    .fetch_all(pool)
                    .await
            }
        )?)
    }

    /// The minutes an alert of each Ambito waits for its acknowledgment.
    pub async fn ack_minutes(&self) -> Result<Vec<(AmbitoId, i64)>, DbError> {
        let rows: Vec<(i64, i64)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as("SELECT id, ack_minutes FROM ambiti ORDER BY id")
                    .fetch_all(pool)
                    .await
            }
        )?;
        Ok(rows.into_iter().map(|(a, m)| (AmbitoId(a), m)).collect())
    }

    /// Sets the minutes the alerts of Ambito `code` wait for their acknowledgment.
    pub async fn set_ack_minutes(&self, code: &str, minutes: u32) -> Result<(), DbError> {
        let done = dispatch!(
            self,
            write | pool | {
                sqlx::query("UPDATE ambiti SET ack_minutes = $2 WHERE code = $1")
                    .bind(code)
                    .bind(i64::from(minutes))
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

    /// Takes `step` once: false when the dispatch moved meanwhile (acknowledged, handed on by
    /// another instance, ended, or its alarm already sent up). In one transaction: the
    /// dispatch (handed to the operator reached, for a missed acknowledgment), the operator
    /// reached among the people of the case, the step in the history, the coordinators'
    /// board line, the message, the audit entry.
    pub async fn escalate(&self, step: &EscalationStep<'_>) -> Result<bool, DbError> {
        let handed = (step.cause == Cause::NoAck && step.reached == Reached::Operator)
            .then_some(step.to)
            .flatten();
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let moved = match step.cause {
                    Cause::NoAck => sqlx::query(
                        "UPDATE dispatches SET escalated_at = $3,
                            operator_id = COALESCE($4, operator_id), version = version + 1
                         WHERE id = $1 AND version = $2 AND acknowledged_at IS NULL
                            AND ended_at IS NULL AND cancelled_at IS NULL",
                    )
                    .bind(step.dispatch_id)
                    .bind(step.version)
                    .bind(step.at.0)
                    .bind(handed),
                    Cause::CheckIn => sqlx::query(
                        "UPDATE dispatches SET alarm_escalated_at = $2
                         WHERE id = $1 AND alarm_at IS NOT NULL AND alarm_escalated_at IS NULL
                            AND ended_at IS NULL AND cancelled_at IS NULL",
                    )
                    .bind(step.dispatch_id)
                    .bind(step.at.0),
                }
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if moved == 0 {
                    return Ok(false);
                }
                if let (Reached::Operator, Some(to)) = (step.reached, step.to) {
                    sqlx::query(
                        "INSERT INTO report_assignees (report_id, user_id, since)
                         VALUES ($1, $2, $3) ON CONFLICT (report_id, user_id) DO NOTHING",
                    )
                    .bind(step.report_id)
                    .bind(to)
                    .bind(step.at.0)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query(
                    "INSERT INTO dispatch_escalations (dispatch_id, cause, reached, from_user_id,
                        to_user_id, at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(step.dispatch_id)
                .bind(step.cause.code())
                .bind(step.reached.code())
                .bind(step.from)
                .bind(step.to)
                .bind(step.at.0)
                .execute(&mut *tx)
                .await?;
                if let Some(text) = step.board {
                    sqlx::query(
                        "INSERT INTO notifications (ambito_id, role, kind, report_id, actor_id,
                            text, at)
                         VALUES ($1, 'coordinatore', 'dispatch_escalated', $2, $3, $4, $5)",
                    )
                    .bind(step.ambito.0)
                    .bind(step.report_id)
                    .bind(step.from)
                    .bind(text)
                    .bind(step.at.0)
                    .execute(&mut *tx)
                    .await?;
                }
                if let Some(notice) = step.notice {
                    enqueue!(tx, notice, crate::now().0).await?;
                }
                let entry = step
                    .audit
                    .clone()
                    .record("report", step.report_id)
                    .reason(&format!(
                        "dispatch={} escalate={} reached={}",
                        step.dispatch_id,
                        step.cause.code(),
                        step.reached.code()
                    ));
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<bool, sqlx::Error>(true)
            }
        )
        .map_err(DbError::from)
    }
}
