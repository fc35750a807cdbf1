//! Resources activated inside a case, on the report page: book places (held at once, never
//! below zero), then confirm, start, end or cancel.

use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use presidio_app::AppError;
use presidio_db::{StoredActivation, StoredResource};
use presidio_domain::resources::activation::ActivationStatus;
use presidio_domain::time::UtcMillis;
use serde::Deserialize;

use super::PageError;
use super::admin::Choice;
use super::reports::principal;
use crate::AppState;
use crate::auth::Visitor;
use crate::i18n::Tr;

/// An activation as the report page lists it.
pub struct ActivationLine {
    pub id: i64,
    pub version: i64,
    pub text: String,
    /// (status code, button label) of the moves allowed.
    pub moves: Vec<(&'static str, String)>,
}

pub fn lines(t: Tr<'_>, activations: &[StoredActivation]) -> Vec<ActivationLine> {
    let now = presidio_db::now();
    activations
        .iter()
        .map(|a| {
            // A hold past its time has given its places back, even if a cached copy of the case
            // was read before the sweep wrote so.
            let lapsed = a.status == ActivationStatus::Held.code() && a.held_until <= now.0;
            let code = if lapsed {
                ActivationStatus::Cancelled.code()
            } else {
                a.status.as_str()
            };
            let status = ActivationStatus::parse(code);
            let held = status == Some(ActivationStatus::Held);
            ActivationLine {
                id: a.id,
                version: a.version,
                text: t.t_args(
                    if held {
                        "activation-line-held"
                    } else {
                        "activation-line"
                    },
                    &[
                        (
                            "resource",
                            crate::i18n::Arg::Str(&crate::views::resource_name(t, a)),
                        ),
                        (
                            "status",
                            crate::i18n::Arg::Str(&t.t(&format!("activation-{code}"))),
                        ),
                        ("places", crate::i18n::Arg::Num(a.places)),
                        ("nights", crate::i18n::Arg::Num(a.nights)),
                        ("cost", crate::i18n::Arg::Str(&t.euro(a.cost_cents))),
                        (
                            "until",
                            crate::i18n::Arg::Str(&t.date_time(UtcMillis(a.held_until))),
                        ),
                    ],
                ),
                moves: status
                    .map(ActivationStatus::next)
                    .unwrap_or_default()
                    .iter()
                    .map(|s| (s.code(), t.t(&format!("activation-to-{}", s.code()))))
                    .collect(),
            }
        })
        .collect()
}

/// The Ambito's resources with free places, as options.
pub fn resource_choices(t: Tr<'_>, resources: &[StoredResource]) -> Vec<Choice> {
    resources
        .iter()
        .filter(|r| r.free > 0)
        .map(|r| Choice {
            value: r.id.to_string(),
            label: t.t_args(
                "activation-resource",
                &[
                    (
                        "name",
                        crate::i18n::Arg::Str(&if r.resource.kind
                            == presidio_domain::resources::ResourceKind::CasaRifugio
                        {
                            t.t("activation-protected-shelter")
                        } else {
                            r.resource.name.clone()
                        }),
                    ),
                    ("free", crate::i18n::Arg::Num(i64::from(r.free))),
                    ("unit", crate::i18n::Arg::Str(r.resource.unit.code())),
                ],
            ),
            selected: false,
        })
        .collect()
}

#[derive(Deserialize, Default)]
pub struct HoldForm {
    #[serde(default)]
    pub resource_id: String,
    #[serde(default)]
    pub places: String,
    #[serde(default)]
    pub nights: String,
    /// `campo` when sent from the field view.
    #[serde(default)]
    pub back: String,
}

/// A count as typed: empty takes the default, anything but a whole number is out of range.
fn count(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    (!raw.is_empty()).then(|| raw.parse::<i64>().unwrap_or(0))
}

pub async fn hold(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(form): Form<HoldForm>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let input = presidio_app::activations::HoldInput {
        resource_id: form.resource_id.trim().parse::<i64>().ok(),
        places: count(&form.places),
        nights: count(&form.nights),
        hold_minutes: None,
    };
    let result = presidio_app::activations::hold(&state, visitor.caller(), who, id, input).await;
    done(&state, &visitor, id, &form.back, result).await
}

/// Back to the page the form was sent from, with what went wrong if anything.
async fn done<T>(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    back: &str,
    result: Result<T, AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(_) => super::interventions::back(state, visitor, id, back, Ok(())).await,
        Err(AppError::Invalid(invalid)) => {
            super::interventions::back(state, visitor, id, back, Err(invalid)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct MoveForm {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub version: i64,
    #[serde(default)]
    pub back: String,
}

pub async fn move_to(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((id, activation)): Path<(i64, i64)>,
    Form(form): Form<MoveForm>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let result = presidio_app::activations::move_to(
        &state,
        visitor.caller(),
        who,
        Some(id),
        activation,
        &form.status,
        form.version,
    )
    .await;
    done(&state, &visitor, id, &form.back, result).await
}
