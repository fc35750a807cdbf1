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
    let (rows, errors, status) = match crate::stats::activity(&state.db, &ambiti, &from, &to).await
    {
        Ok(a) => {
            let mut entry = visitor.entry(Action::Read);
            entry.record_type = "stats".into();
            entry.section = "activity".into();
            state.audit.append(entry).await?;
            let rows = table(&a)
                .into_iter()
                .map(|r| {
                    (
                        t.t(r.label),
                        r.value.map_or_else(String::new, |v| {
                            t.number(i64::try_from(v).unwrap_or(i64::MAX))
                        }),
                        r.published,
                    )
                })
                .collect();
            (rows, FormErrors::default(), StatusCode::OK)
        }
        Err(DbError::Invalid(invalid)) => (
            Vec::new(),
            FormErrors::from(&invalid),
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
    match crate::stats::import(&state.db, &ambiti, &bytes, dry_run, &entry).await {
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
        Err(crate::stats::ImportFailure::Refused(list)) => {
            let mut refused = vec![t.t_args(
                "import-refused",
                &[("count", Arg::Num(i64::try_from(list.len()).unwrap_or(0)))],
            )];
            refused.extend(list.iter().take(500).map(|e| crate::stats::describe(t, e)));
            let page = import_page(&visitor, String::new(), refused, FormErrors::default());
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(crate::stats::ImportFailure::Db(e)) => Err(e.into()),
    }
}

/// The activity of the period asked (days included), for an export: refused on a bad period,
/// and audited as an export of `section`.
async fn exported(
    state: &AppState,
    visitor: &Visitor,
    form: PeriodForm,
    section: &str,
) -> Result<(presidio_domain::stats::activity::Activity, String, String), PageError> {
    let who = principal(visitor)?;
    let (default_from, default_to) = default_period();
    let from = form.dal.unwrap_or(default_from);
    let to = form.al.unwrap_or(default_to);
    let ambiti = who.ambiti_with(Permission::ReadAggregates);
    let a = match crate::stats::activity(&state.db, &ambiti, &from, &to).await {
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
    Ok((a, from, to))
}

/// The activity table as a CSV file for spreadsheets; audited like the page.
pub async fn csv(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(form): Query<PeriodForm>,
) -> Result<Response, PageError> {
    let (a, from, to) = exported(&state, &visitor, form, "activity_csv").await?;
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
        crate::stats::activity_csv(t, &a),
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
    let (a, from, to) = exported(&state, &visitor, form, "activity_pdf").await?;
    let t = crate::i18n::catalogue().tr(crate::i18n::Locale::Italian);
    let sheet = super::Sheet {
        title: t.t_args(
            "stats-pdf-title",
            &[("from", Arg::Str(&from)), ("to", Arg::Str(&to))],
        ),
        subtitle: t.t1("stats-pdf-made", "at", &t.date_time(presidio_db::now())),
        sections: vec![super::sheet::Section {
            heading: t.t("stats-title"),
            rows: table(&a)
                .into_iter()
                .map(|r| {
                    let value = r.value.map_or_else(String::new, |v| {
                        t.number(i64::try_from(v).unwrap_or(i64::MAX))
                    });
                    (t.t(r.label), value)
                })
                .collect(),
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
        crate::pdf::render(&sheet),
    )
        .into_response())
}
