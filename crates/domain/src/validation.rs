//! Validation errors that name the field at fault.
//!
//! The domain never writes prose: each error carries a stable field name (the API field) and a
//! stable `code`, which the web layer translates (`validation-<code>` in the i18n catalogue).

use serde::Serialize;

/// Why a field was refused. Serialised as a stable `snake_case` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    Required,
    /// Longer than `max` characters.
    TooLong {
        max: usize,
    },
    InvalidIstatCode,
    InvalidBelfioreCode,
    InvalidProvince,
    InvalidPostalCode,
    InvalidMonthDay,
    Negative,
    Duplicate,
    InvalidCode,
    PasswordTooShort,
    PasswordCommon,
    PasswordMismatch,
    UnknownRole,
    UnknownMunicipality,
    UnknownOrganisation,
    InvalidUsername,
    OutOfRange,
    InvalidDate,
    WrongCode,
    WrongPassword,
    PasswordUnchanged,
    UnknownCode,
    InFuture,
    InvalidDateTime,
    TooMany,
    InvalidFiscalCode,
    StaleVersion,
    BadTransition,
    WrongType,
    TooShort,
    InvalidHours,
    OverlappingHours,
    NoFreePlaces,
    InvalidEmail,
    InvalidCsv,
    /// A field the request does not take (a typo, or a field of another shape).
    UnknownField,
    /// A control character (NUL and the like) other than tab and new line.
    ControlCharacter,
    /// The same person already has a shift in that role at those times.
    OverlappingShift,
    /// Not a telephone number.
    InvalidPhone,
    /// The only report of a person record: it cannot be taken from it.
    OnlyReport,
    /// Not a reporting partner of the Ambito's network directory.
    NotReportingPartner,
    /// Said of the first person of a report, to whom the others are related.
    FirstPerson,
    /// The person already belongs to another household.
    OtherHousehold,
    /// Both a user and an organisation were given where one of them is wanted.
    UserOrOrganisation,
    /// No such user (an active one, in that Ambito).
    UnknownUser,
    /// Not a running member of the case's team.
    NotTeamMember,
    /// A sharing on the person's consent, and no consent of theirs stands in their record.
    NoConsentRecorded,
    /// A file that is not a PDF by its content.
    NotPdf,
    /// A file larger than 10 MB.
    FileTooLarge,
}

impl Problem {
    pub fn code(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::TooLong { .. } => "too_long",
            Self::InvalidIstatCode => "invalid_istat_code",
            Self::InvalidBelfioreCode => "invalid_belfiore_code",
            Self::InvalidProvince => "invalid_province",
            Self::InvalidPostalCode => "invalid_postal_code",
            Self::InvalidMonthDay => "invalid_month_day",
            Self::Negative => "negative",
            Self::Duplicate => "duplicate",
            Self::InvalidCode => "invalid_code",
            Self::PasswordTooShort => "password_too_short",
            Self::PasswordCommon => "password_common",
            Self::PasswordMismatch => "password_mismatch",
            Self::UnknownRole => "unknown_role",
            Self::UnknownMunicipality => "unknown_municipality",
            Self::UnknownOrganisation => "unknown_organisation",
            Self::InvalidUsername => "invalid_username",
            Self::OutOfRange => "out_of_range",
            Self::InvalidDate => "invalid_date",
            Self::WrongCode => "wrong_code",
            Self::WrongPassword => "wrong_password",
            Self::PasswordUnchanged => "password_unchanged",
            Self::UnknownCode => "unknown_code",
            Self::InFuture => "in_future",
            Self::InvalidDateTime => "invalid_date_time",
            Self::TooMany => "too_many",
            Self::InvalidFiscalCode => "invalid_fiscal_code",
            Self::StaleVersion => "stale_version",
            Self::BadTransition => "bad_transition",
            Self::WrongType => "wrong_type",
            Self::TooShort => "too_short",
            Self::InvalidHours => "invalid_hours",
            Self::OverlappingHours => "overlapping_hours",
            Self::NoFreePlaces => "no_free_places",
            Self::InvalidEmail => "invalid_email",
            Self::InvalidCsv => "invalid_csv",
            Self::UnknownField => "unknown_field",
            Self::ControlCharacter => "control_character",
            Self::OverlappingShift => "overlapping_shift",
            Self::InvalidPhone => "invalid_phone",
            Self::OnlyReport => "only_report",
            Self::FirstPerson => "first_person",
            Self::OtherHousehold => "other_household",
            Self::UserOrOrganisation => "user_or_organisation",
            Self::UnknownUser => "unknown_user",
            Self::NotTeamMember => "not_team_member",
            Self::NoConsentRecorded => "no_consent_recorded",
            Self::NotPdf => "not_pdf",
            Self::FileTooLarge => "file_too_large",
            Self::NotReportingPartner => "not_reporting_partner",
        }
    }

    /// Every problem, so the i18n catalogue can be checked for completeness.
    pub const ALL: [Problem; 50] = [
        Self::Required,
        Self::TooLong { max: 0 },
        Self::InvalidIstatCode,
        Self::InvalidBelfioreCode,
        Self::InvalidProvince,
        Self::InvalidPostalCode,
        Self::InvalidMonthDay,
        Self::Negative,
        Self::Duplicate,
        Self::InvalidCode,
        Self::PasswordTooShort,
        Self::PasswordCommon,
        Self::PasswordMismatch,
        Self::UnknownRole,
        Self::UnknownMunicipality,
        Self::UnknownOrganisation,
        Self::InvalidUsername,
        Self::OutOfRange,
        Self::InvalidDate,
        Self::WrongCode,
        Self::WrongPassword,
        Self::PasswordUnchanged,
        Self::UnknownCode,
        Self::InFuture,
        Self::InvalidDateTime,
        Self::TooMany,
        Self::InvalidFiscalCode,
        Self::StaleVersion,
        Self::BadTransition,
        Self::WrongType,
        Self::TooShort,
        Self::InvalidHours,
        Self::OverlappingHours,
        Self::NoFreePlaces,
        Self::InvalidEmail,
        Self::InvalidCsv,
        Self::UnknownField,
        Self::ControlCharacter,
        Self::OverlappingShift,
        Self::InvalidPhone,
        Self::OnlyReport,
        Self::FirstPerson,
        Self::OtherHousehold,
        Self::UserOrOrganisation,
        Self::UnknownUser,
        Self::NotTeamMember,
        Self::NoConsentRecorded,
        Self::NotPdf,
        Self::FileTooLarge,
        Self::NotReportingPartner,
    ];
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// One refused field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub problem: Problem,
}

/// All the refused fields of one input, in the order they were checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", self.0.iter().map(|e| e.field).collect::<Vec<_>>().join(", "))]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn one(field: &'static str, problem: Problem) -> Self {
        Self(vec![FieldError { field, problem }])
    }

    pub fn push(&mut self, field: &'static str, problem: Problem) {
        self.0.push(FieldError { field, problem });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The same refusals with `from` named `to`: for a form whose field has another name than
    /// the use case's.
    #[must_use]
    pub fn renamed(mut self, from: &str, to: &'static str) -> Self {
        for e in &mut self.0 {
            if e.field == from {
                e.field = to;
            }
        }
        self
    }

    /// `Ok(value)` when nothing was refused.
    pub fn into_result<T>(self, value: T) -> Result<T, Self> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

/// Reads `null` as the field's default (empty text, empty list): for optional fields of an input
/// that its readers may send as `null`.
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + serde::Deserialize<'de>,
{
    use serde::Deserialize;
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// The longest username.
pub const USERNAME_MAX: usize = 40;

/// A username: 3 to 40 lower-case letters, digits, dots, dashes or underscores.
pub fn username(errors: &mut Invalid, raw: &str) -> String {
    let value = raw.trim().to_lowercase();
    if value.is_empty() {
        errors.push("username", Problem::Required);
    } else if value.len() < 3
        || value.len() > USERNAME_MAX
        || !value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        errors.push("username", Problem::InvalidUsername);
    }
    value
}

/// Trims `raw` and checks it is present and at most `max` characters long.
pub fn required_text(errors: &mut Invalid, field: &'static str, raw: &str, max: usize) -> String {
    let value = raw.trim();
    if value.is_empty() {
        errors.push(field, Problem::Required);
    } else if value.chars().count() > max {
        errors.push(field, Problem::TooLong { max });
    } else if has_control(value) {
        errors.push(field, Problem::ControlCharacter);
    }
    value.to_owned()
}

/// Whether `text` is a telephone number as people write it: digits with spaces, dots, dashes,
/// slashes or brackets between them, an optional `+` first, 3 to 15 digits in all (1522 and
/// 112 included).
pub fn is_phone(text: &str) -> bool {
    let text = text.trim();
    let body = text.strip_prefix('+').unwrap_or(text);
    let digits = body.chars().filter(char::is_ascii_digit).count();
    (3..=15).contains(&digits)
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '/' | '(' | ')'))
}

/// The first day a period may start on: nothing the service keeps is older.
pub const EARLIEST_DAY: jiff::civil::Date = jiff::civil::date(2000, 1, 1);

/// The years ahead of `today` a period may reach.
pub const YEARS_AHEAD: i16 = 10;

/// Checks that the period `from..=to` starts no earlier than 1 January 2000, ends no later
/// than ten years after `today`, and does not end before it starts; refused on `from` or `to`.
pub fn check_period(
    errors: &mut Invalid,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
    today: jiff::civil::Date,
) {
    let latest = today
        .checked_add(jiff::Span::new().years(YEARS_AHEAD))
        .unwrap_or(jiff::civil::Date::MAX);
    if from < EARLIEST_DAY || from > latest {
        errors.push("from", Problem::OutOfRange);
    }
    if to < from || to > latest {
        errors.push("to", Problem::OutOfRange);
    }
}

/// Whether `text` holds a control character other than tab, new line and carriage return
/// (NUL and the like: never text, and PostgreSQL cannot store NUL).
pub fn has_control(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// A `from`/`to` pair of days typed as `AAAA-MM-GG` (Rome), as the instants that bound them:
/// from the start of `from` to the end of `to` (the start of the day after). Empty texts leave
/// that end open; a text that is not a day is refused on its field.
pub fn day_range(
    errors: &mut Invalid,
    from: &str,
    to: &str,
) -> (
    Option<crate::time::UtcMillis>,
    Option<crate::time::UtcMillis>,
) {
    use crate::time::{parse_date, rome_day_start};
    let mut day = |field: &'static str, raw: &str, end: bool| {
        if raw.trim().is_empty() {
            return None;
        }
        let Some(d) = parse_date(raw) else {
            errors.push(field, Problem::InvalidDate);
            return None;
        };
        Some(rome_day_start(if end {
            d.tomorrow().unwrap_or(d)
        } else {
            d
        }))
    };
    (day("from", from, false), day("to", to, true))
}

/// The `&'static str` name of a nested field path built at run time (`persons[0].age`), kept for
/// the life of the process. Indexes of 100 and more read `*`, and past 2000 distinct paths every
/// new one reads `body`, so hostile input cannot grow the set.
pub fn field_name(path: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{LazyLock, Mutex};
    static NAMES: LazyLock<Mutex<HashSet<&'static str>>> =
        LazyLock::new(|| Mutex::new(HashSet::new()));
    let path = collapse_indexes(path);
    let mut names = NAMES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(found) = names.get(path.as_str()) {
        return found;
    }
    if names.len() > 2000 {
        return "body";
    }
    let leaked: &'static str = Box::leak(path.into_boxed_str());
    names.insert(leaked);
    leaked
}

fn collapse_indexes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..=open]);
        let close = rest[open..].find(']').map_or(rest.len(), |c| open + c);
        let index = &rest[open + 1..close];
        match index.parse::<u32>() {
            Ok(n) if n < 100 => out.push_str(index),
            _ => out.push('*'),
        }
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod path_tests {
    use super::*;

    #[test]
    fn a_renamed_field_keeps_its_problem_and_the_others_stay() {
        let mut invalid = Invalid::one("reason", Problem::Required);
        invalid.push("note", Problem::TooLong { max: 4000 });
        let renamed = invalid.renamed("reason", "reopen_reason");
        assert_eq!(renamed.0[0].field, "reopen_reason");
        assert_eq!(renamed.0[0].problem, Problem::Required);
        assert_eq!(renamed.0[1].field, "note");
    }

    #[test]
    fn field_paths_are_interned_and_bounded() {
        assert_eq!(field_name("persons[3].age"), "persons[3].age");
        assert!(std::ptr::eq(
            field_name("persons[3].age"),
            field_name("persons[3].age")
        ));
        assert_eq!(field_name("risk_flags[123456]"), "risk_flags[*]");
    }

    #[test]
    fn phones_are_digits_as_people_write_them() {
        for ok in [
            "+39 333 123 4567",
            "02/930.1111",
            "1522",
            "112",
            "(02) 9330-1234",
        ] {
            assert!(is_phone(ok), "{ok}");
        }
        for bad in [
            "chiamami",
            "xx",
            "abc",
            "12",
            "+",
            "333 abc",
            "++39 333",
            "1234567890123456",
        ] {
            assert!(!is_phone(bad), "{bad}");
        }
    }

    #[test]
    fn periods_stay_between_2000_and_ten_years_ahead() {
        use jiff::civil::date;
        let today = date(2026, 12, 1);
        let check = |from, to| {
            let mut errors = Invalid::default();
            check_period(&mut errors, from, to, today);
            errors.0.iter().map(|e| e.field).collect::<Vec<_>>()
        };
        assert!(check(date(2000, 1, 1), date(2036, 12, 1)).is_empty());
        assert_eq!(check(date(1, 1, 1), date(2026, 1, 1)), ["from"]);
        assert_eq!(check(date(2026, 1, 1), date(9999, 12, 31)), ["to"]);
        assert_eq!(check(date(2026, 2, 1), date(2026, 1, 1)), ["to"]);
    }

    #[test]
    fn day_ranges_cover_whole_rome_days() {
        let mut errors = Invalid::default();
        let (from, to) = day_range(&mut errors, "2026-11-01", "2026-11-01");
        assert_eq!(to.unwrap().0 - from.unwrap().0, 86_400_000);
        let (from, to) = day_range(&mut errors, "ieri", "");
        assert_eq!((from, to), (None, None));
        assert_eq!(errors.0[0].field, "from");
    }
}

/// A mobile number for SMS as typed, in the international form the gateways take: spaces,
/// dots, dashes, slashes and brackets dropped, `00` read as `+`, an Italian number without a
/// prefix given `+39`; 8 to 15 digits. Empty is `None`.
pub fn optional_mobile(raw: &str) -> Result<Option<String>, Problem> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if !is_phone(value) {
        return Err(Problem::InvalidPhone);
    }
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    let international = if value.starts_with('+') {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_owned()
    } else {
        format!("39{digits}")
    };
    if !(8..=15).contains(&international.len()) {
        return Err(Problem::InvalidPhone);
    }
    Ok(Some(format!("+{international}")))
}

/// An e-mail address as typed (trimmed): one `@` with something on both sides, a dot in the
/// domain, no spaces, at most 254 characters. Empty is `None`.
pub fn optional_email(raw: &str) -> Result<Option<String>, Problem> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let ok = value.len() <= 254
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if ok {
        Ok(Some(value.to_owned()))
    } else {
        Err(Problem::InvalidEmail)
    }
}

#[cfg(test)]
mod email_tests {
    #[test]
    fn a_mobile_number_takes_the_international_form() {
        assert_eq!(optional_mobile(""), Ok(None));
        assert_eq!(
            optional_mobile("333 123 4567"),
            Ok(Some("+393331234567".into()))
        );
        assert_eq!(
            optional_mobile("+39 333-123.4567"),
            Ok(Some("+393331234567".into()))
        );
        assert_eq!(
            optional_mobile("0041 79 123 45 67"),
            Ok(Some("+41791234567".into()))
        );
        assert_eq!(
            optional_mobile("(+44) 7700 900123"),
            Err(Problem::InvalidPhone)
        );
        assert_eq!(optional_mobile("12"), Err(Problem::InvalidPhone));
        assert_eq!(optional_mobile("333 abc"), Err(Problem::InvalidPhone));
        assert_eq!(optional_mobile("333\u{0}123"), Err(Problem::InvalidPhone));
        assert_eq!(optional_mobile(&"9".repeat(20)), Err(Problem::InvalidPhone));
    }

    use super::*;

    #[test]
    fn an_alert_address_is_checked_loosely_but_surely() {
        assert_eq!(optional_email("  "), Ok(None));
        assert_eq!(
            optional_email(" m.rossi@coop.example.it "),
            Ok(Some("m.rossi@coop.example.it".into()))
        );
        for bad in [
            "rossi", "rossi@", "@coop.it", "a@b", "a b@c.it", "a@@c.it", "a@c.it.",
        ] {
            assert_eq!(optional_email(bad), Err(Problem::InvalidEmail), "{bad}");
        }
    }
}
