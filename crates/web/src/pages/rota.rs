//! The weekly rota pattern of an Ambito and the generation of its shifts (coordinators), and
//! the requests to swap a shift (the person on call asks, the coordinator decides).

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use presidio_domain::calendar::hours::format_minute;
use presidio_domain::roster::RosterRole;
use presidio_domain::roster::rota::RotaInput;
use presidio_domain::validation::{Invalid, Problem};
use serde::Deserialize;

use super::admin::Choice;
use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::forms::FormErrors;
use presidio_app::AppError;
use presidio_domain::access::Principal;

const WEEKDAYS: [&str; 7] = [
    "field-lunedi",
    "field-martedi",
    "field-mercoledi",
    "field-giovedi",
    "field-venerdi",
    "field-sabato",
    "field-domenica",
];

pub struct RotaRow {
    pub id: i64,
    pub day: String,
    pub hours: String,
    pub role: String,
    pub name: String,
    pub phone: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "rota.html")]
pub struct RotaPage {
    page: Layout,
    rows: Vec<RotaRow>,
    weekdays: Vec<Choice>,
    roles: Vec<Choice>,
    people: Vec<Choice>,
    form: RotaForm,
    generate: GenerateForm,
    errors: FormErrors,
    done: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct RotaForm {
    #[serde(default)]
    pub weekday: String,
    #[serde(default)]
    pub start: String,
    #[serde(default)]
    pub end: String,
    #[serde(default)]
    pub extra_days: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub user_id: String,
    #[serde(default)]
    pub phone: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct GenerateForm {
    /// A day of the first week.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub weeks: String,
}

/// The Ambito whose roster the user manages (403 otherwise).
fn managed(visitor: &Visitor) -> Result<&Principal, PageError> {
    let who = super::reports::principal(visitor)?;
    presidio_app::roster::managed(who)?;
    Ok(who)
}

async fn rota_page(
    state: &AppState,
    visitor: &Visitor,
    form: RotaForm,
    generate: GenerateForm,
    errors: FormErrors,
    done: Option<&str>,
) -> Result<RotaPage, PageError> {
    let who = managed(visitor)?;
    let page = Layout::new(visitor, "rota-title", "roster");
    let t = page.t;
    let rows = presidio_app::roster::rota(state, who)
        .await?
        .into_iter()
        .map(|r| {
            let e = &r.entry;
            let days = u16::from(e.extra_days) + u16::from(e.end <= e.start);
            let end = if days == 0 {
                format_minute(e.end)
            } else {
                t.t_args(
                    "rota-end-later",
                    &[
                        ("time", crate::i18n::Arg::Str(&format_minute(e.end))),
                        ("days", crate::i18n::Arg::Num(i64::from(days))),
                    ],
                )
            };
            RotaRow {
                id: r.id,
                day: t.t(WEEKDAYS[usize::from(e.weekday.min(6))]),
                hours: format!("{}–{end}", format_minute(e.start)),
                role: t.t(&format!("roster-role-{}", e.role.code())),
                name: r.name,
                phone: e.phone.clone(),
            }
        })
        .collect();
    let weekdays = WEEKDAYS
        .iter()
        .enumerate()
        .map(|(i, id)| Choice {
            value: i.to_string(),
            label: t.t(id),
            selected: form.weekday == i.to_string(),
        })
        .collect();
    let roles = RosterRole::ALL
        .iter()
        .map(|r| Choice {
            value: r.code().into(),
            label: t.t(&format!("roster-role-{}", r.code())),
            selected: form.role == r.code(),
        })
        .collect();
    let people = super::roster::people_choices(state, who, &form.user_id, None).await?;
    Ok(RotaPage {
        rows,
        weekdays,
        roles,
        people,
        form,
        generate,
        errors,
        done: done.map(|d| t.t(d)),
        page,
    })
}

pub async fn show(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<RotaPage, PageError> {
    let done = match q.get("fatto").map(String::as_str) {
        Some("aggiunta") => Some("rota-done-added"),
        Some("rimossa") => Some("rota-done-removed"),
        _ => None,
    };
    rota_page(
        &state,
        &visitor,
        RotaForm::default(),
        GenerateForm::default(),
        FormErrors::default(),
        done,
    )
    .await
}

pub async fn add(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Form(form): Form<RotaForm>,
) -> Result<Response, PageError> {
    let who = managed(&visitor)?;
    let input = RotaInput {
        weekday: &form.weekday,
        start: &form.start,
        end: &form.end,
        extra_days: &form.extra_days,
        role: &form.role,
        user_id: form.user_id.trim().parse().ok(),
        phone: &form.phone,
    };
    let outcome = match input.validate() {
        Ok(entry) => presidio_app::roster::add_rota(&state, visitor.caller(), who, &entry).await,
        Err(invalid) => Err(invalid.into()),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to("/turni/schema?fatto=aggiunta").into_response()),
        Err(AppError::Invalid(invalid)) => {
            let errors = FormErrors::from(&invalid);
            let page = rota_page(
                &state,
                &visitor,
                form,
                GenerateForm::default(),
                errors,
                None,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn remove(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    presidio_app::roster::remove_rota(&state, visitor.caller(), managed(&visitor)?, id).await?;
    Ok(Redirect::to("/turni/schema?fatto=rimossa").into_response())
}

/// Turns the rota into shifts for 1 to 8 weeks from the week of `from`; shows that week.
pub async fn generate_shifts(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Form(form): Form<GenerateForm>,
) -> Result<Response, PageError> {
    let who = managed(&visitor)?;
    let mut errors = Invalid::default();
    let from = presidio_domain::time::parse_date(&form.from);
    if from.is_none() {
        errors.push("from", Problem::InvalidDate);
    }
    let weeks = form
        .weeks
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|w| (1..=8).contains(w));
    if weeks.is_none() {
        errors.push("weeks", Problem::OutOfRange);
    }
    let (Some(from), Some(weeks)) = (from, weeks) else {
        let errors = FormErrors::from(&errors);
        let page = rota_page(&state, &visitor, RotaForm::default(), form, errors, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let (monday, added) =
        presidio_app::roster::generate(&state, visitor.caller(), who, from, weeks).await?;
    Ok(Redirect::to(&format!(
        "/turni?settimana={monday}&fatto=generati&quanti={added}"
    ))
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "swap.html")]
pub struct SwapPage {
    page: Layout,
    shift_id: i64,
    shift: String,
    people: Vec<Choice>,
    note: String,
    errors: FormErrors,
}

/// The person on call's own shift, or 404.
async fn own_shift(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
) -> Result<presidio_db::StoredShift, PageError> {
    let who = super::reports::principal(visitor)?;
    Ok(presidio_app::roster::own_shift(state, who, id).await?)
}

async fn swap_page(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    selected: &str,
    note: String,
    errors: FormErrors,
) -> Result<SwapPage, PageError> {
    let shift = own_shift(state, visitor, id).await?;
    let page = Layout::new(visitor, "swap-title", "roster");
    let t = page.t;
    let who = super::reports::principal(visitor)?;
    let people =
        super::roster::people_choices(state, who, selected, Some(shift.shift.user_id)).await?;
    Ok(SwapPage {
        shift_id: id,
        shift: format!(
            "{} · {}",
            t.t(&format!("roster-role-{}", shift.shift.role.code())),
            t.t_args(
                "roster-span",
                &[
                    (
                        "start",
                        crate::i18n::Arg::Str(&t.date_time(shift.shift.start))
                    ),
                    ("end", crate::i18n::Arg::Str(&t.date_time(shift.shift.end))),
                ],
            )
        ),
        people,
        note,
        errors,
        page,
    })
}

pub async fn swap_form(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<SwapPage, PageError> {
    swap_page(
        &state,
        &visitor,
        id,
        "",
        String::new(),
        FormErrors::default(),
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct SwapForm {
    #[serde(default)]
    pub to_user_id: String,
    #[serde(default)]
    pub note: String,
}

pub async fn request_swap(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(form): Form<SwapForm>,
) -> Result<Response, PageError> {
    own_shift(&state, &visitor, id).await?;
    let outcome = presidio_app::roster::request_swap(
        &state,
        visitor.caller(),
        super::reports::principal(&visitor)?,
        id,
        form.to_user_id.trim().parse::<i64>().ok(),
        &form.note,
    )
    .await;
    match outcome {
        Ok(_) => Ok(Redirect::to("/turni?fatto=cambio").into_response()),
        Err(AppError::Invalid(invalid)) => {
            let page = swap_page(
                &state,
                &visitor,
                id,
                &form.to_user_id,
                form.note,
                FormErrors::from(&invalid),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn decide(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    approve: bool,
) -> Result<Response, PageError> {
    presidio_app::roster::decide_swap(state, visitor.caller(), managed(visitor)?, id, approve)
        .await?;
    Ok(Redirect::to("/turni?fatto=deciso").into_response())
}

pub async fn approve(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    decide(&state, &visitor, id, true).await
}

pub async fn refuse(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    decide(&state, &visitor, id, false).await
}
