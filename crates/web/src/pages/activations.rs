//! Resources activated inside a case, on the report page: book places (held at once, never
//! below zero), then confirm, start, end or cancel.

use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use presidio_db::{DbError, StoredActivation, StoredResource};
use presidio_domain::audit::Action;
use presidio_domain::resources::activation::{ActivationStatus, DEFAULT_HOLD_MINUTES};
use presidio_domain::time::UtcMillis;
use presidio_domain::validation::{Invalid, Problem};
use serde::Deserialize;

use super::PageError;
use super::admin::Choice;
use super::reports::{for_write, principal};
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

fn count(errors: &mut Invalid, field: &'static str, raw: &str, max: u32) -> Option<u32> {
    if raw.trim().is_empty() {
        return Some(1);
    }
    let n = raw
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=max).contains(n));
    if n.is_none() {
        errors.push(field, Problem::OutOfRange);
    }
    n
}

pub async fn hold(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(form): Form<HoldForm>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let report = for_write(&state, who, id).await?;
    let mut errors = Invalid::default();
    let resource = form.resource_id.trim().parse::<i64>().ok();
    if resource.is_none() {
        errors.push("resource_id", Problem::Required);
    }
    let places = count(&mut errors, "places", &form.places, 50);
    let nights = count(&mut errors, "nights", &form.nights, 366);
    let (Some(resource), Some(places), Some(nights)) = (resource, places, nights) else {
        if let (Some(resource), Some(places)) = (resource, places) {
            presidio_app::cases::check_free_places(
                &state,
                report.ambito,
                resource,
                places,
                &mut errors,
            )
            .await?;
        }
        return super::interventions::back(&state, &visitor, id, &form.back, Err(errors)).await;
    };
    let result = state
        .db
        .hold_places(
            report.ambito,
            id,
            resource,
            places,
            nights,
            presidio_db::now().0 + DEFAULT_HOLD_MINUTES * 60_000,
            &visitor.entry(Action::Write),
        )
        .await;
    match result {
        Ok(_) => {
            state.changed(report.ambito, id);
            super::interventions::back(&state, &visitor, id, &form.back, Ok(())).await
        }
        Err(DbError::Invalid(invalid)) => {
            super::interventions::back(&state, &visitor, id, &form.back, Err(invalid)).await
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
    let report = for_write(&state, who, id).await?;
    let current = state.db.activation(activation).await?;
    if current.report_id != id {
        return Err(PageError::new(
            axum::http::StatusCode::NOT_FOUND,
            "not_found",
        ));
    }
    let Some(to) = ActivationStatus::parse(&form.status) else {
        let invalid = Invalid::one("status", Problem::UnknownCode);
        return super::interventions::back(&state, &visitor, id, &form.back, Err(invalid)).await;
    };
    match state
        .db
        .move_activation(activation, to, form.version, &visitor.entry(Action::Write))
        .await
    {
        Ok(_) => {
            state.changed(report.ambito, id);
            super::interventions::back(&state, &visitor, id, &form.back, Ok(())).await
        }
        Err(DbError::Invalid(invalid)) => {
            super::interventions::back(&state, &visitor, id, &form.back, Err(invalid)).await
        }
        Err(e) => Err(e.into()),
    }
}
