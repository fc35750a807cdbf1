//! The network directory: coordinators keep the organisations' cards (the same records as the
//! accounts' organisations), the call-takers and field operators search them ("chi chiamo
//! per…") with `tel:` links; bad input, versions, another Ambito, on both databases.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::calendar::call;
use crate::support::{TestApp, Who};

const PATH: &str = "/api/v1/network/organisations";

fn emergency_room() -> Value {
    json!({
        "name": "Pronto soccorso Rho", "kind": "asst",
        "target_groups": [], "municipalities": [],
        "availability": "Sempre aperto",
        "contacts": [
            {"kind": "h24", "label": "Triage", "phone": "02 994 30 1",
             "referent": "Dott.ssa Neri", "referent_role": "coordinatrice infermieristica"},
            {"label": "Assistente sociale ospedaliera", "email": "sociale@asst-rhodense.example",
             "answers": "lun–ven 9–13"}
        ]
    })
}

fn cav_in_arese() -> Value {
    json!({
        "name": "Centro antiviolenza Arese", "kind": "cav",
        "target_groups": ["violenza_genere"], "municipalities": ["015009"],
        "contacts": [{"label": "Sportello", "phone": "02 111 222"}]
    })
}

async fn create(app: &mut TestApp, who: &Who, body: &Value) -> i64 {
    let (s, v) = call(app, Some(who), Method::POST, PATH, body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

async fn search(app: &mut TestApp, who: &Who, query: &str) -> Vec<String> {
    let (s, v) = call(
        app,
        Some(who),
        Method::GET,
        &format!("{PATH}?{query}"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{query}: {v}");
    v.as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_call_taker_finds_who_to_call_by_words_kind_place_and_group() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let er = create(&mut app, &coord, &emergency_room()).await;
    create(&mut app, &coord, &cav_in_arese()).await;
    let found = search(&mut app, &desk, "q=pronto").await;
    assert_eq!(found, ["Pronto soccorso Rho"]);
    let found = search(&mut app, &desk, "q=neri").await;
    assert_eq!(found, ["Pronto soccorso Rho"], "by a referent");
    assert_eq!(
        search(&mut app, &desk, "kind=cav").await,
        ["Centro antiviolenza Arese"]
    );
    // In Rho: the emergency room covers the whole Ambito, the CAV only Arese.
    let rho = search(&mut app, &desk, "municipality=015182").await;
    assert!(
        rho.contains(&"Pronto soccorso Rho".to_owned())
            && !rho.contains(&"Centro antiviolenza Arese".to_owned()),
        "{rho:?}"
    );
    let arese = search(
        &mut app,
        &desk,
        "municipality=015009&target_group=violenza_genere",
    )
    .await;
    assert_eq!(
        arese.first().map(String::as_str),
        Some("Centro antiviolenza Arese"),
        "{arese:?}"
    );
    let (_, v) = call(
        &mut app,
        Some(&desk),
        Method::GET,
        &format!("{PATH}/{er}"),
        &Value::Null,
    )
    .await;
    assert_eq!(v["contacts"][0]["kind"], "h24");
    assert_eq!(v["contacts"][0]["phone"], "02 994 30 1");
    assert_eq!(v["contacts"][1]["answers"], "lun–ven 9–13");
    for bad in [
        "kind=nessuno",
        "target_group=tutti",
        "municipality=rho",
        "q=%00",
    ] {
        let (s, _) = call(
            &mut app,
            Some(&desk),
            Method::GET,
            &format!("{PATH}?{bad}"),
            &Value::Null,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    // The same record the accounts use.
    let admin = app.sign_in("admin", &[]).await;
    let html = app
        .get_as(&admin, "/amministrazione/organizzazioni")
        .await
        .text();
    assert!(html.contains("Pronto soccorso Rho"));
    // Reads and writes are audited, never with the words searched.
    let reads = app.audited("read").await;
    assert!(
        reads
            .iter()
            .any(|e| e.entry.section == "network" && e.entry.actor == desk.username)
    );
    assert!(!reads.iter().any(|e| e.entry.reason.contains("pronto")));
    let writes = app.audited("organisation_created").await;
    assert!(
        writes
            .iter()
            .any(|e| e.entry.record_type == "organisation" && e.entry.section == "network")
    );
}

#[tokio::test]
async fn bad_cards_name_their_field_and_write_nothing() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let cases = [
        (json!({"name": ""}), "name"),
        (json!({"name": "x".repeat(121)}), "name"),
        (json!({"kind": "ospedale"}), "kind"),
        (json!({"municipalities": ["015999"]}), "municipalities"),
        (json!({"target_groups": ["chiunque"]}), "target_groups"),
        (json!({"notes": "a\u{0}b"}), "notes"),
        (json!({"availability": "x".repeat(2001)}), "availability"),
        (
            json!({"contacts": [{"label": "Triage", "phone": "chiamare"}]}),
            "contacts[0].phone",
        ),
        (
            json!({"contacts": [{"label": "Triage"}]}),
            "contacts[0].phone",
        ),
        (json!({"contacts": [{"phone": "112"}]}), "contacts[0].label"),
        (
            json!({"contacts": [{"label": "Posta", "pec": "non una pec"}]}),
            "contacts[0].pec",
        ),
        (
            json!({"contacts": [{"label": "Linea", "phone": "112", "kind": "sempre"}]}),
            "contacts[0].kind",
        ),
        (
            json!({"contacts": vec![json!({"label": "Linea", "phone": "112"}); 13]}),
            "contacts",
        ),
    ];
    for (change, field) in cases {
        let mut body = emergency_room();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, v) = call(&mut app, Some(&coord), Method::POST, PATH, &body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{change}: {v}");
        let fields = v["error"]["fields"].as_object().unwrap();
        assert!(fields.contains_key(field), "{field} in {v}");
    }
    assert!(
        search(&mut app, &coord, "q=pronto").await.is_empty(),
        "nothing written"
    );
    // A municipality of another Ambito is not one of this directory's.
    app.add_bollatese().await;
    let mut body = emergency_room();
    body["municipalities"] = json!(["015027"]);
    let (s, v) = call(&mut app, Some(&coord), Method::POST, PATH, &body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // A name taken in the Ambito.
    create(&mut app, &coord, &emergency_room()).await;
    let (s, v) = call(
        &mut app,
        Some(&coord),
        Method::POST,
        PATH,
        &emergency_room(),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"]["fields"]["name"].is_string());
}

#[tokio::test]
async fn a_card_is_saved_on_its_version_once_and_only_by_its_coordinators() {
    let mut app = TestApp::new().await;
    app.add_bollatese().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let partner = app.sign_in("partner", &[]).await;
    let theirs = app.sign_in_in("bollatese", "coordinatore", &[]).await;
    let id = create(&mut app, &coord, &emergency_room()).await;
    let card = format!("{PATH}/{id}");
    let mut body = emergency_room();
    body["version"] = json!(1);
    body["contacts"][0]["phone"] = json!("02 994 30 2");
    let (a, b) = tokio::join!(
        crate::reports_api::request_as(&app, &coord, Method::PUT, &card, &body),
        crate::reports_api::request_as(&app, &coord, Method::PUT, &card, &body)
    );
    let mut got = [a.status, b.status];
    got.sort();
    assert_eq!(got, [StatusCode::NO_CONTENT, StatusCode::CONFLICT]);
    let (_, v) = call(&mut app, Some(&desk), Method::GET, &card, &Value::Null).await;
    assert_eq!(
        (v["version"].as_i64(), v["contacts"][0]["phone"].as_str()),
        (Some(2), Some("02 994 30 2"))
    );
    for who in [&desk, &partner] {
        let (s, _) = call(&mut app, Some(who), Method::POST, PATH, &emergency_room()).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{}", who.username);
    }
    let (s, _) = call(&mut app, Some(&partner), Method::GET, PATH, &Value::Null).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a partner keeps to its team");
    // Another Ambito neither finds it nor saves it.
    assert!(search(&mut app, &theirs, "q=pronto").await.is_empty());
    let (s, _) = call(&mut app, Some(&theirs), Method::GET, &card, &Value::Null).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    body["version"] = json!(2);
    let (s, _) = call(&mut app, Some(&theirs), Method::PUT, &card, &body).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = call(
        &mut app,
        Some(&coord),
        Method::PUT,
        &format!("{PATH}/999999"),
        &body,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_pages_dial_from_the_report_the_field_view_and_the_night_sheet() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    create(&mut app, &coord, &emergency_room()).await;
    create(&mut app, &coord, &cav_in_arese()).await;
    let (s, v) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        "/api/v1/reports",
        &crate::reports_api::minimal(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let report = app
        .get_as(&desk, &format!("/segnalazioni/{}", v["id"]))
        .await
        .text();
    let quick = &report[report.find("id=\"chi-chiamo\"").expect("Chi chiamo?")..];
    assert!(quick.contains("href=\"tel:02994301\""), "{quick}");
    assert!(
        !quick[..quick.find("</section>").unwrap()].contains("Centro antiviolenza Arese"),
        "not for Rho"
    );
    let found = app.get_as(&desk, "/rete/cerca?q=centro").await.text();
    assert!(found.contains("Centro antiviolenza Arese") && !found.contains("Pronto soccorso"));
    let sheet = app.get_as(&desk, "/rete/foglio").await.text();
    assert!(
        sheet.contains("Triage") && !sheet.contains("Assistente sociale ospedaliera"),
        "24-hour lines only"
    );
    let list = app.get_as(&desk, "/rete?q=pronto").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        !list.text().contains("/rete/nuovo"),
        "only coordinators add"
    );
    let refused = app.get_as(&desk, "/rete?kind=ospedale").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The coordinator's form: a refusal names the field as labelled and keeps what was typed.
    let form = [
        ("name", "Dormitorio San Vittore"),
        ("kind", "terzo_settore"),
        ("target_groups", "senza_dimora"),
        ("contacts[0].kind", "h24"),
        ("contacts[0].label", "Portineria"),
        ("contacts[0].phone", "non so"),
    ];
    let r = app
        .post_form_as(&coord, "/rete", &form, Some(&coord.csrf))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text();
    assert!(text.contains("Recapito 1 · Telefono"), "{text}");
    assert!(
        text.contains("value=\"non so\"")
            && text.contains("id=\"target_groups-senza_dimora\" checked")
    );
    let mut good = form.to_vec();
    good[5] = ("contacts[0].phone", "02 333 444");
    let r = app
        .post_form_as(&coord, "/rete", &good, Some(&coord.csrf))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let card = app.get_as(&desk, r.header("location")).await.text();
    assert!(card.contains("href=\"tel:02333444\"") && card.contains("Portineria"));
    assert!(
        !card.contains("Salva la scheda"),
        "no form for the call-taker"
    );
}
