//! The activity report for a period, shared by the page, the API and the command line.

use presidio_db::{Db, DbError};
use presidio_domain::reference::AmbitoId;
use presidio_domain::stats::activity::{Activity, activity_of_groups};
use presidio_domain::validation::{Invalid, Problem, day_range};

/// The activity of these Ambiti from day `from` to day `to`, both included (`AAAA-MM-GG`,
/// Rome); both are required, and `from` may not come after `to`.
pub async fn activity(
    db: &Db,
    ambiti: &[AmbitoId],
    from: &str,
    to: &str,
) -> Result<Activity, DbError> {
    let mut errors = Invalid::default();
    if from.trim().is_empty() {
        errors.push("from", Problem::Required);
    }
    if to.trim().is_empty() {
        errors.push("to", Problem::Required);
    }
    let (start, end) = day_range(&mut errors, from, to);
    let (Some(start), Some(end)) = (start, end) else {
        return Err(errors.into());
    };
    if start.0 >= end.0 {
        return Err(Invalid::one("to", Problem::OutOfRange).into());
    }
    let groups = db.activity_counts(ambiti, start, end).await?;
    Ok(activity_of_groups(groups))
}

/// Why a historical import did not happen.
#[derive(Debug)]
pub enum ImportFailure {
    /// The file's errors, each with its line and column: nothing was imported.
    Refused(Vec<presidio_domain::report::historical::ImportError>),
    Db(DbError),
}

impl From<DbError> for ImportFailure {
    fn from(e: DbError) -> Self {
        Self::Db(e)
    }
}

/// Checks a historical CSV whole, then imports its reports not imported before, each in the
/// Ambito of its municipality (among `ambiti`); returns (added, already there).
pub async fn import(
    db: &Db,
    ambiti: &[AmbitoId],
    bytes: &[u8],
    dry_run: bool,
    audit: &presidio_domain::audit::Entry,
) -> Result<(usize, usize), ImportFailure> {
    use presidio_domain::report::historical::{KnownMunicipality, parse};
    let mut places = Vec::new();
    for ambito in ambiti {
        places.extend(db.municipalities_of(*ambito).await?);
    }
    let known: Vec<KnownMunicipality<'_>> = places
        .iter()
        .map(|m| KnownMunicipality {
            code: &m.data.istat_code,
            name: &m.data.name,
        })
        .collect();
    let rows = parse(bytes, &known, presidio_db::now()).map_err(ImportFailure::Refused)?;
    let with_ambito: Vec<_> = rows
        .into_iter()
        .filter_map(|r| {
            let owner = places
                .iter()
                .find(|m| m.data.istat_code == r.municipality)?
                .ambito_id;
            Some((r, owner))
        })
        .collect();
    let t = crate::i18n::catalogue().tr(crate::i18n::Locale::Italian);
    Ok(db
        .import_historical(&with_ambito, &t.t("import-rationale"), dry_run, audit)
        .await?)
}

/// An import error in Italian: "Riga 3, colonna channel: …".
pub fn describe(
    t: crate::i18n::Tr<'_>,
    e: &presidio_domain::report::historical::ImportError,
) -> String {
    use crate::i18n::Arg;
    let column = if e.column.is_empty() { "-" } else { &e.column };
    let message = t.t_args(
        &format!("validation-{}", e.problem.code()),
        &[("field", Arg::Str(column)), ("key", Arg::Str(column))],
    );
    t.t_args(
        "import-error",
        &[
            ("line", Arg::Num(i64::try_from(e.line).unwrap_or(0))),
            ("message", Arg::Str(&message)),
        ],
    )
}

/// The activity table as CSV for Italian spreadsheets: `;` between fields, a BOM so that the
/// accents open right, labels quoted.
pub fn activity_csv(t: crate::i18n::Tr<'_>, a: &Activity) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("\u{feff}");
    let _ = write!(
        out,
        "{};{}\r\n",
        t.t("stats-period-head"),
        t.t("stats-total")
    );
    for row in presidio_domain::stats::activity::table(a) {
        let value = row.value.map_or_else(String::new, |v| v.to_string());
        let _ = write!(
            out,
            "\"{}\";{value}\r\n",
            t.t(row.label).replace('"', "\"\"")
        );
    }
    out
}
