//! The activity report and the planning dashboard for a period, and the import of historical
//! reports: shared by the pages, the API and the command line. The callers choose the Ambiti
//! the user may see.

use jiff::civil::Date;
use presidio_db::DbError;

use crate::App;
use presidio_domain::access::{Permission, Principal};
use presidio_domain::reference::AmbitoId;
use presidio_domain::stats::activity::Activity;
use presidio_domain::stats::dashboard::{self, Dashboard};
use presidio_domain::validation::{Invalid, Problem};

/// A period typed as two days `AAAA-MM-GG` (Rome), both included and both required; `from`
/// may not come after `to`.
pub fn period(from: &str, to: &str, today: Date) -> Result<(Date, Date), Invalid> {
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
    presidio_domain::validation::check_period(&mut errors, start, end, today);
    errors.into_result((start, end))
}

/// The activity of these Ambiti from day `from` to day `to`, both included (`AAAA-MM-GG`,
/// Rome).
pub async fn activity(
    app: &App,
    ambiti: &[AmbitoId],
    from: &str,
    to: &str,
) -> Result<Activity, DbError> {
    let (start, end) = period(from, to, app.clock.now().in_rome().date())?;
    let tallies = app
        .db
        .tallies(ambiti, &start.to_string(), &end.to_string())
        .await?;
    Ok(dashboard::dashboard(&[], &tallies, Vec::new(), Vec::new(), Vec::new()).activity)
}

/// The planning dashboard of these Ambiti from day `from` to day `to`, both included.
pub async fn dashboard(
    app: &App,
    ambiti: &[AmbitoId],
    from: &str,
    to: &str,
) -> Result<Dashboard, DbError> {
    let (start, end) = period(from, to, app.clock.now().in_rome().date())?;
    let (first, last) = (start.to_string(), end.to_string());
    let tallies = app.db.tallies(ambiti, &first, &last).await?;
    let i = app.db.interventions_between(ambiti, &first, &last).await?;
    let seen = app
        .db
        .persons_between(ambiti, &first, &last, end.year())
        .await?;
    let handed = app.db.handed_over_between(ambiti, &first, &last).await?;
    let mut d = dashboard::dashboard(
        &dashboard::months_between(start, end),
        &tallies,
        i.to_on_site,
        i.to_placement,
        i.bookings,
    );
    d.persons = presidio_domain::stats::persons::person_stats(&seen, &handed);
    Ok(d)
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
    app: &App,
    ambiti: &[AmbitoId],
    bytes: &[u8],
    dry_run: bool,
    audit: &presidio_domain::audit::Entry,
) -> Result<(usize, usize), ImportFailure> {
    use presidio_domain::report::historical::{KnownMunicipality, parse};
    let mut places = Vec::new();
    for ambito in ambiti {
        places.extend(app.db.municipalities_of(*ambito).await?);
    }
    let known: Vec<KnownMunicipality<'_>> = places
        .iter()
        .map(|m| KnownMunicipality {
            code: &m.data.istat_code,
            name: &m.data.name,
        })
        .collect();
    let rows = parse(bytes, &known, app.clock.now()).map_err(ImportFailure::Refused)?;
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
    let t = presidio_i18n::catalogue().tr(presidio_i18n::Locale::Italian);
    Ok(app
        .db
        .import_historical(&with_ambito, &t.t("import-rationale"), dry_run, audit)
        .await?)
}

/// An import error in Italian: "Riga 3, colonna channel: …".
pub fn describe(
    t: presidio_i18n::Tr<'_>,
    e: &presidio_domain::report::historical::ImportError,
) -> String {
    use presidio_i18n::Arg;
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

/// What a municipality adds to its count on the dashboard.
#[derive(Debug, Clone)]
pub struct Place {
    pub code: String,
    pub name: String,
    pub population: Option<u32>,
    pub reports: u64,
}

impl Place {
    /// Reports per 1,000 inhabitants.
    pub fn per_thousand(&self) -> Option<f64> {
        let people = f64::from(self.population.filter(|p| *p > 0)?);
        Some(f64::from(u32::try_from(self.reports).unwrap_or(u32::MAX)) * 1000.0 / people)
    }
}

/// The dashboard of a period for one caller.
#[derive(Debug, Clone)]
pub struct Figures {
    pub from: String,
    pub to: String,
    pub dashboard: Dashboard,
    /// The caller's municipalities, then any other place counted (empty code: not known).
    pub places: Vec<Place>,
    /// Small counts of protected groups are hidden ("<5").
    pub suppressed: bool,
    /// Handovers taken in charge, outcomes at the Ambiti's intervals, ratings.
    pub efficacy: presidio_db::Efficacy,
    /// Reports by reporting partner of the directory, most first.
    pub partners: Vec<presidio_db::PartnerCount>,
}

/// Whether the caller sees aggregates of an Ambito whose cases it may not read (an analyst):
/// then small counts of protected groups are hidden.
pub fn suppressed(who: &Principal) -> bool {
    who.ambiti_with(Permission::ReadAggregates)
        .iter()
        .any(|a| !who.may_in(Permission::ReadCases, *a))
}

/// The dashboard of the caller's Ambiti from day `from` to day `to`, both included.
pub async fn figures(app: &App, who: &Principal, from: &str, to: &str) -> Result<Figures, DbError> {
    let ambiti: Vec<AmbitoId> = who.ambiti_with(Permission::ReadAggregates);
    let dashboard = dashboard(app, &ambiti, from, to).await?;
    let mut places = Vec::new();
    for ambito in &ambiti {
        for m in app.db.municipalities_of(*ambito).await? {
            let code = m.data.istat_code.as_str().to_owned();
            places.push(Place {
                reports: dashboard.municipalities.get(&code).copied().unwrap_or(0),
                code,
                name: m.data.name,
                population: m.data.population,
            });
        }
    }
    for (code, n) in &dashboard.municipalities {
        if !places.iter().any(|p| &p.code == code) {
            places.push(Place {
                code: code.clone(),
                name: String::new(),
                population: None,
                reports: *n,
            });
        }
    }
    let (start, end) = period(from, to, app.clock.now().in_rome().date())
        .map_err(|_| DbError::Corrupt("stats.period"))?;
    let ids: Vec<i64> = ambiti.iter().map(|a| a.0).collect();
    let efficacy = app
        .db
        .efficacy(
            &ids,
            presidio_domain::time::rome_day_start(start),
            presidio_domain::time::rome_day_start(end.tomorrow().unwrap_or(end)),
        )
        .await?;
    let partners = app
        .db
        .partners_between(&ambiti, &start.to_string(), &end.to_string())
        .await?;
    Ok(Figures {
        from: from.to_owned(),
        to: to.to_owned(),
        dashboard,
        places,
        efficacy,
        partners,
        suppressed: suppressed(who),
    })
}
