//! Presentation shared by the pages and the API: how a record is named on screen and in JSON.

pub mod activations;
pub mod conferences;
pub mod handovers;
pub mod interventions;
pub mod layout;
pub mod network;
pub mod persons;
pub mod reports;
pub mod teams;

use presidio_db::StoredActivation;

use crate::i18n::Tr;

/// How an activation names its resource: a protected shelter only as "struttura protetta
/// tramite CAV", whoever reads the case.
pub fn resource_name(t: Tr<'_>, a: &StoredActivation) -> String {
    if a.kind == presidio_domain::resources::ResourceKind::CasaRifugio.code() {
        t.t("activation-protected-shelter")
    } else {
        a.resource.clone()
    }
}

/// A part of the handover sheet (page and PDF): a heading and its lines (label, text; an empty label for plain text).
pub struct Section {
    pub heading: String,
    pub rows: Vec<(String, String)>,
}

/// The whole handover sheet, as the page and the PDF print it.
pub struct Sheet {
    pub title: String,
    pub subtitle: String,
    pub sections: Vec<Section>,
}
