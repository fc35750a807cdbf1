//! The network directory: each organisation's card (availability, notes, target groups,
//! municipalities covered, contacts), saved as a whole in one transaction with its audit entry.

use presidio_domain::account::OrganisationKind;
use presidio_domain::audit::Entry;
use presidio_domain::network::Card;
use presidio_domain::reference::AmbitoId;
use presidio_domain::validation::{Invalid, Problem};

use crate::audit::append;
use crate::error::is_unique_violation;
use crate::{Db, DbError, dispatch, now};

/// A contact as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredContact {
    pub organisation_id: i64,
    pub kind: String,
    pub label: String,
    pub phone: Option<String>,
    pub pec: Option<String>,
    pub email: Option<String>,
    pub hours: Option<String>,
    pub referent: Option<String>,
    pub referent_role: Option<String>,
}

/// An organisation of the directory that reports to the service.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportingPartner {
    pub id: i64,
    pub ambito_id: i64,
    pub name: String,
    /// A reporter kind code.
    pub reporter_kind: String,
}

/// An organisation's card as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCard {
    pub id: i64,
    pub ambito_id: i64,
    pub name: String,
    pub kind: String,
    pub availability: Option<String>,
    pub notes: Option<String>,
    /// Target group codes joined by commas; empty: every group.
    pub target_groups: String,
    /// Set: a reporting partner, counted as this kind of reporter.
    pub reporter_kind: Option<String>,
    pub version: i64,
    /// ISTAT codes; empty: the whole Ambito.
    pub municipalities: Vec<String>,
    pub contacts: Vec<StoredContact>,
}

#[derive(sqlx::FromRow)]
struct CardRow {
    id: i64,
    ambito_id: i64,
    name: String,
    kind: String,
    availability: Option<String>,
    notes: Option<String>,
    target_groups: String,
    reporter_kind: Option<String>,
    version: i64,
}

const CARD_COLUMNS: &str = "SELECT id, ambito_id, name, kind, availability, notes, target_groups,
    reporter_kind, version FROM organisations";

/// What to save of a card: the organisation's name and kind, and the card.
#[derive(Debug, Clone, Copy)]
pub struct CardToSave<'a> {
    pub name: &'a str,
    pub kind: OrganisationKind,
    pub card: &'a Card,
}

/// Replaces the municipalities and the contacts of organisation `$id` with those of `$card`,
/// inside transaction `$tx` (of either backend).
macro_rules! replace_lines {
    ($tx:ident, $id:expr, $card:expr) => {{
        sqlx::query("DELETE FROM organisation_municipalities WHERE organisation_id = $1")
            .bind($id)
            .execute(&mut *$tx)
            .await?;
        sqlx::query("DELETE FROM organisation_contacts WHERE organisation_id = $1")
            .bind($id)
            .execute(&mut *$tx)
            .await?;
        for code in &$card.municipalities {
            sqlx::query(
                "INSERT INTO organisation_municipalities (organisation_id, istat_code)
             VALUES ($1, $2)",
            )
            .bind($id)
            .bind(code)
            .execute(&mut *$tx)
            .await?;
        }
        for (position, c) in (0_i64..).zip(&$card.contacts) {
            sqlx::query(
                "INSERT INTO organisation_contacts (organisation_id, position, kind, label,
                phone, pec, email, hours, referent, referent_role)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind($id)
            .bind(position)
            .bind(c.kind.code())
            .bind(&c.label)
            .bind(c.phone.as_deref())
            .bind(c.pec.as_deref())
            .bind(c.email.as_deref())
            .bind(c.answers.as_deref())
            .bind(c.referent.as_deref())
            .bind(c.referent_role.as_deref())
            .execute(&mut *$tx)
            .await?;
        }
    }};
}

impl Db {
    /// The cards of the organisations of `ambito`, by name.
    pub async fn directory(&self, ambito: AmbitoId) -> Result<Vec<StoredCard>, DbError> {
        let sql = format!("{CARD_COLUMNS} WHERE ambito_id = $1 ORDER BY name");
        let rows: Vec<CardRow> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(ambito.0)
                    .fetch_all(pool)
                    .await
            }
        )?;
        let covered: Vec<(i64, String)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT m.organisation_id, m.istat_code FROM organisation_municipalities m
                     JOIN organisations o ON o.id = m.organisation_id
                     WHERE o.ambito_id = $1 ORDER BY m.istat_code",
                )
                .bind(ambito.0)
                .fetch_all(pool)
                .await
            }
        )?;
        let contacts: Vec<StoredContact> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT c.organisation_id, c.kind, c.label, c.phone, c.pec, c.email, c.hours,
                        c.referent, c.referent_role
                     FROM organisation_contacts c JOIN organisations o ON o.id = c.organisation_id
                     WHERE o.ambito_id = $1 ORDER BY c.organisation_id, c.position",
                )
                .bind(ambito.0)
                .fetch_all(pool)
                .await
            }
        )?;
        Ok(rows
            .into_iter()
            .map(|r| StoredCard {
                municipalities: covered
                    .iter()
                    .filter(|(o, _)| *o == r.id)
                    .map(|(_, c)| c.clone())
                    .collect(),
                contacts: contacts
                    .iter()
                    .filter(|c| c.organisation_id == r.id)
                    .cloned()
                    .collect(),
                id: r.id,
                ambito_id: r.ambito_id,
                name: r.name,
                kind: r.kind,
                availability: r.availability,
                notes: r.notes,
                target_groups: r.target_groups,
                reporter_kind: r.reporter_kind,
                version: r.version,
            })
            .collect())
    }

    /// The reporting partners of these Ambiti (organisations of the directory with a reporter
    /// kind), by name.
    pub async fn reporting_partners(
        &self,
        ambiti: &[AmbitoId],
    ) -> Result<Vec<ReportingPartner>, DbError> {
        if ambiti.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, ambito_id, name, reporter_kind FROM organisations
             WHERE reporter_kind IS NOT NULL AND ambito_id IN ({}) ORDER BY name, id",
            crate::ambito_list(ambiti)
        );
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .fetch_all(pool)
                    .await
            }
        )?)
    }

    /// Organisation `id`, when it is a reporting partner.
    pub async fn reporting_partner(&self, id: i64) -> Result<Option<ReportingPartner>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT id, ambito_id, name, reporter_kind FROM organisations
                     WHERE id = $1 AND reporter_kind IS NOT NULL",
                )
                .bind(id)
                .fetch_optional(pool)
                .await
            }
        )?)
    }

    /// The Ambito of organisation `id`.
    pub async fn organisation_ambito(&self, id: i64) -> Result<AmbitoId, DbError> {
        let found: Option<(i64,)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as("SELECT ambito_id FROM organisations WHERE id = $1")
                    .bind(id)
                    .fetch_optional(pool)
                    .await
            }
        )?;
        found.map(|(a,)| AmbitoId(a)).ok_or(DbError::NotFound)
    }

    /// Saves the card of a new organisation of `ambito`, or of organisation `id` still at
    /// `version` (`Conflict` otherwise), replacing its municipalities and contacts, with its
    /// audit entry. A name used in the Ambito already is refused on `name`.
    pub async fn save_card(
        &self,
        ambito: AmbitoId,
        target: Option<(i64, i64)>,
        save: CardToSave<'_>,
        audit: &Entry,
    ) -> Result<i64, DbError> {
        let at = now().0;
        let groups = save
            .card
            .target_groups
            .iter()
            .map(|g| g.code())
            .collect::<Vec<_>>()
            .join(",");
        let reporter_kind = save
            .card
            .reporter_kind
            .map(presidio_domain::report::ReporterKind::code);
        let duplicate = |err: sqlx::Error| -> DbError {
            if is_unique_violation(&err) {
                Invalid::one("name", Problem::Duplicate).into()
            } else {
                err.into()
            }
        };
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let saved: Option<(i64,)> = match target {
                    None => Some(
                        sqlx::query_as(
                            "INSERT INTO organisations (ambito_id, name, kind, availability,
                                notes, target_groups, created_at, updated_at, reporter_kind)
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id",
                        )
                        .bind(ambito.0)
                        .bind(save.name)
                        .bind(save.kind.code())
                        .bind(save.card.availability.as_deref())
                        .bind(save.card.notes.as_deref())
                        .bind(&groups)
                        .bind(at)
                        .bind(reporter_kind)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(duplicate)?,
                    ),
                    Some((id, version)) => sqlx::query_as(
                        "UPDATE organisations SET name = $3, kind = $4, availability = $5,
                            notes = $6, target_groups = $7, version = version + 1,
                            updated_at = $8, reporter_kind = $10
                         WHERE id = $1 AND version = $2 AND ambito_id = $9 RETURNING id",
                    )
                    .bind(id)
                    .bind(version)
                    .bind(save.name)
                    .bind(save.kind.code())
                    .bind(save.card.availability.as_deref())
                    .bind(save.card.notes.as_deref())
                    .bind(&groups)
                    .bind(at)
                    .bind(ambito.0)
                    .bind(reporter_kind)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(duplicate)?,
                };
                let Some((id,)) = saved else {
                    return Err(DbError::Conflict);
                };
                replace_lines!(tx, id, save.card);
                let mut entry = audit.clone().record("organisation", id);
                entry.section = "network".into();
                entry.reason = format!(
                    "contacts={} municipalities={}",
                    save.card.contacts.len(),
                    save.card.municipalities.len()
                );
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<i64, DbError>(id)
            }
        )
    }
}
