//! The person across reports: who may already be known at intake ("già noto al servizio?"),
//! the person's record and timeline, the search, links between records of the same person, and
//! corrections. The pages and the API call these; every read of a person is scoped by the
//! need-to-know rule of the reports that name them, and audited.

use presidio_db::{DbError, PersonLink, PersonName, Sighting, StoredPerson};
use presidio_domain::access::{CaseAccess, Permission, Principal};
use presidio_domain::audit::Action;
use presidio_domain::person::{self, CandidateInput, DetailsInput, Known, Probe};
use presidio_domain::reference::{AmbitoId, IstatCode};
use presidio_domain::report::Sex;
use presidio_domain::validation::{Invalid, Problem, required_text};

use crate::cache::CachedReport;
use crate::person_access::{access_of, readable, writable};
use crate::{App, AppError, Caller};

/// A possible match shown at intake.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub person_id: i64,
    /// 0–1, best first.
    pub score: f64,
    /// Empty when restricted.
    pub display_name: Option<String>,
    pub birth_year: Option<i64>,
    pub sex: Option<String>,
    /// Reports naming the person.
    pub reports: usize,
    pub last_seen: Option<i64>,
    /// Known only from protected records the user does not take care of: nothing else shown.
    pub restricted: bool,
    /// Shown to warn the call-taker before the operator goes.
    pub safety_notes: Option<String>,
    /// Lives in a household known to the service (never said of a restricted one).
    pub in_household: bool,
}

/// The Ambiti whose records a new report of this user may be attached to: the municipality's
/// when they record reports there, else every one where they do.
async fn intake_ambiti(
    app: &App,
    who: &Principal,
    municipality: Option<&str>,
) -> Result<Vec<AmbitoId>, AppError> {
    let allowed = who.ambiti_with(Permission::WriteCases);
    if allowed.is_empty() {
        return Err(AppError::Forbidden);
    }
    if let Some(code) = municipality.and_then(|m| IstatCode::parse(m).ok()) {
        match app.db.municipality(&code).await {
            Ok(m) if allowed.contains(&m.ambito_id) => return Ok(vec![m.ambito_id]),
            Ok(_) => {}
            Err(DbError::NotFound) => {
                return Err(Invalid::one("municipality", Problem::UnknownMunicipality).into());
            }
            Err(other) => return Err(other.into()),
        }
    }
    Ok(allowed)
}

/// The records that may be the person being typed, best first: at most
/// [`person::MAX_CANDIDATES`]. A record known only from protected reports the user does not take
/// care of is shown as a reserved match, with nothing about it, and that sighting is audited.
/// Forbidden to a user who records reports nowhere.
pub async fn candidates(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    input: &CandidateInput,
) -> Result<Vec<Candidate>, AppError> {
    let ambiti = intake_ambiti(app, who, Some(input.municipality.as_str())).await?;
    let probe = input.validate(app.clock.now().in_rome().year())?;
    if probe.name.trim().is_empty() && probe.fiscal_code.is_none() {
        return Ok(Vec::new());
    }
    let grams = person::grams(&probe.name);
    let ids = app
        .db
        .person_candidates(
            &ambiti,
            &grams,
            person::grams_needed(grams.len()),
            probe.fiscal_code.as_deref(),
            person::MAX_SCORED,
        )
        .await?;
    let scored = score_records(app, who, &probe, &ids).await?;
    let mut found = one_per_person(app, scored).await?;
    let open: Vec<i64> = found
        .iter()
        .filter(|c| !c.restricted)
        .map(|c| c.person_id)
        .collect();
    let living = app.db.in_households(&open).await?;
    for c in found.iter_mut().filter(|c| !c.restricted) {
        c.in_household = living.contains(&c.person_id);
    }
    let restricted: Vec<i64> = found
        .iter()
        .filter(|c| c.restricted)
        .map(|c| c.person_id)
        .collect();
    for id in restricted {
        let mut entry = app.entry(caller, Action::Read).record("person", id);
        entry.section = "reserved_match".into();
        app.audit.append(entry).await?;
    }
    let shown: Vec<String> = found
        .iter()
        .filter(|c| !c.restricted)
        .map(|c| c.person_id.to_string())
        .collect();
    if !shown.is_empty() {
        let mut entry = app.entry(caller, Action::Read);
        entry.section = "person_candidates".into();
        entry.reason = format!("persons={}", shown.join(","));
        app.audit.append(entry).await?;
    }
    Ok(found)
}

/// The best of each group of linked records (the same person, found twice), at most
/// [`person::MAX_CANDIDATES`]: a person is offered once.
async fn one_per_person(app: &App, scored: Vec<Candidate>) -> Result<Vec<Candidate>, AppError> {
    let mut covered = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for c in scored {
        if out.len() == person::MAX_CANDIDATES {
            break;
        }
        if covered.contains(&c.person_id) {
            continue;
        }
        covered.extend(app.db.person_group(c.person_id).await?);
        out.push(c);
    }
    Ok(out)
}

/// Scores records `ids` against `probe`, each with what `who` may see of it, best first.
async fn score_records(
    app: &App,
    who: &Principal,
    probe: &Probe,
    ids: &[i64],
) -> Result<Vec<Candidate>, AppError> {
    let records = app.db.persons(ids).await?;
    let names = app.db.person_names(ids).await?;
    let sightings = app.db.sightings(ids).await?;
    let report_ids: Vec<i64> = sightings.iter().map(|s| s.report_id).collect();
    let assignees = app.db.assignees_of(&report_ids).await?;
    let mut out = Vec::new();
    for record in &records {
        let mine: Vec<&Sighting> = sightings
            .iter()
            .filter(|s| s.person_id == record.id)
            .collect();
        let known = Known {
            names: names
                .iter()
                .filter(|n| n.person_id == record.id)
                .map(|n| n.value.clone())
                .collect(),
            sex: Sex::parse(&record.sex),
            birth_year: record.birth_year.and_then(|y| i16::try_from(y).ok()),
            fiscal_code: record.fiscal_code.clone(),
            municipalities: mine
                .iter()
                .filter_map(|s| s.municipality.clone())
                .chain(record.residence.clone())
                .collect(),
        };
        let Some(score) = person::score(probe, &known) else {
            continue;
        };
        let access = access_of(who, &mine, &assignees);
        if access == CaseAccess::None && !mine.is_empty() {
            continue;
        }
        // Processing restricted at the person's request: not offered, whoever asks.
        let restricted =
            (access != CaseAccess::Full && !mine.is_empty()) || record.restricted_at.is_some();
        out.push(if restricted {
            Candidate {
                person_id: record.id,
                score,
                display_name: None,
                birth_year: None,
                sex: None,
                reports: 0,
                last_seen: None,
                restricted: true,
                safety_notes: None,
                in_household: false,
            }
        } else {
            Candidate {
                person_id: record.id,
                score,
                display_name: record.name.clone(),
                birth_year: record.birth_year,
                sex: Some(record.sex.clone()),
                reports: mine.len(),
                last_seen: mine.iter().map(|s| s.received_at).max(),
                restricted: false,
                safety_notes: record.safety_notes.clone(),
                in_household: false,
            }
        });
    }
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.last_seen.cmp(&a.last_seen))
            .then(a.person_id.cmp(&b.person_id))
    });
    Ok(out)
}

/// One report of a person's timeline.
#[derive(Debug, Clone)]
pub enum Entry {
    /// A report the user reads in full, with what was done.
    Open {
        person_id: i64,
        role: String,
        case: std::sync::Arc<CachedReport>,
    },
    /// A report the user may not read (protected, or not theirs): its number only.
    Reserved { code: String, report_id: i64 },
}

/// A person as the user may see them.
#[derive(Debug, Clone)]
pub enum PersonView {
    /// The record, its linked records, names, corrections, links and timeline.
    Full(Box<Person>),
    /// Known only from protected reports the user does not take care of.
    Reserved,
}

#[derive(Debug, Clone)]
pub struct Person {
    pub record: StoredPerson,
    /// The other records linked to it.
    pub linked: Vec<StoredPerson>,
    pub names: Vec<PersonName>,
    pub corrections: Vec<presidio_db::PersonCorrection>,
    pub links: Vec<PersonLink>,
    pub timeline: Vec<Entry>,
    /// The user may correct the record and link it.
    pub writable: bool,
    /// Other records that may be the same person, for linking.
    pub duplicates: Vec<Candidate>,
    /// The household, head first; empty when they live with no one known.
    pub household: Vec<crate::households::Relative>,
    /// Persons of the same reports not of the household, to add to it (when writable).
    pub companions: Vec<crate::households::Relative>,
    /// Data-protection records: notices, consents, requests and their decisions.
    pub privacy: Vec<presidio_db::StoredPrivacy>,
    /// The user may decide the person's requests (coordinators).
    pub decides: bool,
    /// The teams of the person's cases the user reads whole: who in the network follows them.
    pub network: Vec<crate::teams::Membership>,
}

/// The person and the reports naming them (and every linked record), with what the user may
/// see: `Full` when they read at least one of those reports in full, `Reserved` when they know
/// of one only as protected; not found otherwise (analysts, administrators, another
/// municipality's social service). The read is audited with the reports shown.
pub async fn view(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
) -> Result<PersonView, AppError> {
    let record = app.db.person(id).await?;
    let group = app.db.person_group(id).await?;
    let sightings = app.db.sightings(&group).await?;
    let mut timeline = Vec::new();
    let mut full = false;
    let mut known = false;
    let mut seen = std::collections::BTreeSet::new();
    for s in &sightings {
        if !seen.insert(s.report_id) {
            continue;
        }
        match crate::cases::load_for_reading(app, who, s.report_id).await? {
            Some((case, CaseAccess::Full)) => {
                full = true;
                timeline.push(Entry::Open {
                    person_id: s.person_id,
                    role: s.role.clone(),
                    case,
                });
            }
            Some(_) => {
                known = true;
                timeline.push(Entry::Reserved {
                    code: s.code.clone(),
                    report_id: s.report_id,
                });
            }
            None => {}
        }
    }
    let mut entry = app.entry(caller, Action::Read).record("person", id);
    if !full {
        if known {
            entry.section = "reserved_match".into();
            app.audit.append(entry).await?;
            return Ok(PersonView::Reserved);
        }
        return Err(AppError::NotFound);
    }
    let open: Vec<i64> = timeline
        .iter()
        .filter_map(|e| match e {
            Entry::Open { case, .. } => Some(case.report.id),
            Entry::Reserved { .. } => None,
        })
        .collect();
    entry.reason = format!(
        "reports={}",
        open.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
    app.audit.append(entry).await?;
    let others: Vec<i64> = group.iter().copied().filter(|g| *g != id).collect();
    let linked = app.db.persons(&others).await?;
    let names = app.db.person_names(&group).await?;
    let corrections = app.db.person_corrections(id).await?;
    let links = app.db.person_links(&group).await?;
    let writable = who.may_in(Permission::WriteCases, AmbitoId(record.ambito_id));
    let duplicates = if writable {
        duplicates(app, caller, who, &record, &group).await?
    } else {
        Vec::new()
    };
    let household = crate::households::of(app, caller, who, &group).await?;
    let companions = if writable {
        crate::households::companions(app, who, &group, &household).await?
    } else {
        Vec::new()
    };
    let privacy = app.db.privacy_records(&group).await?;
    let decides = who.may_in(Permission::ManagePersons, AmbitoId(record.ambito_id));
    let network = crate::teams::around(app, &open, &group).await?;
    Ok(PersonView::Full(Box::new(Person {
        record,
        linked,
        names,
        corrections,
        links,
        timeline,
        writable,
        duplicates,
        household,
        companions,
        privacy,
        decides,
        network,
    })))
}

/// A line of the search.
pub type Hit = Candidate;

/// The records the user reads in full whose name or alias is like `q`, or whose fiscal code or
/// birth year is `q`; best first, at most [`person::MAX_CANDIDATES`] × 3. Audited with the
/// records found, never with the text searched.
pub async fn search(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    q: &str,
) -> Result<Vec<Hit>, AppError> {
    let mut errors = Invalid::default();
    let q = required_text(&mut errors, "q", q, presidio_domain::report::SHORT_TEXT);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let ambiti = crate::cases::readable_ambiti(who);
    if ambiti.is_empty() || !who.may(Permission::ReadCases) {
        return Err(AppError::NotFound);
    }
    let upper = q.to_ascii_uppercase();
    let probe_fiscal = presidio_domain::report::identity::is_fiscal_code(&upper).then_some(upper);
    let year: Option<i64> = (q.len() == 4).then(|| q.parse().ok()).flatten();
    let ids = if let Some(year) = year {
        app.db
            .persons_born(&ambiti, year, person::MAX_SCORED)
            .await?
    } else {
        let grams = person::grams(&q);
        app.db
            .person_candidates(
                &ambiti,
                &grams,
                person::grams_needed(grams.len()),
                probe_fiscal.as_deref(),
                person::MAX_SCORED,
            )
            .await?
    };
    let hits = if year.is_some() {
        let probe = Probe::default();
        let mut all = score_all(app, who, &probe, &ids).await?;
        all.retain(|c| !c.restricted);
        all
    } else {
        let probe = Probe {
            name: if probe_fiscal.is_some() {
                String::new()
            } else {
                q.clone()
            },
            fiscal_code: probe_fiscal,
            ..Probe::default()
        };
        let mut found = score_records(app, who, &probe, &ids).await?;
        found.retain(|c| !c.restricted);
        found
    };
    let mut hits = hits;
    hits.truncate(person::MAX_CANDIDATES * 3);
    let mut entry = app.entry(caller, Action::Read);
    entry.section = "person_search".into();
    entry.reason = format!(
        "persons={}",
        hits.iter()
            .map(|h| h.person_id.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    app.audit.append(entry).await?;
    Ok(hits)
}

/// Every record of `ids` the user reads in full, with a score of 1 (a search by birth year).
async fn score_all(
    app: &App,
    who: &Principal,
    _probe: &Probe,
    ids: &[i64],
) -> Result<Vec<Candidate>, AppError> {
    let records = app.db.persons(ids).await?;
    let sightings = app.db.sightings(ids).await?;
    let report_ids: Vec<i64> = sightings.iter().map(|s| s.report_id).collect();
    let assignees = app.db.assignees_of(&report_ids).await?;
    let mut out: Vec<Candidate> = records
        .iter()
        .filter_map(|record| {
            let mine: Vec<&Sighting> = sightings
                .iter()
                .filter(|s| s.person_id == record.id)
                .collect();
            (access_of(who, &mine, &assignees) == CaseAccess::Full).then(|| Candidate {
                person_id: record.id,
                score: 1.0,
                display_name: record.name.clone(),
                birth_year: record.birth_year,
                sex: Some(record.sex.clone()),
                reports: mine.len(),
                last_seen: mine.iter().map(|s| s.received_at).max(),
                restricted: false,
                safety_notes: record.safety_notes.clone(),
                in_household: false,
            })
        })
        .collect();
    out.sort_by_key(|c| std::cmp::Reverse(c.last_seen));
    Ok(out)
}

/// Links record `id` to `other` (the same person, found twice), with a reason: both must be of
/// one Ambito and read in full by the user, who writes cases there. Audited; undone by
/// [`unlink`].
pub async fn link(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    other: Option<i64>,
    reason: &str,
) -> Result<(), AppError> {
    let mut errors = Invalid::default();
    let reason = required_text(&mut errors, "reason", reason, person::REASON_MAX);
    let other = match other {
        None => {
            errors.push("person_id", Problem::Required);
            None
        }
        Some(o) if o <= 0 => {
            errors.push("person_id", Problem::OutOfRange);
            None
        }
        Some(o) => Some(o),
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let other = other.unwrap_or_default();
    let record = writable(app, who, id).await?;
    if other == id {
        return Err(Invalid::one("person_id", Problem::OutOfRange).into());
    }
    let linked = match readable(app, who, other).await {
        Ok(r) => r,
        Err(AppError::NotFound) => {
            return Err(Invalid::one("person_id", Problem::UnknownCode).into());
        }
        Err(e) => return Err(e),
    };
    if linked.ambito_id != record.ambito_id {
        return Err(Invalid::one("person_id", Problem::UnknownCode).into());
    }
    match app
        .db
        .link_persons(
            AmbitoId(record.ambito_id),
            id,
            other,
            &reason,
            who.user_id,
            &app.entry(caller, Action::Write),
        )
        .await
    {
        Ok(()) => {}
        Err(DbError::Conflict) => return Err(AppError::Conflict("already_linked")),
        Err(e) => return Err(e.into()),
    }
    app.caches.invalidate();
    Ok(())
}

/// Undoes the standing link between `id` and `other`, with a reason. Not found when there is
/// none. Audited.
pub async fn unlink(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    other: i64,
    reason: &str,
) -> Result<(), AppError> {
    let mut errors = Invalid::default();
    let reason = required_text(&mut errors, "reason", reason, person::REASON_MAX);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    writable(app, who, id).await?;
    app.db
        .unlink_persons(
            id,
            other,
            &reason,
            who.user_id,
            &app.entry(caller, Action::Write),
        )
        .await?;
    app.caches.invalidate();
    Ok(())
}

/// Detaches the person of report `report` wrongly attached to record `id` (or a record linked
/// to it): they get a record of their own, and the old one's history keeps the report's number
/// and the reason. Coordinators only; the report must be one the coordinator reads in full.
/// Returns the new record. Audited.
pub async fn detach(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    report: Option<i64>,
    reason: &str,
) -> Result<i64, AppError> {
    let mut errors = Invalid::default();
    let reason = required_text(&mut errors, "reason", reason, person::REASON_MAX);
    let report = match report {
        None => {
            errors.push("report_id", Problem::Required);
            0
        }
        Some(r) if r <= 0 => {
            errors.push("report_id", Problem::OutOfRange);
            0
        }
        Some(r) => r,
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let record = writable(app, who, id).await?;
    if !who.may_in(Permission::ManagePersons, AmbitoId(record.ambito_id)) {
        return Err(AppError::Forbidden);
    }
    let group = app.db.person_group(id).await?;
    match app
        .db
        .detach_report_person(
            &group,
            report,
            &reason,
            who.user_id,
            &app.entry(caller, Action::Write),
        )
        .await
    {
        Ok((_, new)) => {
            app.caches.invalidate();
            Ok(new)
        }
        Err(DbError::NotFound) => Err(Invalid::one("report_id", Problem::UnknownCode).into()),
        Err(DbError::Conflict) => Err(Invalid::one("report_id", Problem::OnlyReport).into()),
        Err(e) => Err(e.into()),
    }
}

/// What a correction came to.
#[derive(Debug)]
pub enum Corrected {
    Done(i64),
    /// Someone changed the record since `version` was read: nothing was written.
    Stale,
}

/// Corrects a person's details (kept in the history with what they were); `version` must be
/// the one read.
pub async fn correct(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    version: Option<i64>,
    input: &DetailsInput,
) -> Result<Corrected, AppError> {
    let Some(version) = version else {
        return Err(Invalid::one("version", Problem::Required).into());
    };
    writable(app, who, id).await?;
    let details = input.validate(app.clock.now().in_rome().date())?;
    if let Some(code) = details
        .residence
        .as_deref()
        .and_then(|c| IstatCode::parse(c).ok())
    {
        match app.db.municipality(&code).await {
            Ok(_) => {}
            Err(DbError::NotFound) => {
                return Err(Invalid::one("residence", Problem::UnknownMunicipality).into());
            }
            Err(e) => return Err(e.into()),
        }
    }
    match app
        .db
        .correct_person(
            id,
            version,
            &details,
            who.user_id,
            &app.entry(caller, Action::Write),
        )
        .await
    {
        Ok(v) => {
            app.caches.invalidate();
            Ok(Corrected::Done(v))
        }
        Err(DbError::Conflict) => Ok(Corrected::Stale),
        Err(e) => Err(e.into()),
    }
}

/// Checks, before a report is stored, that every known person chosen for it is a record of
/// `ambito` the user reads in full: refused on that person's `person_id` otherwise.
pub async fn check_chosen(
    app: &App,
    who: &Principal,
    ambito: AmbitoId,
    persons: &[presidio_domain::report::Person],
) -> Result<(), AppError> {
    let mut errors = Invalid::default();
    for (i, p) in persons.iter().enumerate() {
        let Some(id) = p.person_id else { continue };
        let ok = match readable(app, who, id).await {
            Ok(record) => record.ambito_id == ambito.0,
            Err(AppError::NotFound) => false,
            Err(e) => return Err(e),
        };
        if !ok {
            errors.push(
                presidio_domain::validation::field_name(&format!("persons[{i}].person_id")),
                Problem::UnknownCode,
            );
        }
    }
    errors.into_result(()).map_err(Into::into)
}

/// Other records of the same Ambito that may be this person (not already linked), as the user
/// may read them, best first: at most [`person::MAX_CANDIDATES`]. Audited with the records
/// shown.
pub async fn duplicates(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    record: &StoredPerson,
    group: &[i64],
) -> Result<Vec<Candidate>, AppError> {
    let Some(name) = record.name.clone() else {
        return Ok(Vec::new());
    };
    let probe = Probe {
        name,
        sex: Sex::parse(&record.sex),
        birth_year: record.birth_year.and_then(|y| i16::try_from(y).ok()),
        fiscal_code: record.fiscal_code.clone(),
        municipality: None,
    };
    let grams = person::grams(&probe.name);
    let mut ids = app
        .db
        .person_candidates(
            &[AmbitoId(record.ambito_id)],
            &grams,
            person::grams_needed(grams.len()),
            probe.fiscal_code.as_deref(),
            person::MAX_SCORED,
        )
        .await?;
    ids.retain(|id| !group.contains(id));
    let mut found = score_records(app, who, &probe, &ids).await?;
    found.retain(|c| !c.restricted);
    found.truncate(person::MAX_CANDIDATES);
    if !found.is_empty() {
        let mut entry = app.entry(caller, Action::Read).record("person", record.id);
        entry.section = "person_duplicates".into();
        entry.reason = format!(
            "persons={}",
            found
                .iter()
                .map(|c| c.person_id.to_string())
                .collect::<Vec<_>>()
                .join(",")
        );
        app.audit.append(entry).await?;
    }
    Ok(found)
}

/// A report as it concerns the person: the report, the person's own lines in it (never the other
/// people's), the resources activated and the handovers.
#[derive(Debug, Clone)]
pub struct ExportedReport {
    pub report: presidio_domain::report::Report,
    pub lines: Vec<presidio_domain::report::Person>,
    pub activations: Vec<presidio_db::StoredActivation>,
    pub handovers: Vec<presidio_db::StoredHandover>,
}

/// Everything held about a person (right of access, GDPR art. 15): the record and every record
/// linked to it, names with their source, links, corrections, and the reports naming them.
#[derive(Debug, Clone)]
pub struct Export {
    pub record: StoredPerson,
    pub linked: Vec<StoredPerson>,
    pub names: Vec<PersonName>,
    pub links: Vec<PersonLink>,
    pub corrections: Vec<presidio_db::PersonCorrection>,
    pub reports: Vec<ExportedReport>,
    /// Notices, consents, requests and their decisions.
    pub privacy: Vec<presidio_db::StoredPrivacy>,
}

/// The person's own data, for an administrator of the record's Ambito to hand over. Audited
/// with the reports it holds.
pub async fn export(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
) -> Result<Export, AppError> {
    let record = app.db.person(id).await?;
    if !who.may_in(Permission::ExportPersons, AmbitoId(record.ambito_id)) {
        return Err(AppError::NotFound);
    }
    let group = app.db.person_group(id).await?;
    let mut report_ids: Vec<i64> = app
        .db
        .sightings(&group)
        .await?
        .iter()
        .map(|s| s.report_id)
        .collect();
    report_ids.sort_unstable();
    report_ids.dedup();
    let mut reports = Vec::new();
    for report_id in &report_ids {
        let report = app.db.report(*report_id).await?;
        let lines = report
            .data
            .persons
            .iter()
            .filter(|p| p.person_id.is_some_and(|p| group.contains(&p)))
            .cloned()
            .collect();
        reports.push(ExportedReport {
            lines,
            activations: app.db.activations_of(*report_id).await?,
            handovers: app.db.handovers_of(*report_id).await?,
            report,
        });
    }
    let mut entry = app.entry(caller, Action::Read).record("person", id);
    entry.section = "export".into();
    entry.reason = format!(
        "reports={}",
        report_ids
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
    app.audit.append(entry).await?;
    let others: Vec<i64> = group.iter().copied().filter(|g| *g != id).collect();
    Ok(Export {
        linked: app.db.persons(&others).await?,
        names: app.db.person_names(&group).await?,
        links: app.db.person_links(&group).await?,
        corrections: app.db.person_corrections(id).await?,
        privacy: app.db.privacy_records(&group).await?,
        record,
        reports,
    })
}

/// Person records anonymised per batch.
const RETENTION_BATCH: i64 = 500;

/// The retention of person records at `now`: in every Ambito that sets one, the records of
/// persons whose reports are all closed and older than its years are anonymised (the reports
/// and the statistics stay). Each record's anonymisation is audited. Returns how many.
pub async fn apply_retention(
    app: &App,
    now: presidio_domain::time::UtcMillis,
) -> Result<usize, DbError> {
    let mut done = 0;
    for (ambito, years) in app.db.person_retention().await? {
        let months = u32::try_from(years.clamp(1, 200) * 12).unwrap_or(2400);
        let before = presidio_domain::time::months_before(now, months);
        let mut entry = presidio_domain::audit::Entry::new(now, Action::Write);
        entry.actor = "sistema".into();
        loop {
            let ids = app
                .db
                .anonymise_persons(ambito, before.0, RETENTION_BATCH, &entry)
                .await?;
            done += ids.len();
            if ids.is_empty() {
                break;
            }
            app.caches.invalidate();
        }
    }
    Ok(done)
}
