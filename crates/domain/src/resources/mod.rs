//! The resource directory: shelters, hotels, communities, the anti-violence centre and its
//! protected shelters, mediators, transport, basic goods, cash help — with capacity, free places
//! and a confidentiality level that decides who may read the address.

pub mod activation;
pub mod budget;

use crate::access::{Permission, Principal, Role};
use crate::codes;
use crate::reference::AmbitoId;
use crate::validation::{Invalid, Problem, required_text};

codes!(
    /// What a resource is.
    ResourceKind {
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

codes!(
    /// Who may read a resource's address.
    Confidentiality {
        /// Everyone who reads the directory.
        Pubblico = "pubblico",
        /// The operational staff: call-takers, field operators, coordinators.
        Riservato = "riservato",
        /// Coordinators only (a protected shelter): never in lists for others, exports,
        /// notifications or logs.
        Protetto = "protetto",
    }
);

codes!(
    /// What the capacity counts.
    Unit {
        PostiLetto = "posti_letto",
        Unita = "unita",
    }
);

/// A resource as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub kind: ResourceKind,
    pub name: String,
    pub provider: String,
    pub address: String,
    pub confidentiality: Confidentiality,
    pub capacity: u32,
    pub unit: Unit,
    /// A number that answers day and night.
    pub contact: String,
    /// Per night or per unit, in euro cents.
    pub tariff_cents: i64,
    pub notes: String,
}

impl ResourceKind {
    /// Protected shelters are protected whatever was asked.
    pub fn least_confidentiality(self) -> Confidentiality {
        match self {
            Self::CasaRifugio => Confidentiality::Protetto,
            _ => Confidentiality::Pubblico,
        }
    }
}

/// Whether `who` may read the address of a resource of this Ambito and confidentiality.
pub fn may_read_address(who: &Principal, ambito: AmbitoId, level: Confidentiality) -> bool {
    match level {
        Confidentiality::Pubblico => who.may_in(Permission::ReadResources, ambito),
        Confidentiality::Riservato => who.may_in(Permission::WriteCases, ambito),
        Confidentiality::Protetto => who
            .grants
            .iter()
            .any(|g| g.ambito == ambito && g.role == Role::Coordinatore),
    }
}

/// A resource as typed.
#[derive(Debug, Clone, Default)]
pub struct ResourceInput<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub provider: &'a str,
    pub address: &'a str,
    pub confidentiality: &'a str,
    pub capacity: &'a str,
    pub unit: &'a str,
    pub contact: &'a str,
    /// Euro with a comma or a point, e.g. `45,50`.
    pub tariff: &'a str,
    pub notes: &'a str,
}

/// Euro typed as `45`, `45,5` or `45.50` in cents.
pub fn parse_euro(raw: &str) -> Option<i64> {
    let raw = raw.trim().replace(',', ".");
    let (units, cents) = match raw.split_once('.') {
        Some((u, c)) if !c.is_empty() && c.len() <= 2 && c.chars().all(|d| d.is_ascii_digit()) => {
            let c: i64 = c.parse().ok()?;
            (
                u,
                if raw.split_once('.')?.1.len() == 1 {
                    c * 10
                } else {
                    c
                },
            )
        }
        Some(_) => return None,
        None => (raw.as_str(), 0),
    };
    if units.is_empty() || !units.chars().all(|d| d.is_ascii_digit()) || units.len() > 9 {
        return None;
    }
    Some(units.parse::<i64>().ok()? * 100 + cents)
}

fn code<T>(
    errors: &mut Invalid,
    field: &'static str,
    raw: &str,
    parse: fn(&str) -> Option<T>,
) -> Option<T> {
    if raw.trim().is_empty() {
        errors.push(field, Problem::Required);
        return None;
    }
    let v = parse(raw);
    if v.is_none() {
        errors.push(field, Problem::UnknownCode);
    }
    v
}

impl ResourceInput<'_> {
    pub fn validate(&self) -> Result<Resource, Invalid> {
        let mut errors = Invalid::default();
        let kind = code(&mut errors, "kind", self.kind, ResourceKind::parse);
        let name = required_text(&mut errors, "name", self.name, 120);
        let provider = required_text(&mut errors, "provider", self.provider, 120);
        let address = self.address.trim().to_owned();
        if address.chars().count() > 200 {
            errors.push("address", Problem::TooLong { max: 200 });
        }
        let confidentiality = code(
            &mut errors,
            "confidentiality",
            self.confidentiality,
            Confidentiality::parse,
        );
        let capacity = match self.capacity.trim().parse::<u32>() {
            Ok(c) if c <= 10_000 => Some(c),
            _ => {
                errors.push("capacity", Problem::OutOfRange);
                None
            }
        };
        let unit = code(&mut errors, "unit", self.unit, Unit::parse);
        let contact = required_text(&mut errors, "contact", self.contact, 60);
        if !contact.is_empty() && !crate::validation::is_phone(&contact) {
            errors.push("contact", Problem::InvalidPhone);
        }
        let tariff_cents = if self.tariff.trim().is_empty() {
            Some(0)
        } else {
            let t = parse_euro(self.tariff);
            if t.is_none() {
                errors.push("tariff", Problem::OutOfRange);
            }
            t
        };
        let notes = self.notes.trim().to_owned();
        if notes.chars().count() > 2000 {
            errors.push("notes", Problem::TooLong { max: 2000 });
        }
        match (kind, confidentiality, capacity, unit, tariff_cents) {
            (Some(kind), Some(level), Some(capacity), Some(unit), Some(tariff_cents)) => errors
                .into_result(Resource {
                    kind,
                    name,
                    provider,
                    address,
                    confidentiality: level.max(kind.least_confidentiality()),
                    capacity,
                    unit,
                    contact,
                    tariff_cents,
                    notes,
                }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euro_amounts_are_read_in_cents() {
        assert_eq!(parse_euro("45"), Some(4500));
        assert_eq!(parse_euro("45,5"), Some(4550));
        assert_eq!(parse_euro("45.05"), Some(4505));
        assert_eq!(parse_euro(" 0,99 "), Some(99));
        for bad in ["", "-3", "4,555", "1e3", "12,", ",5", "dieci"] {
            assert_eq!(parse_euro(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_protected_shelter_stays_protected_and_faults_are_named() {
        let shelter = ResourceInput {
            kind: "casa_rifugio",
            name: "Casa protetta",
            provider: "CAV",
            address: "Via segreta 1",
            confidentiality: "pubblico",
            capacity: "4",
            unit: "posti_letto",
            contact: "1522",
            tariff: "",
            notes: "",
        };
        assert_eq!(
            shelter.validate().unwrap().confidentiality,
            Confidentiality::Protetto
        );
        let bad = ResourceInput {
            kind: "castello",
            capacity: "-1",
            tariff: "molto",
            ..ResourceInput::default()
        };
        let fields: Vec<_> = bad
            .validate()
            .unwrap_err()
            .0
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            vec![
                "kind",
                "name",
                "provider",
                "confidentiality",
                "capacity",
                "unit",
                "contact",
                "tariff"
            ]
        );
    }
}
