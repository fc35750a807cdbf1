//! Protocols and agreements of the network: saved with their parties and municipalities,
//! renewed (the history kept), their signed documents, and the expiry reminders claimed once.
//! Every change is one transaction with its audit entry.

use presidio_domain::audit::Entry;
use presidio_domain::protocol::Protocol;
use presidio_domain::reference::AmbitoId;

use crate::audit::append;
use crate::outbox::{Notice, enqueue};
use crate::{Db, DbError, dispatch, now};

/// A protocol as stored, with its parties, municipalities, renewals and documents (without
/// their content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredProtocol {
    pub id: i64,
    pub ambito_id: i64,
    pub title: String,
    pub kind: String,
    pub target_groups: String,
    pub procedures: String,
    pub signed_on: String,
    pub valid_until: String,
    pub summary: Option<String>,
    pub version: i64,
    /// (organisation id, name).
    pub parties: Vec<(i64, String)>,
    pub municipalities: Vec<String>,
    /// (previous last day, new last day, when).
    pub renewals: Vec<(String, String, i64)>,
    pub documents: Vec<StoredDocument>,
}

/// A signed document as listed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredDocument {
    pub id: i64,
    pub protocol_id: i64,
    pub name: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    ambito_id: i64,
    title: String,
    kind: String,
    target_groups: String,
    procedures: String,
    signed_on: String,
    valid_until: String,
    summary: Option<String>,
    version: i64,
}

/// A protocol whose expiry reminder may be due.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ToRemind {
    pub id: i64,
    pub ambito_id: i64,
    pub title: String,
    pub valid_until: String,
    pub reminded_60_at: Option<i64>,
    pub reminded_30_at: Option<i64>,
}

/// What the protocols of an Ambito hold besides their rows.
struct Lines {
    parties: Vec<(i64, i64, String)>,
    places: Vec<(i64, String)>,
    renewals: Vec<(i64, String, String, i64)>,
    documents: Vec<StoredDocument>,
}

fn joined(list: &[presidio_domain::report::TargetGroup]) -> String {
    list.iter().map(|g| g.code()).collect::<Vec<_>>().join(",")
}

/// Keeps the renewal (when the last day changed) and replaces the parties and municipalities of
/// protocol `$id` with those of `$p`, inside transaction `$tx` (of either backend).
macro_rules! replace_protocol_lines {
    ($tx:ident, $id:expr, $p:expr, $renewed:expr, $until:expr, $by:expr, $at:expr) => {{
        if let Some(previous) = &$renewed {
            sqlx::query(
                "INSERT INTO protocol_renewals (protocol_id, previous_until, valid_until,
                renewed_by, renewed_at)
             VALUES ($1, $2, $3, $4, $5)",
            )
            .bind($id)
            .bind(previous)
            .bind(&$until)
            .bind($by)
            .bind($at)
            .execute(&mut *$tx)
            .await?;
        }
        sqlx::query("DELETE FROM protocol_parties WHERE protocol_id = $1")
            .bind($id)
            .execute(&mut *$tx)
            .await?;
        sqlx::query("DELETE FROM protocol_municipalities WHERE protocol_id = $1")
            .bind($id)
            .execute(&mut *$tx)
            .await?;
        for party in &$p.parties {
            sqlx::query(
                "INSERT INTO protocol_parties (protocol_id, organisation_id)
             VALUES ($1, $2)",
            )
            .bind($id)
            .bind(party)
            .execute(&mut *$tx)
            .await?;
        }
        for code in &$p.municipalities {
            sqlx::query(
                "INSERT INTO protocol_municipalities (protocol_id, istat_code)
             VALUES ($1, $2)",
            )
            .bind($id)
            .bind(code)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}

impl Db {
    /// The protocols of `ambito` (or, with `id`, that one only), soonest to end first.
    pub async fn protocols(
        &self,
        ambito: AmbitoId,
        id: Option<i64>,
    ) -> Result<Vec<StoredProtocol>, DbError> {
        let rows: Vec<Row> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT id, ambito_id, title, kind, target_groups, procedures, signed_on,
                        valid_until, summary, version
                     FROM protocols WHERE ambito_id = $1 AND ($2 IS NULL OR id = $2)
                     ORDER BY valid_until, id",
                )
                .bind(ambito.0)
                .bind(id)
                .fetch_all(pool)
                .await
            }
        )?;
        let lines = self.protocol_lines(ambito).await?;
        Ok(rows
            .into_iter()
            .map(|r| StoredProtocol {
                parties: lines
                    .parties
                    .iter()
                    .filter(|(p, _, _)| *p == r.id)
                    .map(|(_, o, n)| (*o, n.clone()))
                    .collect(),
                municipalities: lines
                    .places
                    .iter()
                    .filter(|(p, _)| *p == r.id)
                    .map(|(_, c)| c.clone())
                    .collect(),
                renewals: lines
                    .renewals
                    .iter()
                    .filter(|(p, ..)| *p == r.id)
                    .map(|(_, a, b, at)| (a.clone(), b.clone(), *at))
                    .collect(),
                documents: lines
                    .documents
                    .iter()
                    .filter(|d| d.protocol_id == r.id)
                    .cloned()
                    .collect(),
                id: r.id,
                ambito_id: r.ambito_id,
                title: r.title,
                kind: r.kind,
                target_groups: r.target_groups,
                procedures: r.procedures,
                signed_on: r.signed_on,
                valid_until: r.valid_until,
                summary: r.summary,
                version: r.version,
            })
            .collect())
    }

    /// The parties, municipalities, renewals and documents of the protocols of `ambito`.
    async fn protocol_lines(&self, ambito: AmbitoId) -> Result<Lines, DbError> {
        let parties: Vec<(i64, i64, String)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT p.protocol_id, o.id, o.name FROM protocol_parties p
                     JOIN organisations o ON o.id = p.organisation_id
                     JOIN protocols x ON x.id = p.protocol_id
                     WHERE x.ambito_id = $1 ORDER BY o.name",
                )
                .bind(ambito.0)
                .fetch_all(pool)
                .await
            }
        )?;
        let places: Vec<(i64, String)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT m.protocol_id, m.istat_code FROM protocol_municipalities m
                     JOIN protocols x ON x.id = m.protocol_id
                     WHERE x.ambito_id = $1 ORDER BY m.istat_code",
                )
                .bind(ambito.0)
                .fetch_all(pool)
                .await
            }
        )?;
        let renewals: Vec<(i64, String, String, i64)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT r.protocol_id, r.previous_until, r.valid_until, r.renewed_at
                     FROM protocol_renewals r JOIN protocols x ON x.id = r.protocol_id
                     WHERE x.ambito_id = $1 ORDER BY r.id",
                )
                .bind(ambito.0)
                .fetch_all(pool)
                .await
            }
        )?;
        let documents: Vec<StoredDocument> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT d.id, d.protocol_id, d.name, d.size, d.sha256, d.uploaded_at
                     FROM protocol_documents d JOIN protocols x ON x.id = d.protocol_id
                     WHERE x.ambito_id = $1 ORDER BY d.id",
                )
                .bind(ambito.0)
                .fetch_all(pool)
                .await
            }
        )?;
        Ok(Lines {
            parties,
            places,
            renewals,
            documents,
        })
    }

    /// The Ambito of protocol `id`.
    pub async fn protocol_ambito(&self, id: i64) -> Result<AmbitoId, DbError> {
        let found: Option<(i64,)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as("SELECT ambito_id FROM protocols WHERE id = $1")
                    .bind(id)
                    .fetch_optional(pool)
                    .await
            }
        )?;
        found.map(|(a,)| AmbitoId(a)).ok_or(DbError::NotFound)
    }

    /// Saves a new protocol of `ambito`, or protocol `id` still at `version` (`Conflict`
    /// otherwise; a changed last day is a renewal, kept in the history, and its reminders start
    /// again), with its audit entry.
    pub async fn save_protocol(
        &self,
        ambito: AmbitoId,
        target: Option<(i64, i64)>,
        p: &Protocol,
        by: i64,
        audit: &Entry,
    ) -> Result<i64, DbError> {
        let at = now().0;
        let until = p.valid_until.to_string();
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let (id, renewed_from) = match target {
                    None => {
                        let (id,): (i64,) = sqlx::query_as(
                            "INSERT INTO protocols (ambito_id, title, kind, target_groups,
                                procedures, signed_on, valid_until, summary, created_at,
                                updated_at)
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
                        )
                        .bind(ambito.0)
                        .bind(&p.title)
                        .bind(p.kind.code())
                        .bind(joined(&p.target_groups))
                        .bind(joined(&p.procedures))
                        .bind(p.signed_on.to_string())
                        .bind(&until)
                        .bind(p.summary.as_deref())
                        .bind(at)
                        .fetch_one(&mut *tx)
                        .await?;
                        (id, None)
                    }
                    Some((id, version)) => {
                        let before: Option<(String,)> = sqlx::query_as(
                            "SELECT valid_until FROM protocols
                             WHERE id = $1 AND version = $2 AND ambito_id = $3",
                        )
                        .bind(id)
                        .bind(version)
                        .bind(ambito.0)
                        .fetch_optional(&mut *tx)
                        .await?;
                        let Some((previous,)) = before else {
                            return Err(DbError::Conflict);
                        };
                        let done = sqlx::query(
                            "UPDATE protocols SET title = $3, kind = $4, target_groups = $5,
                                procedures = $6, signed_on = $7, valid_until = $8, summary = $9,
                                reminded_60_at = CASE WHEN valid_until = $8 THEN reminded_60_at END,
                                reminded_30_at = CASE WHEN valid_until = $8 THEN reminded_30_at END,
                                version = version + 1, updated_at = $10
                             WHERE id = $1 AND version = $2",
                        )
                        .bind(id)
                        .bind(version)
                        .bind(&p.title)
                        .bind(p.kind.code())
                        .bind(joined(&p.target_groups))
                        .bind(joined(&p.procedures))
                        .bind(p.signed_on.to_string())
                        .bind(&until)
                        .bind(p.summary.as_deref())
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                        if done.rows_affected() == 0 {
                            return Err(DbError::Conflict);
                        }
                        (id, (previous != until).then_some(previous))
                    }
                };
                replace_protocol_lines!(tx, id, p, renewed_from, until, by, at);
                let mut entry = audit.clone().record("protocol", id);
                entry.section = "network".into();
                if let Some(previous) = &renewed_from {
                    entry.reason = format!("renewed from={previous} to={until}");
                }
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<i64, DbError>(id)
            }
        )
    }

    /// Keeps a signed document of protocol `protocol` with its SHA-256, with its audit entry.
    pub async fn add_protocol_document(
        &self,
        protocol: i64,
        name: &str,
        content: &[u8],
        sha256: &str,
        by: i64,
        audit: &Entry,
    ) -> Result<i64, DbError> {
        let at = now().0;
        let size = i64::try_from(content.len()).unwrap_or(i64::MAX);
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO protocol_documents (protocol_id, name, size, sha256, content,
                        uploaded_by, uploaded_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(protocol)
                .bind(name)
                .bind(size)
                .bind(sha256)
                .bind(content)
                .bind(by)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                let mut entry = audit.clone().record("protocol", protocol);
                entry.section = "document".into();
                entry.reason = format!("document={id} sha256={sha256}");
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<i64, DbError>(id)
            }
        )
    }

    /// Document `id` of protocol `protocol`: its name and content.
    pub async fn protocol_document(
        &self,
        protocol: i64,
        id: i64,
    ) -> Result<(String, Vec<u8>), DbError> {
        dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT name, content FROM protocol_documents
                     WHERE id = $1 AND protocol_id = $2",
                )
                .bind(id)
                .bind(protocol)
                .fetch_optional(pool)
                .await?
                .ok_or(DbError::NotFound)
            }
        )
    }

    /// The protocols, of every Ambito, ending between `today` and `latest` (`AAAA-MM-GG`).
    pub async fn protocols_ending(
        &self,
        today: &str,
        latest: &str,
    ) -> Result<Vec<ToRemind>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT id, ambito_id, title, valid_until, reminded_60_at, reminded_30_at
                     FROM protocols WHERE valid_until >= $1 AND valid_until <= $2 ORDER BY id",
                )
                .bind(today)
                .bind(latest)
                .fetch_all(pool)
                .await
            }
        )?)
    }

    /// Claims the reminder at `days` (60 or 30) of protocol `id` for its last day `until`, and
    /// tells the coordinators of its Ambito with `notice`, in one transaction: true for the one
    /// caller that claims it (another instance, a renewal in between: false). The 30-day one
    /// stands for the 60-day one too. `mail` is queued in the same transaction.
    pub async fn claim_protocol_reminder(
        &self,
        id: i64,
        days: i64,
        until: &str,
        notice: &str,
        mail: &[Notice],
    ) -> Result<bool, DbError> {
        let at = now().0;
        let sql = if days <= 30 {
            "UPDATE protocols SET reminded_30_at = $3,
                reminded_60_at = COALESCE(reminded_60_at, $3)
             WHERE id = $1 AND valid_until = $2 AND reminded_30_at IS NULL
             RETURNING ambito_id"
        } else {
            "UPDATE protocols SET reminded_60_at = $3
             WHERE id = $1 AND valid_until = $2 AND reminded_60_at IS NULL
             RETURNING ambito_id"
        };
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let claimed: Option<(i64,)> = sqlx::query_as(sql)
                    .bind(id)
                    .bind(until)
                    .bind(at)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some((ambito,)) = claimed else {
                    return Ok(false);
                };
                sqlx::query(
                    "INSERT INTO notifications (ambito_id, role, kind, report_id, actor_id, text,
                        at)
                     VALUES ($1, 'coordinatore', 'protocol_expiring', NULL, NULL, $2, $3)",
                )
                .bind(ambito)
                .bind(notice)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                for n in mail {
                    enqueue!(tx, n, at).await?;
                }
                tx.commit().await?;
                Ok::<bool, DbError>(true)
            }
        )
    }
}
