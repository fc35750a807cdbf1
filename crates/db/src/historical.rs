//! The historical import: reports from the spreadsheets kept before Presidio, added in one
//! transaction (all or nothing), each once.

use presidio_domain::audit::Entry;
use presidio_domain::reference::AmbitoId;
use presidio_domain::report::historical::HistoricalReport;
use presidio_domain::report::protocol_code;
use presidio_domain::report::triage::NotPertinentReason;

use crate::audit::append;
use crate::{Db, DbError, dispatch, now};

/// Inside `tx`: adds one historical report (closed, with its triage and its persons).
/// Evaluates to `Result<(), sqlx::Error>`.
macro_rules! insert_one {
    ($tx:expr, $r:expr, $ambito:expr, $rationale:expr, $actor:expr, $at:expr) => {
        async {
            let reason = $r.not_pertinent_reason.map(NotPertinentReason::code);
            let year = $r.received_at.in_rome().year();
            let (number,): (i64,) = sqlx::query_as(
                "INSERT INTO report_counters (ambito_id, year, last) VALUES ($1, $2, 1)
                 ON CONFLICT (ambito_id, year) DO UPDATE SET last = report_counters.last + 1
                 RETURNING last",
            )
            .bind($ambito.0)
            .bind(i64::from(year))
            .fetch_one(&mut *$tx)
            .await?;
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
            .bind(protocol_code(year, number))
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
        Ok(dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let (mut added, mut known) = (0, 0);
                for (r, ambito) in rows {
                    let seen: Option<(i64,)> =
                        sqlx::query_as("SELECT id FROM reports WHERE import_key = $1")
                            .bind(&r.key)
                            .fetch_optional(&mut *tx)
                            .await?;
                    if seen.is_some() {
                        known += 1;
                        continue;
                    }
                    added += 1;
                    if dry_run {
                        continue;
                    }
                    insert_one!(tx, r, ambito, rationale, audit.actor_id, at).await?;
                }
                if !dry_run && added > 0 {
                    let entry = audit
                        .clone()
                        .reason(&format!("historical import: {added} added, {known} known"));
                    append!(tx, &entry).await?;
                    tx.commit().await?;
                }
                Ok::<(usize, usize), sqlx::Error>((added, known))
            }
        )?)
    }
}
