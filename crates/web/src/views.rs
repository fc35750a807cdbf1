//! Presentation shared by the pages and the API: how a record is named on screen and in JSON.

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
