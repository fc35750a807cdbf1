//! The training register: courses checked by field, attendance once per person (in parallel
//! too), the gaps of the requirements per role until attendance is recorded, volunteers,
//! certificates checked by content, the export, and two Ambiti kept apart; on both databases.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::calendar::call;
use crate::reports_api::request_as;
use crate::support::{TestApp, Who};

const COURSES: &str = "/api/v1/training/courses";
const GAPS: &str = "/api/v1/training/gaps";
const VOLUNTEERS: &str = "/api/v1/volunteers";

fn days_ago(days: i64) -> String {
    let today = presidio_db::now().in_rome().date();
    today
        .checked_sub(jiff::Span::new().days(days))
        .unwrap()
        .to_string()
}

async fn gaps(app: &mut TestApp, coord: &Who) -> Vec<Value> {
    let (s, v) = call(app, Some(coord), Method::GET, GAPS, &Value::Null).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"].as_array().unwrap().clone()
}

async fn msna_course(app: &mut TestApp, coord: &Who) -> i64 {
    let body = json!({"title": "La procedura MSNA", "provider": "Regione Lombardia",
        "date": days_ago(10), "hours": 7.5, "topics": ["msna"]});
    let (s, v) = call(app, Some(coord), Method::POST, COURSES, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_field_operator_without_the_msna_course_is_missing_it_until_attendance() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let field = app.sign_in("operatore_pis", &[]).await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let before = gaps(&mut app, &coord).await;
    let roles: Vec<&str> = before
        .iter()
        .map(|g| g["requirement"]["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        before.len(),
        2,
        "the field operator and the call-taker: {before:?}"
    );
    assert!(roles.contains(&"operatore_pis") && roles.contains(&"operatore_centrale"));
    assert!(
        before
            .iter()
            .all(|g| g["requirement"]["topic"] == "msna" && g["never"] == true)
    );
    let user = |role: &str| {
        before
            .iter()
            .find(|g| g["requirement"]["role"] == role)
            .unwrap()["user_id"]
            .as_i64()
            .unwrap()
    };
    let (field_id, desk_id) = (user("operatore_pis"), user("operatore_centrale"));
    let board = app.get_as(&coord, "/").await.text();
    assert!(
        board.contains("Formazione: 2 formazioni richieste mancanti o in scadenza."),
        "{board}"
    );
    let summary = app.get_as(&coord, "/riepilogo").await.text();
    assert!(
        summary.contains("2 formazioni richieste mancanti"),
        "{summary}"
    );
    bad_courses_write_nothing(&mut app, &coord).await;
    let course = msna_course(&mut app, &coord).await;
    let (_, v) = call(&mut app, Some(&coord), Method::GET, COURSES, &Value::Null).await;
    assert_eq!(v["items"][0]["hours"], 7.5);
    assert_eq!(v["items"][0]["topics"], json!(["msna"]));
    // The same person twice at once: one recorded, one refused.
    let path = format!("{COURSES}/{course}/attendance");
    let body = json!({"user_id": field_id});
    let (a, b) = tokio::join!(
        request_as(&app, &coord, Method::POST, &path, &body),
        request_as(&app, &coord, Method::POST, &path, &body),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT]);
    let after = gaps(&mut app, &coord).await;
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0]["user_id"], desk_id);
    let (s, _) = call(
        &mut app,
        Some(&coord),
        Method::POST,
        &path,
        &json!({"user_id": desk_id}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert!(gaps(&mut app, &coord).await.is_empty());
    let board = app.get_as(&coord, "/").await.text();
    assert!(!board.contains("Formazione:"), "no gap left");
    // Not a coordinator: nothing of the register.
    for path in [GAPS, COURSES, VOLUNTEERS] {
        let (s, _) = call(&mut app, Some(&field), Method::GET, path, &Value::Null).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}");
    }
    let (s, _) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        &path,
        &json!({"user_id": desk_id}),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(
        app.audited("read")
            .await
            .iter()
            .any(|e| e.entry.section == "training" && e.entry.actor == coord.username)
    );
}

#[tokio::test]
async fn two_ambiti_keep_their_registers_and_volunteers_apart() {
    let mut app = TestApp::new().await;
    app.add_bollatese().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let other = app.sign_in_in("bollatese", "coordinatore", &[]).await;
    let theirs = app.sign_in_in("bollatese", "operatore_pis", &[]).await;
    let course = msna_course(&mut app, &coord).await;
    let their_gaps = gaps(&mut app, &other).await;
    assert_eq!(their_gaps.len(), 1, "{their_gaps:?}");
    let their_user = their_gaps[0]["user_id"].as_i64().unwrap();
    assert!(
        gaps(&mut app, &coord).await.is_empty(),
        "no one of Rho to train"
    );
    // A user of the other Ambito is not an attendee here; the course is not theirs to see.
    let path = format!("{COURSES}/{course}/attendance");
    let (s, v) = call(
        &mut app,
        Some(&coord),
        Method::POST,
        &path,
        &json!({"user_id": their_user}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["error"]["fields"]["user_id"]
            .as_str()
            .unwrap()
            .starts_with("Partecipante"),
        "{v}"
    );
    let (s, _) = call(
        &mut app,
        Some(&other),
        Method::POST,
        &path,
        &json!({"user_id": their_user}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, v) = call(&mut app, Some(&other), Method::GET, COURSES, &Value::Null).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0);
    let (s, v) = call(&mut app, Some(&coord), Method::POST, &path, &json!({})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, _) = call(
        &mut app,
        Some(&coord),
        Method::POST,
        &path,
        &json!({"user_id": 1, "volunteer_id": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    volunteers_of_their_ambito(&mut app, &coord, &other, &path).await;
    let csv = app.get_as(&coord, "/formazione/export.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = csv.text();
    assert!(
        text.contains("\"Anna Rossi\"") && text.contains("7,5") && text.contains("Volontario"),
        "{text}"
    );
    assert!(!text.contains(&theirs.username));
    let xlsx = app.get_as(&coord, "/formazione/export.xlsx").await;
    assert_eq!(&xlsx.body[..2], b"PK");
    assert!(
        app.audited("export")
            .await
            .iter()
            .any(|e| e.entry.section == "training")
    );
}

/// A multipart body with the CSRF token and the file `certificate`.
fn upload(csrf: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "PresidioCert7";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"certificate\"; filename=\"attestato.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn the_page_records_courses_requirements_topics_and_certificates() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    app.sign_in("operatore_pis", &[]).await;
    let page = app.get_as(&coord, "/formazione").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Procedura MSNA") && page.text().contains("Mai frequentato"));
    let r = app
        .post_form_as(
            &coord,
            "/formazione/corsi",
            &[("title", "MSNA"), ("date", "2026-02-30"), ("hours", "7,25")],
            Some(&coord.csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("Ore:") && r.text().contains("Primo giorno:"),
        "{}",
        r.text()
    );
    let r = app
        .post_form_as(
            &coord,
            "/formazione/corsi",
            &[
                ("title", "La procedura MSNA"),
                ("date", &days_ago(3)),
                ("hours", "4"),
                ("mode", "online"),
                ("topics", "msna"),
                ("topics", "interculturale"),
            ],
            Some(&coord.csrf),
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.text());
    let to = r.header("location").to_owned();
    let course: i64 = to
        .trim_start_matches("/formazione/corsi/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let html = app.get_as(&coord, &to).await.text();
    assert!(
        html.contains("Approccio interculturale") && html.contains("Online"),
        "{html}"
    );
    assert!(html.contains("<optgroup label=\"Operatori\">"), "{html}");
    let attendee = gaps(&mut app, &coord).await[0]["user_id"].as_i64().unwrap();
    let path = format!("/formazione/corsi/{course}/presenze");
    let r = app
        .post_form_as(&coord, &path, &[("attendee", "x9")], Some(&coord.csrf))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Partecipante"));
    let r = app
        .post_form_as(
            &coord,
            &path,
            &[("attendee", &format!("u{attendee}"))],
            Some(&coord.csrf),
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.text());
    let page = app.get_as(&coord, "/formazione").await.text();
    assert!(
        page.contains("Nessuno: tutti hanno la formazione richiesta"),
        "{page}"
    );
    certificate_checked(&mut app, &coord, course).await;
    requirements_and_topics(&mut app, &coord).await;
}

async fn requirements_and_topics(app: &mut TestApp, coord: &Who) {
    let set = |role: &'static str, topic: &'static str, remove: bool| {
        let mut fields = vec![("role", role), ("topic", topic), ("within_months", "3")];
        if remove {
            fields.push(("azione", "rimuovi"));
        }
        fields
    };
    let r = app
        .post_form_as(
            coord,
            "/formazione/requisiti",
            &[
                ("role", "segnalante"),
                ("topic", "privacy"),
                ("within_months", "0"),
            ],
            Some(&coord.csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form_as(
            coord,
            "/formazione/requisiti",
            &set("coordinatore", "privacy", false),
            Some(&coord.csrf),
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.text());
    let list = gaps(app, coord).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["requirement"]["role"], "coordinatore");
    // Taking the MSNA requirement away keeps the others, and the first ones stay removed.
    let r = app
        .post_form_as(
            coord,
            "/formazione/requisiti",
            &set("operatore_pis", "msna", true),
            Some(&coord.csrf),
        )
        .await;
    assert!(r.status.is_redirection());
    let page = app.get_as(coord, "/formazione").await.text();
    assert!(
        page.contains(
            "Coordinatore: Privacy e protezione dei dati, entro 3 mesi dall&#39;inizio, una volta"
        ) || page.contains(
            "Coordinatore: Privacy e protezione dei dati, entro 3 mesi dall'inizio, una volta"
        ),
        "{page}"
    );
    assert!(!page.contains("Operatore PIS: Procedura MSNA"), "{page}");
    assert!(page.contains("Operatore di centrale: Procedura MSNA"));
    let r = app
        .post_form_as(
            coord,
            "/formazione/argomenti",
            &[("topic_name", "Salute mentale")],
            Some(&coord.csrf),
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.text());
    let r = app
        .post_form_as(
            coord,
            "/formazione/argomenti",
            &[("topic_name", "Salute  mentale!")],
            Some(&coord.csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form_as(
            coord,
            "/formazione/argomenti",
            &[("topic_name", "MSNA")],
            Some(&coord.csrf),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a first topic's code"
    );
    let body = json!({"title": "Salute mentale in strada", "date": days_ago(1), "hours": 2,
        "topics": ["salute_mentale"]});
    let (s, v) = call(app, Some(coord), Method::POST, COURSES, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

/// Bad input on every field: named as labelled, nothing written.
async fn bad_courses_write_nothing(app: &mut TestApp, coord: &Who) {
    let (s, v) = call(
        app,
        Some(coord),
        Method::POST,
        COURSES,
        &json!({"title": "a\u{0}b", "date": days_ago(1), "hours": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"]["fields"]["title"].is_string(), "{v}");
    let bad = json!({"title": " ", "provider": "x".repeat(201), "date": "0001-01-01",
        "ends_on": "ieri", "hours": 0, "mode": "a_distanza", "topics": ["astrologia"]});
    let (s, v) = call(app, Some(coord), Method::POST, COURSES, &bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let fields = v["error"]["fields"].as_object().unwrap();
    for f in [
        "title", "provider", "date", "ends_on", "hours", "mode", "topics",
    ] {
        assert!(fields.contains_key(f), "{f}: {v}");
    }
    assert!(fields["hours"].as_str().unwrap().starts_with("Ore"), "{v}");
    assert!(
        fields["provider"]
            .as_str()
            .unwrap()
            .starts_with("Ente formatore"),
        "{v}"
    );
    let huge = json!({"title": "Corso", "date": days_ago(1), "hours": 1e300});
    let (s, v) = call(app, Some(coord), Method::POST, COURSES, &huge).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (_, v) = call(app, Some(coord), Method::GET, COURSES, &Value::Null).await;
    assert_eq!(
        v["items"].as_array().unwrap().len(),
        0,
        "nothing half written"
    );
}

/// Volunteers: their organisation among their Ambito's; attending once.
async fn volunteers_of_their_ambito(app: &mut TestApp, coord: &Who, other: &Who, path: &str) {
    let (s, v) = call(
        app,
        Some(other),
        Method::POST,
        "/api/v1/network/organisations",
        &json!({"name": "Croce Viola Bollate", "kind": "terzo_settore"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let their_org = v["id"].as_i64().unwrap();
    let (s, v) = call(
        app,
        Some(coord),
        Method::POST,
        VOLUNTEERS,
        &json!({"name": "Anna Rossi", "organisation_id": their_org}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"]["fields"]["organisation_id"].is_string());
    let (s, v) = call(
        app,
        Some(coord),
        Method::POST,
        VOLUNTEERS,
        &json!({"name": "\u{0}", "started_on": "0001-01-01"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = call(
        app,
        Some(coord),
        Method::POST,
        VOLUNTEERS,
        &json!({"name": "Anna Rossi", "started_on": days_ago(100)}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let volunteer = v["id"].as_i64().unwrap();
    let (_, v) = call(app, Some(coord), Method::GET, VOLUNTEERS, &Value::Null).await;
    assert_eq!(v["items"][0]["name"], "Anna Rossi");
    let (_, v) = call(app, Some(other), Method::GET, VOLUNTEERS, &Value::Null).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0);
    let (s, _) = call(
        app,
        Some(coord),
        Method::POST,
        path,
        &json!({"volunteer_id": volunteer}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = call(
        app,
        Some(coord),
        Method::POST,
        path,
        &json!({"volunteer_id": volunteer}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
}

/// The certificate: an executable is refused, a PDF kept and downloaded audited.
async fn certificate_checked(app: &mut TestApp, coord: &Who, course: i64) {
    let html = app
        .get_as(coord, &format!("/formazione/corsi/{course}"))
        .await
        .text();
    let attendance = html
        .split("/presenze/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap()
        .to_owned();
    let cert = format!("/formazione/corsi/{course}/presenze/{attendance}/attestato");
    for (content, expected) in [
        (&b"MZ\x90\x00\x03"[..], StatusCode::UNPROCESSABLE_ENTITY),
        (&b"%PDF-1.7\n%%EOF\n"[..], StatusCode::SEE_OTHER),
    ] {
        let (kind, body) = upload(&coord.csrf, content);
        let request = axum::http::Request::post(&cert)
            .header("content-type", kind)
            .header("cookie", &coord.cookie)
            .body(axum::body::Body::from(body))
            .unwrap();
        let r = app.request(request).await;
        assert_eq!(r.status, expected, "{}", r.text());
        if expected != StatusCode::SEE_OTHER {
            assert!(
                r.text()
                    .contains("Attestato (PDF, al massimo 10 MB): il file non è un PDF"),
                "{}",
                r.text()
            );
        }
    }
    let r = app.get_as(coord, &cert).await;
    assert_eq!(r.header("content-type"), "application/pdf");
    assert!(
        app.audited("read")
            .await
            .iter()
            .any(|e| e.entry.section == "certificate")
    );
}
