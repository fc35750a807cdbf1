//! The person across reports: each Ambito keeps one record per person, and the people of its
//! reports are attached to it. At intake the call-taker is shown who may already be known
//! ("già noto al servizio?"): names are normalised (accents, case, order), cut into grams for
//! the storage's candidate query, and scored here.

use unicode_normalization::UnicodeNormalization;

use crate::codes;
use crate::report::Sex;
use crate::validation::{Invalid, Problem};

/// The fewest a candidate may score to be shown (0–1).
pub const MIN_SCORE: f64 = 0.72;
/// The fewest a candidate's best name may score against the typed one (0–1).
pub const MIN_NAME_SCORE: f64 = 0.8;
/// At most this many candidates are shown.
pub const MAX_CANDIDATES: usize = 8;
/// At most this many records are scored for one search.
pub const MAX_SCORED: usize = 200;

codes!(
    /// Where a name or alias of a person comes from.
    NameSource {
        /// Typed in a report (its protocol number is kept beside it).
        Segnalazione = "segnalazione",
        /// Corrected or added on the person's page.
        Correzione = "correzione",
    }
);

pub use crate::report::Relationship;

impl Relationship {
    /// How the head of a household is related to a member who is `member` to the head.
    pub fn of_head_to(member: Relationship) -> Relationship {
        match member {
            Self::Genitore => Self::Figlio,
            Self::Figlio => Self::Genitore,
            Self::Partner => Self::Partner,
            Self::AltroFamiliare => Self::AltroFamiliare,
            Self::Convivente => Self::Convivente,
        }
    }

    /// How `other` is related to `member`, both members of one household and related to its
    /// head as given: the head's child and partner are parent and partner's child (a parent),
    /// two children are siblings (another relative); what cannot be told is "convivente" when
    /// either only lives there, else "altro familiare".
    pub fn between(member: Relationship, other: Relationship) -> Relationship {
        match (member, other) {
            (Self::Figlio, Self::Partner) => Self::Genitore,
            (Self::Partner, Self::Figlio) => Self::Figlio,
            (Self::Convivente, _) | (_, Self::Convivente) => Self::Convivente,
            _ => Self::AltroFamiliare,
        }
    }
}

/// The words of a name, normalised: decomposed, accents and marks dropped, lower case, anything
/// but letters and digits a separator. Order kept.
pub fn words(name: &str) -> Vec<String> {
    let plain: String = name
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    plain.split_whitespace().map(str::to_owned).collect()
}

/// The key of a name: its normalised words in alphabetical order, so that "Rossi Mario" and
/// "mario  ROSSÌ" have the same key.
pub fn key(name: &str) -> String {
    let mut w = words(name);
    w.sort();
    w.join(" ")
}

/// The grams of a name for the candidate query: the three-letter pieces of each word, padded
/// with a space at both ends (" ro", "ros", …, "si "), without repeats, sorted.
pub fn grams(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in words(name) {
        let padded: Vec<char> = format!(" {word} ").chars().collect();
        for piece in padded.windows(3) {
            out.push(piece.iter().collect::<String>());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// How many grams a record must share with the typed name to be scored at all: about a third,
/// so one typo per word still finds it.
pub fn grams_needed(typed: usize) -> usize {
    typed.div_ceil(4).max(1)
}

/// A count of words as a float (names have a handful).
fn count(n: usize) -> f64 {
    f64::from(u32::try_from(n).unwrap_or(u32::MAX))
}

/// How alike two names are (0–1), whatever the order of their words: the better of the whole
/// sorted keys compared and each word of the shorter name matched to its best in the longer.
pub fn name_similarity(a: &str, b: &str) -> f64 {
    let (wa, wb) = (words(a), words(b));
    if wa.is_empty() || wb.is_empty() {
        return 0.0;
    }
    let whole = strsim::jaro_winkler(&key(a), &key(b));
    let (short, long) = if wa.len() <= wb.len() {
        (&wa, &wb)
    } else {
        (&wb, &wa)
    };
    let matched: f64 = short
        .iter()
        .map(|w| {
            long.iter()
                .map(|v| strsim::jaro_winkler(w, v))
                .fold(0.0, f64::max)
        })
        .sum::<f64>()
        / count(short.len());
    // A name typed with fewer words than the record's counts a little less.
    let coverage = count(short.len()) / count(long.len());
    whole.max(matched * (0.85 + 0.15 * coverage))
}

/// What the call-taker typed about a person.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Probe {
    pub name: String,
    pub sex: Option<Sex>,
    pub birth_year: Option<i16>,
    /// Upper case.
    pub fiscal_code: Option<String>,
    /// ISTAT code of the report's municipality.
    pub municipality: Option<String>,
}

/// What a person record holds that matching uses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Known {
    /// Names and aliases.
    pub names: Vec<String>,
    pub sex: Option<Sex>,
    pub birth_year: Option<i16>,
    pub fiscal_code: Option<String>,
    /// ISTAT codes of the municipalities of its reports, and of residence.
    pub municipalities: Vec<String>,
}

/// The likeness of a record to what was typed (0–1): the same fiscal code is certain; otherwise
/// the best of its names and aliases, weighed with the birth year (within one year), the sex and
/// the municipality, each where both sides know it. A different fiscal code, or a birth year
/// more than one year apart, makes a match unlikely. `None` when the record is not worth showing.
pub fn score(probe: &Probe, known: &Known) -> Option<f64> {
    if let (Some(a), Some(b)) = (&probe.fiscal_code, &known.fiscal_code)
        && a == b
    {
        return Some(1.0);
    }
    let name = known
        .names
        .iter()
        .map(|n| name_similarity(&probe.name, n))
        .fold(0.0, f64::max);
    if name < MIN_NAME_SCORE {
        return None;
    }
    let mut total = 0.7 * name;
    let mut weight = 0.7;
    let mut penalty = 1.0;
    if let (Some(a), Some(b)) = (probe.birth_year, known.birth_year) {
        weight += 0.15;
        if (i32::from(a) - i32::from(b)).abs() <= 1 {
            total += 0.15;
        } else {
            penalty *= 0.8;
        }
    }
    let known_sex = |s: Option<Sex>| s.filter(|s| *s != Sex::X);
    if let (Some(a), Some(b)) = (known_sex(probe.sex), known_sex(known.sex)) {
        weight += 0.1;
        if a == b {
            total += 0.1;
        } else {
            penalty *= 0.8;
        }
    }
    if let Some(m) = &probe.municipality
        && known.municipalities.contains(m)
    {
        total += 0.05;
        weight += 0.05;
    }
    if probe.fiscal_code.is_some() && known.fiscal_code.is_some() {
        penalty *= 0.7;
    }
    let score = (total / weight * penalty).clamp(0.0, 1.0);
    (score >= MIN_SCORE).then_some(score)
}

/// The birth year implied by an age at a given year (the person may be a year older).
pub fn birth_year_of(age: u8, in_year: i16) -> i16 {
    in_year.saturating_sub(i16::from(age))
}

/// Longest safety note.
pub const SAFETY_NOTES_MAX: usize = 2000;
/// Longest contacts text.
pub const CONTACTS_MAX: usize = 1000;
/// Longest reason for linking or unlinking two records.
pub const REASON_MAX: usize = 2000;
/// The earliest birth year accepted.
pub const EARLIEST_BIRTH_YEAR: i16 = 1900;

/// The details of a person as typed on the person's page (codes as texts).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct DetailsInput {
    pub name: String,
    pub sex: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    pub birth_year: Option<i64>,
    /// Belfiore code.
    pub birth_place: String,
    pub citizenship: String,
    pub fiscal_code: String,
    pub languages: String,
    pub needs_mediator: bool,
    /// ISTAT code.
    pub residence: String,
    pub contacts: String,
    pub safety_notes: String,
}

/// The checked details of a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Details {
    pub name: Option<String>,
    pub sex: Sex,
    pub birth_date: Option<jiff::civil::Date>,
    pub birth_year: Option<i16>,
    pub birth_place: Option<String>,
    pub citizenship: Option<String>,
    pub fiscal_code: Option<String>,
    pub languages: Option<String>,
    pub needs_mediator: bool,
    pub residence: Option<String>,
    pub contacts: Option<String>,
    pub safety_notes: Option<String>,
}

fn optional_text(
    errors: &mut Invalid,
    field: &'static str,
    raw: &str,
    max: usize,
) -> Option<String> {
    let value = raw.trim();
    if value.chars().count() > max {
        errors.push(field, Problem::TooLong { max });
    } else if crate::validation::has_control(value) {
        errors.push(field, Problem::ControlCharacter);
    }
    (!value.is_empty()).then(|| value.to_owned())
}

/// A birth year from `EARLIEST_BIRTH_YEAR` to `this_year`.
pub fn check_birth_year(
    errors: &mut Invalid,
    field: &'static str,
    year: Option<i64>,
    this_year: i16,
) -> Option<i16> {
    let year = year?;
    match i16::try_from(year) {
        Ok(y) if (EARLIEST_BIRTH_YEAR..=this_year).contains(&y) => Some(y),
        _ => {
            errors.push(field, Problem::OutOfRange);
            None
        }
    }
}

impl DetailsInput {
    /// Checks every field; `today` bounds the birth date and year. A birth date sets the birth
    /// year; a year that contradicts it is refused.
    pub fn validate(&self, today: jiff::civil::Date) -> Result<Details, Invalid> {
        let mut e = Invalid::default();
        let name = optional_text(&mut e, "name", &self.name, crate::report::SHORT_TEXT);
        let sex = if self.sex.trim().is_empty() {
            Sex::X
        } else {
            Sex::parse(&self.sex).unwrap_or_else(|| {
                e.push("sex", Problem::UnknownCode);
                Sex::X
            })
        };
        let birth_date = match self.birth_date.trim() {
            "" => None,
            raw => match raw.parse::<jiff::civil::Date>() {
                Ok(d) if d.year() >= EARLIEST_BIRTH_YEAR && d <= today => Some(d),
                Ok(_) => {
                    e.push("birth_date", Problem::OutOfRange);
                    None
                }
                Err(_) => {
                    e.push("birth_date", Problem::InvalidDate);
                    None
                }
            },
        };
        let mut birth_year = check_birth_year(&mut e, "birth_year", self.birth_year, today.year());
        if let Some(d) = birth_date {
            if birth_year.is_some_and(|y| y != d.year()) {
                e.push("birth_year", Problem::OutOfRange);
            }
            birth_year = Some(d.year());
        }
        let birth_place = match self.birth_place.trim() {
            "" => None,
            raw => match crate::reference::BelfioreCode::parse(raw) {
                Ok(code) => Some(code.as_str().to_owned()),
                Err(problem) => {
                    e.push("birth_place", problem);
                    None
                }
            },
        };
        let citizenship = match self.citizenship.trim().to_ascii_uppercase().as_str() {
            "" => None,
            code if crate::report::identity::is_country(code) => Some(code.to_owned()),
            _ => {
                e.push("citizenship", Problem::UnknownCode);
                None
            }
        };
        let fiscal_code = match self.fiscal_code.trim().to_ascii_uppercase().as_str() {
            "" => None,
            code if crate::report::identity::is_fiscal_code(code) => Some(code.to_owned()),
            _ => {
                e.push("fiscal_code", Problem::InvalidFiscalCode);
                None
            }
        };
        let languages = optional_text(
            &mut e,
            "languages",
            &self.languages,
            crate::report::SHORT_TEXT,
        );
        let residence = match self.residence.trim() {
            "" => None,
            raw => match crate::reference::IstatCode::parse(raw) {
                Ok(code) => Some(code.as_str().to_owned()),
                Err(problem) => {
                    e.push("residence", problem);
                    None
                }
            },
        };
        let contacts = optional_text(&mut e, "contacts", &self.contacts, CONTACTS_MAX);
        let safety_notes =
            optional_text(&mut e, "safety_notes", &self.safety_notes, SAFETY_NOTES_MAX);
        e.into_result(Details {
            name,
            sex,
            birth_date,
            birth_year,
            birth_place,
            citizenship,
            fiscal_code,
            languages,
            needs_mediator: self.needs_mediator,
            residence,
            contacts,
            safety_notes,
        })
    }
}

/// What was typed to look for a known person at intake.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct CandidateInput {
    pub name: String,
    pub sex: String,
    pub birth_year: Option<i64>,
    pub fiscal_code: String,
    /// ISTAT code of the report's municipality.
    pub municipality: String,
}

impl CandidateInput {
    /// The probe to score records against; refused on the field typed wrong. A fiscal code is
    /// used only once it is whole and valid.
    pub fn validate(&self, this_year: i16) -> Result<Probe, Invalid> {
        let mut e = Invalid::default();
        let name = optional_text(&mut e, "name", &self.name, crate::report::SHORT_TEXT)
            .unwrap_or_default();
        let sex = match self.sex.trim() {
            "" => None,
            raw => Sex::parse(raw).or_else(|| {
                e.push("sex", Problem::UnknownCode);
                None
            }),
        };
        let birth_year = check_birth_year(&mut e, "birth_year", self.birth_year, this_year);
        let fiscal_code = match self.fiscal_code.trim().to_ascii_uppercase().as_str() {
            "" => None,
            code if crate::report::identity::is_fiscal_code(code) => Some(code.to_owned()),
            _ => {
                e.push("fiscal_code", Problem::InvalidFiscalCode);
                None
            }
        };
        let municipality = match self.municipality.trim() {
            "" => None,
            raw => match crate::reference::IstatCode::parse(raw) {
                Ok(code) => Some(code.as_str().to_owned()),
                Err(problem) => {
                    e.push("municipality", problem);
                    None
                }
            },
        };
        e.into_result(Probe {
            name,
            sex,
            birth_year,
            fiscal_code,
            municipality,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(name: &str) -> Probe {
        Probe {
            name: name.into(),
            ..Probe::default()
        }
    }

    fn known(names: &[&str]) -> Known {
        Known {
            names: names.iter().map(|n| (*n).to_owned()).collect(),
            ..Known::default()
        }
    }

    #[test]
    fn relationships_seen_from_the_other_side() {
        use Relationship::*;
        for r in Relationship::ALL {
            assert_eq!(
                Relationship::of_head_to(Relationship::of_head_to(*r)),
                *r,
                "{r:?}"
            );
        }
        assert_eq!(Relationship::of_head_to(Figlio), Genitore);
        assert_eq!(Relationship::of_head_to(Partner), Partner);
        // The head's child sees the head's partner as a parent, and is their child.
        assert_eq!(Relationship::between(Figlio, Partner), Genitore);
        assert_eq!(Relationship::between(Partner, Figlio), Figlio);
        // Two children of the head are siblings; a lodger is a lodger to all.
        assert_eq!(Relationship::between(Figlio, Figlio), AltroFamiliare);
        assert_eq!(Relationship::between(Convivente, Figlio), Convivente);
        assert_eq!(
            Relationship::between(Genitore, AltroFamiliare),
            AltroFamiliare
        );
    }

    #[test]
    fn keys_ignore_accents_case_order_and_punctuation() {
        assert_eq!(key("Rossi Mario"), "mario rossi");
        assert_eq!(key("  MARIO   rossì "), "mario rossi");
        assert_eq!(key("D'Angelo, Nicolò"), "angelo d nicolo");
        assert_eq!(key("Øystein Ç"), key("øystein c"));
        assert_eq!(key(""), "");
        assert_eq!(key("\0 - ."), "");
        assert_eq!(words("Ahmed Ben Ali"), ["ahmed", "ben", "ali"]);
    }

    #[test]
    fn grams_are_padded_pieces_of_each_word() {
        assert_eq!(grams("Rossi"), [" ro", "oss", "ros", "si ", "ssi"]);
        assert_eq!(grams("Al"), [" al", "al "]);
        assert!(grams("").is_empty());
        // The same grams whatever the order or the accents.
        assert_eq!(grams("Mario Rossi"), grams("ROSSÌ mario"));
        assert_eq!(grams_needed(10), 3);
        assert_eq!(grams_needed(1), 1);
        assert_eq!(grams_needed(0), 1);
    }

    #[test]
    fn a_typo_and_a_swapped_order_still_match() {
        let s = name_similarity("Rossi Mraio", "Mario Rossi");
        assert!(s > 0.9, "{s}");
        let s = name_similarity("Kossi Mario", "Mario Rossi");
        assert!(s > 0.85, "{s}");
        assert!(name_similarity("Giuseppe Verdi", "Mario Rossi") < MIN_NAME_SCORE);
        assert!((name_similarity("Mario Rossi", "rossi mario") - 1.0).abs() < 1e-9);
        assert!(name_similarity("", "Mario Rossi").abs() < 1e-9);
        // One word of two typed counts a little less than both.
        assert!(name_similarity("Rossi", "Mario Rossi") < 1.0);
        assert!(name_similarity("Rossi", "Mario Rossi") > MIN_NAME_SCORE);
    }

    #[test]
    fn the_same_fiscal_code_is_certain_and_a_different_one_unlikely() {
        let mut p = probe("Zzz");
        p.fiscal_code = Some("RSSMRA80A01F205X".into());
        let mut k = known(&["Mario Rossi"]);
        k.fiscal_code = Some("RSSMRA80A01F205X".into());
        assert_eq!(score(&p, &k), Some(1.0));
        let mut p = probe("Mario Rossi");
        p.fiscal_code = Some("RSSMRA80A01F205Y".into());
        assert_eq!(score(&p, &k), None);
        // Without a code on one side, the name decides.
        p.fiscal_code = None;
        assert!(score(&p, &k).is_some());
    }

    #[test]
    fn birth_year_sex_and_municipality_weigh_in() {
        let mut k = known(&["Mario Rossi", "Il Biondo"]);
        k.birth_year = Some(1980);
        k.sex = Some(Sex::M);
        k.municipalities = vec!["015182".into()];
        let mut p = probe("Rossi Mraio");
        let bare = score(&p, &k).unwrap();
        p.birth_year = Some(1981);
        p.sex = Some(Sex::M);
        p.municipality = Some("015182".into());
        let full = score(&p, &k).unwrap();
        assert!(full > bare, "{full} {bare}");
        // Two years apart and another sex: no longer worth showing.
        p.birth_year = Some(1978);
        p.sex = Some(Sex::F);
        assert_eq!(score(&p, &k), None);
        // An unknown sex on either side is not a difference.
        p.birth_year = Some(1980);
        p.sex = Some(Sex::X);
        assert!(score(&p, &k).is_some());
        // The alias matches too.
        assert!(score(&probe("il biondo"), &k).is_some());
        assert_eq!(score(&probe("Giuseppe Verdi"), &k), None);
    }

    #[test]
    fn scores_stay_between_zero_and_one() {
        let mut k = known(&["A"]);
        k.birth_year = Some(i16::MIN);
        let mut p = probe("a");
        p.birth_year = Some(i16::MAX);
        let s = score(&p, &k).unwrap_or(0.0);
        assert!((0.0..=1.0).contains(&s));
        assert_eq!(birth_year_of(40, 2026), 1986);
    }

    #[test]
    fn details_are_checked_field_by_field() {
        let today = jiff::civil::date(2026, 12, 3);
        let good = DetailsInput {
            name: " Mario Rossi ".into(),
            sex: "M".into(),
            birth_date: "1980-01-01".into(),
            birth_place: "f205".into(),
            citizenship: "it".into(),
            fiscal_code: "rssmra80a01f205x".into(),
            residence: "015182".into(),
            safety_notes: "Cane aggressivo".into(),
            ..DetailsInput::default()
        };
        let d = good.validate(today).unwrap();
        assert_eq!(d.name.as_deref(), Some("Mario Rossi"));
        assert_eq!(d.birth_year, Some(1980));
        assert_eq!(d.birth_place.as_deref(), Some("F205"));
        assert_eq!(d.citizenship.as_deref(), Some("IT"));
        let bad = DetailsInput {
            name: "a\u{0}b".into(),
            sex: "Q".into(),
            birth_date: "0001-01-01".into(),
            birth_year: Some(99_999),
            birth_place: "Milano".into(),
            citizenship: "ZZ".into(),
            fiscal_code: "RSSMRA80A01F205Y".into(),
            residence: "1".into(),
            safety_notes: "x".repeat(SAFETY_NOTES_MAX + 1),
            ..DetailsInput::default()
        };
        let fields: Vec<&str> = bad
            .validate(today)
            .unwrap_err()
            .0
            .iter()
            .map(|f| f.field)
            .collect();
        for f in [
            "name",
            "sex",
            "birth_date",
            "birth_year",
            "birth_place",
            "citizenship",
            "fiscal_code",
            "residence",
            "safety_notes",
        ] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
        let future = DetailsInput {
            birth_date: "2027-01-01".into(),
            ..DetailsInput::default()
        };
        assert!(future.validate(today).is_err());
        let contradicting = DetailsInput {
            birth_date: "1980-01-01".into(),
            birth_year: Some(1970),
            ..DetailsInput::default()
        };
        assert!(contradicting.validate(today).is_err());
    }

    #[test]
    fn candidate_probes_refuse_bad_input() {
        let ok = CandidateInput {
            name: "Rossi".into(),
            sex: "M".into(),
            birth_year: Some(1980),
            ..CandidateInput::default()
        };
        assert_eq!(ok.validate(2026).unwrap().birth_year, Some(1980));
        for bad in [
            CandidateInput {
                name: "\u{0}".into(),
                ..CandidateInput::default()
            },
            CandidateInput {
                sex: "Z".into(),
                ..CandidateInput::default()
            },
            CandidateInput {
                birth_year: Some(1),
                ..CandidateInput::default()
            },
            CandidateInput {
                birth_year: Some(i64::MAX),
                ..CandidateInput::default()
            },
            CandidateInput {
                fiscal_code: "RSS".into(),
                ..CandidateInput::default()
            },
            CandidateInput {
                municipality: "Rho".into(),
                ..CandidateInput::default()
            },
        ] {
            assert!(bad.validate(2026).is_err(), "{bad:?}");
        }
    }
}
