//! Reading one report over the API, by the need-to-know rule: whole, restricted, or as the
//! caller's team membership opens it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use presidio_app::reports::Glass;
use presidio_domain::access::{CaseAccess, Principal};
use presidio_domain::audit::Action;
use presidio_domain::report::Report;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::ApiJson;
use super::reports::{ReportView, RestrictedView, SentView, full, principal, rfc3339};
use super::teams::{TeamCaseView, case_view};
use crate::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ErrorBody};
use crate::views::reports::reporter_view;

/// A report, whole or restricted.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ReportRead {
    Full(Box<ReportView>),
    Restricted(Box<RestrictedView>),
    /// As a member of the case's team: only the sections granted.
    Team(Box<TeamCaseView>),
}

/// Loads a report and decides what this user may see of it; 404 when nothing.
async fn load(
    state: &AppState,
    who: &Principal,
    id: i64,
) -> Result<(Report, CaseAccess), ApiError> {
    // Not even its existence is told.
    presidio_app::cases::load(state, who, id)
        .await?
        .ok_or(ApiError::from_status(StatusCode::NOT_FOUND))
}

/// One report: whole, restricted to protocol number, municipality and status, or as the
/// caller's team membership opens it (only the sections granted).
#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "segnalazioni",
    params(("id" = i64, Path)),
    responses((status = 200, body = ReportRead), (status = 404, body = ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Json<ReportRead>, ApiError> {
    let who = principal(&visitor)?;
    let (report, access) = load(&state, who, id).await?;
    if let CaseAccess::Team(_) = access {
        let view = case_view(&state, &visitor, id).await?;
        return Ok(Json(ReportRead::Team(Box::new(view))));
    }
    let mut entry = visitor.entry(Action::Read).record("report", id);
    if access != CaseAccess::Full {
        entry.section = "limited".into();
    }
    state.audit.append(entry).await?;
    Ok(Json(match access {
        CaseAccess::Full => ReportRead::Full(Box::new(full(report))),
        _ => ReportRead::Restricted(Box::new(RestrictedView {
            id: report.id,
            code: report.code,
            restricted: true,
            municipality: report.data.municipality.map(|m| m.as_str().to_owned()),
            status: if access == CaseAccess::Limited {
                report.status.reporter_stage().code().into()
            } else {
                report.status.code().into()
            },
            break_glass: access == CaseAccess::BreakGlass,
            sent: (access == CaseAccess::Limited).then(|| SentView {
                received_at: rfc3339(report.data.received_at),
                reporter: reporter_view(report.data.reporter.clone()),
                place: report.data.place.clone(),
                target_group: report.data.target_group.code().to_owned(),
                description: report.data.description.clone(),
            }),
        })),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BreakGlassBody {
    /// Why the record must be opened now (at least 10 characters); the coordinators see it.
    #[serde(default)]
    pub reason: String,
}

/// Opens a protected report to a user who is not taking care of it, for four hours, with a
/// written reason; audited, and the Ambito's coordinators are notified.
#[utoipa::path(post, path = "/api/v1/reports/{id}/break-glass", tag = "segnalazioni",
    params(("id" = i64, Path)), request_body = BreakGlassBody,
    responses((status = 200, body = ReportRead), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn break_glass(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<BreakGlassBody>,
) -> Result<Json<ReportRead>, ApiError> {
    let who = principal(&visitor)?;
    let glass =
        presidio_app::reports::break_glass(&state, visitor.caller(), who, id, &body.reason).await?;
    if glass == Glass::AlreadyOpen {
        return Err(ApiError::from_status(StatusCode::CONFLICT));
    }
    let report = presidio_app::reports::read_opened(&state, visitor.caller(), id).await?;
    Ok(Json(ReportRead::Full(Box::new(full(report)))))
}
