//! The network directory in the pages: the search "chi chiamo per…" (`/rete`, and its results
//! alone for the report page and the field view), an organisation's card with its form for the
//! coordinators, and the night's one-page contact sheet.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use presidio_app::AppError;
use presidio_app::network::{SaveInput, SearchInput};
use presidio_domain::access::Permission;
use presidio_domain::account::OrganisationKind;
use presidio_domain::network::{ContactInput, ContactKind, MAX_CONTACTS};
use presidio_domain::report::{ReporterKind, TargetGroup};

use super::reports::principal;
use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::forms::{Choice, FormErrors};
use crate::i18n::{Locale, Tr, catalogue};
use crate::views::network::{CardView, Results, card_view};

/// The directory's filters as sent.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    q: String,
    kind: String,
    municipality: String,
    target_group: String,
}

impl SearchQuery {
    fn input(&self) -> SearchInput {
        SearchInput {
            q: self.q.clone(),
            kind: self.kind.clone(),
            municipality: self.municipality.clone(),
            target_group: self.target_group.clone(),
        }
    }
}

fn choices(list: impl IntoIterator<Item = (String, String)>, picked: &[&str]) -> Vec<Choice> {
    list.into_iter()
        .map(|(value, label)| Choice {
            selected: picked.contains(&value.as_str()),
            value,
            label,
        })
        .collect()
}

fn kinds(t: Tr<'_>, picked: &str) -> Vec<Choice> {
    choices(
        OrganisationKind::ALL.iter().map(|k| {
            (
                k.code().to_owned(),
                t.t(&format!("organisation-kind-{}", k.code())),
            )
        }),
        &[picked],
    )
}

fn groups(t: Tr<'_>, picked: &[&str]) -> Vec<Choice> {
    choices(
        TargetGroup::ALL
            .iter()
            .map(|g| (g.code().to_owned(), t.t(&format!("target-{}", g.code())))),
        picked,
    )
}

/// The municipalities of the user's Ambiti: (code, name), and the Ambiti (code, name).
async fn places(
    state: &AppState,
    who: &presidio_domain::access::Principal,
) -> Result<(Vec<(String, String)>, Vec<(String, String)>), PageError> {
    let mut municipalities = Vec::new();
    let mut ambiti = Vec::new();
    for (ambito, list) in presidio_app::network::form_choices(state, who).await? {
        ambiti.push((ambito.code.clone(), ambito.name.clone()));
        municipalities.extend(
            list.into_iter()
                .map(|m| (m.data.istat_code.as_str().to_owned(), m.data.name)),
        );
    }
    Ok((municipalities, ambiti))
}

fn cards(
    t: Tr<'_>,
    found: &[presidio_db::StoredCard],
    municipalities: &[(String, String)],
) -> Vec<CardView> {
    let names: HashMap<&str, &str> = municipalities
        .iter()
        .map(|(c, n)| (c.as_str(), n.as_str()))
        .collect();
    let name = |code: &str| {
        names
            .get(code)
            .map_or_else(|| code.to_owned(), |n| (*n).to_owned())
    };
    found.iter().map(|c| card_view(t, c, &name)).collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "network.html")]
pub struct NetworkPage {
    page: Layout,
    q: String,
    kinds: Vec<Choice>,
    municipalities: Vec<Choice>,
    groups: Vec<Choice>,
    /// [`crate::views::network::Results::html`].
    results: String,
    errors: FormErrors,
    can_manage: bool,
}

/// The directory: search by words, kind, municipality and target group.
pub async fn list(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(query): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let page = Layout::new(&visitor, "network-title", "network");
    let t = page.t;
    let (municipalities, _) = places(&state, who).await?;
    let (results, errors, status) =
        match presidio_app::network::search(&state, visitor.caller(), who, &query.input()).await {
            Ok(found) => (
                Results {
                    t,
                    results: cards(t, &found, &municipalities),
                }
                .html(),
                FormErrors::default(),
                StatusCode::OK,
            ),
            Err(AppError::Invalid(invalid)) => (
                String::new(),
                FormErrors::from(&invalid),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            Err(e) => return Err(e.into()),
        };
    Ok((
        status,
        NetworkPage {
            q: query.q.clone(),
            kinds: kinds(t, &query.kind),
            municipalities: choices(municipalities, &[query.municipality.as_str()]),
            groups: groups(t, &[query.target_group.as_str()]),
            results,
            errors,
            can_manage: who.may(Permission::ManageNetwork),
            page,
        },
    )
        .into_response())
}

/// The results alone, for the quick search of the report page and the field view.
pub async fn results(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(query): Query<SearchQuery>,
) -> Result<axum::response::Html<String>, PageError> {
    let who = principal(&visitor)?;
    let t = catalogue().tr(Locale::Italian);
    let (municipalities, _) = places(&state, who).await?;
    let found =
        match presidio_app::network::search(&state, visitor.caller(), who, &query.input()).await {
            Ok(found) => found,
            // A bad filter in a quick search finds nothing rather than failing the page.
            Err(AppError::Invalid(_)) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
    Ok(axum::response::Html(
        Results {
            t,
            results: cards(t, &found, &municipalities),
        }
        .html(),
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "network_sheet.html")]
pub struct SheetPage {
    page: Layout,
    results: Vec<CardView>,
    printed: String,
}

/// The night's contact sheet: every organisation with a 24-hour line, on one printable page
/// (the organisations' lines only, no user of Presidio).
pub async fn sheet(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<SheetPage, PageError> {
    let who = principal(&visitor)?;
    let page = Layout::new(&visitor, "network-sheet-title", "network");
    let t = page.t;
    let (municipalities, _) = places(&state, who).await?;
    let found: Vec<presidio_db::StoredCard> =
        presidio_app::network::search(&state, visitor.caller(), who, &SearchInput::default())
            .await?
            .into_iter()
            .filter(presidio_app::network::round_the_clock)
            .collect();
    let mut results = cards(t, &found, &municipalities);
    for card in &mut results {
        card.contacts.retain(|c| c.round_the_clock);
    }
    Ok(SheetPage {
        printed: t.date_time(state.clock.now()),
        results,
        page,
    })
}

/// One field of a contact row of the form.
pub struct RowField {
    pub name: String,
    pub label: String,
    pub value: String,
    pub error: String,
    pub kind: &'static str,
}

/// A contact row of the form.
pub struct ContactRow {
    /// "Recapito 2".
    pub legend: String,
    pub kind_name: String,
    pub kinds: Vec<Choice>,
    pub kind_error: String,
    pub fields: Vec<RowField>,
}

fn rows(t: Tr<'_>, typed: &[ContactInput], errors: &FormErrors) -> Vec<ContactRow> {
    let blank = (typed.len() + 2).clamp(2, MAX_CONTACTS);
    (0..blank)
        .map(|i| {
            let c = typed.get(i).cloned().unwrap_or_default();
            let field = |name: &str, value: &str, kind: &'static str| {
                let path = format!("contacts[{i}].{name}");
                RowField {
                    label: t.t(&format!("field-{name}")),
                    error: errors.get(&path).to_owned(),
                    value: value.to_owned(),
                    name: path,
                    kind,
                }
            };
            ContactRow {
                legend: t.t_args(
                    "field-contacts-item",
                    &[(
                        "n",
                        crate::i18n::Arg::Num(i64::try_from(i + 1).unwrap_or(0)),
                    )],
                ),
                kind_name: format!("contacts[{i}].kind"),
                kinds: choices(
                    ContactKind::ALL.iter().map(|k| {
                        (
                            k.code().to_owned(),
                            t.t(&format!("contact-kind-{}", k.code())),
                        )
                    }),
                    &[if c.kind.is_empty() {
                        "ufficio"
                    } else {
                        c.kind.as_str()
                    }],
                ),
                kind_error: errors.get(&format!("contacts[{i}].kind")).to_owned(),
                fields: vec![
                    field("label", &c.label, "text"),
                    field("phone", &c.phone, "tel"),
                    field("pec", &c.pec, "email"),
                    field("email", &c.email, "email"),
                    field("answers", &c.answers, "text"),
                    field("referent", &c.referent, "text"),
                    field("referent_role", &c.referent_role, "text"),
                ],
            }
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "network_card.html")]
pub struct CardPage {
    page: Layout,
    /// None: a new organisation.
    id: Option<i64>,
    version: i64,
    card: Option<CardView>,
    can_manage: bool,
    org_name: String,
    kinds: Vec<Choice>,
    ambiti: Vec<Choice>,
    municipalities: Vec<Choice>,
    groups: Vec<Choice>,
    availability: String,
    notes: String,
    reporter_kinds: Vec<Choice>,
    rows: Vec<ContactRow>,
    errors: FormErrors,
    done: bool,
}

/// The form as sent.
fn parse(pairs: &[(String, String)]) -> (SaveInput, i64) {
    let mut input = SaveInput::default();
    let mut version = 0;
    for (k, v) in pairs {
        match k.as_str() {
            "name" => input.name.clone_from(v),
            "kind" => input.kind.clone_from(v),
            "ambito" => input.ambito.clone_from(v),
            "municipalities" => input.card.municipalities.push(v.clone()),
            "target_groups" => input.card.target_groups.push(v.clone()),
            "availability" => input.card.availability.clone_from(v),
            "notes" => input.card.notes.clone_from(v),
            "reporter_kind" => input.card.reporter_kind.clone_from(v),
            "version" => version = v.trim().parse().unwrap_or(-1),
            other => contact_pair(&mut input.card.contacts, other, v),
        }
    }
    (input, version)
}

/// `contacts[3].phone` into the fourth contact (at most [`MAX_CONTACTS`] + 1 rows kept, so that
/// too many is said, not grown).
fn contact_pair(contacts: &mut Vec<ContactInput>, key: &str, value: &str) {
    let Some(rest) = key.strip_prefix("contacts[") else {
        return;
    };
    let Some((index, field)) = rest.split_once("].") else {
        return;
    };
    let Ok(i) = index.parse::<usize>() else {
        return;
    };
    if i > MAX_CONTACTS {
        return;
    }
    if contacts.len() <= i {
        contacts.resize(i + 1, ContactInput::default());
    }
    let c = &mut contacts[i];
    let slot = match field {
        "kind" => &mut c.kind,
        "label" => &mut c.label,
        "phone" => &mut c.phone,
        "pec" => &mut c.pec,
        "email" => &mut c.email,
        "answers" => &mut c.answers,
        "referent" => &mut c.referent,
        "referent_role" => &mut c.referent_role,
        _ => return,
    };
    value.clone_into(slot);
}

/// The form of a card: as stored, or as typed when refused.
async fn card_page(
    state: &AppState,
    visitor: &Visitor,
    target: Option<(i64, i64)>,
    stored: Option<&presidio_db::StoredCard>,
    typed: Option<&SaveInput>,
    errors: FormErrors,
) -> Result<CardPage, PageError> {
    let who = principal(visitor)?;
    let t = catalogue().tr(Locale::Italian);
    let (municipalities, ambiti) = places(state, who).await?;
    let from_store = stored.map(|c| SaveInput {
        name: c.name.clone(),
        kind: c.kind.clone(),
        ambito: String::new(),
        card: presidio_domain::network::CardInput {
            municipalities: c.municipalities.clone(),
            target_groups: c.target_groups.split(',').map(str::to_owned).collect(),
            availability: c.availability.clone().unwrap_or_default(),
            notes: c.notes.clone().unwrap_or_default(),
            reporter_kind: c.reporter_kind.clone().unwrap_or_default(),
            contacts: c
                .contacts
                .iter()
                .map(|x| ContactInput {
                    kind: x.kind.clone(),
                    label: x.label.clone(),
                    phone: x.phone.clone().unwrap_or_default(),
                    pec: x.pec.clone().unwrap_or_default(),
                    email: x.email.clone().unwrap_or_default(),
                    answers: x.hours.clone().unwrap_or_default(),
                    referent: x.referent.clone().unwrap_or_default(),
                    referent_role: x.referent_role.clone().unwrap_or_default(),
                })
                .collect(),
        },
    });
    let shown = typed.cloned().or(from_store).unwrap_or_default();
    let title = match stored {
        Some(c) => c.name.clone(),
        None => t.t("network-new-title"),
    };
    let page = Layout::titled(visitor, title, "network");
    let picked_m: Vec<&str> = shown
        .card
        .municipalities
        .iter()
        .map(String::as_str)
        .collect();
    let picked_g: Vec<&str> = shown
        .card
        .target_groups
        .iter()
        .map(String::as_str)
        .collect();
    Ok(CardPage {
        id: target.map(|(id, _)| id),
        version: target.map_or(0, |(_, v)| v),
        card: stored.map(|c| cards(t, std::slice::from_ref(c), &municipalities).remove(0)),
        can_manage: who.may(Permission::ManageNetwork),
        kinds: kinds(t, &shown.kind),
        ambiti: choices(ambiti, &[shown.ambito.as_str()]),
        municipalities: choices(municipalities, &picked_m),
        groups: groups(t, &picked_g),
        rows: rows(t, &shown.card.contacts, &errors),
        reporter_kinds: choices(
            ReporterKind::ALL
                .iter()
                .filter(|k| **k != ReporterKind::Cittadino)
                .map(|k| {
                    (
                        k.code().to_owned(),
                        t.t(&format!("reporter-kind-{}", k.code())),
                    )
                }),
            &[shown.card.reporter_kind.as_str()],
        ),
        org_name: shown.name,
        availability: shown.card.availability,
        notes: shown.card.notes,
        errors,
        done: false,
        page,
    })
}

/// The form of a new organisation of the network (coordinators).
pub async fn new_form(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<CardPage, PageError> {
    card_page(&state, &visitor, None, None, None, FormErrors::default()).await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ShowQuery {
    fatto: String,
}

/// An organisation's card, with its form for who keeps the directory.
pub async fn show(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Query(query): Query<ShowQuery>,
) -> Result<CardPage, PageError> {
    let who = principal(&visitor)?;
    let card = presidio_app::network::card(&state, visitor.caller(), who, id).await?;
    let mut page = card_page(
        &state,
        &visitor,
        Some((id, card.version)),
        Some(&card),
        None,
        FormErrors::default(),
    )
    .await?;
    page.done = query.fatto == "salvato";
    Ok(page)
}

/// Adds an organisation to the directory.
pub async fn create(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    saved(&state, &visitor, None, &pairs).await
}

/// Saves an organisation's card.
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
    let (input, version) = parse(pairs);
    let target = id.map(|id| (id, version));
    match presidio_app::network::save(state, visitor.caller(), who, target, &input).await {
        Ok(saved) => Ok(Redirect::to(&format!("/rete/{saved}?fatto=salvato")).into_response()),
        Err(AppError::Invalid(invalid)) => {
            let stored = match id {
                Some(id) => {
                    Some(presidio_app::network::card(state, visitor.caller(), who, id).await?)
                }
                None => None,
            };
            let page = card_page(
                state,
                visitor,
                target,
                stored.as_ref(),
                Some(&input),
                FormErrors::from(&invalid),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
