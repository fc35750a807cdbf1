//! The SIUSS flows Presidio writes validate against INPS's schemas (`tests/siuss/*.xsd`, with
//! `xmllint`): PS-PSA-SINA for every target group, abroad and in Italy, a correction (the old
//! flow taken back, a new one recorded) and names the schema must clip or escape; SINBA for an
//! unaccompanied foreign minor placed in emergency and for a minor living with the family.

use jiff::civil::Date;
use presidio_domain::report::{ReporterKind, TargetGroup};
use presidio_domain::siuss::ps::{self, Beneficiary, Operation, Residence, Service};
use presidio_domain::siuss::sinba::{self, Court, Minor, Month, Placement};
use presidio_domain::siuss::{Body, FlowKind, country_number, flow_id};

fn schema(name: &str) -> String {
    format!("{}/tests/siuss/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Validates `xml` against schema `xsd` with xmllint; Err with its message when invalid. None
/// when xmllint is missing outside CI (with CI=true a missing xmllint fails the test).
pub fn validate(xsd: &str, xml: &str) -> Option<Result<(), String>> {
    use std::io::Write;
    let mut child = match std::process::Command::new("xmllint")
        .args(["--noout", "--schema", &schema(xsd), "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "xmllint is needed to check the SIUSS flows (Debian: libxml2-utils): {e}"
            );
            eprintln!("SKIPPED: xmllint not installed (Debian: libxml2-utils)");
            return None;
        }
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(xml.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Some(if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    })
}

fn body() -> Body {
    Body {
        code: "H264".into(),
        name: "Azienda speciale consortile SER.CO.P. – Ambito Rhodense".into(),
        seat: "H264".into(),
        operator: "RSSMRA80A01H264B".into(),
    }
}

fn day(d: i8) -> Date {
    Date::new(2026, 12, d).unwrap()
}

fn beneficiary() -> Beneficiary {
    Beneficiary {
        fiscal_code: "BNCGPP70A01F205F".into(),
        surname: "Bianchi".into(),
        name: "Giuseppe".into(),
        birth_year: 1970,
        birth_place: "F205".into(),
        male: true,
        citizenship: 380,
        residence: Residence::Italy {
            region: "03".into(),
            municipality: "015182".into(),
        },
    }
}

fn service(group: TargetGroup) -> Service {
    Service {
        operation: Operation::Insert,
        code: "A1.16".into(),
        name: "Pronto intervento sociale: accoglienza notturna".into(),
        protocol: "PIS-2026-0042".into(),
        event: day(7),
        start: day(7),
        end: Some(day(8)),
        taken_in_charge: false,
        area: ps::area_of(group),
    }
}

#[test]
fn every_ps_psa_sina_flow_validates_against_the_schema() {
    let mut flows = Vec::new();
    for (n, group) in TargetGroup::ALL.iter().enumerate() {
        let id = flow_id(
            "H264",
            FlowKind::PsPsaSina,
            day(8),
            u32::try_from(n).unwrap() + 1,
        );
        flows.push(ps::xml(&id, &body(), &beneficiary(), &service(*group)));
    }
    // Abroad, a woman, a foreign citizenship, a name the schema must clip and escape.
    let mut abroad = beneficiary();
    abroad.residence = Residence::Abroad {
        country: country_number("MA").unwrap(),
    };
    abroad.male = false;
    abroad.citizenship = country_number("MA").unwrap();
    abroad.surname = "D'Angelo & <Figli> Bianchi Rossi Verdi Neri Gialli Russo".into();
    abroad.name = "Maria\u{0}Grazia".into();
    let mut taken = service(TargetGroup::ViolenzaGenere);
    taken.taken_in_charge = true;
    taken.end = None;
    flows.push(ps::xml(
        "H264.PS.20261208.0000010",
        &body(),
        &abroad,
        &taken,
    ));
    // A correction: the first flow taken back, then recorded again with the right day.
    let mut back = service(TargetGroup::SenzaDimora);
    back.operation = Operation::Cancel;
    flows.push(ps::xml(
        "H264.PS.20261208.0000011",
        &body(),
        &beneficiary(),
        &back,
    ));
    let mut again = service(TargetGroup::SenzaDimora);
    again.start = day(6);
    flows.push(ps::xml(
        "H264.PS.20261208.0000012",
        &body(),
        &beneficiary(),
        &again,
    ));
    for xml in &flows {
        match validate("PS_PSA_SINA201812.xsd", xml) {
            None => return,
            Some(result) => assert_eq!(result, Ok(()), "{xml}"),
        }
    }
    let groups = TargetGroup::ALL.len();
    assert!(flows[groups].contains("Cognome=\"D&apos;Angelo &amp; &lt;Figli&gt;"));
    assert!(flows[groups + 1].contains("TipoOperazione=\"C\""));
    // The schema refuses what it must: a wrong fiscal code is caught, the check is real.
    let mut wrong = beneficiary();
    wrong.fiscal_code = "NON-UN-CODICE".into();
    let xml = ps::xml(
        "H264.PS.20261208.0000013",
        &body(),
        &wrong,
        &service(TargetGroup::Altro),
    );
    assert!(validate("PS_PSA_SINA201812.xsd", &xml).unwrap().is_err());
}

pub fn minor() -> Minor {
    Minor {
        id: "H264-7F3A9C2E11B4".into(),
        unaccompanied: true,
        condition: 1,
        lives: 4,
        school: 1,
        work: 1,
        disability: false,
        first_report: Month {
            month: 12,
            year: 2026,
        },
        source: sinba::source_of(ReporterKind::Carabinieri).unwrap(),
        assessment: sinba::ASSESSMENT_MSNA,
        family_assessment: 1,
        court: Court {
            reported: true,
            order: false,
        },
        birth_year: 2010,
        age: 16,
        country: country_number("EG").unwrap(),
        region: None,
        placement: Some(Placement {
            character: sinba::EMERGENCY_PLACEMENT,
            form: Some(1),
            with_parent: Some(false),
        }),
        family: vec![6],
    }
}

#[test]
fn every_sinba_flow_validates_against_the_schema() {
    let codes = vec!["A2.16".to_owned()];
    let msna = sinba::xml("H264.SINBA.20261208.0000001", &body(), &minor(), &codes);
    let mut at_home = minor();
    at_home.unaccompanied = false;
    at_home.lives = 1;
    at_home.assessment = 7;
    at_home.family_assessment = 7;
    at_home.source = sinba::source_of(ReporterKind::ProntoSoccorso).unwrap();
    at_home.age = 2;
    at_home.birth_year = 2024;
    at_home.country = 380;
    at_home.region = Some("03".into());
    at_home.placement = None;
    at_home.family = vec![1, 3];
    let home = sinba::xml(
        "H264.SINBA.20261208.0000002",
        &body(),
        &at_home,
        &["A1.09".to_owned(), "A2.16".to_owned()],
    );
    for xml in [&msna, &home] {
        match validate("SINBA.xsd", xml) {
            None => return,
            Some(result) => assert_eq!(result, Ok(()), "{xml}"),
        }
    }
    assert!(msna.contains("ValutazioneMinore=\"12\"") && msna.contains("FonteSegnalazione=\"5\""));
    assert!(msna.contains("CarattereInserimentoResidenziale=\"4\""));
    assert!(home.contains("FasciaEtaBeneficiario=\"1\""));
    // No family at all is refused by the schema: the check is real.
    let mut alone = minor();
    alone.family.clear();
    let xml = sinba::xml("H264.SINBA.20261208.0000003", &body(), &alone, &codes);
    assert!(validate("SINBA.xsd", &xml).unwrap().is_err());
}

/// The settings of an Ambito: the body and a code for the dormitory only.
fn settings(version: i64) -> serde_json::Value {
    serde_json::json!({
        "codice_ente": "SERCOP",
        "denominazione_ente": "Azienda speciale consortile SER.CO.P.",
        "belfiore_sede": "h264",
        "cf_operatore": "rssmra80a01h264b",
        "prestazioni": [
            {"kind": "dormitorio", "codice": "A2.16", "denominazione": "Accoglienza notturna di emergenza"},
            {"kind": "sul_posto", "codice": null},
        ],
        "version": version,
    })
}

#[tokio::test]
async fn an_admin_keeps_the_ambitos_settings_and_nothing_bad_is_stored() {
    use crate::reports_api::request_as;
    use axum::http::{Method, StatusCode};
    let app = crate::support::TestApp::new().await;
    let bollatese = app.add_bollatese().await;
    let admin = app.sign_in("admin", &[]).await;
    let theirs = app.sign_in_in("bollatese", "admin", &[]).await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let path = "/api/v1/siuss/settings";
    let r = request_as(&app, &admin, Method::GET, path, &serde_json::Value::Null).await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(v["version"], 0);
    let kinds = v["prestazioni"].as_array().unwrap();
    assert_eq!(kinds.len(), 11, "every kind, none with a code: {v}");
    assert!(
        kinds
            .iter()
            .all(|k| k["codice"].is_null() && !k["label"].as_str().unwrap().is_empty())
    );
    // Saved once; the same version again is a conflict that changes nothing.
    let r = request_as(&app, &admin, Method::PUT, path, &settings(0)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(
        (v["version"].as_i64(), v["belfiore_sede"].as_str()),
        (Some(1), Some("H264"))
    );
    let dormitory = v["prestazioni"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "dormitorio")
        .unwrap()
        .clone();
    assert_eq!(dormitory["codice"], "A2.16");
    let r = request_as(&app, &admin, Method::PUT, path, &settings(0)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    bad_settings_change_nothing(&app, &admin, path).await;
    // Two changes at once on the same version: one lands, the other is told.
    let same = settings(1);
    let put = || request_as(&app, &admin, Method::PUT, path, &same);
    let (a, b) = tokio::join!(put(), put());
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    // Each Ambito keeps its own; another's are not there for this admin; a coordinator is refused.
    let other = format!("{path}?ambito={}", bollatese.id.0);
    let r = request_as(&app, &admin, Method::GET, &other, &serde_json::Value::Null).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = request_as(&app, &theirs, Method::GET, &other, &serde_json::Value::Null).await;
    assert_eq!(
        (r.status, r.json()["version"].as_i64()),
        (StatusCode::OK, Some(0))
    );
    let r = request_as(
        &app,
        &coordinator,
        Method::GET,
        path,
        &serde_json::Value::Null,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let audited = app.audited("settings_changed").await;
    assert_eq!(
        audited
            .iter()
            .filter(|e| e.entry.section == "siuss")
            .count(),
        2,
        "two changes landed"
    );
}

/// Every bad field is named as on screen, and nothing changes (the settings at version 1).
async fn bad_settings_change_nothing(
    app: &crate::support::TestApp,
    admin: &crate::support::Who,
    path: &str,
) {
    use crate::reports_api::request_as;
    use axum::http::{Method, StatusCode};
    // Every bad field is named as on screen, and nothing changes.
    let mut bad = settings(1);
    bad["codice_ente"] = "con spazi".into();
    bad["denominazione_ente"] = "".into();
    bad["belfiore_sede"] = "0001".into();
    bad["cf_operatore"] = "RSSMRA80A01H264Y".into();
    bad["prestazioni"] = serde_json::json!([
        {"kind": "volare", "codice": "A1.01", "denominazione": "Volo di linea notturno"},
        {"kind": "albergo", "codice": "A1", "denominazione": "Breve"},
        {"kind": "albergo", "codice": "A1.09", "denominazione": "Albergo convenzionato"},
    ]);
    let r = request_as(app, admin, Method::PUT, path, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let fields = r.json()["error"]["fields"].clone();
    for (field, says) in [
        ("codice_ente", "Codice dell'ente per INPS: da 1 a 32"),
        ("denominazione_ente", "Denominazione dell'ente"),
        ("belfiore_sede", "Codice catastale della sede"),
        ("cf_operatore", "Codice fiscale dell'operatore"),
        ("prestazioni[0].kind", "Prestazione 1 · Tipo"),
        ("prestazioni[1].codice", "da 5 a 10"),
        ("prestazioni[1].denominazione", "almeno 10 caratteri"),
        ("prestazioni[2].kind", "Prestazione 3 · Tipo"),
    ] {
        let message = fields[field].as_str().unwrap_or_default();
        assert!(message.contains(says), "{field}: {fields}");
    }
    let mut shape = settings(1);
    shape["prestazioni"] =
        serde_json::json!([["dormitorio", "Posto", "A2.16", "Accoglienza notturna"]]);
    let r = request_as(app, admin, Method::PUT, path, &shape).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an item is an object: {}",
        r.text()
    );
    let mut nul = settings(1);
    nul["denominazione_ente"] = "Ente\u{0}".into();
    let r = request_as(app, admin, Method::PUT, path, &nul).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Denominazione dell'ente"), "{}", r.text());
    let r = request_as(app, admin, Method::GET, path, &serde_json::Value::Null).await;
    assert_eq!(r.json()["version"], 1, "nothing changed");
}

#[tokio::test]
async fn the_admin_page_saves_the_settings_and_names_what_it_refuses() {
    use axum::http::StatusCode;
    let app = crate::support::TestApp::new().await;
    let admin = app.sign_in("admin", &[]).await;
    let page = app.get_as(&admin, "/amministrazione/siuss").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains("Posto in dormitorio"),
        "{}",
        page.text()
    );
    let mut form = vec![
        ("version", "0"),
        ("codice_ente", "SERCOP"),
        (
            "denominazione_ente",
            "Azienda speciale consortile SER.CO.P.",
        ),
        ("belfiore_sede", "H264"),
        ("cf_operatore", "RSSMRA80A01H264B"),
        ("prestazioni[2].codice", "A2.16"),
        (
            "prestazioni[2].denominazione",
            "Accoglienza notturna di emergenza",
        ),
    ];
    let r = app
        .post_form_as(&admin, "/amministrazione/siuss", &form, None)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = app.get_as(&admin, r.header("location")).await.text();
    assert!(
        page.contains("Impostazioni SIUSS salvate") && page.contains("value=\"A2.16\""),
        "{page}"
    );
    // The same version again: someone saved first, nothing changes.
    let r = app
        .post_form_as(&admin, "/amministrazione/siuss", &form, None)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.text().contains("ha salvato queste impostazioni"),
        "{}",
        r.text()
    );
    form[0] = ("version", "1");
    form[4] = ("cf_operatore", "RSSMRA80A01H264Y");
    form[6] = ("prestazioni[2].denominazione", "");
    let r = app
        .post_form_as(&admin, "/amministrazione/siuss", &form, None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text();
    assert!(
        text.contains("Codice fiscale dell&#39;operatore")
            || text.contains("Codice fiscale dell'operatore"),
        "{text}"
    );
    assert!(
        text.contains("Prestazione 3 · Denominazione della prestazione"),
        "{text}"
    );
    let r = crate::reports_api::request_as(
        &app,
        &admin,
        axum::http::Method::GET,
        "/api/v1/siuss/settings",
        &serde_json::Value::Null,
    )
    .await;
    assert_eq!(
        r.json()["cf_operatore"],
        "RSSMRA80A01H264B",
        "nothing changed"
    );
}
