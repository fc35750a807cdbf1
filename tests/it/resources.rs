//! The resource directory and the bed board from the pages.

use axum::http::StatusCode;

use crate::support::{TestApp, Who};

async fn create(app: &TestApp, who: &Who, fields: &[(&str, &str)]) -> crate::support::TestResponse {
    app.post_form_as(who, "/risorse", fields, None).await
}

#[tokio::test]
async fn free_places_are_kept_by_operators_and_protected_addresses_stay_hidden() {
    let app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let operator = app.sign_in("operatore_centrale", &[]).await;
    let r = create(
        &app,
        &coordinator,
        &[("kind", "castello"), ("capacity", "-2")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("Tipo: codice sconosciuto") || r.text().contains("Tipo:"),
        "{}",
        r.text()
    );
    for (kind, name, address, level, capacity) in [
        (
            "dormitorio",
            "Casa Itaca",
            "Via dei Mille 3, Rho",
            "pubblico",
            "10",
        ),
        (
            "casa_rifugio",
            "Casa delle donne",
            "Via Segreta 7",
            "pubblico",
            "4",
        ),
    ] {
        let r = create(
            &app,
            &coordinator,
            &[
                ("kind", kind),
                ("name", name),
                ("provider", "Cooperativa"),
                ("address", address),
                ("confidentiality", level),
                ("capacity", capacity),
                ("unit", "posti_letto"),
                ("contact", "02 930 0000"),
                ("tariff", "35,50"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    }
    // The operator sees the dormitory's address, never the shelter's, even though it was
    // entered as public: a protected shelter is protected whatever was chosen.
    let html = app.get_as(&operator, "/risorse").await.text();
    assert!(
        html.contains("Via dei Mille 3, Rho") && !html.contains("Via Segreta 7"),
        "{html}"
    );
    assert!(
        html.contains("Indirizzo riservato") && html.contains("35,50"),
        "{html}"
    );
    assert!(html.contains("10 liberi su 10"));
    let coordinator_html = app.get_as(&coordinator, "/risorse").await.text();
    assert!(coordinator_html.contains("Via Segreta 7"));
    free_places_follow_versions(&app, &operator).await;
    // Operators do not add resources; nothing of the address reaches the audit trail.
    let r = create(&app, &operator, &[("kind", "albergo")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let writes = app.audited("write").await;
    assert!(writes.len() >= 3);
    assert!(
        writes
            .iter()
            .all(|w| !format!("{:?}", w.entry).contains("Segreta"))
    );
}

#[tokio::test]
async fn the_directory_api_hides_protected_addresses_and_guards_free_places() {
    use axum::http::Method;
    use serde_json::{Value, json};

    use crate::calendar::call;
    let mut app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let operator = app.sign_in("operatore_pis", &[]).await;
    let shelter = json!({"kind": "casa_rifugio", "name": "Casa delle donne", "provider": "CAV",
        "address": "Via Segreta 7", "confidentiality": "pubblico", "capacity": 4,
        "unit": "posti_letto", "contact": "1522", "tariff": "0"});
    let (s, _) = call(
        &mut app,
        Some(&operator),
        Method::POST,
        "/api/v1/resources",
        &shelter,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = call(
        &mut app,
        Some(&coordinator),
        Method::POST,
        "/api/v1/resources",
        &shelter,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (s, v) = call(
        &mut app,
        Some(&coordinator),
        Method::POST,
        "/api/v1/resources",
        &json!({"kind": "x", "capacity": "molti"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["error"]["fields"]["capacity"].is_string(), "{v}");
    let (_, v) = call(
        &mut app,
        Some(&operator),
        Method::GET,
        "/api/v1/resources",
        &Value::Null,
    )
    .await;
    assert_eq!(v[0]["address"], Value::Null, "{v}");
    assert_eq!(v[0]["confidentiality"], "protetto");
    assert!(!v.to_string().contains("Segreta"));
    let (_, v) = call(
        &mut app,
        Some(&coordinator),
        Method::GET,
        "/api/v1/resources",
        &Value::Null,
    )
    .await;
    assert_eq!(v[0]["address"], "Via Segreta 7");
    let free = format!("/api/v1/resources/{id}/free");
    let (s, v) = call(
        &mut app,
        Some(&operator),
        Method::PUT,
        &free,
        &json!({"free": 2, "version": 1}),
    )
    .await;
    assert_eq!((s, v["version"].as_i64()), (StatusCode::OK, Some(2)), "{v}");
    let (s, _) = call(
        &mut app,
        Some(&operator),
        Method::PUT,
        &free,
        &json!({"free": 1, "version": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, v) = call(
        &mut app,
        Some(&operator),
        Method::PUT,
        &free,
        &json!({"free": 5, "version": 2}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["error"]["fields"]["free"].is_string(), "{v}");
}

/// Free places: updated with the version read; stale or impossible values are refused.
async fn free_places_follow_versions(app: &TestApp, operator: &Who) {
    let id = app
        .t
        .db
        .resources(presidio_domain::reference::AmbitoId(1))
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.resource.name == "Casa Itaca")
        .unwrap()
        .id;
    let path = format!("/risorse/{id}/posti");
    let r = app
        .post_form_as(operator, &path, &[("free", "3"), ("version", "1")], None)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app
        .post_form_as(operator, &path, &[("free", "2"), ("version", "1")], None)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = app
        .post_form_as(operator, &path, &[("free", "11"), ("version", "2")], None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .contains("Posti liberi: un numero da 0 alla capacità"),
        "{}",
        r.text()
    );
    let html = app.get_as(operator, "/risorse").await.text();
    assert!(html.contains("3 liberi su 10"), "{html}");
    assert!(
        html.contains("aggiornato il") && html.contains(&format!("da {}", "Utente")),
        "{html}"
    );
}
