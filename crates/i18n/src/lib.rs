//! The one i18n layer: every string a person reads (pages, API messages, e-mails, the command
//! line) comes from a Fluent catalogue (`locales/<lang>.ftl`), and numbers and dates are
//! formatted here, for the reader's locale.
//!
//! Italian is the only locale today; a new one is a new `.ftl` file plus its entry in [`Locale`].

use std::fmt::Write as _;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use jiff::civil::Date;
use presidio_domain::time::UtcMillis;
use presidio_domain::validation::FieldError;
use unic_langid::LanguageIdentifier;

/// The Italian locale's identifier.
const ITALIAN_ID: &str = "it-IT";

/// The Italian catalogue, compiled into the binary.
pub const ITALIAN_FTL: &str = include_str!("../locales/it.ftl");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locale {
    Italian,
}

/// The catalogues of this process, loaded on first use.
pub fn catalogue() -> &'static I18n {
    static CATALOGUE: std::sync::LazyLock<I18n> = std::sync::LazyLock::new(I18n::load);
    &CATALOGUE
}

/// The loaded catalogues. Built once at start-up; shared by every request.
pub struct I18n {
    italian: FluentBundle<FluentResource>,
}

impl std::fmt::Debug for I18n {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("I18n")
    }
}

impl I18n {
    /// Loads every catalogue. A syntax error in a catalogue is a bug caught by the tests.
    pub fn load() -> Self {
        let resource = FluentResource::try_new(ITALIAN_FTL.to_owned())
            .unwrap_or_else(|(_, errors)| panic!("locales/it.ftl does not parse: {errors:?}"));
        let mut italian = FluentBundle::new_concurrent(vec![
            ITALIAN_ID
                .parse::<LanguageIdentifier>()
                .expect("valid language id"),
        ]);
        // No Unicode isolation marks: the output is HTML and JSON, not bidirectional text.
        italian.set_use_isolating(false);
        italian
            .add_resource(resource)
            .expect("locales/it.ftl has duplicate message ids");
        Self { italian }
    }

    /// The translator for one locale.
    pub fn tr(&self, locale: Locale) -> Tr<'_> {
        match locale {
            Locale::Italian => Tr {
                bundle: &self.italian,
                locale,
            },
        }
    }

    /// Whether the catalogue of `locale` has message `id`.
    pub fn has(&self, locale: Locale, id: &str) -> bool {
        self.tr(locale).bundle.has_message(id)
    }
}

/// Translates and formats for one locale. Cheap to copy into every template.
#[derive(Clone, Copy)]
pub struct Tr<'a> {
    bundle: &'a FluentBundle<FluentResource>,
    locale: Locale,
}

impl std::fmt::Debug for Tr<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tr({:?})", self.locale)
    }
}

impl Tr<'_> {
    /// Whether the catalogue has message `id`.
    pub fn has(self, id: &str) -> bool {
        self.bundle.has_message(id)
    }

    /// The message `id`. A missing id shows as the id itself (and is logged), never as a blank.
    pub fn t(self, id: &str) -> String {
        self.format(id, None)
    }

    /// The message `id` with named arguments (strings, or numbers for plural selection).
    pub fn t_args(self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            let value = match value {
                Arg::Str(s) => FluentValue::from(*s),
                Arg::Num(n) => FluentValue::from(*n),
            };
            fluent_args.set(*name, value);
        }
        self.format(id, Some(&fluent_args))
    }

    /// Shorthand for a message with one string argument.
    pub fn t1(self, id: &str, name: &str, value: &str) -> String {
        self.t_args(id, &[(name, Arg::Str(value))])
    }

    /// Shorthand for a message with two string arguments.
    pub fn t2(self, id: &str, a: &str, a_value: &str, b: &str, b_value: &str) -> String {
        self.t_args(id, &[(a, Arg::Str(a_value)), (b, Arg::Str(b_value))])
    }

    fn format(self, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        let Some(pattern) = self.bundle.get_message(id).and_then(|m| m.value()) else {
            tracing::warn!(message_id = id, "missing translation");
            return id.to_owned();
        };
        let mut errors = Vec::new();
        let text = self.bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::warn!(message_id = id, ?errors, "translation error");
        }
        text.into_owned()
    }

    /// The message for one refused field, naming the field: "Codice ISTAT: deve essere di 6 cifre…".
    pub fn field_error(self, error: &FieldError) -> String {
        // A field the request does not take has no label: its name as sent is what helps.
        let label = if error.problem == presidio_domain::validation::Problem::UnknownField {
            error.field.to_owned()
        } else {
            self.field_label(error.field)
        };
        // `key` (the API field) lets a message vary by field with a Fluent selector.
        let key = error.field.rsplit('.').next().unwrap_or(error.field);
        let max = match error.problem {
            presidio_domain::validation::Problem::TooLong { max } => {
                self.number(i64::try_from(max).unwrap_or(i64::MAX))
            }
            _ => String::new(),
        };
        self.t_args(
            &format!("validation-{}", error.problem.code()),
            &[
                ("field", Arg::Str(&label)),
                ("key", Arg::Str(key)),
                ("max", Arg::Str(&max)),
            ],
        )
    }

    /// The label of a field, also of a nested one: `persons[1].fiscal_code` reads
    /// "Persona 2 · Codice fiscale", `risk_flags[0]` "Situazioni di rischio (1)".
    pub fn field_label(self, path: &str) -> String {
        path.split('.')
            .map(|segment| match segment.split_once('[') {
                Some((name, index)) => {
                    let n = index
                        .trim_end_matches(']')
                        .parse::<i64>()
                        .map_or(0, |i| i + 1);
                    // `[0]` alone: an element of a body that is a list.
                    let id = if name.is_empty() {
                        "field-item".to_owned()
                    } else {
                        format!("field-{name}-item")
                    };
                    self.t_args(&id, &[("n", Arg::Num(n))])
                }
                None => self.field_name_label(segment),
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// The label of one field name; a name with no label (a field no form shows) reads as sent.
    fn field_name_label(self, name: &str) -> String {
        let id = format!("field-{name}");
        if self.bundle.get_message(&id).is_some() {
            self.t(&id)
        } else {
            name.to_owned()
        }
    }

    /// An integer with thousands separators: `50.052`.
    pub fn number(self, n: i64) -> String {
        let digits = n.unsigned_abs().to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
        if n < 0 {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(self.group_separator());
            }
            out.push(c);
        }
        out
    }

    /// An amount in cents as euros: `89.572,80 €`.
    pub fn euro(self, cents: i64) -> String {
        let sign = if cents < 0 { "-" } else { "" };
        let whole = self.number((cents / 100).abs());
        format!("{sign}{whole},{:02}\u{a0}€", (cents % 100).abs())
    }

    fn group_separator(self) -> char {
        match self.locale {
            Locale::Italian => '.',
        }
    }

    /// A date as `22/11/2026`.
    pub fn date(self, date: Date) -> String {
        format!("{:02}/{:02}/{:04}", date.day(), date.month(), date.year())
    }

    /// An instant on a Rome wall clock: `22/11/2026 14:05`.
    pub fn date_time(self, at: UtcMillis) -> String {
        let local = at.in_rome();
        let mut out = self.date(local.date());
        let _ = write!(out, " {:02}:{:02}", local.hour(), local.minute());
        out
    }

    /// The time of day in Rome: `03:40`.
    pub fn time(self, at: UtcMillis) -> String {
        let local = at.in_rome();
        format!("{:02}:{:02}", local.hour(), local.minute())
    }

    /// A date in words: `domenica 22 novembre 2026`.
    pub fn date_long(self, date: Date) -> String {
        let weekday =
            self.t(WEEKDAYS[usize::from(date.weekday().to_monday_zero_offset().unsigned_abs())]);
        format!(
            "{weekday} {} {} {}",
            date.day(),
            self.month_name(date.month()),
            date.year()
        )
    }

    /// A day of the year without the year: `8 maggio`.
    pub fn day_month(self, month: u8, day: u8) -> String {
        format!(
            "{day} {}",
            self.month_name(i8::try_from(month).unwrap_or(1))
        )
    }

    fn month_name(self, month: i8) -> String {
        let index = usize::try_from(month.clamp(1, 12) - 1).unwrap_or(0);
        self.t(MONTHS[index])
    }
}

/// An argument for [`Tr::t_args`].
#[derive(Clone, Copy, Debug)]
pub enum Arg<'a> {
    Str(&'a str),
    Num(i64),
}

const MONTHS: [&str; 12] = [
    "month-1", "month-2", "month-3", "month-4", "month-5", "month-6", "month-7", "month-8",
    "month-9", "month-10", "month-11", "month-12",
];

const WEEKDAYS: [&str; 7] = [
    "weekday-1",
    "weekday-2",
    "weekday-3",
    "weekday-4",
    "weekday-5",
    "weekday-6",
    "weekday-7",
];

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn it() -> I18n {
        I18n::load()
    }

    #[test]
    fn numbers_use_the_italian_grouping() {
        let i18n = it();
        let tr = i18n.tr(Locale::Italian);
        assert_eq!(tr.number(0), "0");
        assert_eq!(tr.number(999), "999");
        assert_eq!(tr.number(1000), "1.000");
        assert_eq!(tr.number(50_052), "50.052");
        assert_eq!(tr.number(-1_234_567), "-1.234.567");
        assert_eq!(tr.euro(8_957_280), "89.572,80\u{a0}€");
        assert_eq!(tr.euro(5), "0,05\u{a0}€");
        assert_eq!(tr.euro(-150), "-1,50\u{a0}€");
    }

    #[test]
    fn dates_read_as_in_italy() {
        let i18n = it();
        let tr = i18n.tr(Locale::Italian);
        assert_eq!(tr.date(date(2026, 5, 8)), "08/05/2026");
        assert_eq!(
            tr.date_long(date(2026, 11, 22)),
            "domenica 22 novembre 2026"
        );
        assert_eq!(tr.date_long(date(2026, 10, 4)), "domenica 4 ottobre 2026");
        assert_eq!(tr.day_month(5, 8), "8 maggio");
        // 31 Dec 2025 23:30 UTC is already 1 January in Rome.
        let new_year = UtcMillis(
            jiff::Timestamp::from_second(1_767_223_800)
                .unwrap()
                .as_millisecond(),
        );
        assert_eq!(tr.date_time(new_year), "01/01/2026 00:30");
    }

    #[test]
    fn plurals_follow_italian_rules() {
        let i18n = it();
        let tr = i18n.tr(Locale::Italian);
        assert_eq!(
            tr.t_args("municipalities-count", &[("count", Arg::Num(1))]),
            "1 comune"
        );
        assert_eq!(
            tr.t_args("municipalities-count", &[("count", Arg::Num(9))]),
            "9 comuni"
        );
    }

    #[test]
    fn a_missing_message_shows_its_id() {
        let i18n = it();
        assert_eq!(
            i18n.tr(Locale::Italian).t("no-such-message"),
            "no-such-message"
        );
    }
}

#[cfg(test)]
mod field_label_tests {
    use super::*;

    #[test]
    fn nested_fields_read_in_italian() {
        let t = catalogue().tr(Locale::Italian);
        assert_eq!(
            t.field_label("persons[1].fiscal_code"),
            "Persona 2 · Codice fiscale"
        );
        assert_eq!(t.field_label("reporter.kind"), "Segnalante · Tipo");
        let e = presidio_domain::validation::FieldError {
            field: "risk_flags[0]",
            problem: presidio_domain::validation::Problem::UnknownCode,
        };
        assert_eq!(
            t.field_error(&e),
            "Situazione di rischio 1: valore non previsto; scegliere tra quelli dell'elenco."
        );
    }
}
