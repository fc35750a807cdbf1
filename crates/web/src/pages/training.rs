//! The training register in the pages (coordinators): who is missing what, the courses, the
//! hours per person per year with their export, the volunteers, the requirements per role and
//! the topics; a course's page records who attended and keeps their certificates.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use presidio_app::AppError;
use presidio_app::training::{Attendee, Register, Topic};
use presidio_db::{StoredAttendance, StoredCourse};
use presidio_domain::training::{
    CourseInput, Mode, RequirementInput, TRAINED_ROLES, VolunteerInput,
};
use presidio_domain::validation::{Invalid, Problem};

use super::reports::principal;
use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::forms::{Choice, FormErrors};
use crate::i18n::{Arg, Tr};

/// How the course form labels the fields whose common label means something else.
const LABELS: [(&str, &str); 3] = [
    ("hours", "training-field-hours"),
    ("provider", "training-field-provider"),
    ("date", "training-field-date"),
];

fn errors_of(invalid: &Invalid) -> FormErrors {
    FormErrors::labelled(invalid, &LABELS)
}

/// Hours from tenths, in Italian: "7,5", "12".
pub fn hours_text(t: Tr<'_>, tenths: i64) -> String {
    match tenths % 10 {
        0 => t.number(tenths / 10),
        rest => format!("{},{rest}", t.number(tenths / 10)),
    }
}

fn topic_name(t: Tr<'_>, topics: &[Topic], code: &str) -> String {
    match topics.iter().find(|x| x.code == code) {
        Some(Topic {
            name: Some(name), ..
        }) => name.clone(),
        _ => t.t(&format!("training-topic-{code}")),
    }
}

fn topic_names(t: Tr<'_>, topics: &[Topic], joined: &str) -> String {
    joined
        .split(',')
        .filter(|c| !c.is_empty())
        .map(|c| topic_name(t, topics, c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A course as a line of the list.
pub struct CourseRow {
    pub id: i64,
    pub title: String,
    pub when: String,
    pub hours: String,
    pub topics: String,
    /// "7,5 ore · 3 partecipanti".
    pub detail: String,
}

fn days(t: Tr<'_>, from: &str, to: &str) -> String {
    let day =
        |s: &str| presidio_domain::time::parse_date(s).map_or_else(String::new, |d| t.date(d));
    if from == to {
        day(from)
    } else {
        t.t_args(
            "training-days",
            &[("from", Arg::Str(&day(from))), ("to", Arg::Str(&day(to)))],
        )
    }
}

fn course_row(t: Tr<'_>, topics: &[Topic], c: &StoredCourse) -> CourseRow {
    CourseRow {
        id: c.id,
        title: c.title.clone(),
        when: days(t, &c.starts_on, &c.ends_on),
        hours: hours_text(t, c.hours_tenths),
        topics: topic_names(t, topics, &c.topics),
        detail: t.t_args(
            "training-course-detail",
            &[
                ("hours", Arg::Str(&hours_text(t, c.hours_tenths))),
                ("count", Arg::Num(c.attendees)),
            ],
        ),
    }
}

/// A gap as a line: (person, role, topic, due day, state, state class).
pub struct GapRow {
    pub name: String,
    pub role: String,
    pub topic: String,
    pub due: String,
    pub state: String,
    pub late: bool,
}

/// A requirement as a line, with what its removal sends.
pub struct RequirementRow {
    pub role_code: &'static str,
    pub topic_code: String,
    pub text: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "training.html")]
pub struct TrainingPage {
    page: Layout,
    ambito: String,
    /// (link, name, current) when the user keeps several registers.
    ambiti: Vec<(String, String, bool)>,
    gaps: Vec<GapRow>,
    courses: Vec<CourseRow>,
    hours: Vec<HourRow>,
    /// (name, organisation, since).
    volunteers: Vec<(String, String, String)>,
    requirements: Vec<RequirementRow>,
    topics: Vec<String>,
    course: CourseInput,
    topic_choices: Vec<Choice>,
    modes: Vec<Choice>,
    volunteer: VolunteerInput,
    organisations: Vec<Choice>,
    requirement: RequirementInput,
    roles: Vec<Choice>,
    requirement_topics: Vec<Choice>,
    topic_typed: String,
    errors: FormErrors,
    done: Option<String>,
}

/// What was typed in the form that was refused.
#[derive(Default)]
struct Typed {
    course: CourseInput,
    volunteer: VolunteerInput,
    requirement: RequirementInput,
    topic: String,
}

fn choices(list: impl IntoIterator<Item = (String, String)>, picked: &[String]) -> Vec<Choice> {
    list.into_iter()
        .map(|(value, label)| Choice {
            selected: picked.contains(&value),
            value,
            label,
        })
        .collect()
}

fn gap_rows(t: Tr<'_>, r: &Register) -> Vec<GapRow> {
    r.gaps
        .iter()
        .map(|g| GapRow {
            name: g.name.clone(),
            role: t.t(&format!("role-{}", g.role.code())),
            topic: topic_name(t, &r.topics, &g.topic),
            due: t.date(g.due),
            state: t.t(if g.overdue {
                "training-gap-late"
            } else if g.never {
                "training-gap-never"
            } else {
                "training-gap-soon"
            }),
            late: g.overdue,
        })
        .collect()
}

fn requirement_rows(t: Tr<'_>, r: &Register) -> Vec<RequirementRow> {
    let n = |m: Option<i32>| Arg::Num(i64::from(m.unwrap_or(0)));
    r.requirements
        .iter()
        .map(|q| RequirementRow {
            role_code: q.role.code(),
            topic_code: q.topic.clone(),
            text: t.t_args(
                "training-requirement",
                &[
                    ("role", Arg::Str(&t.t(&format!("role-{}", q.role.code())))),
                    ("topic", Arg::Str(&topic_name(t, &r.topics, &q.topic))),
                    ("within", n(q.within_months)),
                    ("every", n(q.every_months)),
                ],
            ),
        })
        .collect()
}

/// (year, person, kind, organisation, courses, hours).
type HourRow = (String, String, String, String, usize, String);

fn hour_rows(t: Tr<'_>, r: &Register) -> Vec<HourRow> {
    r.hours
        .iter()
        .map(|h| {
            (
                h.year.clone(),
                h.name.clone(),
                t.t(if h.volunteer {
                    "training-volunteer"
                } else {
                    "training-operator"
                }),
                h.organisation.clone().unwrap_or_default(),
                h.courses,
                hours_text(t, h.tenths),
            )
        })
        .collect()
}

fn volunteer_rows(t: Tr<'_>, r: &Register) -> Vec<(String, String, String)> {
    r.volunteers
        .iter()
        .map(|v| {
            (
                v.name.clone(),
                v.organisation.clone().unwrap_or_default(),
                v.started_on
                    .as_deref()
                    .and_then(presidio_domain::time::parse_date)
                    .map_or_else(String::new, |d| t.date(d)),
            )
        })
        .collect()
}

async fn page_of(
    state: &AppState,
    visitor: &Visitor,
    wanted: &str,
    typed: Typed,
    errors: FormErrors,
) -> Result<TrainingPage, PageError> {
    let who = principal(visitor)?;
    let registers = presidio_app::training::registers(state, visitor.caller(), who).await?;
    let ambiti: Vec<&presidio_domain::reference::Ambito> =
        registers.iter().map(|r| &r.ambito).collect();
    let at = ambiti.iter().position(|a| a.code == wanted).unwrap_or(0);
    let r = &registers[at];
    let page = Layout::new(visitor, "training-title", "training");
    let t = page.t;
    let organisations = presidio_app::protocols::parties(state, who)
        .await?
        .into_iter()
        .filter(|o| o.ambito_id == r.ambito_id)
        .map(|o| (o.id.to_string(), o.name));
    let topic_list = r
        .topics
        .iter()
        .map(|x| (x.code.clone(), topic_name(t, &r.topics, &x.code)));
    Ok(TrainingPage {
        ambito: ambiti[at].code.clone(),
        ambiti: if ambiti.len() > 1 {
            ambiti
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    (
                        format!("/formazione?ambito={}", a.code),
                        a.name.clone(),
                        i == at,
                    )
                })
                .collect()
        } else {
            Vec::new()
        },
        gaps: gap_rows(t, r),
        courses: r
            .courses
            .iter()
            .map(|c| course_row(t, &r.topics, c))
            .collect(),
        hours: hour_rows(t, r),
        volunteers: volunteer_rows(t, r),
        requirements: requirement_rows(t, r),
        topics: r
            .topics
            .iter()
            .map(|x| topic_name(t, &r.topics, &x.code))
            .collect(),
        topic_choices: choices(topic_list.clone(), &typed.course.topics),
        modes: choices(
            Mode::ALL.iter().map(|m| {
                (
                    m.code().to_owned(),
                    t.t(&format!("training-mode-{}", m.code())),
                )
            }),
            std::slice::from_ref(&typed.course.mode),
        ),
        organisations: choices(
            organisations,
            std::slice::from_ref(&typed.volunteer.organisation_id),
        ),
        roles: choices(
            TRAINED_ROLES
                .iter()
                .map(|r| (r.code().to_owned(), t.t(&format!("role-{}", r.code())))),
            std::slice::from_ref(&typed.requirement.role),
        ),
        requirement_topics: choices(topic_list, std::slice::from_ref(&typed.requirement.topic)),
        course: typed.course,
        volunteer: typed.volunteer,
        requirement: typed.requirement,
        topic_typed: typed.topic,
        errors,
        done: None,
        page,
    })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct RegisterQuery {
    ambito: String,
    fatto: String,
}

/// The register of one of the user's Ambiti (`?ambito=`; the first one).
pub async fn register(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(query): Query<RegisterQuery>,
) -> Result<TrainingPage, PageError> {
    let mut page = page_of(
        &state,
        &visitor,
        &query.ambito,
        Typed::default(),
        FormErrors::default(),
    )
    .await?;
    page.done = match query.fatto.as_str() {
        "volontario" => Some(page.page.t.t("training-volunteer-saved")),
        "requisiti" => Some(page.page.t.t("training-requirements-saved")),
        "argomento" => Some(page.page.t.t("training-topic-saved")),
        _ => None,
    };
    Ok(page)
}

fn value<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

fn course_input(pairs: &[(String, String)]) -> CourseInput {
    CourseInput {
        title: value(pairs, "title").to_owned(),
        provider: value(pairs, "provider").to_owned(),
        date: value(pairs, "date").to_owned(),
        ends_on: value(pairs, "ends_on").to_owned(),
        hours: value(pairs, "hours").to_owned(),
        mode: value(pairs, "mode").to_owned(),
        topics: pairs
            .iter()
            .filter(|(k, _)| k == "topics")
            .map(|(_, v)| v.clone())
            .collect(),
    }
}

/// Shows the register again with the refusal, or passes the other errors on.
async fn refused(
    state: &AppState,
    visitor: &Visitor,
    ambito: &str,
    typed: Typed,
    err: AppError,
) -> Result<Response, PageError> {
    match err {
        AppError::Invalid(invalid) => {
            let page = page_of(state, visitor, ambito, typed, errors_of(&invalid)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        e => Err(e.into()),
    }
}

/// Goes to `done`'s address, or shows the register again with what was typed.
async fn answered(
    state: &AppState,
    visitor: &Visitor,
    ambito: &str,
    done: Result<String, AppError>,
    typed: Typed,
) -> Result<Response, PageError> {
    match done {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(e) => refused(state, visitor, ambito, typed, e).await,
    }
}

/// Records a course.
pub async fn add_course(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let ambito = value(&pairs, "ambito");
    let input = course_input(&pairs);
    let done = presidio_app::training::add_course(&state, visitor.caller(), who, ambito, &input)
        .await
        .map(|id| format!("/formazione/corsi/{id}?fatto=salvato"));
    let typed = Typed {
        course: input,
        ..Typed::default()
    };
    answered(&state, &visitor, ambito, done, typed).await
}

/// Adds a volunteer.
pub async fn add_volunteer(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let ambito = value(&pairs, "ambito");
    let input = VolunteerInput {
        name: value(&pairs, "name").to_owned(),
        organisation_id: value(&pairs, "organisation_id").to_owned(),
        started_on: value(&pairs, "started_on").to_owned(),
    };
    let done = presidio_app::training::add_volunteer(&state, visitor.caller(), who, ambito, &input)
        .await
        .map(|_| format!("/formazione?ambito={ambito}&fatto=volontario#volontari"));
    let typed = Typed {
        volunteer: input,
        ..Typed::default()
    };
    answered(&state, &visitor, ambito, done, typed).await
}

/// Sets a requirement, or with `azione=rimuovi` takes it away.
pub async fn set_requirement(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let ambito = value(&pairs, "ambito");
    let input = RequirementInput {
        role: value(&pairs, "role").to_owned(),
        topic: value(&pairs, "topic").to_owned(),
        within_months: value(&pairs, "within_months").to_owned(),
        every_months: value(&pairs, "every_months").to_owned(),
    };
    let remove = value(&pairs, "azione") == "rimuovi";
    let done = presidio_app::training::set_requirement(
        &state,
        visitor.caller(),
        who,
        ambito,
        &input,
        remove,
    )
    .await
    .map(|()| format!("/formazione?ambito={ambito}&fatto=requisiti#requisiti"));
    let typed = Typed {
        requirement: input,
        ..Typed::default()
    };
    answered(&state, &visitor, ambito, done, typed).await
}

/// Adds a topic to the list.
pub async fn add_topic(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let ambito = value(&pairs, "ambito");
    let name = value(&pairs, "topic_name");
    let done = presidio_app::training::add_topic(&state, visitor.caller(), who, ambito, name)
        .await
        .map(|_| format!("/formazione?ambito={ambito}&fatto=argomento#argomenti"));
    let typed = Typed {
        topic: name.to_owned(),
        ..Typed::default()
    };
    answered(&state, &visitor, ambito, done, typed).await
}

#[derive(Template, WebTemplate)]
#[template(path = "training_course.html")]
pub struct CoursePage {
    page: Layout,
    id: i64,
    row: CourseRow,
    provider: String,
    mode: String,
    attendance: Vec<AttendanceRow>,
    /// (value, label) of the users, then of the volunteers, not yet recorded.
    users: Vec<Choice>,
    volunteers: Vec<Choice>,
    errors: FormErrors,
    done: Option<String>,
}

/// One attendance as the course page shows it.
pub struct AttendanceRow {
    pub id: i64,
    pub name: String,
    pub organisation: String,
    /// (link, "nome.pdf · 212 kB · SHA-256 …").
    pub certificate: Option<(String, String)>,
    /// "Attestato di Anna Rossi (PDF, …)".
    pub label: String,
}

fn attendance_line(t: Tr<'_>, a: &StoredAttendance) -> AttendanceRow {
    let certificate = a.certificate_sha256.as_ref().map(|sha| {
        (
            format!(
                "/formazione/corsi/{}/presenze/{}/attestato",
                a.course_id, a.id
            ),
            t.t_args(
                "training-certificate-detail",
                &[
                    (
                        "name",
                        Arg::Str(a.certificate_name.as_deref().unwrap_or_default()),
                    ),
                    (
                        "kb",
                        Arg::Num((a.certificate_size.unwrap_or(0) + 1023) / 1024),
                    ),
                    ("sha", Arg::Str(&sha[..sha.len().min(16)])),
                ],
            ),
        )
    });
    AttendanceRow {
        id: a.id,
        name: a.name.clone(),
        organisation: a.organisation.clone().unwrap_or_default(),
        certificate,
        label: t.t1("training-certificate-of", "name", &a.name),
    }
}

async fn course_page(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    errors: FormErrors,
) -> Result<CoursePage, PageError> {
    let who = principal(visitor)?;
    let sheet = presidio_app::training::course(state, visitor.caller(), who, id).await?;
    let c = &sheet.course;
    let page = Layout::titled(visitor, c.title.clone(), "training");
    let t = page.t;
    Ok(CoursePage {
        id,
        row: course_row(t, &sheet.topics, c),
        provider: c.provider.clone().unwrap_or_default(),
        mode: t.t(&format!("training-mode-{}", c.mode)),
        users: sheet
            .users
            .iter()
            .map(|(u, name)| Choice {
                value: format!("u{u}"),
                label: name.clone(),
                selected: false,
            })
            .collect(),
        volunteers: sheet
            .volunteers
            .iter()
            .map(|v| Choice {
                value: format!("v{}", v.id),
                label: v.name.clone(),
                selected: false,
            })
            .collect(),
        attendance: sheet
            .attendance
            .iter()
            .map(|a| attendance_line(t, a))
            .collect(),
        errors,
        done: None,
        page,
    })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CourseQuery {
    fatto: String,
}

/// A course and who attended it.
pub async fn course(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Query(query): Query<CourseQuery>,
) -> Result<CoursePage, PageError> {
    let mut page = course_page(&state, &visitor, id, FormErrors::default()).await?;
    page.done = match query.fatto.as_str() {
        "salvato" => Some(page.page.t.t("training-course-saved")),
        "presenza" => Some(page.page.t.t("training-attendance-saved")),
        "attestato" => Some(page.page.t.t("training-certificate-saved")),
        _ => None,
    };
    Ok(page)
}

/// The attendee as the form sends it: `u12` (a user) or `v3` (a volunteer).
pub fn attendee(raw: &str) -> Option<Attendee> {
    let raw = raw.trim();
    let id = |s: &str| s.parse::<i64>().ok().filter(|n| *n > 0);
    match raw.split_at_checked(1) {
        Some(("u", rest)) => id(rest).map(Attendee::User),
        Some(("v", rest)) => id(rest).map(Attendee::Volunteer),
        _ => None,
    }
}

/// Records who attended.
pub async fn attend(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let raw = value(&pairs, "attendee");
    let chosen = match (raw.trim().is_empty(), attendee(raw)) {
        (true, _) => Err(Invalid::one("attendee", Problem::Required).into()),
        (false, None) => Err(Invalid::one("attendee", Problem::UnknownCode).into()),
        (false, Some(a)) => {
            presidio_app::training::attend(&state, visitor.caller(), who, id, Some(a)).await
        }
    };
    match chosen {
        Ok(_) => {
            Ok(Redirect::to(&format!("/formazione/corsi/{id}?fatto=presenza")).into_response())
        }
        Err(AppError::Invalid(invalid)) => {
            let page = course_page(&state, &visitor, id, errors_of(&invalid)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Keeps an attendance's certificate; a refusal shows the course again with its message.
pub async fn certify(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((id, attendance)): Path<(i64, i64)>,
    form: Multipart,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let done = match crate::forms::uploaded(form, "certificate").await {
        Some((name, bytes)) => {
            presidio_app::training::certify(
                &state,
                visitor.caller(),
                who,
                id,
                attendance,
                &name,
                &bytes,
            )
            .await
        }
        None => Err(Invalid::one("certificate", Problem::Required).into()),
    };
    match done {
        Ok(()) => {
            Ok(Redirect::to(&format!("/formazione/corsi/{id}?fatto=attestato")).into_response())
        }
        Err(AppError::Invalid(invalid)) => {
            let page = course_page(&state, &visitor, id, errors_of(&invalid)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A certificate, downloaded (audited).
pub async fn certificate(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((id, attendance)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let (name, bytes) =
        presidio_app::training::certificate(&state, visitor.caller(), who, id, attendance).await?;
    Ok(crate::forms::pdf_download(&name, bytes))
}

/// The export's one table: every attendance with its course.
async fn table(state: &AppState, visitor: &Visitor) -> Result<crate::dashboard::Table, PageError> {
    use crate::dashboard::Cell;
    let who = principal(visitor)?;
    let t = crate::i18n::catalogue().tr(crate::i18n::Locale::Italian);
    let records = presidio_app::training::records(state, visitor.caller(), who).await?;
    let mut topics: Vec<Topic> = Vec::new();
    for ambito in who.ambiti_with(presidio_domain::access::Permission::ManageTraining) {
        topics.extend(presidio_app::training::topics(state, ambito).await?);
    }
    let head = [
        "training-col-course",
        "training-field-provider",
        "training-col-from",
        "training-col-to",
        "training-field-hours",
        "field-mode",
        "field-topics",
        "training-col-person",
        "training-col-kind",
        "training-col-organisation",
        "training-col-certificate",
    ];
    let day =
        |s: &str| presidio_domain::time::parse_date(s).map_or_else(String::new, |d| t.date(d));
    let rows = records
        .iter()
        .map(|r| {
            vec![
                Cell::Text(r.title.clone()),
                Cell::Text(r.provider.clone().unwrap_or_default()),
                Cell::Text(day(&r.starts_on)),
                Cell::Text(day(&r.ends_on)),
                Cell::Decimal(f64::from(i32::try_from(r.hours_tenths).unwrap_or(i32::MAX)) / 10.0),
                Cell::Text(t.t(&format!("training-mode-{}", r.mode))),
                Cell::Text(topic_names(t, &topics, &r.topics)),
                Cell::Text(r.name.clone()),
                Cell::Text(t.t(if r.volunteer_id.is_some() {
                    "training-volunteer"
                } else {
                    "training-operator"
                })),
                Cell::Text(r.organisation.clone().unwrap_or_default()),
                Cell::Text(t.t(if r.certified == 1 {
                    "training-certified-yes"
                } else {
                    "training-certified-no"
                })),
            ]
        })
        .collect();
    Ok(crate::dashboard::Table {
        id: "formazione",
        title: t.t("training-title"),
        head: head.iter().map(|h| t.t(h)).collect(),
        rows,
    })
}

/// The register's attendance as a CSV for Italian spreadsheets.
pub async fn export_csv(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Response, PageError> {
    let _slot = crate::exports::slot(&state, &visitor)?;
    let table = table(&state, &visitor).await?;
    Ok(crate::forms::attachment(
        "text/csv; charset=utf-8",
        "formazione.csv",
        crate::dashboard::csv(&[table]).into_bytes(),
    ))
}

/// The register's attendance as an XLSX workbook.
pub async fn export_xlsx(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Response, PageError> {
    let _slot = crate::exports::slot(&state, &visitor)?;
    let table = table(&state, &visitor).await?;
    let body = crate::dashboard::xlsx(&[table]).map_err(|e| {
        tracing::error!(error = %e, "xlsx not written");
        PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal")
    })?;
    Ok(crate::forms::attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "formazione.xlsx",
        body,
    ))
}
