//! The SINBA flow (`SINBA.xsd`): a minor, by an anonymised identifier, with what the service
//! knows of them and of their family, and the prestazioni given. Every fact the schema asks
//! for is given by whoever completes the record; a reporter's kind gives the source of the
//! report (`FonteSegnalazione`) and an unaccompanied foreign minor the assessment 12.

use super::{Body, attr, clipped, escape, head};
use crate::report::ReporterKind;

/// `FonteSegnalazione` of a reporter's kind, where one fits it plainly.
pub fn source_of(kind: ReporterKind) -> Option<u8> {
    match kind {
        ReporterKind::Carabinieri
        | ReporterKind::PoliziaStato
        | ReporterKind::PoliziaLocale
        | ReporterKind::AltreForzeOrdine => Some(5),
        ReporterKind::ProntoSoccorso | ReporterKind::Servizio118 => Some(3),
        ReporterKind::ServiziSociali => Some(2),
        ReporterKind::TerzoSettore => Some(4),
        ReporterKind::Cittadino | ReporterKind::Altro => None,
    }
}

/// `ValutazioneMinore` of an unaccompanied foreign minor.
pub const ASSESSMENT_MSNA: u8 = 12;

/// `CarattereInserimentoResidenziale` of an emergency placement in a community.
pub const EMERGENCY_PLACEMENT: u8 = 4;

/// `FasciaEtaBeneficiario` of an age in years: 1 (0–3) to 6 (15–18); none from 18.
pub fn age_band(age: u8) -> Option<u8> {
    (age < 18).then(|| age / 3 + 1).map(|b| b.min(6))
}

/// A month of a year, as SINBA writes it (`MM/AAAA`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    pub month: u8,
    pub year: i16,
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}/{:04}", self.month, self.year)
    }
}

/// A placement in a residential structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// `CarattereInserimentoResidenziale`, 1 to 10.
    pub character: u8,
    /// `FormaInserimentoResidenziale`: consensual (1) or by a court (2).
    pub form: Option<u8>,
    /// `TipoInserimentoResidenziale`: with a parent (1) or without (2).
    pub with_parent: Option<bool>,
}

/// What the courts know of the minor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Court {
    /// Reported to a judicial authority (`SegnalazioneAutoritaGiudiziaria`).
    pub reported: bool,
    /// Under a court's order (`ProvvedimentoGiudiziario`).
    pub order: bool,
}

/// The minor and what is known of them (the attributes of `SINBA`, by the schema's codes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minor {
    /// `IDBeneficiario`: anonymised, at most 20 characters.
    pub id: String,
    pub unaccompanied: bool,
    /// `CondizioneMinore`, 1 to 5.
    pub condition: u8,
    /// `LuogoVita`, 1 to 8.
    pub lives: u8,
    /// `ScuolaFrequentata`, 1 to 8.
    pub school: u8,
    /// `CondizioneLavoro`, 1 to 4.
    pub work: u8,
    pub disability: bool,
    pub first_report: Month,
    /// `FonteSegnalazione`, 1 to 14.
    pub source: u8,
    /// `ValutazioneMinore`, 1 to 13.
    pub assessment: u8,
    /// `ValutazioneFamigliaMinore`, 1 to 13.
    pub family_assessment: u8,
    pub court: Court,
    pub birth_year: i16,
    /// The age in years when the flow is written (under 18).
    pub age: u8,
    /// The country of residence's three digits.
    pub country: u16,
    /// The region of residence's two digits, in Italy.
    pub region: Option<String>,
    pub placement: Option<Placement>,
    /// `ComposizioneFamiglia`, 1 to 6 each (at least one).
    pub family: Vec<u8>,
}

/// The flow `id` from `body` about minor `m` and the prestazioni `codes` (5 to 10 characters
/// each, at least one).
pub fn xml(id: &str, body: &Body, m: &Minor, codes: &[String]) -> String {
    let yes_no = |b: bool| if b { "1" } else { "2" };
    let mut out = String::with_capacity(1024);
    head(&mut out, id, body);
    out.push_str("<SINBA");
    attr(&mut out, "IDBeneficiario", &clipped(&m.id, 20));
    attr(&mut out, "MinoreStranieroNoAcc", yes_no(m.unaccompanied));
    attr(&mut out, "CondizioneMinore", &m.condition.to_string());
    attr(&mut out, "LuogoVita", &m.lives.to_string());
    attr(&mut out, "ScuolaFrequentata", &m.school.to_string());
    attr(&mut out, "CondizioneLavoro", &m.work.to_string());
    attr(&mut out, "Disabilita", yes_no(m.disability));
    attr(
        &mut out,
        "DataPrimaSegnalazione",
        &m.first_report.to_string(),
    );
    attr(&mut out, "FonteSegnalazione", &m.source.to_string());
    attr(&mut out, "ValutazioneMinore", &m.assessment.to_string());
    attr(
        &mut out,
        "ValutazioneFamigliaMinore",
        &m.family_assessment.to_string(),
    );
    attr(
        &mut out,
        "SegnalazioneAutoritaGiudiziaria",
        yes_no(m.court.reported),
    );
    attr(&mut out, "ProvvedimentoGiudiziario", yes_no(m.court.order));
    if let Some(p) = m.placement {
        attr(
            &mut out,
            "CarattereInserimentoResidenziale",
            &p.character.to_string(),
        );
        if let Some(form) = p.form {
            attr(&mut out, "FormaInserimentoResidenziale", &form.to_string());
        }
        if let Some(with) = p.with_parent {
            attr(&mut out, "TipoInserimentoResidenziale", yes_no(with));
        }
    }
    attr(
        &mut out,
        "FasciaEtaBeneficiario",
        &age_band(m.age).unwrap_or(6).to_string(),
    );
    attr(&mut out, "AnnoNascita", &format!("{:04}", m.birth_year));
    if let Some(region) = &m.region {
        attr(&mut out, "CodiceRegioneResidenza", region);
    }
    attr(
        &mut out,
        "CodiceNazioneResidenza",
        &format!("{:03}", m.country),
    );
    out.push_str(">\n<Prestazioni>\n");
    for code in codes {
        out.push_str("<CodicePrestazione>");
        escape(&mut out, &clipped(code, 10));
        out.push_str("</CodicePrestazione>\n");
    }
    out.push_str("</Prestazioni>\n<Famiglia>\n");
    for member in &m.family {
        out.push_str("<ComposizioneFamiglia>");
        out.push_str(&member.to_string());
        out.push_str("</ComposizioneFamiglia>\n");
    }
    out.push_str("</Famiglia>\n</SINBA>\n</Flusso>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_bands_and_sources() {
        assert_eq!(age_band(0), Some(1));
        assert_eq!(age_band(3), Some(2));
        assert_eq!(age_band(16), Some(6));
        assert_eq!(age_band(17), Some(6));
        assert_eq!(age_band(18), None);
        assert_eq!(source_of(ReporterKind::Carabinieri), Some(5));
        assert_eq!(source_of(ReporterKind::Servizio118), Some(3));
        assert_eq!(source_of(ReporterKind::Cittadino), None);
        assert_eq!(
            Month {
                month: 3,
                year: 2026
            }
            .to_string(),
            "03/2026"
        );
    }
}
