//! The historical import: reports from the spreadsheets kept before Presidio, added in one
//! transaction (all or nothing), each once.

use std::collections::{BTreeMap, HashSet};

use presidio_domain::audit::Entry;
use presidio_domain::reference::AmbitoId;
use presidio_domain::report::historical::HistoricalReport;
use presidio_domain::report::protocol_code;
use presidio_domain::report::triage::NotPertinentReason;

use crate::audit::append;
use crate::{Backend, Db, DbError, dispatch, now};

/// Inside `tx`: adds one historical report (closed, with its triage and its persons).
/// Evaluates to `Result<(), sqlx::Error>`.
macro_rules! insert_one {
    ($tx:expr, $r:expr, $ambito:expr, ($year:expr, $number:expr, $code:expr), $rationale:expr, $actor:expr, $at:expr) => {
        async {
            let reason = $r.not_pertinent_reason.map(NotPertinentReason::code);
            let (year, number): (i16, i64) = ($year, $number);
            let protected = $r.target_group.is_protected();
            let (day, band) = crate::stats::arrival($r.received_at);
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO reports (ambito_id, year, number, code, received_at, channel,
                    reporter_kind, municipality, target_group, description, protected,
                    status, status_at, outcome, not_pertinent_reason, triaged_at,
                    created_by, created_at, updated_at, import_key, received_day, time_band)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'closed', $5, $12,
                    $13, $5, $14, $15, $15, $16, $17, $18) RETURNING id",
            )
            .bind($ambito.0)
            .bind(i64::from(year))
            .bind(number)
            .bind(&$code)
            .bind($r.received_at.0)
            .bind($r.channel.code())
            .bind($r.reporter_kind.code())
            .bind($r.municipality.as_str())
            .bind($r.target_group.code())
            .bind(&$r.description)
            .bind(i64::from(protected))
            .bind($r.outcome.code())
            .bind(reason)
            .bind($actor)
            .bind($at)
            .bind(&$r.key)
            .bind(&day)
            .bind(band)
            .fetch_one(&mut *$tx)
            .await?;
            for position in 0..$r.persons {
                sqlx::query(
                    "INSERT INTO report_persons (report_id, position, role, sex)
                     VALUES ($1, $2, 'beneficiario', 'X')",
                )
                .bind(id)
                .bind(i64::from(position))
                .execute(&mut *$tx)
                .await?;
            }
            sqlx::query(
                "INSERT INTO triages (report_id, at, actor_id, outcome,
                    not_pertinent_reason, rationale) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind($r.received_at.0)
            .bind($actor)
            .bind($r.outcome.code())
            .bind(reason)
            .bind($rationale)
            .execute(&mut *$tx)
            .await?;
            sqlx::query(
                "INSERT INTO report_events (report_id, at, actor_id, status_from,
                    status_to, note) VALUES ($1, $2, $3, NULL, 'closed', $4)",
            )
            .bind(id)
            .bind($at)
            .bind($actor)
            .bind($rationale)
            .execute(&mut *$tx)
            .await?;
            Ok::<(), sqlx::Error>(())
        }
    };
}

impl Db {
    /// Adds the reports not imported before (by their key), each in the Ambito of its
    /// municipality, closed, with its triage; returns (added, already there). With `dry_run`,
    /// counts without writing.
    pub async fn import_historical(
        &self,
        rows: &[(HistoricalReport, AmbitoId)],
        rationale: &str,
        dry_run: bool,
        audit: &Entry,
    ) -> Result<(usize, usize), DbError> {
        let at = now().0;
        // On PostgreSQL the running totals of a large import are counted once at the end: row
        // by row, one long transaction would pile up versions of the same few totals.
        let bulk = self.backend() == Backend::Postgres;
        Ok(dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                // The rows not there yet (a row repeated in the file counts once).
                let mut fresh = Vec::new();
                let mut keys = HashSet::new();
                for (r, ambito) in rows {
                    let seen: Option<(i64,)> =
                        sqlx::query_as("SELECT id FROM reports WHERE import_key = $1")
                            .bind(&r.key)
                            .fetch_optional(&mut *tx)
                            .await?;
                    if seen.is_none() && keys.insert(r.key.as_str()) {
                        fresh.push((r, *ambito, r.received_at.in_rome().year()));
                    }
                }
                let (added, known) = (fresh.len(), rows.len() - fresh.len());
                if dry_run || added == 0 {
                    return Ok((added, known));
                }
                if bulk {
                    sqlx::query("SET LOCAL presidio.bulk_tallies = 'on'")
                        .execute(&mut *tx)
                        .await?;
                }
                // Protocol numbers are taken a block per Ambito and year, each counter
                // moved once.
                let mut blocks: BTreeMap<(i64, i16), i64> = BTreeMap::new();
                for (_, ambito, year) in &fresh {
                    *blocks.entry((ambito.0, *year)).or_default() += 1;
                }
                let mut next = BTreeMap::new();
                let prefixes: BTreeMap<i64, String> =
                    sqlx::query_as::<_, (i64, String)>("SELECT id, report_prefix FROM ambiti")
                        .fetch_all(&mut *tx)
                        .await?
                        .into_iter()
                        .collect();
                for ((ambito, year), count) in blocks {
                    let (last,): (i64,) = sqlx::query_as(
                        "INSERT INTO report_counters (ambito_id, year, last) VALUES ($1, $2, $3)
                         ON CONFLICT (ambito_id, year)
                         DO UPDATE SET last = report_counters.last + EXCLUDED.last
                         RETURNING last",
                    )
                    .bind(ambito)
                    .bind(i64::from(year))
                    .bind(count)
                    .fetch_one(&mut *tx)
                    .await?;
                    next.insert((ambito, year), last - count + 1);
                }
                for (r, ambito, year) in fresh {
                    let slot = next
                        .get_mut(&(ambito.0, year))
                        .expect("a block was taken for every Ambito and year");
                    let number = *slot;
                    *slot += 1;
                    let code = protocol_code(&prefixes[&ambito.0], year, number);
                    insert_one!(
                        tx,
                        r,
                        ambito,
                        (year, number, code),
                        rationale,
                        audit.actor_id,
                        at
                    )
                    .await?;
                }
                if bulk {
                    // PostgreSQL: the totals of the rows this transaction added, counted once
                    // (see migration 0024).
                    sqlx::query(
                        "INSERT INTO report_tallies AS t (ambito_id, day, dimension, value, n)
                         SELECT r.ambito_id, r.received_day, v.dimension, v.value, COUNT(*)
                         FROM reports r CROSS JOIN LATERAL report_tally_rows(r) v
                         WHERE r.xmin = pg_current_xact_id()::xid
                         GROUP BY r.ambito_id, r.received_day, v.dimension, v.value
                         ON CONFLICT (ambito_id, day, dimension, value)
                         DO UPDATE SET n = t.n + EXCLUDED.n",
                    )
                    .execute(&mut *tx)
                    .await?;
                }
                let entry = audit
                    .clone()
                    .reason(&format!("historical import: {added} added, {known} known"));
                append!(tx, &entry).await?;
                tx.commit().await?;
                if bulk {
                    // Fresh statistics, or the planner keeps taking the tables for empty.
                    sqlx::query("ANALYZE reports, report_tallies")
                        .execute(pool)
                        .await?;
                }
                Ok::<(usize, usize), sqlx::Error>((added, known))
            }
        )?)
    }
}
