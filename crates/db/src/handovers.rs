//! Handovers of cases to the municipal social services, their escalation, and the case thread
//! between the PIS and the receiving service.

use std::fmt::Write as _;

use presidio_domain::audit::Entry;
use presidio_domain::handover::{Deadlines, Escalation, HandoverStatus};
use presidio_domain::reference::{AmbitoId, IstatCode};
use presidio_domain::report::lifecycle::{self, Status};
use presidio_domain::report::triage::Outcome;
use presidio_domain::time::UtcMillis;
use presidio_domain::validation::{Invalid, Problem};

use crate::audit::append;
use crate::outbox::{Notice, enqueue};
use crate::reports::set_status;
use crate::{Db, DbError, dispatch, now};

/// A handover as stored, with its report's code and the municipality's name.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredHandover {
    pub id: i64,
    pub report_id: i64,
    pub report_code: String,
    pub ambito_id: i64,
    pub municipality: String,
    pub municipality_name: String,
    pub status: String,
    pub sent_at: i64,
    pub due_at: i64,
    pub escalate_at: i64,
    pub reminded_at: Option<i64>,
    pub escalated_at: Option<i64>,
    pub acknowledged_at: Option<i64>,
    pub acknowledged_by: Option<String>,
    pub outcome_at: Option<i64>,
    pub outcome_by: Option<String>,
    pub reason: String,
    pub version: i64,
}

impl StoredHandover {
    pub fn status(&self) -> HandoverStatus {
        HandoverStatus::parse(&self.status).unwrap_or(HandoverStatus::Sent)
    }

    pub fn deadlines(&self) -> Deadlines {
        Deadlines {
            due: UtcMillis(self.due_at),
            escalate: UtcMillis(self.escalate_at),
        }
    }
}

const COLUMNS: &str = "h.id, h.report_id, r.code AS report_code, r.ambito_id, h.municipality,
    m.name AS municipality_name, h.status, h.sent_at, h.due_at, h.escalate_at, h.reminded_at,
    h.escalated_at, h.acknowledged_at, a.name AS acknowledged_by, h.outcome_at,
    o.name AS outcome_by, h.reason, h.version
    FROM handovers h JOIN reports r ON r.id = h.report_id
    JOIN municipalities m ON m.istat_code = h.municipality
    LEFT JOIN users a ON a.id = h.acknowledged_by LEFT JOIN users o ON o.id = h.outcome_by";

fn refused(field: &'static str, problem: Problem) -> DbError {
    DbError::Invalid(Invalid::one(field, problem))
}

impl Db {
    /// Sends report `report_id` to the social service of `municipality` with these deadlines:
    /// the report moves to "handover queued" and at once to "handover sent" (the service sees it
    /// from now). Refused on `status` when the report's lifecycle does not allow it.
    pub async fn send_handover(
        &self,
        report_id: i64,
        municipality: &IstatCode,
        deadlines: Deadlines,
        audit: &Entry,
    ) -> Result<StoredHandover, DbError> {
        let at = now().0;
        let id = dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let row: Option<(String, Option<String>)> =
                    sqlx::query_as("SELECT status, outcome FROM reports WHERE id = $1")
                        .bind(report_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let (status, outcome) = row.ok_or(DbError::NotFound)?;
                let from = Status::parse(&status).ok_or(DbError::Corrupt("reports.status"))?;
                let outcome = outcome.as_deref().and_then(Outcome::parse);
                if from != Status::HandoverQueued {
                    lifecycle::check(from, Status::HandoverQueued, outcome)
                        .map_err(|_| refused("status", Problem::BadTransition))?;
                    set_status!(
                        tx,
                        report_id,
                        from,
                        Status::HandoverQueued,
                        at,
                        audit.actor_id
                    )
                    .await?;
                }
                set_status!(
                    tx,
                    report_id,
                    Status::HandoverQueued,
                    Status::HandoverSent,
                    at,
                    audit.actor_id
                )
                .await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO handovers (report_id, municipality, status, sent_at, sent_by,
                        due_at, escalate_at) VALUES ($1, $2, 'sent', $3, $4, $5, $6) RETURNING id",
                )
                .bind(report_id)
                .bind(municipality.as_str())
                .bind(at)
                .bind(audit.actor_id)
                .bind(deadlines.due.0)
                .bind(deadlines.escalate.0)
                .fetch_one(&mut *tx)
                .await?;
                let entry = audit
                    .clone()
                    .record("report", report_id)
                    .reason(&format!("handover={id} sent"));
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<i64, DbError>(id)
            }
        )?;
        self.handover(id).await
    }

    /// One handover.
    pub async fn handover(&self, id: i64) -> Result<StoredHandover, DbError> {
        self.handovers_where("h.id = $1", id)
            .await?
            .pop()
            .ok_or(DbError::NotFound)
    }

    /// The handovers of a report, oldest first.
    pub async fn handovers_of(&self, report_id: i64) -> Result<Vec<StoredHandover>, DbError> {
        self.handovers_where("h.report_id = $1", report_id).await
    }

    /// The handovers still waiting for their service (sent or acknowledged) in these Ambiti,
    /// or — with `municipalities` — only those of these municipalities; oldest deadline first.
    pub async fn waiting_handovers(
        &self,
        ambiti: &[AmbitoId],
        municipalities: Option<&[IstatCode]>,
    ) -> Result<Vec<StoredHandover>, DbError> {
        if ambiti.is_empty() {
            return Ok(Vec::new());
        }
        let mut filter = format!(
            "r.ambito_id IN ({}) AND h.status IN ('sent', 'acknowledged') AND h.id > $1",
            crate::ambito_list(ambiti)
        );
        if let Some(list) = municipalities {
            if list.is_empty() {
                return Ok(Vec::new());
            }
            let codes: Vec<String> = list.iter().map(|m| format!("'{}'", m.as_str())).collect();
            let _ = write!(filter, " AND h.municipality IN ({})", codes.join(", "));
        }
        let mut list = self.handovers_where(&filter, 0).await?;
        list.sort_by_key(|h| (h.due_at, h.id));
        Ok(list)
    }

    async fn handovers_where(
        &self,
        filter: &str,
        value: i64,
    ) -> Result<Vec<StoredHandover>, DbError> {
        let sql = format!("SELECT {COLUMNS} WHERE {filter} ORDER BY h.id");
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(value)
                    .fetch_all(pool)
                    .await
            }
        )?)
    }

    /// The receiving service answers: acknowledges, then records the outcome of taking charge.
    /// The report follows (acknowledged; given back to be sent elsewhere when not competent,
    /// with a notification to the coordinators carrying `notice`).
    pub async fn answer_handover(
        &self,
        id: i64,
        to: HandoverStatus,
        reason: &str,
        version: i64,
        notice: &str,
        audit: &Entry,
    ) -> Result<StoredHandover, DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let row: Option<(String, i64, i64)> = sqlx::query_as(
                    "SELECT status, version, report_id FROM handovers WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
                let (status, current, report_id) = row.ok_or(DbError::NotFound)?;
                if current != version {
                    return Err(DbError::Conflict);
                }
                let from =
                    HandoverStatus::parse(&status).ok_or(DbError::Corrupt("handovers.status"))?;
                if !from.next().contains(&to) {
                    return Err(refused("outcome", Problem::BadTransition));
                }
                let column = if to == HandoverStatus::Acknowledged {
                    "acknowledged"
                } else {
                    "outcome"
                };
                let sql = format!(
                    "UPDATE handovers SET status = $2, {column}_at = $3, {column}_by = $4,
                        reason = $5, version = version + 1 WHERE id = $1"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .bind(to.code())
                    .bind(at)
                    .bind(audit.actor_id)
                    .bind(reason)
                    .execute(&mut *tx)
                    .await?;
                let report: (String,) = sqlx::query_as("SELECT status FROM reports WHERE id = $1")
                    .bind(report_id)
                    .fetch_one(&mut *tx)
                    .await?;
                let now_status =
                    Status::parse(&report.0).ok_or(DbError::Corrupt("reports.status"))?;
                let follow = match to {
                    HandoverStatus::Acknowledged => Some(Status::HandoverAcknowledged),
                    HandoverStatus::NotCompetent => Some(Status::HandoverQueued),
                    _ => None,
                };
                if let Some(next) = follow.filter(|n| now_status.next(None).contains(n)) {
                    set_status!(tx, report_id, now_status, next, at, audit.actor_id).await?;
                }
                if to == HandoverStatus::TakenInCharge {
                    crate::follow_ups::ask_follow_ups!(tx, id, at).await?;
                }
                if to == HandoverStatus::NotCompetent {
                    sqlx::query(
                        "INSERT INTO notifications (ambito_id, role, kind, report_id, actor_id,
                            text, at)
                         SELECT ambito_id, 'coordinatore', 'handover_returned', id, $2, $3, $4
                         FROM reports WHERE id = $1",
                    )
                    .bind(report_id)
                    .bind(audit.actor_id)
                    .bind(notice)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                }
                let entry = audit
                    .clone()
                    .record("report", report_id)
                    .reason(&format!("handover={id} {}", to.code()));
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<(), DbError>(())
            }
        )?;
        self.handover(id).await
    }

    /// Handovers still not acknowledged whose deadline or escalation time has come by `at`.
    pub async fn late_handovers(&self, at: UtcMillis) -> Result<Vec<StoredHandover>, DbError> {
        let filter = "h.status = 'sent' AND ((h.due_at <= $1 AND h.reminded_at IS NULL)
            OR (h.escalate_at <= $1 AND h.escalated_at IS NULL))";
        self.handovers_where(filter, at.0).await
    }

    /// Marks a step of the escalation as done, once: false when it was already. The
    /// coordinator's alert also becomes a notification carrying `notice`; `mail` is queued in
    /// the same transaction.
    pub async fn mark_escalation(
        &self,
        h: &StoredHandover,
        step: Escalation,
        notice: &str,
        mail: &[Notice],
    ) -> Result<bool, DbError> {
        let at = now().0;
        let column = match step {
            Escalation::Reminder => "reminded_at",
            Escalation::Coordinator => "escalated_at",
        };
        let sql = format!(
            "UPDATE handovers SET {column} = $2 WHERE id = $1 AND {column} IS NULL
                AND status = 'sent'"
        );
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let marked = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(h.id)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if marked == 0 {
                    return Ok(false);
                }
                if step == Escalation::Coordinator {
                    sqlx::query(
                        "INSERT INTO notifications (ambito_id, role, kind, report_id, text, at)
                         VALUES ($1, 'coordinatore', 'handover_overdue', $2, $3, $4)",
                    )
                    .bind(h.ambito_id)
                    .bind(h.report_id)
                    .bind(notice)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                }
                for n in mail {
                    enqueue!(tx, n, at).await?;
                }
                tx.commit().await?;
                Ok::<bool, sqlx::Error>(true)
            }
        )
        .map_err(DbError::from)
    }

    /// The active users with the `servizio_sociale` role for `municipality`.
    pub async fn service_users(&self, municipality: &str) -> Result<Vec<i64>, DbError> {
        let rows: Vec<(i64,)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT DISTINCT u.id FROM users u
                     JOIN user_roles r ON r.user_id = u.id
                     JOIN user_role_municipalities rm ON rm.user_role_id = r.id
                     WHERE r.role = 'servizio_sociale' AND rm.istat_code = $1
                       AND u.disabled_at IS NULL ORDER BY u.id",
                )
                .bind(municipality)
                .fetch_all(pool)
                .await
            }
        )?;
        Ok(rows.into_iter().map(|(e,)| e).collect())
    }
}

/// A message of a case's thread.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CaseMessage {
    pub id: i64,
    pub at: i64,
    pub author: Option<String>,
    pub text: String,
}

impl Db {
    /// The thread of a case, oldest first.
    pub async fn case_messages(&self, report_id: i64) -> Result<Vec<CaseMessage>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT c.id, c.at, u.name AS author, c.text FROM case_messages c
                     LEFT JOIN users u ON u.id = c.author_id
                     WHERE c.report_id = $1 ORDER BY c.id",
                )
                .bind(report_id)
                .fetch_all(pool)
                .await
            }
        )?)
    }

    /// Adds a message to the thread of a case.
    pub async fn add_case_message(
        &self,
        report_id: i64,
        text: &str,
        audit: &Entry,
    ) -> Result<i64, DbError> {
        let at = now().0;
        Ok(dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO case_messages (report_id, at, author_id, text)
                     VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(report_id)
                .bind(at)
                .bind(audit.actor_id)
                .bind(text)
                .fetch_one(&mut *tx)
                .await?;
                let mut entry = audit.clone().record("report", report_id);
                entry.section = "messages".into();
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<i64, sqlx::Error>(id)
            }
        )?)
    }
}

impl Db {
    /// Makes (or replaces) the status link of a report, keeping only the secret's hash.
    pub async fn set_status_link(
        &self,
        report_id: i64,
        secret_hash: &str,
        audit: &Entry,
    ) -> Result<(), DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                sqlx::query(
                    "INSERT INTO status_links (report_id, secret_hash, created_at, created_by)
                     VALUES ($1, $2, $3, $4)
                     ON CONFLICT (report_id) DO UPDATE SET secret_hash = $2, created_at = $3,
                        created_by = $4",
                )
                .bind(report_id)
                .bind(secret_hash)
                .bind(at)
                .bind(audit.actor_id)
                .execute(&mut *tx)
                .await?;
                let mut entry = audit.clone().record("report", report_id);
                entry.section = "status_link".into();
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<(), sqlx::Error>(())
            }
        )?;
        Ok(())
    }

    /// The code, reception time and status of the report a status link opens.
    pub async fn status_by_link(
        &self,
        secret_hash: &str,
    ) -> Result<Option<(String, i64, String)>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT r.code, r.received_at, r.status FROM status_links l
                     JOIN reports r ON r.id = l.report_id WHERE l.secret_hash = $1",
                )
                .bind(secret_hash)
                .fetch_optional(pool)
                .await
            }
        )?)
    }
}

impl Db {
    /// How many cases of these Ambiti were closed in `[from, to)`, by closing outcome.
    pub async fn closed_between(
        &self,
        ambiti: &[AmbitoId],
        from: UtcMillis,
        to: UtcMillis,
    ) -> Result<Vec<(String, i64)>, DbError> {
        if ambiti.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT COALESCE(closing_outcome, ''), COUNT(*) FROM reports
             WHERE ambito_id IN ({}) AND status = 'closed' AND status_at >= $1 AND status_at < $2
             GROUP BY closing_outcome ORDER BY closing_outcome",
            crate::ambito_list(ambiti)
        );
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(from.0)
                    .bind(to.0)
                    .fetch_all(pool)
                    .await
            }
        )?)
    }

    /// The active users with `role` in `ambito`.
    pub async fn role_users(&self, ambito: AmbitoId, role: &str) -> Result<Vec<i64>, DbError> {
        let rows: Vec<(i64,)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT DISTINCT u.id FROM users u
                     JOIN user_roles r ON r.user_id = u.id
                     WHERE r.ambito_id = $1 AND r.role = $2 AND u.disabled_at IS NULL
                     ORDER BY u.id",
                )
                .bind(ambito.0)
                .bind(role)
                .fetch_all(pool)
                .await
            }
        )?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Whether the morning summary of `day` for `ambito` was claimed already.
    pub async fn summary_claimed(&self, day: &str, ambito: AmbitoId) -> Result<bool, DbError> {
        let found: Option<(i64,)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT ambito_id FROM summary_runs WHERE day = $1 AND ambito_id = $2",
                )
                .bind(day)
                .bind(ambito.0)
                .fetch_optional(pool)
                .await
            }
        )?;
        Ok(found.is_some())
    }

    /// Claims the morning summary of `day` for `ambito`, queueing `mail` in the same
    /// transaction: the rows queued for the one caller that claims it first, none for the
    /// others.
    pub async fn claim_summary(
        &self,
        day: &str,
        ambito: AmbitoId,
        mail: &[Notice],
    ) -> Result<Option<u64>, DbError> {
        let at = now().0;
        Ok(dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let claimed = sqlx::query(
                    "INSERT INTO summary_runs (day, ambito_id, sent_at) VALUES ($1, $2, $3)
                     ON CONFLICT (day, ambito_id) DO NOTHING",
                )
                .bind(day)
                .bind(ambito.0)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                if !claimed {
                    return Ok(None);
                }
                let mut queued = 0;
                for n in mail {
                    queued += enqueue!(tx, n, at).await?;
                }
                tx.commit().await?;
                Ok::<Option<u64>, sqlx::Error>(Some(queued))
            }
        )?)
    }
}
