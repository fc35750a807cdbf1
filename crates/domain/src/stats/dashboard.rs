//! The figures of the planning dashboard that are rules rather than sums: the time band of a
//! report (weekday day, evening, night, weekend, holiday), the suppression of small cells for
//! protected groups, and the median and 90th percentile of response times.

use std::collections::BTreeMap;

use jiff::civil::{Date, Weekday};
use serde::Serialize;

use super::activity::{Activity, Counted, activity_of_groups};
use crate::calendar::NationalHoliday;
use crate::codes;
use crate::report::triage::{NotPertinentReason, Outcome};
use crate::report::{ReporterKind, TargetGroup};
use crate::time::UtcMillis;

codes!(
    /// When a report arrived, in Rome.
    TimeBand {
        /// Monday to Friday, 08:00–20:00.
        WeekdayDay = "giorno_feriale",
        /// Monday to Friday, 20:00–24:00.
        Evening = "sera",
        /// Any night, 00:00–08:00, Monday to Friday.
        Night = "notte",
        /// Saturday and Sunday.
        Weekend = "fine_settimana",
        /// A national holiday on a weekday.
        Holiday = "festivo",
    }
);

/// The time band of an instant, on Rome's calendar and national holidays.
pub fn time_band(at: UtcMillis) -> TimeBand {
    let local = at.in_rome();
    let day = local.date();
    if NationalHoliday::on(day).is_some() {
        return TimeBand::Holiday;
    }
    if matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
        return TimeBand::Weekend;
    }
    match local.hour() {
        0..8 => TimeBand::Night,
        8..20 => TimeBand::WeekdayDay,
        _ => TimeBand::Evening,
    }
}

/// Below this, a count about a protected group is shown to analysts only as "<5".
pub const SMALL_CELL: u64 = 5;

/// Whether the bookings of a kind of resource speak of a protected group (shelters, anti-violence
/// centres, minors' communities), so that their small counts are hidden like the groups'.
pub fn protected_resource(kind: &str) -> bool {
    use crate::resources::ResourceKind as K;
    K::parse(kind).is_some_and(|k| {
        matches!(
            k,
            K::CasaRifugio | K::CentroAntiviolenza | K::ComunitaMinori
        )
    })
}

/// A count as an analyst may see it: exact, or hidden when small (and not zero) for a
/// protected group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Exact(u64),
    FewerThanFive,
}

pub fn shown(count: u64, protected: bool, suppress: bool) -> Shown {
    if suppress && protected && count > 0 && count < SMALL_CELL {
        Shown::FewerThanFive
    } else {
        Shown::Exact(count)
    }
}

/// How long a step of the response took: how many cases, and the median and 90th percentile
/// in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Percentiles {
    pub cases: u64,
    pub median: i64,
    pub p90: i64,
}

/// The median and 90th percentile (nearest rank: the smallest value with at least p% of the
/// values at or below it) of durations given as minutes → how many; negative durations
/// (a time corrected after the fact) count as zero.
pub fn percentiles(histogram: &BTreeMap<i64, u64>) -> Option<Percentiles> {
    let cases: u64 = histogram.values().sum();
    if cases == 0 {
        return None;
    }
    let rank = |p: u64| {
        let wanted = (p * cases).div_ceil(100).max(1);
        let mut seen = 0;
        for (minutes, n) in histogram {
            seen += n;
            if seen >= wanted {
                return (*minutes).max(0);
            }
        }
        0
    };
    Some(Percentiles {
        cases,
        median: rank(50),
        p90: rank(90),
    })
}

/// A row of the running totals: how many reports of a month (`AAAA-MM`) had a value of a
/// dimension (`activity`, `municipality`, `reporter_kind`, `time_band`, `triage_minutes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub month: String,
    pub dimension: String,
    pub value: String,
    pub count: u64,
}

/// The reports of a month by outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MonthRow {
    /// `AAAA-MM`.
    pub month: String,
    pub reports: u64,
    pub not_pertinent: u64,
    pub urgencies: u64,
    pub emergencies: u64,
}

/// What was booked with one kind of resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Booking {
    pub kind: String,
    pub activations: u64,
    /// Places × nights.
    pub nights: u64,
    pub cost_cents: i64,
}

/// The planning dashboard of a period, before any suppression.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dashboard {
    pub activity: Activity,
    /// Every month of the period, in order, empty ones included.
    pub months: Vec<MonthRow>,
    /// ISTAT code (empty: not known) → reports.
    pub municipalities: BTreeMap<String, u64>,
    /// Every reporter kind, zero included, in the order of the codes.
    pub reporter_kinds: Vec<(ReporterKind, u64)>,
    /// Every target group, zero included.
    pub target_groups: Vec<(TargetGroup, u64)>,
    /// Every time band, zero included.
    pub time_bands: Vec<(TimeBand, u64)>,
    /// From arrival to triage, to the first operator on site, to the first confirmed
    /// placement.
    pub to_triage: Option<Percentiles>,
    pub to_on_site: Option<Percentiles>,
    pub to_placement: Option<Percentiles>,
    pub bookings: Vec<Booking>,
    /// Distinct persons, repeats and re-reports after a handover.
    pub persons: super::persons::PersonStats,
}

/// The months (`AAAA-MM`) from the one of `from` to the one of `to`, both included.
pub fn months_between(from: Date, to: Date) -> Vec<String> {
    let mut out = Vec::new();
    let mut month = from.first_of_month();
    while month <= to {
        out.push(month.strftime("%Y-%m").to_string());
        let Ok(next) = month.checked_add(jiff::Span::new().months(1)) else {
            break;
        };
        month = next;
    }
    out
}

/// Parses the `activity` value of a tally: `outcome|reason|group`, empty for none.
fn counted(value: &str) -> Option<Counted> {
    let mut parts = value.split('|');
    let outcome = parts.next()?;
    let reason = parts.next()?;
    let group = TargetGroup::parse(parts.next()?)?;
    Some(Counted {
        outcome: Outcome::parse(outcome),
        not_pertinent_reason: NotPertinentReason::parse(reason),
        target_group: group,
    })
}

/// The dashboard of the months `months` from the running totals, the minutes to the operator
/// on site and to placement (one per case), and the bookings.
pub fn dashboard(
    months: &[String],
    tallies: &[Tally],
    to_on_site: Vec<i64>,
    to_placement: Vec<i64>,
    bookings: Vec<Booking>,
) -> Dashboard {
    let mut by_month: BTreeMap<&str, MonthRow> = months
        .iter()
        .map(|m| {
            (
                m.as_str(),
                MonthRow {
                    month: m.clone(),
                    ..MonthRow::default()
                },
            )
        })
        .collect();
    let mut groups = Vec::new();
    let mut d = Dashboard {
        reporter_kinds: ReporterKind::ALL.iter().map(|k| (*k, 0)).collect(),
        target_groups: TargetGroup::ALL.iter().map(|g| (*g, 0)).collect(),
        time_bands: TimeBand::ALL.iter().map(|b| (*b, 0)).collect(),
        bookings,
        ..Dashboard::default()
    };
    let mut triage = BTreeMap::new();
    for t in tallies {
        let n = t.count;
        match t.dimension.as_str() {
            "activity" => {
                let Some(c) = counted(&t.value) else { continue };
                groups.push((c, n));
                add(&mut d.target_groups, c.target_group, n);
                if let Some(row) = by_month.get_mut(t.month.as_str()) {
                    row.reports += n;
                    match c.outcome {
                        Some(Outcome::NonPertinente) => row.not_pertinent += n,
                        Some(Outcome::Urgenza) => row.urgencies += n,
                        Some(Outcome::Emergenza) => row.emergencies += n,
                        None => {}
                    }
                }
            }
            "municipality" => *d.municipalities.entry(t.value.clone()).or_default() += n,
            "reporter_kind" => {
                if let Some(k) = ReporterKind::parse(&t.value) {
                    add(&mut d.reporter_kinds, k, n);
                }
            }
            "time_band" => {
                if let Some(b) = TimeBand::parse(&t.value) {
                    add(&mut d.time_bands, b, n);
                }
            }
            "triage_minutes" => {
                if let Ok(m) = t.value.parse::<i64>() {
                    *triage.entry(m).or_default() += n;
                }
            }
            _ => {}
        }
    }
    d.activity = activity_of_groups(groups);
    d.months = by_month.into_values().collect();
    d.to_triage = percentiles(&triage);
    d.to_on_site = percentiles_of(to_on_site);
    d.to_placement = percentiles_of(to_placement);
    d
}

/// The median and 90th percentile of durations in minutes, one per case.
pub fn percentiles_of(minutes: Vec<i64>) -> Option<Percentiles> {
    let mut histogram: BTreeMap<i64, u64> = BTreeMap::new();
    for m in minutes {
        *histogram.entry(m).or_default() += 1;
    }
    percentiles(&histogram)
}

fn add<K: PartialEq + Copy>(list: &mut [(K, u64)], key: K, n: u64) {
    if let Some(row) = list.iter_mut().find(|(k, _)| *k == key) {
        row.1 += n;
    }
}
#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn rome(y: i16, mo: i8, d: i8, h: i8) -> UtcMillis {
        let z = date(y, mo, d)
            .at(h, 30, 0, 0)
            .to_zoned(crate::time::rome())
            .unwrap();
        UtcMillis(z.timestamp().as_millisecond())
    }

    #[test]
    fn bands_follow_rome_time_weekends_and_holidays() {
        assert_eq!(time_band(rome(2026, 11, 18, 10)), TimeBand::WeekdayDay);
        assert_eq!(time_band(rome(2026, 11, 18, 21)), TimeBand::Evening);
        assert_eq!(time_band(rome(2026, 11, 19, 3)), TimeBand::Night);
        assert_eq!(time_band(rome(2026, 11, 21, 10)), TimeBand::Weekend);
        assert_eq!(
            time_band(rome(2026, 12, 8, 10)),
            TimeBand::Holiday,
            "Immacolata, a Tuesday"
        );
        assert_eq!(time_band(rome(2026, 10, 5, 7)), TimeBand::Night);
        // 19:30 UTC on a summer weekday is 21:30 in Rome: evening.
        let summer = UtcMillis(
            "2026-07-15T19:30:00Z"
                .parse::<jiff::Timestamp>()
                .unwrap()
                .as_millisecond(),
        );
        assert_eq!(time_band(summer), TimeBand::Evening);
    }

    #[test]
    fn small_counts_of_protected_groups_are_hidden_from_analysts() {
        assert_eq!(shown(3, true, true), Shown::FewerThanFive);
        assert_eq!(
            shown(0, true, true),
            Shown::Exact(0),
            "nobody is not a small cell"
        );
        assert_eq!(shown(5, true, true), Shown::Exact(5));
        assert_eq!(shown(3, false, true), Shown::Exact(3));
        assert_eq!(
            shown(3, true, false),
            Shown::Exact(3),
            "coordinators see all"
        );
    }

    #[test]
    fn median_and_90th_percentile_by_nearest_rank() {
        let mp = |v: Vec<i64>| percentiles_of(v).map(|p| (p.median, p.p90));
        assert_eq!(mp(vec![]), None);
        assert_eq!(mp(vec![7]), Some((7, 7)));
        assert_eq!(mp((1..=10).rev().collect()), Some((5, 9)));
        assert_eq!(mp(vec![30, 10, 20]), Some((20, 30)));
        assert_eq!(
            mp(vec![-3, 4]),
            Some((0, 4)),
            "a corrected time counts as zero"
        );
        let mut many: BTreeMap<i64, u64> = BTreeMap::new();
        many.insert(2, 60);
        many.insert(15, 30);
        many.insert(240, 10);
        let p = percentiles(&many).unwrap();
        assert_eq!((p.cases, p.median, p.p90), (100, 2, 15));
    }

    fn tally(month: &str, dimension: &str, value: &str, count: u64) -> Tally {
        Tally {
            month: month.into(),
            dimension: dimension.into(),
            value: value.into(),
            count,
        }
    }

    #[test]
    fn months_run_across_years_and_include_empty_ones() {
        assert_eq!(
            months_between(date(2025, 11, 20), date(2026, 2, 1)),
            ["2025-11", "2025-12", "2026-01", "2026-02"]
        );
        assert_eq!(
            months_between(date(2026, 3, 31), date(2026, 3, 31)),
            ["2026-03"]
        );
    }

    #[test]
    fn the_dashboard_adds_up_the_running_totals() {
        let months = months_between(date(2026, 1, 1), date(2026, 3, 31));
        let tallies = [
            tally("2026-01", "activity", "emergenza||msna", 2),
            tally("2026-01", "activity", "non_pertinente|richiesta|altro", 3),
            tally("2026-03", "activity", "urgenza||senza_dimora", 4),
            tally("2026-03", "activity", "||fragilita", 1),
            tally("2026-01", "municipality", "015182", 5),
            tally("2026-03", "municipality", "015182", 2),
            tally("2026-03", "municipality", "", 3),
            tally("2026-01", "reporter_kind", "carabinieri", 5),
            tally("2026-03", "reporter_kind", "cittadino", 5),
            tally("2026-01", "time_band", "notte", 4),
            tally("2026-03", "time_band", "festivo", 6),
            tally("2026-01", "triage_minutes", "3", 4),
            tally("2026-03", "triage_minutes", "40", 5),
            tally("2026-03", "unknown", "x", 9),
        ];
        let d = dashboard(&months, &tallies, vec![30, 50], vec![], vec![]);
        assert_eq!(d.activity.reports, 10);
        assert_eq!(d.activity.untriaged, 1);
        assert_eq!(d.activity.emergencies_by_target_group["msna"], 2);
        let per_month: Vec<_> = d
            .months
            .iter()
            .map(|m| (m.month.as_str(), m.reports))
            .collect();
        assert_eq!(per_month, [("2026-01", 5), ("2026-02", 0), ("2026-03", 5)]);
        assert_eq!((d.months[0].emergencies, d.months[0].not_pertinent), (2, 3));
        assert_eq!(d.months[2].urgencies, 4);
        assert_eq!(d.municipalities["015182"], 7);
        assert_eq!(d.municipalities[""], 3);
        assert!(d.reporter_kinds.contains(&(ReporterKind::Carabinieri, 5)));
        assert!(d.reporter_kinds.contains(&(ReporterKind::Altro, 0)));
        assert_eq!(d.reporter_kinds.len(), ReporterKind::ALL.len());
        assert!(d.target_groups.contains(&(TargetGroup::Msna, 2)));
        assert!(d.time_bands.contains(&(TimeBand::Holiday, 6)));
        let triage = d.to_triage.unwrap();
        assert_eq!((triage.cases, triage.median, triage.p90), (9, 40, 40));
        assert_eq!(d.to_on_site.map(|p| (p.median, p.p90)), Some((30, 50)));
        assert_eq!(d.to_placement, None);
    }
}
