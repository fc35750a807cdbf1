//! Reporting partners are data of the network directory: a coordinator marks an organisation as
//! reporting to the service, the call-taker chooses it at intake (page and API), its kind and
//! name fill in, another Ambito's or a silent organisation is refused, the portal sender's
//! organisation is recorded, and the dashboard counts reports by partner (small protected
//! counts hidden from analysts), on both databases.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::calendar::call;
use crate::support::{TestApp, Who};

const ORGS: &str = "/api/v1/network/organisations";

async fn organisation(app: &mut TestApp, who: &Who, name: &str, reporter_kind: &str) -> i64 {
    let body = json!({
        "name": name, "kind": "asst", "reporter_kind": reporter_kind,
        "contacts": [{"kind": "h24", "label": "Triage", "phone": "02 994 30 1"}]
    });
    let (s, v) = call(app, Some(who), Method::POST, ORGS, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

fn from_partner(partner: impl Into<Value>) -> Value {
    let mut body = crate::reports_api::minimal();
    body["reporter"] = json!({"organisation_id": partner.into(), "name": "Inf. Verdi"});
    body
}

async fn report_count(app: &TestApp) -> usize {
    app.t
        .db
        .audit_search(&presidio_db::AuditFilter {
            record_type: "report".into(),
            action: "write".into(),
            limit: 10_000,
            ..Default::default()
        })
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_partner_chosen_at_intake_fills_in_its_kind_and_name_and_is_counted() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let er = organisation(&mut app, &coord, "Pronto soccorso Rho", "pronto_soccorso").await;
    let card = app.get_as(&coord, &format!("{ORGS}/{er}")).await.json();
    assert_eq!(card["reporter_kind"], "pronto_soccorso");

    // The intake form offers it, with the kind it fills in.
    let form = app.get_as(&desk, "/segnalazioni/nuova").await.text();
    assert!(
        form.contains(&format!("value=\"{er}\" data-kind=\"pronto_soccorso\"")),
        "{form}"
    );
    assert!(form.contains("Pronto soccorso Rho · Pronto soccorso"));

    // Over the API, without a kind: the partner's.
    let (s, v) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        "/api/v1/reports",
        &from_partner(json!(er)),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let read = app
        .get_as(&desk, &format!("/api/v1/reports/{id}"))
        .await
        .json();
    assert_eq!(read["reporter"]["kind"], "pronto_soccorso", "{read}");
    assert_eq!(read["reporter"]["organization"], "Pronto soccorso Rho");
    assert_eq!(read["reporter"]["organisation_id"], er);
    assert_eq!(read["reporter"]["name"], "Inf. Verdi");

    // From the form, with a kind typed: the typed one stays.
    let r = app
        .post_form_as(
            &desk,
            "/segnalazioni/nuova",
            &[
                ("channel", "telefono"),
                ("reporter.organisation_id", &er.to_string()),
                ("reporter.kind", "servizio_118"),
                ("municipality", "015182"),
                ("target_group", "senza_dimora"),
                ("persons[0].role", "beneficiario"),
                ("persons[0].sex", "M"),
                ("description", "Uomo al freddo accompagnato dal 118"),
            ],
            Some(&desk.csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());

    // The dashboard counts both under the partner, in the page, the API and the CSV.
    let year = presidio_db::now().in_rome().date().year();
    let period = format!("from={year}-01-01&to={year}-12-31");
    let d = app
        .get_as(&coord, &format!("/api/v1/stats/dashboard?{period}"))
        .await
        .json();
    assert_eq!(
        d["partners"],
        json!([{"organisation_id": er, "name": "Pronto soccorso Rho", "reports": 2}]),
        "{d}"
    );
    let page = app
        .get_as(
            &coord,
            &format!("/statistiche/cruscotto?dal={year}-01-01&al={year}-12-31"),
        )
        .await
        .text();
    assert!(page.contains("Enti della rete che segnalano"), "{page}");
    assert_eq!(
        page.matches("class=\"dashboard-chart\"").count(),
        6,
        "a chart for the partners"
    );
    let csv = app
        .get_as(
            &coord,
            &format!("/statistiche/cruscotto.csv?dal={year}-01-01&al={year}-12-31"),
        )
        .await
        .text();
    assert!(csv.contains("\"Pronto soccorso Rho\";2"), "{csv}");
}

#[tokio::test]
async fn another_ambitos_or_a_silent_organisation_is_refused_and_nothing_is_stored() {
    let mut app = TestApp::new().await;
    app.add_bollatese().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let other = app.sign_in_in("bollatese", "coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let silent = organisation(&mut app, &coord, "Ufficio di piano", "").await;
    let theirs = organisation(
        &mut app,
        &other,
        "Pronto soccorso Bollate",
        "pronto_soccorso",
    )
    .await;
    let ours = organisation(&mut app, &coord, "Pronto soccorso Rho", "pronto_soccorso").await;
    // Bollate's partner is not offered in Rho.
    let form = app.get_as(&desk, "/segnalazioni/nuova").await.text();
    assert!(!form.contains("Pronto soccorso Bollate") && !form.contains("Ufficio di piano"));
    assert!(form.contains(&format!("value=\"{ours}\"")), "Rho's own is");
    let before = report_count(&app).await;
    for (partner, problem) in [
        (json!(silent), "non è un ente della rete"),
        (json!(theirs), "non è un ente della rete"),
        (json!(i64::MAX), "non è un ente della rete"),
        (json!(0), "non è un ente della rete"),
        (json!(-4), "non è un ente della rete"),
    ] {
        let (s, v) = call(&mut app, Some(&desk), Method::POST, "/api/v1/reports", &{
            let mut body = from_partner(partner.clone());
            body["reporter"]["kind"] = json!("pronto_soccorso");
            body
        })
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{partner}: {v}");
        let said = v["error"]["fields"]["reporter.organisation_id"]
            .as_str()
            .unwrap_or_else(|| panic!("{partner}: {v}"));
        assert!(said.contains("Organizzazione della rete: "), "{said}");
        assert!(said.contains(problem), "{partner}: {said}");
    }
    let (s, v) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        "/api/v1/reports",
        &from_partner(json!("uno")),
    )
    .await;
    assert!(s.is_client_error(), "{v}");
    // The page names the field as labelled, in Italian.
    let r = app
        .post_form_as(
            &desk,
            "/segnalazioni/nuova",
            &[
                ("channel", "telefono"),
                ("reporter.organisation_id", &theirs.to_string()),
                ("municipality", "015182"),
                ("target_group", "senza_dimora"),
                ("persons[0].role", "beneficiario"),
                ("persons[0].sex", "M"),
                ("description", "Uomo al freddo"),
            ],
            Some(&desk.csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains(
            "Organizzazione della rete: non è un ente della rete che segnala al servizio in questo Ambito."
        ),
        "{}",
        r.text()
    );
    assert_eq!(report_count(&app).await, before, "nothing stored");
}

#[tokio::test]
async fn a_report_keeps_its_partner_when_corrected_after_the_card_stops_reporting() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let ours = organisation(&mut app, &coord, "Pronto soccorso Rho", "pronto_soccorso").await;
    let (s, v) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        "/api/v1/reports",
        &from_partner(json!(ours)),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let card = app.get_as(&coord, &format!("{ORGS}/{ours}")).await.json();
    let body = json!({
        "name": card["name"], "kind": card["kind"], "version": card["version"],
        "contacts": card["contacts"], "reporter_kind": "",
    });
    let (s, v) = call(
        &mut app,
        Some(&coord),
        Method::PUT,
        &format!("{ORGS}/{ours}"),
        &body,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let read = app
        .get_as(&desk, &format!("/api/v1/reports/{id}"))
        .await
        .json();
    let mut fix = from_partner(json!(ours));
    fix["reporter"]["kind"] = json!("pronto_soccorso");
    fix["description"] = json!("Uomo al freddo, corretto");
    fix["version"] = read["version"].clone();
    let (s, v) = call(
        &mut app,
        Some(&desk),
        Method::PATCH,
        &format!("/api/v1/reports/{id}"),
        &fix,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let read = app
        .get_as(&desk, &format!("/api/v1/reports/{id}"))
        .await
        .json();
    assert_eq!(read["reporter"]["organisation_id"], ours);
}

#[tokio::test]
async fn the_portal_senders_partner_is_recorded_and_a_small_protected_count_hides() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let analyst = app.sign_in("analista", &[]).await;
    let nurse = app
        .sign_in_member("segnalante", "Pronto soccorso - Ospedale di Rho")
        .await;
    // The hospital's organisation, made with its account, becomes a reporting partner.
    let (_, found) = call(
        &mut app,
        Some(&coord),
        Method::GET,
        &format!("{ORGS}?q=ospedale"),
        &Value::Null,
    )
    .await;
    let id = found[0]["id"].as_i64().unwrap();
    let card = json!({
        "name": found[0]["name"], "kind": found[0]["kind"], "version": found[0]["version"],
        "reporter_kind": "pronto_soccorso",
    });
    let (s, v) = call(
        &mut app,
        Some(&coord),
        Method::PUT,
        &format!("{ORGS}/{id}"),
        &card,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let r = app
        .post_form_as(
            &nurse,
            "/portale/nuova",
            &[
                (
                    "description",
                    "Donna in fuga dal compagno, in pronto soccorso.",
                ),
                ("municipality", "015182"),
                ("place", "Ospedale di Rho"),
                ("target_group", "violenza_genere"),
                ("person_name", ""),
                ("reporter_kind", "pronto_soccorso"),
                ("reporter_name", "Inf. Verdi"),
                ("reporter_phone", "02 9943 1"),
                ("reporter_reference", ""),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let list = app.get_as(&desk, "/api/v1/reports?limit=10").await.json();
    let report = list["items"][0]["id"].as_i64().unwrap();
    // A protected record, which the desk reads only by break-glass: read from the store.
    let stored = app.t.db.report(report).await.unwrap();
    assert_eq!(stored.data.reporter.organisation, Some(id));

    let year = presidio_db::now().in_rome().date().year();
    let path = format!("/api/v1/stats/dashboard?from={year}-01-01&to={year}-12-31");
    let full = app.get_as(&coord, &path).await.json();
    assert_eq!(full["partners"][0]["reports"], 1, "{full}");
    let hidden = app.get_as(&analyst, &path).await.json();
    assert_eq!(hidden["partners"][0]["reports"], "<5", "{hidden}");
    assert_eq!(hidden["partners"][0]["organisation_id"], id);
}
