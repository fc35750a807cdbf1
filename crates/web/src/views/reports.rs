//! A report's parts as the API writes them, shared by the report and the team's view of it.

use serde::Serialize;
use utoipa::ToSchema;

/// The reporter, as sent and as read back.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReporterView {
    /// `carabinieri`, `polizia_stato`, `polizia_locale`, `altre_forze_ordine`, `pronto_soccorso`,
    /// `servizio_118`, `servizi_sociali`, `terzo_settore`, `cittadino`, `altro`
    #[schema(example = "carabinieri")]
    pub kind: String,
    pub organization: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub reference: Option<String>,
    /// The reporting partner of the network directory the report came from.
    pub organisation_id: Option<i64>,
}

/// A person of a report.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonView {
    /// `beneficiario`, `familiare`, `minore`, `accompagnatore`, `altro`
    pub role: String,
    /// Null for "sconosciuto".
    pub name: Option<String>,
    pub alias: Option<String>,
    /// `M`, `F`, `X` (not known)
    pub sex: String,
    pub age: Option<u8>,
    /// `0_5`, `6_13`, `14_17`, `18_29`, `30_64`, `65_79`, `80_plus`
    pub age_band: Option<String>,
    /// ISO 3166-1 alpha-2
    pub citizenship: Option<String>,
    pub fiscal_code: Option<String>,
    pub language: Option<String>,
    pub needs_mediator: bool,
    pub known_to_services: Option<bool>,
    /// The person record this person is attached to (`GET /api/v1/persons/{id}`).
    pub person_id: Option<i64>,
    /// How this person is related to the report's first person (then of one household):
    /// `genitore`, `figlio`, `partner`, `altro_familiare`, `convivente`.
    pub relationship: Option<String>,
}

/// The reporter as the API writes it.
pub fn reporter_view(r: presidio_domain::report::Reporter) -> ReporterView {
    ReporterView {
        kind: r.kind.code().into(),
        organization: r.organization,
        name: r.name,
        phone: r.phone,
        reference: r.reference,
        organisation_id: r.organisation,
    }
}

/// A person of a report as the API writes it.
pub fn person_view(p: presidio_domain::report::Person) -> PersonView {
    PersonView {
        role: p.role.code().into(),
        name: p.name,
        alias: p.alias,
        sex: p.sex.code().into(),
        age: p.age,
        age_band: p.age_band.map(|b| b.code().into()),
        citizenship: p.citizenship,
        fiscal_code: p.fiscal_code,
        language: p.language,
        needs_mediator: p.needs_mediator,
        known_to_services: p.known_to_services,
        person_id: p.person_id,
        relationship: p.relationship.map(|r| r.code().to_owned()),
    }
}
