//! Administration of organisations: the bodies users belong to (the consortium, the cooperative,
//! each municipality's social service, police stations, the hospital).

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use presidio_domain::account::OrganisationKind;
use serde::Deserialize;

use super::admin::Choice;
use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::forms::FormErrors;

pub struct OrganisationRow {
    pub id: i64,
    /// The code of its Ambito, and its name when the admin administers several.
    pub ambito: String,
    pub ambito_name: String,
    pub name: String,
    pub version: i64,
    pub users: String,
    pub kinds: Vec<Choice>,
    pub name_label: String,
    pub kind_label: String,
    pub save_label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_organisations.html")]
pub struct OrganisationsPage {
    page: Layout,
    rows: Vec<OrganisationRow>,
    kinds: Vec<Choice>,
    ambiti: Vec<Choice>,
    new_name: String,
    errors: FormErrors,
}

fn kinds(t: crate::i18n::Tr<'_>, selected: &str) -> Vec<Choice> {
    OrganisationKind::ALL
        .iter()
        .map(|k| Choice {
            value: k.code().into(),
            label: t.t(&format!("organisation-kind-{}", k.code())),
            selected: k.code() == selected,
        })
        .collect()
}

async fn page(
    state: &AppState,
    visitor: &Visitor,
    name: String,
    errors: FormErrors,
) -> Result<OrganisationsPage, PageError> {
    let layout = Layout::new(visitor, "admin-organisations-title", "admin");
    let t = layout.t;
    let who = visitor
        .principal()
        .ok_or(PageError::new(StatusCode::UNAUTHORIZED, "unauthorized"))?;
    let listed = presidio_app::accounts::organisations(state, who).await?;
    let allowed: Vec<_> = listed.iter().map(|(a, _)| a.clone()).collect();
    let mut rows = Vec::new();
    for (ambito, list) in listed {
        let shown = if allowed.len() > 1 {
            ambito.name.clone()
        } else {
            String::new()
        };
        rows.extend(list.into_iter().map(|o| OrganisationRow {
            id: o.id,
            ambito: ambito.code.clone(),
            ambito_name: shown.clone(),
            version: o.version,
            users: t.t_args(
                "organisation-users",
                &[("count", crate::i18n::Arg::Num(o.users))],
            ),
            kinds: kinds(t, &o.kind),
            name_label: t.t1("organisation-name-of", "name", &o.name),
            kind_label: t.t1("organisation-kind-of", "name", &o.name),
            save_label: t.t1("organisation-save", "name", &o.name),
            name: o.name,
        }));
    }
    Ok(OrganisationsPage {
        page: layout,
        rows,
        kinds: kinds(t, "cooperativa"),
        ambiti: super::admin::ambito_choices(&allowed, ""),
        new_name: name,
        errors,
    })
}

pub async fn list(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<OrganisationsPage, PageError> {
    page(&state, &visitor, String::new(), FormErrors::default()).await
}

#[derive(Deserialize)]
pub struct OrganisationForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    version: Option<i64>,
    /// The code of the Ambito it belongs to (or is created in).
    #[serde(default)]
    ambito: String,
}

async fn save(
    state: &AppState,
    visitor: &Visitor,
    id: Option<i64>,
    form: OrganisationForm,
) -> Result<Response, PageError> {
    let target = match (id, form.version) {
        (Some(id), Some(version)) => Some((id, version)),
        (Some(_), None) => return Err(PageError::new(StatusCode::BAD_REQUEST, "bad_request")),
        (None, _) => None,
    };
    let who = visitor
        .principal()
        .ok_or(PageError::new(StatusCode::UNAUTHORIZED, "unauthorized"))?;
    let input = presidio_app::accounts::OrganisationInput {
        name: &form.name,
        kind: &form.kind,
        ambito: &form.ambito,
    };
    let result =
        presidio_app::accounts::save_organisation(state, visitor.caller(), who, target, &input)
            .await;
    match result {
        Ok(_) => Ok(Redirect::to("/amministrazione/organizzazioni").into_response()),
        Err(presidio_app::AppError::Invalid(invalid)) => {
            let shown = if id.is_none() {
                form.name.trim().to_owned()
            } else {
                String::new()
            };
            let page = page(state, visitor, shown, FormErrors::from(&invalid)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn create(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Form(form): Form<OrganisationForm>,
) -> Result<Response, PageError> {
    save(&state, &visitor, None, form).await
}

pub async fn update(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(form): Form<OrganisationForm>,
) -> Result<Response, PageError> {
    save(&state, &visitor, Some(id), form).await
}
