//! Reports (segnalazioni): what a call-taker records, checked field by field.
//!
//! Every code is a stable API value (see [`crate::codes`]); free texts are bounded; each refused
//! field is named, with nested fields as `reporter.kind` or `persons[0].fiscal_code`.

pub mod historical;
pub mod identity;
pub mod lifecycle;
pub mod portal;
pub mod triage;

use serde::Deserialize;

use crate::codes;
use crate::reference::IstatCode;
use crate::time::UtcMillis;
use crate::validation::{FieldError, Invalid, Problem};

codes!(
    /// How the report arrived.
    Channel {
        Telefono = "telefono",
        Email = "email",
        Pec = "pec",
        Portale = "portale",
        DiPersona = "di_persona",
    }
);

codes!(
    /// Who reported.
    ReporterKind {
        Carabinieri = "carabinieri",
        PoliziaStato = "polizia_stato",
        PoliziaLocale = "polizia_locale",
        AltreForzeOrdine = "altre_forze_ordine",
        ProntoSoccorso = "pronto_soccorso",
        Servizio118 = "servizio_118",
        ServiziSociali = "servizi_sociali",
        TerzoSettore = "terzo_settore",
        Cittadino = "cittadino",
        Altro = "altro",
    }
);

codes!(
    /// The target groups of the service (domain.md §4).
    TargetGroup {
        SenzaDimora = "senza_dimora",
        GraveEmarginazione = "grave_emarginazione",
        Msna = "msna",
        Fragilita = "fragilita",
        EmergenzaAbitativa = "emergenza_abitativa",
        ViolenzaGenere = "violenza_genere",
        Altro = "altro",
    }
);

impl TargetGroup {
    /// Groups whose cases are protected records (need-to-know, break-glass).
    pub fn is_protected(self) -> bool {
        matches!(self, Self::Msna | Self::ViolenzaGenere)
    }
}

codes!(
    /// How a person of a household is related to its head (and, in a report, to its first
    /// person).
    Relationship {
        Genitore = "genitore",
        Figlio = "figlio",
        Partner = "partner",
        AltroFamiliare = "altro_familiare",
        Convivente = "convivente",
    }
);

codes!(
    /// A person's part in the report.
    PersonRole {
        Beneficiario = "beneficiario",
        Familiare = "familiare",
        Minore = "minore",
        Accompagnatore = "accompagnatore",
        Altro = "altro",
    }
);

codes!(
    /// Sex as reported; `X` when not known.
    Sex {
        M = "M",
        F = "F",
        X = "X",
    }
);

codes!(
    /// An age band, when the exact age is not known.
    AgeBand {
        Da0a5 = "0_5",
        Da6a13 = "6_13",
        Da14a17 = "14_17",
        Da18a29 = "18_29",
        Da30a64 = "30_64",
        Da65a79 = "65_79",
        Da80 = "80_plus",
    }
);

impl AgeBand {
    /// The band an exact age falls in.
    pub fn of(age: u8) -> Self {
        match age {
            0..=5 => Self::Da0a5,
            6..=13 => Self::Da6a13,
            14..=17 => Self::Da14a17,
            18..=29 => Self::Da18a29,
            30..=64 => Self::Da30a64,
            65..=79 => Self::Da65a79,
            _ => Self::Da80,
        }
    }

    pub fn is_minor(self) -> bool {
        matches!(self, Self::Da0a5 | Self::Da6a13 | Self::Da14a17)
    }
}

codes!(
    /// Risks the call-taker flags.
    RiskFlag {
        PericoloImmediato = "pericolo_immediato",
        AutorePresente = "autore_presente",
        MinoriPresenti = "minori_presenti",
        ProblemaSanitario = "problema_sanitario",
        SaluteMentale = "salute_mentale",
        Sostanze = "sostanze",
        Animali = "animali",
        MobilitaRidotta = "mobilita_ridotta",
    }
);

/// Longest short text (names, phone numbers, references).
pub const SHORT_TEXT: usize = 200;
/// Longest long text (description, place).
pub const LONG_TEXT: usize = 10_000;
/// Most people in one report.
pub const MAX_PERSONS: usize = 50;

/// The reporter as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReporterInput {
    pub kind: String,
    pub organization: String,
    pub name: String,
    pub phone: String,
    pub reference: String,
    /// The reporting partner of the network directory, when the report comes from one.
    pub organisation_id: Option<i64>,
}

/// One person as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PersonInput {
    pub role: String,
    /// Empty for "sconosciuto".
    pub name: String,
    pub alias: String,
    pub sex: String,
    pub age: Option<i64>,
    pub age_band: String,
    pub citizenship: String,
    pub fiscal_code: String,
    pub language: String,
    pub needs_mediator: bool,
    pub known_to_services: Option<bool>,
    /// The known person record this person is (chosen at intake); none for a new person.
    pub person_id: Option<i64>,
    /// How this person is related to the report's first person (a code of
    /// [`Relationship`]); empty when not of one household. Refused on the first.
    pub relationship: String,
}

/// A report as typed in the form or sent to the API (codes as texts, so that every wrong one
/// can be named).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReportInput {
    /// RFC 3339; empty for now.
    pub received_at: String,
    pub channel: String,
    pub reporter: ReporterInput,
    /// ISTAT code; empty when the place is outside every known municipality.
    pub municipality: String,
    pub place: String,
    pub current_location: String,
    pub target_group: String,
    pub persons: Vec<PersonInput>,
    pub risk_flags: Vec<String>,
    pub description: String,
    /// Marked protected by the operator (besides the protected target groups).
    pub protected: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reporter {
    pub kind: ReporterKind,
    pub organization: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub reference: Option<String>,
    /// The reporting partner of the network directory (checked against the Ambito's directory
    /// when stored).
    pub organisation: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub role: PersonRole,
    pub name: Option<String>,
    pub alias: Option<String>,
    pub sex: Sex,
    pub age: Option<u8>,
    pub age_band: Option<AgeBand>,
    pub citizenship: Option<String>,
    pub fiscal_code: Option<String>,
    pub language: Option<String>,
    pub needs_mediator: bool,
    pub known_to_services: Option<bool>,
    /// The person record this person is attached to (chosen at intake, or made when stored).
    pub person_id: Option<i64>,
    /// How this person is related to the report's first person: stored, they are one household.
    pub relationship: Option<Relationship>,
}

/// A checked report, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportData {
    pub received_at: UtcMillis,
    pub channel: Channel,
    pub reporter: Reporter,
    pub municipality: Option<IstatCode>,
    pub place: Option<String>,
    pub current_location: Option<String>,
    pub target_group: TargetGroup,
    pub persons: Vec<Person>,
    pub risk_flags: Vec<RiskFlag>,
    pub description: String,
    pub protected: bool,
}

impl ReportData {
    /// Whether the record is protected: a protected target group, or marked by an operator.
    pub fn is_protected(&self) -> bool {
        self.protected || self.target_group.is_protected()
    }
}

/// Collects refused fields, naming nested ones with their path.
struct Check {
    errors: Invalid,
}

impl Check {
    fn push(&mut self, field: &str, problem: Problem) {
        self.errors.0.push(FieldError {
            field: crate::validation::field_name(field),
            problem,
        });
    }

    /// When the report arrived: from 1 January 2000 to a minute ahead of `now`; empty: `now`.
    fn arrival(&mut self, raw: &str, now: UtcMillis) -> UtcMillis {
        if raw.trim().is_empty() {
            return now;
        }
        match raw.trim().parse::<jiff::Timestamp>() {
            Ok(ts) if ts.as_millisecond() < crate::time::EARLIEST_REPORT.0 => {
                self.push("received_at", Problem::OutOfRange);
                now
            }
            Ok(ts) if ts.as_millisecond() <= now.0 + 60_000 => UtcMillis::from(ts),
            Ok(_) => {
                self.push("received_at", Problem::InFuture);
                now
            }
            Err(_) => {
                self.push("received_at", Problem::InvalidDateTime);
                now
            }
        }
    }

    /// An optional telephone number.
    fn phone(&mut self, field: &str, raw: &str) -> Option<String> {
        let phone = self.optional(field, raw, 40)?;
        if crate::validation::is_phone(&phone) {
            Some(phone)
        } else {
            self.push(field, Problem::InvalidPhone);
            None
        }
    }

    /// An optional text: trimmed, `None` when empty, refused when longer than `max`.
    fn optional(&mut self, field: &str, raw: &str, max: usize) -> Option<String> {
        let value = raw.trim();
        if value.chars().count() > max {
            self.push(field, Problem::TooLong { max });
        } else if crate::validation::has_control(value) {
            self.push(field, Problem::ControlCharacter);
        }
        (!value.is_empty()).then(|| value.to_owned())
    }

    fn code<T>(&mut self, field: &str, raw: &str, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
        if raw.trim().is_empty() {
            self.push(field, Problem::Required);
            return None;
        }
        let parsed = parse(raw);
        if parsed.is_none() {
            self.push(field, Problem::UnknownCode);
        }
        parsed
    }
}

impl ReportInput {
    /// Checks every field against the rules; `now` fills an empty `received_at`, which may not
    /// be in the future (beyond a minute of clock drift).
    pub fn validate(&self, now: UtcMillis) -> Result<ReportData, Invalid> {
        let mut c = Check {
            errors: Invalid::default(),
        };
        let received_at = c.arrival(&self.received_at, now);
        let channel = c.code("channel", &self.channel, Channel::parse);
        let reporter_kind = c.code("reporter.kind", &self.reporter.kind, ReporterKind::parse);
        let reporter = Reporter {
            kind: reporter_kind.unwrap_or(ReporterKind::Altro),
            organization: c.optional(
                "reporter.organization",
                &self.reporter.organization,
                SHORT_TEXT,
            ),
            name: c.optional("reporter.name", &self.reporter.name, SHORT_TEXT),
            phone: c.phone("reporter.phone", &self.reporter.phone),
            reference: c.optional("reporter.reference", &self.reporter.reference, SHORT_TEXT),
            organisation: match self.reporter.organisation_id {
                Some(id) if id <= 0 => {
                    c.push("reporter.organisation_id", Problem::NotReportingPartner);
                    None
                }
                other => other,
            },
        };
        let municipality = if self.municipality.trim().is_empty() {
            None
        } else {
            match IstatCode::parse(&self.municipality) {
                Ok(code) => Some(code),
                Err(problem) => {
                    c.push("municipality", problem);
                    None
                }
            }
        };
        let place = c.optional("place", &self.place, LONG_TEXT);
        if municipality.is_none() && place.is_none() && self.municipality.trim().is_empty() {
            c.push("municipality", Problem::Required);
        }
        let current_location = c.optional("current_location", &self.current_location, LONG_TEXT);
        let target_group = c.code("target_group", &self.target_group, TargetGroup::parse);
        if self.persons.is_empty() {
            c.push("persons", Problem::Required);
        } else if self.persons.len() > MAX_PERSONS {
            c.push("persons", Problem::TooMany);
        }
        let persons = self
            .persons
            .iter()
            .take(MAX_PERSONS)
            .enumerate()
            .map(|(i, p)| person(&mut c, i, p))
            .collect::<Vec<_>>();
        let mut risk_flags = Vec::new();
        if self.risk_flags.len() > RiskFlag::ALL.len() {
            c.push("risk_flags", Problem::TooMany);
        }
        for (i, raw) in self.risk_flags.iter().take(RiskFlag::ALL.len()).enumerate() {
            match RiskFlag::parse(raw) {
                Some(flag) if !risk_flags.contains(&flag) => risk_flags.push(flag),
                Some(_) => {}
                None => c.push(&format!("risk_flags[{i}]"), Problem::UnknownCode),
            }
        }
        risk_flags.sort();
        let description = self.description.trim();
        if description.is_empty() {
            c.push("description", Problem::Required);
        } else if description.chars().count() > LONG_TEXT {
            c.push("description", Problem::TooLong { max: LONG_TEXT });
        }
        match (channel, reporter_kind, target_group, c.errors.is_empty()) {
            (Some(channel), Some(_), Some(target_group), true) => Ok(ReportData {
                received_at,
                channel,
                reporter,
                municipality,
                place,
                current_location,
                target_group,
                persons: persons.into_iter().flatten().collect(),
                risk_flags,
                description: description.to_owned(),
                protected: self.protected,
            }),
            _ => Err(c.errors),
        }
    }
}

fn person(c: &mut Check, i: usize, p: &PersonInput) -> Option<Person> {
    let at = |field: &str| format!("persons[{i}].{field}");
    let role = c.code(&at("role"), &p.role, PersonRole::parse);
    let sex = if p.sex.trim().is_empty() {
        Some(Sex::X)
    } else {
        c.code(&at("sex"), &p.sex, Sex::parse)
    };
    let age = match p.age {
        None => None,
        Some(age) => match u8::try_from(age) {
            Ok(a) if a <= 120 => Some(a),
            _ => {
                c.push(&at("age"), Problem::OutOfRange);
                None
            }
        },
    };
    let age_band = if p.age_band.trim().is_empty() {
        age.map(AgeBand::of)
    } else {
        c.code(&at("age_band"), &p.age_band, AgeBand::parse)
    };
    let citizenship = {
        let code = p.citizenship.trim().to_ascii_uppercase();
        if code.is_empty() {
            None
        } else if identity::is_country(&code) {
            Some(code)
        } else {
            c.push(&at("citizenship"), Problem::UnknownCode);
            None
        }
    };
    let fiscal_code = {
        let code = p.fiscal_code.trim().to_ascii_uppercase();
        if code.is_empty() {
            None
        } else if identity::is_fiscal_code(&code) {
            Some(code)
        } else {
            c.push(&at("fiscal_code"), Problem::InvalidFiscalCode);
            None
        }
    };
    let name = c.optional(&at("name"), &p.name, SHORT_TEXT);
    let alias = c.optional(&at("alias"), &p.alias, SHORT_TEXT);
    let language = c.optional(&at("language"), &p.language, 60);
    let person_id = match p.person_id {
        Some(id) if id <= 0 => {
            c.push(&at("person_id"), Problem::OutOfRange);
            None
        }
        other => other,
    };
    let relationship = if p.relationship.trim().is_empty() {
        None
    } else if i == 0 {
        c.push(&at("relationship"), Problem::FirstPerson);
        None
    } else {
        c.code(&at("relationship"), &p.relationship, Relationship::parse)
    };
    Some(Person {
        role: role?,
        name,
        alias,
        sex: sex?,
        age,
        age_band,
        citizenship,
        fiscal_code,
        language,
        needs_mediator: p.needs_mediator,
        known_to_services: p.known_to_services,
        person_id,
        relationship,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UtcMillis = UtcMillis(1_795_000_000_000);

    fn good() -> ReportInput {
        ReportInput {
            channel: "telefono".into(),
            reporter: ReporterInput {
                kind: "carabinieri".into(),
                organization: "Stazione di Rho".into(),
                ..Default::default()
            },
            municipality: "015182".into(),
            target_group: "senza_dimora".into(),
            persons: vec![PersonInput {
                role: "beneficiario".into(),
                sex: "M".into(),
                age: Some(54),
                citizenship: "ma".into(),
                ..Default::default()
            }],
            risk_flags: vec!["salute_mentale".into(), "pericolo_immediato".into()],
            description: "Uomo al freddo davanti alla stazione".into(),
            ..Default::default()
        }
    }

    fn fields(err: &Invalid) -> Vec<(&str, Problem)> {
        err.0.iter().map(|e| (e.field, e.problem)).collect()
    }

    #[test]
    fn a_good_report_is_normalised() {
        let r = good().validate(NOW).unwrap();
        assert_eq!(r.received_at, NOW, "empty received_at is now");
        assert_eq!(r.channel, Channel::Telefono);
        assert_eq!(r.persons[0].citizenship.as_deref(), Some("MA"));
        assert_eq!(r.persons[0].age_band, Some(AgeBand::Da30a64));
        assert_eq!(
            r.risk_flags,
            vec![RiskFlag::PericoloImmediato, RiskFlag::SaluteMentale]
        );
        assert!(!r.is_protected());
    }

    #[test]
    fn every_wrong_field_is_named_with_its_path() {
        let mut input = good();
        input.received_at = "ieri sera".into();
        input.channel = "piccione".into();
        input.reporter.kind = String::new();
        input.municipality = "15182".into();
        input.target_group = "tutti".into();
        input.persons[0].sex = "maschio".into();
        input.persons[0].age = Some(300);
        input.persons[0].citizenship = "ITA".into();
        input.persons[0].fiscal_code = "RSSMRA85T10A562T".into();
        input.risk_flags.push("boh".into());
        input.description = " ".into();
        let err = input.validate(NOW).unwrap_err();
        assert_eq!(
            fields(&err),
            vec![
                ("received_at", Problem::InvalidDateTime),
                ("channel", Problem::UnknownCode),
                ("reporter.kind", Problem::Required),
                ("municipality", Problem::InvalidIstatCode),
                ("target_group", Problem::UnknownCode),
                ("persons[0].sex", Problem::UnknownCode),
                ("persons[0].age", Problem::OutOfRange),
                ("persons[0].citizenship", Problem::UnknownCode),
                ("persons[0].fiscal_code", Problem::InvalidFiscalCode),
                ("risk_flags[2]", Problem::UnknownCode),
                ("description", Problem::Required),
            ]
        );
    }

    #[test]
    fn a_report_needs_people_and_a_place_and_no_future_time() {
        let mut input = good();
        input.persons.clear();
        input.municipality.clear();
        input.received_at = "0001-01-01T00:00:00Z".into();
        assert_eq!(
            input.validate(NOW).unwrap_err().0[0].problem,
            Problem::OutOfRange,
            "year 1"
        );
        input.received_at = "1999-12-31T22:59:59Z".into();
        assert_eq!(
            input.validate(NOW).unwrap_err().0[0].problem,
            Problem::OutOfRange
        );
        input.received_at = "2099-01-01T00:00:00Z".into();
        let err = input.validate(NOW).unwrap_err();
        assert_eq!(
            fields(&err),
            vec![
                ("received_at", Problem::InFuture),
                ("municipality", Problem::Required),
                ("persons", Problem::Required),
            ]
        );
        // Outside every known municipality, the place alone is enough.
        let mut outside = good();
        outside.municipality.clear();
        outside.place = "Milano, Stazione Centrale".into();
        assert!(outside.validate(NOW).unwrap().municipality.is_none());
    }

    #[test]
    fn protected_groups_and_flags_make_a_protected_record() {
        let mut input = good();
        input.target_group = "violenza_genere".into();
        assert!(input.validate(NOW).unwrap().is_protected());
        let mut flagged = good();
        flagged.protected = true;
        assert!(flagged.validate(NOW).unwrap().is_protected());
    }

    #[test]
    fn an_unknown_person_is_recordable() {
        let mut input = good();
        input.persons = vec![PersonInput {
            role: "minore".into(),
            age_band: "14_17".into(),
            ..Default::default()
        }];
        let r = input.validate(NOW).unwrap();
        assert_eq!(r.persons[0].name, None);
        assert_eq!(r.persons[0].sex, Sex::X);
        assert!(r.persons[0].age_band.unwrap().is_minor());
    }
}

codes!(
    /// What a diary entry records.
    DiaryKind {
        Nota = "nota",
        ChiamataEffettuata = "chiamata_effettuata",
        ChiamataRicevuta = "chiamata_ricevuta",
        ContattoForzeOrdine = "contatto_forze_ordine",
        ContattoServizi = "contatto_servizi",
        Decisione = "decisione",
    }
);

/// A stored report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub id: i64,
    pub ambito: crate::reference::AmbitoId,
    /// The protocol number, e.g. `PIS-2026-0042`.
    pub code: String,
    pub data: ReportData,
    pub outside_ambito: bool,
    pub status: lifecycle::Status,
    pub status_at: UtcMillis,
    pub outcome: Option<triage::Outcome>,
    pub triaged_at: Option<UtcMillis>,
    pub created_by: Option<i64>,
    pub reporter_organisation: Option<i64>,
    pub assigned: Vec<i64>,
    /// How the case ended, while it is closed.
    pub closing_outcome: Option<lifecycle::ClosingOutcome>,
    pub version: i64,
}

impl Report {
    /// What the access policy needs to decide who sees this report; `glass_broken_by` are the
    /// users whose break-glass opening still lasts.
    pub fn facts(&self, glass_broken_by: Vec<i64>) -> crate::access::CaseFacts {
        crate::access::CaseFacts {
            ambito: self.ambito,
            municipality: self.data.municipality.clone(),
            protected: self.data.is_protected(),
            assigned: self.assigned.clone(),
            handed_over: matches!(
                self.status,
                lifecycle::Status::HandoverSent
                    | lifecycle::Status::HandoverAcknowledged
                    | lifecycle::Status::Closed
            ),
            reporter_organisation: self.reporter_organisation,
            glass_broken_by,
            team: Vec::new(),
        }
    }
}

/// The protocol number of the `number`-th report of `year` in the Ambito whose protocol prefix
/// is `prefix`.
pub fn protocol_code(prefix: &str, year: i16, number: i64) -> String {
    format!("{prefix}-{year}-{number:04}")
}

#[cfg(test)]
mod code_tests {
    use super::*;

    #[test]
    fn protocol_numbers_are_padded_to_four_digits() {
        assert_eq!(protocol_code("PIS", 2026, 42), "PIS-2026-0042");
        assert_eq!(
            protocol_code("BOLLATESE", 2026, 12345),
            "BOLLATESE-2026-12345"
        );
    }
}
