//! The activity report for a period, shared by the page, the API and the command line.

use jiff::civil::Date;
use presidio_db::{Db, DbError};
use presidio_domain::reference::AmbitoId;
use presidio_domain::stats::activity::Activity;
use presidio_domain::stats::dashboard::{self, Dashboard};
use presidio_domain::validation::{Invalid, Problem};

/// A period typed as two days `AAAA-MM-GG` (Rome), both included and both required; `from`
/// may not come after `to`.
pub fn period(from: &str, to: &str) -> Result<(Date, Date), Invalid> {
    use presidio_domain::time::parse_date;
    let mut errors = Invalid::default();
    let mut day = |field: &'static str, raw: &str| {
        if raw.trim().is_empty() {
            errors.push(field, Problem::Required);
            return None;
        }
        let parsed = parse_date(raw);
        if parsed.is_none() {
            errors.push(field, Problem::InvalidDate);
        }
        parsed
    };
    let (start, end) = (day("from", from), day("to", to));
    let (Some(start), Some(end)) = errors.into_result((start, end))? else {
        return Err(Invalid::one("from", Problem::Required));
    };
    let mut errors = Invalid::default();
    presidio_domain::validation::check_period(
        &mut errors,
        start,
        end,
        presidio_db::now().in_rome().date(),
    );
    errors.into_result((start, end))
}

/// The activity of these Ambiti from day `from` to day `to`, both included (`AAAA-MM-GG`,
/// Rome).
pub async fn activity(
    db: &Db,
    ambiti: &[AmbitoId],
    from: &str,
    to: &str,
) -> Result<Activity, DbError> {
    let (start, end) = period(from, to)?;
    let tallies = db
        .tallies(ambiti, &start.to_string(), &end.to_string())
        .await?;
    Ok(dashboard::dashboard(&[], &tallies, Vec::new(), Vec::new(), Vec::new()).activity)
}

/// The planning dashboard of these Ambiti from day `from` to day `to`, both included.
pub async fn dashboard(
    db: &Db,
    ambiti: &[AmbitoId],
    from: &str,
    to: &str,
) -> Result<Dashboard, DbError> {
    let (start, end) = period(from, to)?;
    let (first, last) = (start.to_string(), end.to_string());
    let tallies = db.tallies(ambiti, &first, &last).await?;
    let i = db.interventions_between(ambiti, &first, &last).await?;
    Ok(dashboard::dashboard(
        &dashboard::months_between(start, end),
        &tallies,
        i.to_on_site,
        i.to_placement,
        i.bookings,
    ))
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
/// accents open right, labels quoted; small protected counts as "<5" when `suppressed`.
pub fn activity_csv(t: crate::i18n::Tr<'_>, a: &Activity, suppressed: bool) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("\u{feff}");
    let _ = write!(
        out,
        "{};{}\r\n",
        crate::dashboard::csv_text(&t.t("stats-period-head")),
        crate::dashboard::csv_text(&t.t("stats-total"))
    );
    for row in crate::dashboard::activity_table(t, a, suppressed).rows {
        let cells: Vec<String> = row.iter().map(crate::dashboard::Cell::csv).collect();
        let _ = write!(out, "{}\r\n", cells.join(";"));
    }
    out
}
