//! The audit trail: appends chained entries and reads them back for search and verification.
//!
//! An append takes the lock on the single `audit_head` row (`UPDATE … RETURNING`), so the chain
//! has one writer at a time on both backends. Writes of personal data append their entry inside
//! their own transaction with [`append!`], so a change is never stored without its entry.

use presidio_domain::audit::{Broken, Entry, Stored, Verifier};
use presidio_domain::time::UtcMillis;

use crate::{Db, DbError, dispatch};

/// Appends `entry` inside the open transaction `tx`; evaluates to `Result<i64, sqlx::Error>`,
/// the entry's sequence number.
macro_rules! append {
    ($tx:expr, $entry:expr) => {
        async {
            let entry: &presidio_domain::audit::Entry = $entry;
            let (seq, prev): (i64, String) = sqlx::query_as(
                "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash",
            )
            .fetch_one(&mut *$tx)
            .await?;
            let hash = presidio_domain::audit::chain_hash(&prev, seq, entry);
            sqlx::query(
                "INSERT INTO audit_log (seq, at, actor_id, actor, organisation, role, action,
                    record_type, record_id, section, reason, client_ip, prev_hash, hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            )
            .bind(seq)
            .bind(entry.at.0)
            .bind(entry.actor_id)
            .bind(&entry.actor)
            .bind(&entry.organisation)
            .bind(&entry.role)
            .bind(&entry.action)
            .bind(&entry.record_type)
            .bind(&entry.record_id)
            .bind(&entry.section)
            .bind(&entry.reason)
            .bind(&entry.client_ip)
            .bind(&prev)
            .bind(&hash)
            .execute(&mut *$tx)
            .await?;
            sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
                .bind(&hash)
                .execute(&mut *$tx)
                .await?;
            Ok::<i64, sqlx::Error>(seq)
        }
    };
}
pub(crate) use append;

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    seq: i64,
    at: i64,
    actor_id: Option<i64>,
    actor: String,
    organisation: String,
    role: String,
    action: String,
    record_type: String,
    record_id: String,
    section: String,
    reason: String,
    client_ip: String,
    prev_hash: String,
    hash: String,
}

impl From<AuditRow> for Stored {
    fn from(r: AuditRow) -> Self {
        Stored {
            seq: r.seq,
            prev_hash: r.prev_hash,
            hash: r.hash,
            entry: Entry {
                at: UtcMillis(r.at),
                actor_id: r.actor_id,
                actor: r.actor,
                organisation: r.organisation,
                role: r.role,
                action: r.action,
                record_type: r.record_type,
                record_id: r.record_id,
                section: r.section,
                reason: r.reason,
                client_ip: r.client_ip,
            },
        }
    }
}

pub(crate) const COLUMNS: &str =
    "seq, at, actor_id, actor, organisation, role, action, record_type,
    record_id, section, reason, client_ip, prev_hash, hash";

/// What to look for in the audit trail; empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: String,
    pub action: String,
    pub record_type: String,
    pub record_id: String,
    pub from: Option<UtcMillis>,
    pub to: Option<UtcMillis>,
    /// Only entries numbered below this (for paging backwards); none for the newest.
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// How many entries verification reads at a time.
const VERIFY_BATCH: i64 = 5_000;

impl Db {
    /// Appends one entry in a transaction of its own; returns its number.
    pub async fn audit(&self, entry: &Entry) -> Result<i64, DbError> {
        let seq = dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let seq = append!(tx, entry).await?;
                tx.commit().await?;
                Ok::<i64, sqlx::Error>(seq)
            }
        )?;
        Ok(seq)
    }

    /// Removes the entries older than `before` from the start of the chain (retention), moving
    /// the chain's anchor past them, and appends an entry saying so, in one transaction.
    /// Returns how many entries were removed.
    pub async fn purge_audit(&self, before: UtcMillis, audit: &Entry) -> Result<u64, DbError> {
        let removed = dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let (head, first_seq): (i64, i64) =
                    sqlx::query_as("SELECT seq, first_seq FROM audit_head WHERE id = 1")
                        .fetch_one(&mut *tx)
                        .await?;
                let (keep_from,): (Option<i64>,) =
                    sqlx::query_as("SELECT MIN(seq) FROM audit_log WHERE at >= $1")
                        .bind(before.0)
                        .fetch_one(&mut *tx)
                        .await?;
                let keep_from = keep_from.unwrap_or(head + 1);
                if keep_from <= first_seq {
                    return Ok(0);
                }
                let (prev,): (String,) =
                    sqlx::query_as("SELECT hash FROM audit_log WHERE seq = $1")
                        .bind(keep_from - 1)
                        .fetch_one(&mut *tx)
                        .await?;
                let (removed,): (i64,) =
                    sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE seq >= $1 AND seq < $2")
                        .bind(first_seq)
                        .bind(keep_from)
                        .fetch_one(&mut *tx)
                        .await?;
                // The purge's own entry comes first: the database lets the chain's start move
                // only right after one (migration 0028).
                let entry = audit.clone().reason(&format!(
                    "before={} removed={removed} first_seq={keep_from}",
                    before.0
                ));
                append!(tx, &entry).await?;
                sqlx::query("UPDATE audit_head SET first_seq = $1, first_prev = $2 WHERE id = 1")
                    .bind(keep_from)
                    .bind(&prev)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM audit_log WHERE seq < $1")
                    .bind(keep_from)
                    .execute(&mut *tx)
                    .await?;
                let removed = u64::try_from(removed).unwrap_or(0);
                tx.commit().await?;
                Ok::<u64, sqlx::Error>(removed)
            }
        )?;
        Ok(removed)
    }

    /// The newest entries matching `filter`, newest first.
    pub async fn audit_search(&self, filter: &AuditFilter) -> Result<Vec<Stored>, DbError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM audit_log
             WHERE ($1 = '' OR actor = $1) AND ($2 = '' OR action = $2)
               AND ($3 = '' OR record_type = $3) AND ($4 = '' OR record_id = $4)
               AND at >= $5 AND at < $6 AND seq < $7
             ORDER BY seq DESC LIMIT $8"
        );
        let rows: Vec<AuditRow> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(&filter.actor)
                    .bind(&filter.action)
                    .bind(&filter.record_type)
                    .bind(&filter.record_id)
                    .bind(filter.from.map_or(i64::MIN, |t| t.0))
                    .bind(filter.to.map_or(i64::MAX, |t| t.0))
                    .bind(filter.before_seq.unwrap_or(i64::MAX))
                    .bind(filter.limit.clamp(1, 1000))
                    .fetch_all(pool)
                    .await
            }
        )?;
        Ok(rows.into_iter().map(Stored::from).collect())
    }

    /// The chain's head as it is now, to be kept outside the database.
    pub async fn audit_anchor(
        &self,
        at: UtcMillis,
    ) -> Result<presidio_domain::audit::Anchor, DbError> {
        let (seq, hash, first_seq): (i64, String, i64) = dispatch!(
            self,
            read | pool | {
                sqlx::query_as("SELECT seq, hash, first_seq FROM audit_head WHERE id = 1")
                    .fetch_one(pool)
                    .await
            }
        )?;
        Ok(presidio_domain::audit::Anchor {
            seq,
            hash,
            at: at.0,
            first_seq,
        })
    }

    /// Compares each anchor with the chain; the anchors that do not hold, with what the chain
    /// says of each, in their order.
    pub async fn audit_check_anchors(
        &self,
        anchors: &[presidio_domain::audit::Anchor],
    ) -> Result<
        Vec<(
            presidio_domain::audit::Anchor,
            presidio_domain::audit::AnchorCheck,
        )>,
        DbError,
    > {
        use presidio_domain::audit::AnchorCheck;
        let (head, first_seq): (i64, i64) = dispatch!(
            self,
            read | pool | {
                sqlx::query_as("SELECT seq, first_seq FROM audit_head WHERE id = 1")
                    .fetch_one(pool)
                    .await
            }
        )?;
        let mut out = Vec::new();
        for anchor in anchors {
            let stored: Option<(String,)> = dispatch!(
                self,
                read | pool | {
                    sqlx::query_as("SELECT hash FROM audit_log WHERE seq = $1")
                        .bind(anchor.seq)
                        .fetch_optional(pool)
                        .await
                }
            )?;
            let check = anchor.check(first_seq, head, stored.as_ref().map(|(h,)| h.as_str()));
            if check != AnchorCheck::Held {
                out.push((anchor.clone(), check));
            }
        }
        Ok(out)
    }

    /// Follows the whole chain. The outer error is the database's; the inner one names the first
    /// entry that was changed, removed or moved.
    pub async fn audit_verify(&self) -> Result<Result<u64, Broken>, DbError> {
        let (head, first_seq, first_prev): (i64, i64, String) = dispatch!(
            self,
            read | pool | {
                sqlx::query_as("SELECT seq, first_seq, first_prev FROM audit_head WHERE id = 1")
                    .fetch_one(pool)
                    .await
            }
        )?;
        let mut verifier = Verifier::starting_at(first_seq, &first_prev);
        let mut after = i64::MIN;
        loop {
            let sql =
                format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
            let rows: Vec<AuditRow> = dispatch!(
                self,
                read | pool | {
                    sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(after)
                        .bind(VERIFY_BATCH)
                        .fetch_all(pool)
                        .await
                }
            )?;
            let Some(last) = rows.last() else { break };
            after = last.seq;
            for row in rows {
                if let Err(broken) = verifier.push(&Stored::from(row)) {
                    return Ok(Err(broken));
                }
            }
        }
        Ok(verifier.finish(head))
    }
}

/// Appends entries of many concurrent requests in shared transactions (group commit): each
/// caller still waits until its entry is committed, so nothing is acknowledged before it is
/// durable, but one disk flush serves a whole batch.
#[derive(Clone, Debug)]
pub struct AuditBatcher {
    queue: tokio::sync::mpsc::Sender<(Entry, tokio::sync::oneshot::Sender<Result<i64, String>>)>,
}

/// The most entries one transaction takes.
const BATCH: usize = 256;

impl AuditBatcher {
    /// Starts the writer task on the current runtime.
    pub fn start(db: Db) -> Self {
        let (queue, mut rx) = tokio::sync::mpsc::channel::<(
            Entry,
            tokio::sync::oneshot::Sender<Result<i64, String>>,
        )>(4096);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while batch.len() < BATCH {
                    match rx.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                let entries: Vec<&Entry> = batch.iter().map(|(e, _)| e).collect();
                match db.audit_all(&entries).await {
                    Ok(seqs) => {
                        for ((_, reply), seq) in batch.into_iter().zip(seqs) {
                            let _ = reply.send(Ok(seq));
                        }
                    }
                    Err(err) => {
                        let message = err.to_string();
                        for (_, reply) in batch {
                            let _ = reply.send(Err(message.clone()));
                        }
                    }
                }
            }
        });
        Self { queue }
    }

    /// Appends `entry` and returns its number once it is committed.
    pub async fn append(&self, entry: Entry) -> Result<i64, DbError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.queue
            .send((entry, reply))
            .await
            .map_err(|_| DbError::Io("audit writer stopped".into()))?;
        answer
            .await
            .map_err(|_| DbError::Io("audit writer stopped".into()))?
            .map_err(DbError::Io)
    }
}

/// Rows per INSERT of a batch (14 parameters each, well under every backend's limit).
const ROWS_PER_INSERT: usize = 64;

impl Db {
    /// Appends several entries in one transaction, in order; returns their numbers. The chain
    /// head moves once for the whole batch and the rows go in multi-row inserts.
    pub async fn audit_all(&self, entries: &[&Entry]) -> Result<Vec<i64>, DbError> {
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let count = i64::try_from(entries.len()).map_err(|_| DbError::Corrupt("audit batch"))?;
        let seqs = dispatch!(
            self,
            write
                | pool
                | {
                    let mut tx = pool.begin().await?;
                    let (last, mut prev): (i64, String) = sqlx::query_as(
                        "UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash",
                    )
                    .bind(count)
                    .fetch_one(&mut *tx)
                    .await?;
                    let first = last - count + 1;
                    let mut rows = Vec::with_capacity(entries.len());
                    for (seq, entry) in (first..).zip(entries.iter()) {
                        let hash = presidio_domain::audit::chain_hash(&prev, seq, entry);
                        rows.push((
                            seq,
                            *entry,
                            std::mem::replace(&mut prev, hash.clone()),
                            hash,
                        ));
                    }
                    for chunk in rows.chunks(ROWS_PER_INSERT) {
                        let values = (0..chunk.len())
                        .map(|i| {
                            let p = i * 14;
                            format!(
                                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                                p + 1, p + 2, p + 3, p + 4, p + 5, p + 6, p + 7,
                                p + 8, p + 9, p + 10, p + 11, p + 12, p + 13, p + 14
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                        let sql = format!(
                            "INSERT INTO audit_log (seq, at, actor_id, actor, organisation, role,
                            action, record_type, record_id, section, reason, client_ip,
                            prev_hash, hash) VALUES {values}"
                        );
                        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                        for (seq, entry, prev_hash, hash) in chunk {
                            q = q
                                .bind(*seq)
                                .bind(entry.at.0)
                                .bind(entry.actor_id)
                                .bind(&entry.actor)
                                .bind(&entry.organisation)
                                .bind(&entry.role)
                                .bind(&entry.action)
                                .bind(&entry.record_type)
                                .bind(&entry.record_id)
                                .bind(&entry.section)
                                .bind(&entry.reason)
                                .bind(&entry.client_ip)
                                .bind(prev_hash)
                                .bind(hash);
                        }
                        q.execute(&mut *tx).await?;
                    }
                    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
                        .bind(&prev)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok::<Vec<i64>, sqlx::Error>((first..=last).collect())
                }
        )?;
        Ok(seqs)
    }
}
