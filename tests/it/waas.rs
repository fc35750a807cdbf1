//! The SIUSS e-service INPS polls, as `api-comuni.yaml` specifies it: a voucher signed with a
//! test key opens `/waas/v1/flussi` and `/waas/v1/esiti`; every flow polled decodes and
//! validates against INPS's schema; `since` = the last `ts_flusso` returns only newer flows;
//! a poll without a voucher, with a wrong audience or an expired one, answers 401 as
//! problem+json, and the voucher opens nothing else; on both databases.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use presidio_domain::siuss::{Body as Ente, FlowKind, ps, sinba};
use serde_json::{Value, json};

use crate::support::TestApp;

const ISSUER: &str = "https://auth.uat.interop.pagopa.it";
const AUDIENCE: &str = "https://presidio.example.it/waas/v1";

fn key_file(name: &str) -> String {
    format!("{}/tests/siuss/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A voucher signed with the test key, valid from `from` to `until` seconds from now.
fn voucher(audience: &str, from: i64, until: i64) -> String {
    let now = jiff::Timestamp::now().as_second();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("pdnd-collaudo-test".into());
    let claims = json!({"iss": ISSUER, "aud": audience, "client_id": "inps-siuss",
        "iat": now + from, "nbf": now + from, "exp": now + until, "jti": "a1"});
    let key = EncodingKey::from_rsa_der(&std::fs::read(key_file("voucher-test-key.der")).unwrap());
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

async fn app() -> TestApp {
    let mut app = TestApp::new().await;
    let jwks = std::fs::read_to_string(key_file("voucher-test-jwks.json")).unwrap();
    app.set_field(presidio_app::FieldConfig {
        waas: Some(presidio_app::waas::Voucher::new(&jwks, ISSUER, AUDIENCE).unwrap()),
        ..presidio_app::FieldConfig::default()
    });
    app
}

async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> (StatusCode, String, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let body = if body.is_null() {
        Body::empty()
    } else {
        Body::from(body.to_string())
    };
    let r = app.request(request.body(body).unwrap()).await;
    let kind = r.header("content-type").to_owned();
    let v = serde_json::from_str(&r.text()).unwrap_or(Value::Null);
    (r.status, kind, v)
}

/// Three flows of the Rhodense kept, as the generator keeps them.
async fn three_flows(app: &TestApp) {
    let ambito = app.t.db.list_ambiti().await.unwrap()[0].id;
    let body = Ente {
        code: "SERCOP".into(),
        name: "Azienda speciale consortile SER.CO.P.".into(),
        seat: "H264".into(),
        operator: "RSSMRA80A01H264B".into(),
    };
    let day = jiff::civil::date(2026, 12, 8);
    let b = ps::Beneficiary {
        fiscal_code: "BNCGPP70A01F205F".into(),
        surname: "Bianchi".into(),
        name: "Giuseppe".into(),
        birth_year: 1970,
        birth_place: "F205".into(),
        male: true,
        citizenship: 380,
        residence: ps::Residence::Italy {
            region: "03".into(),
            municipality: "015182".into(),
        },
    };
    let s = ps::Service {
        operation: ps::Operation::Insert,
        code: "A2.16".into(),
        name: "Accoglienza notturna di emergenza".into(),
        protocol: "PIS-2026-0042".into(),
        event: day,
        start: day,
        end: None,
        taken_in_charge: false,
        area: Some(ps::Area::Poverty),
    };
    let entry = presidio_domain::audit::Entry::new(
        presidio_domain::time::UtcMillis(0),
        presidio_domain::audit::Action::Write,
    );
    for kind in [FlowKind::PsPsaSina, FlowKind::Sinba, FlowKind::PsPsaSina] {
        let new = presidio_db::NewFlow {
            ambito,
            kind,
            body: &body,
            report_id: None,
            day,
        };
        let stored = app
            .t
            .db
            .store_flow(
                &new,
                |id| match kind {
                    FlowKind::PsPsaSina => ps::xml(id, &body, &b, &s),
                    FlowKind::Sinba => {
                        sinba::xml(id, &body, &crate::siuss::minor(), &["A2.16".to_owned()])
                    }
                },
                &entry,
            )
            .await
            .unwrap();
        assert!(stored.starts_with("SERCOP."), "{stored}");
    }
}

fn millis(ts: &Value) -> i64 {
    ts.as_str()
        .unwrap()
        .parse::<jiff::Timestamp>()
        .unwrap()
        .as_millisecond()
}

#[tokio::test]
async fn inps_polls_the_flows_with_a_voucher_and_nothing_else_opens_the_e_service() {
    let app = app().await;
    three_flows(&app).await;
    let good = voucher(AUDIENCE, -5, 300);
    let (s, kind, v) = send(
        &app,
        "GET",
        "/waas/v1/flussi?since=0",
        Some(&good),
        &Value::Null,
    )
    .await;
    assert_eq!(
        (s, kind.as_str()),
        (StatusCode::OK, "application/json"),
        "{v}"
    );
    let list = v["elenco_flussi"].as_array().unwrap().clone();
    assert_eq!(list.len(), 3, "{v}");
    let ids: Vec<&str> = list
        .iter()
        .map(|e| e["id_flusso"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "SERCOP.PS.20261208.0000001",
            "SERCOP.SINBA.20261208.0000002",
            "SERCOP.PS.20261208.0000003"
        ]
    );
    for e in &list {
        assert_eq!(
            (
                e["codice_ente"].as_str(),
                e["denominazione_ente"].is_string()
            ),
            (Some("H264"), true)
        );
        let xml = String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(e["flusso"].as_str().unwrap())
                .unwrap(),
        )
        .unwrap();
        let schema = if e["tipo"] == "SINBA" {
            "SINBA.xsd"
        } else {
            "PS_PSA_SINA201812.xsd"
        };
        if let Some(result) = crate::siuss::validate(schema, &xml) {
            assert_eq!(result, Ok(()), "{xml}");
        }
        assert!(xml.contains(e["id_flusso"].as_str().unwrap()));
    }
    pages_follow_since(&app, &good, &ids).await;
    vouchers_refused(&app, &good).await;
    let polls = app
        .audited("read")
        .await
        .into_iter()
        .filter(|e| e.entry.actor == "pdnd:inps-siuss")
        .count();
    assert!(polls >= 5, "every poll audited: {polls}");
    outcomes_are_kept_once(&app, &good, &ids).await;
}

/// In order, page by page: `since` = the last `ts_flusso` gives only the newer ones.
async fn pages_follow_since(app: &TestApp, good: &str, ids: &[&str]) {
    // In order, page by page: since = the last ts_flusso gives only the newer ones.
    let (_, _, v) = send(
        app,
        "GET",
        "/waas/v1/flussi?since=0&limit=2",
        Some(good),
        &Value::Null,
    )
    .await;
    let page = v["elenco_flussi"].as_array().unwrap();
    assert_eq!(page.len(), 2);
    let newest = millis(&page[1]["ts_flusso"]);
    assert!(millis(&page[0]["ts_flusso"]) < newest);
    let (_, _, v) = send(
        app,
        "GET",
        &format!("/waas/v1/flussi?since={newest}"),
        Some(good),
        &Value::Null,
    )
    .await;
    assert_eq!(v["elenco_flussi"].as_array().unwrap().len(), 1);
    assert_eq!(v["elenco_flussi"][0]["id_flusso"], ids[2]);
    let end = millis(&v["elenco_flussi"][0]["ts_flusso"]);
    let (s, _, v) = send(
        app,
        "GET",
        &format!("/waas/v1/flussi?since={end}"),
        Some(good),
        &Value::Null,
    )
    .await;
    assert_eq!(
        (s, v),
        (StatusCode::OK, json!({"elenco_flussi": []})),
        "nothing new: an empty list"
    );
}

/// Without a voucher, with another audience, expired, not yet valid or forged: 401; a minute
/// of skew is allowed; the voucher opens nothing else; bad parameters are 400.
async fn vouchers_refused(app: &TestApp, good: &str) {
    // Without a voucher, with another audience, expired, not yet valid, or a bad one: 401.
    let other = voucher("https://altro.example.it", -5, 300);
    let expired = voucher(AUDIENCE, -3600, -120);
    let early = voucher(AUDIENCE, 600, 900);
    let mut forged = good.to_owned();
    forged.pop();
    for token in [
        None,
        Some(other.as_str()),
        Some(expired.as_str()),
        Some(early.as_str()),
        Some(forged.as_str()),
        Some("x"),
    ] {
        let (s, kind, v) = send(app, "GET", "/waas/v1/flussi?since=0", token, &Value::Null).await;
        assert_eq!(
            (s, kind.as_str()),
            (StatusCode::UNAUTHORIZED, "application/problem+json"),
            "{token:?}"
        );
        assert_eq!(v["status"], 401);
    }
    // A minute of skew is allowed.
    let skewed = voucher(AUDIENCE, 30, 300);
    let (s, _, _) = send(
        app,
        "GET",
        "/waas/v1/flussi?since=0",
        Some(&skewed),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    // The voucher opens nothing else.
    let (s, _, _) = send(app, "GET", "/api/v1/me", Some(good), &Value::Null).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // Bad parameters: 400 as problem+json.
    for query in [
        "",
        "?since=-1",
        "?since=ieri",
        "?since=0&limit=101",
        "?since=0&limit=-1",
    ] {
        let (s, kind, _) = send(
            app,
            "GET",
            &format!("/waas/v1/flussi{query}"),
            Some(good),
            &Value::Null,
        )
        .await;
        assert_eq!(
            (s, kind.as_str()),
            (StatusCode::BAD_REQUEST, "application/problem+json"),
            "{query}"
        );
    }
    let (s, kind, _) = send(app, "GET", "/waas/v1/status", None, &Value::Null).await;
    assert_eq!(
        (s, kind.as_str()),
        (StatusCode::OK, "application/problem+json")
    );
}

/// INPS's outcomes are kept, the same ones again change nothing, bad ones are refused.
async fn outcomes_are_kept_once(app: &TestApp, good: &str, ids: &[&str]) {
    let outcomes = json!({"elenco_esiti": [
        {"id_flusso": ids[0], "tipo": "PS_PSA_SINA", "ts_flusso": "2026-12-08T02:00:00Z",
         "ts_acquisizione": "2026-12-08T03:00:00Z", "codice_esito": "OK", "id_acquisizione_siuss": "22738"},
        {"id_flusso": ids[1], "tipo": "SINBA", "ts_flusso": "2026-12-08T02:00:00Z",
         "ts_acquisizione": "2026-12-08T03:00:00Z", "codice_esito": "RICHIESTA_INVALIDA",
         "descrizione_esito": "In cooperazione è possibile inviare solo un beneficiario e una prestazione sociale"},
        {"id_flusso": "ALTRO.PS.20261208.0000009", "tipo": "PS_PSA_SINA", "ts_flusso": "2026-12-08T02:00:00Z",
         "ts_acquisizione": "2026-12-08T03:00:00Z", "codice_esito": "OK"},
    ]});
    for _ in 0..2 {
        let (s, _, v) = send(app, "POST", "/waas/v1/esiti", Some(good), &outcomes).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    }
    let kept = app.t.db.flows_since(0, 10).await.unwrap();
    assert_eq!(
        (
            kept[0].outcome.as_deref(),
            kept[0].acquisition_id.as_deref()
        ),
        (Some("OK"), Some("22738"))
    );
    assert_eq!(kept[1].outcome.as_deref(), Some("RICHIESTA_INVALIDA"));
    assert!(
        kept[1]
            .outcome_detail
            .as_deref()
            .unwrap()
            .contains("un beneficiario")
    );
    assert_eq!(kept[2].outcome, None);
    for bad in [
        json!({}),
        json!({"elenco_esiti": [{"id_flusso": ids[0]}]}),
        json!({"elenco_esiti": [{"id_flusso": ids[0], "tipo": "SINBA", "ts_flusso": "x", "ts_acquisizione": "x", "codice_esito": "FORSE"}]}),
    ] {
        let (s, kind, _) = send(app, "POST", "/waas/v1/esiti", Some(good), &bad).await;
        assert_eq!(
            (s, kind.as_str()),
            (StatusCode::BAD_REQUEST, "application/problem+json"),
            "{bad}"
        );
    }
    let (s, _, _) = send(app, "POST", "/waas/v1/esiti", None, &outcomes).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let written = app
        .audited("write")
        .await
        .into_iter()
        .filter(|e| e.entry.actor == "pdnd:inps-siuss")
        .count();
    assert_eq!(written, 2, "each delivery of outcomes audited");
}

#[tokio::test]
async fn flows_kept_at_once_get_their_own_number_and_instant() {
    let app = app().await;
    let ambito = app.t.db.list_ambiti().await.unwrap()[0].id;
    let body = Ente {
        code: "SERCOP".into(),
        name: "SER.CO.P.".into(),
        seat: "H264".into(),
        operator: "RSSMRA80A01H264B".into(),
    };
    let day = jiff::civil::date(2026, 12, 8);
    let entry = presidio_domain::audit::Entry::new(
        presidio_domain::time::UtcMillis(0),
        presidio_domain::audit::Action::Write,
    );
    let new = presidio_db::NewFlow {
        ambito,
        kind: FlowKind::Sinba,
        body: &body,
        report_id: None,
        day,
    };
    let store = || app.t.db.store_flow(&new, str::to_owned, &entry);
    let got = tokio::join!(store(), store(), store(), store());
    let got = [got.0, got.1, got.2, got.3];
    let mut ids: Vec<String> = got.into_iter().map(Result::unwrap).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "{ids:?}");
    let kept = app.t.db.flows_since(0, 10).await.unwrap();
    let mut instants: Vec<i64> = kept.iter().map(|f| f.ts).collect();
    instants.dedup();
    assert_eq!(
        instants.len(),
        4,
        "one instant each, in order: {instants:?}"
    );
}
