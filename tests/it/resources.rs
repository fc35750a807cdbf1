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
        "unit": "posti_letto", "contact": "1522", "tariff": "0",
        "notes": "Citofono dietro la farmacia di via Segreta"});
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
    assert_eq!(
        v[0]["notes"],
        Value::Null,
        "notes can tell the place too: {v}"
    );
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
    assert_eq!(v[0]["notes"], "Citofono dietro la farmacia di via Segreta");
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

/// A resource of `capacity` beds, created directly; returns its id.
async fn beds(app: &TestApp, capacity: u32) -> i64 {
    let resource = presidio_domain::resources::Resource {
        kind: presidio_domain::resources::ResourceKind::Dormitorio,
        name: "Casa Itaca".into(),
        provider: "Cooperativa".into(),
        address: "Via dei Mille 3".into(),
        confidentiality: presidio_domain::resources::Confidentiality::Pubblico,
        capacity,
        unit: presidio_domain::resources::Unit::PostiLetto,
        contact: "02 1".into(),
        tariff_cents: 3550,
        notes: String::new(),
    };
    app.t
        .db
        .create_resource(
            presidio_domain::reference::AmbitoId(1),
            &resource,
            &presidio_domain::audit::Entry::new(
                presidio_db::now(),
                presidio_domain::audit::Action::Write,
            ),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn the_last_bed_booked_twice_at_once_goes_to_exactly_one() {
    use serde_json::json;

    use crate::reports_api::{minimal, post};
    let app = TestApp::new().await;
    let a = app.sign_in("operatore_centrale", &[]).await;
    let b = app.sign_in("operatore_centrale", &[]).await;
    let resource = beds(&app, 1).await;
    let report = post(&app, &a, "/api/v1/reports", &minimal()).await.json()["id"]
        .as_i64()
        .unwrap();
    let other = post(&app, &b, "/api/v1/reports", &minimal()).await.json()["id"]
        .as_i64()
        .unwrap();
    let body = json!({"resource_id": resource, "nights": 2});
    let (path_a, path_b) = (
        format!("/api/v1/reports/{report}/activations"),
        format!("/api/v1/reports/{other}/activations"),
    );
    let (first, second) = tokio::join!(
        post(&app, &a, &path_a, &body),
        post(&app, &b, &path_b, &body)
    );
    let mut statuses = [first.status, second.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY]
    );
    let refused = if first.status == StatusCode::CREATED {
        &second
    } else {
        &first
    };
    assert!(
        refused.json()["error"]["fields"]["places"]
            .as_str()
            .unwrap()
            .contains("non ci sono abbastanza posti liberi")
    );
    let won = if first.status == StatusCode::CREATED {
        &first
    } else {
        &second
    };
    assert_eq!(won.json()["status"], "held");
    assert_eq!(won.json()["cost_cents"], 7100);
    let stored = app
        .t
        .db
        .resources(presidio_domain::reference::AmbitoId(1))
        .await
        .unwrap();
    assert_eq!(stored[0].free, 0, "never below zero");
}

#[tokio::test]
async fn an_activation_moves_through_its_life_and_gives_its_place_back() {
    use serde_json::json;

    use crate::reports_api::post;
    let (app, op, resource, report) = a_case_with_beds(2).await;
    let hold = format!("/api/v1/reports/{report}/activations");
    let r = post(
        &app,
        &op,
        &hold,
        &json!({"resource_id": resource, "places": 0, "hold_minutes": 0}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let v = r.json();
    assert!(
        v["error"]["fields"]["places"].is_string()
            && v["error"]["fields"]["hold_minutes"].is_string(),
        "{v}"
    );
    let r = post(&app, &op, &hold, &json!({"resource_id": resource})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let id = r.json()["id"].as_i64().unwrap();
    let free = |app: &TestApp| {
        let db = app.t.db.clone();
        async move {
            db.resources(presidio_domain::reference::AmbitoId(1))
                .await
                .unwrap()[0]
                .free
        }
    };
    assert_eq!(free(&app).await, 1);
    let path = format!("/api/v1/activations/{id}/status");
    let r = post(&app, &op, &path, &json!({"status": "ended", "version": 1})).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a hold is not ended"
    );
    let mut version = 1;
    for to in ["confirmed", "started", "ended"] {
        let r = post(&app, &op, &path, &json!({"status": to, "version": version})).await;
        assert_eq!(r.status, StatusCode::OK, "{to}: {}", r.text());
        version = r.json()["version"].as_i64().unwrap();
    }
    assert_eq!(free(&app).await, 2, "the place came back");
    let r = post(
        &app,
        &op,
        &path,
        &json!({"status": "cancelled", "version": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a stale version");
    // A hold that lapsed gives its place back to the next booking.
    let lapsed = app
        .t
        .db
        .hold_places(
            presidio_domain::reference::AmbitoId(1),
            report,
            resource,
            2,
            1,
            presidio_db::now().0 - 1,
            &presidio_domain::audit::Entry::new(
                presidio_db::now(),
                presidio_domain::audit::Action::Write,
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        lapsed.status, "cancelled",
        "read past its time, a hold is over"
    );
    let r = post(
        &app,
        &op,
        &hold,
        &json!({"resource_id": resource, "places": 2}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let list = app
        .get_as(&op, &format!("/api/v1/reports/{report}/activations"))
        .await
        .json();
    let statuses: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(statuses, ["ended", "cancelled", "held"]);
    assert_activations_read_audited(&app, report).await;
}

#[tokio::test]
async fn a_bed_is_held_and_confirmed_from_the_report_page() {
    use crate::reports_api::post;
    let (app, op, resource, report) = a_case_with_beds(2).await;
    let page = format!("/segnalazioni/{report}");
    let html = app.get_as(&op, &page).await.text();
    assert!(
        html.contains("Nessuna risorsa attivata") && html.contains("Casa Itaca (2 posti liberi)"),
        "{html}"
    );
    let r = app
        .post_form_as(
            &op,
            &format!("{page}/attivazioni"),
            &[("resource_id", ""), ("places", "0")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("Risorsa: campo obbligatorio"),
        "{}",
        r.text()
    );
    let r = app
        .post_form_as(
            &op,
            &format!("{page}/attivazioni"),
            &[
                ("resource_id", &resource.to_string()),
                ("places", "2"),
                ("nights", "3"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let html = app.get_as(&op, &page).await.text();
    assert!(
        html.contains("Casa Itaca: tenuto · posti 2 · notti o unità 3 · 213,00"),
        "{html}"
    );
    assert!(
        !html.contains("Casa Itaca (0 liberi)"),
        "a full resource is not offered"
    );
    let activation = app.t.db.activations_of(report).await.unwrap()[0].id;
    let r = app
        .post_form_as(
            &op,
            &format!("{page}/attivazioni/{activation}/stato"),
            &[("status", "confirmed"), ("version", "1")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        app.get_as(&op, &page)
            .await
            .text()
            .contains("Casa Itaca: confermato")
    );
    // Another report's activation is not reachable from this page.
    let other = post(&app, &op, "/api/v1/reports", &crate::reports_api::minimal())
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let r = app
        .post_form_as(
            &op,
            &format!("/segnalazioni/{other}/attivazioni/{activation}/stato"),
            &[("status", "cancelled"), ("version", "2")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_budget_counts_confirmed_activations_and_forecasts_the_period() {
    use axum::http::Method;
    use serde_json::{Value, json};

    use crate::calendar::call;
    use crate::reports_api::{minimal, post};
    let mut app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let op = app.sign_in("operatore_pis", &[]).await;
    let (s, v) = call(
        &mut app,
        Some(&coordinator),
        Method::GET,
        "/api/v1/budget",
        &Value::Null,
    )
    .await;
    assert_eq!(
        (s, &v["amount_cents"]),
        (StatusCode::OK, &Value::Null),
        "no budget yet"
    );
    budget_form_names_its_faults(&app, &coordinator).await;
    // A period around today, so that the activation below falls in it.
    let today = presidio_db::now().in_rome().date();
    let from = today.checked_sub(jiff::Span::new().days(9)).unwrap();
    let to = today.checked_add(jiff::Span::new().days(10)).unwrap();
    let r = app
        .post_form_as(
            &coordinator,
            "/bilancio",
            &[
                ("amount", "89.572,80"),
                ("from", &from.to_string()),
                ("to", &to.to_string()),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let resource = beds(&app, 3).await;
    let report = post(&app, &op, "/api/v1/reports", &minimal()).await.json()["id"]
        .as_i64()
        .unwrap();
    let held = post(
        &app,
        &op,
        &format!("/api/v1/reports/{report}/activations"),
        &json!({"resource_id": resource, "places": 2, "nights": 2}),
    )
    .await
    .json();
    let (_, v) = call(
        &mut app,
        Some(&coordinator),
        Method::GET,
        "/api/v1/budget",
        &Value::Null,
    )
    .await;
    assert_eq!(v["spent_cents"], 0, "a hold is not spending: {v}");
    let id = held["id"].as_i64().unwrap();
    let r = post(
        &app,
        &op,
        &format!("/api/v1/activations/{id}/status"),
        &json!({"status": "confirmed", "version": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let (_, v) = call(
        &mut app,
        Some(&coordinator),
        Method::GET,
        "/api/v1/budget",
        &Value::Null,
    )
    .await;
    assert_eq!(v["amount_cents"], 8_957_280);
    assert_eq!(v["spent_cents"], 14_200, "2 places × 2 nights × 35,50");
    // 10 days gone of 20: twice the spending at the end.
    assert_eq!(v["forecast_cents"], 28_400);
    let html = app.get_as(&coordinator, "/bilancio").await.text();
    assert!(
        html.contains("89.572,80") && html.contains("142,00") && html.contains("284,00"),
        "{html}"
    );
    // Operators are refused the budget: see the role matrix.
    let (s, v) = call(
        &mut app,
        Some(&coordinator),
        Method::PUT,
        "/api/v1/budget",
        &json!({"amount": "x", "from": "2026-01-01", "to": "2027-12-31"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["error"]["fields"]["amount"].is_string());
}

/// The budget page refuses a bad amount and an inverted period, naming both.
async fn budget_form_names_its_faults(app: &TestApp, coordinator: &Who) {
    let r = app
        .post_form_as(
            coordinator,
            "/bilancio",
            &[
                ("amount", "molti"),
                ("from", "2027-12-31"),
                ("to", "2026-01-01"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("Importo (euro)") && r.text().contains("Al giorno"),
        "{}",
        r.text()
    );
}

#[tokio::test]
async fn a_protected_shelter_is_named_only_as_such_in_a_case() {
    use serde_json::json;

    use crate::reports_api::{minimal, post};
    let app = TestApp::new().await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let r = create(
        &app,
        &coordinator,
        &[
            ("kind", "casa_rifugio"),
            ("name", "Casa delle donne"),
            ("provider", "CAV Rhodense"),
            ("address", "Via Segreta 7"),
            ("confidentiality", "protetto"),
            ("capacity", "3"),
            ("unit", "posti_letto"),
            ("contact", "1522"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut body = minimal();
    body["target_group"] = "violenza_genere".into();
    let report = post(&app, &coordinator, "/api/v1/reports", &body)
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let page = format!("/segnalazioni/{report}");
    let html = app.get_as(&coordinator, &page).await.text();
    assert!(
        html.contains("Struttura protetta tramite CAV (3 posti liberi)"),
        "{html}"
    );
    let shelter = app
        .t
        .db
        .resources(presidio_domain::reference::AmbitoId(1))
        .await
        .unwrap()[0]
        .id;
    let held = post(
        &app,
        &coordinator,
        &format!("/api/v1/reports/{report}/activations"),
        &json!({"resource_id": shelter}),
    )
    .await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.text());
    assert_eq!(held.json()["resource"], "Struttura protetta tramite CAV");
    let html = app.get_as(&coordinator, &page).await.text();
    assert!(
        html.contains("Struttura protetta tramite CAV: tenuto"),
        "{html}"
    );
    assert!(
        !html.contains("Casa delle donne") && !html.contains("Via Segreta"),
        "{html}"
    );
}

async fn assert_activations_read_audited(app: &TestApp, report: i64) {
    let reads = app.audited("read").await;
    assert!(
        reads
            .iter()
            .any(|e| e.entry.section == "activations" && e.entry.record_id == report.to_string()),
        "reading a case's activations is audited"
    );
}

/// A hold lapses by itself at its time: the bed board, the API and the case show its places as
/// free again before anything else is booked, and the sweep writes it down once.
#[tokio::test]
async fn a_hold_past_its_time_shows_as_released_without_another_booking() {
    use serde_json::json;

    use crate::reports_api::{minimal, post};
    let app = TestApp::new().await;
    let op = app.sign_in("operatore_pis", &[]).await;
    let resource = beds(&app, 12).await;
    let report = post(&app, &op, "/api/v1/reports", &minimal()).await.json()["id"]
        .as_i64()
        .unwrap();
    let hold = format!("/api/v1/reports/{report}/activations");
    let r = post(
        &app,
        &op,
        &hold,
        &json!({"resource_id": resource, "places": 3, "hold_minutes": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let free_now = || async {
        let list = app.get_as(&op, "/api/v1/resources").await.json();
        list[0]["free"].as_i64().unwrap()
    };
    assert_eq!(free_now().await, 9);
    // The minute passes (the hold's time is moved back instead of waiting for it).
    crate::access::raw(
        &app,
        "UPDATE activations SET held_until = held_until - 61000",
    )
    .await
    .unwrap();
    assert_eq!(
        free_now().await,
        12,
        "the bed board counts the lapsed hold as free"
    );
    let a = app
        .get_as(&op, &format!("/api/v1/reports/{report}/activations"))
        .await
        .json();
    assert_eq!(a[0]["status"], "cancelled", "{a}");
    let page = app
        .get_as(&op, &format!("/segnalazioni/{report}"))
        .await
        .text();
    assert!(page.contains("annullato"), "{page}");
    assert!(!page.contains("tenuto fino al"), "{page}");
    let board = app.get_as(&op, "/risorse").await.text();
    assert!(board.contains("12"), "{board}");
    // The sweep writes it once, with the places back; a second sweep finds nothing.
    let now = presidio_db::now();
    assert_eq!(
        presidio_app::interventions::expire_holds(&app.state, now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        presidio_app::interventions::expire_holds(&app.state, now)
            .await
            .unwrap(),
        0
    );
    assert_eq!(free_now().await, 12);
    let stored = app.t.db.activation(id).await.unwrap();
    assert_eq!(stored.status, "cancelled");
    let r = post(
        &app,
        &op,
        &format!("/api/v1/activations/{id}/status"),
        &json!({"status": "confirmed", "version": stored.version}),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a lapsed hold is not confirmed"
    );
}

/// Asking more places than are free is said together with the other faults of the booking.
#[tokio::test]
async fn too_many_places_is_said_with_the_other_faults() {
    use serde_json::json;

    use crate::reports_api::{minimal, post};
    let app = TestApp::new().await;
    let op = app.sign_in("operatore_pis", &[]).await;
    let resource = beds(&app, 11).await;
    let report = post(&app, &op, "/api/v1/reports", &minimal()).await.json()["id"]
        .as_i64()
        .unwrap();
    let r = post(
        &app,
        &op,
        &format!("/api/v1/reports/{report}/activations"),
        &json!({"resource_id": resource, "places": 50, "nights": 0}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = r.json()["error"]["fields"].clone();
    assert!(fields["nights"].is_string(), "{fields}");
    assert!(
        fields["places"]
            .as_str()
            .unwrap()
            .contains("non ci sono abbastanza posti liberi"),
        "{fields}"
    );
}

/// An operator of the Centrale, a resource with `capacity` beds and a new report.
async fn a_case_with_beds(capacity: u32) -> (TestApp, Who, i64, i64) {
    use crate::reports_api::{minimal, post};
    let app = TestApp::new().await;
    let op = app.sign_in("operatore_pis", &[]).await;
    let resource = beds(&app, capacity).await;
    let report = post(&app, &op, "/api/v1/reports", &minimal()).await.json()["id"]
        .as_i64()
        .unwrap();
    (app, op, resource, report)
}

/// A booking's body for the API, the same fields for the form, and the field refused.
type Refusal<'a> = (serde_json::Value, &'a [(&'a str, &'a str)], &'a str);

#[tokio::test]
async fn the_report_page_and_the_api_refuse_a_booking_alike() {
    use crate::reports_api::post;
    let (app, op, resource, report) = a_case_with_beds(2).await;
    let refusals: [Refusal<'_>; 3] = [
        // More places than are free, said with the other fault of the same form.
        (
            serde_json::json!({"resource_id": resource, "places": 3, "nights": 0}),
            &[("places", "3"), ("nights", "0")],
            "places",
        ),
        (
            serde_json::json!({"resource_id": resource, "places": 1, "nights": 367}),
            &[("places", "1"), ("nights", "367")],
            "nights",
        ),
        (
            serde_json::json!({"resource_id": resource, "places": 51}),
            &[("places", "51")],
            "places",
        ),
    ];
    for (body, fields, field) in refusals {
        let r = post(
            &app,
            &op,
            &format!("/api/v1/reports/{report}/activations"),
            &body,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let message = r.json()["error"]["fields"][field]
            .as_str()
            .unwrap_or_else(|| panic!("no message on {field}: {}", r.text()))
            .to_owned();
        let mut form = vec![("resource_id", resource.to_string())];
        form.extend(fields.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let p = app
            .post_form_as(
                &op,
                &format!("/segnalazioni/{report}/attivazioni"),
                &form,
                None,
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let html = p.text().replace("&#39;", "'");
        let problem = message
            .split_once(": ")
            .map_or(message.as_str(), |(_, p)| p);
        assert!(
            html.contains(&format!("<a href=\"#{field}\">")) && html.contains(problem),
            "the page shows {message:?} too"
        );
    }
    assert!(
        app.t.db.activations_of(report).await.unwrap().is_empty(),
        "nothing was held"
    );
}

/// The scheduler's rounds are functions of the time: run at a later time, the field round
/// releases a lapsed hold, and maintenance removes audit entries past their retention.
#[tokio::test]
async fn the_periodic_rounds_act_at_the_time_they_are_given() {
    use crate::reports_api::post;
    let (app, op, resource, report) = a_case_with_beds(2).await;
    let r = post(
        &app,
        &op,
        &format!("/api/v1/reports/{report}/activations"),
        &serde_json::json!({"resource_id": resource, "places": 2, "hold_minutes": 5}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let now = presidio_db::now();
    presidio_app::jobs::field_round(&app.state, now).await;
    assert_eq!(
        app.t.db.activations_of(report).await.unwrap()[0].status,
        "held"
    );
    presidio_app::jobs::field_round(
        &app.state,
        presidio_domain::time::UtcMillis(now.0 + 6 * 60_000),
    )
    .await;
    assert_eq!(
        app.t.db.activations_of(report).await.unwrap()[0].status,
        "cancelled",
        "the hold lapsed at the round after its time"
    );
    let schedule = presidio_app::jobs::Schedule {
        anchors: None,
        audit_retention_months: 1,
        session_idle: std::time::Duration::from_secs(3600),
        session_max_age: std::time::Duration::from_secs(12 * 3600),
    };
    let later = presidio_domain::time::UtcMillis(now.0 + 40 * 86_400_000);
    presidio_app::jobs::maintenance_round(&app.state, &schedule, later).await;
    let purged = app.audited("audit_purged").await;
    assert_eq!(purged.len(), 1, "the purge is itself audited");
    assert!(
        app.audited("write").await.is_empty(),
        "entries older than a month before the round are gone"
    );
}
