//! Protocols and agreements in the pages: the list (those about to end first), a protocol with
//! its renewals and signed documents, and the coordinators' forms (save, upload a PDF).

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use presidio_app::AppError;
use presidio_db::StoredProtocol;
use presidio_domain::access::Permission;
use presidio_domain::protocol::{ProtocolInput, ProtocolKind, Standing, standing};
use presidio_domain::report::TargetGroup;
use presidio_domain::validation::{Invalid, Problem};

use super::reports::principal;
use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::forms::{Choice, FormErrors};
use crate::i18n::{Arg, Locale, Tr, catalogue};

/// A protocol as a line of the list.
pub struct ProtocolRow {
    pub id: i64,
    pub title: String,
    pub kind: String,
    /// `valid`, `expiring`, `expired`.
    pub standing: &'static str,
    /// "Scade tra 20 giorni (31 dicembre 2026)".
    pub standing_label: String,
    pub parties: String,
}

fn standing_of(t: Tr<'_>, until: &str, today: jiff::civil::Date) -> (&'static str, String) {
    let Some(day) = presidio_domain::time::parse_date(until) else {
        return ("valid", String::new());
    };
    let long = t.date_long(day);
    match standing(day, today) {
        Standing::Valid => ("valid", t.t1("protocol-valid", "day", &long)),
        Standing::Expiring(days) => (
            "expiring",
            t.t_args(
                "protocol-expiring",
                &[("days", Arg::Num(days)), ("day", Arg::Str(&long))],
            ),
        ),
        Standing::Expired => ("expired", t.t1("protocol-expired", "day", &long)),
    }
}

fn row(t: Tr<'_>, p: &StoredProtocol, today: jiff::civil::Date) -> ProtocolRow {
    let (standing, standing_label) = standing_of(t, &p.valid_until, today);
    ProtocolRow {
        id: p.id,
        title: p.title.clone(),
        kind: t.t(&format!("protocol-kind-{}", p.kind)),
        standing,
        standing_label,
        parties: p
            .parties
            .iter()
            .map(|(_, n)| n.clone())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "protocols.html")]
pub struct ProtocolsPage {
    page: Layout,
    rows: Vec<ProtocolRow>,
    expiring: bool,
    can_manage: bool,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ListQuery {
    in_scadenza: String,
}

/// The protocols of the user's Ambiti, soonest to end first; `?in_scadenza=1`: those ending
/// within 60 days, and the ended ones.
pub async fn list(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(query): Query<ListQuery>,
) -> Result<ProtocolsPage, PageError> {
    let who = principal(&visitor)?;
    let expiring = !query.in_scadenza.is_empty();
    let within = expiring.then_some(presidio_domain::protocol::REMINDERS[0]);
    let list = presidio_app::protocols::list(&state, visitor.caller(), who, within).await?;
    let page = Layout::new(&visitor, "protocols-title", "network");
    let today = state.clock.now().in_rome().date();
    Ok(ProtocolsPage {
        rows: list.iter().map(|p| row(page.t, p, today)).collect(),
        expiring,
        can_manage: who.may(Permission::ManageNetwork),
        page,
    })
}

/// What the page shows of a saved protocol.
pub struct ProtocolView {
    pub id: i64,
    pub kind: String,
    pub standing_label: String,
    pub parties: String,
    pub signed_on: String,
    pub valid_until: String,
    pub groups: String,
    pub covers: String,
    pub procedures: String,
    pub summary: String,
    pub renewals: Vec<String>,
    /// (link, name, "212 kB · SHA-256 …").
    pub documents: Vec<(String, String, String)>,
}

fn groups_in_words(t: Tr<'_>, joined: &str, none: &str) -> String {
    let list: Vec<String> = joined
        .split(',')
        .filter_map(TargetGroup::parse)
        .map(|g| t.t(&format!("target-{}", g.code())))
        .collect();
    if list.is_empty() {
        t.t(none)
    } else {
        list.join(", ")
    }
}

fn view(t: Tr<'_>, p: &StoredProtocol, today: jiff::civil::Date) -> ProtocolView {
    let day = |text: &str| {
        presidio_domain::time::parse_date(text).map_or_else(|| text.to_owned(), |d| t.date(d))
    };
    let line = row(t, p, today);
    ProtocolView {
        id: p.id,
        kind: line.kind,
        standing_label: line.standing_label,
        parties: line.parties,
        signed_on: day(&p.signed_on),
        valid_until: day(&p.valid_until),
        groups: groups_in_words(t, &p.target_groups, "network-every-group"),
        covers: if p.municipalities.is_empty() {
            t.t("network-whole-ambito")
        } else {
            p.municipalities.join(", ")
        },
        procedures: if p.procedures.is_empty() {
            String::new()
        } else {
            groups_in_words(t, &p.procedures, "network-every-group")
        },
        summary: p.summary.clone().unwrap_or_default(),
        renewals: p
            .renewals
            .iter()
            .map(|(from, to, at)| {
                t.t_args(
                    "protocol-renewed",
                    &[
                        ("from", Arg::Str(&day(from))),
                        ("to", Arg::Str(&day(to))),
                        (
                            "at",
                            Arg::Str(&t.date_time(presidio_domain::time::UtcMillis(*at))),
                        ),
                    ],
                )
            })
            .collect(),
        documents: p
            .documents
            .iter()
            .map(|d| {
                (
                    format!("/rete/protocolli/{}/documenti/{}", p.id, d.id),
                    d.name.clone(),
                    t.t_args(
                        "protocol-document-detail",
                        &[
                            ("kb", Arg::Num((d.size + 1023) / 1024)),
                            ("sha", Arg::Str(&d.sha256[..d.sha256.len().min(16)])),
                        ],
                    ),
                )
            })
            .collect(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "protocol.html")]
pub struct ProtocolPage {
    page: Layout,
    id: Option<i64>,
    version: i64,
    view: Option<ProtocolView>,
    can_manage: bool,
    form: ProtocolInput,
    kinds: Vec<Choice>,
    ambiti: Vec<Choice>,
    /// The checkbox lists: field, legend, choices.
    ticks: Vec<(&'static str, String, Vec<Choice>)>,
    errors: FormErrors,
    done: Option<String>,
}

fn choices(list: impl IntoIterator<Item = (String, String)>, picked: &[String]) -> Vec<Choice> {
    list.into_iter()
        .map(|(value, label)| Choice {
            selected: picked.contains(&value),
            value,
            label,
        })
        .collect()
}

fn group_choices(t: Tr<'_>, only: &[TargetGroup], picked: &[String]) -> Vec<Choice> {
    choices(
        only.iter()
            .map(|g| (g.code().to_owned(), t.t(&format!("target-{}", g.code())))),
        picked,
    )
}

async fn page_of(
    state: &AppState,
    visitor: &Visitor,
    stored: Option<&StoredProtocol>,
    typed: Option<(&ProtocolInput, &str)>,
    errors: FormErrors,
) -> Result<ProtocolPage, PageError> {
    let who = principal(visitor)?;
    let t = catalogue().tr(Locale::Italian);
    let today = state.clock.now().in_rome().date();
    let form = match (typed, stored) {
        (Some((input, _)), _) => input.clone(),
        (None, Some(p)) => ProtocolInput {
            title: p.title.clone(),
            kind: p.kind.clone(),
            parties: p.parties.iter().map(|(id, _)| id.to_string()).collect(),
            target_groups: p.target_groups.split(',').map(str::to_owned).collect(),
            municipalities: p.municipalities.clone(),
            signed_on: p.signed_on.clone(),
            valid_until: p.valid_until.clone(),
            summary: p.summary.clone().unwrap_or_default(),
            procedures: p.procedures.split(',').map(str::to_owned).collect(),
        },
        (None, None) => ProtocolInput::default(),
    };
    let parties = presidio_app::protocols::parties(state, who).await?;
    let mut ambiti = Vec::new();
    let mut places = Vec::new();
    for (ambito, list) in presidio_app::network::form_choices(state, who).await? {
        ambiti.push((ambito.code.clone(), ambito.name.clone()));
        places.extend(
            list.into_iter()
                .map(|m| (m.data.istat_code.as_str().to_owned(), m.data.name)),
        );
    }
    let ambito_typed = typed.map(|(_, a)| a.to_owned()).unwrap_or_default();
    let ticks = vec![
        (
            "parties",
            t.t("field-parties"),
            choices(
                parties.iter().map(|o| (o.id.to_string(), o.name.clone())),
                &form.parties,
            ),
        ),
        (
            "target_groups",
            t.t("network-groups-pick"),
            group_choices(t, TargetGroup::ALL, &form.target_groups),
        ),
        (
            "municipalities",
            t.t("network-covers-pick"),
            choices(places, &form.municipalities),
        ),
        (
            "procedures",
            t.t("field-procedures"),
            group_choices(
                t,
                &[TargetGroup::ViolenzaGenere, TargetGroup::Msna],
                &form.procedures,
            ),
        ),
    ];
    let title = stored.map_or_else(|| t.t("protocols-new"), |p| p.title.clone());
    Ok(ProtocolPage {
        page: Layout::titled(visitor, title, "network"),
        id: stored.map(|p| p.id),
        version: stored.map_or(0, |p| p.version),
        view: stored.map(|p| view(t, p, today)),
        can_manage: who.may(Permission::ManageNetwork),
        kinds: choices(
            ProtocolKind::ALL.iter().map(|k| {
                (
                    k.code().to_owned(),
                    t.t(&format!("protocol-kind-{}", k.code())),
                )
            }),
            std::slice::from_ref(&form.kind),
        ),
        ambiti: choices(ambiti, &[ambito_typed]),
        ticks,
        form,
        errors,
        done: None,
    })
}

/// The form of a new protocol (coordinators).
pub async fn new_form(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<ProtocolPage, PageError> {
    page_of(&state, &visitor, None, None, FormErrors::default()).await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ShowQuery {
    fatto: String,
}

/// A protocol, with its forms for the coordinators.
pub async fn show(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Query(query): Query<ShowQuery>,
) -> Result<ProtocolPage, PageError> {
    let who = principal(&visitor)?;
    let p = presidio_app::protocols::get(&state, visitor.caller(), who, id).await?;
    let mut page = page_of(&state, &visitor, Some(&p), None, FormErrors::default()).await?;
    let t = catalogue().tr(Locale::Italian);
    page.done = match query.fatto.as_str() {
        "salvato" => Some(t.t("protocols-saved")),
        "documento" => Some(t.t("protocols-document-saved")),
        _ => None,
    };
    Ok(page)
}

/// The form as sent.
fn parse(pairs: &[(String, String)]) -> (ProtocolInput, String, i64) {
    let mut input = ProtocolInput::default();
    let mut ambito = String::new();
    let mut version = 0;
    for (k, v) in pairs {
        match k.as_str() {
            "title" => input.title.clone_from(v),
            "kind" => input.kind.clone_from(v),
            "parties" => input.parties.push(v.clone()),
            "target_groups" => input.target_groups.push(v.clone()),
            "municipalities" => input.municipalities.push(v.clone()),
            "signed_on" => input.signed_on.clone_from(v),
            "valid_until" => input.valid_until.clone_from(v),
            "summary" => input.summary.clone_from(v),
            "procedures" => input.procedures.push(v.clone()),
            "ambito" => ambito.clone_from(v),
            "version" => version = v.trim().parse().unwrap_or(-1),
            _ => {}
        }
    }
    (input, ambito, version)
}

/// Records a protocol.
pub async fn create(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    saved(&state, &visitor, None, &pairs).await
}

/// Saves a protocol (a new last day is a renewal).
pub async fn update(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    saved(&state, &visitor, Some(id), &pairs).await
}

async fn saved(
    state: &AppState,
    visitor: &Visitor,
    id: Option<i64>,
    pairs: &[(String, String)],
) -> Result<Response, PageError> {
    let who = principal(visitor)?;
    let (input, ambito, version) = parse(pairs);
    let target = id.map(|id| (id, version));
    match presidio_app::protocols::save(state, visitor.caller(), who, target, &ambito, &input).await
    {
        Ok(saved) => {
            Ok(Redirect::to(&format!("/rete/protocolli/{saved}?fatto=salvato")).into_response())
        }
        Err(AppError::Invalid(invalid)) => {
            let stored = match id {
                Some(id) => {
                    Some(presidio_app::protocols::get(state, visitor.caller(), who, id).await?)
                }
                None => None,
            };
            let page = page_of(
                state,
                visitor,
                stored.as_ref(),
                Some((&input, &ambito)),
                FormErrors::from(&invalid),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Keeps the signed PDF of a protocol; a refusal shows the page again with its message.
pub async fn upload(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    form: Multipart,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let done = match crate::forms::uploaded(form, "document").await {
        Some((name, bytes)) => {
            presidio_app::protocols::upload(&state, visitor.caller(), who, id, &name, &bytes).await
        }
        None => Err(Invalid::one("document", Problem::Required).into()),
    };
    match done {
        Ok(_) => {
            Ok(Redirect::to(&format!("/rete/protocolli/{id}?fatto=documento")).into_response())
        }
        Err(AppError::Invalid(invalid)) => {
            let p = presidio_app::protocols::get(&state, visitor.caller(), who, id).await?;
            let page =
                page_of(&state, &visitor, Some(&p), None, FormErrors::from(&invalid)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A signed document, downloaded (audited).
pub async fn download(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((id, document)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let (name, bytes) =
        presidio_app::protocols::document(&state, visitor.caller(), who, id, document).await?;
    Ok(crate::forms::pdf_download(&name, bytes))
}
