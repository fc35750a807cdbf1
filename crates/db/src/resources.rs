//! The resource directory as stored, with the free places and who updated them when. Every
//! change appends its audit entry in the same transaction; the free places carry a version.

use presidio_domain::audit::Entry;
use presidio_domain::reference::AmbitoId;
use presidio_domain::resources::{Confidentiality, Resource, ResourceKind, Unit};

use crate::audit::append;
use crate::{Db, DbError, dispatch, now};

/// A stored resource with its free places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResource {
    pub id: i64,
    pub ambito: AmbitoId,
    pub resource: Resource,
    pub free: u32,
    pub free_updated_at: Option<i64>,
    pub free_updated_by: Option<String>,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    ambito_id: i64,
    kind: String,
    name: String,
    provider: String,
    address: String,
    confidentiality: String,
    capacity: i64,
    unit: String,
    contact: String,
    tariff_cents: i64,
    notes: String,
    free: i64,
    free_updated_at: Option<i64>,
    updated_by: Option<String>,
    version: i64,
}

fn stored(r: Row) -> Result<StoredResource, DbError> {
    let bad = || DbError::Corrupt("resources");
    Ok(StoredResource {
        id: r.id,
        ambito: AmbitoId(r.ambito_id),
        resource: Resource {
            kind: ResourceKind::parse(&r.kind).ok_or_else(bad)?,
            name: r.name,
            provider: r.provider,
            address: r.address,
            confidentiality: Confidentiality::parse(&r.confidentiality).ok_or_else(bad)?,
            capacity: u32::try_from(r.capacity).map_err(|_| bad())?,
            unit: Unit::parse(&r.unit).ok_or_else(bad)?,
            contact: r.contact,
            tariff_cents: r.tariff_cents,
            notes: r.notes,
        },
        free: u32::try_from(r.free).map_err(|_| bad())?,
        free_updated_at: r.free_updated_at,
        free_updated_by: r.updated_by,
        version: r.version,
    })
}

impl Db {
    /// The resources of an Ambito, by kind and name.
    pub async fn resources(&self, ambito: AmbitoId) -> Result<Vec<StoredResource>, DbError> {
        let rows: Vec<Row> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT r.id, r.ambito_id, r.kind, r.name, r.provider, r.address,
                        r.confidentiality, r.capacity, r.unit, r.contact, r.tariff_cents, r.notes,
                        r.free, r.free_updated_at, u.name AS updated_by, r.version
                     FROM resources r LEFT JOIN users u ON u.id = r.free_updated_by
                     WHERE r.ambito_id = $1 ORDER BY r.kind, r.name, r.id",
                )
                .bind(ambito.0)
                .fetch_all(pool)
                .await
            }
        )?;
        rows.into_iter().map(stored).collect()
    }

    /// Records a resource, all places free; returns its id.
    pub async fn create_resource(
        &self,
        ambito: AmbitoId,
        r: &Resource,
        audit: &Entry,
    ) -> Result<i64, DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO resources (ambito_id, kind, name, provider, address,
                        confidentiality, capacity, unit, contact, tariff_cents, notes, free,
                        created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $7, $12) RETURNING id",
                )
                .bind(ambito.0)
                .bind(r.kind.code())
                .bind(&r.name)
                .bind(&r.provider)
                .bind(&r.address)
                .bind(r.confidentiality.code())
                .bind(i64::from(r.capacity))
                .bind(r.unit.code())
                .bind(&r.contact)
                .bind(r.tariff_cents)
                .bind(&r.notes)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                append!(tx, &audit.clone().record("resource", id)).await?;
                tx.commit().await?;
                Ok::<i64, DbError>(id)
            }
        )
    }

    /// Sets the free places of a resource of the Ambito, if `version` is still its own; returns
    /// the new version. More than the capacity is refused on `free`.
    pub async fn set_free_places(
        &self,
        ambito: AmbitoId,
        id: i64,
        free: u32,
        version: i64,
        audit: &Entry,
    ) -> Result<i64, DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let current: Option<(i64, i64)> = sqlx::query_as(
                    "SELECT capacity, version FROM resources WHERE id = $1 AND ambito_id = $2",
                )
                .bind(id)
                .bind(ambito.0)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((capacity, current)) = current else {
                    return Err(DbError::NotFound);
                };
                if i64::from(free) > capacity {
                    return Err(DbError::Invalid(presidio_domain::validation::Invalid::one(
                        "free",
                        presidio_domain::validation::Problem::OutOfRange,
                    )));
                }
                if current != version {
                    return Err(DbError::Conflict);
                }
                sqlx::query(
                    "UPDATE resources SET free = $3, free_updated_at = $4, free_updated_by = $5,
                        version = version + 1
                     WHERE id = $1 AND ambito_id = $2 AND version = $6",
                )
                .bind(id)
                .bind(ambito.0)
                .bind(i64::from(free))
                .bind(at)
                .bind(audit.actor_id)
                .bind(version)
                .execute(&mut *tx)
                .await?;
                append!(
                    tx,
                    &audit
                        .clone()
                        .record("resource", id)
                        .reason(&format!("free={free}"))
                )
                .await?;
                tx.commit().await?;
                Ok::<i64, DbError>(version + 1)
            }
        )
    }
}
