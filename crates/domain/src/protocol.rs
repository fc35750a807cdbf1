//! Protocols and agreements of the network (protocolli operativi, accordi di rete,
//! convenzioni): their parties and scope, validity and renewals, the procedures they govern, the
//! signed document, and when the coordinators are reminded of their expiry.

use crate::codes;
use crate::report::TargetGroup;
use crate::validation::{Invalid, Problem};

/// At most this many characters in a title.
pub const TITLE_MAX: usize = 200;

/// At most this many characters in the summary of the operational clauses.
pub const SUMMARY_MAX: usize = 8000;

/// The largest signed document accepted, in bytes.
pub const DOCUMENT_MAX: usize = 10 * 1024 * 1024;

/// The coordinators are reminded this many days before the last day, once each.
pub const REMINDERS: [i64; 2] = [60, 30];

codes!(
    /// What kind of agreement.
    ProtocolKind {
        Protocollo = "protocollo_operativo",
        Accordo = "accordo_di_rete",
        Convenzione = "convenzione",
    }
);

/// A protocol as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProtocolInput {
    pub title: String,
    pub kind: String,
    /// Ids of the organisations that signed it.
    pub parties: Vec<String>,
    pub target_groups: Vec<String>,
    /// ISTAT codes; none: the whole Ambito.
    pub municipalities: Vec<String>,
    /// `AAAA-MM-GG`.
    pub signed_on: String,
    /// `AAAA-MM-GG`, its last day.
    pub valid_until: String,
    pub summary: String,
    /// Target groups whose special procedure it governs (the violence checklist, the MSNA one).
    pub procedures: Vec<String>,
}

/// A checked protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protocol {
    pub title: String,
    pub kind: ProtocolKind,
    pub parties: Vec<i64>,
    pub target_groups: Vec<TargetGroup>,
    pub municipalities: Vec<String>,
    pub signed_on: jiff::civil::Date,
    pub valid_until: jiff::civil::Date,
    pub summary: Option<String>,
    pub procedures: Vec<TargetGroup>,
}

fn groups(e: &mut Invalid, field: &'static str, raw: &[String]) -> Vec<TargetGroup> {
    let mut out = Vec::new();
    for code in raw.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        match TargetGroup::parse(code) {
            Some(g) if !out.contains(&g) => out.push(g),
            Some(_) => {}
            None => {
                e.push(field, Problem::UnknownCode);
                break;
            }
        }
    }
    out
}

pub(crate) fn day(e: &mut Invalid, field: &'static str, raw: &str) -> Option<jiff::civil::Date> {
    let raw = raw.trim();
    if raw.is_empty() {
        e.push(field, Problem::Required);
        return None;
    }
    match crate::time::parse_date(raw) {
        Some(d) if d >= crate::validation::EARLIEST_DAY && d.year() <= 2100 => Some(d),
        Some(_) => {
            e.push(field, Problem::OutOfRange);
            None
        }
        None => {
            e.push(field, Problem::InvalidDate);
            None
        }
    }
}

impl ProtocolInput {
    /// Checks the protocol: a title, a known kind, parties among `known_party`, known target
    /// groups and municipalities (`known_municipality`), a signing day from 2000 and a last day
    /// not before it (up to 2100), a summary without control characters.
    pub fn validate(
        &self,
        known_party: impl Fn(i64) -> bool,
        known_municipality: impl Fn(&str) -> bool,
    ) -> Result<Protocol, Invalid> {
        let mut e = Invalid::default();
        let title = crate::validation::required_text(&mut e, "title", &self.title, TITLE_MAX);
        let kind = match self.kind.trim() {
            "" => {
                e.push("kind", Problem::Required);
                None
            }
            k => {
                let found = ProtocolKind::parse(k);
                if found.is_none() {
                    e.push("kind", Problem::UnknownCode);
                }
                found
            }
        };
        let mut parties = Vec::new();
        for raw in self
            .parties
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
        {
            match raw.parse::<i64>() {
                Ok(id) if known_party(id) => {
                    if !parties.contains(&id) {
                        parties.push(id);
                    }
                }
                _ => {
                    e.push("parties", Problem::UnknownOrganisation);
                    break;
                }
            }
        }
        let target_groups = groups(&mut e, "target_groups", &self.target_groups);
        let procedures = groups(&mut e, "procedures", &self.procedures);
        let mut municipalities: Vec<String> = Vec::new();
        for code in self
            .municipalities
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
        {
            if !known_municipality(code) {
                e.push("municipalities", Problem::UnknownMunicipality);
                break;
            }
            if !municipalities.iter().any(|m| m == code) {
                municipalities.push(code.to_owned());
            }
        }
        let signed_on = day(&mut e, "signed_on", &self.signed_on);
        let valid_until = day(&mut e, "valid_until", &self.valid_until);
        if let (Some(s), Some(u)) = (signed_on, valid_until)
            && u < s
        {
            e.push("valid_until", Problem::OutOfRange);
        }
        let summary = self.summary.trim();
        let summary = if summary.is_empty() {
            None
        } else if summary.chars().count() > SUMMARY_MAX {
            e.push("summary", Problem::TooLong { max: SUMMARY_MAX });
            None
        } else if summary
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            e.push("summary", Problem::ControlCharacter);
            None
        } else {
            Some(summary.to_owned())
        };
        match (kind, signed_on, valid_until) {
            (Some(kind), Some(signed_on), Some(valid_until)) if e.is_empty() => Ok(Protocol {
                title,
                kind,
                parties,
                target_groups,
                municipalities,
                signed_on,
                valid_until,
                summary,
                procedures,
            }),
            _ => Err(e),
        }
    }
}

/// Where a protocol stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Valid,
    /// Its last day is within 60 days: how many are left (0 on the last day).
    Expiring(i64),
    Expired,
}

/// Days from `today` to `until` (negative once past).
pub fn days_left(until: jiff::civil::Date, today: jiff::civil::Date) -> i64 {
    (until - today).get_days().into()
}

pub fn standing(until: jiff::civil::Date, today: jiff::civil::Date) -> Standing {
    let left = days_left(until, today);
    if left < 0 {
        Standing::Expired
    } else if left <= REMINDERS[0] {
        Standing::Expiring(left)
    } else {
        Standing::Valid
    }
}

/// The reminder due on `today` for a protocol ending on `until`: the tightest threshold of
/// [`REMINDERS`] it has reached (and not passed its last day), which the caller sends once.
pub fn reminder_due(until: jiff::civil::Date, today: jiff::civil::Date) -> Option<i64> {
    let left = days_left(until, today);
    if left < 0 {
        return None;
    }
    REMINDERS.iter().rev().copied().find(|r| left <= *r)
}

/// Checks a signed document by its content, whatever its name says: a PDF (it starts with
/// `%PDF-`), not empty, at most [`DOCUMENT_MAX`] bytes. An executable or anything else is
/// refused.
pub fn check_document(bytes: &[u8]) -> Result<(), Problem> {
    if bytes.is_empty() {
        return Err(Problem::Required);
    }
    if bytes.len() > DOCUMENT_MAX {
        return Err(Problem::FileTooLarge);
    }
    if bytes.starts_with(b"%PDF-") {
        Ok(())
    } else {
        Err(Problem::NotPdf)
    }
}

/// A document's name kept for display: its last path segment, without control characters,
/// at most 120 characters; "documento.pdf" when nothing is left.
pub fn document_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>'))
        .take(120)
        .collect();
    let clean = clean.trim();
    if clean.is_empty() {
        "documento.pdf".to_owned()
    } else {
        clean.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> jiff::civil::Date {
        text.parse().unwrap()
    }

    fn input() -> ProtocolInput {
        ProtocolInput {
            title: "Protocollo della rete antiviolenza".into(),
            kind: "protocollo_operativo".into(),
            parties: vec!["3".into(), "3".into()],
            target_groups: vec!["violenza_genere".into()],
            signed_on: "2025-01-15".into(),
            valid_until: "2027-01-14".into(),
            procedures: vec!["violenza_genere".into()],
            ..ProtocolInput::default()
        }
    }

    #[test]
    fn a_good_protocol_is_kept() {
        let p = input().validate(|id| id == 3, |_| true).unwrap();
        assert_eq!(p.parties, [3]);
        assert_eq!(p.kind, ProtocolKind::Protocollo);
        assert_eq!(p.procedures, [TargetGroup::ViolenzaGenere]);
    }

    #[test]
    fn bad_values_name_their_field() {
        let bad = ProtocolInput {
            title: String::new(),
            kind: "patto".into(),
            parties: vec!["9".into()],
            target_groups: vec!["tutti".into()],
            municipalities: vec!["000000".into()],
            signed_on: "0001-01-01".into(),
            valid_until: "domani".into(),
            summary: "a\u{0}".into(),
            procedures: vec!["x".into()],
        };
        let err = bad.validate(|_| false, |_| false).unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "title",
                "kind",
                "parties",
                "target_groups",
                "procedures",
                "municipalities",
                "signed_on",
                "valid_until",
                "summary"
            ]
        );
        let mut backwards = input();
        backwards.valid_until = "2024-12-31".into();
        let err = backwards.validate(|_| true, |_| true).unwrap_err();
        assert_eq!(err.0[0].field, "valid_until");
    }

    #[test]
    fn reminders_come_at_60_and_30_days_and_stop_at_the_last_day() {
        let until = day("2027-03-31");
        assert_eq!(reminder_due(until, day("2027-01-29")), None, "61 days");
        assert_eq!(reminder_due(until, day("2027-01-30")), Some(60));
        assert_eq!(reminder_due(until, day("2027-03-01")), Some(30));
        assert_eq!(
            reminder_due(until, day("2027-03-31")),
            Some(30),
            "the last day"
        );
        assert_eq!(reminder_due(until, day("2027-04-01")), None);
        assert_eq!(standing(until, day("2027-03-11")), Standing::Expiring(20));
        assert_eq!(standing(until, day("2027-04-01")), Standing::Expired);
        assert_eq!(standing(until, day("2026-01-01")), Standing::Valid);
    }

    #[test]
    fn only_a_pdf_by_its_content_is_kept() {
        assert_eq!(check_document(b"%PDF-1.7\n..."), Ok(()));
        assert_eq!(
            check_document(b"MZ\x90\x00 this program"),
            Err(Problem::NotPdf)
        );
        assert_eq!(check_document(b"\x7fELF\x02\x01"), Err(Problem::NotPdf));
        assert_eq!(check_document(b""), Err(Problem::Required));
        let big = vec![b'%'; DOCUMENT_MAX + 1];
        assert_eq!(check_document(&big), Err(Problem::FileTooLarge));
        assert_eq!(
            document_name("C:\\Users\\a\\protocollo.pdf"),
            "protocollo.pdf"
        );
        assert_eq!(document_name("\u{0}"), "documento.pdf");
    }
}
