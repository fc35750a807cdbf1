//! How the network directory reads on screen: an organisation's card with its contacts (each
//! phone a `tel:` link), for the directory page, the quick search of the report page and the
//! field view, and the night's contact sheet.

use presidio_db::StoredCard;
use presidio_domain::network::{ContactKind, dial};
use presidio_domain::report::TargetGroup;

use crate::i18n::Tr;

/// A contact as a line.
pub struct ContactLine {
    pub label: String,
    pub round_the_clock: bool,
    pub phone: String,
    /// The number to dial, for `tel:`.
    pub tel: String,
    pub pec: String,
    pub email: String,
    pub when: String,
    /// "Dott.ssa Neri (primario)".
    pub referent: String,
}

/// An organisation's card.
pub struct CardView {
    pub id: i64,
    pub name: String,
    pub kind: String,
    /// "Tutto l'Ambito" or the municipalities' names.
    pub covers: String,
    /// "Tutti" or the target groups in words.
    pub serves: String,
    pub availability: String,
    pub notes: String,
    /// "Pronto soccorso" when a reporting partner; empty otherwise.
    pub reports_as: String,
    pub contacts: Vec<ContactLine>,
}

pub fn contact_line(c: &presidio_db::StoredContact) -> ContactLine {
    let round_the_clock = c.kind == ContactKind::H24.code();
    let phone = c.phone.clone().unwrap_or_default();
    ContactLine {
        label: c.label.clone(),
        round_the_clock,
        tel: dial(&phone),
        phone,
        pec: c.pec.clone().unwrap_or_default(),
        email: c.email.clone().unwrap_or_default(),
        when: c.hours.clone().unwrap_or_default(),
        referent: match (&c.referent, &c.referent_role) {
            (Some(name), Some(role)) => format!("{name} ({role})"),
            (Some(name), None) => name.clone(),
            (None, Some(role)) => role.clone(),
            (None, None) => String::new(),
        },
    }
}

/// The card of `c`; `names` gives a municipality's name by its ISTAT code.
pub fn card_view(t: Tr<'_>, c: &StoredCard, names: &dyn Fn(&str) -> String) -> CardView {
    let groups: Vec<String> = c
        .target_groups
        .split(',')
        .filter_map(TargetGroup::parse)
        .map(|g| t.t(&format!("target-{}", g.code())))
        .collect();
    CardView {
        id: c.id,
        name: c.name.clone(),
        kind: t.t(&format!("organisation-kind-{}", c.kind)),
        covers: if c.municipalities.is_empty() {
            t.t("network-whole-ambito")
        } else {
            c.municipalities
                .iter()
                .map(|m| names(m))
                .collect::<Vec<_>>()
                .join(", ")
        },
        serves: if groups.is_empty() {
            t.t("network-every-group")
        } else {
            groups.join(", ")
        },
        availability: c.availability.clone().unwrap_or_default(),
        notes: c.notes.clone().unwrap_or_default(),
        reports_as: c
            .reporter_kind
            .as_deref()
            .map(|k| t.t(&format!("reporter-kind-{k}")))
            .unwrap_or_default(),
        contacts: c.contacts.iter().map(contact_line).collect(),
    }
}

/// The results of a directory search, drawn alone: on the directory page, in answer to the
/// quick search, and in "Chi chiamo?" of the report page and the field view.
#[derive(askama::Template)]
#[template(path = "_network_results.html")]
pub struct Results {
    pub t: Tr<'static>,
    pub results: Vec<CardView>,
}

impl Results {
    /// The HTML of the results (askama escapes every value).
    pub fn html(self) -> String {
        askama::Template::render(&self).unwrap_or_default()
    }
}

/// "Chi chiamo?" on the report page and the field view: the organisations for the case's
/// municipality and target group, and the quick search over the directory.
#[derive(Default)]
pub struct Quick {
    pub shown: bool,
    pub municipality: String,
    pub target_group: String,
    /// [`Results::html`].
    pub results: String,
    /// The protocols governing the case's special procedure: link, title and last day.
    pub protocols: Vec<(String, String)>,
}
