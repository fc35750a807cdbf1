//! The network directory: the organisations of the territory as the night needs them — which
//! municipalities and target groups each covers, when it answers, and its contacts (24-hour and
//! office lines, PEC, e-mail, named referents) — and the search "chi chiamo per…".

use crate::codes;
use crate::report::{ReporterKind, TargetGroup};
use crate::validation::{Invalid, Problem, is_phone, optional_email};

/// At most this many contacts per organisation.
pub const MAX_CONTACTS: usize = 12;

/// At most this many characters in a contact's label, times, referent or role.
pub const SHORT_MAX: usize = 120;

/// At most this many characters in the availability or the notes.
pub const TEXT_MAX: usize = 2000;

codes!(
    /// When a contact answers.
    ContactKind {
        /// Round the clock, nights and holidays included.
        H24 = "h24",
        /// Office hours only.
        Ufficio = "ufficio",
    }
);

/// A contact as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactInput {
    pub kind: String,
    pub label: String,
    pub phone: String,
    pub pec: String,
    pub email: String,
    /// When it answers, in words ("lun–ven 9–13").
    pub answers: String,
    pub referent: String,
    pub referent_role: String,
}

/// A checked contact: a label, and at least a phone, a PEC or an e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub kind: ContactKind,
    pub label: String,
    pub phone: Option<String>,
    pub pec: Option<String>,
    pub email: Option<String>,
    pub answers: Option<String>,
    pub referent: Option<String>,
    pub referent_role: Option<String>,
}

/// An organisation's directory card as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardInput {
    /// ISTAT codes of the municipalities covered (those of the Ambito).
    pub municipalities: Vec<String>,
    /// [`TargetGroup`] codes.
    pub target_groups: Vec<String>,
    pub availability: String,
    pub notes: String,
    /// A [`ReporterKind`] code when the organisation reports to the service; empty otherwise.
    pub reporter_kind: String,
    pub contacts: Vec<ContactInput>,
}

/// A checked directory card.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Card {
    pub municipalities: Vec<String>,
    pub target_groups: Vec<TargetGroup>,
    pub availability: Option<String>,
    pub notes: Option<String>,
    /// The kind of reporter its reports are counted as: set, it is a reporting partner, chosen
    /// at intake from the directory.
    pub reporter_kind: Option<ReporterKind>,
    pub contacts: Vec<Contact>,
}

/// A trimmed optional text of at most `max` characters, without control characters other than
/// new lines and tabs; refused on `field`.
pub(crate) fn text(e: &mut Invalid, field: &'static str, raw: &str, max: usize) -> Option<String> {
    let value = raw.trim();
    if value.is_empty() {
        None
    } else if value.chars().count() > max {
        e.push(field, Problem::TooLong { max });
        None
    } else if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        e.push(field, Problem::ControlCharacter);
        None
    } else {
        Some(value.to_owned())
    }
}

fn at(i: usize, name: &str) -> &'static str {
    crate::validation::field_name(&format!("contacts[{i}].{name}"))
}

impl ContactInput {
    fn validate(&self, e: &mut Invalid, i: usize) -> Option<Contact> {
        let before = e.0.len();
        let kind = if self.kind.trim().is_empty() {
            Some(ContactKind::Ufficio)
        } else {
            let k = ContactKind::parse(self.kind.trim());
            if k.is_none() {
                e.push(at(i, "kind"), Problem::UnknownCode);
            }
            k
        };
        let label = text(e, at(i, "label"), &self.label, SHORT_MAX);
        if label.is_none() && self.label.trim().is_empty() {
            e.push(at(i, "label"), Problem::Required);
        }
        let phone = text(e, at(i, "phone"), &self.phone, 40);
        if phone.as_deref().is_some_and(|p| !is_phone(p)) {
            e.push(at(i, "phone"), Problem::InvalidPhone);
        }
        let mut email_of = |name: &str, raw: &str| match optional_email(raw) {
            Ok(v) => v,
            Err(p) => {
                e.push(at(i, name), p);
                None
            }
        };
        let pec = email_of("pec", &self.pec);
        let email = email_of("email", &self.email);
        if phone.is_none()
            && pec.is_none()
            && email.is_none()
            && self.phone.trim().is_empty()
            && self.pec.trim().is_empty()
            && self.email.trim().is_empty()
        {
            e.push(at(i, "phone"), Problem::Required);
        }
        let answers = text(e, at(i, "answers"), &self.answers, SHORT_MAX);
        let referent = text(e, at(i, "referent"), &self.referent, SHORT_MAX);
        let referent_role = text(e, at(i, "referent_role"), &self.referent_role, SHORT_MAX);
        if e.0.len() > before {
            return None;
        }
        Some(Contact {
            kind: kind?,
            label: label?,
            phone,
            pec,
            email,
            answers,
            referent,
            referent_role,
        })
    }

    /// Nothing typed in any field: a blank row of the form, skipped.
    pub fn is_blank(&self) -> bool {
        [
            &self.label,
            &self.phone,
            &self.pec,
            &self.email,
            &self.answers,
            &self.referent,
            &self.referent_role,
        ]
        .iter()
        .all(|v| v.trim().is_empty())
    }
}

impl CardInput {
    /// Checks the card: known municipalities (`known` says which ISTAT codes are of the
    /// Ambito), known target groups, short texts without control characters, at most
    /// [`MAX_CONTACTS`] contacts (blank rows skipped), each with a label and a way to reach it.
    pub fn validate(&self, known: impl Fn(&str) -> bool) -> Result<Card, Invalid> {
        let mut e = Invalid::default();
        let mut municipalities: Vec<String> = Vec::new();
        for code in self.municipalities.iter().map(|c| c.trim()) {
            if code.is_empty() {
                continue;
            }
            if known(code) {
                if !municipalities.iter().any(|m| m == code) {
                    municipalities.push(code.to_owned());
                }
            } else {
                e.push("municipalities", Problem::UnknownMunicipality);
                break;
            }
        }
        let mut target_groups = Vec::new();
        for code in self.target_groups.iter().map(|c| c.trim()) {
            if code.is_empty() {
                continue;
            }
            match TargetGroup::parse(code) {
                Some(g) if !target_groups.contains(&g) => target_groups.push(g),
                Some(_) => {}
                None => {
                    e.push("target_groups", Problem::UnknownCode);
                    break;
                }
            }
        }
        let availability = text(&mut e, "availability", &self.availability, TEXT_MAX);
        let notes = text(&mut e, "notes", &self.notes, TEXT_MAX);
        let reporter_kind = match self.reporter_kind.trim() {
            "" => None,
            code => {
                let kind = ReporterKind::parse(code);
                if kind.is_none() {
                    e.push("reporter_kind", Problem::UnknownCode);
                }
                kind
            }
        };
        let rows: Vec<&ContactInput> = self.contacts.iter().filter(|c| !c.is_blank()).collect();
        if rows.len() > MAX_CONTACTS {
            e.push("contacts", Problem::TooMany);
        }
        let contacts: Vec<Contact> = rows
            .iter()
            .take(MAX_CONTACTS)
            .enumerate()
            .filter_map(|(i, c)| c.validate(&mut e, i))
            .collect();
        if !e.is_empty() {
            return Err(e);
        }
        Ok(Card {
            municipalities,
            target_groups,
            availability,
            notes,
            reporter_kind,
            contacts,
        })
    }
}

/// What the search "chi chiamo per…" looks at of an organisation.
#[derive(Debug, Clone, Copy)]
pub struct Searched<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    /// The words the kind reads as on screen ("Pronto soccorso", "Centro antiviolenza").
    pub kind_label: &'a str,
    pub municipalities: &'a [String],
    pub target_groups: &'a [TargetGroup],
    pub notes: &'a str,
    /// Labels and referents of its contacts.
    pub contact_words: &'a str,
    /// Has a 24-hour contact.
    pub round_the_clock: bool,
}

/// A search of the directory: words typed, and filters.
#[derive(Debug, Clone, Default)]
pub struct Query<'a> {
    pub words: &'a str,
    pub kind: Option<&'a str>,
    /// An ISTAT code: organisations covering it, or covering no municipality in particular (the
    /// whole Ambito).
    pub municipality: Option<&'a str>,
    pub target_group: Option<TargetGroup>,
}

/// How well an organisation answers `q`, higher first; `None` when it does not. Every typed
/// word must begin a word of its name, kind, notes or contacts (accents and case aside); a
/// word of the name counts more; a 24-hour contact and an exact target group rank higher.
pub fn score(q: &Query<'_>, o: &Searched<'_>) -> Option<u32> {
    if q.kind.is_some_and(|k| k != o.kind) {
        return None;
    }
    if let Some(m) = q.municipality
        && !o.municipalities.is_empty()
        && !o.municipalities.iter().any(|c| c == m)
    {
        return None;
    }
    if let Some(g) = q.target_group
        && !o.target_groups.is_empty()
        && !o.target_groups.contains(&g)
    {
        return None;
    }
    let name = crate::person::words(o.name);
    let rest = crate::person::words(&format!(
        "{} {} {} {}",
        o.kind_label, o.notes, o.contact_words, o.kind
    ));
    let mut score = 0;
    for typed in crate::person::words(q.words) {
        if name.iter().any(|w| w.starts_with(&typed)) {
            score += 10;
        } else if rest.iter().any(|w| w.starts_with(&typed)) {
            score += 4;
        } else {
            return None;
        }
    }
    if o.round_the_clock {
        score += 3;
    }
    if q.target_group.is_some_and(|g| o.target_groups.contains(&g)) {
        score += 2;
    }
    if q.municipality
        .is_some_and(|m| o.municipalities.iter().any(|c| c == m))
    {
        score += 1;
    }
    Some(score)
}

/// The digits (and a leading `+`) of a phone number, for a `tel:` link.
pub fn dial(phone: &str) -> String {
    let phone = phone.trim();
    let mut out = String::new();
    if phone.starts_with('+') {
        out.push('+');
    }
    out.extend(phone.chars().filter(char::is_ascii_digit));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(label: &str, phone: &str) -> ContactInput {
        ContactInput {
            kind: "h24".into(),
            label: label.into(),
            phone: phone.into(),
            ..ContactInput::default()
        }
    }

    fn fields(e: &Invalid) -> Vec<(&'static str, Problem)> {
        e.0.iter().map(|x| (x.field, x.problem)).collect()
    }

    #[test]
    fn a_card_keeps_known_values_and_skips_blank_rows() {
        let input = CardInput {
            municipalities: vec!["015182".into(), "015182".into(), " ".into()],
            target_groups: vec!["violenza_genere".into()],
            availability: " Sempre ".into(),
            reporter_kind: " pronto_soccorso ".into(),
            contacts: vec![contact("Centralino", "02 9943 1"), ContactInput::default()],
            ..CardInput::default()
        };
        let card = input.validate(|c| c == "015182").unwrap();
        assert_eq!(card.municipalities, ["015182"]);
        assert_eq!(card.target_groups, [TargetGroup::ViolenzaGenere]);
        assert_eq!(card.availability.as_deref(), Some("Sempre"));
        assert_eq!(card.contacts.len(), 1);
        assert_eq!(card.contacts[0].kind, ContactKind::H24);
        assert_eq!(card.reporter_kind, Some(ReporterKind::ProntoSoccorso));
        let silent = CardInput::default().validate(|_| true).unwrap();
        assert_eq!(silent.reporter_kind, None, "not a reporting partner");
    }

    #[test]
    fn bad_values_are_named_by_their_field() {
        let input = CardInput {
            municipalities: vec!["999999".into()],
            target_groups: vec!["nessuno".into()],
            notes: "a\u{0}b".into(),
            reporter_kind: "vigili_del_fuoco".into(),
            contacts: vec![
                contact("", "02 1234"),
                contact("Centralino", "chiamare"),
                ContactInput {
                    label: "Solo nome".into(),
                    ..ContactInput::default()
                },
                ContactInput {
                    label: "Posta".into(),
                    pec: "non-una-pec".into(),
                    kind: "sempre".into(),
                    ..ContactInput::default()
                },
            ],
            ..CardInput::default()
        };
        let err = input.validate(|_| false).unwrap_err();
        assert_eq!(
            fields(&err),
            [
                ("municipalities", Problem::UnknownMunicipality),
                ("target_groups", Problem::UnknownCode),
                ("notes", Problem::ControlCharacter),
                ("reporter_kind", Problem::UnknownCode),
                ("contacts[0].label", Problem::Required),
                ("contacts[1].phone", Problem::InvalidPhone),
                ("contacts[2].phone", Problem::Required),
                ("contacts[3].kind", Problem::UnknownCode),
                ("contacts[3].pec", Problem::InvalidEmail),
            ]
        );
        let many = CardInput {
            contacts: (0..=MAX_CONTACTS)
                .map(|_| contact("Linea", "112"))
                .collect(),
            ..CardInput::default()
        };
        assert_eq!(
            fields(&many.validate(|_| true).unwrap_err()),
            [("contacts", Problem::TooMany)]
        );
    }

    fn searched<'a>(name: &'a str, municipalities: &'a [String], h24: bool) -> Searched<'a> {
        Searched {
            name,
            kind: "asst",
            kind_label: "ASST, ospedale e pronto soccorso",
            municipalities,
            target_groups: &[],
            notes: "",
            contact_words: "Triage",
            round_the_clock: h24,
        }
    }

    #[test]
    fn the_search_finds_by_the_start_of_words_accents_aside() {
        let none: Vec<String> = Vec::new();
        let rho = vec!["015182".to_owned()];
        let er = searched("Pronto soccorso Rho", &none, true);
        let q = |words| Query {
            words,
            ..Query::default()
        };
        assert!(score(&q("pro"), &er).is_some());
        assert!(score(&q("PRONTO socc"), &er).is_some());
        assert!(score(&q("ospedale"), &er).is_some(), "the kind's words");
        assert!(score(&q("triage"), &er).is_some(), "a contact's label");
        assert!(score(&q("carabinieri"), &er).is_none());
        assert!(
            score(&q("pro"), &er) > score(&q("ospedale"), &er),
            "the name first"
        );
        let office = searched("Pronto soccorso Garbagnate", &rho, false);
        assert!(
            score(&q("pronto"), &er) > score(&q("pronto"), &office),
            "24 hours first"
        );
        let in_arese = Query {
            municipality: Some("015009"),
            ..Query::default()
        };
        assert!(score(&in_arese, &er).is_some(), "covers the whole Ambito");
        assert!(score(&in_arese, &office).is_none(), "covers Rho only");
        let cav = Query {
            kind: Some("cav"),
            ..Query::default()
        };
        assert!(score(&cav, &er).is_none());
    }

    #[test]
    fn a_phone_dials_its_digits() {
        assert_eq!(dial(" +39 02 994.31 "), "+390299431");
        assert_eq!(dial("1522"), "1522");
    }
}
