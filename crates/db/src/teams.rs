//! The teams of cases: invitations with their grant, the answers, removals. Every change is one
//! transaction with its audit entry; a decline tells the coordinators of the Ambito.

use presidio_domain::audit::Entry;
use presidio_domain::reference::AmbitoId;
use presidio_domain::team::{Invitee, NewMember, Scope};
use presidio_domain::validation::{Invalid, Problem};

use crate::audit::append;
use crate::outbox::{Notice, To, enqueue};
use crate::{Db, DbError, dispatch};

/// A membership of a case's team (of a report, or of a person across their reports) as stored,
/// with the names to show.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredMember {
    pub id: i64,
    pub report_id: Option<i64>,
    pub ambito_id: i64,
    pub report_code: Option<String>,
    pub person_id: Option<i64>,
    /// The name shown of the person followed; none for "sconosciuto".
    pub person_name: Option<String>,
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    /// The member organisation, or the member user's.
    pub organisation_id: Option<i64>,
    pub organisation_name: Option<String>,
    pub role_in_case: String,
    pub sections: String,
    /// `AAAA-MM-GG`.
    pub until_day: String,
    pub basis: String,
    pub consent: Option<String>,
    pub status: String,
    pub invited_at: i64,
    pub answered_at: Option<i64>,
    pub decline_reason: Option<String>,
    pub removed_at: Option<i64>,
    pub version: i64,
}

const MEMBER_COLUMNS: &str = "SELECT t.id, t.report_id, t.ambito_id, r.code AS report_code,
        t.person_id, p.name AS person_name, t.user_id, u.name AS user_name, COALESCE(t.organisation_id, u.organisation_id)
        AS organisation_id, COALESCE(o.name, uo.name) AS organisation_name, t.role_in_case,
        t.sections, t.until_day, t.basis, t.consent, t.status, t.invited_at, t.answered_at,
        t.decline_reason, t.removed_at, t.version
     FROM team_members t
     LEFT JOIN reports r ON r.id = t.report_id
     LEFT JOIN persons p ON p.id = t.person_id
     LEFT JOIN users u ON u.id = t.user_id
     LEFT JOIN organisations uo ON uo.id = u.organisation_id
     LEFT JOIN organisations o ON o.id = t.organisation_id";

/// The roles whose users may be members of a team (they can read the cases it opens).
const MEMBER_ROLES: &str =
    "('partner', 'servizio_sociale', 'operatore_centrale', 'operatore_pis', 'coordinatore')";

/// The audit entry of membership `id` invited to the team of `scope`.
fn invited_entry(scope: Scope, audit: &Entry, id: i64, member: &NewMember) -> Entry {
    let mut entry = scope.audited(audit.clone());
    entry.reason = format!(
        "member={id} invited sections={} until={} basis={}",
        member.sections.codes(),
        member.until,
        member.basis.code()
    );
    entry
}

/// Where and by whom a member is invited: the team of `scope` in `ambito`, by user `by`, on
/// `today` (`AAAA-MM-GG`).
#[derive(Debug, Clone, Copy)]
pub struct Inviting<'a> {
    pub ambito: AmbitoId,
    pub scope: Scope,
    pub by: i64,
    pub today: &'a str,
}

impl Db {
    /// The team of report `report`, every membership ever, oldest first.
    pub async fn team_of(&self, report: i64) -> Result<Vec<StoredMember>, DbError> {
        self.team_in(Scope::Report(report)).await
    }

    /// The team that follows `scope` (a report, or a person record), every membership ever,
    /// oldest first.
    pub async fn team_in(&self, scope: Scope) -> Result<Vec<StoredMember>, DbError> {
        let (report, person) = scope.columns();
        let sql =
            format!("{MEMBER_COLUMNS} WHERE (t.report_id = $1 OR t.person_id = $2) ORDER BY t.id");
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(report)
                    .bind(person)
                    .fetch_all(pool)
                    .await
            }
        )?)
    }

    /// The teams of `reports` and of the person records `persons`, every membership ever,
    /// oldest first.
    pub async fn teams_of(
        &self,
        reports: &[i64],
        persons: &[i64],
    ) -> Result<Vec<StoredMember>, DbError> {
        if reports.is_empty() && persons.is_empty() {
            return Ok(Vec::new());
        }
        let list = |ids: &[i64]| {
            if ids.is_empty() {
                "NULL".to_owned()
            } else {
                ids.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            }
        };
        let sql = format!(
            "{MEMBER_COLUMNS} WHERE t.report_id IN ({}) OR t.person_id IN ({}) ORDER BY t.id",
            list(reports),
            list(persons)
        );
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .fetch_all(pool)
                    .await
            }
        )?)
    }

    /// One membership.
    pub async fn team_member(&self, id: i64) -> Result<StoredMember, DbError> {
        let sql = format!("{MEMBER_COLUMNS} WHERE t.id = $1");
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

    /// The open memberships (invited or accepted) of user `user`, and, when `organisation` is
    /// given, of that organisation: newest first, at most 200.
    pub async fn memberships_of(
        &self,
        user: i64,
        organisation: Option<i64>,
    ) -> Result<Vec<StoredMember>, DbError> {
        let sql = format!(
            "{MEMBER_COLUMNS}
             WHERE t.status IN ('invited', 'accepted')
               AND (t.user_id = $1 OR ($2 IS NOT NULL AND t.organisation_id = $2))
             ORDER BY t.id DESC LIMIT 200"
        );
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(user)
                    .bind(organisation)
                    .fetch_all(pool)
                    .await
            }
        )?)
    }

    /// The accepted memberships of report `report`, or of a person of it (or a record linked
    /// to one), held by user `user` or by organisation `organisation`: what its access rule
    /// needs (each with its last day).
    pub async fn team_grants(
        &self,
        report: i64,
        user: i64,
        organisation: i64,
    ) -> Result<Vec<StoredMember>, DbError> {
        let sql = format!(
            "{MEMBER_COLUMNS}
             WHERE t.status = 'accepted' AND (t.user_id = $2 OR t.organisation_id = $3)
               AND (t.report_id = $1 OR t.person_id IN (
                    SELECT q.id FROM report_persons rp
                    JOIN persons rq ON rq.id = rp.person_id
                    JOIN persons q ON q.id = rq.id
                        OR (rq.group_id IS NOT NULL AND q.group_id = rq.group_id)
                    WHERE rp.report_id = $1))"
        );
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(report)
                    .bind(user)
                    .bind(organisation)
                    .fetch_all(pool)
                    .await
            }
        )?)
    }

    /// Invites `member` to the team of report `report` of `ambito`, by user `by`, with its
    /// audit entry; `today` (`AAAA-MM-GG`) ends the accepted memberships of the same member
    /// already past their last day. A user must be active with a role that reads team cases in
    /// the Ambito, an organisation must be of the Ambito; one open membership per member.
    /// `mail` goes, queued in the same transaction, to whom the new membership names (its `to`
    /// is set here).
    pub async fn invite_member(
        &self,
        to: Inviting<'_>,
        member: &NewMember,
        audit: &Entry,
        mail: &Notice,
    ) -> Result<i64, DbError> {
        let at = crate::now().0;
        let (report, person) = to.scope.columns();
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let (user, organisation, field) = match &member.invitee {
                    Invitee::User(name) => {
                        let found: Option<(i64,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                            "SELECT u.id FROM users u
                             WHERE u.username = $1 AND u.disabled_at IS NULL AND EXISTS (
                                SELECT 1 FROM user_roles g WHERE g.user_id = u.id
                                AND g.ambito_id = $2 AND g.role IN {MEMBER_ROLES})"
                        )))
                        .bind(name)
                        .bind(to.ambito.0)
                        .fetch_optional(&mut *tx)
                        .await?;
                        let Some((id,)) = found else {
                            return Err(Invalid::one("user", Problem::UnknownUser).into());
                        };
                        (Some(id), None, "user")
                    }
                    Invitee::Organisation(id) => {
                        let found: Option<(i64,)> = sqlx::query_as(
                            "SELECT id FROM organisations WHERE id = $1 AND ambito_id = $2",
                        )
                        .bind(id)
                        .bind(to.ambito.0)
                        .fetch_optional(&mut *tx)
                        .await?;
                        if found.is_none() {
                            return Err(Invalid::one(
                                "organisation_id",
                                Problem::UnknownOrganisation,
                            )
                            .into());
                        }
                        (None, Some(*id), "organisation_id")
                    }
                };
                sqlx::query(
                    "UPDATE team_members SET status = 'removed', removed_at = $4,
                        version = version + 1
                     WHERE (report_id = $1 OR person_id = $6) AND status = 'accepted'
                       AND until_day < $5 AND (user_id = $2 OR organisation_id = $3)",
                )
                .bind(report)
                .bind(user)
                .bind(organisation)
                .bind(at)
                .bind(to.today)
                .bind(person)
                .execute(&mut *tx)
                .await?;
                let inserted: Result<(i64,), sqlx::Error> = sqlx::query_as(
                    "INSERT INTO team_members (ambito_id, report_id, person_id, user_id,
                        organisation_id, role_in_case, sections, until_day, basis, consent,
                        status, invited_by, invited_at)
                     VALUES ($1, $2, $12, $3, $4, $5, $6, $7, $8, $9, 'invited', $10, $11)
                     RETURNING id",
                )
                .bind(to.ambito.0)
                .bind(report)
                .bind(user)
                .bind(organisation)
                .bind(member.role.code())
                .bind(member.sections.codes())
                .bind(member.until.to_string())
                .bind(member.basis.code())
                .bind(member.consent.as_deref())
                .bind(to.by)
                .bind(at)
                .bind(person)
                .fetch_one(&mut *tx)
                .await;
                let id = match inserted {
                    Ok((id,)) => id,
                    Err(e) if crate::error::is_unique_violation(&e) => {
                        return Err(Invalid::one(field, Problem::Duplicate).into());
                    }
                    Err(e) => return Err(e.into()),
                };
                append!(tx, &invited_entry(to.scope, audit, id, member)).await?;
                let invited = Notice {
                    to: To::Member(id),
                    ..mail.clone()
                };
                enqueue!(tx, &invited, at).await?;
                tx.commit().await?;
                Ok::<i64, DbError>(id)
            }
        )
    }

    /// Answers invitation `id`, once, by user `by`, with its audit entry; a decline stores its
    /// reason and tells the coordinators of the Ambito with `notice`. `Conflict` when it was
    /// answered or withdrawn already (by a parallel request too).
    pub async fn answer_invitation(
        &self,
        id: i64,
        accept: bool,
        reason: Option<&str>,
        by: i64,
        notice: &str,
        audit: &Entry,
    ) -> Result<(), DbError> {
        let at = crate::now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let found: Option<(Option<i64>, Option<i64>, i64)> = sqlx::query_as(
                    "UPDATE team_members SET status = $2, answered_by = $3, answered_at = $4,
                        decline_reason = $5, version = version + 1
                     WHERE id = $1 AND status = 'invited'
                     RETURNING report_id, person_id, ambito_id",
                )
                .bind(id)
                .bind(if accept { "accepted" } else { "declined" })
                .bind(by)
                .bind(at)
                .bind(reason)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((report, person, ambito)) = found else {
                    return Err(DbError::Conflict);
                };
                let scope = Scope::of(report, person).ok_or(DbError::Corrupt("team.scope"))?;
                if !accept {
                    sqlx::query(
                        "INSERT INTO notifications (ambito_id, role, kind, report_id, actor_id,
                            text, at)
                         VALUES ($1, 'coordinatore', 'team_declined', $2, $3, $4, $5)",
                    )
                    .bind(ambito)
                    .bind(report)
                    .bind(by)
                    .bind(notice)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                }
                let mut entry = scope.audited(audit.clone());
                entry.reason = format!(
                    "member={id} {}",
                    if accept { "accepted" } else { "declined" }
                );
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<(), DbError>(())
            }
        )
    }

    /// Ends membership `id` of the team of `scope` (invited or accepted), by user `by`, with
    /// its audit entry. `NotFound` when it is no membership of that team, `Conflict` when it
    /// ended already.
    pub async fn remove_member(
        &self,
        scope: Scope,
        id: i64,
        by: i64,
        audit: &Entry,
    ) -> Result<(), DbError> {
        let at = crate::now().0;
        let (report, person) = scope.columns();
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let found: Option<(String,)> = sqlx::query_as(
                    "SELECT status FROM team_members
                     WHERE id = $1 AND (report_id = $2 OR person_id = $3)",
                )
                .bind(id)
                .bind(report)
                .bind(person)
                .fetch_optional(&mut *tx)
                .await?;
                if found.is_none() {
                    return Err(DbError::NotFound);
                }
                let ended = sqlx::query(
                    "UPDATE team_members SET status = 'removed', removed_by = $2,
                        removed_at = $3, version = version + 1
                     WHERE id = $1 AND status IN ('invited', 'accepted')",
                )
                .bind(id)
                .bind(by)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                if ended.rows_affected() == 0 {
                    return Err(DbError::Conflict);
                }
                let mut entry = scope.audited(audit.clone());
                entry.reason = format!("member={id} removed");
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<(), DbError>(())
            }
        )
    }
}
