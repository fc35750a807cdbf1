//! Statistics over the API: aggregates only, never a person.

use axum::extract::{Query, State};
use axum::{Extension, Json};
use presidio_domain::access::Permission;
use presidio_domain::audit::Action;
use std::collections::BTreeMap;

use presidio_domain::report::TargetGroup;
use presidio_domain::stats::activity::Activity;
use presidio_domain::stats::dashboard::{Shown, protected_resource, shown};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::reports::principal;
use crate::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ErrorBody};

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct PeriodQuery {
    /// First day, `AAAA-MM-GG` (Rome), included.
    #[serde(default)]
    pub from: String,
    /// Last day, `AAAA-MM-GG` (Rome), included.
    #[serde(default)]
    pub to: String,
}

/// The activity report, as the service publishes it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityView {
    pub reports: u64,
    pub not_pertinent: u64,
    /// `casistica`, `richiesta` (`non_indicata` when no reason was recorded).
    pub not_pertinent_by_reason: std::collections::BTreeMap<String, u64>,
    pub urgencies: u64,
    pub emergencies: u64,
    /// Every target group code; for callers who may not read cases, counts from 1 to 4 of
    /// protected groups read `"<5"`.
    pub emergencies_by_target_group: BTreeMap<String, Count>,
    pub untriaged: u64,
}

/// A count, or `"<5"` where a small count of a protected group is hidden from the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Count {
    Exact(u64),
    Hidden(String),
}

impl Count {
    fn of(n: u64, protected: bool, suppress: bool) -> Self {
        match shown(n, protected, suppress) {
            Shown::Exact(n) => Self::Exact(n),
            Shown::FewerThanFive => Self::Hidden("<5".into()),
        }
    }
}

fn group_counts(counts: &BTreeMap<String, u64>, suppress: bool) -> BTreeMap<String, Count> {
    counts
        .iter()
        .map(|(code, n)| {
            let protected = TargetGroup::parse(code).is_some_and(TargetGroup::is_protected);
            (code.clone(), Count::of(*n, protected, suppress))
        })
        .collect()
}

impl ActivityView {
    fn of(a: Activity, suppress: bool) -> Self {
        Self {
            reports: a.reports,
            not_pertinent: a.not_pertinent,
            not_pertinent_by_reason: a.not_pertinent_by_reason,
            urgencies: a.urgencies,
            emergencies: a.emergencies,
            emergencies_by_target_group: group_counts(&a.emergencies_by_target_group, suppress),
            untriaged: a.untriaged,
        }
    }
}

/// The activity of the caller's Ambiti in a period (dates included, Rome time): reports, not
/// pertinent by reason, urgencies, emergencies by target group, untriaged.
#[utoipa::path(get, path = "/api/v1/stats/activity", tag = "statistiche", params(PeriodQuery),
    responses((status = 200, body = ActivityView), (status = 422, body = ErrorBody)))]
pub async fn activity(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(query): Query<PeriodQuery>,
) -> Result<Json<ActivityView>, ApiError> {
    let who = principal(&visitor)?;
    let ambiti = who.ambiti_with(Permission::ReadAggregates);
    let a = presidio_app::stats::activity(&state, &ambiti, &query.from, &query.to).await?;
    let mut entry = visitor.entry(Action::Read);
    entry.record_type = "stats".into();
    entry.section = "activity".into();
    state.audit.append(entry).await?;
    Ok(Json(ActivityView::of(a, crate::dashboard::suppressed(who))))
}

/// The reports of a month by outcome.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonthView {
    /// `AAAA-MM`.
    pub month: String,
    pub reports: u64,
    pub not_pertinent: u64,
    pub urgencies: u64,
    pub emergencies: u64,
}

/// The reports about a municipality.
#[derive(Debug, Serialize, ToSchema)]
pub struct MunicipalityActivity {
    /// ISTAT code; empty for reports whose municipality is not known.
    pub istat_code: String,
    pub name: String,
    pub reports: u64,
    pub population: Option<u32>,
    /// Reports per 1,000 inhabitants, two decimals.
    pub per_thousand: Option<f64>,
}

/// The reports that came from a reporting partner of the network directory.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerActivity {
    pub organisation_id: i64,
    pub name: String,
    /// `"<5"` when small and some of them are protected records, for callers who may not read
    /// cases.
    pub reports: Count,
}

/// How long a step of the response took, in minutes from the report's arrival.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResponseTimeView {
    pub cases: u64,
    pub median_minutes: Option<i64>,
    pub p90_minutes: Option<i64>,
}

/// What was booked with one kind of resource.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookingView {
    pub kind: String,
    pub activations: Count,
    /// Places × nights.
    pub nights: Count,
    /// None where the activations are hidden.
    pub cost_cents: Option<i64>,
}

/// The planning dashboard of a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardView {
    pub from: String,
    pub to: String,
    /// Whether small counts of protected groups are hidden (`"<5"`) for this caller.
    pub suppressed: bool,
    pub activity: ActivityView,
    /// Every month of the period, empty ones included.
    pub months: Vec<MonthView>,
    pub municipalities: Vec<MunicipalityActivity>,
    /// Reporter kind code → reports.
    pub reporter_kinds: BTreeMap<String, u64>,
    /// Reports by reporting partner of the directory, most first.
    pub partners: Vec<PartnerActivity>,
    /// Target group code → reports.
    pub target_groups: BTreeMap<String, Count>,
    /// `giorno_feriale`, `sera`, `notte`, `fine_settimana`, `festivo` → reports.
    pub time_bands: BTreeMap<String, u64>,
    /// `to_triage`, `to_on_site`, `to_placement`.
    pub response_times: BTreeMap<String, ResponseTimeView>,
    pub bookings: Vec<BookingView>,
    pub persons: PersonsView,
    pub efficacy: EfficacyView,
}

/// *Efficacia*: what came of the period's handovers. Counts about persons read `"<5"` when
/// small for callers who may not read cases.
#[derive(Debug, Serialize, ToSchema)]
pub struct EfficacyView {
    /// Handovers sent for the period's reports.
    pub handovers: u64,
    pub taken_in_charge: Count,
    /// Acknowledged by the service within the deadline.
    pub acknowledged_in_time: Count,
    /// One per interval (days after taking charge) of the Ambiti.
    pub intervals: Vec<FollowUpInterval>,
    /// Ratings of how appropriate the PIS response was, and their average (1–5; null when
    /// none, or hidden).
    pub ratings: Count,
    pub average_rating: Option<f64>,
}

/// The outcomes asked and told at one interval.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpInterval {
    pub days: i64,
    pub asked: Count,
    pub answered: Count,
    /// Outcome code → persons.
    pub outcomes: BTreeMap<String, Count>,
}

impl EfficacyView {
    fn of(e: &presidio_db::Efficacy, suppress: bool) -> Self {
        let count = |x: i64| Count::of(u64::try_from(x).unwrap_or(0), true, suppress);
        let ratings = count(e.ratings);
        #[allow(clippy::cast_precision_loss)]
        let average_rating = (e.ratings > 0 && matches!(ratings, Count::Exact(_)))
            .then(|| e.rating_sum as f64 / e.ratings as f64);
        Self {
            handovers: u64::try_from(e.handovers).unwrap_or(0),
            taken_in_charge: count(e.taken_in_charge),
            acknowledged_in_time: count(e.acknowledged_in_time),
            intervals: e
                .asked
                .iter()
                .map(|(days, asked, answered)| FollowUpInterval {
                    days: *days,
                    asked: count(*asked),
                    answered: count(*answered),
                    outcomes: e
                        .outcomes
                        .iter()
                        .filter(|o| o.0 == *days)
                        .map(|(_, code, n)| (code.clone(), count(*n)))
                        .collect(),
                })
                .collect(),
            ratings,
            average_rating,
        }
    }
}

/// Statistics by person: distinct persons named in the period's reports (a person counted
/// once, however many reports name them and however many linked records they have), by sex
/// and age band; repeats; and the persons handed
/// to a social service reported again within 90 days.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonsView {
    pub distinct: Count,
    /// Persons with more than one report in the period.
    pub repeat: Count,
    /// `M`, `F`, `X` → persons.
    pub by_sex: BTreeMap<String, Count>,
    /// Age band code (`0_5` … `80_plus`; `non_nota` when not known) → persons.
    pub by_age_band: BTreeMap<String, Count>,
    /// Persons of the period's reports handed to a social service.
    pub handed_over: Count,
    /// Of those, named in a report received within 90 days after a handover.
    pub rereported_within_90_days: Count,
    /// That share, 0–1 (null when no one was handed over, or a count is hidden).
    pub rereported_share: Option<f64>,
}

impl PersonsView {
    fn of(p: &presidio_domain::stats::persons::PersonStats, suppress: bool) -> Self {
        let count =
            |c: presidio_domain::stats::persons::Cell| Count::of(c.count, c.protected, suppress);
        let handed_over = count(p.handed_over);
        let again = count(p.rereported);
        let visible = matches!((&handed_over, &again), (Count::Exact(_), Count::Exact(_)));
        Self {
            distinct: count(p.distinct),
            repeat: count(p.repeat),
            by_sex: p
                .by_sex
                .iter()
                .map(|(s, c)| (s.code().to_owned(), count(*c)))
                .collect(),
            by_age_band: p
                .by_band
                .iter()
                .map(|(b, c)| (b.map_or("non_nota", |b| b.code()).to_owned(), count(*c)))
                .collect(),
            handed_over,
            rereported_within_90_days: again,
            rereported_share: p
                .rereported_share()
                .filter(|_| visible)
                .map(|x| (x * 10_000.0).round() / 10_000.0),
        }
    }
}

fn response_time(p: Option<presidio_domain::stats::dashboard::Percentiles>) -> ResponseTimeView {
    ResponseTimeView {
        cases: p.map_or(0, |p| p.cases),
        median_minutes: p.map(|p| p.median),
        p90_minutes: p.map(|p| p.p90),
    }
}

impl DashboardView {
    fn of(f: crate::dashboard::Figures) -> Self {
        let suppress = f.suppressed;
        let d = f.dashboard;
        let groups: BTreeMap<String, u64> = d
            .target_groups
            .iter()
            .map(|(g, n)| (g.code().to_owned(), *n))
            .collect();
        let t = crate::i18n::catalogue().tr(crate::i18n::Locale::Italian);
        Self {
            from: f.from,
            to: f.to,
            suppressed: suppress,
            months: d
                .months
                .iter()
                .map(|m| MonthView {
                    month: m.month.clone(),
                    reports: m.reports,
                    not_pertinent: m.not_pertinent,
                    urgencies: m.urgencies,
                    emergencies: m.emergencies,
                })
                .collect(),
            municipalities: f
                .places
                .iter()
                .map(|p| MunicipalityActivity {
                    istat_code: p.code.clone(),
                    name: if p.code.is_empty() {
                        t.t("dashboard-no-municipality")
                    } else {
                        p.name.clone()
                    },
                    reports: p.reports,
                    population: p.population,
                    per_thousand: p.per_thousand().map(|x| (x * 100.0).round() / 100.0),
                })
                .collect(),
            reporter_kinds: d
                .reporter_kinds
                .iter()
                .map(|(k, n)| (k.code().to_owned(), *n))
                .collect(),
            target_groups: group_counts(&groups, suppress),
            time_bands: d
                .time_bands
                .iter()
                .map(|(b, n)| (b.code().to_owned(), *n))
                .collect(),
            response_times: [
                ("to_triage", d.to_triage),
                ("to_on_site", d.to_on_site),
                ("to_placement", d.to_placement),
            ]
            .into_iter()
            .map(|(k, p)| (k.to_owned(), response_time(p)))
            .collect(),
            bookings: d
                .bookings
                .iter()
                .map(|b| {
                    let activations =
                        Count::of(b.activations, protected_resource(&b.kind), suppress);
                    let hidden = matches!(activations, Count::Hidden(_));
                    BookingView {
                        kind: b.kind.clone(),
                        nights: if hidden {
                            Count::Hidden("<5".into())
                        } else {
                            Count::Exact(b.nights)
                        },
                        cost_cents: (!hidden).then_some(b.cost_cents),
                        activations,
                    }
                })
                .collect(),
            persons: PersonsView::of(&d.persons, suppress),
            efficacy: EfficacyView::of(&f.efficacy, suppress),
            partners: f
                .partners
                .iter()
                .map(|p| PartnerActivity {
                    organisation_id: p.organisation_id,
                    name: p.name.clone(),
                    reports: Count::of(p.reports, p.protected > 0, suppress),
                })
                .collect(),
            activity: ActivityView::of(d.activity, suppress),
        }
    }
}

/// The planning dashboard of the caller's Ambiti in a period (dates included, Rome time):
/// months, municipalities (per 1,000 inhabitants), reporter kinds, target groups, time
/// bands, response times (median and 90th percentile) and bookings. Small counts of
/// protected groups read `"<5"` for callers who may not read cases.
#[utoipa::path(get, path = "/api/v1/stats/dashboard", tag = "statistiche", params(PeriodQuery),
    responses((status = 200, body = DashboardView), (status = 422, body = ErrorBody)))]
pub async fn dashboard(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(query): Query<PeriodQuery>,
) -> Result<Json<DashboardView>, ApiError> {
    let who = principal(&visitor)?;
    let f = crate::dashboard::figures(&state, who, &query.from, &query.to).await?;
    let mut entry = visitor.entry(Action::Read);
    entry.record_type = "stats".into();
    entry.section = "dashboard".into();
    state.audit.append(entry).await?;
    Ok(Json(DashboardView::of(f)))
}
