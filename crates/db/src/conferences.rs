//! Case conferences, their minutes and the shared tasks the decisions become. Participants and
//! owners must hold a running membership of the case's team; every change is one transaction
//! with its audit entry; an overdue task is escalated to the coordinators once, whichever
//! instance claims it.

use presidio_domain::audit::Entry;
use presidio_domain::conference::{NewConference, NewMinutes, TaskStatus};
use presidio_domain::reference::AmbitoId;
use presidio_domain::validation::{Invalid, Problem, field_name};

use crate::audit::append;
use crate::outbox::{Notice, To, enqueue};
use crate::{Db, DbError, dispatch};

/// A conference as stored, with its case's code.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredConference {
    pub id: i64,
    pub ambito_id: i64,
    pub report_id: i64,
    pub report_code: String,
    pub at: i64,
    pub place: String,
    pub agenda: String,
    pub minutes: Option<String>,
    pub minutes_at: Option<i64>,
    pub minutes_by: Option<String>,
    pub version: i64,
}

const CONFERENCE_COLUMNS: &str = "SELECT c.id, c.ambito_id, c.report_id, r.code AS report_code,
        c.at, c.place, c.agenda, c.minutes, c.minutes_at, u.name AS minutes_by, c.version
     FROM conferences c
     JOIN reports r ON r.id = c.report_id
     LEFT JOIN users u ON u.id = c.minutes_by";

/// A shared task as stored, with its owner's name (the member user, or the organisation).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredTask {
    pub id: i64,
    pub ambito_id: i64,
    pub report_id: i64,
    pub report_code: String,
    pub conference_id: i64,
    pub title: String,
    pub owner_member_id: i64,
    pub owner_name: String,
    /// `AAAA-MM-GG`.
    pub due_day: String,
    pub status: String,
    pub created_at: i64,
    pub updated_at: Option<i64>,
    pub escalated_at: Option<i64>,
    pub version: i64,
}

const TASK_COLUMNS: &str = "SELECT t.id, t.ambito_id, t.report_id, r.code AS report_code,
        t.conference_id, t.title, t.owner_member_id, COALESCE(u.name, o.name, '') AS owner_name,
        t.due_day, t.status, t.created_at, t.updated_at, t.escalated_at, t.version
     FROM tasks t
     JOIN reports r ON r.id = t.report_id
     JOIN team_members m ON m.id = t.owner_member_id
     LEFT JOIN users u ON u.id = m.user_id
     LEFT JOIN organisations o ON o.id = m.organisation_id";

/// Which tasks a list holds.
#[derive(Debug, Clone, Copy)]
pub struct TaskScope<'a> {
    /// The user asking, and their organisation when they are a partner.
    pub user: i64,
    pub organisation: Option<i64>,
    /// `AAAA-MM-GG`: memberships past their last day open nothing.
    pub today: &'a str,
    /// Only the tasks whose owner is the user (or their organisation).
    pub mine_only: bool,
    /// Ambiti whose tasks the user coordinates, all of them.
    pub coordinated: &'a [i64],
}

/// The running memberships of the user `$1` (or of organisation `$2`), as SQL on `m`.
const RUNNING: &str = "m.status = 'accepted' AND m.until_day >= $3
    AND (m.user_id = $1 OR ($2 IS NOT NULL AND m.organisation_id = $2))";

fn ids(list: &[i64]) -> String {
    if list.is_empty() {
        return "NULL".into();
    }
    list.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Db {
    /// Plans a conference of the team of report `report` of `ambito`, by user `by`, with its
    /// audit entry. Every participant must hold a membership of that team accepted and
    /// running on `today` (`AAAA-MM-GG`), or the whole is refused on `participants`.
    pub async fn create_conference(
        &self,
        ambito: AmbitoId,
        report: i64,
        conference: &NewConference,
        by: i64,
        today: &str,
        audit: &Entry,
    ) -> Result<i64, DbError> {
        let at = crate::now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                for member in &conference.participants {
                    let found: Option<(i64,)> = sqlx::query_as(
                        "SELECT id FROM team_members WHERE id = $1 AND report_id = $2
                           AND status = 'accepted' AND until_day >= $3",
                    )
                    .bind(member)
                    .bind(report)
                    .bind(today)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if found.is_none() {
                        return Err(Invalid::one("participants", Problem::NotTeamMember).into());
                    }
                }
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO conferences (ambito_id, report_id, at, place, agenda,
                        created_by, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(ambito.0)
                .bind(report)
                .bind(conference.at.0)
                .bind(&conference.place)
                .bind(&conference.agenda)
                .bind(by)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                for member in &conference.participants {
                    sqlx::query(
                        "INSERT INTO conference_participants (conference_id, member_id)
                         VALUES ($1, $2)",
                    )
                    .bind(id)
                    .bind(member)
                    .execute(&mut *tx)
                    .await?;
                }
                let mut entry = audit.clone().record("report", report);
                entry.section = "team".into();
                entry.reason = format!("conference={id} planned");
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<i64, DbError>(id)
            }
        )
    }

    /// One conference.
    pub async fn conference(&self, id: i64) -> Result<StoredConference, DbError> {
        let sql = format!("{CONFERENCE_COLUMNS} WHERE c.id = $1");
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

    /// The conferences of report `report`, soonest first.
    pub async fn conferences_of(&self, report: i64) -> Result<Vec<StoredConference>, DbError> {
        let sql = format!("{CONFERENCE_COLUMNS} WHERE c.report_id = $1 ORDER BY c.at, c.id");
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

    /// The memberships taking part in conference `id`.
    pub async fn participants(&self, id: i64) -> Result<Vec<i64>, DbError> {
        let rows: Vec<(i64,)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT member_id FROM conference_participants WHERE conference_id = $1
                     ORDER BY member_id",
                )
                .bind(id)
                .fetch_all(pool)
                .await
            }
        )?;
        Ok(rows.into_iter().map(|(m,)| m).collect())
    }

    /// The conferences from `from` to `to` (milliseconds) that user `user` (or organisation
    /// `organisation`) takes part in through a membership running on `today`: their calendar.
    pub async fn conferences_for(
        &self,
        user: i64,
        organisation: Option<i64>,
        today: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<StoredConference>, DbError> {
        let sql = format!(
            "{CONFERENCE_COLUMNS} WHERE c.at >= $4 AND c.at <= $5 AND EXISTS (
                SELECT 1 FROM conference_participants p
                JOIN team_members m ON m.id = p.member_id
                WHERE p.conference_id = c.id AND {RUNNING})
             ORDER BY c.at LIMIT 500"
        );
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(user)
                    .bind(organisation)
                    .bind(today)
                    .bind(from)
                    .bind(to)
                    .fetch_all(pool)
                    .await
            }
        )?)
    }

    /// Records the minutes of conference `id`, once, by user `by`, and a task for each decision,
    /// with the audit entry. Owners must hold a membership of the case's team running on
    /// `today`, refused on `decisions[i].owner_member_id`; `Conflict` when minutes exist.
    /// `mail` goes, queued in the same transaction, to each owner once (its `to` is set here).
    pub async fn record_minutes(
        &self,
        id: i64,
        minutes: &NewMinutes,
        by: i64,
        today: &str,
        audit: &Entry,
        mail: &Notice,
    ) -> Result<Vec<i64>, DbError> {
        let at = crate::now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let found: Option<(i64, i64)> = sqlx::query_as(
                    "UPDATE conferences SET minutes = $2, minutes_by = $3, minutes_at = $4,
                        version = version + 1
                     WHERE id = $1 AND minutes IS NULL RETURNING report_id, ambito_id",
                )
                .bind(id)
                .bind(&minutes.text)
                .bind(by)
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((report, ambito)) = found else {
                    return Err(DbError::Conflict);
                };
                let mut refused = Invalid::default();
                let mut created = Vec::new();
                for (i, task) in minutes.tasks.iter().enumerate() {
                    let owner: Option<(i64,)> = sqlx::query_as(
                        "SELECT id FROM team_members WHERE id = $1 AND report_id = $2
                           AND status = 'accepted' AND until_day >= $3",
                    )
                    .bind(task.owner_member_id)
                    .bind(report)
                    .bind(today)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if owner.is_none() {
                        refused.push(
                            field_name(&format!("decisions[{i}].owner_member_id")),
                            Problem::NotTeamMember,
                        );
                        continue;
                    }
                    let (task_id,): (i64,) = sqlx::query_as(
                        "INSERT INTO tasks (ambito_id, report_id, conference_id, title,
                            owner_member_id, due_day, status, created_by, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8) RETURNING id",
                    )
                    .bind(ambito)
                    .bind(report)
                    .bind(id)
                    .bind(&task.title)
                    .bind(task.owner_member_id)
                    .bind(task.due.to_string())
                    .bind(by)
                    .bind(at)
                    .fetch_one(&mut *tx)
                    .await?;
                    created.push(task_id);
                }
                if !refused.is_empty() {
                    return Err(refused.into());
                }
                let mut entry = audit.clone().record("report", report);
                entry.section = "team".into();
                entry.reason = format!("conference={id} minutes tasks={}", created.len());
                append!(tx, &entry).await?;
                let mut owners: Vec<i64> =
                    minutes.tasks.iter().map(|t| t.owner_member_id).collect();
                owners.sort_unstable();
                owners.dedup();
                for owner in owners {
                    let to_owner = Notice {
                        to: To::Member(owner),
                        ..mail.clone()
                    };
                    enqueue!(tx, &to_owner, at).await?;
                }
                tx.commit().await?;
                Ok::<Vec<i64>, DbError>(created)
            }
        )
    }

    /// One task.
    pub async fn task(&self, id: i64) -> Result<StoredTask, DbError> {
        let sql = format!("{TASK_COLUMNS} WHERE t.id = $1");
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

    /// The tasks of report `report`, in the order they were decided.
    pub async fn tasks_of(&self, report: i64) -> Result<Vec<StoredTask>, DbError> {
        let sql = format!("{TASK_COLUMNS} WHERE t.report_id = $1 ORDER BY t.id");
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

    /// The tasks a user's list holds (see [`TaskScope`]): theirs (or their organisation's)
    /// through a running membership; unless `mine_only`, also those of the cases they are
    /// responsible for and of the Ambiti they coordinate. Open ones first, by last day; at
    /// most 500.
    pub async fn tasks_for(&self, scope: TaskScope<'_>) -> Result<Vec<StoredTask>, DbError> {
        let wider = if scope.mine_only {
            String::new()
        } else {
            format!(
                " OR t.ambito_id IN ({}) OR t.report_id IN (
                    SELECT m.report_id FROM team_members m
                    WHERE m.role_in_case = 'responsabile' AND {RUNNING})",
                ids(scope.coordinated)
            )
        };
        let sql = format!(
            "{TASK_COLUMNS} WHERE ({RUNNING}){wider}
             ORDER BY CASE WHEN t.status IN ('open', 'in_progress') THEN 0 ELSE 1 END,
                t.due_day, t.id
             LIMIT 500"
        );
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(scope.user)
                    .bind(scope.organisation)
                    .bind(scope.today)
                    .fetch_all(pool)
                    .await
            }
        )?)
    }

    /// Moves task `id` to `status` if it is still at `version`, by user `by`, with its audit
    /// entry. `Conflict` when it changed meanwhile.
    pub async fn update_task(
        &self,
        id: i64,
        status: TaskStatus,
        version: i64,
        by: i64,
        audit: &Entry,
    ) -> Result<(), DbError> {
        let at = crate::now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let found: Option<(i64,)> = sqlx::query_as(
                    "UPDATE tasks SET status = $2, updated_by = $3, updated_at = $4,
                        version = version + 1
                     WHERE id = $1 AND version = $5 RETURNING report_id",
                )
                .bind(id)
                .bind(status.code())
                .bind(by)
                .bind(at)
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((report,)) = found else {
                    return Err(DbError::Conflict);
                };
                let mut entry = audit.clone().record("report", report);
                entry.section = "team".into();
                entry.reason = format!("task={id} {}", status.code());
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<(), DbError>(())
            }
        )
    }

    /// Open tasks whose last day is before `day` (`AAAA-MM-GG`) and not escalated yet.
    pub async fn tasks_to_escalate(&self, day: &str) -> Result<Vec<StoredTask>, DbError> {
        let sql = format!(
            "{TASK_COLUMNS} WHERE t.status IN ('open', 'in_progress') AND t.due_day < $1
               AND t.escalated_at IS NULL ORDER BY t.id LIMIT 500"
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

    /// Escalates task `id` to the coordinators of its Ambito with `notice`, once: false when
    /// another round (of this instance or another) did it first.
    pub async fn escalate_task(&self, id: i64, notice: &str) -> Result<bool, DbError> {
        let at = crate::now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let claimed: Option<(i64, i64)> = sqlx::query_as(
                    "UPDATE tasks SET escalated_at = $2 WHERE id = $1 AND escalated_at IS NULL
                     RETURNING ambito_id, report_id",
                )
                .bind(id)
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((ambito, report)) = claimed else {
                    return Ok(false);
                };
                sqlx::query(
                    "INSERT INTO notifications (ambito_id, role, kind, report_id, text, at)
                     VALUES ($1, 'coordinatore', 'task_overdue', $2, $3, $4)",
                )
                .bind(ambito)
                .bind(report)
                .bind(notice)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok::<bool, DbError>(true)
            }
        )
    }
}
