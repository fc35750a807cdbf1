//! Person records: one per person and Ambito, with their names and aliases (and the grams of
//! each for the candidate query), the people of reports attached to them, links between records
//! of the same person, and the corrections made to them.

use presidio_domain::audit::Entry;
use presidio_domain::person::{Details, NameSource, grams, key};
use presidio_domain::reference::AmbitoId;

use crate::audit::append;
use crate::{Db, DbError, dispatch};

/// Inside the open transaction `tx`: takes from person `$id` (and the people of reports attached
/// to it) what identifies them: names, birth date and place, fiscal code, languages, contacts,
/// safety notes, residence, and the history of corrections. Sex, birth year, age band and
/// citizenship stay, so that the statistics keep their totals.
macro_rules! anonymise {
    ($tx:expr, $id:expr, $at:expr) => {
        async {
            let id: i64 = $id;
            let at: i64 = $at;
            for sql in [
                "UPDATE persons SET name = NULL, birth_date = NULL, birth_place = NULL,
                    fiscal_code = NULL, languages = NULL, contacts = NULL,
                    safety_notes = NULL, residence = NULL, anonymised_at = $2,
                    updated_at = $2, version = version + 1 WHERE id = $1",
                "UPDATE report_persons SET name = NULL, alias = NULL, fiscal_code = NULL,
                    language = NULL WHERE person_id = $1 AND $2 > 0",
                "DELETE FROM person_grams WHERE person_id = $1 AND $2 > 0",
                "DELETE FROM person_names WHERE person_id = $1 AND $2 > 0",
                "DELETE FROM person_corrections WHERE person_id = $1 AND $2 > 0",
            ] {
                sqlx::query(sql)
                    .bind(id)
                    .bind(at)
                    .execute(&mut *$tx)
                    .await?;
            }
            Ok::<(), sqlx::Error>(())
        }
    };
}
pub(crate) use anonymise;

/// Inside the open transaction `tx`: gives every record linked, directly or through others,
/// to one of `$start` the smallest id among them as its group (none when linked to no other).
macro_rules! regroup {
    ($tx:expr, $start:expr) => {
        async {
            let start: Vec<i64> = $start;
            let mut done: Vec<i64> = Vec::new();
            for first in start {
                if done.contains(&first) {
                    continue;
                }
                let mut group = vec![first];
                let mut frontier = vec![first];
                while !frontier.is_empty() && group.len() < MAX_GROUP {
                    let list = id_list(&frontier);
                    let pairs: Vec<(i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT person_id, other_id FROM person_links WHERE unlinked_at IS NULL
                         AND (person_id IN ({list}) OR other_id IN ({list}))"
                    )))
                    .fetch_all(&mut *$tx)
                    .await?;
                    frontier.clear();
                    for (a, b) in pairs {
                        for x in [a, b] {
                            if !group.contains(&x) && group.len() < MAX_GROUP {
                                group.push(x);
                                frontier.push(x);
                            }
                        }
                    }
                }
                let least = group.iter().copied().min().unwrap_or(first);
                let value = (group.len() > 1).then_some(least);
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE persons SET group_id = $1 WHERE id IN ({})",
                    id_list(&group)
                )))
                .bind(value)
                .execute(&mut *$tx)
                .await?;
                done.extend(group);
            }
            Ok::<(), sqlx::Error>(())
        }
    };
}

/// Inside the open transaction `tx`: records name `$value` (`'name'` or `'alias'`) of person
/// `$person` in Ambito `$ambito`, typed in report `$report` (if any) from `$source`, with its
/// grams; nothing when the person already has it.
macro_rules! add_name {
    ($tx:expr, $person:expr, $ambito:expr, $kind:expr, $value:expr, $source:expr, $report:expr, $at:expr) => {
        async {
            let value: &str = $value;
            let added = sqlx::query(
                "INSERT INTO person_names (person_id, kind, value, name_key, source, report_id, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            )
            .bind($person)
            .bind($kind)
            .bind(value)
            .bind(presidio_domain::person::key(value))
            .bind($source)
            .bind($report)
            .bind($at)
            .execute(&mut *$tx)
            .await?;
            if added.rows_affected() > 0 {
                for gram in presidio_domain::person::grams(value) {
                    sqlx::query(
                        "INSERT INTO person_grams (ambito_id, gram, person_id) VALUES ($1, $2, $3)
                         ON CONFLICT DO NOTHING",
                    )
                    .bind($ambito)
                    .bind(gram)
                    .bind($person)
                    .execute(&mut *$tx)
                    .await?;
                }
            }
            Ok::<(), sqlx::Error>(())
        }
    };
}
pub(crate) use add_name;

/// Inside the open transaction `tx`: the person record report person `$p` (a
/// `presidio_domain::report::Person`) of report `$report` in Ambito `$ambito` is attached to.
/// `$known` is the record chosen (or kept from before): it takes the names typed and any detail
/// it lacked; without one a new record is made. A chosen record of another Ambito is not found.
/// Evaluates to `Result<i64, sqlx::Error>`.
macro_rules! attach_person {
    ($tx:expr, $ambito:expr, $report:expr, $p:expr, $known:expr, $birth_year:expr, $at:expr) => {
        async {
            let p: &presidio_domain::report::Person = $p;
            let known: Option<i64> = $known;
            let birth_year: Option<i64> = $birth_year;
            let id: i64 = match known {
                Some(id) => {
                    let (id,): (i64,) = sqlx::query_as(
                        "UPDATE persons SET name = COALESCE(name, $3),
                            sex = CASE WHEN sex = 'X' THEN $4 ELSE sex END,
                            birth_year = COALESCE(birth_year, $5),
                            age_band = COALESCE($6, age_band),
                            citizenship = COALESCE(citizenship, $7),
                            fiscal_code = COALESCE(fiscal_code, $8),
                            languages = COALESCE(languages, $9),
                            needs_mediator = CASE WHEN $10 = 1 THEN 1 ELSE needs_mediator END,
                            updated_at = $11
                         WHERE id = $1 AND ambito_id = $2 RETURNING id",
                    )
                    .bind(id)
                    .bind($ambito)
                    .bind(p.name.as_deref())
                    .bind(p.sex.code())
                    .bind(birth_year)
                    .bind(p.age_band.map(|b| b.code()))
                    .bind(p.citizenship.as_deref())
                    .bind(p.fiscal_code.as_deref())
                    .bind(p.language.as_deref())
                    .bind(i64::from(p.needs_mediator))
                    .bind($at)
                    .fetch_one(&mut *$tx)
                    .await?;
                    id
                }
                None => {
                    let (id,): (i64,) = sqlx::query_as(
                        "INSERT INTO persons (ambito_id, name, sex, birth_year, age_band,
                            citizenship, fiscal_code, languages, needs_mediator, created_at,
                            updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
                    )
                    .bind($ambito)
                    .bind(p.name.as_deref())
                    .bind(p.sex.code())
                    .bind(birth_year)
                    .bind(p.age_band.map(|b| b.code()))
                    .bind(p.citizenship.as_deref())
                    .bind(p.fiscal_code.as_deref())
                    .bind(p.language.as_deref())
                    .bind(i64::from(p.needs_mediator))
                    .bind($at)
                    .fetch_one(&mut *$tx)
                    .await?;
                    id
                }
            };
            let source = presidio_domain::person::NameSource::Segnalazione.code();
            if let Some(name) = p.name.as_deref() {
                $crate::persons::add_name!(
                    $tx,
                    id,
                    $ambito,
                    "name",
                    name,
                    source,
                    Some($report),
                    $at
                )
                .await?;
            }
            if let Some(alias) = p.alias.as_deref() {
                $crate::persons::add_name!(
                    $tx,
                    id,
                    $ambito,
                    "alias",
                    alias,
                    source,
                    Some($report),
                    $at
                )
                .await?;
            }
            Ok::<i64, sqlx::Error>(id)
        }
    };
}
pub(crate) use attach_person;

/// Inside the open transaction `tx`: the names record `$person` (of Ambito `$ambito`) has
/// only from report `$report` leave it, and its grams are written again from the names kept.
macro_rules! drop_report_names {
    ($tx:expr, $person:expr, $report:expr, $ambito:expr) => {
        async {
            sqlx::query(
                "DELETE FROM person_names WHERE person_id = $1 AND report_id = $2
                     AND NOT EXISTS (SELECT 1 FROM report_persons o WHERE o.person_id = $1
                        AND o.report_id <> $2
                        AND (o.name = person_names.value OR o.alias = person_names.value))",
            )
            .bind($person)
            .bind($report)
            .execute(&mut *$tx)
            .await?;
            sqlx::query("DELETE FROM person_grams WHERE person_id = $1")
                .bind($person)
                .execute(&mut *$tx)
                .await?;
            let kept: Vec<(String,)> =
                sqlx::query_as("SELECT value FROM person_names WHERE person_id = $1")
                    .bind($person)
                    .fetch_all(&mut *$tx)
                    .await?;
            for (value,) in &kept {
                for gram in grams(value) {
                    sqlx::query(
                        "INSERT INTO person_grams (ambito_id, gram, person_id)
                             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    )
                    .bind($ambito)
                    .bind(gram)
                    .bind($person)
                    .execute(&mut *$tx)
                    .await?;
                }
            }
            Ok::<(), sqlx::Error>(())
        }
    };
}

/// A report person attached to a record: its row, the record, name and alias typed, the
/// report's Ambito and number.
type AttachedPerson = (i64, i64, Option<String>, Option<String>, i64, String);

/// A person record as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredPerson {
    pub id: i64,
    pub ambito_id: i64,
    pub name: Option<String>,
    pub sex: String,
    pub birth_date: Option<String>,
    pub birth_year: Option<i64>,
    pub age_band: Option<String>,
    pub birth_place: Option<String>,
    pub citizenship: Option<String>,
    pub fiscal_code: Option<String>,
    pub languages: Option<String>,
    pub needs_mediator: i64,
    pub residence: Option<String>,
    pub contacts: Option<String>,
    pub safety_notes: Option<String>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// Processing restricted (a restriction or objection granted): not offered at intake.
    pub restricted_at: Option<i64>,
}

const PERSON_COLUMNS: &str = "id, ambito_id, name, sex, birth_date, birth_year, age_band, \
    birth_place, citizenship, fiscal_code, languages, needs_mediator, residence, contacts, \
    safety_notes, version, created_at, updated_at, restricted_at";

/// A name or alias of a person.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PersonName {
    pub person_id: i64,
    pub kind: String,
    pub value: String,
    pub source: String,
    /// The protocol number of the report it was typed in.
    pub report_code: Option<String>,
    pub at: i64,
}

/// A report that names a person: what the need-to-know rule and the timeline use.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Sighting {
    pub person_id: i64,
    pub report_id: i64,
    pub code: String,
    pub ambito_id: i64,
    pub municipality: Option<String>,
    pub protected: i64,
    pub status: String,
    pub outcome: Option<String>,
    pub target_group: String,
    pub reporter_organisation_id: Option<i64>,
    pub received_at: i64,
    pub role: String,
}

/// A link between two records of the same person.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PersonLink {
    pub id: i64,
    pub person_id: i64,
    pub other_id: i64,
    pub reason: String,
    pub linked_by: Option<i64>,
    pub linked_at: i64,
    pub unlinked_by: Option<i64>,
    pub unlinked_at: Option<i64>,
    pub unlink_reason: Option<String>,
}

/// A correction of a person's record.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PersonCorrection {
    pub at: i64,
    pub actor_id: Option<i64>,
    pub field: String,
    pub previous: Option<String>,
    pub value: Option<String>,
}

/// Each correctable field of checked details by its name, as kept in the history.
fn fields_of(d: &Details) -> [(&'static str, Option<String>); 12] {
    [
        ("name", d.name.clone()),
        ("sex", Some(d.sex.code().to_owned())),
        ("birth_date", d.birth_date.map(|b| b.to_string())),
        ("birth_year", d.birth_year.map(|y| y.to_string())),
        ("birth_place", d.birth_place.clone()),
        ("citizenship", d.citizenship.clone()),
        ("fiscal_code", d.fiscal_code.clone()),
        ("languages", d.languages.clone()),
        (
            "needs_mediator",
            Some(i64::from(d.needs_mediator).to_string()),
        ),
        ("residence", d.residence.clone()),
        ("contacts", d.contacts.clone()),
        ("safety_notes", d.safety_notes.clone()),
    ]
}

/// The same fields of a stored record.
fn stored_fields(p: &StoredPerson) -> [(&'static str, Option<String>); 12] {
    [
        ("name", p.name.clone()),
        ("sex", Some(p.sex.clone())),
        ("birth_date", p.birth_date.clone()),
        ("birth_year", p.birth_year.map(|y| y.to_string())),
        ("birth_place", p.birth_place.clone()),
        ("citizenship", p.citizenship.clone()),
        ("fiscal_code", p.fiscal_code.clone()),
        ("languages", p.languages.clone()),
        ("needs_mediator", Some(p.needs_mediator.to_string())),
        ("residence", p.residence.clone()),
        ("contacts", p.contacts.clone()),
        ("safety_notes", p.safety_notes.clone()),
    ]
}

/// Ids as the body of an SQL `IN (…)` list (numbers only, so safe to inline).
pub(crate) fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Longest time a link search follows links (records joined in one chain).
const MAX_GROUP: usize = 50;

impl Db {
    /// A person record; `NotFound` when there is none.
    pub async fn person(&self, id: i64) -> Result<StoredPerson, DbError> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1");
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

    /// Several person records, in no order.
    pub async fn persons(&self, ids: &[i64]) -> Result<Vec<StoredPerson>, DbError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {PERSON_COLUMNS} FROM persons WHERE id IN ({})",
            id_list(ids)
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

    /// The names and aliases of these records, oldest first.
    pub async fn person_names(&self, ids: &[i64]) -> Result<Vec<PersonName>, DbError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT n.person_id, n.kind, n.value, n.source, r.code AS report_code, n.at
             FROM person_names n LEFT JOIN reports r ON r.id = n.report_id
             WHERE n.person_id IN ({}) ORDER BY n.at, n.id",
            id_list(ids)
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

    /// The record and every record linked to it, directly or through others (at most
    /// [`MAX_GROUP`]), smallest id first.
    pub async fn person_group(&self, id: i64) -> Result<Vec<i64>, DbError> {
        let mut group = vec![id];
        let mut frontier = vec![id];
        while !frontier.is_empty() && group.len() < MAX_GROUP {
            let list = id_list(&frontier);
            let sql = format!(
                "SELECT person_id, other_id FROM person_links WHERE unlinked_at IS NULL
                 AND (person_id IN ({list}) OR other_id IN ({list}))"
            );
            let pairs: Vec<(i64, i64)> = dispatch!(
                self,
                read | pool | {
                    sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .fetch_all(pool)
                        .await
                }
            )?;
            frontier.clear();
            for (a, b) in pairs {
                for x in [a, b] {
                    if !group.contains(&x) && group.len() < MAX_GROUP {
                        group.push(x);
                        frontier.push(x);
                    }
                }
            }
        }
        group.sort_unstable();
        Ok(group)
    }

    /// The reports naming these records, newest first.
    pub async fn sightings(&self, ids: &[i64]) -> Result<Vec<Sighting>, DbError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT p.person_id, r.id AS report_id, r.code, r.ambito_id, r.municipality,
                    r.protected, r.status, r.outcome, r.target_group,
                    r.reporter_organisation_id, r.received_at, p.role
             FROM report_persons p JOIN reports r ON r.id = p.report_id
             WHERE p.person_id IN ({}) ORDER BY r.received_at DESC, r.id DESC",
            id_list(ids)
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

    /// Who takes care of each of these reports: `(report, user)` pairs.
    pub async fn assignees_of(&self, report_ids: &[i64]) -> Result<Vec<(i64, i64)>, DbError> {
        if report_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT report_id, user_id FROM report_assignees WHERE report_id IN ({})",
            id_list(report_ids)
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

    /// The records of these Ambiti that share at least `needed` of `grams` with a typed name,
    /// those sharing most first, and those with this fiscal code before all; at most `limit`.
    pub async fn person_candidates(
        &self,
        ambiti: &[AmbitoId],
        typed_grams: &[String],
        needed: usize,
        fiscal_code: Option<&str>,
        limit: usize,
    ) -> Result<Vec<i64>, DbError> {
        if ambiti.is_empty() {
            return Ok(Vec::new());
        }
        let ambiti = crate::ambito_list(ambiti);
        let mut out: Vec<i64> = Vec::new();
        if let Some(code) = fiscal_code {
            let sql = format!(
                "SELECT id FROM persons WHERE ambito_id IN ({ambiti}) AND fiscal_code = $1
                 ORDER BY id LIMIT $2"
            );
            let found: Vec<(i64,)> = dispatch!(
                self,
                read | pool | {
                    sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(code)
                        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                        .fetch_all(pool)
                        .await
                }
            )?;
            out.extend(found.into_iter().map(|(id,)| id));
        }
        if !typed_grams.is_empty() {
            // Grams are letters, digits and spaces only (see `presidio_domain::person::grams`);
            // they are bound all the same.
            let marks = (0..typed_grams.len())
                .map(|i| format!("${}", i + 3))
                .collect::<Vec<_>>()
                .join(",");
            let sql = format!(
                "SELECT person_id FROM person_grams
                 WHERE ambito_id IN ({ambiti}) AND gram IN ({marks})
                 GROUP BY person_id HAVING COUNT(*) >= $1
                 ORDER BY COUNT(*) DESC, person_id DESC LIMIT $2"
            );
            let found: Vec<(i64,)> = dispatch!(
                self,
                read | pool | {
                    let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(i64::try_from(needed).unwrap_or(i64::MAX))
                        .bind(i64::try_from(limit).unwrap_or(i64::MAX));
                    for g in typed_grams {
                        q = q.bind(g);
                    }
                    q.fetch_all(pool).await
                }
            )?;
            for (id,) in found {
                if !out.contains(&id) {
                    out.push(id);
                }
            }
        }
        out.truncate(limit);
        Ok(out)
    }

    /// The records of these Ambiti born in `year`, newest first; at most `limit`.
    pub async fn persons_born(
        &self,
        ambiti: &[AmbitoId],
        year: i64,
        limit: usize,
    ) -> Result<Vec<i64>, DbError> {
        if ambiti.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id FROM persons WHERE ambito_id IN ({}) AND birth_year = $1
             ORDER BY updated_at DESC, id DESC LIMIT $2",
            crate::ambito_list(ambiti)
        );
        let found: Vec<(i64,)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(year)
                    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                    .fetch_all(pool)
                    .await
            }
        )?;
        Ok(found.into_iter().map(|(id,)| id).collect())
    }

    /// The standing and past links of these records, newest first.
    pub async fn person_links(&self, ids: &[i64]) -> Result<Vec<PersonLink>, DbError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = id_list(ids);
        let sql = format!(
            "SELECT id, person_id, other_id, reason, linked_by, linked_at, unlinked_by,
                    unlinked_at, unlink_reason
             FROM person_links WHERE person_id IN ({list}) OR other_id IN ({list})
             ORDER BY linked_at DESC, id DESC"
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

    /// Links two records of one Ambito found to be the same person, with the reason; `Conflict`
    /// when they are already linked.
    pub async fn link_persons(
        &self,
        ambito: AmbitoId,
        a: i64,
        b: i64,
        reason: &str,
        by: i64,
        audit: &Entry,
    ) -> Result<(), DbError> {
        let at = crate::now().0;
        let result = dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO person_links (ambito_id, person_id, other_id, reason, linked_by,
                        linked_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(ambito.0)
                .bind(a)
                .bind(b)
                .bind(reason)
                .bind(by)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                regroup!(tx, vec![a]).await?;
                let mut entry = audit.clone().record("person", a);
                entry.reason = format!("link={id} other={b}");
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<(), sqlx::Error>(())
            }
        );
        match result {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(DbError::Conflict),
            other => Ok(other?),
        }
    }

    /// Undoes the standing link between two records, with the reason; `NotFound` when there is
    /// none.
    pub async fn unlink_persons(
        &self,
        a: i64,
        b: i64,
        reason: &str,
        by: i64,
        audit: &Entry,
    ) -> Result<(), DbError> {
        let at = crate::now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let undone: Option<(i64,)> = sqlx::query_as(
                    "UPDATE person_links SET unlinked_at = $3, unlinked_by = $4, unlink_reason = $5
                     WHERE unlinked_at IS NULL AND ((person_id = $1 AND other_id = $2)
                        OR (person_id = $2 AND other_id = $1))
                     RETURNING id",
                )
                .bind(a)
                .bind(b)
                .bind(at)
                .bind(by)
                .bind(reason)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((id,)) = undone else {
                    return Err(DbError::NotFound);
                };
                regroup!(tx, vec![a, b]).await?;
                let mut entry = audit.clone().record("person", a);
                entry.reason = format!("unlink={id} other={b}");
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<(), DbError>(())
            }
        )
    }

    /// Detaches the person of report `report` attached to one of the records `group` (a wrong
    /// choice at intake): they get a record of their own, made from what was typed in the
    /// report, with the names typed there; the names that came only from that report leave the
    /// old record. The old record's history keeps the report's number and `reason`. Returns the
    /// old record and the new one; `NotFound` when no person of the report is attached there,
    /// `Conflict` when it is the record's only report person (nothing would be left to it).
    pub async fn detach_report_person(
        &self,
        group: &[i64],
        report: i64,
        reason: &str,
        by: i64,
        audit: &Entry,
    ) -> Result<(i64, i64), DbError> {
        let at = crate::now().0;
        let sql = format!(
            "SELECT rp.id, rp.person_id, rp.name, rp.alias, r.ambito_id, r.code
             FROM report_persons rp JOIN reports r ON r.id = rp.report_id
             WHERE rp.report_id = $1 AND rp.person_id IN ({}) ORDER BY rp.position LIMIT 1",
            id_list(group)
        );
        dispatch!(
            self,
            write
                | pool
                | {
                    let mut tx = pool.begin().await?;
                    let row: Option<AttachedPerson> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(report)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some((rp, old, name, alias, ambito, code)) = row else {
                        return Err(DbError::NotFound);
                    };
                    let (others,): (i64,) = sqlx::query_as(
                        "SELECT COUNT(*) FROM report_persons WHERE person_id = $1 AND id <> $2",
                    )
                    .bind(old)
                    .bind(rp)
                    .fetch_one(&mut *tx)
                    .await?;
                    if others == 0 {
                        return Err(DbError::Conflict);
                    }
                    let (new,): (i64,) = sqlx::query_as(
                        "INSERT INTO persons (ambito_id, name, sex, birth_year, age_band,
                        citizenship, fiscal_code, languages, needs_mediator, created_at,
                        updated_at)
                     SELECT r.ambito_id, rp.name, rp.sex,
                        CASE WHEN rp.age IS NULL THEN NULL ELSE r.year - rp.age END,
                        rp.age_band, rp.citizenship, rp.fiscal_code, rp.language,
                        rp.needs_mediator, $2, $2
                     FROM report_persons rp JOIN reports r ON r.id = rp.report_id
                     WHERE rp.id = $1 RETURNING id",
                    )
                    .bind(rp)
                    .bind(at)
                    .fetch_one(&mut *tx)
                    .await?;
                    // Guarded: of two detaches at once, the second finds the person moved already.
                    let moved = sqlx::query(
                        "UPDATE report_persons SET person_id = $2 WHERE id = $1 AND person_id = $3",
                    )
                    .bind(rp)
                    .bind(new)
                    .bind(old)
                    .execute(&mut *tx)
                    .await?;
                    if moved.rows_affected() == 0 {
                        return Err(DbError::NotFound);
                    }
                    let source = NameSource::Segnalazione.code();
                    for (kind, value) in [("name", &name), ("alias", &alias)] {
                        if let Some(value) = value.as_deref() {
                            add_name!(tx, new, ambito, kind, value, source, Some(report), at)
                                .await?;
                        }
                    }
                    drop_report_names!(tx, old, report, ambito).await?;
                    sqlx::query(
                    "INSERT INTO person_corrections (person_id, at, actor_id, field, previous, value)
                     VALUES ($1, $2, $3, 'detached_report', $4, $5)",
                )
                .bind(old)
                .bind(at)
                .bind(by)
                .bind(&code)
                .bind(reason)
                .execute(&mut *tx)
                .await?;
                    sqlx::query(
                        "UPDATE persons SET version = version + 1, updated_at = $2 WHERE id = $1",
                    )
                    .bind(old)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                    let mut entry = audit.clone().record("person", old);
                    entry.reason = format!("detach report={report} new={new}");
                    append!(tx, &entry).await?;
                    tx.commit().await?;
                    Ok::<(i64, i64), DbError>((old, new))
                }
        )
    }

    /// Sets how many years after their last report the records of persons whose reports are
    /// all closed are kept, for the Ambito with `code` (none: kept). `NotFound` for no such
    /// Ambito.
    pub async fn set_person_retention(
        &self,
        code: &str,
        years: Option<u32>,
    ) -> Result<(), DbError> {
        let done = dispatch!(
            self,
            write | pool | {
                sqlx::query("UPDATE ambiti SET person_retention_years = $2 WHERE code = $1")
                    .bind(code)
                    .bind(years.map(i64::from))
                    .execute(pool)
                    .await
                    .map(|r| r.rows_affected())
            }
        )?;
        if done == 0 {
            return Err(DbError::NotFound);
        }
        Ok(())
    }

    /// The Ambiti with a retention of person records, and its years.
    pub async fn person_retention(&self) -> Result<Vec<(AmbitoId, i64)>, DbError> {
        let rows: Vec<(i64, i64)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT id, person_retention_years FROM ambiti
                     WHERE person_retention_years IS NOT NULL ORDER BY id",
                )
                .fetch_all(pool)
                .await
            }
        )?;
        Ok(rows.into_iter().map(|(a, y)| (AmbitoId(a), y)).collect())
    }

    /// Anonymises, in Ambito `ambito`, up to `limit` records of persons not yet anonymised
    /// whose reports are all closed and were all received before `before`: what identifies
    /// them leaves the record (names, aliases, birth date and place, fiscal code, languages,
    /// contacts, safety notes, corrections) and their lines in the reports (name, alias, fiscal
    /// code, language); sex, age and age band, citizenship and every report stay, so the
    /// statistics do not change. One audit entry per record. Returns the records anonymised.
    pub async fn anonymise_persons(
        &self,
        ambito: AmbitoId,
        before: i64,
        limit: i64,
        audit: &Entry,
    ) -> Result<Vec<i64>, DbError> {
        let at = crate::now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let due: Vec<(i64,)> = sqlx::query_as(
                    "SELECT p.id FROM persons p
                     WHERE p.ambito_id = $1 AND p.anonymised_at IS NULL
                       AND EXISTS (SELECT 1 FROM report_persons rp WHERE rp.person_id = p.id)
                       AND NOT EXISTS (SELECT 1 FROM report_persons rp
                            JOIN reports r ON r.id = rp.report_id
                            WHERE rp.person_id = p.id
                              AND (r.status <> 'closed' OR r.received_at >= $2))
                     ORDER BY p.id LIMIT $3",
                )
                .bind(ambito.0)
                .bind(before)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
                let ids: Vec<i64> = due.into_iter().map(|(id,)| id).collect();
                for id in &ids {
                    anonymise!(tx, *id, at).await?;
                    let mut entry = audit.clone().record("person", *id);
                    entry.section = "retention".into();
                    entry.reason = "anonymised".into();
                    append!(tx, &entry).await?;
                }
                tx.commit().await?;
                Ok::<Vec<i64>, sqlx::Error>(ids)
            }
        )
        .map_err(Into::into)
    }

    /// Corrects a person's details still at `version`: every changed field kept in the history
    /// with what it was, a new name added to the names. `Conflict` when the record changed since.
    pub async fn correct_person(
        &self,
        id: i64,
        version: i64,
        details: &Details,
        by: i64,
        audit: &Entry,
    ) -> Result<i64, DbError> {
        let at = crate::now().0;
        let before = self.person(id).await?;
        let changes: Vec<(&str, Option<String>, Option<String>)> = stored_fields(&before)
            .into_iter()
            .zip(fields_of(details))
            .filter(|((_, a), (_, b))| a != b)
            .map(|((field, a), (_, b))| (field, a, b))
            .collect();
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let saved: Option<(i64,)> = sqlx::query_as(
                    "UPDATE persons SET name = $3, sex = $4, birth_date = $5, birth_year = $6,
                        birth_place = $7, citizenship = $8, fiscal_code = $9, languages = $10,
                        needs_mediator = $11, residence = $12, contacts = $13, safety_notes = $14,
                        version = version + 1, updated_at = $15
                     WHERE id = $1 AND version = $2 RETURNING version",
                )
                .bind(id)
                .bind(version)
                .bind(details.name.as_deref())
                .bind(details.sex.code())
                .bind(details.birth_date.map(|d| d.to_string()))
                .bind(details.birth_year.map(i64::from))
                .bind(details.birth_place.as_deref())
                .bind(details.citizenship.as_deref())
                .bind(details.fiscal_code.as_deref())
                .bind(details.languages.as_deref())
                .bind(i64::from(details.needs_mediator))
                .bind(details.residence.as_deref())
                .bind(details.contacts.as_deref())
                .bind(details.safety_notes.as_deref())
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((new_version,)) = saved else {
                    return Err(DbError::Conflict);
                };
                for (field, previous, value) in &changes {
                    sqlx::query(
                        "INSERT INTO person_corrections (person_id, at, actor_id, field, previous,
                            value)
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(id)
                    .bind(at)
                    .bind(by)
                    .bind(*field)
                    .bind(previous.as_deref())
                    .bind(value.as_deref())
                    .execute(&mut *tx)
                    .await?;
                }
                if let Some(name) = details.name.as_deref() {
                    add_name!(
                        tx,
                        id,
                        before.ambito_id,
                        "name",
                        name,
                        NameSource::Correzione.code(),
                        None::<i64>,
                        at
                    )
                    .await?;
                }
                let mut entry = audit.clone().record("person", id);
                entry.section = "identity".into();
                entry.reason = changes
                    .iter()
                    .map(|(f, _, _)| *f)
                    .collect::<Vec<_>>()
                    .join(",");
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<i64, DbError>(new_version)
            }
        )
    }

    /// The corrections of a record, oldest first.
    pub async fn person_corrections(&self, id: i64) -> Result<Vec<PersonCorrection>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT at, actor_id, field, previous, value FROM person_corrections
                     WHERE person_id = $1 ORDER BY id",
                )
                .bind(id)
                .fetch_all(pool)
                .await
            }
        )?)
    }

    /// Writes the names and grams of the records carried over from before persons existed; run
    /// at start, it finds nothing to do after the first time.
    pub async fn index_pending_persons(&self) -> Result<usize, DbError> {
        let mut done = 0;
        loop {
            let batch: Vec<(i64, i64)> = dispatch!(
                self,
                read | pool | {
                    sqlx::query_as(
                        "SELECT id, ambito_id FROM persons WHERE indexed = 0 ORDER BY id LIMIT 500",
                    )
                    .fetch_all(pool)
                    .await
                }
            )?;
            if batch.is_empty() {
                return Ok(done);
            }
            let ids: Vec<i64> = batch.iter().map(|(id, _)| *id).collect();
            let names = self.person_names(&ids).await?;
            dispatch!(
                self,
                write
                    | pool
                    | {
                        let mut tx = pool.begin().await?;
                        for n in &names {
                            let ambito = batch
                                .iter()
                                .find(|(id, _)| *id == n.person_id)
                                .map_or(0, |(_, a)| *a);
                            sqlx::query(
                            "UPDATE person_names SET name_key = $3 WHERE person_id = $1 AND value = $2",
                        )
                        .bind(n.person_id)
                        .bind(&n.value)
                        .bind(key(&n.value))
                        .execute(&mut *tx)
                        .await?;
                            for gram in grams(&n.value) {
                                sqlx::query(
                                    "INSERT INTO person_grams (ambito_id, gram, person_id)
                                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                                )
                                .bind(ambito)
                                .bind(gram)
                                .bind(n.person_id)
                                .execute(&mut *tx)
                                .await?;
                            }
                        }
                        let sql = format!(
                            "UPDATE persons SET indexed = 1 WHERE id IN ({})",
                            id_list(&ids)
                        );
                        sqlx::query(sqlx::AssertSqlSafe(sql))
                            .execute(&mut *tx)
                            .await?;
                        tx.commit().await?;
                        Ok::<(), sqlx::Error>(())
                    }
            )?;
            done += ids.len();
        }
    }
}
