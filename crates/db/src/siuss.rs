//! An Ambito's SIUSS settings: the body sending the flows and the prestazione of each kind.

use presidio_domain::audit::Entry;
use presidio_domain::reference::AmbitoId;
use presidio_domain::siuss::settings::{Mapping, ServiceKind, Settings};

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
