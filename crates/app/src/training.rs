//! The training register, kept by the coordinators: the topics (the first ones and those the
//! Ambito adds), the courses, the volunteers who are not users, who attended what (with the
//! certificate, a PDF checked by content), the requirements per role and who is missing what,
//! and the hours per person per year for the co-design report.

use std::collections::BTreeMap;

use presidio_db::{
    DbError, StoredAttendance, StoredCourse, StoredRequirement, StoredVolunteer, TrainingRecord,
};
use presidio_domain::access::{Permission, Principal, Role};
use presidio_domain::audit::Action;
use presidio_domain::reference::AmbitoId;
use presidio_domain::training::{
    CourseInput, FIRST_TOPICS, Requirement, RequirementInput, VolunteerInput, first_requirements,
    gap,
};
use presidio_domain::validation::{Invalid, Problem};

use crate::{App, AppError, Caller};

/// A topic of the register: one of the first ones (no name: the catalogue names it) or one the
/// Ambito added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    pub code: String,
    pub name: Option<String>,
}

/// Who attended a course.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attendee {
    User(i64),
    Volunteer(i64),
}

/// A person missing a requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapLine {
    pub ambito_id: i64,
    pub user_id: i64,
    pub name: String,
    pub role: Role,
    pub topic: String,
    pub due: jiff::civil::Date,
    pub never: bool,
    pub overdue: bool,
}

/// The hours one person attended in one year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hours {
    pub name: String,
    pub volunteer: bool,
    pub organisation: Option<String>,
    pub year: String,
    pub tenths: i64,
    pub courses: usize,
}

/// The register of one Ambito, as its page shows it.
#[derive(Debug, Clone)]
pub struct Register {
    pub ambito_id: i64,
    pub ambito: presidio_domain::reference::Ambito,
    pub topics: Vec<Topic>,
    pub courses: Vec<StoredCourse>,
    pub volunteers: Vec<StoredVolunteer>,
    pub requirements: Vec<Requirement>,
    pub gaps: Vec<GapLine>,
    pub hours: Vec<Hours>,
}

fn mine(who: &Principal) -> Result<Vec<AmbitoId>, AppError> {
    let ambiti = who.ambiti_with(Permission::ManageTraining);
    if ambiti.is_empty() {
        Err(AppError::Forbidden)
    } else {
        Ok(ambiti)
    }
}

/// The Ambito of code `code` among those whose register the user keeps (blank: the only one).
async fn chosen(app: &App, who: &Principal, code: &str) -> Result<AmbitoId, AppError> {
    crate::network::chosen_with(app, who, Permission::ManageTraining, code).await
}

async fn audit_read(app: &App, caller: Caller<'_>, record: &str, id: i64) -> Result<(), AppError> {
    let mut entry = app.entry(caller, Action::Read).record(record, id);
    "training".clone_into(&mut entry.section);
    app.audit.append(entry).await?;
    Ok(())
}

/// The topics of `ambito`: the first ones, then those it added.
pub async fn topics(app: &App, ambito: AmbitoId) -> Result<Vec<Topic>, DbError> {
    let mut out: Vec<Topic> = FIRST_TOPICS
        .iter()
        .map(|c| Topic {
            code: (*c).to_owned(),
            name: None,
        })
        .collect();
    out.extend(
        app.db
            .training_topics(ambito)
            .await?
            .into_iter()
            .map(|(code, name)| Topic {
                code,
                name: Some(name),
            }),
    );
    Ok(out)
}

/// The requirements of `ambito` in force: the first ones until its coordinators change them.
pub async fn requirements(app: &App, ambito: AmbitoId) -> Result<Vec<Requirement>, DbError> {
    let stored = app.db.training_requirements(ambito).await?;
    if stored.is_empty() {
        return Ok(first_requirements());
    }
    Ok(stored
        .iter()
        .filter(|r| r.active == 1)
        .filter_map(requirement)
        .collect())
}

fn requirement(r: &StoredRequirement) -> Option<Requirement> {
    Some(Requirement {
        role: Role::parse(&r.role)?,
        topic: r.topic.clone(),
        within_months: r.within_months.and_then(|m| i32::try_from(m).ok()),
        every_months: r.every_months.and_then(|m| i32::try_from(m).ok()),
    })
}

/// Who in `ambito` is missing what today: never trained, or a refresher due within 60 days or
/// late. By due day.
pub async fn gaps_of(app: &App, ambito: AmbitoId) -> Result<Vec<GapLine>, DbError> {
    let today = app.clock.now().in_rome().date();
    let reqs = requirements(app, ambito).await?;
    let people = app.db.trainees(ambito).await?;
    let attended = app.db.attended(ambito).await?;
    let mut out = Vec::new();
    for req in &reqs {
        for person in people.iter().filter(|p| p.role == req.role.code()) {
            let last = attended
                .iter()
                .filter(|a| a.user_id == person.user_id)
                .filter(|a| a.topics.split(',').any(|t| t == req.topic))
                .filter_map(|a| presidio_domain::time::parse_date(&a.ends_on))
                .max();
            let started = presidio_domain::time::UtcMillis(person.created_at)
                .in_rome()
                .date();
            if let Some(g) = gap(req, started, last, today) {
                out.push(GapLine {
                    ambito_id: ambito.0,
                    user_id: person.user_id,
                    name: person.name.clone(),
                    role: req.role,
                    topic: req.topic.clone(),
                    due: g.due,
                    never: g.never,
                    overdue: g.overdue,
                });
            }
        }
    }
    out.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.name.cmp(&b.name)));
    Ok(out)
}

/// How many people of the Ambiti whose register the user keeps miss a requirement: for the
/// coordinator's board and the morning summary (a count, not audited). None for the others.
pub async fn gap_count(app: &App, who: &Principal) -> Result<Option<usize>, DbError> {
    let ambiti = who.ambiti_with(Permission::ManageTraining);
    if ambiti.is_empty() {
        return Ok(None);
    }
    let mut n = 0;
    for ambito in ambiti {
        n += gaps_of(app, ambito).await?.len();
    }
    Ok(Some(n))
}

/// How many gaps `ambito` has: for the morning e-mail.
pub async fn ambito_gap_count(app: &App, ambito: AmbitoId) -> Result<usize, DbError> {
    Ok(gaps_of(app, ambito).await?.len())
}

/// The hours per person per year of `records`, by year then name.
pub fn hours(records: &[TrainingRecord]) -> Vec<Hours> {
    let mut by: BTreeMap<(String, String, bool, i64), Hours> = BTreeMap::new();
    for r in records {
        let year: String = r.starts_on.chars().take(4).collect();
        let (volunteer, id) = match (r.user_id, r.volunteer_id) {
            (Some(u), _) => (false, u),
            (_, v) => (true, v.unwrap_or_default()),
        };
        let line = by
            .entry((year.clone(), r.name.clone(), volunteer, id))
            .or_insert_with(|| Hours {
                name: r.name.clone(),
                volunteer,
                organisation: r.organisation.clone(),
                year,
                tenths: 0,
                courses: 0,
            });
        line.tenths += r.hours_tenths;
        line.courses += 1;
    }
    let mut out: Vec<Hours> = by.into_values().collect();
    out.sort_by(|a, b| b.year.cmp(&a.year).then_with(|| a.name.cmp(&b.name)));
    out
}

/// The registers of the Ambiti the user keeps. Audited.
pub async fn registers(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
) -> Result<Vec<Register>, AppError> {
    let ambiti = mine(who)?;
    let mut out = Vec::new();
    for ambito in &ambiti {
        let records = app.db.training_records(*ambito).await?;
        out.push(Register {
            ambito_id: ambito.0,
            ambito: app.db.ambito(*ambito).await?,
            topics: topics(app, *ambito).await?,
            courses: app.db.training_courses(*ambito, None).await?,
            volunteers: app.db.volunteers(*ambito).await?,
            requirements: requirements(app, *ambito).await?,
            gaps: gaps_of(app, *ambito).await?,
            hours: hours(&records),
        });
    }
    audit_read(app, caller, "training", ambiti[0].0).await?;
    Ok(out)
}

/// The courses of the user's Ambiti, latest first. Audited.
pub async fn courses(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
) -> Result<Vec<StoredCourse>, AppError> {
    let ambiti = mine(who)?;
    let mut out = Vec::new();
    for ambito in &ambiti {
        out.extend(app.db.training_courses(*ambito, None).await?);
    }
    audit_read(app, caller, "training", ambiti[0].0).await?;
    Ok(out)
}

/// Who misses what in the user's Ambiti. Audited.
pub async fn gaps(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
) -> Result<Vec<GapLine>, AppError> {
    let ambiti = mine(who)?;
    let mut out = Vec::new();
    for ambito in &ambiti {
        out.extend(gaps_of(app, *ambito).await?);
    }
    audit_read(app, caller, "training", ambiti[0].0).await?;
    Ok(out)
}

/// Records a course in the Ambito of code `ambito` (blank: the user's only one); refused on
/// the field at fault, writing nothing. Audited.
pub async fn add_course(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    ambito: &str,
    input: &CourseInput,
) -> Result<i64, AppError> {
    let ambito = chosen(app, who, ambito).await?;
    let known = topics(app, ambito).await?;
    let course = input.validate(|code| known.iter().any(|t| t.code == code))?;
    Ok(app
        .db
        .add_course(
            ambito,
            &course,
            who.user_id,
            &app.entry(caller, Action::Write),
        )
        .await?)
}

async fn kept(app: &App, who: &Principal, course: i64) -> Result<StoredCourse, AppError> {
    let ambito = match app.db.course_ambito(course).await {
        Err(DbError::NotFound) => return Err(AppError::NotFound),
        other => other?,
    };
    if !who.may_in(Permission::ManageTraining, ambito) {
        return Err(AppError::NotFound);
    }
    app.db
        .training_courses(ambito, Some(course))
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// A course as its page shows it: who attended, the Ambito's topics, and who may still be
/// recorded (the users working in the Ambito, by name, and its volunteers).
#[derive(Debug, Clone)]
pub struct CourseSheet {
    pub course: StoredCourse,
    pub attendance: Vec<StoredAttendance>,
    pub topics: Vec<Topic>,
    pub users: Vec<(i64, String)>,
    pub volunteers: Vec<StoredVolunteer>,
}

/// Course `id`, who attended it and who may still attend. Audited.
pub async fn course(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
) -> Result<CourseSheet, AppError> {
    let course = kept(app, who, id).await?;
    let ambito = AmbitoId(course.ambito_id);
    let attendance = app.db.course_attendance(id).await?;
    let mut users: Vec<(i64, String)> = app
        .db
        .trainees(ambito)
        .await?
        .into_iter()
        .map(|t| (t.user_id, t.name))
        .filter(|(u, _)| !attendance.iter().any(|a| a.user_id == Some(*u)))
        .collect();
    users.dedup();
    let volunteers = app
        .db
        .volunteers(ambito)
        .await?
        .into_iter()
        .filter(|v| !attendance.iter().any(|a| a.volunteer_id == Some(v.id)))
        .collect();
    audit_read(app, caller, "course", id).await?;
    Ok(CourseSheet {
        topics: topics(app, ambito).await?,
        course,
        attendance,
        users,
        volunteers,
    })
}

/// Records that `attendee` (a user working in the course's Ambito, or one of its volunteers)
/// attended course `id`; refused on `attendee` otherwise, 409 when already recorded. Audited.
pub async fn attend(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    attendee: Option<Attendee>,
) -> Result<i64, AppError> {
    let c = kept(app, who, id).await?;
    let ambito = AmbitoId(c.ambito_id);
    let known = match attendee {
        None => return Err(Invalid::one("attendee", Problem::Required).into()),
        Some(Attendee::User(u)) => app
            .db
            .trainees(ambito)
            .await?
            .iter()
            .any(|t| t.user_id == u),
        Some(Attendee::Volunteer(v)) => app.db.volunteers(ambito).await?.iter().any(|x| x.id == v),
    };
    if !known {
        return Err(Invalid::one("attendee", Problem::UnknownCode).into());
    }
    let (user, volunteer) = match attendee {
        Some(Attendee::User(u)) => (Some(u), None),
        Some(Attendee::Volunteer(v)) => (None, Some(v)),
        None => (None, None),
    };
    match app
        .db
        .add_attendance(
            id,
            user,
            volunteer,
            who.user_id,
            &app.entry(caller, Action::Write),
        )
        .await
    {
        Err(DbError::Conflict) => Err(AppError::Conflict("already_attended")),
        other => Ok(other?),
    }
}

/// Keeps the certificate of attendance `attendance` of course `id`: a PDF by its content, at
/// most 10 MB, with its SHA-256; refused on `certificate` otherwise. Audited.
pub async fn certify(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    attendance: i64,
    name: &str,
    content: &[u8],
) -> Result<(), AppError> {
    kept(app, who, id).await?;
    presidio_domain::protocol::check_document(content)
        .map_err(|p| Invalid::one("certificate", p))?;
    let sha = presidio_domain::audit::sha256_hex(content);
    let name = presidio_domain::protocol::document_name(name);
    match app
        .db
        .attach_certificate(
            id,
            attendance,
            &name,
            content,
            &sha,
            &app.entry(caller, Action::Write),
        )
        .await
    {
        Err(DbError::NotFound) => Err(AppError::NotFound),
        other => Ok(other?),
    }
}

/// The certificate of attendance `attendance` of course `id`. Every download is audited.
pub async fn certificate(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    attendance: i64,
) -> Result<(String, Vec<u8>), AppError> {
    kept(app, who, id).await?;
    let found = match app.db.certificate(id, attendance).await {
        Err(DbError::NotFound) => return Err(AppError::NotFound),
        other => other?,
    };
    let mut entry = app.entry(caller, Action::Read).record("course", id);
    "certificate".clone_into(&mut entry.section);
    entry.reason = format!("attendance={attendance}");
    app.audit.append(entry).await?;
    Ok(found)
}

/// The volunteers of the user's Ambiti, by name. Audited.
pub async fn volunteers(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
) -> Result<Vec<StoredVolunteer>, AppError> {
    let ambiti = mine(who)?;
    let mut out = Vec::new();
    for ambito in &ambiti {
        out.extend(app.db.volunteers(*ambito).await?);
    }
    audit_read(app, caller, "volunteers", ambiti[0].0).await?;
    Ok(out)
}

/// Adds a volunteer (their organisation among the Ambito's) to the register. Audited.
pub async fn add_volunteer(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    ambito: &str,
    input: &VolunteerInput,
) -> Result<i64, AppError> {
    let ambito = chosen(app, who, ambito).await?;
    let organisations = app.db.organisations(ambito).await?;
    let volunteer = input.validate(|id| organisations.iter().any(|o| o.id == id))?;
    Ok(app
        .db
        .add_volunteer(ambito, &volunteer, &app.entry(caller, Action::Write))
        .await?)
}

/// Sets (or, with `remove`, takes away) a requirement of the Ambito of code `ambito`. Audited.
pub async fn set_requirement(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    ambito: &str,
    input: &RequirementInput,
    remove: bool,
) -> Result<(), AppError> {
    let ambito = chosen(app, who, ambito).await?;
    let known = topics(app, ambito).await?;
    let r = input.validate(|code| known.iter().any(|t| t.code == code))?;
    Ok(app
        .db
        .save_requirement(
            ambito,
            &r,
            remove,
            &first_requirements(),
            &app.entry(caller, Action::Write),
        )
        .await?)
}

/// Adds a topic named `name` to the list of the Ambito of code `ambito`; refused on
/// `topic_name` when its code is taken. Audited.
pub async fn add_topic(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    ambito: &str,
    name: &str,
) -> Result<String, AppError> {
    let ambito = chosen(app, who, ambito).await?;
    let (code, name) = presidio_domain::training::topic(name)?;
    if FIRST_TOPICS.contains(&code.as_str()) {
        return Err(Invalid::one("topic_name", Problem::Duplicate).into());
    }
    match app
        .db
        .add_training_topic(ambito, &code, &name, &app.entry(caller, Action::Write))
        .await
    {
        Err(DbError::Conflict) => Err(Invalid::one("topic_name", Problem::Duplicate).into()),
        other => other.map(|()| code).map_err(Into::into),
    }
}

/// Every attendance of the courses of the user's Ambiti, for the export. Audited as an export.
pub async fn records(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
) -> Result<Vec<TrainingRecord>, AppError> {
    let ambiti = mine(who)?;
    let mut out = Vec::new();
    for ambito in &ambiti {
        out.extend(app.db.training_records(*ambito).await?);
    }
    let mut entry = app
        .entry(caller, Action::Export)
        .record("training", ambiti[0].0);
    "training".clone_into(&mut entry.section);
    app.audit.append(entry).await?;
    Ok(out)
}
