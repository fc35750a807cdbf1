//! A case's activations as the report page and the field view list them, and the resources
//! offered for a booking.

use presidio_db::{StoredActivation, StoredResource};
use presidio_domain::resources::activation::ActivationStatus;
use presidio_domain::time::UtcMillis;

use crate::forms::Choice;
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
