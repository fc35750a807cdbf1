//! The right of access (GDPR art. 15): the reports in which a person appears, and who read or
//! changed them, from the audit trail.

use presidio_domain::audit::Stored;
use presidio_domain::reference::AmbitoId;

use crate::audit::{AuditRow, COLUMNS};
use crate::{Db, DbError, dispatch};

/// How to find a person: by fiscal code (exact) or by a part of the name or alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonQuery {
    FiscalCode(String),
    Name(String),
}

/// A person found in a report.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PersonMatch {
    pub report_id: i64,
    pub code: String,
    pub received_at: i64,
    pub role: String,
    pub name: Option<String>,
    pub alias: Option<String>,
    pub fiscal_code: Option<String>,
    /// The person record the report's person is attached to.
    pub person_id: Option<i64>,
}

/// At most this many people are listed for one search; a wider search should be narrowed.
pub const PERSON_MATCHES: i64 = 100;

/// `%`, `_` and `\` stand for themselves in a LIKE pattern escaped with `\`.
fn like_pattern(part: &str) -> String {
    let mut out = String::from("%");
    for c in part.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

impl Db {
    /// The people matching `query` in the reports of these Ambiti, newest report first.
    pub async fn persons_matching(
        &self,
        ambiti: &[AmbitoId],
        query: &PersonQuery,
    ) -> Result<Vec<PersonMatch>, DbError> {
        if ambiti.is_empty() {
            return Ok(Vec::new());
        }
        let (condition, value) = match query {
            PersonQuery::FiscalCode(code) => ("upper(p.fiscal_code) = $1", code.to_uppercase()),
            PersonQuery::Name(part) => (
                "(lower(p.name) LIKE $1 ESCAPE '\\' OR lower(p.alias) LIKE $1 ESCAPE '\\')",
                like_pattern(part),
            ),
        };
        let sql = format!(
            "SELECT r.id AS report_id, r.code, r.received_at, p.role, p.name, p.alias,
                    p.fiscal_code, p.person_id
             FROM report_persons p JOIN reports r ON r.id = p.report_id
             WHERE r.ambito_id IN ({}) AND {condition}
             ORDER BY r.received_at DESC, p.position LIMIT $2",
            crate::ambito_list(ambiti)
        );
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(&value)
                    .bind(PERSON_MATCHES)
                    .fetch_all(pool)
                    .await
            }
        )?)
    }

    /// Every audit entry about these reports (reads, writes, break-glass), newest first.
    pub async fn report_accesses(
        &self,
        report_ids: &[i64],
        limit: i64,
    ) -> Result<Vec<Stored>, DbError> {
        if report_ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids = report_ids
            .iter()
            .map(|id| format!("'{id}'"))
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT {COLUMNS} FROM audit_log
             WHERE record_type = 'report' AND record_id IN ({ids})
             ORDER BY seq DESC LIMIT $1"
        );
        let rows: Vec<AuditRow> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(limit.clamp(1, 5000))
                    .fetch_all(pool)
                    .await
            }
        )?;
        Ok(rows.into_iter().map(Stored::from).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("Rossi"), "%rossi%");
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }
}
