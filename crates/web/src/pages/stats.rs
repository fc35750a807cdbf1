//! The activity report on screen: the published table's rows and labels first, then more.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use presidio_db::DbError;
use presidio_domain::access::Permission;
use presidio_domain::audit::Action;
use presidio_domain::stats::activity::table;
use serde::Deserialize;

use super::reports::principal;
use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::forms::FormErrors;

#[derive(Template, WebTemplate)]
#[template(path = "stats.html")]
pub struct StatsPage {
    page: Layout,
    from: String,
    to: String,
    /// (label, value or empty for a heading, published row).
    rows: Vec<(String, String, bool)>,
    can_import: bool,
    errors: FormErrors,
}

#[derive(Deserialize, Default)]
pub struct PeriodForm {
    #[serde(default)]
    dal: Option<String>,
    #[serde(default)]
    al: Option<String>,
}

/// The activity table's rows as shown: label, value ("<5" for a small protected count when
/// `suppressed`).
fn shown_rows(
    t: crate::i18n::Tr<'_>,
    a: &presidio_domain::stats::activity::Activity,
    suppressed: bool,
) -> Vec<(String, String)> {
    crate::dashboard::activity_table(t, a, suppressed)
        .rows
        .iter()
        .map(|r| (r[0].show(t), r[1].show(t)))
        .collect()
}

/// The period's fields in the page's form.
const PERIOD_FIELDS: &[(&str, &str)] = &[("from", "dal"), ("to", "al")];

/// From July 2023, when the service started, to today.
fn default_period() -> (String, String) {
    let today = presidio_db::now().in_rome().date();
    ("2023-07-01".into(), today.to_string())
}

pub async fn show(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(form): Query<PeriodForm>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let (default_from, default_to) = default_period();
    let from = form.dal.unwrap_or(default_from);
    let to = form.al.unwrap_or(default_to);
    let page = Layout::new(&visitor, "stats-title", "stats");
    let t = page.t;
    let ambiti = who.ambiti_with(Permission::ReadAggregates);
    let (rows, errors, status) =
        match presidio_app::stats::activity(&state, &ambiti, &from, &to).await {
            Ok(a) => {
                let mut entry = visitor.entry(Action::Read);
                entry.record_type = "stats".into();
                entry.section = "activity".into();
                state.audit.append(entry).await?;
                let rows = shown_rows(t, &a, crate::dashboard::suppressed(who))
                    .into_iter()
                    .zip(table(&a))
                    .map(|((label, value), r)| (label, value, r.published))
                    .collect();
                (rows, FormErrors::default(), StatusCode::OK)
            }
            Err(DbError::Invalid(invalid)) => (
                Vec::new(),
                FormErrors::from(&invalid).renamed(PERIOD_FIELDS),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            Err(e) => return Err(e.into()),
        };
    Ok((
        status,
        StatsPage {
            page,
            from,
            to,
            rows,
            can_import: who.may(Permission::ImportReports),
            errors,
        },
    )
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "import.html")]
pub struct ImportPage {
    page: Layout,
    /// "Importate 86 segnalazioni…", after an import.
    done: String,
    /// The file's errors, each with its line.
    refused: Vec<String>,
    errors: FormErrors,
}

fn import_page(
    visitor: &Visitor,
    done: String,
    refused: Vec<String>,
    errors: FormErrors,
) -> ImportPage {
    ImportPage {
        page: Layout::new(visitor, "import-title", "stats"),
        done,
        refused,
        errors,
    }
}

pub async fn import_form(Extension(visitor): Extension<Visitor>) -> ImportPage {
    import_page(&visitor, String::new(), Vec::new(), FormErrors::default())
}

/// Imports an uploaded CSV (field `file`; `dry_run` to check only), all or nothing.
pub async fn import_submit(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    mut form: axum::extract::Multipart,
) -> Result<Response, PageError> {
    use crate::i18n::Arg;
    use presidio_domain::validation::{Invalid, Problem};
    let who = principal(&visitor)?;
    let (mut file, mut dry_run) = (None, false);
    while let Ok(Some(field)) = form.next_field().await {
        match field.name() {
            Some("file") => file = field.bytes().await.ok(),
            Some("dry_run") => dry_run = true,
            _ => {}
        }
    }
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        let invalid = Invalid::one("file", Problem::Required);
        let page = import_page(
            &visitor,
            String::new(),
            Vec::new(),
            FormErrors::from(&invalid),
        );
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let t = crate::i18n::catalogue().tr(crate::i18n::Locale::Italian);
    let ambiti = who.ambiti_with(Permission::ImportReports);
    let mut entry = visitor.entry(Action::Write);
    entry.record_type = "reports".into();
    match presidio_app::stats::import(&state, &ambiti, &bytes, dry_run, &entry).await {
        Ok((added, known)) => {
            if added > 0 && !dry_run {
                state.caches.invalidate();
            }
            let key = if dry_run {
                "import-dry-run"
            } else {
                "import-done"
            };
            let done = t.t_args(
                key,
                &[
                    ("added", Arg::Num(i64::try_from(added).unwrap_or(0))),
                    ("known", Arg::Num(i64::try_from(known).unwrap_or(0))),
                ],
            );
            Ok(import_page(&visitor, done, Vec::new(), FormErrors::default()).into_response())
        }
        Err(presidio_app::stats::ImportFailure::Refused(list)) => {
            let mut refused = vec![t.t_args(
                "import-refused",
                &[("count", Arg::Num(i64::try_from(list.len()).unwrap_or(0)))],
            )];
            refused.extend(
                list.iter()
                    .take(500)
                    .map(|e| presidio_app::stats::describe(t, e)),
            );
            let page = import_page(&visitor, String::new(), refused, FormErrors::default());
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(presidio_app::stats::ImportFailure::Db(e)) => Err(e.into()),
    }
}

/// The activity of the period asked (days included), for an export: refused on a bad period,
/// and audited as an export of `section`.
async fn exported(
    state: &AppState,
    visitor: &Visitor,
    form: PeriodForm,
    section: &str,
) -> Result<
    (
        presidio_domain::stats::activity::Activity,
        String,
        String,
        bool,
    ),
    PageError,
> {
    let who = principal(visitor)?;
    let (default_from, default_to) = default_period();
    let from = form.dal.unwrap_or(default_from);
    let to = form.al.unwrap_or(default_to);
    let ambiti = who.ambiti_with(Permission::ReadAggregates);
    let a = match presidio_app::stats::activity(state, &ambiti, &from, &to).await {
        Ok(a) => a,
        Err(DbError::Invalid(_)) => {
            return Err(PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let mut entry = visitor.entry(Action::Export);
    entry.record_type = "stats".into();
    entry.section = section.into();
    state.audit.append(entry).await?;
    Ok((a, from, to, crate::dashboard::suppressed(who)))
}

/// The activity table as a CSV file for spreadsheets; audited like the page.
pub async fn csv(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(form): Query<PeriodForm>,
) -> Result<Response, PageError> {
    let _slot = crate::exports::slot(&state, &visitor)?;
    let (a, from, to, suppressed) = exported(&state, &visitor, form, "activity_csv").await?;
    let t = crate::i18n::catalogue().tr(crate::i18n::Locale::Italian);
    let name = format!("attivita-{from}-{to}.csv");
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        crate::dashboard::activity_csv(t, &a, suppressed),
    )
        .into_response())
}

/// The activity table as a PDF for the Ufficio di Piano; audited like the CSV.
pub async fn pdf(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(form): Query<PeriodForm>,
) -> Result<Response, PageError> {
    use crate::i18n::Arg;
    let _slot = crate::exports::slot(&state, &visitor)?;
    let (a, from, to, suppressed) = exported(&state, &visitor, form, "activity_pdf").await?;
    let t = crate::i18n::catalogue().tr(crate::i18n::Locale::Italian);
    let sheet = super::Sheet {
        title: t.t_args(
            "stats-pdf-title",
            &[("from", Arg::Str(&from)), ("to", Arg::Str(&to))],
        ),
        subtitle: t.t1("stats-pdf-made", "at", &t.date_time(state.clock.now())),
        sections: vec![super::sheet::Section {
            heading: t.t("stats-title"),
            rows: shown_rows(t, &a, suppressed),
        }],
    };
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("inline; filename=\"attivita-{from}-{to}.pdf\""),
            ),
        ],
        crate::pdf::render(&sheet).map_err(|err| super::sheet::pdf_failed(&err))?,
    )
        .into_response())
}

/// One section of the dashboard page: a chart (SVG, maybe none) and its table.
pub struct Section {
    id: &'static str,
    title: String,
    chart: String,
    chart_label: String,
    head: Vec<String>,
    rows: Vec<Vec<String>>,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    page: Layout,
    from: String,
    to: String,
    sections: Vec<Section>,
    suppressed: bool,
    errors: FormErrors,
}

/// The figures of the period asked, or the form's errors.
async fn figures(
    state: &AppState,
    visitor: &Visitor,
    form: PeriodForm,
) -> Result<Result<crate::dashboard::Figures, FormErrors>, PageError> {
    let who = principal(visitor)?;
    let (default_from, default_to) = default_period();
    let from = form.dal.unwrap_or(default_from);
    let to = form.al.unwrap_or(default_to);
    match crate::dashboard::figures(state, who, &from, &to).await {
        Ok(f) => Ok(Ok(f)),
        Err(DbError::Invalid(invalid)) => {
            Ok(Err(FormErrors::from(&invalid).renamed(PERIOD_FIELDS)))
        }
        Err(e) => Err(e.into()),
    }
}

/// The planning dashboard: charts, the map and their tables; audited.
pub async fn dashboard(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(form): Query<PeriodForm>,
) -> Result<Response, PageError> {
    use crate::i18n::Arg;
    let (asked_from, asked_to) = (form.dal.clone(), form.al.clone());
    let page = Layout::new(&visitor, "dashboard-title", "stats");
    let t = page.t;
    match figures(&state, &visitor, form).await? {
        Ok(f) => {
            let mut entry = visitor.entry(Action::Read);
            entry.record_type = "stats".into();
            entry.section = "dashboard".into();
            state.audit.append(entry).await?;
            let f = crate::dashboard::View(&f);
            let sections = f
                .tables(t)
                .into_iter()
                .map(|table| Section {
                    id: table.id,
                    chart: f.chart(t, &table),
                    chart_label: t.t_args(
                        "dashboard-chart-label",
                        &[("title", Arg::Str(&table.title))],
                    ),
                    head: table.head.clone(),
                    rows: table
                        .rows
                        .iter()
                        .map(|r| r.iter().map(|c| c.show(t)).collect())
                        .collect(),
                    title: table.title,
                })
                .collect();
            Ok(DashboardPage {
                page,
                from: f.from.clone(),
                to: f.to.clone(),
                sections,
                suppressed: f.suppressed,
                errors: FormErrors::default(),
            }
            .into_response())
        }
        Err(errors) => {
            let (from, to) = default_period();
            let page = DashboardPage {
                page,
                from: asked_from.unwrap_or(from),
                to: asked_to.unwrap_or(to),
                sections: Vec::new(),
                suppressed: false,
                errors,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// The dashboard's tables for an export of `section`: refused on a bad period, audited.
async fn exported_tables(
    state: &AppState,
    visitor: &Visitor,
    form: PeriodForm,
    section: &str,
) -> Result<(Vec<crate::dashboard::Table>, String), PageError> {
    let Ok(f) = figures(state, visitor, form).await? else {
        return Err(PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        ));
    };
    let mut entry = visitor.entry(Action::Export);
    entry.record_type = "stats".into();
    entry.section = section.into();
    state.audit.append(entry).await?;
    let t = crate::i18n::catalogue().tr(crate::i18n::Locale::Italian);
    Ok((
        crate::dashboard::View(&f).tables(t),
        format!("cruscotto-{}-{}", f.from, f.to),
    ))
}

/// Every table of the dashboard as one CSV for Italian spreadsheets.
pub async fn dashboard_csv(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(form): Query<PeriodForm>,
) -> Result<Response, PageError> {
    let _slot = crate::exports::slot(&state, &visitor)?;
    let (tables, name) = exported_tables(&state, &visitor, form, "dashboard_csv").await?;
    Ok(crate::forms::attachment(
        "text/csv; charset=utf-8",
        &format!("{name}.csv"),
        crate::dashboard::csv(&tables).into_bytes(),
    ))
}

/// Every table of the dashboard as an XLSX workbook, one worksheet each.
pub async fn dashboard_xlsx(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(form): Query<PeriodForm>,
) -> Result<Response, PageError> {
    let _slot = crate::exports::slot(&state, &visitor)?;
    let (tables, name) = exported_tables(&state, &visitor, form, "dashboard_xlsx").await?;
    let body = crate::dashboard::xlsx(&tables).map_err(|e| {
        tracing::error!(error = %e, "xlsx not written");
        PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal")
    })?;
    Ok(crate::forms::attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{name}.xlsx"),
        body,
    ))
}
