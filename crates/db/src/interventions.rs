//! Dispatches of field operators (alert, steps, check-ins, alarms) and the steps of the special
//! procedures of a case.

use presidio_domain::audit::Entry;
use presidio_domain::intervention::procedures::{ProcedureStep, StepRecord};
use presidio_domain::intervention::{Assessment, Dispatch, FieldStep};
use presidio_domain::reference::AmbitoId;
use presidio_domain::report::lifecycle::{self, Status};
use presidio_domain::report::triage::Outcome;
use presidio_domain::time::UtcMillis;

use crate::audit::append;
use crate::outbox::{Notice, enqueue};
use crate::reports::set_status;
use crate::{Db, DbError, dispatch, now};

/// A dispatch as stored, with the report and the operator it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDispatch {
    pub id: i64,
    pub report_id: i64,
    pub report_code: String,
    pub ambito: AmbitoId,
    pub operator_id: i64,
    pub operator: String,
    pub dispatch: Dispatch,
    pub alarm_at: Option<UtcMillis>,
    /// When the acknowledgment chain last took a step (the dispatch handed on).
    pub escalated_at: Option<UtcMillis>,
    /// When the missed check-in went up the chain after the alarm.
    pub alarm_escalated_at: Option<UtcMillis>,
    /// The steps of the chain taken, oldest first.
    pub escalations: Vec<crate::StoredEscalation>,
    /// The steps tapped on the phone without network.
    pub receipts: Vec<crate::StoredReceipt>,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct DispatchRow {
    id: i64,
    report_id: i64,
    report_code: String,
    ambito_id: i64,
    operator_id: i64,
    operator: String,
    alerted_at: i64,
    acknowledged_at: Option<i64>,
    departed_at: Option<i64>,
    arrived_at: Option<i64>,
    remote_at: Option<i64>,
    assessed_at: Option<i64>,
    persons_met: Option<i64>,
    assessment: Option<String>,
    last_check_in_at: Option<i64>,
    check_in_minutes: i64,
    alarm_at: Option<i64>,
    ended_at: Option<i64>,
    cancelled_at: Option<i64>,
    escalated_at: Option<i64>,
    alarm_escalated_at: Option<i64>,
    version: i64,
}

const COLUMNS: &str = "d.id, d.report_id, r.code AS report_code, r.ambito_id, d.operator_id,
    u.name AS operator, d.alerted_at, d.acknowledged_at, d.departed_at, d.arrived_at,
    d.remote_at, d.assessed_at, d.persons_met, d.assessment, d.last_check_in_at,
    d.check_in_minutes, d.alarm_at, d.ended_at, d.cancelled_at, d.escalated_at,
    d.alarm_escalated_at, d.version
    FROM dispatches d JOIN reports r ON r.id = d.report_id JOIN users u ON u.id = d.operator_id";

const UNDER_WAY: &str = "d.ended_at IS NULL AND d.cancelled_at IS NULL";

impl From<DispatchRow> for StoredDispatch {
    fn from(r: DispatchRow) -> Self {
        let at = |v: Option<i64>| v.map(UtcMillis);
        let assessment = match (r.persons_met, r.assessment) {
            (Some(n), Some(text)) => Some(Assessment {
                persons_met: u32::try_from(n).unwrap_or(0),
                text,
            }),
            _ => None,
        };
        Self {
            id: r.id,
            report_id: r.report_id,
            report_code: r.report_code,
            ambito: AmbitoId(r.ambito_id),
            operator_id: r.operator_id,
            operator: r.operator,
            dispatch: Dispatch {
                alerted_at: UtcMillis(r.alerted_at),
                acknowledged_at: at(r.acknowledged_at),
                departed_at: at(r.departed_at),
                arrived_at: at(r.arrived_at),
                remote_at: at(r.remote_at),
                assessed_at: at(r.assessed_at),
                assessment,
                last_check_in_at: at(r.last_check_in_at),
                check_in_minutes: u32::try_from(r.check_in_minutes).unwrap_or(45),
                ended_at: at(r.ended_at),
                cancelled_at: at(r.cancelled_at),
            },
            alarm_at: at(r.alarm_at),
            escalated_at: at(r.escalated_at),
            alarm_escalated_at: at(r.alarm_escalated_at),
            escalations: Vec::new(),
            receipts: Vec::new(),
            version: r.version,
        }
    }
}

/// Inside `tx`: moves report `$id` to `$to` when its lifecycle allows it from where it stands
/// (a step recorded late, or a second dispatch, leaves the status as it is).
macro_rules! follow {
    ($tx:expr, $id:expr, $to:expr, $at:expr, $actor:expr) => {
        async {
            let (status, outcome): (String, Option<String>) =
                sqlx::query_as("SELECT status, outcome FROM reports WHERE id = $1")
                    .bind($id)
                    .fetch_one(&mut *$tx)
                    .await?;
            let from = Status::parse(&status).ok_or(DbError::Corrupt("reports.status"))?;
            let to: Status = $to;
            if lifecycle::check(from, to, outcome.as_deref().and_then(Outcome::parse)).is_err() {
                return Ok::<(), DbError>(());
            }
            set_status!($tx, $id, from, to, $at, $actor).await?;
            Ok(())
        }
    };
}

impl Db {
    /// Alerts `operator_id` for report `report_id`: the report moves to "operator alerted" and
    /// the operator joins the people taking care of it. Refused with a conflict while another
    /// dispatch of the report is under way. `notice`, to the operator, is queued in the same
    /// transaction.
    pub async fn alert_operator(
        &self,
        report_id: i64,
        operator_id: i64,
        check_in_minutes: u32,
        audit: &Entry,
        notice: &Notice,
    ) -> Result<StoredDispatch, DbError> {
        let at = now().0;
        let id = dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let busy: Option<(i64,)> = sqlx::query_as(
                    "SELECT id FROM dispatches d WHERE d.report_id = $1 AND d.ended_at IS NULL
                        AND d.cancelled_at IS NULL",
                )
                .bind(report_id)
                .fetch_optional(&mut *tx)
                .await?;
                if busy.is_some() {
                    return Err(DbError::Conflict);
                }
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO dispatches (report_id, operator_id, alerted_by, alerted_at,
                        check_in_minutes) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(report_id)
                .bind(operator_id)
                .bind(audit.actor_id)
                .bind(at)
                .bind(i64::from(check_in_minutes))
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO report_assignees (report_id, user_id, since) VALUES ($1, $2, $3)
                     ON CONFLICT (report_id, user_id) DO NOTHING",
                )
                .bind(report_id)
                .bind(operator_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                follow!(tx, report_id, Status::OperatorAlerted, at, audit.actor_id).await?;
                let entry = audit
                    .clone()
                    .record("report", report_id)
                    .reason(&format!("dispatch={id} alert"));
                append!(tx, &entry).await?;
                enqueue!(tx, notice, at).await?;
                tx.commit().await?;
                Ok::<i64, DbError>(id)
            }
        )?;
        self.dispatch(id).await
    }

    /// One dispatch.
    pub async fn dispatch(&self, id: i64) -> Result<StoredDispatch, DbError> {
        self.dispatches_where("d.id = $1", id)
            .await?
            .pop()
            .ok_or(DbError::NotFound)
    }

    /// The dispatches of a report, oldest first.
    pub async fn dispatches_of(&self, report_id: i64) -> Result<Vec<StoredDispatch>, DbError> {
        self.dispatches_where("d.report_id = $1", report_id).await
    }

    /// The dispatches under way for an operator, newest first.
    pub async fn dispatches_for(&self, operator_id: i64) -> Result<Vec<StoredDispatch>, DbError> {
        let mut list = self
            .dispatches_where(&format!("d.operator_id = $1 AND {UNDER_WAY}"), operator_id)
            .await?;
        list.reverse();
        Ok(list)
    }

    /// The dispatches under way in these Ambiti.
    pub async fn dispatches_under_way(
        &self,
        ambiti: &[AmbitoId],
    ) -> Result<Vec<StoredDispatch>, DbError> {
        if ambiti.is_empty() {
            return Ok(Vec::new());
        }
        let filter = format!(
            "r.ambito_id IN ({}) AND {UNDER_WAY} AND d.id > $1",
            crate::ambito_list(ambiti)
        );
        self.dispatches_where(&filter, 0).await
    }

    async fn dispatches_where(
        &self,
        filter: &str,
        value: i64,
    ) -> Result<Vec<StoredDispatch>, DbError> {
        let sql = format!("SELECT {COLUMNS} WHERE {filter} ORDER BY d.id");
        let rows: Vec<DispatchRow> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(value)
                    .fetch_all(pool)
                    .await
            }
        )?;
        let mut list: Vec<StoredDispatch> = rows.into_iter().map(StoredDispatch::from).collect();
        let ids: Vec<i64> = list.iter().map(|d| d.id).collect();
        let mut steps = self.escalations_of(&ids).await?;
        let mut receipts = self.receipts_of(&ids).await?;
        for d in &mut list {
            let (mine, rest) = steps.into_iter().partition(|e| e.dispatch_id == d.id);
            d.escalations = mine;
            steps = rest;
            let (mine, rest) = receipts.into_iter().partition(|e| e.dispatch_id == d.id);
            d.receipts = mine;
            receipts = rest;
        }
        Ok(list)
    }

    /// Records `step` on dispatch `id` if `version` is still its own; the report follows
    /// (acknowledged, on site, remote, intervention closed) when its lifecycle allows. A
    /// check-in clears a raised alarm. A step tapped on the phone without network carries its
    /// time (`tapped`): it is the step's, and the receipt time is kept beside it.
    pub async fn record_field_step(
        &self,
        id: i64,
        step: FieldStep,
        assessment: Option<Assessment>,
        version: i64,
        tapped: Option<UtcMillis>,
        audit: &Entry,
    ) -> Result<StoredDispatch, DbError> {
        let current = self.dispatch(id).await?;
        let received = now();
        let at = tapped.unwrap_or(received);
        let mut next = current.dispatch.clone();
        next.apply(step, at, assessment)?;
        let (persons_met, text) = next.assessment.as_ref().map_or((None, None), |a| {
            (Some(i64::from(a.persons_met)), Some(a.text.clone()))
        });
        let v = |t: Option<UtcMillis>| t.map(|t| t.0);
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let changed = sqlx::query(
                    "UPDATE dispatches SET acknowledged_at = $3, departed_at = $4,
                        arrived_at = $5, remote_at = $6, assessed_at = $7, persons_met = $8,
                        assessment = $9, last_check_in_at = $10, ended_at = $11,
                        cancelled_at = $12,
                        alarm_at = CASE WHEN $13 THEN NULL ELSE alarm_at END,
                        alarm_escalated_at = CASE WHEN $13 THEN NULL ELSE alarm_escalated_at END,
                        version = version + 1
                     WHERE id = $1 AND version = $2",
                )
                .bind(id)
                .bind(version)
                .bind(v(next.acknowledged_at))
                .bind(v(next.departed_at))
                .bind(v(next.arrived_at))
                .bind(v(next.remote_at))
                .bind(v(next.assessed_at))
                .bind(persons_met)
                .bind(text.as_deref())
                .bind(v(next.last_check_in_at))
                .bind(v(next.ended_at))
                .bind(v(next.cancelled_at))
                .bind(step == FieldStep::CheckIn)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if changed == 0 {
                    return Err(DbError::Conflict);
                }
                if let Some(tapped) = tapped {
                    sqlx::query(
                        "INSERT INTO dispatch_receipts (dispatch_id, step, tapped_at, received_at)
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(id)
                    .bind(step.code())
                    .bind(tapped.0)
                    .bind(received.0)
                    .execute(&mut *tx)
                    .await?;
                }
                if let Some(to) = step.report_status() {
                    follow!(tx, current.report_id, to, at.0, audit.actor_id).await?;
                }
                let entry = audit
                    .clone()
                    .record("report", current.report_id)
                    .reason(&format!("dispatch={id} {}", step.code()));
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<(), DbError>(())
            }
        )?;
        self.dispatch(id).await
    }

    /// Dispatches whose operator is on site and has missed a check-in at `at`, with no alarm
    /// raised yet.
    pub async fn missed_check_ins(&self, at: UtcMillis) -> Result<Vec<StoredDispatch>, DbError> {
        let filter = format!(
            "{UNDER_WAY} AND d.arrived_at IS NOT NULL AND d.remote_at IS NULL
             AND d.alarm_at IS NULL AND d.id > $1"
        );
        let mut list = self.dispatches_where(&filter, 0).await?;
        list.retain(|d| d.dispatch.check_in_missed(at));
        Ok(list)
    }

    /// The dispatches under way not acknowledged yet, for the escalation sweep.
    pub async fn dispatches_awaiting_ack(&self) -> Result<Vec<StoredDispatch>, DbError> {
        let filter = format!("{UNDER_WAY} AND d.acknowledged_at IS NULL AND d.id > $1");
        self.dispatches_where(&filter, 0).await
    }

    /// The dispatches whose alarm of a missed check-in is raised and not sent up the chain.
    pub async fn alarms_to_escalate(&self) -> Result<Vec<StoredDispatch>, DbError> {
        let filter = format!(
            "{UNDER_WAY} AND d.alarm_at IS NOT NULL AND d.alarm_escalated_at IS NULL AND d.id > $1"
        );
        self.dispatches_where(&filter, 0).await
    }

    /// Raises the alarm of dispatch `id` once: marks it and notifies the coordinators of its
    /// Ambito with `text` (which names no person met), queueing `notice` (to the coordinator
    /// on call) in the same transaction. False when it was already raised.
    pub async fn raise_alarm(
        &self,
        d: &StoredDispatch,
        text: &str,
        notice: Option<&Notice>,
    ) -> Result<bool, DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let marked = sqlx::query(
                    "UPDATE dispatches SET alarm_at = $2 WHERE id = $1 AND alarm_at IS NULL
                        AND ended_at IS NULL AND cancelled_at IS NULL",
                )
                .bind(d.id)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if marked == 0 {
                    return Ok(false);
                }
                sqlx::query(
                    "INSERT INTO notifications (ambito_id, role, kind, report_id, actor_id, text, at)
                     VALUES ($1, 'coordinatore', 'check_in_missed', $2, $3, $4, $5)",
                )
                .bind(d.ambito.0)
                .bind(d.report_id)
                .bind(d.operator_id)
                .bind(text)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                if let Some(notice) = notice {
                    enqueue!(tx, notice, at).await?;
                }
                tx.commit().await?;
                Ok::<bool, sqlx::Error>(true)
            }
        )
        .map_err(DbError::from)
    }
}

/// A recorded procedure step, with who recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredStep {
    pub record: StepRecord,
    pub recorded_by: Option<String>,
    pub recorded_at: UtcMillis,
}

impl Db {
    /// The procedure steps recorded for a report.
    pub async fn procedure_steps(&self, report_id: i64) -> Result<Vec<StoredStep>, DbError> {
        type Row = (
            String,
            i64,
            String,
            Option<String>,
            String,
            Option<String>,
            i64,
        );
        let rows: Vec<Row> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT p.step, p.done_at, p.done_by, p.protocol, p.note, u.name,
                        p.recorded_at
                     FROM procedure_steps p LEFT JOIN users u ON u.id = p.recorded_by
                     WHERE p.report_id = $1 ORDER BY p.id",
                )
                .bind(report_id)
                .fetch_all(pool)
                .await
            }
        )?;
        rows.into_iter()
            .map(
                |(step, done_at, done_by, protocol, note, by, recorded_at)| {
                    Ok(StoredStep {
                        record: StepRecord {
                            step: ProcedureStep::parse(&step)
                                .ok_or(DbError::Corrupt("procedure_steps.step"))?,
                            done_at: UtcMillis(done_at),
                            done_by,
                            protocol,
                            note,
                        },
                        recorded_by: by,
                        recorded_at: UtcMillis(recorded_at),
                    })
                },
            )
            .collect()
    }

    /// Records (or corrects) a procedure step of a report.
    pub async fn record_procedure_step(
        &self,
        report_id: i64,
        record: &StepRecord,
        audit: &Entry,
    ) -> Result<(), DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                sqlx::query(
                    "INSERT INTO procedure_steps (report_id, step, done_at, done_by, protocol,
                        note, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (report_id, step) DO UPDATE SET done_at = $3, done_by = $4,
                        protocol = $5, note = $6, recorded_by = $7, recorded_at = $8",
                )
                .bind(report_id)
                .bind(record.step.code())
                .bind(record.done_at.0)
                .bind(&record.done_by)
                .bind(record.protocol.as_deref())
                .bind(&record.note)
                .bind(audit.actor_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                let mut entry = audit
                    .clone()
                    .record("report", report_id)
                    .reason(&format!("procedure={}", record.step.code()));
                entry.section = "procedures".into();
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<(), sqlx::Error>(())
            }
        )?;
        Ok(())
    }
}

impl Db {
    /// The address user `user_id` gave for alerts, if any.
    pub async fn alert_email(&self, user_id: i64) -> Result<Option<String>, DbError> {
        let row: Option<(Option<String>,)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as("SELECT alert_email FROM users WHERE id = $1")
                    .bind(user_id)
                    .fetch_optional(pool)
                    .await
            }
        )?;
        Ok(row.and_then(|(e,)| e))
    }

    /// Sets (or, with `None`, removes) the address user `user_id` gets alerts at.
    /// The mobile number user `user_id` gave for SMS alerts.
    pub async fn mobile(&self, user_id: i64) -> Result<Option<String>, DbError> {
        let row: Option<(Option<String>,)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as("SELECT mobile FROM users WHERE id = $1")
                    .bind(user_id)
                    .fetch_optional(pool)
                    .await
            }
        )?;
        Ok(row.and_then(|(m,)| m))
    }

    /// Sets (or clears) user `user_id`'s mobile number for SMS alerts.
    pub async fn set_mobile(
        &self,
        user_id: i64,
        mobile: Option<&str>,
        audit: &Entry,
    ) -> Result<(), DbError> {
        self.set_contact(user_id, true, mobile, audit).await
    }

    /// Sets (or clears) user `user_id`'s e-mail address for alerts.
    pub async fn set_alert_email(
        &self,
        user_id: i64,
        email: Option<&str>,
        audit: &Entry,
    ) -> Result<(), DbError> {
        self.set_contact(user_id, false, email, audit).await
    }

    /// Sets one of the user's addresses for alerts (the mobile number, or the e-mail), audited.
    async fn set_contact(
        &self,
        user_id: i64,
        mobile: bool,
        value: Option<&str>,
        audit: &Entry,
    ) -> Result<(), DbError> {
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                if mobile {
                    sqlx::query("UPDATE users SET mobile = $2 WHERE id = $1")
                } else {
                    sqlx::query("UPDATE users SET alert_email = $2 WHERE id = $1")
                }
                .bind(user_id)
                .bind(value)
                .execute(&mut *tx)
                .await?;
                append!(tx, &audit.clone().record("user", user_id)).await?;
                tx.commit().await?;
                Ok::<(), sqlx::Error>(())
            }
        )?;
        Ok(())
    }
}
