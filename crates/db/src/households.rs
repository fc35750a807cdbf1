//! Households (nuclei): the persons of one Ambito living together, each member related to the
//! household's reference person (its head). A person is a member of one household at a time;
//! members leave by a dated removal, never by deletion.

use presidio_domain::audit::Entry;
use presidio_domain::reference::AmbitoId;

use crate::audit::append;
use crate::{Db, DbError, dispatch};

/// What came of putting a person in a household.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joined {
    /// Now a member.
    Added,
    /// Already a member of that household (or its head): nothing changed.
    Already,
    /// A member or the head of another household: nothing changed.
    Elsewhere,
}

/// Inside the open transaction `tx`: puts person `$member` in the household of `$anchor` (the
/// one `$anchor` belongs to, else a new one headed by `$anchor`), related to its head as
/// `$relationship`. Evaluates to `Result<Joined, sqlx::Error>`; a member of another household
/// stays there.
macro_rules! join {
    ($tx:expr, $ambito:expr, $anchor:expr, $member:expr, $relationship:expr, $report:expr, $by:expr, $at:expr) => {
        async {
            let anchor: i64 = $anchor;
            let member: i64 = $member;
            let head: Option<(i64,)> = sqlx::query_as(
                "SELECT head_id FROM household_members WHERE person_id = $1 AND removed_at IS NULL",
            )
            .bind(anchor)
            .fetch_optional(&mut *$tx)
            .await?;
            let head = head.map_or(anchor, |(h,)| h);
            if member == head {
                return Ok($crate::households::Joined::Already);
            }
            let current: Option<(i64,)> = sqlx::query_as(
                "SELECT head_id FROM household_members WHERE person_id = $1 AND removed_at IS NULL",
            )
            .bind(member)
            .fetch_optional(&mut *$tx)
            .await?;
            if let Some((h,)) = current {
                return Ok(if h == head {
                    $crate::households::Joined::Already
                } else {
                    $crate::households::Joined::Elsewhere
                });
            }
            let heads: Option<(i64,)> = sqlx::query_as(
                "SELECT id FROM household_members WHERE head_id = $1 AND removed_at IS NULL
                 LIMIT 1",
            )
            .bind(member)
            .fetch_optional(&mut *$tx)
            .await?;
            if heads.is_some() {
                return Ok($crate::households::Joined::Elsewhere);
            }
            // A parallel request may have put the member elsewhere meanwhile: the index of
            // current members keeps one, and this one then changes nothing.
            let added = sqlx::query(
                "INSERT INTO household_members (ambito_id, head_id, person_id, relationship,
                    report_id, added_by, added_at)
                 SELECT $1, $2, $3, $4, $5, $6, $7
                 WHERE EXISTS (SELECT 1 FROM persons WHERE id = $3 AND ambito_id = $1)
                 ON CONFLICT DO NOTHING",
            )
            .bind($ambito)
            .bind(head)
            .bind(member)
            .bind($relationship)
            .bind($report)
            .bind($by)
            .bind($at)
            .execute(&mut *$tx)
            .await?;
            if added.rows_affected() > 0 {
                return Ok($crate::households::Joined::Added);
            }
            let now: Option<(i64,)> = sqlx::query_as(
                "SELECT head_id FROM household_members WHERE person_id = $1 AND removed_at IS NULL",
            )
            .bind(member)
            .fetch_optional(&mut *$tx)
            .await?;
            Ok::<_, sqlx::Error>(match now {
                Some((h,)) if h == head => $crate::households::Joined::Already,
                _ => $crate::households::Joined::Elsewhere,
            })
        }
    };
}
pub(crate) use join;

/// A member of a household.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HouseholdMember {
    pub person_id: i64,
    /// How the member is related to the head (a code of `Relationship`).
    pub relationship: String,
    /// The report it was recorded in, when it was.
    pub report_id: Option<i64>,
    pub added_at: i64,
}

/// A household: its head and current members (the head not among them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Household {
    pub head_id: i64,
    pub members: Vec<HouseholdMember>,
}

impl Household {
    /// Every person of the household, the head first.
    pub fn persons(&self) -> Vec<i64> {
        std::iter::once(self.head_id)
            .chain(self.members.iter().map(|m| m.person_id))
            .collect()
    }
}

impl Db {
    /// Which of these records live in a household (as head or member).
    pub async fn in_households(&self, ids: &[i64]) -> Result<Vec<i64>, DbError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = crate::persons::id_list(ids);
        let sql = format!(
            "SELECT person_id FROM household_members
             WHERE person_id IN ({list}) AND removed_at IS NULL
             UNION SELECT head_id FROM household_members
             WHERE head_id IN ({list}) AND removed_at IS NULL"
        );
        let found: Vec<(i64,)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .fetch_all(pool)
                    .await
            }
        )?;
        Ok(found.into_iter().map(|(id,)| id).collect())
    }

    /// The person records attached to the people of these reports.
    pub async fn persons_of_reports(&self, reports: &[i64]) -> Result<Vec<i64>, DbError> {
        if reports.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT DISTINCT person_id FROM report_persons
             WHERE report_id IN ({}) AND person_id IS NOT NULL ORDER BY person_id",
            crate::persons::id_list(reports)
        );
        let found: Vec<(i64,)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .fetch_all(pool)
                    .await
            }
        )?;
        Ok(found.into_iter().map(|(id,)| id).collect())
    }

    /// The household of the first of `ids` that has one (a record and the records linked to
    /// it); none when no one of them lives with anyone.
    pub async fn household_of(&self, ids: &[i64]) -> Result<Option<Household>, DbError> {
        for id in ids {
            let head: Option<(i64,)> = dispatch!(
                self,
                read | pool | {
                    sqlx::query_as(
                        "SELECT head_id FROM household_members
                         WHERE person_id = $1 AND removed_at IS NULL",
                    )
                    .bind(*id)
                    .fetch_optional(pool)
                    .await
                }
            )?;
            let head_id = head.map_or(*id, |(h,)| h);
            let members: Vec<HouseholdMember> = dispatch!(
                self,
                read | pool | {
                    sqlx::query_as(
                        "SELECT person_id, relationship, report_id, added_at
                         FROM household_members WHERE head_id = $1 AND removed_at IS NULL
                         ORDER BY added_at, id",
                    )
                    .bind(head_id)
                    .fetch_all(pool)
                    .await
                }
            )?;
            if !members.is_empty() {
                return Ok(Some(Household { head_id, members }));
            }
        }
        Ok(None)
    }

    /// Puts `member` in the household of `anchor` (a new one headed by `anchor` when it has
    /// none), related to its head as `relationship`, by user `by`, with its audit entry.
    pub async fn add_to_household(
        &self,
        ambito: AmbitoId,
        anchor: i64,
        member: i64,
        relationship: &str,
        by: i64,
        audit: &Entry,
    ) -> Result<Joined, DbError> {
        let at = crate::now().0;
        Ok(dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let joined = join!(
                    tx,
                    ambito.0,
                    anchor,
                    member,
                    relationship,
                    None::<i64>,
                    Some(by),
                    at
                )
                .await?;
                if joined == Joined::Added {
                    let mut entry = audit.clone().record("person", anchor);
                    entry.reason = format!("household_add={member} relationship={relationship}");
                    append!(tx, &entry).await?;
                    tx.commit().await?;
                }
                Ok::<_, sqlx::Error>(joined)
            }
        )?)
    }

    /// Takes `person` out of their household, by user `by`, with its audit entry: a member
    /// leaves; a head's household ends (every member leaves). `NotFound` when they are in none.
    pub async fn leave_household(
        &self,
        person: i64,
        by: i64,
        audit: &Entry,
    ) -> Result<(), DbError> {
        let at = crate::now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let left = sqlx::query(
                    "UPDATE household_members SET removed_at = $2, removed_by = $3
                     WHERE (person_id = $1 OR head_id = $1) AND removed_at IS NULL",
                )
                .bind(person)
                .bind(at)
                .bind(by)
                .execute(&mut *tx)
                .await?;
                if left.rows_affected() == 0 {
                    return Err(DbError::NotFound);
                }
                let mut entry = audit.clone().record("person", person);
                entry.reason = format!("household_left={}", left.rows_affected());
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<(), DbError>(())
            }
        )
    }
}
