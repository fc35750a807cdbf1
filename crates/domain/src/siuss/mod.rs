//! The national information system of social services (SIUSS, DM 206/2014): the flows INPS
//! acquires through its `WaaS` e-service, one beneficiary and one prestazione each. PS-PSA-SINA
//! (`ps`) names a person by fiscal code; SINBA (`sinba`) describes a minor by an anonymised
//! identifier. Both are XML in the namespace `http://inps.it/Casellario`, written here by hand
//! (attributes only, escaped), and validated against INPS's schemas by the tests.

pub mod ps;
pub mod settings;
pub mod sinba;

use jiff::civil::Date;

use crate::codes;

/// The XML namespace of both flows.
pub const NAMESPACE: &str = "http://inps.it/Casellario";

codes!(
    /// The two kinds of flow, as `tipo` of the e-service names them.
    FlowKind {
        PsPsaSina = "PS_PSA_SINA",
        Sinba = "SINBA",
    }
);

impl FlowKind {
    /// The kind as the flow's identifier names it (`EEEEE.TIPO.AAAAMMGG.NNNNNNN`).
    pub fn in_id(self) -> &'static str {
        match self {
            Self::PsPsaSina => "PS",
            Self::Sinba => "SINBA",
        }
    }
}

/// The body sending the flows (`Ente`): its code for INPS, its name, the Belfiore code of its
/// seat and the fiscal code of the operator who answers for the flows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub code: String,
    pub name: String,
    pub seat: String,
    pub operator: String,
}

/// The identifier of the `n`-th flow of `day` of body `code`: `EEEEE.TIPO.AAAAMMGG.NNNNNNN`
/// (the day's number on seven digits).
pub fn flow_id(code: &str, kind: FlowKind, day: Date, n: u32) -> String {
    format!(
        "{code}.{}.{:04}{:02}{:02}.{:07}",
        kind.in_id(),
        day.year(),
        day.month(),
        day.day(),
        n % 10_000_000
    )
}

/// The 3-digit code of a citizenship or a country the flows want (ISO 3166-1 numeric, as
/// INPS's samples use: 380 for Italy) for an ISO alpha-2 code; none for a code without one.
pub fn country_number(alpha2: &str) -> Option<u16> {
    isocountry::CountryCode::for_alpha2_caseless(alpha2.trim())
        .ok()
        .and_then(|c| u16::try_from(c.numeric_id()).ok())
}

/// The first `max` characters of `text`, trimmed: the schemas' lengths.
fn clipped(text: &str, max: usize) -> String {
    text.trim().chars().take(max).collect()
}

/// Writes ` name="value"`, the value escaped for an XML attribute.
fn attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    escape(out, value);
    out.push('"');
}

/// Writes `value` escaped for XML text or an attribute's value.
fn escape(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
}

/// The opening of a flow: the declaration, the root and `IdentificazioneFlusso` with `Ente`.
fn head(out: &mut String, id: &str, body: &Body) {
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Flusso xmlns=\"");
    out.push_str(NAMESPACE);
    out.push_str("\">\n<IdentificazioneFlusso");
    attr(out, "Nome", &clipped(id, 50));
    out.push_str(">\n<Ente");
    attr(out, "Codice", &clipped(&body.code, 32));
    attr(out, "Denominazione", &clipped(&body.name, 100));
    attr(out, "Indirizzo", &body.seat);
    attr(out, "CFOperatore", &body.operator);
    out.push_str("/>\n</IdentificazioneFlusso>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flow_is_named_by_body_kind_day_and_number() {
        let day = Date::new(2026, 12, 8).unwrap();
        assert_eq!(
            flow_id("H501", FlowKind::PsPsaSina, day, 2),
            "H501.PS.20261208.0000002"
        );
        assert_eq!(
            flow_id("H501", FlowKind::Sinba, day, 12_345_678),
            "H501.SINBA.20261208.2345678"
        );
    }

    #[test]
    fn countries_have_their_three_digits() {
        assert_eq!(country_number("IT"), Some(380));
        assert_eq!(country_number("ma"), Some(504));
        assert_eq!(country_number("AF"), Some(4));
        assert_eq!(country_number("XK"), None);
        assert_eq!(country_number(""), None);
    }

    #[test]
    fn attributes_are_escaped_and_lose_what_xml_cannot_carry() {
        let mut out = String::new();
        attr(&mut out, "Nome", "D'Angelo & <Figli> \"2\"\u{0}\u{1b}");
        assert_eq!(
            out,
            " Nome=\"D&apos;Angelo &amp; &lt;Figli&gt; &quot;2&quot;\""
        );
    }
}
