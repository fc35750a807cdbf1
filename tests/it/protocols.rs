//! Protocols and agreements of the network: saved with their parties and validity, renewed
//! with their history, their signed PDF checked by content and downloaded audited, and the
//! coordinators reminded of their expiry once per threshold; on both databases.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::calendar::call;
use crate::support::{TestApp, Who};

const PATH: &str = "/api/v1/network/protocols";

fn in_days(days: i64) -> String {
    let today = presidio_db::now().in_rome().date();
    today
        .checked_add(jiff::Span::new().days(days))
        .unwrap()
        .to_string()
}

async fn emergency_room(app: &mut TestApp, coord: &Who) -> i64 {
    let body = json!({"name": "Pronto soccorso Rho", "kind": "asst",
        "contacts": [{"kind": "h24", "label": "Triage", "phone": "02 994 30 1"}]});
    let (s, v) = call(
        app,
        Some(coord),
        Method::POST,
        "/api/v1/network/organisations",
        &body,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

fn protocol(party: i64, until: &str) -> Value {
    json!({"title": "Protocollo con il pronto soccorso", "kind": "protocollo_operativo",
        "parties": [party], "target_groups": ["violenza_genere"], "signed_on": "2025-01-15",
        "valid_until": until, "procedures": ["violenza_genere"],
        "summary": "Il triage chiama la Centrale per ogni donna che chiede aiuto."})
}

/// A multipart body with the CSRF token (for the pages) and the file `document`.
fn upload(csrf: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "PresidioPdf9";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"document\"; filename=\"firmato.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn a_protocol_ending_soon_is_on_the_board_and_reminded_once() {
    let (mut app, got) = crate::interventions::app_with_mail().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let r = app
        .post_form_as(
            &coord,
            "/profilo/avvisi",
            &[("alert_email", "coord@sercop.example")],
            None,
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.status);
    let party = emergency_room(&mut app, &coord).await;
    let (s, v) = call(
        &mut app,
        Some(&coord),
        Method::POST,
        PATH,
        &protocol(party, &in_days(20)),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (s, far) = call(
        &mut app,
        Some(&coord),
        Method::POST,
        PATH,
        &protocol(party, &in_days(400)),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{far}");
    let (_, v) = call(
        &mut app,
        Some(&coord),
        Method::GET,
        &format!("{PATH}?expiring_within_days=30"),
        &Value::Null,
    )
    .await;
    let ids: Vec<i64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [id]);
    let board = app.get_as(&coord, "/").await.text();
    assert!(
        board.contains("Protocolli della rete: 1 in scadenza, 0 scaduti"),
        "{board}"
    );
    // Reminded once, even when two rounds (two instances) run together.
    let now = presidio_db::now();
    let (first, second) = tokio::join!(
        presidio_app::protocols::remind(&app.state, now),
        presidio_app::protocols::remind(&app.state, now)
    );
    assert_eq!(first.unwrap() + second.unwrap(), 1);
    assert_eq!(
        presidio_app::protocols::remind(&app.state, now)
            .await
            .unwrap(),
        0
    );
    let mails = crate::interventions::mails(&got, 1).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(
        mails[0].contains("Protocollo con il pronto soccorso")
            && mails[0].contains(&format!("/rete/protocolli/{id}"))
    );
    let notices = app.get_as(&coord, "/notifiche").await.text();
    assert!(notices.contains("scade il"), "{notices}");
    renewal_is_kept(&mut app, &coord, party, id).await;
}

/// Renewed: the history keeps the last day before, nothing ends soon any more, and a stale
/// version is refused.
async fn renewal_is_kept(app: &mut TestApp, coord: &Who, party: i64, id: i64) {
    // Renewed: the history keeps the last day before, and the reminders start again.
    let mut renewed = protocol(party, &in_days(720));
    renewed["version"] = json!(1);
    let (s, v) = call(
        app,
        Some(coord),
        Method::PUT,
        &format!("{PATH}/{id}"),
        &renewed,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (s, v) = call(
        app,
        Some(coord),
        Method::PUT,
        &format!("{PATH}/{id}"),
        &renewed,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "a stale version: {v}");
    let (_, v) = call(
        app,
        Some(coord),
        Method::GET,
        &format!("{PATH}/{id}"),
        &Value::Null,
    )
    .await;
    assert_eq!(v["renewals"][0]["previous_until"], in_days(20));
    assert_eq!(v["valid_until"], in_days(720));
    let board = app.get_as(coord, "/").await.text();
    assert!(
        !board.contains("Protocolli della rete"),
        "nothing ends soon now"
    );
}

#[tokio::test]
async fn only_a_pdf_is_kept_and_every_download_is_audited() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let party = emergency_room(&mut app, &coord).await;
    let (_, v) = call(
        &mut app,
        Some(&coord),
        Method::POST,
        PATH,
        &protocol(party, &in_days(200)),
    )
    .await;
    let id = v["id"].as_i64().unwrap();
    let api = format!("{PATH}/{id}/document");
    app.who = Some(coord.clone());
    let (kind, body) = upload("", b"MZ\x90\x00\x03 This program cannot be run in DOS mode");
    let r = app.send(Method::POST, &api, &kind, body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("non è un PDF"), "{}", r.text());
    let pdf = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n";
    let (kind, body) = upload("", pdf);
    let r = app.send(Method::POST, &api, &kind, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let doc = r.json()["id"].as_i64().unwrap();
    // Too large by its length: refused before it is read.
    let big = vec![b'%'; 12 * 1024 * 1024];
    let (kind, body) = upload("", &big);
    let r = app.send(Method::POST, &api, &kind, body).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let (_, v) = call(
        &mut app,
        Some(&desk),
        Method::GET,
        &format!("{PATH}/{id}"),
        &Value::Null,
    )
    .await;
    assert_eq!(
        v["documents"][0]["sha256"],
        presidio_domain::audit::sha256_hex(pdf)
    );
    assert_eq!(
        v["documents"].as_array().unwrap().len(),
        1,
        "the refused ones are not kept"
    );
    let r = app
        .get_as(&desk, &format!("{PATH}/{id}/documents/{doc}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), "application/pdf");
    assert_eq!(r.body, pdf);
    assert!(
        app.audited("read")
            .await
            .iter()
            .any(|e| e.entry.section == "document"
                && e.entry.actor == desk.username
                && e.entry.record_id == id.to_string())
    );
    // The page refuses an executable with its message, on the field as labelled.
    let html = app
        .get_as(&coord, &format!("/rete/protocolli/{id}"))
        .await
        .text();
    assert!(html.contains(&format!("/rete/protocolli/{id}/documenti/{doc}")));
    let (kind, body) = upload(&coord.csrf, b"\x7fELF\x02\x01\x01");
    let request = axum::http::Request::post(format!("/rete/protocolli/{id}/documento"))
        .header("content-type", kind)
        .header("cookie", &coord.cookie)
        .body(axum::body::Body::from(body))
        .unwrap();
    let r = app.request(request).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .contains("Documento firmato (PDF, al massimo 10 MB): il file non è un PDF"),
        "{}",
        r.text()
    );
    // Who may not keep protocols uploads nothing.
    app.who = Some(desk.clone());
    let (kind, body) = upload("", pdf);
    let r = app.send(Method::POST, &api, &kind, body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_protocols_name_their_field_and_another_ambito_sees_none() {
    let mut app = TestApp::new().await;
    app.add_bollatese().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let theirs = app.sign_in_in("bollatese", "coordinatore", &[]).await;
    let party = emergency_room(&mut app, &coord).await;
    for (change, field) in [
        (json!({"title": ""}), "title"),
        (json!({"kind": "patto"}), "kind"),
        (json!({"parties": [999_999]}), "parties"),
        (json!({"target_groups": ["tutti"]}), "target_groups"),
        (json!({"municipalities": ["015027"]}), "municipalities"),
        (json!({"signed_on": "0001-01-01"}), "signed_on"),
        (json!({"valid_until": "2024-01-01"}), "valid_until"),
        (json!({"valid_until": "9999-12-31"}), "valid_until"),
        (json!({"summary": "a\u{0}b"}), "summary"),
    ] {
        let mut body = protocol(party, &in_days(100));
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, v) = call(&mut app, Some(&coord), Method::POST, PATH, &body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{change}: {v}");
        assert!(v["error"]["fields"][field].is_string(), "{field}: {v}");
    }
    let (_, v) = call(&mut app, Some(&coord), Method::GET, PATH, &Value::Null).await;
    assert_eq!(v, json!([]), "nothing written");
    let (s, v) = call(
        &mut app,
        Some(&coord),
        Method::POST,
        PATH,
        &protocol(party, &in_days(100)),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    // Another Ambito's coordinator: not its party, not its protocol.
    let (s, _) = call(
        &mut app,
        Some(&theirs),
        Method::POST,
        PATH,
        &protocol(party, &in_days(100)),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, v) = call(&mut app, Some(&theirs), Method::GET, PATH, &Value::Null).await;
    assert_eq!(v, json!([]));
    let (s, _) = call(
        &mut app,
        Some(&theirs),
        Method::GET,
        &format!("{PATH}/{id}"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = call(
        &mut app,
        Some(&coord),
        Method::GET,
        &format!("{PATH}?expiring_within_days=99999"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // The pages: the list, and a refused form kept as typed.
    let list = app.get_as(&coord, "/rete/protocolli").await.text();
    assert!(list.contains("Protocollo con il pronto soccorso") && list.contains("Valido fino al"));
    let r = app
        .post_form_as(
            &coord,
            "/rete/protocolli",
            &[
                ("title", "Accordo dormitori"),
                ("kind", "accordo_di_rete"),
                ("signed_on", "2025-02-01"),
                ("valid_until", "domani"),
            ],
            Some(&coord.csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text();
    assert!(
        text.contains("Valido fino al") && text.contains("value=\"Accordo dormitori\""),
        "{text}"
    );
}

#[tokio::test]
async fn the_procedure_it_governs_names_the_protocol() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let party = emergency_room(&mut app, &coord).await;
    let (_, v) = call(
        &mut app,
        Some(&coord),
        Method::POST,
        PATH,
        &protocol(party, &in_days(90)),
    )
    .await;
    let id = v["id"].as_i64().unwrap();
    let mut ended = protocol(party, &in_days(-1));
    ended["title"] = json!("Vecchio protocollo");
    ended["signed_on"] = json!("2020-01-01");
    let (s, v) = call(&mut app, Some(&coord), Method::POST, PATH, &ended).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let mut body = crate::reports_api::minimal();
    body["target_group"] = json!("violenza_genere");
    let (s, v) = call(
        &mut app,
        Some(&coord),
        Method::POST,
        "/api/v1/reports",
        &body,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let page = app
        .get_as(&coord, &format!("/segnalazioni/{}", v["id"]))
        .await
        .text();
    let procedure = &page[page.find("id=\"procedure\"").expect("the checklist")..];
    assert!(
        procedure.contains(&format!("/rete/protocolli/{id}")),
        "{procedure}"
    );
    assert!(
        !procedure.contains("Vecchio protocollo"),
        "an ended protocol governs nothing"
    );
    // A case with no special procedure names none.
    let (_, v) = call(
        &mut app,
        Some(&coord),
        Method::POST,
        "/api/v1/reports",
        &crate::reports_api::minimal(),
    )
    .await;
    let page = app
        .get_as(&coord, &format!("/segnalazioni/{}", v["id"]))
        .await
        .text();
    assert!(!page.contains("disciplinano questa procedura"));
}

#[tokio::test]
async fn two_coordinators_saving_at_once_one_wins_and_one_renewal_is_kept() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let other = app.sign_in("coordinatore", &[]).await;
    let party = emergency_room(&mut app, &coord).await;
    let (s, v) = call(
        &mut app,
        Some(&coord),
        Method::POST,
        PATH,
        &protocol(party, &in_days(20)),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let path = format!("{PATH}/{id}");
    let mut first = protocol(party, &in_days(365));
    first["version"] = json!(1);
    let mut second = protocol(party, &in_days(730));
    second["version"] = json!(1);
    let (a, b) = tokio::join!(
        crate::reports_api::request_as(&app, &coord, Method::PUT, &path, &first),
        crate::reports_api::request_as(&app, &other, Method::PUT, &path, &second),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::NO_CONTENT, StatusCode::CONFLICT],
        "{} / {}",
        a.text(),
        b.text()
    );
    let (_, v) = call(&mut app, Some(&coord), Method::GET, &path, &Value::Null).await;
    let winner = if a.status == StatusCode::NO_CONTENT {
        365
    } else {
        730
    };
    assert_eq!(v["valid_until"], in_days(winner), "{v}");
    assert_eq!(v["version"], 2);
    let renewals = v["renewals"].as_array().unwrap();
    assert_eq!(renewals.len(), 1, "one renewal, not two: {v}");
    assert_eq!(renewals[0]["previous_until"], in_days(20));
}
