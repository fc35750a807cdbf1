//! The team of a case (équipe multidisciplinare): who shares a report beyond the Centrale, in
//! which role, which sections of it, until when, and on what lawful basis. A member is a user or
//! an organisation (whose partner users then share the grant); invited, the member accepts or
//! declines; removal or expiry ends access at once.

use crate::codes;
use crate::validation::{Invalid, Problem, has_control};

/// At most this many characters in a consent note or a decline's reason.
pub const TEXT_MAX: usize = 1000;

/// The longest a grant may last, in days from today (it can be renewed by a new invitation).
pub const MAX_DAYS: i64 = 731;

codes!(
    /// A member's role in the case.
    CaseRole {
        /// Responsabile del caso: leads the case and its team.
        Responsabile = "responsabile",
        ReferenteSanitario = "referente_sanitario",
        ReferenteCav = "referente_cav",
        Mediatore = "mediatore",
        /// The residential community hosting the person.
        Comunita = "comunita",
        Altro = "altro",
    }
);

codes!(
    /// A part of a report a grant may open.
    Section {
        /// Who reported, how, where, and their account of what happened.
        Segnalazione = "segnalazione",
        /// The people of the report: names, age, sex, contacts.
        Persone = "persone",
        /// The triage: outcome, target group, risk flags.
        Valutazione = "valutazione",
        /// The field intervention, the operators alerted and the resources activated
        /// (placements).
        Intervento = "intervento",
        /// The special procedures (MSNA, gender-based violence) and their steps.
        Procedure = "procedure",
        /// The handover to the municipal social service and its thread.
        Passaggio = "passaggio",
    }
);

codes!(
    /// Where an invitation stands.
    MemberStatus {
        Invited = "invited",
        Accepted = "accepted",
        Declined = "declined",
        Removed = "removed",
    }
);

codes!(
    /// The lawful basis of a sharing (GDPR art. 6 and 9).
    Basis {
        /// A task in the public interest (the social service's own duties).
        CompitoPubblico = "compito_pubblico",
        /// The person consented (recorded with the grant).
        Consenso = "consenso",
        /// A legal obligation (e.g. towards the judicial authority).
        ObbligoDiLegge = "obbligo_di_legge",
        /// The vital interest of the person, who cannot consent now.
        InteresseVitale = "interesse_vitale",
    }
);

/// What a team follows: one report, or a person record across every report naming them (or a
/// record linked to them), the later ones too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Report(i64),
    Person(i64),
}

impl Scope {
    /// The scope of a stored membership, from its two columns (exactly one is set).
    pub fn of(report: Option<i64>, person: Option<i64>) -> Option<Self> {
        match (report, person) {
            (Some(r), None) => Some(Self::Report(r)),
            (None, Some(p)) => Some(Self::Person(p)),
            _ => None,
        }
    }

    /// The report and person columns of a membership of this scope.
    pub fn columns(self) -> (Option<i64>, Option<i64>) {
        match self {
            Self::Report(r) => (Some(r), None),
            Self::Person(p) => (None, Some(p)),
        }
    }

    /// `entry` about the team of this scope: on its record, in the section `team`.
    #[must_use]
    pub fn audited(self, entry: crate::audit::Entry) -> crate::audit::Entry {
        let mut entry = match self {
            Self::Report(r) => entry.record("report", r),
            Self::Person(p) => entry.record("person", p),
        };
        "team".clone_into(&mut entry.section);
        entry
    }
}

/// A set of [`Section`]s.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Sections(u8);

impl Sections {
    fn bit(section: Section) -> u8 {
        let index = Section::ALL.iter().position(|s| *s == section).unwrap_or(0);
        1 << index
    }

    pub fn of(sections: &[Section]) -> Self {
        Self(sections.iter().fold(0, |acc, s| acc | Self::bit(*s)))
    }

    pub fn contains(self, section: Section) -> bool {
        self.0 & Self::bit(section) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    #[must_use]
    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// The sections, in their order.
    pub fn list(self) -> Vec<Section> {
        Section::ALL
            .iter()
            .copied()
            .filter(|s| self.contains(*s))
            .collect()
    }

    /// As stored: the codes joined by commas.
    pub fn codes(self) -> String {
        self.list()
            .iter()
            .map(|s| s.code())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// From [`Sections::codes`]; `None` when a code is unknown.
    pub fn parse_codes(text: &str) -> Option<Self> {
        text.split(',')
            .filter(|c| !c.trim().is_empty())
            .map(Section::parse)
            .collect::<Option<Vec<_>>>()
            .map(|list| Self::of(&list))
    }
}

/// An accepted membership still running: what the access rule needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TeamGrant {
    /// The member user, or none when the member is an organisation.
    pub user: Option<i64>,
    pub organisation: Option<i64>,
    pub sections: Sections,
}

/// Whether a membership opens the case on `today`: accepted, and not past its last day.
pub fn is_running(
    status: MemberStatus,
    until: jiff::civil::Date,
    today: jiff::civil::Date,
) -> bool {
    status == MemberStatus::Accepted && today <= until
}

/// Who is invited, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invitee {
    /// A user, by username.
    User(String),
    Organisation(i64),
}

/// An invitation as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberInput {
    /// A username, or empty.
    pub user: String,
    /// An organisation's id, or empty.
    pub organisation_id: String,
    pub role_in_case: String,
    pub sections: Vec<String>,
    /// `AAAA-MM-GG`, the last day of the grant.
    pub until: String,
    /// A [`Basis`] code; empty: a task in the public interest, unless the case is protected.
    pub basis: String,
    /// How and when the person consented, for a consent.
    pub consent: String,
}

/// A checked invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMember {
    pub invitee: Invitee,
    pub role: CaseRole,
    pub sections: Sections,
    pub until: jiff::civil::Date,
    pub basis: Basis,
    pub consent: Option<String>,
}

fn code_of<T>(
    e: &mut Invalid,
    field: &'static str,
    raw: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Option<T> {
    if raw.trim().is_empty() {
        e.push(field, Problem::Required);
        return None;
    }
    let found = parse(raw);
    if found.is_none() {
        e.push(field, Problem::UnknownCode);
    }
    found
}

fn invitee(e: &mut Invalid, user: &str, organisation: &str) -> Option<Invitee> {
    match (user.trim(), organisation.trim()) {
        ("", "") => {
            e.push("user", Problem::Required);
            None
        }
        (u, "") => {
            let mut own = Invalid::default();
            let name = crate::validation::username(&mut own, u);
            if own.is_empty() {
                Some(Invitee::User(name))
            } else {
                e.push("user", Problem::InvalidUsername);
                None
            }
        }
        ("", o) => match o.parse::<i64>() {
            Ok(id) if id > 0 => Some(Invitee::Organisation(id)),
            _ => {
                e.push("organisation_id", Problem::UnknownOrganisation);
                None
            }
        },
        _ => {
            e.push("organisation_id", Problem::UserOrOrganisation);
            None
        }
    }
}

impl MemberInput {
    /// Checks the invitation: a user or an organisation (not both), a known role in the case,
    /// at least one known section, a last day from `today` to [`MAX_DAYS`] ahead, and a basis —
    /// which a `protected` case (violence, unaccompanied minor) must state, and which, when it is
    /// the person's consent, says how and when it was given.
    pub fn validate(
        &self,
        today: jiff::civil::Date,
        protected: bool,
    ) -> Result<NewMember, Invalid> {
        let mut e = Invalid::default();
        let invitee = invitee(&mut e, &self.user, &self.organisation_id);
        let role = code_of(&mut e, "role_in_case", &self.role_in_case, CaseRole::parse);
        let sections = if self.sections.iter().all(|s| s.trim().is_empty()) {
            e.push("sections", Problem::Required);
            None
        } else {
            let parsed: Option<Vec<Section>> = self
                .sections
                .iter()
                .filter(|s| !s.trim().is_empty())
                .map(|s| Section::parse(s))
                .collect();
            if parsed.is_none() {
                e.push("sections", Problem::UnknownCode);
            }
            parsed.map(|list| Sections::of(&list))
        };
        let until = until(&mut e, &self.until, today);
        let basis = if self.basis.trim().is_empty() && !protected {
            Some(Basis::CompitoPubblico)
        } else {
            code_of(&mut e, "basis", &self.basis, Basis::parse)
        };
        let consent = self.consent.trim();
        let consent = if consent.is_empty() {
            if basis == Some(Basis::Consenso) {
                e.push("consent", Problem::Required);
            }
            None
        } else if consent.chars().count() > TEXT_MAX {
            e.push("consent", Problem::TooLong { max: TEXT_MAX });
            None
        } else if has_control(consent) {
            e.push("consent", Problem::ControlCharacter);
            None
        } else {
            Some(consent.to_owned())
        };
        match (invitee, role, sections, until, basis) {
            (Some(invitee), Some(role), Some(sections), Some(until), Some(basis))
                if e.is_empty() =>
            {
                Ok(NewMember {
                    invitee,
                    role,
                    sections,
                    until,
                    basis,
                    consent,
                })
            }
            _ => Err(e),
        }
    }
}

fn until(e: &mut Invalid, raw: &str, today: jiff::civil::Date) -> Option<jiff::civil::Date> {
    let raw = raw.trim();
    if raw.is_empty() {
        e.push("until", Problem::Required);
        return None;
    }
    let latest = today
        .checked_add(jiff::Span::new().days(MAX_DAYS))
        .unwrap_or(jiff::civil::Date::MAX);
    match crate::time::parse_date(raw) {
        Some(d) if d >= today && d <= latest => Some(d),
        Some(_) => {
            e.push("until", Problem::OutOfRange);
            None
        }
        None => {
            e.push("until", Problem::InvalidDate);
            None
        }
    }
}

/// Checks an answer to an invitation: a decline says why.
pub fn check_answer(accept: bool, reason: &str) -> Result<Option<String>, Invalid> {
    let reason = reason.trim();
    if reason.is_empty() {
        return if accept {
            Ok(None)
        } else {
            Err(Invalid::one("reason", Problem::Required))
        };
    }
    if reason.chars().count() > TEXT_MAX {
        Err(Invalid::one("reason", Problem::TooLong { max: TEXT_MAX }))
    } else if has_control(reason) {
        Err(Invalid::one("reason", Problem::ControlCharacter))
    } else {
        Ok(Some(reason.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> jiff::civil::Date {
        text.parse().unwrap()
    }

    fn input() -> MemberInput {
        MemberInput {
            user: "asst.rho".into(),
            role_in_case: "referente_sanitario".into(),
            sections: vec!["intervento".into(), "procedure".into()],
            until: "2027-01-31".into(),
            ..MemberInput::default()
        }
    }

    fn fields(err: &Invalid) -> Vec<(&'static str, Problem)> {
        err.0.iter().map(|e| (e.field, e.problem)).collect()
    }

    #[test]
    fn a_scope_is_one_report_or_one_person() {
        assert_eq!(Scope::of(Some(4), None), Some(Scope::Report(4)));
        assert_eq!(Scope::of(None, Some(9)), Some(Scope::Person(9)));
        assert_eq!(Scope::of(Some(4), Some(9)), None);
        assert_eq!(Scope::of(None, None), None);
        assert_eq!(Scope::Person(9).columns(), (None, Some(9)));
        let entry = Scope::Person(9).audited(crate::audit::Entry::default());
        assert_eq!(
            (
                entry.record_type.as_str(),
                entry.record_id.as_str(),
                entry.section.as_str()
            ),
            ("person", "9", "team")
        );
    }

    #[test]
    fn a_good_invitation_is_normalised() {
        let m = input().validate(day("2026-12-03"), false).unwrap();
        assert_eq!(m.invitee, Invitee::User("asst.rho".into()));
        assert_eq!(m.role, CaseRole::ReferenteSanitario);
        assert_eq!(
            m.sections.list(),
            vec![Section::Intervento, Section::Procedure]
        );
        assert_eq!(m.sections.codes(), "intervento,procedure");
        assert_eq!(m.basis, Basis::CompitoPubblico);
        assert_eq!(Sections::parse_codes(&m.sections.codes()), Some(m.sections));
    }

    #[test]
    fn every_field_is_named_when_wrong() {
        let err = MemberInput {
            user: "a b".into(),
            role_in_case: "capo".into(),
            sections: vec!["tutto".into()],
            until: "0001-01-01".into(),
            basis: "perché sì".into(),
            consent: "\0".into(),
            ..MemberInput::default()
        }
        .validate(day("2026-12-03"), false)
        .unwrap_err();
        assert_eq!(
            fields(&err),
            vec![
                ("user", Problem::InvalidUsername),
                ("role_in_case", Problem::UnknownCode),
                ("sections", Problem::UnknownCode),
                ("until", Problem::OutOfRange),
                ("basis", Problem::UnknownCode),
                ("consent", Problem::ControlCharacter),
            ]
        );
        let err = MemberInput::default()
            .validate(day("2026-12-03"), true)
            .unwrap_err();
        assert_eq!(
            fields(&err),
            vec![
                ("user", Problem::Required),
                ("role_in_case", Problem::Required),
                ("sections", Problem::Required),
                ("until", Problem::Required),
                ("basis", Problem::Required),
            ]
        );
    }

    #[test]
    fn one_invitee_only() {
        let both = MemberInput {
            organisation_id: "4".into(),
            ..input()
        };
        let err = both.validate(day("2026-12-03"), false).unwrap_err();
        assert_eq!(
            fields(&err),
            vec![("organisation_id", Problem::UserOrOrganisation)]
        );
        let org = MemberInput {
            user: String::new(),
            organisation_id: " 4 ".into(),
            ..input()
        };
        let m = org.validate(day("2026-12-03"), false).unwrap();
        assert_eq!(m.invitee, Invitee::Organisation(4));
        for bad in ["0", "-1", "x", "99999999999999999999"] {
            let org = MemberInput {
                user: String::new(),
                organisation_id: bad.into(),
                ..input()
            };
            assert!(org.validate(day("2026-12-03"), false).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_last_day_is_from_today_to_two_years() {
        let today = day("2026-12-03");
        for (text, ok) in [
            ("2026-12-03", true),
            ("2026-12-02", false),
            ("2028-12-03", true),
            ("2028-12-04", false),
            ("9999-12-31", false),
            ("2026-02-30", false),
        ] {
            let m = MemberInput {
                until: text.into(),
                ..input()
            };
            assert_eq!(m.validate(today, false).is_ok(), ok, "{text}");
        }
    }

    #[test]
    fn a_protected_case_states_its_basis_and_a_consent_says_how() {
        let today = day("2026-12-03");
        let err = input().validate(today, true).unwrap_err();
        assert_eq!(fields(&err), vec![("basis", Problem::Required)]);
        let consent = MemberInput {
            basis: "consenso".into(),
            ..input()
        };
        let err = consent.validate(today, true).unwrap_err();
        assert_eq!(fields(&err), vec![("consent", Problem::Required)]);
        let consent = MemberInput {
            consent: "Consenso orale il 2/12 davanti all'operatrice".into(),
            ..consent
        };
        assert_eq!(
            consent.validate(today, true).unwrap().basis,
            Basis::Consenso
        );
    }

    #[test]
    fn a_membership_runs_while_accepted_up_to_its_last_day() {
        let until = day("2026-12-31");
        assert!(is_running(MemberStatus::Accepted, until, day("2026-12-31")));
        assert!(!is_running(
            MemberStatus::Accepted,
            until,
            day("2027-01-01")
        ));
        for status in [
            MemberStatus::Invited,
            MemberStatus::Declined,
            MemberStatus::Removed,
        ] {
            assert!(!is_running(status, until, day("2026-12-03")));
        }
    }

    #[test]
    fn a_decline_says_why() {
        assert_eq!(check_answer(true, " "), Ok(None));
        assert!(check_answer(false, "").is_err());
        assert_eq!(
            check_answer(false, "Non di nostra competenza"),
            Ok(Some("Non di nostra competenza".into()))
        );
        assert!(check_answer(false, "\0").is_err());
        assert!(check_answer(true, &"x".repeat(TEXT_MAX + 1)).is_err());
    }

    #[test]
    fn unknown_section_codes_are_refused_when_read_back() {
        assert_eq!(Sections::parse_codes("intervento,nulla"), None);
        assert_eq!(Sections::parse_codes(""), Some(Sections::default()));
    }
}
