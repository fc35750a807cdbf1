//! The historical import: the records kept in spreadsheets since July 2023, as CSV. The whole
//! file is checked first; every error names its line and column, and nothing is imported while
//! any remains. Each row has a stable key, so importing the same file again adds nothing.

use crate::reference::IstatCode;
use crate::report::triage::{NotPertinentReason, Outcome};
use crate::report::{Channel, ReporterKind, TargetGroup};
use crate::time::UtcMillis;
use crate::validation::Problem;

/// The columns, in any order; the first six are required.
pub const COLUMNS: [&str; 9] = [
    "received_at",
    "municipality",
    "channel",
    "reporter_kind",
    "target_group",
    "outcome",
    "not_pertinent_reason",
    "description",
    "persons",
];
const REQUIRED: usize = 6;

/// A refused cell (or row, or header): its line in the file (1 is the header) and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub line: u64,
    /// The column's name; empty for a problem of the whole row or file.
    pub column: String,
    pub problem: Problem,
}

/// One historical report, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoricalReport {
    pub received_at: UtcMillis,
    pub municipality: IstatCode,
    pub channel: Channel,
    pub reporter_kind: ReporterKind,
    pub target_group: TargetGroup,
    pub outcome: Outcome,
    pub not_pertinent_reason: Option<NotPertinentReason>,
    pub description: String,
    pub persons: u32,
    /// A digest of the row's content: the same row imported twice is the same report.
    pub key: String,
}

/// A municipality the file may name, by ISTAT code or by its exact name.
pub struct KnownMunicipality<'a> {
    pub code: &'a IstatCode,
    pub name: &'a str,
}

fn received(raw: &str) -> Option<UtcMillis> {
    let raw = raw.trim();
    if let Ok(ts) = raw.parse::<jiff::Timestamp>() {
        return Some(UtcMillis::from_timestamp(ts));
    }
    let civil = jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M", raw).ok()?;
    let zoned = civil.to_zoned(crate::time::rome()).ok()?;
    Some(UtcMillis(zoned.timestamp().as_millisecond()))
}

/// Checks a whole file (UTF-8, with or without BOM; `;` or `,` separated; quoted fields).
pub fn parse(
    bytes: &[u8],
    municipalities: &[KnownMunicipality<'_>],
    now: UtcMillis,
) -> Result<Vec<HistoricalReport>, Vec<ImportError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let header_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let delimiter = if header_line.contains(&b';') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(bytes);
    let whole = |line, problem| ImportError {
        line,
        column: String::new(),
        problem,
    };
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(_) => return Err(vec![whole(1, Problem::InvalidCsv)]),
    };
    let index: Vec<Option<usize>> = COLUMNS
        .iter()
        .map(|c| headers.iter().position(|h| h.trim() == *c))
        .collect();
    let mut errors: Vec<ImportError> = COLUMNS[..REQUIRED]
        .iter()
        .zip(&index)
        .filter(|(_, i)| i.is_none())
        .map(|(c, _)| ImportError {
            line: 1,
            column: (*c).to_owned(),
            problem: Problem::Required,
        })
        .collect();
    for h in headers.iter().filter(|h| !COLUMNS.contains(&h.trim())) {
        errors.push(ImportError {
            line: 1,
            column: h.trim().to_owned(),
            problem: Problem::UnknownCode,
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                errors.push(whole(line, Problem::InvalidCsv));
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        let cell = |c: usize| index[c].and_then(|i| record.get(i)).unwrap_or("").trim();
        if let Some(bad) = record.iter().position(crate::validation::has_control) {
            errors.push(ImportError {
                line,
                column: headers.get(bad).unwrap_or_default().trim().to_owned(),
                problem: Problem::ControlCharacter,
            });
            continue;
        }
        match row(&cell, municipalities, now) {
            Ok(r) => rows.push(r),
            Err(problems) => {
                errors.extend(problems.into_iter().map(|(column, problem)| ImportError {
                    line,
                    column: column.to_owned(),
                    problem,
                }));
            }
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

type Problems = Vec<(&'static str, Problem)>;

/// When a historical report arrived: from 1 January 2000 to `now`.
fn arrival(raw: &str, now: UtcMillis) -> Result<UtcMillis, Problem> {
    match received(raw) {
        Some(at) if at.0 > now.0 => Err(Problem::InFuture),
        Some(at) if at.0 < crate::time::EARLIEST_REPORT.0 => Err(Problem::OutOfRange),
        Some(at) => Ok(at),
        None => Err(Problem::InvalidDateTime),
    }
}

fn row<'a>(
    cell: &dyn Fn(usize) -> &'a str,
    municipalities: &[KnownMunicipality<'_>],
    now: UtcMillis,
) -> Result<HistoricalReport, Problems> {
    let mut problems: Problems = Vec::new();
    let mut need = |column: &'static str, raw: &str, problem: Problem| {
        if raw.is_empty() {
            problems.push((column, Problem::Required));
        } else {
            problems.push((column, problem));
        }
    };
    let received_at = arrival(cell(0), now);
    if let Err(problem) = received_at {
        need("received_at", cell(0), problem);
    }
    let received_at = received_at.ok();
    let municipality = municipalities
        .iter()
        .find(|m| m.code.as_str() == cell(1) || m.name == cell(1))
        .map(|m| m.code.clone());
    if municipality.is_none() {
        need("municipality", cell(1), Problem::UnknownMunicipality);
    }
    let channel = Channel::parse(cell(2));
    if channel.is_none() {
        need("channel", cell(2), Problem::UnknownCode);
    }
    let reporter_kind = ReporterKind::parse(cell(3));
    if reporter_kind.is_none() {
        need("reporter_kind", cell(3), Problem::UnknownCode);
    }
    let target_group = TargetGroup::parse(cell(4));
    if target_group.is_none() {
        need("target_group", cell(4), Problem::UnknownCode);
    }
    let outcome = Outcome::parse(cell(5));
    if outcome.is_none() {
        need("outcome", cell(5), Problem::UnknownCode);
    }
    let reason = match cell(6) {
        "" => None,
        raw => {
            let r = NotPertinentReason::parse(raw);
            if r.is_none() {
                problems.push(("not_pertinent_reason", Problem::UnknownCode));
            } else if outcome.is_some_and(|o| o != Outcome::NonPertinente) {
                problems.push(("not_pertinent_reason", Problem::BadTransition));
            }
            r
        }
    };
    let description = cell(7);
    if description.chars().count() > 10_000 {
        problems.push(("description", Problem::TooLong { max: 10_000 }));
    }
    let persons = match cell(8) {
        "" => 0,
        raw => raw
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= 99)
            .unwrap_or_else(|| {
                problems.push(("persons", Problem::OutOfRange));
                0
            }),
    };
    match (
        received_at,
        municipality,
        channel,
        reporter_kind,
        target_group,
        outcome,
    ) {
        (
            Some(received_at),
            Some(municipality),
            Some(channel),
            Some(reporter_kind),
            Some(target_group),
            Some(outcome),
        ) if problems.is_empty() => {
            let mut report = HistoricalReport {
                received_at,
                municipality,
                channel,
                reporter_kind,
                target_group,
                outcome,
                not_pertinent_reason: reason,
                description: description.to_owned(),
                persons,
                key: String::new(),
            };
            report.key = digest(&report);
            Ok(report)
        }
        _ => Err(problems),
    }
}

/// The key of a row: a digest of everything it says.
fn digest(r: &HistoricalReport) -> String {
    crate::audit::sha256_hex(
        format!(
            "{}|{}|{}|{}|{}|{}|{}|{}|{}",
            r.received_at.0,
            r.municipality.as_str(),
            r.channel.code(),
            r.reporter_kind.code(),
            r.target_group.code(),
            r.outcome.code(),
            r.not_pertinent_reason.map_or("", NotPertinentReason::code),
            r.description,
            r.persons
        )
        .as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UtcMillis = UtcMillis(1_800_000_000_000);

    fn known() -> Vec<IstatCode> {
        vec![IstatCode::parse("015182").unwrap()]
    }

    fn check(text: &str) -> Result<Vec<HistoricalReport>, Vec<ImportError>> {
        let codes = known();
        let list = [KnownMunicipality {
            code: &codes[0],
            name: "Rho",
        }];
        parse(text.as_bytes(), &list, NOW)
    }

    #[test]
    fn a_good_file_reads_either_separator_with_bom_and_quotes() {
        let semi = "\u{feff}received_at;municipality;channel;reporter_kind;target_group;outcome;not_pertinent_reason;description;persons\n\
            2023-07-14 23:10;Rho;telefono;carabinieri;msna;emergenza;;\"Ragazzo; solo\nin stazione\";1\n\
            2024-01-02T08:00:00Z;015182;telefono;polizia_locale;altro;non_pertinente;casistica;;\n";
        let rows = check(semi).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].description, "Ragazzo; solo\nin stazione");
        assert_eq!(
            rows[0].received_at.timestamp().to_string(),
            "2023-07-14T21:10:00Z",
            "Rome time in summer"
        );
        assert_eq!(
            rows[1].not_pertinent_reason,
            Some(NotPertinentReason::Casistica)
        );
        let comma = "received_at,municipality,channel,reporter_kind,target_group,outcome\n\
            2023-07-14 23:10,Rho,telefono,carabinieri,msna,emergenza\n";
        let again = check(comma).unwrap();
        assert_ne!(
            again[0].key, rows[0].key,
            "a different description is another report"
        );
    }

    #[test]
    fn every_error_is_listed_with_line_and_column() {
        let text = "received_at;municipality;channel;reporter_kind;target_group;outcome;not_pertinent_reason\n\
            2023-07-14 23:10;Rho;telefono;carabinieri;msna;emergenza;\n\
            ieri;Milano;fax;carabinieri;msna;urgenza;richiesta\n\
            2099-01-01 10:00;Rho;telefono;carabinieri;nessuno;;\n";
        let errors = check(text).unwrap_err();
        let found: Vec<_> = errors
            .iter()
            .map(|e| (e.line, e.column.as_str(), e.problem))
            .collect();
        assert_eq!(
            found,
            [
                (3, "received_at", Problem::InvalidDateTime),
                (3, "municipality", Problem::UnknownMunicipality),
                (3, "channel", Problem::UnknownCode),
                (3, "not_pertinent_reason", Problem::BadTransition),
                (4, "received_at", Problem::InFuture),
                (4, "target_group", Problem::UnknownCode),
                (4, "outcome", Problem::Required),
            ]
        );
    }

    #[test]
    fn a_wrong_header_is_refused_before_any_row() {
        let errors = check("received_at;comune;channel\n").unwrap_err();
        let found: Vec<_> = errors.iter().map(|e| (e.line, e.column.as_str())).collect();
        assert_eq!(
            found,
            [
                (1, "municipality"),
                (1, "reporter_kind"),
                (1, "target_group"),
                (1, "outcome"),
                (1, "comune"),
            ]
        );
    }
}
