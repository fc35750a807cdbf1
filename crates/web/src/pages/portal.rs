//! The trusted reporter's portal (police, hospital): a short form to send a report, the list of
//! the organisation's reports with the four public stages, and each report as it was sent. The
//! Centrale's triage, assignees and records stay with the Centrale.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use presidio_domain::access::{CaseAccess, Permission, Principal};
use presidio_domain::audit::Action;
use presidio_domain::report::lifecycle::{ReporterStage, Status};
use presidio_domain::report::portal::{SentReport, reporter_kind_for};
use presidio_domain::report::{ReporterKind, TargetGroup};
use presidio_domain::time::UtcMillis;
use serde::Deserialize;

use super::admin::Choice;
use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::forms::FormErrors;

/// The report's fields as the short form labels them, and the form's own field names.
const LABELS: [(&str, &str); 9] = [
    ("description", "portal-field-description"),
    ("municipality", "portal-field-municipality"),
    ("place", "portal-field-place"),
    ("target_group", "portal-field-target_group"),
    ("reporter.kind", "portal-field-reporter_kind"),
    ("persons[0].name", "portal-field-person_name"),
    ("reporter.name", "portal-field-reporter_name"),
    ("reporter.phone", "portal-field-reporter_phone"),
    ("reporter.reference", "portal-field-reporter_reference"),
];
const NAMES: [(&str, &str); 5] = [
    ("persons[0].name", "person_name"),
    ("reporter.kind", "reporter_kind"),
    ("reporter.name", "reporter_name"),
    ("reporter.phone", "reporter_phone"),
    ("reporter.reference", "reporter_reference"),
];

/// How many reports a page of the list shows.
const PAGE: i64 = 50;

fn reporter(visitor: &Visitor) -> Result<&Principal, PageError> {
    match visitor.principal() {
        Some(who) if who.may(Permission::ReadOwnReports) => Ok(who),
        Some(_) => Err(PageError::new(StatusCode::FORBIDDEN, "forbidden")),
        None => Err(PageError::new(StatusCode::UNAUTHORIZED, "unauthorized")),
    }
}

/// One of the four public stages, for the list and the steps of a report.
pub struct StageStep {
    pub label: String,
    pub done: bool,
    pub current: bool,
}

fn steps(t: crate::i18n::Tr<'_>, now: ReporterStage) -> Vec<StageStep> {
    let at = ReporterStage::ALL
        .iter()
        .position(|s| *s == now)
        .unwrap_or(0);
    ReporterStage::ALL
        .iter()
        .enumerate()
        .map(|(i, s)| StageStep {
            label: t.t(&format!("reporter-stage-{}", s.code())),
            done: i < at,
            current: i == at,
        })
        .collect()
}

pub struct PortalLine {
    pub href: String,
    pub code: String,
    pub received: String,
    pub municipality: String,
    pub stage: String,
    pub stage_code: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal.html")]
pub struct PortalPage {
    page: Layout,
    organisation: String,
    lines: Vec<PortalLine>,
    sent: Option<String>,
    next: Option<String>,
    previous: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pagina: Option<u32>,
    #[serde(default)]
    inviata: Option<String>,
}

/// The organisation's reports, newest first.
pub async fn list(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<ListQuery>,
) -> Result<PortalPage, PageError> {
    page(&state, &visitor, q).await
}

/// The portal as the home page of a trusted reporter.
pub async fn page(
    state: &AppState,
    visitor: &Visitor,
    q: ListQuery,
) -> Result<PortalPage, PageError> {
    let who = reporter(visitor)?;
    let page = Layout::new(visitor, "portal-title", "portal");
    let t = page.t;
    let number = i64::from(q.pagina.unwrap_or(1).clamp(1, 10_000));
    let offset = (number - 1) * PAGE;
    let mut lines = presidio_app::cases::own_reports(state, who, PAGE + 1, offset).await?;
    let more = i64::try_from(lines.len()).unwrap_or(0) > PAGE;
    lines.truncate(usize::try_from(PAGE).unwrap_or(50));
    let lines = lines
        .into_iter()
        .map(|l| {
            let public =
                Status::parse(&l.status).map_or(ReporterStage::Received, Status::reporter_stage);
            PortalLine {
                href: format!("/portale/{}", l.id),
                code: l.code,
                received: t.date_time(UtcMillis(l.received_at)),
                municipality: l.municipality_name.unwrap_or_else(|| t.t("board-outside")),
                stage: t.t(&format!("reporter-stage-{}", public.code())),
                stage_code: public.code(),
            }
        })
        .collect();
    // The code of a report just sent, as the redirect carries it (only letters, digits, dashes).
    let sent = q.inviata.filter(|c| {
        !c.is_empty() && c.len() <= 40 && c.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    });
    Ok(PortalPage {
        organisation: who.organisation.clone(),
        lines,
        sent: sent.map(|code| t.t1("portal-sent", "code", &code)),
        next: more.then(|| format!("/portale?pagina={}", number + 1)),
        previous: (number > 1).then(|| format!("/portale?pagina={}", number - 1)),
        page,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "portal_new.html")]
pub struct PortalForm {
    page: Layout,
    form: SentReport,
    organisation: String,
    kinds: Vec<Choice>,
    municipalities: Vec<Choice>,
    targets: Vec<Choice>,
    errors: FormErrors,
}

async fn form_page(
    state: &AppState,
    visitor: &Visitor,
    who: &Principal,
    form: SentReport,
    errors: FormErrors,
) -> Result<PortalForm, PageError> {
    let page = Layout::new(visitor, "portal-new-title", "portal-new");
    let t = page.t;
    let mut municipalities = vec![Choice {
        value: String::new(),
        label: t.t("choose"),
        selected: form.municipality.is_empty(),
    }];
    municipalities.extend(
        super::municipality_choices(
            state,
            who.ambiti_with(Permission::SendReports),
            &form.municipality,
        )
        .await?,
    );
    let choice = |value: &str, label: String, chosen: &str| Choice {
        selected: chosen == value,
        value: value.to_owned(),
        label,
    };
    let kinds = ReporterKind::ALL
        .iter()
        .filter(|k| **k != ReporterKind::Cittadino)
        .map(|k| {
            choice(
                k.code(),
                t.t(&format!("reporter-kind-{}", k.code())),
                &form.reporter_kind,
            )
        })
        .collect();
    let mut targets = vec![choice("", t.t("choose"), &form.target_group)];
    targets.extend(TargetGroup::ALL.iter().map(|g| {
        choice(
            g.code(),
            t.t(&format!("target-{}", g.code())),
            &form.target_group,
        )
    }));
    Ok(PortalForm {
        organisation: who.organisation.clone(),
        form,
        kinds,
        municipalities,
        targets,
        errors,
        page,
    })
}

/// The short form, with the sender's organisation, kind and name already in.
pub async fn new_form(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<PortalForm, PageError> {
    let who = reporter(&visitor)?;
    let form = SentReport {
        reporter_kind: reporter_kind_for(&who.organisation).code().to_owned(),
        reporter_name: who.name.clone(),
        ..SentReport::default()
    };
    form_page(&state, &visitor, who, form, FormErrors::default()).await
}

/// Sends the report to the Centrale: received now, through the portal.
pub async fn send(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Form(form): Form<SentReport>,
) -> Result<Response, PageError> {
    let who = reporter(&visitor)?;
    let created = match presidio_app::reports::send(&state, visitor.caller(), who, &form).await {
        Ok(created) => created,
        Err(presidio_app::AppError::Invalid(invalid)) => {
            let refused = FormErrors::labelled(&invalid, &LABELS).renamed(&NAMES);
            let page = form_page(&state, &visitor, who, form, refused).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(other) => return Err(other.into()),
    };
    Ok(Redirect::to(&format!("/portale?inviata={}", created.code)).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "portal_report.html")]
pub struct PortalReport {
    page: Layout,
    received: String,
    steps: Vec<StageStep>,
    rows: Vec<(String, String)>,
    description: String,
}

/// One report of the organisation: where it stands and what was sent.
pub async fn show(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<PortalReport, PageError> {
    report(&state, &visitor, id).await
}

/// The report page of a trusted reporter, also at the Centrale's address of the report.
pub async fn report(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
) -> Result<PortalReport, PageError> {
    let who = reporter(visitor)?;
    let Some((report, CaseAccess::Limited)) = presidio_app::cases::load(state, who, id).await?
    else {
        return Err(PageError::new(StatusCode::NOT_FOUND, "not_found"));
    };
    let mut entry = visitor.entry(Action::Read).record("report", id);
    entry.section = "sent".into();
    state.audit.append(entry).await?;
    let page = Layout::titled(
        visitor,
        crate::i18n::catalogue()
            .tr(crate::i18n::Locale::Italian)
            .t1("portal-report-title", "code", &report.code),
        "portal",
    );
    let t = page.t;
    let d = &report.data;
    let municipality = match &d.municipality {
        Some(code) => presidio_app::reference::municipality_name(state, code).await,
        None => t.t("board-outside"),
    };
    let mut rows = vec![
        (t.t("portal-field-municipality"), municipality),
        (
            t.t("portal-field-target_group"),
            t.t(&format!("target-{}", d.target_group.code())),
        ),
    ];
    let optional = [
        ("portal-field-place", d.place.clone()),
        (
            "portal-field-person_name",
            d.persons.first().and_then(|p| p.name.clone()),
        ),
        ("portal-field-reporter_name", d.reporter.name.clone()),
        ("portal-field-reporter_phone", d.reporter.phone.clone()),
        (
            "portal-field-reporter_reference",
            d.reporter.reference.clone(),
        ),
    ];
    rows.extend(
        optional
            .into_iter()
            .filter_map(|(label, value)| value.map(|v| (t.t(label), v))),
    );
    Ok(PortalReport {
        received: t.date_time(d.received_at),
        steps: steps(t, report.status.reporter_stage()),
        rows,
        description: d.description.clone(),
        page,
    })
}

/// A reporter who opens a report or the intake form of the Centrale is sent to the portal.
pub fn redirect_reporter(visitor: &Visitor, to: &str) -> Option<Response> {
    visitor
        .principal()
        .filter(|who| presidio_app::cases::reporter_only(who))
        .map(|_| Redirect::to(to).into_response())
}
