//! The intervention on the report page (alert, steps, timeline, special procedure checklist)
//! and the field view: the operator's current cases on a phone, with one-tap steps, a quick
//! diary, a call to the reporter and the resources with free places.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use presidio_db::DbError;
use presidio_domain::intervention::procedures::StepInput;
use presidio_domain::report::triage::Outcome;
use presidio_domain::resources::{Confidentiality, ResourceKind};
use presidio_domain::validation::{Invalid, Problem};
use serde::Deserialize;

use super::reports::{after, for_write, principal};
use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::forms::FormErrors;
use crate::i18n::{Arg, Tr};
use presidio_app::AppError;

#[derive(Deserialize, Default)]
pub struct AlertForm {
    #[serde(default)]
    operator_id: String,
}

/// Alerts the operator chosen (by default the one on call).
pub async fn alert(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(form): Form<AlertForm>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    for_write(&state, who, id).await?;
    let raw = form.operator_id.trim();
    let operator = raw.parse::<i64>().ok();
    if operator.is_none() && !raw.is_empty() {
        let invalid = Invalid::one("operator_id", Problem::UnknownCode);
        return after(&state, &visitor, id, Err(invalid)).await;
    }
    match presidio_app::interventions::alert(&state, visitor.caller(), who, id, operator).await {
        Ok(_) => after(&state, &visitor, id, Ok(())).await,
        Err(AppError::Invalid(invalid)) => after(&state, &visitor, id, Err(invalid)).await,
        Err(AppError::Db(DbError::Conflict)) => {
            let invalid = Invalid::one("operator_id", Problem::BadTransition);
            after(&state, &visitor, id, Err(invalid)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct StepForm {
    #[serde(default)]
    step: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    persons_met: String,
    #[serde(default)]
    assessment: String,
    /// `campo` when sent from the field view (it comes back there).
    #[serde(default)]
    back: String,
    /// When tapped on the phone without network (RFC 3339), as the field app sends it again.
    #[serde(default)]
    tapped_at: String,
}

/// Records a step of a dispatch of this report.
pub async fn step(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((id, dispatch)): Path<(i64, i64)>,
    Form(form): Form<StepForm>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    for_write(&state, who, id).await?;
    let persons = match form.persons_met.trim() {
        "" => None,
        raw => Some(raw.parse::<i64>().unwrap_or(-1)),
    };
    let result = match presidio_app::interventions::step(
        &state,
        visitor.caller(),
        who,
        dispatch,
        Some(id),
        presidio_app::interventions::StepGiven {
            step: &form.step,
            persons_met: persons,
            assessment: &form.assessment,
            version: form.version,
            tapped_at: &form.tapped_at,
        },
    )
    .await
    {
        Ok(_) => Ok(()),
        Err(AppError::Invalid(invalid)) => Err(invalid),
        Err(AppError::Db(DbError::Conflict)) => Err(Invalid::one("step", Problem::BadTransition)),
        Err(e) => return Err(e.into()),
    };
    back(&state, &visitor, id, &form.back, result).await
}

/// After a write from the report page or the field view: back where it came from.
pub(super) async fn back(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    from: &str,
    result: Result<(), Invalid>,
) -> Result<Response, PageError> {
    if from != "campo" {
        return after(state, visitor, id, result).await;
    }
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/campo#caso-{id}")).into_response()),
        Err(invalid) => {
            let page = field_page(
                state,
                visitor,
                &FieldQuery::default(),
                FormErrors::from(&invalid),
                id,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// Records a step of the report's special procedure.
pub async fn procedure(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(input): Form<StepInput>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let result = match presidio_app::interventions::record_procedure(
        &state,
        visitor.caller(),
        who,
        id,
        &input,
    )
    .await
    {
        Ok(_) => Ok(()),
        Err(AppError::Invalid(invalid)) => Err(invalid),
        Err(e) => return Err(e.into()),
    };
    after(&state, &visitor, id, result).await
}

/// One of the operator's current cases, as the field view shows it.
pub struct FieldCase {
    pub id: i64,
    pub ambito: presidio_domain::reference::AmbitoId,
    pub code: String,
    pub severity: &'static str,
    pub outcome: String,
    pub status: String,
    pub place: String,
    pub municipality: String,
    pub target: String,
    pub persons: Vec<String>,
    pub reporter: String,
    pub phone: String,
    pub tel: String,
    pub dispatch: crate::views::interventions::DispatchPanel,
    pub activations: Vec<crate::views::activations::ActivationLine>,
    /// The resources searched for this case, each with a button that holds a place in it;
    /// `None` until a search is made for it (with one case only, its free resources at once).
    pub resources: Option<Vec<FieldResource>>,
    /// What was searched for this case.
    pub query: String,
}

/// A resource with free places, as the field view lists it.
pub struct FieldResource {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub address: String,
    pub free: String,
    pub contact: String,
    pub tel: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "field.html")]
pub struct FieldPage {
    page: Layout,
    cases: Vec<FieldCase>,
    /// With no case in progress: the resources, to read (nothing to hold a place for).
    resources: Vec<FieldResource>,
    query: String,
    errors: FormErrors,
    /// The case whose form the errors belong to.
    errors_for: i64,
    /// "Chi chiamo?", for the first case in progress (or the whole network).
    network: crate::views::network::Quick,
    /// The key a device subscribes to push with (base64url).
    push_key: String,
}

#[derive(Deserialize, Default)]
pub struct FieldQuery {
    #[serde(default)]
    q: String,
    /// The case the resources are searched for.
    #[serde(default)]
    caso: Option<i64>,
}

fn tel(phone: &str) -> String {
    let digits: String = phone
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    format!("tel:{digits}")
}

pub async fn field(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(query): Query<FieldQuery>,
) -> Result<FieldPage, PageError> {
    field_page(&state, &visitor, &query, FormErrors::default(), 0).await
}

async fn field_page(
    state: &AppState,
    visitor: &Visitor,
    search: &FieldQuery,
    errors: FormErrors,
    errors_for: i64,
) -> Result<FieldPage, PageError> {
    let query = search.q.as_str();
    let who = principal(visitor)?;
    let page = Layout::new(visitor, "field-view-title", "field").light();
    let t = page.t;
    let now = state.clock.now();
    let mut cases = Vec::new();
    let mut ambito = None;
    let mut first = None;
    for (d, cached) in
        presidio_app::interventions::field_cases(state, visitor.caller(), who).await?
    {
        let r = &cached.report;
        ambito.get_or_insert(r.ambito);
        let data = &r.data;
        let severity = r.outcome.map_or("none", Outcome::code);
        let phone = data.reporter.phone.clone().unwrap_or_default();
        let reporter = [
            Some(t.t(&format!("reporter-kind-{}", data.reporter.kind.code()))),
            data.reporter.organization.clone(),
            data.reporter.name.clone(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
        if cases.is_empty() {
            first = Some(data.clone());
        }
        cases.push(FieldCase {
            id: r.id,
            ambito: r.ambito,
            code: r.code.clone(),
            severity,
            outcome: t.t(&format!("outcome-{severity}")),
            status: t.t(&format!("status-{}", r.status.code())),
            place: [data.current_location.clone(), data.place.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
            municipality: cached.municipality.clone().unwrap_or_default(),
            target: t.t(&format!("target-{}", data.target_group.code())),
            persons: super::reports::persons_of(t, data),
            reporter,
            tel: tel(&phone),
            phone,
            dispatch: crate::views::interventions::panel(t, &d, now),
            activations: crate::views::activations::lines(t, &cached.activations),
            resources: None,
            query: String::new(),
        });
    }
    // Resources are searched for one case at a time, so a place is always held for the case
    // whose section shows it.
    let only = (cases.len() == 1).then(|| cases[0].id);
    let searched = search.caso.or(only);
    for c in &mut cases {
        if Some(c.id) == searched {
            c.resources = Some(field_resources(state, who, c.ambito, query, t).await?);
            query.trim().clone_into(&mut c.query);
        }
    }
    let resources = match (
        cases.is_empty(),
        ambito.or_else(|| presidio_app::roster::ambito_of(who)),
    ) {
        (true, Some(ambito)) => field_resources(state, who, ambito, query, t).await?,
        _ => Vec::new(),
    };
    let network = super::reports::quick_network(state, visitor, first.as_ref()).await?;
    Ok(FieldPage {
        page,
        cases,
        resources,
        network,
        push_key: presidio_app::push::public_key(state).await?,
        query: query.trim().to_owned(),
        errors,
        errors_for,
    })
}

async fn field_resources(
    state: &AppState,
    who: &presidio_domain::access::Principal,
    ambito: presidio_domain::reference::AmbitoId,
    query: &str,
    t: Tr<'_>,
) -> Result<Vec<FieldResource>, PageError> {
    let needle = query.trim().to_lowercase();
    Ok(presidio_app::resources::free_in(state, who, ambito)
        .await?
        .into_iter()
        .filter_map(
            |presidio_app::resources::Listed {
                 stored: r,
                 readable,
             }| {
                let protected = r.resource.kind == ResourceKind::CasaRifugio
                    || r.resource.confidentiality == Confidentiality::Protetto;
                let name = if r.resource.kind == ResourceKind::CasaRifugio {
                    t.t("activation-protected-shelter")
                } else {
                    r.resource.name.clone()
                };
                let kind = t.t(&format!("resource-kind-{}", r.resource.kind.code()));
                let address = if protected || !readable {
                    t.t("resources-address-hidden")
                } else {
                    r.resource.address.clone()
                };
                let haystack = format!("{name} {kind} {address}").to_lowercase();
                (needle.is_empty() || haystack.contains(&needle)).then(|| FieldResource {
                    id: r.id,
                    name,
                    kind,
                    address,
                    free: t.t_args(
                        "field-view-free",
                        &[
                            ("free", Arg::Num(i64::from(r.free))),
                            ("unit", Arg::Str(r.resource.unit.code())),
                        ],
                    ),
                    tel: tel(&r.resource.contact),
                    contact: r.resource.contact.clone(),
                })
            },
        )
        .collect())
}

#[derive(Deserialize, Default)]
pub struct QuickNote {
    #[serde(default)]
    text: String,
    #[serde(default)]
    tapped_at: String,
}

/// A quick diary note from the field view.
pub async fn quick_note(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(form): Form<QuickNote>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let note = presidio_app::reports::DiaryInput {
        kind: presidio_domain::report::DiaryKind::Nota.code(),
        text: &form.text,
        corrects: None,
        tapped_at: &form.tapped_at,
    };
    let result =
        match presidio_app::reports::add_diary(&state, visitor.caller(), who, id, note).await {
            Ok(_) => Ok(()),
            Err(AppError::Invalid(invalid)) => Err(invalid),
            Err(e) => return Err(e.into()),
        };
    back(&state, &visitor, id, "campo", result).await
}

/// What the field app sends again when the network is back: a dispatch step or a diary note
/// made without network, with the time it was tapped (and, for a step, the dispatch's version
/// as the phone knew it).
#[derive(Deserialize, Default)]
pub struct Queued {
    #[serde(default)]
    action: String,
    #[serde(default)]
    report_id: i64,
    #[serde(default)]
    dispatch_id: i64,
    #[serde(default)]
    step: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    text: String,
    #[serde(default)]
    tapped_at: String,
}

/// Records what the field app queued offline (sent with its `Idempotency-Key`, so that a
/// second replay creates nothing): a step or a note, at the tap's time. A step on a dispatch
/// that changed meanwhile answers 409 with the dispatch as it is now, for the operator to
/// choose; refused input answers 422 naming the field. JSON in and out.
pub async fn field_sync(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    axum::Json(q): axum::Json<Queued>,
) -> Result<Response, crate::error::ApiError> {
    let who = visitor
        .principal()
        .ok_or_else(|| crate::error::ApiError::from_status(StatusCode::UNAUTHORIZED))?;
    let done = match q.action.as_str() {
        "step" => presidio_app::interventions::step(
            &state,
            visitor.caller(),
            who,
            q.dispatch_id,
            Some(q.report_id),
            presidio_app::interventions::StepGiven {
                step: &q.step,
                persons_met: None,
                assessment: "",
                version: q.version,
                tapped_at: &q.tapped_at,
            },
        )
        .await
        .map(|d| Some(d.version)),
        "note" => presidio_app::reports::add_diary(
            &state,
            visitor.caller(),
            who,
            q.report_id,
            presidio_app::reports::DiaryInput {
                kind: presidio_domain::report::DiaryKind::Nota.code(),
                text: &q.text,
                corrects: None,
                tapped_at: &q.tapped_at,
            },
        )
        .await
        .map(|_| None),
        _ => Err(Invalid::one("action", Problem::UnknownCode).into()),
    };
    match done {
        // A step answers the dispatch's new version: the later steps queued on it follow it.
        Ok(Some(version)) => {
            Ok(axum::Json(serde_json::json!({"version": version})).into_response())
        }
        Ok(None) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(AppError::Db(DbError::Conflict)) => {
            let now = state.clock.now();
            let t = crate::i18n::catalogue().tr(crate::i18n::Locale::Italian);
            let d =
                presidio_app::interventions::current(&state, visitor.caller(), who, q.dispatch_id)
                    .await?;
            Err(crate::error::ApiError::conflict_with(serde_json::json!({
                "stage": presidio_app::interventions::stage_text(t, &d, now).0,
                "version": d.version,
            })))
        }
        Err(e) => Err(e.into()),
    }
}
