//! What an Ambito sets for SIUSS: the body that sends the flows (its code for INPS, name,
//! Belfiore code of its seat, the operator's fiscal code) and which `CodicePrestazione` each
//! kind of intervention and activation becomes. The national table of codes is not public
//! here: no code is assumed; a kind without one sends no flow.

use crate::codes;
use crate::reference::BelfioreCode;
use crate::resources::ResourceKind;
use crate::validation::{Invalid, Problem, field_name, has_control, required_text};

codes!(
    /// What the PIS did that may become a prestazione: the intervention itself (on site or by
    /// phone) and each kind of resource it activates.
    ServiceKind {
        SulPosto = "sul_posto",
        ADistanza = "a_distanza",
        Dormitorio = "dormitorio",
        Albergo = "albergo",
        ComunitaMinori = "comunita_minori",
        CentroAntiviolenza = "centro_antiviolenza",
        CasaRifugio = "casa_rifugio",
        Mediazione = "mediazione",
        Trasporto = "trasporto",
        BeniPrimari = "beni_primari",
        ContributoEconomico = "contributo_economico",
    }
);

impl ServiceKind {
    /// The kind of an activation of a resource of `kind`.
    pub fn of_resource(kind: ResourceKind) -> Self {
        Self::parse(kind.code()).unwrap_or(Self::SulPosto)
    }
}

/// The longest name of the body (`Denominazione` of `Ente`).
pub const BODY_NAME_MAX: usize = 100;

/// A kind's prestazione, once set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub kind: ServiceKind,
    /// `CodicePrestazione`: 5 to 10 letters, digits or dots.
    pub code: String,
    /// `DenominazionePrestazione`: 10 to 200 characters.
    pub name: String,
}

/// An Ambito's SIUSS settings, valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub body_code: String,
    pub body_name: String,
    pub seat: BelfioreCode,
    pub operator: String,
    /// The kinds with a code, in the order of `ServiceKind::ALL`.
    pub mappings: Vec<Mapping>,
}

/// One kind's prestazione as given: no code leaves the kind without one.
#[derive(Debug, Clone, Copy, Default)]
pub struct MappingInput<'a> {
    pub kind: &'a str,
    pub code: Option<&'a str>,
    pub name: Option<&'a str>,
}

/// The settings as given.
#[derive(Debug, Clone, Default)]
pub struct SettingsInput<'a> {
    pub body_code: &'a str,
    pub body_name: &'a str,
    pub seat: &'a str,
    pub operator: &'a str,
    pub mappings: Vec<MappingInput<'a>>,
}

fn is_code(text: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

impl SettingsInput<'_> {
    /// The settings, or every field refused: `codice_ente`, `denominazione_ente`,
    /// `belfiore_sede`, `cf_operatore`, `prestazioni[i].kind` / `.codice` / `.denominazione`.
    pub fn validate(&self) -> Result<Settings, Invalid> {
        let mut e = Invalid::default();
        let body_code = self.body_code.trim().to_owned();
        if body_code.is_empty() {
            e.push("codice_ente", Problem::Required);
        } else if !is_code(&body_code, 1, 32) {
            e.push("codice_ente", Problem::InvalidCode);
        }
        let body_name = required_text(&mut e, "denominazione_ente", self.body_name, BODY_NAME_MAX);
        let seat = BelfioreCode::parse(self.seat)
            .map_err(|p| e.push("belfiore_sede", p))
            .ok();
        let operator = self.operator.trim().to_ascii_uppercase();
        if operator.is_empty() {
            e.push("cf_operatore", Problem::Required);
        } else if !crate::report::identity::is_fiscal_code(&operator) {
            e.push("cf_operatore", Problem::InvalidFiscalCode);
        }
        let mut mappings: Vec<Mapping> = Vec::new();
        let mut seen = Vec::new();
        for (i, m) in self.mappings.iter().enumerate() {
            let at = |f: &str| field_name(&format!("prestazioni[{i}].{f}"));
            let Some(kind) = ServiceKind::parse(m.kind) else {
                e.push(at("kind"), Problem::InvalidCode);
                continue;
            };
            if seen.contains(&kind) {
                e.push(at("kind"), Problem::Duplicate);
                continue;
            }
            seen.push(kind);
            let code = m.code.unwrap_or_default().trim();
            let name = m.name.unwrap_or_default().trim();
            if code.is_empty() {
                continue;
            }
            if !is_code(code, 5, 10) {
                e.push(at("codice"), Problem::InvalidCode);
            }
            let length = name.chars().count();
            if name.is_empty() {
                e.push(at("denominazione"), Problem::Required);
            } else if length < 10 {
                e.push(at("denominazione"), Problem::TooShort);
            } else if length > 200 {
                e.push(at("denominazione"), Problem::TooLong { max: 200 });
            } else if has_control(name) {
                e.push(at("denominazione"), Problem::ControlCharacter);
            }
            mappings.push(Mapping {
                kind,
                code: code.to_owned(),
                name: name.to_owned(),
            });
        }
        mappings.sort_by_key(|m| m.kind);
        match (e.is_empty(), seat) {
            (true, Some(seat)) => Ok(Settings {
                body_code,
                body_name,
                seat,
                operator,
                mappings,
            }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> SettingsInput<'static> {
        SettingsInput {
            body_code: "SERCOP",
            body_name: "Azienda speciale consortile SER.CO.P.",
            seat: "h264",
            operator: "rssmra80a01h264b",
            mappings: vec![
                MappingInput {
                    kind: "dormitorio",
                    code: Some("A2.16"),
                    name: Some("Accoglienza notturna di emergenza"),
                },
                MappingInput {
                    kind: "sul_posto",
                    code: None,
                    name: None,
                },
            ],
        }
    }

    #[test]
    fn good_settings_keep_the_kinds_with_a_code() {
        let s = good().validate().unwrap();
        assert_eq!(s.seat.as_str(), "H264");
        assert_eq!(s.operator, "RSSMRA80A01H264B");
        assert_eq!(s.mappings.len(), 1);
        assert_eq!(s.mappings[0].kind, ServiceKind::Dormitorio);
        assert_eq!(
            ServiceKind::of_resource(ResourceKind::CasaRifugio),
            ServiceKind::CasaRifugio
        );
        assert_eq!(ServiceKind::ALL.len(), ResourceKind::ALL.len() + 2);
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = SettingsInput {
            body_code: "con spazi",
            body_name: "\u{0}",
            seat: "1234",
            operator: "RSSMRA80A01H264Y",
            mappings: vec![
                MappingInput {
                    kind: "volare",
                    ..MappingInput::default()
                },
                MappingInput {
                    kind: "albergo",
                    code: Some("A1"),
                    name: Some("Breve"),
                },
                MappingInput {
                    kind: "albergo",
                    code: Some("A1.01"),
                    name: Some("Albergo convenzionato"),
                },
            ],
        };
        let fields: Vec<&str> = bad
            .validate()
            .unwrap_err()
            .0
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "codice_ente",
                "denominazione_ente",
                "belfiore_sede",
                "cf_operatore",
                "prestazioni[0].kind",
                "prestazioni[1].codice",
                "prestazioni[1].denominazione",
                "prestazioni[2].kind",
            ]
        );
    }
}
