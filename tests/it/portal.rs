//! The trusted reporter's portal: the short form, the organisation's own list with the four
//! public stages, the text it sent; never the Centrale's board, triage or assignee.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::reports_api::post;
use crate::support::{TestApp, Who};

const POLICE: &str = "Carabinieri - Stazione di Rho";
const HOSPITAL: &str = "Pronto soccorso - Ospedale di Rho";

fn short_form() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "description",
            "Uomo senza dimora al freddo sotto la pensilina.\nHa un cane.",
        ),
        ("municipality", "015182"),
        ("place", "Stazione di Rho, binario 1"),
        ("target_group", "senza_dimora"),
        ("person_name", ""),
        ("reporter_kind", "carabinieri"),
        ("reporter_name", "App. Rossi"),
        ("reporter_phone", "02 9310 000"),
        ("reporter_reference", "Verbale 123/26"),
    ]
}

/// Sends the short form as `who`; returns the new report's id and code.
async fn send(app: &TestApp, who: &Who) -> (i64, String) {
    let r = app
        .post_form_as(who, "/portale/nuova", &short_form(), None)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let to = r.header("location").to_owned();
    let code = to
        .strip_prefix("/portale?inviata=")
        .unwrap_or_else(|| panic!("{to}"))
        .to_owned();
    let list = app.get_as(who, "/api/v1/reports?limit=500").await.json();
    let id = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code.as_str())
        .unwrap_or_else(|| panic!("{list}"))["id"]
        .as_i64()
        .unwrap();
    (id, code)
}

async fn triage(app: &TestApp, desk: &Who, id: i64, outcome: &str) {
    let body =
        json!({"outcome": outcome, "rationale": "Freddo", "criteria": ["pericolo_immediato"]});
    let r = post(app, desk, &format!("/api/v1/reports/{id}/triage"), &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

#[tokio::test]
async fn a_reporter_lands_on_its_portal_and_sends_the_short_form() {
    let app = TestApp::new().await;
    let police = app.sign_in_member("segnalante", POLICE).await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let home = app.get_as(&police, "/").await.text();
    assert!(home.contains("Le segnalazioni inviate"), "{home}");
    assert!(
        !home.contains("Bacheca") && !home.contains("data-key"),
        "not the Centrale's board: {home}"
    );
    let form = app.get_as(&police, "/portale/nuova").await;
    assert_eq!(form.status, StatusCode::OK);
    let form = form.text();
    assert!(
        form.contains(r#"<option value="carabinieri" selected>"#),
        "the kind follows the organisation: {form}"
    );
    assert!(form.contains("Numero per richiamarvi"), "{form}");
    // The Centrale's forms send a reporter to its own.
    let r = app.get_as(&police, "/segnalazioni/nuova").await;
    assert_eq!(
        (r.status, r.header("location")),
        (StatusCode::SEE_OTHER, "/portale/nuova")
    );

    let (id, code) = send(&app, &police).await;
    let list = app.get_as(&police, "/portale?inviata=x").await.text();
    assert!(list.contains(&code) && list.contains("Ricevuta"), "{list}");
    let stored = app.t.db.report(id).await.unwrap();
    assert_eq!(stored.data.channel.code(), "portale");
    assert_eq!(stored.data.reporter.kind.code(), "carabinieri");
    assert_eq!(stored.data.reporter.organization.as_deref(), Some(POLICE));
    assert_eq!(stored.data.reporter.phone.as_deref(), Some("02 9310 000"));
    assert!(stored.assigned.is_empty(), "the sender is not the assignee");
    let board = app.get_as(&desk, "/api/v1/reports?open=true").await.json();
    let line = &board["items"][0];
    assert_eq!(
        (line["code"].as_str(), &line["assigned"]),
        (Some(code.as_str()), &Value::Null)
    );
    let desk_board = app.get_as(&desk, "/").await.text();
    assert!(!desk_board.contains("App. Rossi") && !desk_board.contains("Utente member"));

    // After triage the reporter sees "in lavorazione", never the outcome.
    triage(&app, &desk, id, "emergenza").await;
    let list = app.get_as(&police, "/portale").await.text();
    assert!(list.contains("In lavorazione"), "{list}");
    for inner in ["Emergenza", "Valutata", "Urgenza", "Da valutare"] {
        assert!(!list.contains(inner), "{inner}: {list}");
    }
    let detail = app.get_as(&police, &format!("/portale/{id}")).await;
    assert_eq!(detail.status, StatusCode::OK);
    let detail = detail.text();
    assert!(
        detail.contains("Uomo senza dimora al freddo sotto la pensilina.")
            && detail.contains("Verbale 123/26")
            && detail.contains(r#"aria-current="step">In lavorazione"#),
        "{detail}"
    );
    assert!(!detail.contains("Emergenza") && !detail.contains("Freddo"));
    // The Centrale's address of the report shows a reporter the same page.
    let same = app.get_as(&police, &format!("/segnalazioni/{id}")).await;
    assert_eq!(same.status, StatusCode::OK);
    assert!(same.text().contains("Quanto inviato") && !same.text().contains("Valutazione"));
    let reads = app.audited("read").await;
    assert!(
        reads
            .iter()
            .any(|r| r.entry.section == "sent" && r.entry.record_id == id.to_string()),
        "the opening is audited"
    );
}

#[tokio::test]
async fn bad_input_on_the_short_form_names_the_fields_as_labelled_and_saves_nothing() {
    let app = TestApp::new().await;
    let police = app.sign_in_member("segnalante", POLICE).await;
    let mut fields = short_form();
    for (name, value) in &mut fields {
        match *name {
            "description" => *value = " ",
            "reporter_phone" => *value = "chiamami",
            "target_group" => *value = "boh",
            "place" | "municipality" => *value = "",
            _ => {}
        }
    }
    let r = app
        .post_form_as(&police, "/portale/nuova", &fields, None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text();
    for message in [
        "Cosa succede: campo obbligatorio",
        "Numero per richiamarvi:",
        "Comune: campo obbligatorio",
        "Chi riguarda: valore non previsto",
        r##"href="#reporter_phone""##,
    ] {
        assert!(page.contains(message), "{message}: {page}");
    }
    assert!(page.contains("chiamami"), "what was typed is kept");
    let mut fields = short_form();
    fields[0].1 = "Uomo\u{0}al freddo";
    let r = app
        .post_form_as(&police, "/portale/nuova", &fields, None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = short_form();
    let long = "x".repeat(10_001);
    fields[0].1 = &long;
    let r = app
        .post_form_as(&police, "/portale/nuova", &fields, None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .contains("Cosa succede: testo troppo lungo (al massimo 10.000 caratteri)."),
        "{}",
        r.text()
    );
    let list = app.get_as(&police, "/api/v1/reports").await.json();
    assert_eq!(list["items"], json!([]), "nothing was saved");
}

#[tokio::test]
async fn another_organisation_knows_nothing_of_it_and_the_api_agrees_on_the_stage() {
    let app = TestApp::new().await;
    let police = app.sign_in_member("segnalante", POLICE).await;
    let colleague = app.sign_in_member("segnalante", POLICE).await;
    let hospital = app.sign_in_member("segnalante", HOSPITAL).await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let (id, code) = send(&app, &police).await;
    triage(&app, &desk, id, "urgenza").await;
    // A report of the Centrale's own is nobody's in the portal.
    let other = post(
        &app,
        &desk,
        "/api/v1/reports",
        &crate::reports_api::minimal(),
    )
    .await;
    assert_eq!(other.status, StatusCode::CREATED);

    let list = app.get_as(&police, "/api/v1/reports").await.json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    let detail = app
        .get_as(&police, &format!("/api/v1/reports/{id}"))
        .await
        .json();
    assert_eq!(items[0]["status"], "in_progress", "{list}");
    assert_eq!(detail["status"], items[0]["status"], "{detail}");
    assert_eq!(items[0]["outcome"], Value::Null);
    assert_eq!(
        detail["sent"]["description"],
        "Uomo senza dimora al freddo sotto la pensilina.\nHa un cane."
    );
    assert_eq!(detail["sent"]["reporter"]["phone"], "02 9310 000");
    // The same organisation's colleague follows it too; another organisation does not.
    let theirs = app.get_as(&colleague, "/portale").await.text();
    assert!(theirs.contains(&code));
    let mine = app.get_as(&hospital, "/portale").await.text();
    assert!(!mine.contains(&code) && mine.contains("Nessuna segnalazione"));
    let r = app.get_as(&hospital, &format!("/portale/{id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .get_as(&hospital, &format!("/api/v1/reports/{id}"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let list = app.get_as(&hospital, "/api/v1/reports").await.json();
    assert_eq!(list["items"], json!([]));
    // Staff have no portal.
    let r = app.get_as(&desk, "/portale").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// With two Ambiti, a reporter of the second sends in its own Ambito, with its own protocol
/// prefix, offered only its own municipalities; the first Ambito's reporter knows nothing of it.
#[tokio::test]
async fn a_reporter_of_a_second_ambito_sends_there_and_only_there() {
    let app = TestApp::new().await;
    app.add_bollatese().await;
    app.create_member(
        "bollatese",
        "ccbollate",
        "segnalante",
        &[],
        "Carabinieri - Bollate",
    )
    .await;
    let bollate = app
        .log_in("ccbollate", crate::support::PASSWORD)
        .await
        .unwrap();
    let rho = app.sign_in_member("segnalante", POLICE).await;
    let form = app.get_as(&bollate, "/portale/nuova").await.text();
    assert!(form.contains(r#"value="015027""#) && !form.contains(r#"value="015182""#));
    let mut fields = short_form();
    fields[1].1 = "015027";
    let r = app
        .post_form_as(&bollate, "/portale/nuova", &fields, None)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(
        r.header("location").starts_with("/portale?inviata=BOL-"),
        "{}",
        r.header("location")
    );
    // A place in the other Ambito is recorded in the reporter's own, marked as outside it.
    fields[1].1 = "015182";
    let r = app
        .post_form_as(&bollate, "/portale/nuova", &fields, None)
        .await;
    assert!(
        r.header("location").starts_with("/portale?inviata=BOL-"),
        "{}",
        r.header("location")
    );
    let theirs = app.get_as(&rho, "/api/v1/reports").await.json();
    assert_eq!(theirs["items"], json!([]));
    let mine = app.get_as(&bollate, "/api/v1/reports").await.json();
    let items = mine["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{mine}");
    let outside = app
        .t
        .db
        .report(items[0]["id"].as_i64().unwrap())
        .await
        .unwrap();
    assert!(outside.outside_ambito);
}
