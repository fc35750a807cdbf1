//! Aggregates for planning: counted in the database, never a row per person.

use presidio_domain::reference::AmbitoId;
use presidio_domain::report::TargetGroup;
use presidio_domain::report::triage::{NotPertinentReason, Outcome};
use presidio_domain::stats::activity::Counted;
use presidio_domain::time::UtcMillis;

use crate::{Db, DbError, dispatch};

impl Db {
    /// The reports of these Ambiti received in `[from, to)`, grouped by what the activity
    /// report counts, with how many of each.
    pub async fn activity_counts(
        &self,
        ambiti: &[AmbitoId],
        from: UtcMillis,
        to: UtcMillis,
    ) -> Result<Vec<(Counted, u64)>, DbError> {
        if ambiti.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT outcome, not_pertinent_reason, target_group, COUNT(*) FROM reports
             WHERE ambito_id IN ({}) AND received_at >= $1 AND received_at < $2
             GROUP BY outcome, not_pertinent_reason, target_group",
            crate::ambito_list(ambiti)
        );
        let rows: Vec<(Option<String>, Option<String>, String, i64)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(from.0)
                    .bind(to.0)
                    .fetch_all(pool)
                    .await
            }
        )?;
        rows.into_iter()
            .map(|(outcome, reason, group, n)| {
                Ok((
                    Counted {
                        outcome: outcome.as_deref().and_then(Outcome::parse),
                        not_pertinent_reason: reason.as_deref().and_then(NotPertinentReason::parse),
                        target_group: TargetGroup::parse(&group)
                            .ok_or(DbError::Corrupt("reports.target_group"))?,
                    },
                    u64::try_from(n).unwrap_or(0),
                ))
            })
            .collect()
    }
}
