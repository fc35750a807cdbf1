//! The resource directory and the bed board: free places by provider, updated by the
//! operators; a resource's address only for those its confidentiality allows.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use presidio_domain::access::Permission;
use presidio_domain::resources::{Confidentiality, ResourceInput, ResourceKind, Unit};
use presidio_domain::time::UtcMillis;
use presidio_domain::validation::{Invalid, Problem};
use serde::Deserialize;

use super::admin::Choice;
use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::forms::FormErrors;

pub struct ResourceRow {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub provider: String,
    /// None: not for this user.
    pub address: Option<String>,
    pub free: u32,
    pub capacity: u32,
    pub unit: String,
    pub updated: String,
    pub contact: String,
    pub tel: String,
    pub tariff: String,
    pub version: i64,
}

/// Free places of one kind, across providers.
pub struct BoardLine {
    pub kind: String,
    pub free: u32,
    pub capacity: u32,
    /// "3 liberi su 12".
    pub text: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "resources.html")]
pub struct ResourcesPage {
    page: Layout,
    board: Vec<BoardLine>,
    rows: Vec<ResourceRow>,
    can_update: bool,
    can_manage: bool,
    kinds: Vec<Choice>,
    levels: Vec<Choice>,
    units: Vec<Choice>,
    form: ResourceForm,
    errors: FormErrors,
    done: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct ResourceForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub provider: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub confidentiality: String,
    #[serde(default)]
    pub capacity: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub tariff: String,
    #[serde(default)]
    pub notes: String,
}

fn choices<T: Copy>(
    t: crate::i18n::Tr<'_>,
    all: &[T],
    code: fn(T) -> &'static str,
    prefix: &str,
    selected: &str,
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: code(*v).into(),
            label: t.t(&format!("{prefix}-{}", code(*v))),
            selected: selected == code(*v),
        })
        .collect()
}

async fn resources_page(
    state: &AppState,
    visitor: &Visitor,
    form: ResourceForm,
    errors: FormErrors,
    done: Option<&str>,
) -> Result<ResourcesPage, PageError> {
    let who = super::reports::principal(visitor)?;
    let page = Layout::new(visitor, "resources-title", "resources");
    let t = page.t;
    let (ambito, listed) = presidio_app::resources::list(state, who).await?;
    let readable: Vec<bool> = listed.iter().map(|l| l.readable).collect();
    let stored: Vec<_> = listed.into_iter().map(|l| l.stored).collect();
    let mut board: Vec<BoardLine> = Vec::new();
    for s in stored
        .iter()
        .filter(|s| s.resource.unit == Unit::PostiLetto)
    {
        let kind = t.t(&format!("resource-kind-{}", s.resource.kind.code()));
        match board.iter_mut().find(|b| b.kind == kind) {
            Some(line) => {
                line.free += s.free;
                line.capacity += s.resource.capacity;
            }
            None => board.push(BoardLine {
                kind,
                free: s.free,
                capacity: s.resource.capacity,
                text: String::new(),
            }),
        }
    }
    for line in &mut board {
        line.text = t.t_args(
            "resources-free-of",
            &[
                ("free", crate::i18n::Arg::Num(i64::from(line.free))),
                ("capacity", crate::i18n::Arg::Num(i64::from(line.capacity))),
            ],
        );
    }
    let rows = stored
        .into_iter()
        .zip(readable)
        .map(|(s, readable)| {
            let r = s.resource;
            let digits: String = r
                .contact
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '+')
                .collect();
            ResourceRow {
                id: s.id,
                kind: t.t(&format!("resource-kind-{}", r.kind.code())),
                address: readable.then_some(r.address),
                free: s.free,
                capacity: r.capacity,
                unit: t.t(&format!("resource-unit-{}", r.unit.code())),
                updated: match (s.free_updated_at, s.free_updated_by) {
                    (Some(at), Some(by)) => t.t_args(
                        "resources-updated",
                        &[
                            ("when", crate::i18n::Arg::Str(&t.date_time(UtcMillis(at)))),
                            ("who", crate::i18n::Arg::Str(&by)),
                        ],
                    ),
                    _ => t.t("resources-never-updated"),
                },
                tel: format!("tel:{digits}"),
                contact: r.contact,
                tariff: t.euro(r.tariff_cents),
                name: r.name,
                provider: r.provider,
                version: s.version,
            }
        })
        .collect();
    Ok(ResourcesPage {
        board,
        rows,
        can_update: who.may_in(Permission::WriteCases, ambito),
        can_manage: who.may_in(Permission::ManageResources, ambito),
        kinds: choices(
            t,
            ResourceKind::ALL,
            ResourceKind::code,
            "resource-kind",
            &form.kind,
        ),
        levels: choices(
            t,
            Confidentiality::ALL,
            Confidentiality::code,
            "resource-level",
            &form.confidentiality,
        ),
        units: choices(t, Unit::ALL, Unit::code, "resource-unit", &form.unit),
        form,
        errors,
        done: done.map(|d| t.t(d)),
        page,
    })
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    fatto: String,
}

pub async fn list(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<DoneQuery>,
) -> Result<ResourcesPage, PageError> {
    let done = match q.fatto.as_str() {
        "aggiunta" => Some("resources-done-added"),
        "aggiornati" => Some("resources-done-updated"),
        _ => None,
    };
    resources_page(
        &state,
        &visitor,
        ResourceForm::default(),
        FormErrors::default(),
        done,
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Form(form): Form<ResourceForm>,
) -> Result<Response, PageError> {
    let who = super::reports::principal(&visitor)?;
    presidio_app::resources::directory(who, Permission::ManageResources)?;
    let input = ResourceInput {
        kind: &form.kind,
        name: &form.name,
        provider: &form.provider,
        address: &form.address,
        confidentiality: &form.confidentiality,
        capacity: &form.capacity,
        unit: &form.unit,
        contact: &form.contact,
        tariff: &form.tariff,
        notes: &form.notes,
    };
    match input.validate() {
        Ok(resource) => {
            presidio_app::resources::create(&state, visitor.caller(), who, &resource).await?;
            Ok(Redirect::to("/risorse?fatto=aggiunta").into_response())
        }
        Err(invalid) => {
            let errors = FormErrors::from(&invalid);
            let page = resources_page(&state, &visitor, form, errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
pub struct FreeForm {
    #[serde(default)]
    pub free: String,
    #[serde(default)]
    pub version: i64,
}

pub async fn set_free(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(form): Form<FreeForm>,
) -> Result<Response, PageError> {
    let who = super::reports::principal(&visitor)?;
    presidio_app::resources::directory(who, Permission::WriteCases)?;
    let outcome = match form.free.trim().parse::<u32>() {
        Ok(free) => {
            presidio_app::resources::set_free(&state, visitor.caller(), who, id, free, form.version)
                .await
        }
        Err(_) => Err(Invalid::one("free", Problem::OutOfRange).into()),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to("/risorse?fatto=aggiornati").into_response()),
        Err(presidio_app::AppError::Invalid(invalid)) => {
            let errors = FormErrors::from(&invalid);
            let page =
                resources_page(&state, &visitor, ResourceForm::default(), errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(presidio_app::AppError::Db(presidio_db::DbError::Conflict)) => {
            let errors = FormErrors::from(&Invalid::one("free", Problem::StaleVersion));
            let page =
                resources_page(&state, &visitor, ResourceForm::default(), errors, None).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
