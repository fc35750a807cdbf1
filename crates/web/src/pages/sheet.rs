//! The handover sheet (*scheda di passaggio*): the report, its triage, the intervention, the
//! resources activated, the special procedure, what is still open, the handovers and the
//! diary — one content for the printable page and the PDF. A protected case keeps its
//! protections: no current location, a protected shelter only as "struttura protetta tramite
//! CAV".

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use presidio_domain::access::CaseAccess;
use presidio_domain::audit::Action;
use presidio_domain::intervention::procedures::StepState;
use presidio_domain::time::UtcMillis;

use super::reports::principal;
use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::i18n::{Arg, Tr};
use presidio_app::cache::CachedReport;

pub use crate::views::{Section, Sheet};

fn section(heading: String, rows: Vec<(String, String)>, empty: &str) -> Section {
    let rows = if rows.is_empty() {
        vec![(String::new(), empty.to_owned())]
    } else {
        rows
    };
    Section { heading, rows }
}

/// The intervention as the sheet prints it: who, the stage at an absolute time, the timeline
/// and the assessment.
fn intervention_lines(t: Tr<'_>, cached: &CachedReport, now: UtcMillis) -> Vec<(String, String)> {
    let mut intervention = Vec::new();
    for d in &cached.dispatches {
        let panel = crate::views::interventions::panel(t, d, now);
        // On paper every time is absolute: "dal 02/12/2026 03:10", never "da 5 min".
        intervention.push((
            panel.operator.clone(),
            presidio_app::interventions::stage_on_paper(t, d),
        ));
        intervention.extend(panel.timeline.into_iter().map(|(what, at)| (at, what)));
        if !panel.assessment.is_empty() {
            intervention.push((t.t("field-assessment"), panel.assessment));
        }
    }
    intervention
}

pub fn build(t: Tr<'_>, cached: &CachedReport, now: UtcMillis) -> Sheet {
    let report = &cached.report;
    let d = &report.data;
    let none = t.t("sheet-none");
    let mut details = super::reports::details_of(t, d);
    if d.is_protected() {
        let hidden = t.t("field-current_location");
        details.retain(|(label, _)| *label != hidden);
    }
    details.push((
        t.t("field-municipality"),
        cached.municipality.clone().unwrap_or_default(),
    ));
    for p in super::reports::persons_of(t, d) {
        details.push((t.t("field-persons"), p));
    }
    details.push((t.t("field-description"), d.description.clone()));
    let (history, diary) = super::reports::history_of(t, &cached.history);
    let triage: Vec<(String, String)> = history
        .iter()
        .filter(|h| h.what.starts_with(&t.t1("report-triaged", "outcome", "")))
        .map(|h| (format!("{} · {}", h.at, h.what), h.note.clone()))
        .collect();
    let intervention = intervention_lines(t, cached, now);
    let activations: Vec<(String, String)> =
        crate::views::activations::lines(t, &cached.activations)
            .into_iter()
            .map(|a| (String::new(), a.text))
            .collect();
    let checklist = crate::views::interventions::checklist(t, report, &cached.steps, now);
    let open: Vec<(String, String)> = checklist
        .iter()
        .filter(|c| c.state != StepState::Done.code())
        .map(|c| (c.state_label.clone(), format!("{} · {}", c.label, c.detail)))
        .collect();
    let procedure: Vec<(String, String)> = checklist
        .iter()
        .map(|c| (c.state_label.clone(), format!("{} · {}", c.label, c.detail)))
        .collect();
    let handovers: Vec<(String, String)> = cached
        .handovers
        .iter()
        .map(|h| {
            (
                h.municipality_name.clone(),
                t.t_args(
                    "sheet-handover",
                    &[
                        (
                            "status",
                            Arg::Str(&t.t(&format!("handover-status-{}", h.status))),
                        ),
                        ("sent", Arg::Str(&t.date_time(UtcMillis(h.sent_at)))),
                        ("due", Arg::Str(&t.date_time(UtcMillis(h.due_at)))),
                    ],
                ),
            )
        })
        .collect();
    let diary: Vec<(String, String)> = diary
        .into_iter()
        .map(|e| (format!("{} · {} · {}", e.at, e.what, e.actor), e.note))
        .collect();
    Sheet {
        title: t.t1("sheet-title", "code", &report.code),
        subtitle: t.t_args(
            "sheet-subtitle",
            &[
                (
                    "outcome",
                    Arg::Str(&t.t(&format!(
                        "outcome-{}",
                        report.outcome.map_or("none", |o| o.code())
                    ))),
                ),
                (
                    "status",
                    Arg::Str(&t.t(&format!("status-{}", report.status.code()))),
                ),
                ("at", Arg::Str(&t.date_time(now))),
            ],
        ),
        sections: vec![
            section(t.t("sheet-report"), details, &none),
            section(t.t("sheet-triage"), triage, &none),
            section(t.t("dispatch-title"), intervention, &none),
            section(t.t("activations-title"), activations, &none),
            section(t.t("procedure-title"), procedure, &none),
            section(t.t("sheet-open"), open, &none),
            section(t.t("handover-title"), handovers, &none),
            section(t.t("report-diary"), diary, &none),
        ],
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "sheet.html")]
pub struct SheetPage {
    page: Layout,
    id: i64,
    sheet: Sheet,
}

/// The sheet, when the caller may read the whole case; its reading is audited.
async fn load(state: &AppState, visitor: &Visitor, id: i64, pdf: bool) -> Result<Sheet, PageError> {
    let who = principal(visitor)?;
    let Some((cached, CaseAccess::Full)) =
        presidio_app::cases::load_for_reading(state, who, id).await?
    else {
        return Err(PageError::new(StatusCode::NOT_FOUND, "not_found"));
    };
    let mut entry = visitor.entry(Action::Read).record("report", id);
    entry.section = if pdf { "sheet_pdf" } else { "sheet" }.into();
    state.audit.append(entry).await?;
    let t = crate::i18n::catalogue().tr(crate::i18n::Locale::Italian);
    Ok(build(t, &cached, state.clock.now()))
}

/// The printable sheet.
pub async fn page(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<SheetPage, PageError> {
    let sheet = load(&state, &visitor, id, false).await?;
    let page = Layout::titled(&visitor, sheet.title.clone(), "home");
    Ok(SheetPage { page, id, sheet })
}

/// A PDF that could not be written: logged, and an error page.
pub fn pdf_failed(err: &crate::pdf::PdfError) -> PageError {
    tracing::error!(error = %err, "a PDF could not be written");
    PageError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable")
}

/// The sheet as a PDF, made by the server.
pub async fn pdf(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let sheet = load(&state, &visitor, id, true).await?;
    let bytes = crate::pdf::render(&sheet).map_err(|err| pdf_failed(&err))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"scheda-{id}.pdf\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
