//! "Who has seen this person's record": the right of access, through the API and the page.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::reports_api::{minimal, post};
use crate::support::{TestApp, Who};

const FISCAL_CODE: &str = "RSSMRA85T10A562S";

/// Records a report about `person` as `who`; returns its id and protocol number.
async fn report_about(app: &TestApp, who: &Who, person: Value) -> (i64, String) {
    let mut body = minimal();
    body["persons"] = json!([person]);
    let r = post(app, who, "/api/v1/reports", &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    (
        v["id"].as_i64().unwrap(),
        v["code"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn an_admin_sees_who_read_and_changed_a_persons_reports() {
    let app = TestApp::new().await;
    let caller = app.sign_in("operatore_centrale", &[]).await;
    let reader = app.sign_in("operatore_pis", &[]).await;
    let admin = app.sign_in("admin", &[]).await;
    let (id, code) = report_about(
        &app,
        &caller,
        json!({"role": "beneficiario", "sex": "M", "name": "Mario Rossi", "fiscal_code": FISCAL_CODE}),
    )
    .await;
    let (other_id, other_code) = report_about(
        &app,
        &caller,
        json!({"role": "beneficiario", "sex": "F", "name": "Anna Verdi"}),
    )
    .await;
    // Someone else reads the first report; a third user reads only the other one.
    let r = app.get_as(&reader, &format!("/api/v1/reports/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    let stranger = app.sign_in("coordinatore", &[]).await;
    let r = app
        .get_as(&stranger, &format!("/api/v1/reports/{other_id}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);

    for query in [
        format!("fiscal_code={}", FISCAL_CODE.to_lowercase()),
        "name=rOSS".into(),
    ] {
        let r = app
            .get_as(&admin, &format!("/api/v1/audit/person?{query}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.text());
        let v = r.json();
        let persons = v["persons"].as_array().unwrap();
        assert_eq!(persons.len(), 1, "{query}: {v}");
        assert_eq!(persons[0]["code"], code.as_str());
        assert_eq!(persons[0]["fiscal_code"], FISCAL_CODE);
        let accesses = v["accesses"].as_array().unwrap();
        let record = id.to_string();
        let by = |user: &str, action: &str| {
            accesses.iter().any(|a| {
                a["actor"] == user && a["action"] == action && a["record_id"] == record.as_str()
            })
        };
        assert!(by(&reader.username, "read"), "{query}: {v}");
        assert!(by(&caller.username, "write"), "{query}: {v}");
        assert!(
            accesses.iter().all(|a| a["record_id"] == record.as_str()),
            "only this person's reports: {v}"
        );
        assert!(!v.to_string().contains(&stranger.username), "{v}");
    }
    // The search itself is audited with the reports it touched, not with what was searched.
    let searches = app.audited("audit_searched").await;
    assert!(searches.len() >= 2);
    assert_eq!(searches[0].entry.section, "person");
    assert_eq!(searches[0].entry.reason, format!("reports={id}"));
    assert!(!searches.iter().any(|s| s.entry.reason.contains("ross")));
    // The page shows the same.
    let page = app
        .get_as(
            &admin,
            &format!("/amministrazione/accessi-persona?fiscal_code={FISCAL_CODE}"),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains(&code) && html.contains(&reader.username),
        "{html}"
    );
    assert!(!html.contains(&other_code));
}

#[tokio::test]
async fn person_searches_name_their_faulty_field_and_match_wildcards_literally() {
    let app = TestApp::new().await;
    let caller = app.sign_in("operatore_centrale", &[]).await;
    let admin = app.sign_in("admin", &[]).await;
    report_about(
        &app,
        &caller,
        json!({"role": "beneficiario", "sex": "F", "name": "Anna Verdi"}),
    )
    .await;
    for (query, field, message) in [
        ("", "fiscal_code", "Codice fiscale"),
        ("name=an", "name", "almeno 3 caratteri"),
        (
            "fiscal_code=RSSMRA85T10A562T",
            "fiscal_code",
            "Codice fiscale",
        ),
    ] {
        let r = app
            .get_as(&admin, &format!("/api/v1/audit/person?{query}"))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let v = r.json();
        let text = v["error"]["fields"][field].as_str().unwrap_or_default();
        assert!(text.contains(message), "{query}: {v}");
    }
    let r = app
        .get_as(&admin, "/amministrazione/accessi-persona?name=an")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("almeno 3 caratteri"));
    // `%` and `_` are letters here, not patterns matching everyone.
    for wild in ["%25%25%25", "___"] {
        let r = app
            .get_as(&admin, &format!("/api/v1/audit/person?name={wild}"))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["persons"], json!([]), "{wild}");
    }
    assert!(app.audited("audit_searched").await.len() >= 2);
}
