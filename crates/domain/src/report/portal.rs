//! A report sent by a trusted reporter (police, hospital) from its own portal: the short form
//! of what, where, who and a call-back number. It becomes an ordinary report of the Centrale,
//! received now through the portal, with the one person it concerns.

use serde::Deserialize;

use crate::time::UtcMillis;
use crate::validation::{Invalid, Problem};

use super::{Channel, PersonInput, ReportData, ReportInput, ReporterInput, ReporterKind};

/// The report's fields in the order the short form shows them.
const FORM_ORDER: [&str; 9] = [
    "description",
    "municipality",
    "place",
    "target_group",
    "persons[0].name",
    "reporter.kind",
    "reporter.name",
    "reporter.phone",
    "reporter.reference",
];

/// The short form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SentReport {
    /// What is happening.
    pub description: String,
    /// ISTAT code of the municipality; empty when outside every known one.
    pub municipality: String,
    /// Street, station, landmark.
    pub place: String,
    pub target_group: String,
    /// The person's name, when known.
    pub person_name: String,
    pub reporter_kind: String,
    /// Who is sending (the officer on duty).
    pub reporter_name: String,
    /// The number the Centrale calls back.
    pub reporter_phone: String,
    /// The sender's own reference (a report number).
    pub reporter_reference: String,
}

impl SentReport {
    /// The report as the intake would have it, from organisation `organisation`.
    pub fn to_input(&self, organisation: &str) -> ReportInput {
        ReportInput {
            received_at: String::new(),
            channel: Channel::Portale.code().to_owned(),
            reporter: ReporterInput {
                kind: self.reporter_kind.clone(),
                organization: organisation.to_owned(),
                name: self.reporter_name.clone(),
                phone: self.reporter_phone.clone(),
                reference: self.reporter_reference.clone(),
                organisation_id: None,
            },
            municipality: self.municipality.clone(),
            place: self.place.clone(),
            current_location: String::new(),
            target_group: self.target_group.clone(),
            persons: vec![PersonInput {
                role: "beneficiario".to_owned(),
                name: self.person_name.clone(),
                ..PersonInput::default()
            }],
            risk_flags: Vec::new(),
            description: self.description.clone(),
            protected: false,
        }
    }

    /// Checks the form: the report's own rules, and a call-back number is required. Errors
    /// carry the report's field names (`reporter.phone`, `persons[0].name`, …).
    pub fn validate(&self, organisation: &str, now: UtcMillis) -> Result<ReportData, Invalid> {
        let mut errors = Invalid::default();
        if self.reporter_phone.trim().is_empty() {
            errors.push("reporter.phone", Problem::Required);
        }
        match self.to_input(organisation).validate(now) {
            Ok(data) if errors.is_empty() => Ok(data),
            Ok(_) => Err(errors),
            Err(more) => {
                errors.0.extend(more.0);
                // In the order of the form, top to bottom.
                let at = |field: &str| FORM_ORDER.iter().position(|f| *f == field);
                errors
                    .0
                    .sort_by_key(|e| at(e.field).unwrap_or(FORM_ORDER.len()));
                Err(errors)
            }
        }
    }
}

/// The kind of reporter an organisation most likely is, from its name ("Carabinieri Stazione
/// di Rho", "Polizia Locale di Pero", "Pronto soccorso Ospedale di Rho").
pub fn reporter_kind_for(organisation: &str) -> ReporterKind {
    let name = organisation.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
    if has(&["carabinieri"]) {
        ReporterKind::Carabinieri
    } else if has(&["polizia locale", "polizia municipale", "vigili"]) {
        ReporterKind::PoliziaLocale
    } else if has(&["polizia", "questura", "commissariato", "polfer"]) {
        ReporterKind::PoliziaStato
    } else if has(&["guardia di finanza", "forze dell'ordine"]) {
        ReporterKind::AltreForzeOrdine
    } else if has(&["pronto soccorso", "ospedale", "asst"]) {
        ReporterKind::ProntoSoccorso
    } else if has(&["118", "areu"]) {
        ReporterKind::Servizio118
    } else if has(&["servizio sociale", "servizi sociali", "comune"]) {
        ReporterKind::ServiziSociali
    } else if has(&["cooperativa", "associazione", "caritas", "fondazione"]) {
        ReporterKind::TerzoSettore
    } else {
        ReporterKind::Altro
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Channel, TargetGroup};

    fn form() -> SentReport {
        SentReport {
            description: "Uomo senza dimora al freddo".into(),
            municipality: "015182".into(),
            place: "Stazione di Rho".into(),
            target_group: "senza_dimora".into(),
            reporter_kind: "carabinieri".into(),
            reporter_name: "App. Rossi".into(),
            reporter_phone: "02 9310 000".into(),
            ..SentReport::default()
        }
    }

    #[test]
    fn a_sent_report_is_received_now_through_the_portal() {
        let now = UtcMillis(1_800_000_000_000);
        let data = form().validate("Carabinieri Rho", now).unwrap();
        assert_eq!(data.channel, Channel::Portale);
        assert_eq!(data.received_at, now);
        assert_eq!(data.target_group, TargetGroup::SenzaDimora);
        assert_eq!(
            data.reporter.organization.as_deref(),
            Some("Carabinieri Rho")
        );
        assert_eq!(data.persons.len(), 1);
        assert_eq!(data.persons[0].name, None);
    }

    #[test]
    fn the_call_back_number_is_required_and_named_with_the_other_faults() {
        let sent = SentReport {
            reporter_phone: String::new(),
            description: String::new(),
            ..form()
        };
        let errors = sent.validate("Carabinieri Rho", UtcMillis(0)).unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["description", "reporter.phone"]);
        let sent = SentReport {
            reporter_phone: "chiamami".into(),
            ..form()
        };
        let errors = sent.validate("Carabinieri Rho", UtcMillis(0)).unwrap_err();
        assert_eq!(errors.0[0].field, "reporter.phone");
        assert_eq!(errors.0[0].problem, Problem::InvalidPhone);
    }

    #[test]
    fn the_reporter_kind_follows_the_organisation_name() {
        assert_eq!(
            reporter_kind_for("Carabinieri - Stazione di Rho"),
            ReporterKind::Carabinieri
        );
        assert_eq!(
            reporter_kind_for("Polizia Locale di Pero"),
            ReporterKind::PoliziaLocale
        );
        assert_eq!(
            reporter_kind_for("Commissariato di Rho-Pero"),
            ReporterKind::PoliziaStato
        );
        assert_eq!(
            reporter_kind_for("Pronto soccorso - Ospedale di Rho"),
            ReporterKind::ProntoSoccorso
        );
        assert_eq!(reporter_kind_for("Ditta Bianchi"), ReporterKind::Altro);
    }
}
