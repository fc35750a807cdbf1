//! An Ambito's SIUSS settings: the body sending the flows and the prestazione of each kind.

use presidio_domain::audit::Entry;
use presidio_domain::reference::AmbitoId;
use presidio_domain::siuss::settings::{Mapping, ServiceKind, Settings};
use presidio_domain::siuss::{Body, FlowKind, flow_id};

use crate::audit::append;
use crate::{Db, DbError, dispatch};

/// The body's code, name, seat, operator and the version, as stored.
type Head = (String, String, String, String, i64);

/// An Ambito's settings as stored, with the version a change must name (0: never set).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StoredSiuss {
    pub body_code: String,
    pub body_name: String,
    pub seat: String,
    pub operator: String,
    pub mappings: Vec<Mapping>,
    pub version: i64,
}

impl Db {
    /// The SIUSS settings of `ambito` (empty at version 0 when never set).
    pub async fn siuss_settings(&self, ambito: AmbitoId) -> Result<StoredSiuss, DbError> {
        let (head, rows): (Option<Head>, Vec<(String, String, String)>) = dispatch!(
            self,
            read | pool | {
                let head = sqlx::query_as(
                    "SELECT body_code, body_name, seat, operator, version FROM siuss_settings
                     WHERE ambito_id = $1",
                )
                .bind(ambito.0)
                .fetch_optional(pool)
                .await?;
                let rows = sqlx::query_as(
                    "SELECT kind, code, name FROM siuss_mappings WHERE ambito_id = $1",
                )
                .bind(ambito.0)
                .fetch_all(pool)
                .await?;
                Ok::<_, sqlx::Error>((head, rows))
            }
        )?;
        let mut mappings: Vec<Mapping> = rows
            .into_iter()
            .filter_map(|(kind, code, name)| {
                Some(Mapping {
                    kind: ServiceKind::parse(&kind)?,
                    code,
                    name,
                })
            })
            .collect();
        mappings.sort_by_key(|m| m.kind);
        let Some((body_code, body_name, seat, operator, version)) = head else {
            return Ok(StoredSiuss::default());
        };
        Ok(StoredSiuss {
            body_code,
            body_name,
            seat,
            operator,
            mappings,
            version,
        })
    }

    /// Replaces the SIUSS settings of `ambito`, still at `version` (`Conflict` otherwise), with
    /// the audit entry; returns the new version.
    pub async fn set_siuss_settings(
        &self,
        ambito: AmbitoId,
        s: &Settings,
        version: i64,
        audit: &Entry,
    ) -> Result<i64, DbError> {
        let at = crate::now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let done = if version == 0 {
                    sqlx::query(
                        "INSERT INTO siuss_settings (ambito_id, body_code, body_name, seat,
                            operator, version, updated_at)
                         VALUES ($1, $2, $3, $4, $5, 1, $6) ON CONFLICT (ambito_id) DO NOTHING",
                    )
                    .bind(ambito.0)
                    .bind(&s.body_code)
                    .bind(&s.body_name)
                    .bind(s.seat.as_str())
                    .bind(&s.operator)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?
                } else {
                    sqlx::query(
                        "UPDATE siuss_settings SET body_code = $3, body_name = $4, seat = $5,
                            operator = $6, version = version + 1, updated_at = $7
                         WHERE ambito_id = $1 AND version = $2",
                    )
                    .bind(ambito.0)
                    .bind(version)
                    .bind(&s.body_code)
                    .bind(&s.body_name)
                    .bind(s.seat.as_str())
                    .bind(&s.operator)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?
                };
                if done.rows_affected() == 0 {
                    return Err(DbError::Conflict);
                }
                sqlx::query("DELETE FROM siuss_mappings WHERE ambito_id = $1")
                    .bind(ambito.0)
                    .execute(&mut *tx)
                    .await?;
                for m in &s.mappings {
                    sqlx::query(
                        "INSERT INTO siuss_mappings (ambito_id, kind, code, name)
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(ambito.0)
                    .bind(m.kind.code())
                    .bind(&m.code)
                    .bind(&m.name)
                    .execute(&mut *tx)
                    .await?;
                }
                let mut entry = audit.clone().record("ambito", ambito.0);
                entry.section = "siuss".into();
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<i64, DbError>(version + 1)
            }
        )
    }
}

/// A flow to keep: its kind, the body as it stands and what builds its XML from its identifier.
pub struct NewFlow<'a> {
    pub ambito: AmbitoId,
    pub kind: FlowKind,
    pub body: &'a Body,
    pub report_id: Option<i64>,
    /// The day of the identifier (`AAAAMMGG`, Rome).
    pub day: jiff::civil::Date,
}

/// A flow as kept.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredFlow {
    pub id: i64,
    pub ambito_id: i64,
    pub flow_id: String,
    pub kind: String,
    pub seat: String,
    pub body_name: String,
    pub report_id: Option<i64>,
    pub xml: String,
    pub ts: i64,
    pub outcome: Option<String>,
    pub outcome_detail: Option<String>,
    pub acquisition_id: Option<String>,
}

/// INPS's outcome of one flow, as it sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowOutcome {
    pub flow_id: String,
    pub code: String,
    pub detail: Option<String>,
    pub acquisition_id: Option<String>,
    pub acquired_at: String,
}

impl Db {
    /// Keeps a new flow: numbers it for its body and day, builds its XML with `xml` from the
    /// identifier, and gives it the next instant of the flows (later than every flow committed
    /// before it), with the audit entry. Returns the flow's identifier.
    pub async fn store_flow(
        &self,
        f: &NewFlow<'_>,
        xml: impl FnOnce(&str) -> String,
        audit: &Entry,
    ) -> Result<String, DbError> {
        let now = crate::now().0;
        let day = f.day.to_string();
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let (ts,): (i64,) = sqlx::query_as(
                    "UPDATE siuss_clock SET ts = CASE WHEN ts + 1 > $1 THEN ts + 1 ELSE $1 END
                     WHERE one = 1 RETURNING ts",
                )
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                let (n,): (i64,) = sqlx::query_as(
                    "INSERT INTO siuss_counters (body_code, day, n) VALUES ($1, $2, 1)
                     ON CONFLICT (body_code, day) DO UPDATE SET n = siuss_counters.n + 1
                     RETURNING n",
                )
                .bind(&f.body.code)
                .bind(&day)
                .fetch_one(&mut *tx)
                .await?;
                let id = flow_id(
                    &f.body.code,
                    f.kind,
                    f.day,
                    u32::try_from(n).unwrap_or(u32::MAX),
                );
                let (row,): (i64,) = sqlx::query_as(
                    "INSERT INTO siuss_flows (ambito_id, flow_id, kind, seat, body_name,
                        report_id, xml, ts, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(f.ambito.0)
                .bind(&id)
                .bind(f.kind.code())
                .bind(&f.body.seat)
                .bind(&f.body.name)
                .bind(f.report_id)
                .bind(xml(&id))
                .bind(ts)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                let mut entry = audit.clone().record("siuss_flow", row);
                entry.section = "siuss".into();
                entry.reason = format!("flow={id}");
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<String, DbError>(id)
            }
        )
    }

    /// The flows after instant `since` (milliseconds), oldest first, at most `limit`.
    pub async fn flows_since(&self, since: i64, limit: i64) -> Result<Vec<StoredFlow>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT id, ambito_id, flow_id, kind, seat, body_name, report_id, xml, ts,
                        outcome, outcome_detail, acquisition_id
                     FROM siuss_flows WHERE ts > $1 ORDER BY ts LIMIT $2",
                )
                .bind(since)
                .bind(limit)
                .fetch_all(pool)
                .await
            }
        )?)
    }

    /// Records INPS's outcomes (the same outcome again changes nothing), with the audit entry;
    /// returns the flows they named that are kept here.
    pub async fn record_outcomes(
        &self,
        outcomes: &[FlowOutcome],
        audit: &Entry,
    ) -> Result<u64, DbError> {
        let now = crate::now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let mut known = 0;
                for o in outcomes {
                    known += sqlx::query(
                        "UPDATE siuss_flows SET outcome = $2, outcome_detail = $3,
                            acquisition_id = $4, acquired_at = $5, outcome_at = $6
                         WHERE flow_id = $1",
                    )
                    .bind(&o.flow_id)
                    .bind(&o.code)
                    .bind(o.detail.as_deref())
                    .bind(o.acquisition_id.as_deref())
                    .bind(&o.acquired_at)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                }
                let mut entry = audit.clone().record("siuss_flow", "esiti");
                entry.section = "siuss".into();
                entry.reason = format!("outcomes={} known={known}", outcomes.len());
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<u64, DbError>(known)
            }
        )
    }
}
