//! The training register: courses (topics from an editable list), who attended them (users, and
//! volunteers who are not users), the requirements per role ("field operators: the MSNA
//! procedure within 6 months of starting, a refresher every 24 months"), who is missing what,
//! and the hours per person per year.

use jiff::civil::Date;
use jiff::{Span, ToSpan};

use crate::access::Role;
use crate::codes;
use crate::validation::{Invalid, Problem};

/// At most this many characters in a title or a provider's name.
pub const TITLE_MAX: usize = 200;

/// The most hours one course may count.
pub const HOURS_MAX_TENTHS: i64 = 2000 * 10;

/// The topics every register starts with (their codes; names are the Ambito's own, editable).
pub const FIRST_TOPICS: [&str; 7] = [
    "multidisciplinare",
    "interculturale",
    "alta_complessita",
    "msna",
    "violenza_genere",
    "sicurezza_operatore",
    "privacy",
];

/// A refresher falls due within this many days: it is listed among the gaps already.
pub const SOON_DAYS: i64 = 60;

codes!(
    /// How a course is held.
    Mode {
        Presenza = "presenza",
        Online = "online",
        Mista = "mista",
    }
);

/// A course as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CourseInput {
    pub title: String,
    pub provider: String,
    /// `AAAA-MM-GG`: the (first) day.
    pub date: String,
    /// `AAAA-MM-GG`, empty for a one-day course.
    pub ends_on: String,
    /// Hours, with a decimal comma or point ("7,5").
    pub hours: String,
    pub mode: String,
    /// Topic codes, among those of the register.
    pub topics: Vec<String>,
}

/// A checked course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Course {
    pub title: String,
    pub provider: Option<String>,
    pub date: Date,
    pub ends_on: Date,
    /// Tenths of an hour.
    pub hours_tenths: i64,
    pub mode: Mode,
    pub topics: Vec<String>,
}

fn text(e: &mut Invalid, field: &'static str, raw: &str, required: bool) -> Option<String> {
    if required && raw.trim().is_empty() {
        e.push(field, Problem::Required);
    }
    crate::network::text(e, field, raw, TITLE_MAX)
}

/// Hours as typed ("7", "7,5", "7.5") in tenths; one decimal at most, above zero.
pub fn parse_hours(raw: &str) -> Result<i64, Problem> {
    let raw = raw.trim().replace(',', ".");
    if raw.is_empty() {
        return Err(Problem::Required);
    }
    let (whole, tenth) = match raw.split_once('.') {
        Some((w, t)) if t.len() == 1 => (w, t),
        Some(_) => return Err(Problem::OutOfRange),
        None => (raw.as_str(), "0"),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || whole.len() > 5 {
        return Err(Problem::OutOfRange);
    }
    let whole: i64 = whole.parse().map_err(|_| Problem::OutOfRange)?;
    let tenth: i64 = tenth.parse().map_err(|_| Problem::OutOfRange)?;
    let tenths = whole * 10 + tenth;
    if tenths == 0 || tenths > HOURS_MAX_TENTHS {
        return Err(Problem::OutOfRange);
    }
    Ok(tenths)
}

impl CourseInput {
    /// Checks the course: a title, a first day from 2000 to 2100 and a last day not before it
    /// (within a year), hours above zero, a known mode, topics among `known_topic`.
    pub fn validate(&self, known_topic: impl Fn(&str) -> bool) -> Result<Course, Invalid> {
        let mut e = Invalid::default();
        let title = text(&mut e, "title", &self.title, true);
        let provider = text(&mut e, "provider", &self.provider, false);
        let date = crate::protocol::day(&mut e, "date", &self.date);
        let ends_on = if self.ends_on.trim().is_empty() {
            date
        } else {
            crate::protocol::day(&mut e, "ends_on", &self.ends_on)
        };
        if let (Some(first), Some(last)) = (date, ends_on)
            && (last < first || first.checked_add(1.year()).is_ok_and(|limit| last > limit))
        {
            e.push("ends_on", Problem::OutOfRange);
        }
        let hours = parse_hours(&self.hours)
            .map_err(|p| e.push("hours", p))
            .ok();
        let mode = match self.mode.trim() {
            "" => Some(Mode::Presenza),
            code => {
                let m = Mode::parse(code);
                if m.is_none() {
                    e.push("mode", Problem::UnknownCode);
                }
                m
            }
        };
        let mut topics: Vec<String> = Vec::new();
        for code in self
            .topics
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
        {
            if !known_topic(code) {
                e.push("topics", Problem::UnknownCode);
                break;
            }
            if !topics.iter().any(|t| t == code) {
                topics.push(code.to_owned());
            }
        }
        match (title, date, ends_on, hours, mode) {
            (Some(title), Some(date), Some(ends_on), Some(hours_tenths), Some(mode))
                if e.is_empty() =>
            {
                Ok(Course {
                    title,
                    provider,
                    date,
                    ends_on,
                    hours_tenths,
                    mode,
                    topics,
                })
            }
            _ => Err(e),
        }
    }
}

/// What a role must have attended: a course on `topic` within `within_months` of starting
/// (none: no first deadline, only once), then again every `every_months` (none: once is enough).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub role: Role,
    pub topic: String,
    pub within_months: Option<i32>,
    pub every_months: Option<i32>,
}

/// The requirements a register starts with: field operators and call-takers trained on the
/// MSNA procedure within 6 months of starting, then every 24 months.
pub fn first_requirements() -> Vec<Requirement> {
    [Role::OperatorePis, Role::OperatoreCentrale]
        .into_iter()
        .map(|role| Requirement {
            role,
            topic: "msna".into(),
            within_months: Some(6),
            every_months: Some(24),
        })
        .collect()
}

fn months(n: i32) -> Span {
    Span::new().months(n)
}

/// When a person who started on `started` must next attend a course of the requirement, given
/// the last day they attended one (`last`); none when nothing more is due.
pub fn due(req: &Requirement, started: Date, last: Option<Date>) -> Option<Date> {
    match last {
        Some(day) => req
            .every_months
            .and_then(|m| day.checked_add(months(m)).ok()),
        None => Some(
            req.within_months
                .and_then(|m| started.checked_add(months(m)).ok())
                .unwrap_or(started),
        ),
    }
}

/// A person missing a requirement: never trained (whatever the deadline), or a refresher due
/// within [`SOON_DAYS`] of `today` or past.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub due: Date,
    /// Never attended a course of the topic.
    pub never: bool,
    pub overdue: bool,
}

pub fn gap(req: &Requirement, started: Date, last: Option<Date>, today: Date) -> Option<Gap> {
    let when = due(req, started, last)?;
    let soon = today.checked_add(SOON_DAYS.days()).unwrap_or(today);
    (last.is_none() || when <= soon).then_some(Gap {
        due: when,
        never: last.is_none(),
        overdue: when < today,
    })
}

/// The longest a requirement's deadline or refresher may be, in months.
pub const MONTHS_MAX: i32 = 240;

/// A requirement as typed: months blank for none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequirementInput {
    pub role: String,
    pub topic: String,
    pub within_months: String,
    pub every_months: String,
}

/// Months as typed: none when blank (or refused, with the problem pushed on `field`).
fn months_typed(e: &mut Invalid, field: &'static str, raw: &str) -> Option<i32> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match raw.parse::<i32>() {
        Ok(n) if (1..=MONTHS_MAX).contains(&n) => Some(n),
        _ => {
            e.push(field, Problem::OutOfRange);
            None
        }
    }
}

/// The roles a requirement may name: those who work the cases.
pub const TRAINED_ROLES: [Role; 4] = [
    Role::Coordinatore,
    Role::OperatoreCentrale,
    Role::OperatorePis,
    Role::ServizioSociale,
];

impl RequirementInput {
    /// Checks a requirement: a role among [`TRAINED_ROLES`], a topic of the register, months
    /// from 1 to [`MONTHS_MAX`] or none.
    pub fn validate(&self, known_topic: impl Fn(&str) -> bool) -> Result<Requirement, Invalid> {
        let mut e = Invalid::default();
        let role = match self.role.trim() {
            "" => {
                e.push("role", Problem::Required);
                None
            }
            code => {
                let role = Role::parse(code).filter(|r| TRAINED_ROLES.contains(r));
                if role.is_none() {
                    e.push("role", Problem::UnknownCode);
                }
                role
            }
        };
        let topic = self.topic.trim();
        if topic.is_empty() {
            e.push("topic", Problem::Required);
        } else if !known_topic(topic) {
            e.push("topic", Problem::UnknownCode);
        }
        let within = months_typed(&mut e, "within_months", &self.within_months);
        let every = months_typed(&mut e, "every_months", &self.every_months);
        match role {
            Some(role) if e.is_empty() => Ok(Requirement {
                role,
                topic: topic.to_owned(),
                within_months: within,
                every_months: every,
            }),
            _ => Err(e),
        }
    }
}

/// A volunteer as typed (not a user: kept in the register with their organisation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolunteerInput {
    pub name: String,
    /// An organisation of the directory, or blank.
    pub organisation_id: String,
    /// `AAAA-MM-GG`, or blank.
    pub started_on: String,
}

/// A checked volunteer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volunteer {
    pub name: String,
    pub organisation_id: Option<i64>,
    pub started_on: Option<Date>,
}

impl VolunteerInput {
    /// Checks a volunteer: a name, an organisation among `known_organisation` or none, a
    /// starting day from 2000 to 2100 or none.
    pub fn validate(&self, known_organisation: impl Fn(i64) -> bool) -> Result<Volunteer, Invalid> {
        let mut e = Invalid::default();
        let name = text(&mut e, "name", &self.name, true);
        let organisation_id = match self.organisation_id.trim() {
            "" => None,
            raw => match raw.parse::<i64>() {
                Ok(id) if known_organisation(id) => Some(id),
                _ => {
                    e.push("organisation_id", Problem::UnknownCode);
                    None
                }
            },
        };
        let started_on = if self.started_on.trim().is_empty() {
            None
        } else {
            crate::protocol::day(&mut e, "started_on", &self.started_on)
        };
        match name {
            Some(name) if e.is_empty() => Ok(Volunteer {
                name,
                organisation_id,
                started_on,
            }),
            _ => Err(e),
        }
    }
}

/// The code of a new topic named `name`: its letters and digits without accents, lower case,
/// words joined by `_` ("Salute mentale" → `salute_mentale`); none when nothing is left.
pub fn topic_code(name: &str) -> Option<String> {
    use unicode_normalization::UnicodeNormalization;
    let mut code = String::new();
    for c in name
        .nfd()
        .filter(char::is_ascii)
        .map(|c| c.to_ascii_lowercase())
    {
        if c.is_ascii_alphanumeric() {
            code.push(c);
        } else if !code.is_empty() && !code.ends_with('_') {
            code.push('_');
        }
    }
    let code = code.trim_end_matches('_');
    let code: String = code.chars().take(40).collect();
    (!code.is_empty()).then(|| code.trim_end_matches('_').to_owned())
}

/// Checks a new topic's name (required, at most 80 characters) and gives its code.
pub fn topic(name: &str) -> Result<(String, String), Invalid> {
    let mut e = Invalid::default();
    let checked = text(&mut e, "topic_name", name, true);
    if let Some(name) = checked {
        if name.chars().count() > 80 {
            return Err(Invalid::one("topic_name", Problem::TooLong { max: 80 }));
        }
        match topic_code(&name) {
            Some(code) => return Ok((code, name)),
            None => e.push("topic_name", Problem::OutOfRange),
        }
    }
    Err(e)
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn course() -> CourseInput {
        CourseInput {
            title: "La procedura MSNA".into(),
            provider: "Regione Lombardia".into(),
            date: "2026-03-10".into(),
            hours: "7,5".into(),
            topics: vec!["msna".into(), "msna".into(), " ".into()],
            ..CourseInput::default()
        }
    }

    fn known(code: &str) -> bool {
        FIRST_TOPICS.contains(&code)
    }

    #[test]
    fn a_course_keeps_its_values_in_tenths_of_an_hour() {
        let c = course().validate(known).unwrap();
        assert_eq!(c.hours_tenths, 75);
        assert_eq!(c.ends_on, date(2026, 3, 10), "one day when no last day");
        assert_eq!(c.mode, Mode::Presenza);
        assert_eq!(c.topics, ["msna"]);
        for (raw, tenths) in [("8", 80), ("0.5", 5), (" 12,0 ", 120), ("2000", 20_000)] {
            assert_eq!(parse_hours(raw), Ok(tenths), "{raw}");
        }
        for raw in [
            "0",
            "-1",
            "1,25",
            "abc",
            "2000,1",
            "1e3",
            ",5",
            "99999999999999999999",
        ] {
            assert!(parse_hours(raw).is_err(), "{raw}");
        }
        assert_eq!(parse_hours(""), Err(Problem::Required));
    }

    #[test]
    fn bad_values_are_named_by_their_field() {
        let input = CourseInput {
            title: "a\u{0}b".into(),
            provider: "x".repeat(TITLE_MAX + 1),
            date: "0001-01-01".into(),
            ends_on: "ieri".into(),
            hours: "0".into(),
            mode: "a_distanza".into(),
            topics: vec!["astrologia".into()],
        };
        let fields: Vec<_> = input
            .validate(known)
            .unwrap_err()
            .0
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "title", "provider", "date", "ends_on", "hours", "mode", "topics"
            ]
        );
        let backwards = CourseInput {
            ends_on: "2026-03-09".into(),
            ..course()
        };
        assert_eq!(backwards.validate(known).unwrap_err().0[0].field, "ends_on");
        let too_long = CourseInput {
            ends_on: "2027-03-11".into(),
            ..course()
        };
        assert!(too_long.validate(known).is_err(), "more than a year");
        assert!(CourseInput::default().validate(known).is_err());
    }

    #[test]
    fn a_field_operator_is_due_six_months_after_starting_then_every_two_years() {
        let req = &first_requirements()[0];
        assert_eq!(req.role, Role::OperatorePis);
        let started = date(2026, 8, 31);
        assert_eq!(
            due(req, started, None),
            Some(date(2027, 2, 28)),
            "end of month"
        );
        let today = date(2026, 12, 4);
        let g = gap(req, started, None, today).unwrap();
        assert!(g.never && !g.overdue, "missing, not yet late");
        // Trained: nothing until the refresher comes near.
        let trained = Some(date(2026, 11, 2));
        assert_eq!(due(req, started, trained), Some(date(2028, 11, 2)));
        assert_eq!(gap(req, started, trained, today), None);
        assert!(
            gap(req, started, trained, date(2028, 9, 3)).is_some(),
            "60 days before"
        );
        assert_eq!(
            gap(req, started, trained, date(2028, 9, 2)),
            None,
            "61 days before"
        );
        let late = gap(req, started, trained, date(2028, 11, 3)).unwrap();
        assert!(late.overdue && !late.never);
        // Late since starting: overdue.
        assert!(gap(req, date(2025, 1, 1), None, today).unwrap().overdue);
    }

    #[test]
    fn requirements_without_deadline_or_refresher() {
        let once = Requirement {
            role: Role::Coordinatore,
            topic: "privacy".into(),
            within_months: None,
            every_months: None,
        };
        let started = date(2026, 1, 1);
        assert_eq!(
            due(&once, started, None),
            Some(started),
            "due from the start"
        );
        assert_eq!(due(&once, started, Some(date(2026, 2, 1))), None);
        assert_eq!(
            gap(&once, started, Some(date(2026, 2, 1)), date(2040, 1, 1)),
            None
        );
        // Far dates do not overflow.
        let far = Requirement {
            within_months: Some(1200),
            every_months: Some(1200),
            ..once
        };
        assert_eq!(due(&far, date(9990, 1, 1), Some(date(9990, 1, 1))), None);
    }

    #[test]
    fn requirements_and_volunteers_are_checked_by_field() {
        let ok = RequirementInput {
            role: "operatore_pis".into(),
            topic: "privacy".into(),
            within_months: "3".into(),
            every_months: String::new(),
        }
        .validate(known)
        .unwrap();
        assert_eq!((ok.within_months, ok.every_months), (Some(3), None));
        let bad = RequirementInput {
            role: "segnalante".into(),
            topic: "astrologia".into(),
            within_months: "0".into(),
            every_months: "241".into(),
        };
        let fields: Vec<_> = bad
            .validate(known)
            .unwrap_err()
            .0
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["role", "topic", "within_months", "every_months"]);
        let v = VolunteerInput {
            name: " Anna Rossi ".into(),
            organisation_id: "7".into(),
            started_on: String::new(),
        }
        .validate(|id| id == 7)
        .unwrap();
        assert_eq!(
            (v.name.as_str(), v.organisation_id),
            ("Anna Rossi", Some(7))
        );
        let fields: Vec<_> = VolunteerInput {
            name: "\u{0}".into(),
            organisation_id: "8".into(),
            started_on: "0001-01-01".into(),
        }
        .validate(|id| id == 7)
        .unwrap_err()
        .0
        .iter()
        .map(|e| e.field)
        .collect();
        assert_eq!(fields, ["name", "organisation_id", "started_on"]);
    }

    #[test]
    fn a_topic_gets_a_code_from_its_name() {
        assert_eq!(topic_code("Salute mentale"), Some("salute_mentale".into()));
        assert_eq!(
            topic_code("  Pronto soccorso, à la carte! "),
            Some("pronto_soccorso_a_la_carte".into())
        );
        assert_eq!(topic_code("???"), None);
        assert!(topic("???").is_err());
        assert!(topic("").is_err());
        assert!(topic(&"a".repeat(81)).is_err());
        assert_eq!(topic("Città").unwrap(), ("citta".into(), "Città".into()));
    }
}
