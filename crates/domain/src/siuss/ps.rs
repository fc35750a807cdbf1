//! The PS-PSA-SINA flow (`PS_PSA_SINA201812.xsd`): one beneficiary, named by fiscal code, and
//! one prestazione. For an intervention of the Pronto Intervento Sociale the means test is
//! absent (`PresenzaProvaMezzi` 4) and the prestazione occasional (`CaratterePrestazione` 2).

use jiff::civil::Date;

use super::{Body, attr, clipped, head};
use crate::codes;
use crate::report::TargetGroup;

codes!(
    /// Whether a flow records a prestazione or takes one back (`TipoOperazione`): a correction
    /// is the old flow taken back and a new one recorded.
    Operation {
        Insert = "I",
        Cancel = "C",
    }
);

codes!(
    /// The area of the beneficiary (`AreaUtenza`).
    Area {
        FamilyAndMinors = "1",
        Disability = "2",
        Poverty = "3",
    }
);

/// The area of a report's target group, where one fits it plainly.
pub fn area_of(group: TargetGroup) -> Option<Area> {
    match group {
        TargetGroup::SenzaDimora
        | TargetGroup::GraveEmarginazione
        | TargetGroup::EmergenzaAbitativa => Some(Area::Poverty),
        TargetGroup::Msna => Some(Area::FamilyAndMinors),
        TargetGroup::Fragilita => Some(Area::Disability),
        TargetGroup::ViolenzaGenere | TargetGroup::Altro => None,
    }
}

/// Where the beneficiary lives (`Indirizzo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Residence {
    /// In Italy: the region's two digits and the municipality's ISTAT code.
    Italy {
        region: String,
        municipality: String,
    },
    /// Abroad: the country's three digits.
    Abroad { country: u16 },
}

/// The beneficiary (`Beneficiario`, `Anagrafica`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Beneficiary {
    pub fiscal_code: String,
    pub surname: String,
    pub name: String,
    pub birth_year: i16,
    /// The Belfiore code of the municipality (or foreign state) of birth.
    pub birth_place: String,
    /// Male (`true`) or female.
    pub male: bool,
    /// The citizenship's three digits.
    pub citizenship: u16,
    pub residence: Residence,
}

/// The prestazione (`PrestazioniSociali`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub operation: Operation,
    /// `CodicePrestazione`, from the Ambito's mapping (5 to 10 characters).
    pub code: String,
    /// `DenominazionePrestazione` (10 to 200 characters).
    pub name: String,
    /// `ProtocolloDomanda`: the report's protocol code.
    pub protocol: String,
    /// The day of the event: the report's.
    pub event: Date,
    pub start: Date,
    pub end: Option<Date>,
    /// Whether a service took the beneficiary in charge (`PresaCarico`).
    pub taken_in_charge: bool,
    pub area: Option<Area>,
}

/// The flow `id` from `body` about `b` and `s`.
pub fn xml(id: &str, body: &Body, b: &Beneficiary, s: &Service) -> String {
    let mut out = String::with_capacity(1024);
    head(&mut out, id, body);
    out.push_str("<Beneficiario");
    attr(&mut out, "CodiceFiscale", &b.fiscal_code);
    out.push_str(">\n<Anagrafica");
    attr(&mut out, "Cognome", &clipped(&b.surname, 36));
    attr(&mut out, "Nome", &clipped(&b.name, 36));
    attr(&mut out, "AnnoNascita", &format!("{:04}", b.birth_year));
    attr(&mut out, "LuogoNascita", &b.birth_place);
    attr(&mut out, "Genere", if b.male { "1" } else { "2" });
    attr(
        &mut out,
        "CodiceCittadinanza",
        &format!("{:03}", b.citizenship),
    );
    out.push_str("/>\n<Indirizzo");
    match &b.residence {
        Residence::Italy {
            region,
            municipality,
        } => {
            attr(&mut out, "CodiceRegione", region);
            attr(&mut out, "CodiceComune", municipality);
            attr(&mut out, "CodiceNazione", "380");
        }
        Residence::Abroad { country } => {
            attr(&mut out, "CodiceNazione", &format!("{country:03}"));
        }
    }
    out.push_str("/>\n<PrestazioniSociali");
    attr(&mut out, "TipoOperazione", s.operation.code());
    attr(&mut out, "PresenzaProvaMezzi", "4");
    attr(&mut out, "CaratterePrestazione", "2");
    attr(&mut out, "CodicePrestazione", &clipped(&s.code, 10));
    attr(&mut out, "DenominazionePrestazione", &clipped(&s.name, 200));
    attr(&mut out, "ProtocolloDomanda", &clipped(&s.protocol, 32));
    attr(&mut out, "DataEvento", &s.event.to_string());
    attr(&mut out, "DataInizioPrestazione", &s.start.to_string());
    if let Some(end) = s.end {
        attr(&mut out, "DataFinePrestazione", &end.to_string());
    }
    attr(
        &mut out,
        "PresaCarico",
        if s.taken_in_charge { "1" } else { "2" },
    );
    if let Some(area) = s.area {
        attr(&mut out, "AreaUtenza", area.code());
    }
    out.push_str("/>\n</Beneficiario>\n</Flusso>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flow_carries_the_facts_and_the_pis_constants() {
        let body = Body {
            code: "F704".into(),
            name: "Comune di Rho".into(),
            seat: "H264".into(),
            operator: "RSSMRA80A01H264B".into(),
        };
        let b = Beneficiary {
            fiscal_code: "BNCGPP70A01F205F".into(),
            surname: "Bianchi".into(),
            name: "Giuseppe".into(),
            birth_year: 1970,
            birth_place: "F205".into(),
            male: true,
            citizenship: 380,
            residence: Residence::Abroad { country: 504 },
        };
        let day = Date::new(2026, 12, 8).unwrap();
        let s = Service {
            operation: Operation::Insert,
            code: "A1.16".into(),
            name: "Pronto intervento sociale".into(),
            protocol: "PIS-2026-0042".into(),
            event: day,
            start: day,
            end: None,
            taken_in_charge: false,
            area: area_of(TargetGroup::SenzaDimora),
        };
        let x = xml("F704.PS.20261208.0000001", &body, &b, &s);
        for part in [
            "CodiceFiscale=\"BNCGPP70A01F205F\"",
            "Genere=\"1\"",
            "CodiceNazione=\"504\"",
            "PresenzaProvaMezzi=\"4\"",
            "CaratterePrestazione=\"2\"",
            "PresaCarico=\"2\"",
            "AreaUtenza=\"3\"",
            "DataInizioPrestazione=\"2026-12-08\"",
        ] {
            assert!(x.contains(part), "{part}: {x}");
        }
        assert!(!x.contains("CodiceRegione"), "abroad: no region");
        assert!(!x.contains("DataFinePrestazione"));
    }
}
