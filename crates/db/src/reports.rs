//! Reports: creation with an atomic protocol number, reading with their people and history,
//! the board list, triage, status moves and the diary. Every write appends its audit entry in
//! the same transaction; versions refuse stale saves.

use presidio_domain::audit::Entry;
use presidio_domain::reference::{AmbitoId, IstatCode};
use presidio_domain::report::lifecycle::{self, Status};
use presidio_domain::report::triage::{NotPertinentReason, Outcome, Triage};
use presidio_domain::report::{
    AgeBand, Channel, DiaryKind, Person, PersonRole, Report, ReportData, Reporter, ReporterKind,
    RiskFlag, Sex, TargetGroup, protocol_code,
};
use presidio_domain::time::UtcMillis;

use crate::audit::append;
use crate::{Db, DbError, dispatch, now};

/// What a new report gets back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRef {
    pub id: i64,
    pub code: String,
    pub status: Status,
    pub version: i64,
}

/// Who records a report and for whom.
#[derive(Debug, Clone, Copy)]
pub struct NewReport<'a> {
    pub ambito: AmbitoId,
    pub data: &'a ReportData,
    /// The municipality is outside the report's Ambito (or unknown).
    pub outside_ambito: bool,
    pub created_by: Option<i64>,
    pub reporter_organisation: Option<i64>,
    /// The year of the protocol number (of the creation day, in Rome).
    pub year: i16,
}

/// A line of the board or of a list.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportLine {
    pub id: i64,
    pub ambito_id: i64,
    pub code: String,
    pub received_at: i64,
    pub status: String,
    pub status_at: i64,
    pub outcome: Option<String>,
    pub municipality: Option<String>,
    pub municipality_name: Option<String>,
    pub target_group: String,
    pub protected: i64,
    pub assigned_name: Option<String>,
    pub reporter_organisation_id: Option<i64>,
    pub version: i64,
}

/// Filters of the report list; empty ones match everything.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    pub ambiti: Vec<AmbitoId>,
    pub status: Option<Status>,
    /// Only open reports (the board).
    pub open_only: bool,
    pub municipality: Option<IstatCode>,
    pub from: Option<UtcMillis>,
    pub to: Option<UtcMillis>,
    /// Only the reports sent by this organisation (a reporter's own list).
    pub reporter_organisation: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// One move of the status history.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StatusEvent {
    pub at: i64,
    pub actor: Option<String>,
    pub status_from: Option<String>,
    pub status_to: String,
    pub note: String,
    /// The closing outcome on a closing move, `reopened` on a reopening.
    pub detail: Option<String>,
}

/// One triage decision.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TriageRecord {
    pub at: i64,
    pub actor: Option<String>,
    pub outcome: String,
    pub not_pertinent_reason: Option<String>,
    pub redirected_to: Option<String>,
    pub rationale: String,
    pub criteria: String,
}

/// One diary entry.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DiaryEntry {
    pub id: i64,
    pub at: i64,
    pub actor: Option<String>,
    pub kind: String,
    pub text: String,
    pub corrects: Option<i64>,
    /// When the server received a note written on the phone without network (`at` is then
    /// the tap's time).
    pub received_at: Option<i64>,
}

/// A diary entry to add: a correction names the entry it corrects; a note written on the
/// phone without network carries the time it was tapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiaryNote<'a> {
    pub kind: DiaryKind,
    pub text: &'a str,
    pub corrects: Option<i64>,
    pub tapped: Option<UtcMillis>,
}

/// The history of a report, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    pub events: Vec<StatusEvent>,
    pub triages: Vec<TriageRecord>,
    pub diary: Vec<DiaryEntry>,
}

/// Why a move or a triage was refused.
#[derive(Debug, thiserror::Error)]
pub enum MoveError {
    #[error(transparent)]
    Transition(#[from] lifecycle::BadTransition),
    #[error(transparent)]
    Db(#[from] DbError),
}

#[derive(sqlx::FromRow)]
struct ReportRow {
    id: i64,
    ambito_id: i64,
    code: String,
    received_at: i64,
    channel: String,
    reporter_kind: String,
    reporter_organization: Option<String>,
    reporter_name: Option<String>,
    reporter_phone: Option<String>,
    reporter_reference: Option<String>,
    reporter_organisation_id: Option<i64>,
    partner_id: Option<i64>,
    municipality: Option<String>,
    outside_ambito: i64,
    place: Option<String>,
    current_location: Option<String>,
    target_group: String,
    risk_flags: String,
    description: String,
    flagged: i64,
    status: String,
    status_at: i64,
    outcome: Option<String>,
    triaged_at: Option<i64>,
    created_by: Option<i64>,
    version: i64,
    closing_outcome: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PersonRow {
    role: String,
    name: Option<String>,
    alias: Option<String>,
    sex: String,
    age: Option<i64>,
    age_band: Option<String>,
    citizenship: Option<String>,
    fiscal_code: Option<String>,
    language: Option<String>,
    needs_mediator: i64,
    known_to_services: Option<i64>,
    person_id: Option<i64>,
    relationship: Option<String>,
}

fn corrupt(column: &'static str) -> DbError {
    DbError::Corrupt(column)
}

fn parse<T>(
    value: &str,
    f: impl Fn(&str) -> Option<T>,
    column: &'static str,
) -> Result<T, DbError> {
    f(value).ok_or(corrupt(column))
}

fn person(row: PersonRow) -> Result<Person, DbError> {
    Ok(Person {
        role: parse(&row.role, PersonRole::parse, "report_persons.role")?,
        name: row.name,
        alias: row.alias,
        sex: parse(&row.sex, Sex::parse, "report_persons.sex")?,
        age: row.age.and_then(|a| u8::try_from(a).ok()),
        age_band: row.age_band.as_deref().and_then(AgeBand::parse),
        citizenship: row.citizenship,
        fiscal_code: row.fiscal_code,
        language: row.language,
        needs_mediator: row.needs_mediator == 1,
        known_to_services: row.known_to_services.map(|v| v == 1),
        person_id: row.person_id,
        relationship: row
            .relationship
            .as_deref()
            .and_then(presidio_domain::person::Relationship::parse),
    })
}

fn report(row: ReportRow, persons: Vec<PersonRow>, assigned: Vec<i64>) -> Result<Report, DbError> {
    let risk_flags = row
        .risk_flags
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|f| parse(f, RiskFlag::parse, "reports.risk_flags"))
        .collect::<Result<_, _>>()?;
    Ok(Report {
        id: row.id,
        ambito: AmbitoId(row.ambito_id),
        code: row.code,
        data: ReportData {
            received_at: UtcMillis(row.received_at),
            channel: parse(&row.channel, Channel::parse, "reports.channel")?,
            reporter: Reporter {
                kind: parse(
                    &row.reporter_kind,
                    ReporterKind::parse,
                    "reports.reporter_kind",
                )?,
                organization: row.reporter_organization,
                name: row.reporter_name,
                phone: row.reporter_phone,
                reference: row.reporter_reference,
                organisation: row.partner_id,
            },
            municipality: row
                .municipality
                .as_deref()
                .map(|m| IstatCode::parse(m).map_err(|_| corrupt("reports.municipality")))
                .transpose()?,
            place: row.place,
            current_location: row.current_location,
            target_group: parse(
                &row.target_group,
                TargetGroup::parse,
                "reports.target_group",
            )?,
            persons: persons.into_iter().map(person).collect::<Result<_, _>>()?,
            risk_flags,
            description: row.description,
            protected: row.flagged == 1,
        },
        outside_ambito: row.outside_ambito == 1,
        status: parse(&row.status, Status::parse, "reports.status")?,
        status_at: UtcMillis(row.status_at),
        outcome: row.outcome.as_deref().and_then(Outcome::parse),
        triaged_at: row.triaged_at.map(UtcMillis),
        created_by: row.created_by,
        reporter_organisation: row.reporter_organisation_id,
        assigned,
        closing_outcome: row
            .closing_outcome
            .as_deref()
            .and_then(lifecycle::ClosingOutcome::parse),
        version: row.version,
    })
}

fn flags(data: &ReportData) -> String {
    data.risk_flags
        .iter()
        .map(|f| f.code())
        .collect::<Vec<_>>()
        .join(",")
}

const REPORT_COLUMNS: &str = "id, ambito_id, code, received_at, channel, reporter_kind,
    reporter_organization, reporter_name, reporter_phone, reporter_reference,
    reporter_organisation_id, partner_id, municipality, outside_ambito, place, current_location,
    target_group, risk_flags, description, flagged, status, status_at, outcome, triaged_at,
    created_by, version, closing_outcome";

/// Inside the open transaction `tx`, after a versioned update touched nothing: evaluates to
/// `NotFound` when report `id` is gone, else `Conflict`.
macro_rules! conflict_or_missing {
    ($tx:expr, $id:expr) => {
        async {
            let found: Result<Option<(i64,)>, sqlx::Error> =
                sqlx::query_as("SELECT id FROM reports WHERE id = $1")
                    .bind($id)
                    .fetch_optional(&mut *$tx)
                    .await;
            match found {
                Ok(Some(_)) => DbError::Conflict,
                Ok(None) => DbError::NotFound,
                Err(e) => e.into(),
            }
        }
    };
}

/// Inside the open transaction `tx`: records a status move of report `id` in its history.
/// Evaluates to `Result<(), sqlx::Error>`.
macro_rules! record_move {
    ($tx:expr, $id:expr, $at:expr, $actor:expr, $from:expr, $to:expr, $note:expr) => {
        record_move!($tx, $id, $at, $actor, $from, $to, $note, None::<&str>)
    };
    ($tx:expr, $id:expr, $at:expr, $actor:expr, $from:expr, $to:expr, $note:expr, $detail:expr) => {
        sqlx::query(
            "INSERT INTO report_events (report_id, at, actor_id, status_from, status_to, note,
                detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind($id)
        .bind($at)
        .bind($actor)
        .bind($from)
        .bind($to)
        .bind($note)
        .bind($detail)
        .execute(&mut *$tx)
    };
}

/// Inside `tx`: moves report `$id` from `$from` to `$to` at `$at`, recording the move (no
/// lifecycle check: the caller made it). Evaluates to `Result<(), sqlx::Error>`.
macro_rules! set_status {
    ($tx:expr, $id:expr, $from:expr, $to:expr, $at:expr, $actor:expr) => {
        async {
            sqlx::query(
                "UPDATE reports SET status = $2, status_at = $3, version = version + 1,
                    updated_at = $3 WHERE id = $1",
            )
            .bind($id)
            .bind($to.code())
            .bind($at)
            .execute(&mut *$tx)
            .await?;
            sqlx::query(
                "INSERT INTO report_events (report_id, at, actor_id, status_from, status_to, note)
                 VALUES ($1, $2, $3, $4, $5, '')",
            )
            .bind($id)
            .bind($at)
            .bind($actor)
            .bind($from.code())
            .bind($to.code())
            .execute(&mut *$tx)
            .await?;
            Ok::<(), sqlx::Error>(())
        }
    };
}
pub(crate) use set_status;

/// Inside `tx`: the status, latest triage outcome, code and version of report `$id`.
/// Evaluates to `Result<(Status, Option<Outcome>, String, i64), DbError>`.
macro_rules! current_status {
    ($tx:expr, $id:expr) => {
        async {
            let current: Option<(String, Option<String>, String, i64)> =
                sqlx::query_as("SELECT status, outcome, code, version FROM reports WHERE id = $1")
                    .bind($id)
                    .fetch_optional(&mut *$tx)
                    .await?;
            let (status, outcome, code, version) = current.ok_or(DbError::NotFound)?;
            let from = Status::parse(&status).ok_or(corrupt("reports.status"))?;
            Ok::<_, DbError>((
                from,
                outcome.as_deref().and_then(Outcome::parse),
                code,
                version,
            ))
        }
    };
}

/// Inside the open transaction `tx`: writes the people of report `id` (replacing any), each
/// attached to its person record: the one chosen, else the one the person at the same place had
/// before, else a new one. `$year` is the year of the report's arrival, for birth years.
macro_rules! write_persons {
    ($tx:expr, $id:expr, $persons:expr, $year:expr) => {
        async {
            let (ambito,): (i64,) = sqlx::query_as("SELECT ambito_id FROM reports WHERE id = $1")
                .bind($id)
                .fetch_one(&mut *$tx)
                .await?;
            let before: Vec<(i64, Option<i64>)> = sqlx::query_as(
                "SELECT position, person_id FROM report_persons WHERE report_id = $1",
            )
            .bind($id)
            .fetch_all(&mut *$tx)
            .await?;
            sqlx::query("DELETE FROM report_persons WHERE report_id = $1")
                .bind($id)
                .execute(&mut *$tx)
                .await?;
            let at = $crate::now().0;
            let year: i16 = $year;
            let mut ids: Vec<i64> = Vec::new();
            for (position, p) in $persons.iter().enumerate() {
                let position = i64::try_from(position).unwrap_or(i64::MAX);
                let kept = before
                    .iter()
                    .find(|(at, _)| *at == position)
                    .and_then(|(_, person)| *person);
                let birth_year = p
                    .age
                    .map(|age| i64::from(presidio_domain::person::birth_year_of(age, year)));
                let person_id = $crate::persons::attach_person!(
                    $tx,
                    ambito,
                    $id,
                    p,
                    p.person_id.or(kept),
                    birth_year,
                    at
                )
                .await?;
                sqlx::query(
                    "INSERT INTO report_persons (report_id, position, role, name, alias, sex, age,
                        age_band, citizenship, fiscal_code, language, needs_mediator,
                        known_to_services, person_id, relationship)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                )
                .bind($id)
                .bind(position)
                .bind(p.role.code())
                .bind(p.name.as_deref())
                .bind(p.alias.as_deref())
                .bind(p.sex.code())
                .bind(p.age.map(i64::from))
                .bind(p.age_band.map(|b| b.code()))
                .bind(p.citizenship.as_deref())
                .bind(p.fiscal_code.as_deref())
                .bind(p.language.as_deref())
                .bind(i64::from(p.needs_mediator))
                .bind(p.known_to_services.map(i64::from))
                .bind(person_id)
                .bind(p.relationship.map(|r| r.code()))
                .execute(&mut *$tx)
                .await?;
                ids.push(person_id);
            }
            // Persons related to the first are of its household.
            if let Some(first) = ids.first().copied() {
                for (p, member) in $persons.iter().zip(&ids).skip(1) {
                    if let Some(relationship) = p.relationship {
                        $crate::households::join!(
                            $tx,
                            ambito,
                            first,
                            *member,
                            relationship.code(),
                            Some($id),
                            None::<i64>,
                            at
                        )
                        .await?;
                    }
                }
            }
            Ok::<(), sqlx::Error>(())
        }
    };
}

impl Db {
    /// Stores a new report with the next protocol number of its Ambito and year, its people,
    /// its creator as assignee, its first status event and its audit entry, in one transaction.
    pub async fn create_report(
        &self,
        new: &NewReport<'_>,
        audit: &Entry,
    ) -> Result<ReportRef, DbError> {
        let at = now().0;
        let d = new.data;
        let created = dispatch!(
            self,
            write
                | pool
                | {
                    let mut tx = pool.begin().await?;
                    let (number,): (i64,) = sqlx::query_as(
                        "INSERT INTO report_counters (ambito_id, year, last) VALUES ($1, $2, 1)
                     ON CONFLICT (ambito_id, year) DO UPDATE SET last = report_counters.last + 1
                     RETURNING last",
                    )
                    .bind(new.ambito.0)
                    .bind(i64::from(new.year))
                    .fetch_one(&mut *tx)
                    .await?;
                    let (prefix,): (String,) =
                        sqlx::query_as("SELECT report_prefix FROM ambiti WHERE id = $1")
                            .bind(new.ambito.0)
                            .fetch_one(&mut *tx)
                            .await?;
                    let code = protocol_code(&prefix, new.year, number);
                    let (day, band) = crate::stats::arrival(d.received_at);
                    let (id,): (i64,) = sqlx::query_as(
                        "INSERT INTO reports (ambito_id, year, number, code, received_at, channel,
                        reporter_kind, reporter_organization, reporter_name, reporter_phone,
                        reporter_reference, reporter_organisation_id, municipality, outside_ambito,
                        place, current_location, target_group, risk_flags, description, flagged,
                        protected, status, status_at, created_by, created_at, updated_at,
                        received_day, time_band, partner_id)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                        $16, $17, $18, $19, $20, $21, 'received', $22, $23, $22, $22, $24, $25,
                        $26)
                     RETURNING id",
                    )
                    .bind(new.ambito.0)
                    .bind(i64::from(new.year))
                    .bind(number)
                    .bind(&code)
                    .bind(d.received_at.0)
                    .bind(d.channel.code())
                    .bind(d.reporter.kind.code())
                    .bind(d.reporter.organization.as_deref())
                    .bind(d.reporter.name.as_deref())
                    .bind(d.reporter.phone.as_deref())
                    .bind(d.reporter.reference.as_deref())
                    .bind(new.reporter_organisation)
                    .bind(d.municipality.as_ref().map(IstatCode::as_str))
                    .bind(i64::from(new.outside_ambito))
                    .bind(d.place.as_deref())
                    .bind(d.current_location.as_deref())
                    .bind(d.target_group.code())
                    .bind(flags(d))
                    .bind(&d.description)
                    .bind(i64::from(d.protected))
                    .bind(i64::from(d.is_protected()))
                    .bind(at)
                    .bind(new.created_by)
                    .bind(&day)
                    .bind(band)
                    .bind(d.reporter.organisation)
                    .fetch_one(&mut *tx)
                    .await?;
                    write_persons!(tx, id, d.persons, d.received_at.in_rome().year()).await?;
                    // Who records a report takes it in charge; a reporting organisation's
                    // sender does not: the Centrale does.
                    if let (Some(user), None) = (new.created_by, new.reporter_organisation) {
                        sqlx::query(
                        "INSERT INTO report_assignees (report_id, user_id, since) VALUES ($1, $2, $3)",
                    )
                    .bind(id)
                    .bind(user)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                    }
                    record_move!(tx, id, at, new.created_by, None::<&str>, "received", "").await?;
                    append!(tx, &audit.clone().record("report", id)).await?;
                    tx.commit().await?;
                    Ok::<_, sqlx::Error>(ReportRef {
                        id,
                        code,
                        status: Status::Received,
                        version: 1,
                    })
                }
        )?;
        Ok(created)
    }

    /// A report with its people and assignees; `NotFound` when there is none.
    pub async fn report(&self, id: i64) -> Result<Report, DbError> {
        let sql = format!("SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1");
        let (row, persons, assigned): (Option<ReportRow>, Vec<PersonRow>, Vec<(i64,)>) = dispatch!(
            self,
            read | pool | {
                let row = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(pool)
                    .await?;
                let persons = sqlx::query_as(
                    "SELECT role, name, alias, sex, age, age_band, citizenship, fiscal_code,
                        language, needs_mediator, known_to_services, person_id, relationship
                     FROM report_persons WHERE report_id = $1 ORDER BY position",
                )
                .bind(id)
                .fetch_all(pool)
                .await?;
                let assigned = sqlx::query_as(
                    "SELECT user_id FROM report_assignees WHERE report_id = $1 ORDER BY since",
                )
                .bind(id)
                .fetch_all(pool)
                .await?;
                Ok::<_, sqlx::Error>((row, persons, assigned))
            }
        )?;
        let row = row.ok_or(DbError::NotFound)?;
        report(row, persons, assigned.into_iter().map(|(u,)| u).collect())
    }

    /// The status moves, triage decisions and diary of a report, oldest first.
    pub async fn report_history(&self, id: i64) -> Result<History, DbError> {
        let history = dispatch!(
            self,
            read | pool | {
                let events = sqlx::query_as(
                    "SELECT e.at, u.name AS actor, e.status_from, e.status_to, e.note, e.detail
                     FROM report_events e LEFT JOIN users u ON u.id = e.actor_id
                     WHERE e.report_id = $1 ORDER BY e.id",
                )
                .bind(id)
                .fetch_all(pool)
                .await?;
                let triages = sqlx::query_as(
                    "SELECT t.at, u.name AS actor, t.outcome, t.not_pertinent_reason,
                        t.redirected_to, t.rationale, t.criteria
                     FROM triages t LEFT JOIN users u ON u.id = t.actor_id
                     WHERE t.report_id = $1 ORDER BY t.id",
                )
                .bind(id)
                .fetch_all(pool)
                .await?;
                let diary = sqlx::query_as(
                    "SELECT d.id, d.at, u.name AS actor, d.kind, d.text, d.corrects,
                        d.received_at
                     FROM diary_entries d LEFT JOIN users u ON u.id = d.actor_id
                     WHERE d.report_id = $1 ORDER BY d.id",
                )
                .bind(id)
                .fetch_all(pool)
                .await?;
                Ok::<_, sqlx::Error>(History {
                    events,
                    triages,
                    diary,
                })
            }
        )?;
        Ok(history)
    }

    /// Reports matching `filter`: open ones by severity then waiting time (the board), others
    /// newest first.
    pub async fn reports(&self, filter: &ReportFilter) -> Result<Vec<ReportLine>, DbError> {
        let ambiti = crate::ambito_list(&filter.ambiti);
        let order = if filter.open_only {
            "CASE r.outcome WHEN 'emergenza' THEN 0 WHEN 'urgenza' THEN 2 WHEN 'non_pertinente' THEN 3
                ELSE 1 END, r.received_at, r.id"
        } else {
            "r.received_at DESC, r.id DESC"
        };
        // Only fixed fragments and numbers we formatted ourselves go into the text; every value
        // a user typed is a bound parameter. Conditions are added only when filtered on, so the
        // planner can use the indexes (the partial index of open reports for the board).
        let mut conditions = vec![format!("r.ambito_id IN ({ambiti})")];
        let mut n = 0;
        let mut param = || {
            n += 1;
            format!("${n}")
        };
        if filter.status.is_some() {
            conditions.push(format!("r.status = {}", param()));
        }
        if filter.open_only {
            conditions.push("r.status <> 'closed'".into());
        }
        if filter.municipality.is_some() {
            conditions.push(format!("r.municipality = {}", param()));
        }
        if filter.from.is_some() {
            conditions.push(format!("r.received_at >= {}", param()));
        }
        if filter.to.is_some() {
            conditions.push(format!("r.received_at < {}", param()));
        }
        if filter.reporter_organisation.is_some() {
            conditions.push(format!("r.reporter_organisation_id = {}", param()));
        }
        let (limit, offset) = (param(), param());
        let sql = format!(
            "SELECT r.id, r.ambito_id, r.code, r.received_at, r.status, r.status_at, r.outcome,
                r.municipality, m.name AS municipality_name, r.target_group, r.protected,
                (SELECT u.name FROM report_assignees a JOIN users u ON u.id = a.user_id
                  WHERE a.report_id = r.id ORDER BY a.since DESC LIMIT 1) AS assigned_name,
                r.reporter_organisation_id, r.version
             FROM (SELECT * FROM reports r WHERE {} ORDER BY {order} LIMIT {limit} OFFSET {offset}) r
             LEFT JOIN municipalities m ON m.istat_code = r.municipality
             ORDER BY {order}",
            conditions.join(" AND ")
        );
        if filter.ambiti.is_empty() {
            return Ok(Vec::new());
        }
        Ok(dispatch!(
            self,
            read | pool | {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                if let Some(status) = filter.status {
                    q = q.bind(status.code());
                }
                if let Some(m) = &filter.municipality {
                    q = q.bind(m.as_str());
                }
                if let Some(from) = filter.from {
                    q = q.bind(from.0);
                }
                if let Some(to) = filter.to {
                    q = q.bind(to.0);
                }
                if let Some(organisation) = filter.reporter_organisation {
                    q = q.bind(organisation);
                }
                q.bind(filter.limit.clamp(1, 500))
                    .bind(filter.offset.clamp(0, crate::MAX_OFFSET))
                    .fetch_all(pool)
                    .await
            }
        )?)
    }

    /// Saves new contents of a report that is still at `version`; `Conflict` otherwise.
    pub async fn update_report(
        &self,
        id: i64,
        version: i64,
        data: &ReportData,
        outside_ambito: bool,
        audit: &Entry,
    ) -> Result<i64, DbError> {
        let at = now().0;
        let (day, band) = crate::stats::arrival(data.received_at);
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let saved: Option<(i64,)> = sqlx::query_as(
                    "UPDATE reports SET received_at = $3, channel = $4, reporter_kind = $5,
                        reporter_organization = $6, reporter_name = $7, reporter_phone = $8,
                        reporter_reference = $9, municipality = $10, outside_ambito = $11,
                        place = $12, current_location = $13, target_group = $14, risk_flags = $15,
                        description = $16, flagged = $17, protected = $18,
                        version = version + 1, updated_at = $19, received_day = $20,
                        time_band = $21, partner_id = $22
                     WHERE id = $1 AND version = $2 RETURNING version",
                )
                .bind(id)
                .bind(version)
                .bind(data.received_at.0)
                .bind(data.channel.code())
                .bind(data.reporter.kind.code())
                .bind(data.reporter.organization.as_deref())
                .bind(data.reporter.name.as_deref())
                .bind(data.reporter.phone.as_deref())
                .bind(data.reporter.reference.as_deref())
                .bind(data.municipality.as_ref().map(IstatCode::as_str))
                .bind(i64::from(outside_ambito))
                .bind(data.place.as_deref())
                .bind(data.current_location.as_deref())
                .bind(data.target_group.code())
                .bind(flags(data))
                .bind(&data.description)
                .bind(i64::from(data.protected))
                .bind(i64::from(data.is_protected()))
                .bind(at)
                .bind(&day)
                .bind(band)
                .bind(data.reporter.organisation)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((new_version,)) = saved else {
                    return Err(conflict_or_missing!(tx, id).await);
                };
                write_persons!(tx, id, data.persons, data.received_at.in_rome().year()).await?;
                append!(tx, &audit.clone().record("report", id)).await?;
                tx.commit().await?;
                Ok::<i64, DbError>(new_version)
            }
        )
    }

    /// Records a triage decision (first or revised) and moves the report to `triaged`.
    pub async fn triage_report(
        &self,
        id: i64,
        triage: &Triage,
        actor: Option<i64>,
        audit: &Entry,
    ) -> Result<ReportRef, MoveError> {
        let at = now().0;
        let moved = dispatch!(
            self,
            write
                | pool
                | {
                    let mut tx = pool.begin().await.map_err(DbError::from)?;
                    let current: Option<(String, String, i64)> =
                        sqlx::query_as("SELECT status, code, version FROM reports WHERE id = $1")
                            .bind(id)
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(DbError::from)?;
                    let (status, code, version) = current.ok_or(DbError::NotFound)?;
                    let from = Status::parse(&status).ok_or(corrupt("reports.status"))?;
                    if !from.can_triage() {
                        return Err(MoveError::Transition(lifecycle::BadTransition {
                            from,
                            to: Status::Triaged,
                        }));
                    }
                    sqlx::query(
                    "UPDATE reports SET status = 'triaged', status_at = $2, outcome = $3,
                        triaged_at = COALESCE(triaged_at, $2), version = version + 1, updated_at = $2,
                        not_pertinent_reason = $5
                     WHERE id = $1 AND version = $4",
                )
                .bind(id)
                .bind(at)
                .bind(triage.outcome.code())
                .bind(version)
                .bind(triage.not_pertinent_reason.map(NotPertinentReason::code))
                .execute(&mut *tx)
                .await
                .map_err(DbError::from)?;
                    sqlx::query(
                    "INSERT INTO triages (report_id, at, actor_id, outcome, not_pertinent_reason,
                        redirected_to, rationale, criteria)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(id)
                .bind(at)
                .bind(actor)
                .bind(triage.outcome.code())
                .bind(triage.not_pertinent_reason.map(NotPertinentReason::code))
                .bind(triage.redirected_to.as_deref())
                .bind(&triage.rationale)
                .bind(
                    triage
                        .criteria
                        .iter()
                        .map(|c| c.code())
                        .collect::<Vec<_>>()
                        .join(","),
                )
                .execute(&mut *tx)
                .await
                .map_err(DbError::from)?;
                    record_move!(
                        tx,
                        id,
                        at,
                        actor,
                        Some(from.code()),
                        "triaged",
                        triage.outcome.code()
                    )
                    .await
                    .map_err(DbError::from)?;
                    append!(tx, &audit.clone().record("report", id))
                        .await
                        .map_err(DbError::from)?;
                    tx.commit().await.map_err(DbError::from)?;
                    Ok::<_, MoveError>(ReportRef {
                        id,
                        code,
                        status: Status::Triaged,
                        version: version + 1,
                    })
                }
        )?;
        Ok(moved)
    }

    /// Moves a report to `to` if the lifecycle allows it from where it stands.
    pub async fn move_report(
        &self,
        id: i64,
        to: Status,
        note: &str,
        closing: Option<lifecycle::ClosingOutcome>,
        actor: Option<i64>,
        audit: &Entry,
    ) -> Result<ReportRef, MoveError> {
        let closing = closing
            .filter(|_| to == Status::Closed)
            .map(lifecycle::ClosingOutcome::code);
        let at = now().0;
        let moved = dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await.map_err(DbError::from)?;
                let (from, outcome, code, version) = current_status!(tx, id).await?;
                if to.by_handover_only() {
                    return Err(MoveError::Transition(lifecycle::BadTransition { from, to }));
                }
                lifecycle::check(from, to, outcome)?;
                if to == Status::Closed && closing.is_none() {
                    return Err(MoveError::Db(DbError::Invalid(
                        presidio_domain::validation::Invalid::one(
                            "closing_outcome",
                            presidio_domain::validation::Problem::Required,
                        ),
                    )));
                }
                sqlx::query(
                    "UPDATE reports SET status = $2, status_at = $3, version = version + 1,
                        updated_at = $3, closing_outcome = $5
                     WHERE id = $1 AND version = $4",
                )
                .bind(id)
                .bind(to.code())
                .bind(at)
                .bind(version)
                .bind(closing)
                .execute(&mut *tx)
                .await
                .map_err(DbError::from)?;
                record_move!(
                    tx,
                    id,
                    at,
                    actor,
                    Some(from.code()),
                    to.code(),
                    note,
                    closing
                )
                .await
                .map_err(DbError::from)?;
                append!(tx, &audit.clone().record("report", id))
                    .await
                    .map_err(DbError::from)?;
                tx.commit().await.map_err(DbError::from)?;
                Ok::<_, MoveError>(ReportRef {
                    id,
                    code,
                    status: to,
                    version: version + 1,
                })
            }
        )?;
        Ok(moved)
    }

    /// Reopens a closed report with a reason: it goes back to triaged (or received), its
    /// closing outcome is cleared, and the history keeps everything.
    pub async fn reopen_report(
        &self,
        id: i64,
        reason: &str,
        actor: Option<i64>,
        audit: &Entry,
    ) -> Result<ReportRef, MoveError> {
        let at = now().0;
        let moved = dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await.map_err(DbError::from)?;
                let (from, outcome, code, version) = current_status!(tx, id).await?;
                let to = Status::reopened(outcome);
                if from != Status::Closed {
                    return Err(MoveError::Transition(lifecycle::BadTransition { from, to }));
                }
                sqlx::query(
                    "UPDATE reports SET status = $2, status_at = $3, version = version + 1,
                        updated_at = $3, closing_outcome = NULL WHERE id = $1",
                )
                .bind(id)
                .bind(to.code())
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(DbError::from)?;
                record_move!(
                    tx,
                    id,
                    at,
                    actor,
                    Some(from.code()),
                    to.code(),
                    reason,
                    Some("reopened")
                )
                .await
                .map_err(DbError::from)?;
                append!(tx, &audit.clone().record("report", id).reason("reopened"))
                    .await
                    .map_err(DbError::from)?;
                tx.commit().await.map_err(DbError::from)?;
                Ok::<_, MoveError>(ReportRef {
                    id,
                    code,
                    status: to,
                    version: version + 1,
                })
            }
        )?;
        Ok(moved)
    }

    /// Adds a diary entry (a correction names the entry it corrects, of the same report).
    pub async fn add_diary(
        &self,
        id: i64,
        note: &DiaryNote<'_>,
        actor: Option<i64>,
        audit: &Entry,
    ) -> Result<i64, DbError> {
        let DiaryNote {
            kind,
            text,
            corrects,
            tapped,
        } = *note;
        let received = now().0;
        let at = tapped.map_or(received, |t| t.0);
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM reports WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if exists.is_none() {
                    return Err(DbError::NotFound);
                }
                if let Some(old) = corrects {
                    let same: Option<(i64,)> = sqlx::query_as(
                        "SELECT id FROM diary_entries WHERE id = $1 AND report_id = $2",
                    )
                    .bind(old)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if same.is_none() {
                        return Err(presidio_domain::validation::Invalid::one(
                            "corrects",
                            presidio_domain::validation::Problem::UnknownCode,
                        )
                        .into());
                    }
                }
                let (entry,): (i64,) = sqlx::query_as(
                    "INSERT INTO diary_entries (report_id, at, actor_id, kind, text, corrects,
                        received_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(id)
                .bind(at)
                .bind(actor)
                .bind(kind.code())
                .bind(text)
                .bind(corrects)
                .bind(tapped.map(|_| received))
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query("UPDATE reports SET updated_at = $2 WHERE id = $1")
                    .bind(id)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                let mut entry_audit = audit.clone().record("report", id);
                entry_audit.section = "diary".into();
                append!(tx, &entry_audit).await?;
                tx.commit().await?;
                Ok::<i64, DbError>(entry)
            }
        )
    }

    /// Whether user `user_id` takes care of report `id`; adds them when not (e.g. the operator
    /// who accepts an emergency), with its audit entry.
    pub async fn assign_report(&self, id: i64, user_id: i64, audit: &Entry) -> Result<(), DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                sqlx::query(
                    "INSERT INTO report_assignees (report_id, user_id, since) VALUES ($1, $2, $3)
                     ON CONFLICT (report_id, user_id) DO NOTHING",
                )
                .bind(id)
                .bind(user_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                append!(tx, &audit.clone().record("report", id)).await?;
                tx.commit().await?;
                Ok::<(), sqlx::Error>(())
            }
        )?;
        Ok(())
    }
}

/// How long a break-glass opening lasts.
pub const BREAK_GLASS_MS: i64 = 4 * 3600 * 1000;

impl Db {
    /// The users who broke the glass on report `id` since `since`.
    pub async fn glass_broken_by(&self, id: i64, since: UtcMillis) -> Result<Vec<i64>, DbError> {
        let rows: Vec<(i64,)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT DISTINCT user_id FROM break_glass WHERE report_id = $1 AND at >= $2",
                )
                .bind(id)
                .bind(since.0)
                .fetch_all(pool)
                .await
            }
        )?;
        Ok(rows.into_iter().map(|(u,)| u).collect())
    }

    /// Opens a protected report to `user_id` with a written reason: stored, audited, and a
    /// notification to the coordinators of the report's Ambito, in one transaction.
    pub async fn break_glass(
        &self,
        id: i64,
        user_id: i64,
        reason: &str,
        notice: &str,
        audit: &Entry,
    ) -> Result<(), DbError> {
        let at = now().0;
        dispatch!(
            self,
            write
                | pool
                | {
                    let mut tx = pool.begin().await?;
                    let ambito: Option<(i64,)> =
                        sqlx::query_as("SELECT ambito_id FROM reports WHERE id = $1")
                            .bind(id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    let Some((ambito,)) = ambito else {
                        return Err(DbError::NotFound);
                    };
                    sqlx::query(
                    "INSERT INTO break_glass (report_id, user_id, at, reason) VALUES ($1, $2, $3, $4)",
                )
                .bind(id)
                .bind(user_id)
                .bind(at)
                .bind(reason)
                .execute(&mut *tx)
                .await?;
                    sqlx::query(
                    "INSERT INTO notifications (ambito_id, role, kind, report_id, actor_id, text, at)
                     VALUES ($1, 'coordinatore', 'break_glass', $2, $3, $4, $5)",
                )
                .bind(ambito)
                .bind(id)
                .bind(user_id)
                .bind(notice)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                    append!(tx, &audit.clone().record("report", id).reason(reason)).await?;
                    tx.commit().await?;
                    Ok::<(), DbError>(())
                }
        )
    }
}
