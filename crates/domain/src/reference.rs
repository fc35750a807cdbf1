//! Reference data: Ambiti (the tenants) and their municipalities.
//!
//! A municipality is identified by its 6-digit ISTAT code; it also has a Belfiore (cadastral)
//! code, used in fiscal codes and by the national information system (SIUSS).

use serde::{Deserialize, Serialize};

use crate::validation::{Invalid, Problem, required_text};

/// Primary key of an Ambito.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AmbitoId(pub i64);

/// An Ambito Territoriale Sociale: the group of municipalities that runs the service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ambito {
    pub id: AmbitoId,
    /// Short stable code, e.g. `rhodense`.
    pub code: String,
    pub name: String,
    /// What its protocol numbers start with, e.g. `PIS` in `PIS-2026-0042`; unique in the
    /// installation, so a code names one report even where a user sees several Ambiti.
    pub report_prefix: String,
    pub version: i64,
}

/// An Ambito as typed by an administrator.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AmbitoInput {
    pub code: String,
    pub name: String,
    /// Empty: derived from the code (`bollatese` → `BOLLATESE`).
    #[serde(default)]
    pub report_prefix: String,
}

/// The validated facts of an Ambito.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmbitoData {
    pub code: String,
    pub name: String,
    /// 1 to 12 capital letters or digits, starting with a letter.
    pub report_prefix: String,
}

/// The longest protocol prefix.
pub const REPORT_PREFIX_MAX: usize = 12;

/// The protocol prefix an Ambito gets when none is given: its code in capitals without hyphens.
pub fn default_report_prefix(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .take(REPORT_PREFIX_MAX)
        .collect()
}

fn valid_report_prefix(prefix: &str) -> bool {
    (1..=REPORT_PREFIX_MAX).contains(&prefix.len())
        && prefix.starts_with(|c: char| c.is_ascii_uppercase())
        && prefix
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

impl AmbitoInput {
    /// The code is 2 to 40 lowercase letters, digits or hyphens (it appears in URLs and files).
    pub fn validate(&self) -> Result<AmbitoData, Invalid> {
        let mut errors = Invalid::default();
        let code = self.code.trim().to_owned();
        let code_ok = (2..=40).contains(&code.len())
            && code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !code.starts_with('-');
        if code.is_empty() {
            errors.push("code", Problem::Required);
        } else if !code_ok {
            errors.push("code", Problem::InvalidCode);
        }
        let name = required_text(&mut errors, "name", &self.name, 200);
        let typed = self.report_prefix.trim();
        let report_prefix = if typed.is_empty() {
            default_report_prefix(&code)
        } else {
            typed.to_owned()
        };
        if code_ok && !valid_report_prefix(&report_prefix) {
            errors.push("report_prefix", Problem::InvalidCode);
        }
        errors.into_result(AmbitoData {
            code,
            name,
            report_prefix,
        })
    }
}

/// A 6-digit ISTAT municipality code, e.g. `015182` for Rho.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IstatCode(String);

impl IstatCode {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let value = raw.trim();
        if value.len() == 6 && value.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(value.to_owned()))
        } else {
            Err(Problem::InvalidIstatCode)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for IstatCode {
    type Error = Problem;
    fn try_from(value: String) -> Result<Self, Problem> {
        Self::parse(&value)
    }
}

impl From<IstatCode> for String {
    fn from(code: IstatCode) -> Self {
        code.0
    }
}

impl std::fmt::Display for IstatCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Belfiore (cadastral) code: one letter and three digits, e.g. `H264` for Rho.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BelfioreCode(String);

impl BelfioreCode {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let value = raw.trim().to_ascii_uppercase();
        let bytes = value.as_bytes();
        if bytes.len() == 4
            && bytes[0].is_ascii_uppercase()
            && bytes[1..].iter().all(u8::is_ascii_digit)
        {
            Ok(Self(value))
        } else {
            Err(Problem::InvalidBelfioreCode)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A day of the year without a year (a patron saint's day), written `MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MonthDay {
    pub month: u8,
    pub day: u8,
}

impl MonthDay {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let (m, d) = raw.trim().split_once('-').ok_or(Problem::InvalidMonthDay)?;
        if m.len() != 2 || d.len() != 2 {
            return Err(Problem::InvalidMonthDay);
        }
        let month: u8 = m.parse().map_err(|_| Problem::InvalidMonthDay)?;
        let day: u8 = d.parse().map_err(|_| Problem::InvalidMonthDay)?;
        let max = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 => 29,
            _ => return Err(Problem::InvalidMonthDay),
        };
        if (1..=max).contains(&day) {
            Ok(Self { month, day })
        } else {
            Err(Problem::InvalidMonthDay)
        }
    }
}

impl std::fmt::Display for MonthDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

/// A municipality as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Municipality {
    pub ambito_id: AmbitoId,
    pub data: MunicipalityData,
    pub version: i64,
}

/// The editable, validated facts about a municipality.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MunicipalityData {
    pub istat_code: IstatCode,
    pub belfiore_code: BelfioreCode,
    pub name: String,
    /// Two-letter province abbreviation, e.g. `MI`.
    pub province: String,
    pub postal_code: Option<String>,
    /// Reference population; dated data, replaceable by the administrator.
    pub population: Option<u32>,
    /// The local holiday on which the municipal offices close, when known.
    pub patron_holiday: Option<MonthDay>,
}

/// A municipality as typed by a person or read from a file: every field still a string.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MunicipalityInput {
    pub istat_code: String,
    pub belfiore_code: String,
    pub name: String,
    pub province: String,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub population: String,
    #[serde(default)]
    pub patron_holiday: String,
}

impl MunicipalityInput {
    /// Checks every field and reports all problems at once.
    pub fn validate(&self) -> Result<MunicipalityData, Invalid> {
        let mut errors = Invalid::default();
        let istat_code = IstatCode::parse(&self.istat_code)
            .map_err(|p| errors.push("istat_code", p))
            .ok();
        let belfiore_code = BelfioreCode::parse(&self.belfiore_code)
            .map_err(|p| errors.push("belfiore_code", p))
            .ok();
        let name = required_text(&mut errors, "name", &self.name, 120);
        let province = self.province.trim().to_ascii_uppercase();
        if province.len() != 2 || !province.bytes().all(|b| b.is_ascii_uppercase()) {
            errors.push("province", Problem::InvalidProvince);
        }
        let postal_code = optional(&self.postal_code).and_then(|cap| {
            if cap.len() == 5 && cap.bytes().all(|b| b.is_ascii_digit()) {
                Some(cap.to_owned())
            } else {
                errors.push("postal_code", Problem::InvalidPostalCode);
                None
            }
        });
        let population = optional(&self.population).and_then(|raw| {
            let digits: String = raw.chars().filter(|c| *c != '.').collect();
            if digits.starts_with('-') {
                errors.push("population", Problem::Negative);
                return None;
            }
            digits
                .parse::<u32>()
                .map_err(|_| errors.push("population", Problem::Negative))
                .ok()
        });
        let patron_holiday = optional(&self.patron_holiday).and_then(|raw| {
            MonthDay::parse(raw)
                .map_err(|p| errors.push("patron_holiday", p))
                .ok()
        });
        match (istat_code, belfiore_code) {
            (Some(istat_code), Some(belfiore_code)) if errors.is_empty() => Ok(MunicipalityData {
                istat_code,
                belfiore_code,
                name,
                province,
                postal_code,
                population,
                patron_holiday,
            }),
            _ => Err(errors),
        }
    }
}

fn optional(raw: &str) -> Option<&str> {
    let value = raw.trim();
    (!value.is_empty()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rho() -> MunicipalityInput {
        MunicipalityInput {
            istat_code: "015182".into(),
            belfiore_code: "h264".into(),
            name: " Rho ".into(),
            province: "mi".into(),
            postal_code: "20017".into(),
            population: "50.052".into(),
            patron_holiday: "05-08".into(),
        }
    }

    #[test]
    fn a_valid_municipality_is_normalised() {
        let data = rho().validate().unwrap();
        assert_eq!(data.istat_code.as_str(), "015182");
        assert_eq!(data.belfiore_code.as_str(), "H264");
        assert_eq!(data.name, "Rho");
        assert_eq!(data.province, "MI");
        assert_eq!(data.population, Some(50_052));
        assert_eq!(data.patron_holiday, Some(MonthDay { month: 5, day: 8 }));
    }

    #[test]
    fn every_bad_field_is_named() {
        let input = MunicipalityInput {
            istat_code: "15182".into(),
            belfiore_code: "2640".into(),
            name: "  ".into(),
            province: "Milano".into(),
            postal_code: "2001".into(),
            population: "-3".into(),
            patron_holiday: "02-30".into(),
        };
        let fields: Vec<_> = input
            .validate()
            .unwrap_err()
            .0
            .iter()
            .map(|e| (e.field, e.problem))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("istat_code", Problem::InvalidIstatCode),
                ("belfiore_code", Problem::InvalidBelfioreCode),
                ("name", Problem::Required),
                ("province", Problem::InvalidProvince),
                ("postal_code", Problem::InvalidPostalCode),
                ("population", Problem::Negative),
                ("patron_holiday", Problem::InvalidMonthDay),
            ]
        );
    }

    #[test]
    fn optional_fields_may_be_empty() {
        let input = MunicipalityInput {
            postal_code: String::new(),
            population: " ".into(),
            patron_holiday: String::new(),
            ..rho()
        };
        let data = input.validate().unwrap();
        assert_eq!(
            (data.postal_code, data.population, data.patron_holiday),
            (None, None, None)
        );
    }

    #[test]
    fn month_day_accepts_29_february_and_rejects_impossible_days() {
        assert!(MonthDay::parse("02-29").is_ok());
        for bad in [
            "04-31", "13-01", "00-10", "12-00", "5-8", "05/08", "aa-bb", "",
        ] {
            assert_eq!(MonthDay::parse(bad), Err(Problem::InvalidMonthDay), "{bad}");
        }
        assert_eq!(MonthDay::parse("12-07").unwrap().to_string(), "12-07");
    }

    #[test]
    fn ambito_code_is_a_lowercase_slug() {
        let ok = AmbitoInput {
            code: "alto-milanese".into(),
            name: "Ambito Altomilanese".into(),
            report_prefix: String::new(),
        };
        let data = ok.validate().unwrap();
        assert_eq!(data.code, "alto-milanese");
        assert_eq!(data.report_prefix, "ALTOMILANESE");
        for bad in ["R", "Rhodense", "rho dense", "-rho", "rhodense!"] {
            let input = AmbitoInput {
                code: bad.into(),
                name: "x".into(),
                report_prefix: String::new(),
            };
            assert_eq!(
                input.validate().unwrap_err().0[0].problem,
                Problem::InvalidCode,
                "{bad}"
            );
        }
        let empty = AmbitoInput::default().validate().unwrap_err();
        assert_eq!(empty.0.len(), 2);
    }

    #[test]
    fn report_prefix_is_short_capitals_or_digits() {
        let with = |prefix: &str| AmbitoInput {
            code: "bollatese".into(),
            name: "Ambito Bollatese".into(),
            report_prefix: prefix.into(),
        };
        assert_eq!(with(" BOL ").validate().unwrap().report_prefix, "BOL");
        assert_eq!(with("P1").validate().unwrap().report_prefix, "P1");
        for bad in ["bol", "1PIS", "PIS-B", "ABCDEFGHIJKLM", "PI S", "PIS\0"] {
            let err = with(bad).validate().unwrap_err();
            assert_eq!(err.0[0].field, "report_prefix", "{bad}");
        }
        // A code that starts with a digit gives a prefix that must be typed instead.
        let digits = AmbitoInput {
            code: "42-ambito".into(),
            name: "x".into(),
            report_prefix: String::new(),
        };
        assert_eq!(digits.validate().unwrap_err().0[0].field, "report_prefix");
    }

    #[test]
    fn istat_code_is_six_digits() {
        assert!(IstatCode::parse("015009").is_ok());
        for bad in ["15009", "0150090", "01500a", "015 09"] {
            assert!(IstatCode::parse(bad).is_err(), "{bad}");
        }
    }
}
