//! Data-protection records of persons: notices, consents and requests with their decision. A
//! granted erasure anonymises the record at once; a granted restriction or objection marks it
//! so that it is no longer offered at intake.

use presidio_domain::audit::Entry;
use presidio_domain::privacy::{Decision, PrivacyKind, PrivacyRecord};
use presidio_domain::reference::AmbitoId;

use crate::audit::append;
use crate::persons::anonymise;
use crate::{Db, DbError, dispatch};

/// A data-protection record as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredPrivacy {
    pub id: i64,
    pub person_id: i64,
    pub kind: String,
    /// `AAAA-MM-GG`.
    pub on_day: String,
    pub how: Option<String>,
    pub purpose: Option<String>,
    pub recipient: Option<String>,
    pub notes: Option<String>,
    pub recorded_at: i64,
    pub decision: Option<String>,
    pub decision_reason: Option<String>,
    pub decided_at: Option<i64>,
}

impl Db {
    /// The data-protection records of these person records, newest first.
    pub async fn privacy_records(&self, ids: &[i64]) -> Result<Vec<StoredPrivacy>, DbError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, person_id, kind, on_day, how, purpose, recipient, notes, recorded_at,
                    decision, decision_reason, decided_at
             FROM person_privacy WHERE person_id IN ({})
             ORDER BY on_day DESC, id DESC",
            crate::persons::id_list(ids)
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

    /// Records `record` for person `person` of `ambito`, by user `by`, with its audit entry.
    pub async fn add_privacy(
        &self,
        ambito: AmbitoId,
        person: i64,
        record: &PrivacyRecord,
        by: i64,
        audit: &Entry,
    ) -> Result<i64, DbError> {
        let at = crate::now().0;
        Ok(dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO person_privacy (ambito_id, person_id, kind, on_day, how, purpose,
                        recipient, notes, recorded_by, recorded_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                )
                .bind(ambito.0)
                .bind(person)
                .bind(record.kind.code())
                .bind(record.on.to_string())
                .bind(record.how.map(presidio_domain::privacy::NoticeWay::code))
                .bind(record.purpose.as_deref())
                .bind(record.recipient.as_deref())
                .bind(record.notes.as_deref())
                .bind(by)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                let mut entry = audit.clone().record("person", person);
                entry.section = "privacy".into();
                entry.reason = format!("privacy={id} kind={}", record.kind.code());
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<i64, sqlx::Error>(id)
            }
        )?)
    }

    /// Decides request `id` of one of the records `group`, once, by user `by`, with its audit
    /// entry: a granted erasure anonymises the person record, a granted restriction or
    /// objection restricts it. `NotFound` when it is no request of theirs, `Conflict` when it
    /// was decided already (by a parallel request too).
    pub async fn decide_privacy(
        &self,
        group: &[i64],
        id: i64,
        decision: Decision,
        reason: &str,
        by: i64,
        audit: &Entry,
    ) -> Result<PrivacyKind, DbError> {
        let at = crate::now().0;
        let list = crate::persons::id_list(group);
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let found: Option<(i64, String, Option<String>)> =
                    sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT person_id, kind, decision FROM person_privacy
                         WHERE id = $1 AND person_id IN ({list})"
                    )))
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some((person, kind, _)) = found else {
                    return Err(DbError::NotFound);
                };
                let kind = PrivacyKind::parse(&kind)
                    .filter(|k| k.is_request())
                    .ok_or(DbError::NotFound)?;
                let decided = sqlx::query(
                    "UPDATE person_privacy SET decision = $2, decision_reason = $3,
                        decided_by = $4, decided_at = $5
                     WHERE id = $1 AND decision IS NULL",
                )
                .bind(id)
                .bind(decision.code())
                .bind(reason)
                .bind(by)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                if decided.rows_affected() == 0 {
                    return Err(DbError::Conflict);
                }
                if decision == Decision::Accolta {
                    if kind == PrivacyKind::Cancellazione {
                        anonymise!(tx, person, at).await?;
                    } else {
                        sqlx::query(
                            "UPDATE persons SET restricted_at = $2, updated_at = $2,
                                version = version + 1
                             WHERE id = $1 AND restricted_at IS NULL",
                        )
                        .bind(person)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                let mut entry = audit.clone().record("person", person);
                entry.section = "privacy".into();
                entry.reason = format!("privacy={id} decision={}", decision.code());
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<PrivacyKind, DbError>(kind)
            }
        )
    }
}
