//! The resource directory as stored, with the free places and who updated them when. Every
//! change appends its audit entry in the same transaction; the free places carry a version.

use presidio_domain::audit::Entry;
use presidio_domain::reference::AmbitoId;
use presidio_domain::resources::{Confidentiality, Resource, ResourceKind, Unit};
use presidio_domain::time::UtcMillis;

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
    /// The resources of an Ambito, by kind and name. The free places count the places of holds
    /// past their time as given back, even before the sweep has written so.
    pub async fn resources(&self, ambito: AmbitoId) -> Result<Vec<StoredResource>, DbError> {
        let rows: Vec<Row> = dispatch!(
            self,
            read | pool
                | {
                    sqlx::query_as(
                    "SELECT r.id, r.ambito_id, r.kind, r.name, r.provider, r.address,
                        r.confidentiality, r.capacity, r.unit, r.contact, r.tariff_cents, r.notes,
                        CASE WHEN r.free + COALESCE(l.places, 0) > r.capacity THEN r.capacity
                            ELSE r.free + COALESCE(l.places, 0) END AS free,
                        r.free_updated_at, u.name AS updated_by, r.version
                     FROM resources r LEFT JOIN users u ON u.id = r.free_updated_by
                     LEFT JOIN (SELECT resource_id, CAST(SUM(places) AS BIGINT) AS places FROM activations
                        WHERE status = 'held' AND held_until <= $2 GROUP BY resource_id) l
                        ON l.resource_id = r.id
                     WHERE r.ambito_id = $1 ORDER BY r.kind, r.name, r.id",
                )
                .bind(ambito.0)
                .bind(now().0)
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

/// An activation as stored, with its resource's name.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredActivation {
    pub id: i64,
    pub report_id: i64,
    pub resource_id: i64,
    pub resource: String,
    /// The resource's kind: a protected shelter is named to nobody through its activations.
    pub kind: String,
    pub status: String,
    pub places: i64,
    pub nights: i64,
    pub cost_cents: i64,
    pub held_until: i64,
    pub version: i64,
}

/// Gives `$2` places back to resource `$1`, never above its capacity.
pub(crate) const GIVE_BACK: &str = "UPDATE resources SET free = CASE WHEN free + $2 > capacity
    THEN capacity ELSE free + $2 END, version = version + 1 WHERE id = $1";

/// The columns of [`StoredActivation`], as they stand at `now`: a hold past its time reads as
/// cancelled even before the sweep has written so.
fn activation_columns(now: UtcMillis) -> String {
    format!(
        "a.id, a.report_id, a.resource_id, r.name AS resource, r.kind,
        CASE WHEN a.status = 'held' AND a.held_until <= {now} THEN 'cancelled'
            ELSE a.status END AS status,
        a.places, a.nights, a.cost_cents, a.held_until, a.version",
        now = now.0
    )
}

fn invalid(field: &'static str, problem: presidio_domain::validation::Problem) -> DbError {
    DbError::Invalid(presidio_domain::validation::Invalid::one(field, problem))
}

/// Lapsed holds of a resource (or of all, with `None`) are cancelled and their places come
/// back, inside `tx`.
macro_rules! expire_holds {
    ($tx:expr, $now:expr) => {
        async {
            let lapsed: Vec<(i64, i64, i64)> = sqlx::query_as(
                "SELECT id, resource_id, places FROM activations
                 WHERE status = 'held' AND held_until <= $1",
            )
            .bind($now)
            .fetch_all(&mut *$tx)
            .await?;
            for (id, resource, places) in &lapsed {
                sqlx::query(
                    "UPDATE activations SET status = 'cancelled', updated_at = $2,
                        version = version + 1 WHERE id = $1",
                )
                .bind(id)
                .bind($now)
                .execute(&mut *$tx)
                .await?;
                sqlx::query($crate::resources::GIVE_BACK)
                    .bind(resource)
                    .bind(places)
                    .execute(&mut *$tx)
                    .await?;
            }
            Ok::<usize, sqlx::Error>(lapsed.len())
        }
    };
}

impl Db {
    /// Books `places` of a resource of the Ambito for report `report_id`, held until
    /// `held_until`: the free places drop at once, never below zero (concurrent bookings of the
    /// last place: one wins, the other is refused on `places`).
    #[allow(clippy::too_many_arguments)]
    pub async fn hold_places(
        &self,
        ambito: AmbitoId,
        report_id: i64,
        resource_id: i64,
        places: u32,
        nights: u32,
        held_until: i64,
        audit: &Entry,
    ) -> Result<StoredActivation, DbError> {
        use presidio_domain::validation::Problem;
        let at = now().0;
        let id = dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                expire_holds!(tx, at).await?;
                let tariff: Option<(i64,)> = sqlx::query_as(
                    "SELECT tariff_cents FROM resources WHERE id = $1 AND ambito_id = $2",
                )
                .bind(resource_id)
                .bind(ambito.0)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((tariff,)) = tariff else {
                    return Err(invalid("resource_id", Problem::UnknownCode));
                };
                let taken = sqlx::query(
                    "UPDATE resources SET free = free - $2, version = version + 1
                     WHERE id = $1 AND free >= $2",
                )
                .bind(resource_id)
                .bind(i64::from(places))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if taken == 0 {
                    return Err(invalid("places", Problem::NoFreePlaces));
                }
                let cost =
                    presidio_domain::resources::activation::cost_cents(places, nights, tariff);
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO activations (report_id, resource_id, status, places, nights,
                        cost_cents, held_until, created_by, created_at, updated_at)
                     VALUES ($1, $2, 'held', $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                )
                .bind(report_id)
                .bind(resource_id)
                .bind(i64::from(places))
                .bind(i64::from(nights))
                .bind(cost)
                .bind(held_until)
                .bind(audit.actor_id)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                append!(
                    tx,
                    &audit
                        .clone()
                        .record("report", report_id)
                        .reason(&format!("activation={id}"))
                )
                .await?;
                tx.commit().await?;
                Ok::<i64, DbError>(id)
            }
        )?;
        self.activation(id).await
    }

    /// Cancels every hold past its time at `now` and gives its places back, with one audit entry
    /// for the lot; returns the reports whose holds lapsed (for their boards and caches).
    pub async fn expire_lapsed_holds(
        &self,
        now: UtcMillis,
        audit: &Entry,
    ) -> Result<Vec<(AmbitoId, i64)>, DbError> {
        Ok(dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let reports: Vec<(i64, i64)> = sqlx::query_as(
                    "SELECT DISTINCT r.ambito_id, r.id FROM activations a
                     JOIN reports r ON r.id = a.report_id
                     WHERE a.status = 'held' AND a.held_until <= $1",
                )
                .bind(now.0)
                .fetch_all(&mut *tx)
                .await?;
                if reports.is_empty() {
                    return Ok(Vec::new());
                }
                let lapsed = expire_holds!(tx, now.0).await?;
                let mut entry = audit.clone();
                entry.reason = format!("{lapsed}");
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<_, sqlx::Error>(
                    reports
                        .into_iter()
                        .map(|(ambito, id)| (AmbitoId(ambito), id))
                        .collect(),
                )
            }
        )?)
    }

    /// One activation.
    pub async fn activation(&self, id: i64) -> Result<StoredActivation, DbError> {
        let sql = format!(
            "SELECT {} FROM activations a JOIN resources r ON r.id = a.resource_id
             WHERE a.id = $1",
            activation_columns(now())
        );
        dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(pool)
                    .await
            }
        )?
        .ok_or(DbError::NotFound)
    }

    /// The activations of a report, oldest first.
    pub async fn activations_of(&self, report_id: i64) -> Result<Vec<StoredActivation>, DbError> {
        let sql = format!(
            "SELECT {} FROM activations a JOIN resources r ON r.id = a.resource_id
             WHERE a.report_id = $1 ORDER BY a.id",
            activation_columns(now())
        );
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(report_id)
                    .fetch_all(pool)
                    .await
            }
        )?)
    }

    /// Moves an activation to `to` if `version` is still its own and the move is allowed;
    /// ending or cancelling gives its places back. A lapsed hold cannot be confirmed.
    pub async fn move_activation(
        &self,
        id: i64,
        to: presidio_domain::resources::activation::ActivationStatus,
        version: i64,
        audit: &Entry,
    ) -> Result<StoredActivation, DbError> {
        use presidio_domain::resources::activation::ActivationStatus;
        use presidio_domain::validation::Problem;
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                expire_holds!(tx, at).await?;
                let row: Option<(String, i64, i64, i64, i64)> = sqlx::query_as(
                    "SELECT status, places, resource_id, version, report_id FROM activations
                     WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((status, places, resource, current, report)) = row else {
                    return Err(DbError::NotFound);
                };
                if current != version {
                    return Err(DbError::Conflict);
                }
                let from = ActivationStatus::parse(&status)
                    .ok_or(DbError::Corrupt("activations.status"))?;
                if !from.next().contains(&to) {
                    return Err(invalid("status", Problem::BadTransition));
                }
                sqlx::query(
                    "UPDATE activations SET status = $2, updated_at = $3, version = version + 1,
                        confirmed_at = CASE WHEN $2 IN ('confirmed', 'started', 'ended')
                            THEN COALESCE(confirmed_at, $3) ELSE confirmed_at END
                     WHERE id = $1",
                )
                .bind(id)
                .bind(to.code())
                .bind(at)
                .execute(&mut *tx)
                .await?;
                if from.holds_places() && !to.holds_places() {
                    sqlx::query(GIVE_BACK)
                        .bind(resource)
                        .bind(places)
                        .execute(&mut *tx)
                        .await?;
                }
                append!(
                    tx,
                    &audit
                        .clone()
                        .record("report", report)
                        .reason(&format!("activation={id} {}", to.code()))
                )
                .await?;
                tx.commit().await?;
                Ok::<(), DbError>(())
            }
        )?;
        self.activation(id).await
    }
}

impl Db {
    /// The Ambito's budget, if set.
    pub async fn budget(
        &self,
        ambito: AmbitoId,
    ) -> Result<Option<presidio_domain::resources::budget::Budget>, DbError> {
        let row: Option<(i64, String, String)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT amount_cents, from_day, to_day FROM budgets WHERE ambito_id = $1",
                )
                .bind(ambito.0)
                .fetch_optional(pool)
                .await
            }
        )?;
        row.map(|(amount_cents, from, to)| {
            let day = |raw: &str| raw.parse().map_err(|_| DbError::Corrupt("budgets"));
            Ok(presidio_domain::resources::budget::Budget {
                amount_cents,
                from: day(&from)?,
                to: day(&to)?,
            })
        })
        .transpose()
    }

    /// Sets the Ambito's budget (replacing the one before).
    pub async fn set_budget(
        &self,
        ambito: AmbitoId,
        budget: &presidio_domain::resources::budget::Budget,
        audit: &Entry,
    ) -> Result<(), DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                sqlx::query(
                    "INSERT INTO budgets (ambito_id, amount_cents, from_day, to_day, updated_at)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (ambito_id) DO UPDATE SET amount_cents = excluded.amount_cents,
                        from_day = excluded.from_day, to_day = excluded.to_day,
                        version = budgets.version + 1, updated_at = excluded.updated_at",
                )
                .bind(ambito.0)
                .bind(budget.amount_cents)
                .bind(budget.from.to_string())
                .bind(budget.to.to_string())
                .bind(at)
                .execute(&mut *tx)
                .await?;
                append!(
                    tx,
                    &audit.clone().record("budget", ambito.0).reason(&format!(
                        "{} {}..{}",
                        budget.amount_cents, budget.from, budget.to
                    ))
                )
                .await?;
                tx.commit().await?;
                Ok::<(), DbError>(())
            }
        )
    }

    /// What the confirmed, started and ended activations of the Ambito booked within
    /// `[from, to)` cost, in cents.
    pub async fn spent_cents(
        &self,
        ambito: AmbitoId,
        from: presidio_domain::time::UtcMillis,
        to: presidio_domain::time::UtcMillis,
    ) -> Result<i64, DbError> {
        let (spent,): (i64,) = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT CAST(COALESCE(SUM(a.cost_cents), 0) AS BIGINT)
                     FROM activations a JOIN reports r ON r.id = a.report_id
                     WHERE r.ambito_id = $1 AND a.status IN ('confirmed', 'started', 'ended')
                       AND a.created_at >= $2 AND a.created_at < $3",
                )
                .bind(ambito.0)
                .bind(from.0)
                .bind(to.0)
                .fetch_one(pool)
                .await
            }
        )?;
        Ok(spent)
    }
}
