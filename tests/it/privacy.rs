//! A person's data-protection records: the information notice, consents, requests and their
//! decision (a granted erasure anonymises, a granted restriction stops the intake offering the
//! record), on the page and through the API, with bad input and parallel decisions.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::calendar::call;
use crate::reports_api::minimal;
use crate::support::{TestApp, Who};

/// A report of Mario Rossi; returns his record.
async fn mario(app: &mut TestApp, who: &Who) -> i64 {
    let mut body = minimal();
    body["persons"] =
        json!([{"role": "beneficiario", "name": "Mario Rossi", "sex": "M", "age": 45}]);
    crate::households::stored(app, who, &body).await.1[0]
}

async fn person(app: &mut TestApp, who: &Who, id: i64) -> Value {
    let (s, v) = call(
        app,
        Some(who),
        Method::GET,
        &format!("/api/v1/persons/{id}"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn record(app: &mut TestApp, who: &Who, id: i64, body: &Value) -> (StatusCode, Value) {
    call(
        app,
        Some(who),
        Method::POST,
        &format!("/api/v1/persons/{id}/privacy"),
        body,
    )
    .await
}

#[tokio::test]
async fn notices_consents_and_requests_are_kept_for_who_takes_care_of_the_person() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let analyst = app.sign_in("analista", &[]).await;
    let arese = app.sign_in("servizio_sociale", &["015009"]).await;
    let id = mario(&mut app, &desk).await;
    let today = presidio_db::now().in_rome().date().to_string();
    for who in [&analyst, &arese] {
        let body = json!({"kind": "informativa", "on": today, "how": "orale"});
        let (s, _) = record(&mut app, who, id, &body).await;
        assert!(
            matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{s}"
        );
    }
    let (s, v) = record(
        &mut app,
        &desk,
        id,
        &json!({"kind": "informativa", "on": today, "how": "mediatore", "notes": "In arabo"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let notice = v["id"].as_i64().unwrap();
    let (s, _) = record(
        &mut app,
        &desk,
        id,
        &json!({"kind": "consenso", "on": today, "purpose": "Invio della scheda",
                "recipient": "CAV Filo Rosa"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let p = person(&mut app, &desk, id).await;
    let kinds: Vec<&str> = p["privacy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["consenso", "informativa"]);
    assert_eq!(p["privacy"][1]["how"], "mediatore");
    assert!(
        app.audited("write")
            .await
            .iter()
            .any(|e| e.entry.section == "privacy"
                && e.entry.reason == format!("privacy={notice} kind=informativa"))
    );
    // A notice is no request: nothing to decide.
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let (s, _) = call(
        &mut app,
        Some(&coordinator),
        Method::POST,
        &format!("/api/v1/persons/{id}/privacy/{notice}/decision"),
        &json!({"decision": "accolta", "reason": "Prova"}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The page lists them in words, and its form names a refused field as labelled.
    let html = app.get_as(&desk, &format!("/persone/{id}")).await.text();
    assert!(
        html.contains("Informativa data") && html.contains("tramite mediatore"),
        "{html}"
    );
    assert!(html.contains("con CAV Filo Rosa"));
    let r = app
        .post_form_as(
            &desk,
            &format!("/persone/{id}/protezione-dati"),
            &[
                ("kind", "informativa"),
                ("on", "0001-01-01"),
                ("how", "orale"),
                ("notes", "Data da ricontrollare"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(html.contains("Data:"), "{html}");
    assert!(
        html.contains("value=\"Data da ricontrollare\""),
        "what was typed stays"
    );
    assert!(html.contains("<option value=\"orale\" selected>"));
    let r = app
        .post_form_as(
            &desk,
            &format!("/persone/{id}/protezione-dati"),
            &[("kind", "cancellazione"), ("on", &today), ("how", "")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let html = app.get_as(&desk, &format!("/persone/{id}")).await.text();
    assert!(html.contains("in attesa di decisione"));
    export_holds(&mut app, id, 3).await;
}

#[tokio::test]
async fn a_granted_erasure_anonymises_once_even_when_decided_twice_at_once() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let id = mario(&mut app, &desk).await;
    let today = presidio_db::now().in_rome().date().to_string();
    let (_, v) = record(
        &mut app,
        &desk,
        id,
        &json!({"kind": "cancellazione", "on": today}),
    )
    .await;
    let erase = v["id"].as_i64().unwrap();
    let decide = format!("/api/v1/persons/{id}/privacy/{erase}/decision");
    let (s, _) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        &decide,
        &json!({"decision": "accolta", "reason": "Non più necessari"}),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "call-takers do not decide");
    for body in [
        json!({"decision": "forse", "reason": "x"}),
        json!({"decision": "accolta", "reason": " "}),
    ] {
        let (s, _) = call(&mut app, Some(&coordinator), Method::POST, &decide, &body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    // Twice at once: decided once.
    let body = json!({"decision": "accolta", "reason": "Dati non più necessari"});
    let (one, two) = tokio::join!(
        crate::reports_api::post(&app, &coordinator, &decide, &body),
        crate::reports_api::post(&app, &coordinator, &decide, &body)
    );
    let mut got = [one.status, two.status];
    got.sort();
    assert_eq!(got, [StatusCode::NO_CONTENT, StatusCode::CONFLICT]);
    let p = person(&mut app, &coordinator, id).await;
    assert!(
        p["name"].is_null() && p["names"].as_array().unwrap().is_empty(),
        "{p}"
    );
    assert_eq!(p["sex"], "M", "what the statistics count stays");
    assert_eq!(p["privacy"][0]["decision"], "accolta");
    let decisions = app
        .audited("write")
        .await
        .iter()
        .filter(|e| e.entry.reason == format!("privacy={erase} decision=accolta"))
        .count();
    assert_eq!(decisions, 1);
}

#[tokio::test]
async fn a_granted_restriction_stops_the_intake_offering_the_record() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let today = presidio_db::now().in_rome().date().to_string();
    // A restriction granted: the record is no longer offered at intake, by name or code.
    let mut body = minimal();
    body["persons"] = json!([{"role": "beneficiario", "name": "Giuseppe Verdi", "sex": "M",
                              "fiscal_code": "RSSMRA80A01F205X"}]);
    let (_, v) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        "/api/v1/reports",
        &body,
    )
    .await;
    let (_, v) = call(
        &mut app,
        Some(&desk),
        Method::GET,
        &format!("/api/v1/reports/{}", v["id"]),
        &Value::Null,
    )
    .await;
    let verdi = v["persons"][0]["person_id"].as_i64().unwrap();
    let path = "/api/v1/persons/candidates?name=Verdi%20Giuseppe";
    let (_, v) = call(&mut app, Some(&desk), Method::GET, path, &Value::Null).await;
    assert_eq!(v["items"][0]["display_name"], "Giuseppe Verdi", "{v}");
    let (_, request) = record(
        &mut app,
        &desk,
        verdi,
        &json!({"kind": "limitazione", "on": today}),
    )
    .await;
    let html = app
        .get_as(&coordinator, &format!("/persone/{verdi}"))
        .await
        .text();
    let csrf = crate::support::csrf_of(&html);
    let decided = app
        .post_form_as(
            &coordinator,
            &format!(
                "/persone/{verdi}/protezione-dati/{}/decisione",
                request["id"]
            ),
            &[
                ("decision", "accolta"),
                ("reason", "Contesta l'esattezza dei dati"),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.text());
    for path in [
        path,
        "/api/v1/persons/candidates?name=Nessuno&fiscal_code=RSSMRA80A01F205X",
    ] {
        let (_, v) = call(&mut app, Some(&desk), Method::GET, path, &Value::Null).await;
        assert_eq!(v["items"][0]["restricted"], true, "{path}: {v}");
        assert!(v["items"][0]["display_name"].is_null());
    }
    let p = person(&mut app, &desk, verdi).await;
    assert!(p["restricted_at"].is_string(), "{p}");
    let html = app.get_as(&desk, &format!("/persone/{verdi}")).await.text();
    assert!(html.contains("Trattamento limitato"));
}

/// The person's export holds `n` data-protection records.
async fn export_holds(app: &mut TestApp, id: i64, n: usize) {
    let admin = app.sign_in("admin", &[]).await;
    let (status, export) = call(
        app,
        Some(&admin),
        Method::GET,
        &format!("/api/v1/persons/{id}/export"),
        &Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{export}");
    assert_eq!(
        export["privacy"].as_array().map(Vec::len),
        Some(n),
        "{export}"
    );
}

#[tokio::test]
async fn a_bad_record_is_refused_on_its_field_and_changes_nothing() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let id = mario(&mut app, &desk).await;
    let today = presidio_db::now().in_rome().date().to_string();
    let tomorrow = presidio_db::now()
        .in_rome()
        .date()
        .tomorrow()
        .unwrap()
        .to_string();
    for (body, field) in [
        (json!({"on": today, "how": "orale"}), "kind"),
        (json!({"kind": "permesso", "on": today}), "kind"),
        (json!({"kind": "informativa", "on": today}), "how"),
        (
            json!({"kind": "informativa", "on": today, "how": "telepatia"}),
            "how",
        ),
        (
            json!({"kind": "informativa", "on": "0001-01-01", "how": "orale"}),
            "on",
        ),
        (
            json!({"kind": "informativa", "on": tomorrow, "how": "orale"}),
            "on",
        ),
        (
            json!({"kind": "informativa", "on": "ieri", "how": "orale"}),
            "on",
        ),
        (json!({"kind": "informativa", "how": "orale"}), "on"),
        (
            json!({"kind": "consenso", "on": today, "recipient": "CAV"}),
            "purpose",
        ),
        (
            json!({"kind": "consenso", "on": today, "purpose": "Scheda al CAV"}),
            "recipient",
        ),
        (
            json!({"kind": "limitazione", "on": today, "notes": "a\u{0}b"}),
            "notes",
        ),
        (
            json!({"kind": "limitazione", "on": today, "notes": "x".repeat(2001)}),
            "notes",
        ),
        (json!({"kind": 7, "on": today}), "kind"),
    ] {
        let (status, answer) = record(&mut app, &desk, id, &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert!(
            answer.to_string().contains(&format!("\"{field}\"")),
            "{field}: {answer}"
        );
    }
    assert!(
        person(&mut app, &desk, id).await["privacy"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
