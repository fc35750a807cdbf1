//! Data-protection records of a person (GDPR art. 13–22 as the Italian DPA applies them to
//! social records): whether and how the information notice was given, consents to a sharing
//! and their withdrawal, and the person's requests (restriction, erasure, objection) with the
//! decision taken on each.

use crate::codes;
use crate::validation::{Invalid, Problem, has_control, required_text};

/// At most this many characters in a purpose, recipient or note.
pub const TEXT_MAX: usize = 2000;

codes!(
    /// What a data-protection record says.
    PrivacyKind {
        /// The information notice (art. 13–14) was given, or could not be.
        Informativa = "informativa",
        /// The person consented to a sharing that needs it.
        Consenso = "consenso",
        /// The person withdrew a consent.
        RevocaConsenso = "revoca_consenso",
        /// A request to restrict processing (art. 18).
        Limitazione = "limitazione",
        /// A request to erase (art. 17).
        Cancellazione = "cancellazione",
        /// An objection to processing (art. 21).
        Opposizione = "opposizione",
    }
);

impl PrivacyKind {
    /// A request of the person, which a coordinator decides.
    pub fn is_request(self) -> bool {
        matches!(
            self,
            Self::Limitazione | Self::Cancellazione | Self::Opposizione
        )
    }

    /// A consent or its withdrawal: says what sharing, and with whom.
    pub fn is_consent(self) -> bool {
        matches!(self, Self::Consenso | Self::RevocaConsenso)
    }
}

codes!(
    /// How the information notice was given.
    NoticeWay {
        Orale = "orale",
        Scritta = "scritta",
        /// Through a linguistic-cultural mediator.
        Mediatore = "mediatore",
        /// It could not be given (the person was not able to receive it): to give later.
        NonPossibile = "non_possibile",
    }
);

codes!(
    /// The decision on a request.
    Decision {
        Accolta = "accolta",
        Respinta = "respinta",
    }
);

/// Whether a consent of the person stands, given their records' kinds newest first (by day,
/// then by entry): the newest consent or withdrawal is a consent.
pub fn consent_stands(newest_first: impl IntoIterator<Item = PrivacyKind>) -> bool {
    newest_first
        .into_iter()
        .find(|k| k.is_consent())
        .is_some_and(|k| k == PrivacyKind::Consenso)
}

/// A data-protection record as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrivacyInput {
    pub kind: String,
    /// `AAAA-MM-GG`: when the notice or consent was given, or the request received.
    pub on: String,
    /// For the notice: how (a [`NoticeWay`] code).
    pub how: String,
    /// For a consent: what sharing; for a request: what it concerns.
    pub purpose: String,
    /// For a consent: with whom (an organisation).
    pub recipient: String,
    pub notes: String,
}

/// A checked data-protection record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivacyRecord {
    pub kind: PrivacyKind,
    pub on: jiff::civil::Date,
    pub how: Option<NoticeWay>,
    pub purpose: Option<String>,
    pub recipient: Option<String>,
    pub notes: Option<String>,
}

fn optional(errors: &mut Invalid, field: &'static str, raw: &str) -> Option<String> {
    let value = raw.trim();
    if value.is_empty() {
        None
    } else if value.chars().count() > TEXT_MAX {
        errors.push(field, Problem::TooLong { max: TEXT_MAX });
        None
    } else if has_control(value) {
        errors.push(field, Problem::ControlCharacter);
        None
    } else {
        Some(value.to_owned())
    }
}

impl PrivacyInput {
    /// Checks the record: a known kind; a day from 1 January 2000 to `today`; for the notice, how
    /// it was given; for a consent or its withdrawal, the sharing and with whom.
    pub fn validate(&self, today: jiff::civil::Date) -> Result<PrivacyRecord, Invalid> {
        let mut e = Invalid::default();
        let kind = if self.kind.trim().is_empty() {
            e.push("kind", Problem::Required);
            None
        } else {
            let k = PrivacyKind::parse(&self.kind);
            if k.is_none() {
                e.push("kind", Problem::UnknownCode);
            }
            k
        };
        let on = match self.on.trim() {
            "" => {
                e.push("on", Problem::Required);
                None
            }
            raw => match raw.parse::<jiff::civil::Date>() {
                Ok(d) if d >= crate::validation::EARLIEST_DAY && d <= today => Some(d),
                Ok(_) => {
                    e.push("on", Problem::OutOfRange);
                    None
                }
                Err(_) => {
                    e.push("on", Problem::InvalidDate);
                    None
                }
            },
        };
        let how = match (kind, self.how.trim()) {
            (Some(PrivacyKind::Informativa), "") => {
                e.push("how", Problem::Required);
                None
            }
            (Some(PrivacyKind::Informativa), raw) => {
                let w = NoticeWay::parse(raw);
                if w.is_none() {
                    e.push("how", Problem::UnknownCode);
                }
                w
            }
            _ => None,
        };
        let purpose = if kind.is_some_and(PrivacyKind::is_consent) {
            Some(required_text(&mut e, "purpose", &self.purpose, TEXT_MAX))
        } else {
            optional(&mut e, "purpose", &self.purpose)
        };
        let recipient = if kind.is_some_and(PrivacyKind::is_consent) {
            Some(required_text(
                &mut e,
                "recipient",
                &self.recipient,
                TEXT_MAX,
            ))
        } else {
            optional(&mut e, "recipient", &self.recipient)
        };
        let notes = optional(&mut e, "notes", &self.notes);
        match (kind, on, e.is_empty()) {
            (Some(kind), Some(on), true) => Ok(PrivacyRecord {
                kind,
                on,
                how,
                purpose,
                recipient,
                notes,
            }),
            _ => Err(e),
        }
    }
}

/// Checks a decision on a request: a known decision and its reason.
pub fn check_decision(decision: &str, reason: &str) -> Result<(Decision, String), Invalid> {
    let mut e = Invalid::default();
    let d = if decision.trim().is_empty() {
        e.push("decision", Problem::Required);
        None
    } else {
        let d = Decision::parse(decision);
        if d.is_none() {
            e.push("decision", Problem::UnknownCode);
        }
        d
    };
    let reason = required_text(&mut e, "reason", reason, TEXT_MAX);
    match (d, e.is_empty()) {
        (Some(d), true) => Ok((d, reason)),
        _ => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_consent_stands_until_withdrawn() {
        use PrivacyKind::*;
        assert!(consent_stands([Informativa, Consenso]));
        assert!(consent_stands([Consenso, RevocaConsenso, Consenso]));
        assert!(!consent_stands([RevocaConsenso, Consenso]));
        assert!(!consent_stands([Informativa, Opposizione]));
        assert!(!consent_stands([]));
    }

    fn today() -> jiff::civil::Date {
        jiff::civil::date(2026, 12, 3)
    }

    fn fields(result: Result<PrivacyRecord, Invalid>) -> Vec<&'static str> {
        result.unwrap_err().0.iter().map(|f| f.field).collect()
    }

    #[test]
    fn a_notice_says_how_and_when() {
        let ok = PrivacyInput {
            kind: "informativa".into(),
            on: "2026-12-01".into(),
            how: "mediatore".into(),
            ..PrivacyInput::default()
        }
        .validate(today())
        .unwrap();
        assert_eq!(ok.how, Some(NoticeWay::Mediatore));
        let missing = PrivacyInput {
            kind: "informativa".into(),
            on: "2026-12-04".into(),
            ..PrivacyInput::default()
        };
        assert_eq!(fields(missing.validate(today())), ["on", "how"]);
        for on in ["0001-01-01", "1999-12-31", "2026-13-01", "ieri"] {
            let bad = PrivacyInput {
                kind: "informativa".into(),
                on: on.into(),
                how: "orale".into(),
                ..PrivacyInput::default()
            };
            assert_eq!(fields(bad.validate(today())), ["on"], "{on}");
        }
    }

    #[test]
    fn a_consent_names_the_sharing_and_the_recipient() {
        let bad = PrivacyInput {
            kind: "consenso".into(),
            on: "2026-12-01".into(),
            purpose: " ".into(),
            recipient: "CAV\u{0}".into(),
            ..PrivacyInput::default()
        };
        assert_eq!(fields(bad.validate(today())), ["purpose", "recipient"]);
        let bad = PrivacyInput {
            kind: "permesso".into(),
            on: "2026-12-01".into(),
            ..PrivacyInput::default()
        };
        assert_eq!(fields(bad.validate(today())), ["kind"]);
        assert!(PrivacyKind::Cancellazione.is_request());
        assert!(!PrivacyKind::Consenso.is_request());
    }

    #[test]
    fn a_decision_needs_its_reason() {
        assert!(check_decision("accolta", "Dati non più necessari").is_ok());
        let e = check_decision("forse", "").unwrap_err();
        let f: Vec<_> = e.0.iter().map(|f| f.field).collect();
        assert_eq!(f, ["decision", "reason"]);
    }
}
