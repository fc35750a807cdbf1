//! Statistics over the API: aggregates only, never a person.

use axum::extract::{Query, State};
use axum::{Extension, Json};
use presidio_domain::access::Permission;
use presidio_domain::audit::Action;
use presidio_domain::stats::activity::Activity;
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
    /// Every target group code.
    pub emergencies_by_target_group: std::collections::BTreeMap<String, u64>,
    pub untriaged: u64,
}

impl From<Activity> for ActivityView {
    fn from(a: Activity) -> Self {
        Self {
            reports: a.reports,
            not_pertinent: a.not_pertinent,
            not_pertinent_by_reason: a.not_pertinent_by_reason,
            urgencies: a.urgencies,
            emergencies: a.emergencies,
            emergencies_by_target_group: a.emergencies_by_target_group,
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
    let a = crate::stats::activity(&state.db, &ambiti, &query.from, &query.to).await?;
    let mut entry = visitor.entry(Action::Read);
    entry.record_type = "stats".into();
    entry.section = "activity".into();
    state.audit.append(entry).await?;
    Ok(Json(a.into()))
}
