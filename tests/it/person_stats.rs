//! Statistics by person on the dashboard: distinct persons by sex and age band, repeats, and
//! the persons reported again within 90 days after a handover; small protected counts hidden
//! from analysts; one Ambito's persons never in another's figures.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::calendar::call;
use crate::reports_api::minimal;
use crate::support::{TestApp, Who};

/// A report naming `persons`, received `at` (RFC 3339, empty for now); returns its
/// id and the first person's record.
async fn report(
    app: &mut TestApp,
    who: &Who,
    persons: Value,
    target: &str,
    at: &str,
) -> (i64, i64) {
    let mut body = minimal();
    body["persons"] = persons;
    body["target_group"] = json!(target);
    if !at.is_empty() {
        body["received_at"] = json!(at);
    }
    let (id, persons) = crate::households::stored(app, who, &body).await;
    (id, persons[0])
}

async fn persons(app: &mut TestApp, who: &Who) -> Value {
    let today = presidio_db::now().in_rome().date().to_string();
    let path = format!("/api/v1/stats/dashboard?from={today}&to={today}");
    let (status, figures) = call(app, Some(who), Method::GET, &path, &Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{figures}");
    figures["persons"].clone()
}

#[tokio::test]
async fn persons_are_counted_once_with_repeats_and_re_reports_after_a_handover() {
    let mut app = TestApp::new().await;
    app.add_bollatese().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let analyst = app.sign_in("analista", &[]).await;
    let bollate = app.sign_in_in("bollatese", "operatore_centrale", &[]).await;
    let mario = json!({"role": "beneficiario", "name": "Mario Rossi", "sex": "M", "age": 45});
    let (first, person) = report(&mut app, &desk, json!([mario]), "senza_dimora", "").await;
    let triage = json!({"outcome": "urgenza", "rationale": "Domani al servizio sociale"});
    for (path, body) in [
        (format!("/api/v1/reports/{first}/triage"), triage),
        (format!("/api/v1/reports/{first}/handover"), Value::Null),
    ] {
        let (status, answer) = call(&mut app, Some(&desk), Method::POST, &path, &body).await;
        assert!(status.is_success(), "{path}: {answer}");
    }
    // Reported again after the handover: a repeat, and a re-report.
    let later = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_secs(20))
        .unwrap()
        .to_string();
    let mut again = mario.clone();
    again["person_id"] = json!(person);
    report(&mut app, &desk, json!([again]), "senza_dimora", &later).await;
    report(
        &mut app,
        &desk,
        json!([{"role": "beneficiario", "name": "Anna Bianchi", "sex": "F", "age": 8}]),
        "violenza_genere",
        "",
    )
    .await;
    report(
        &mut app,
        &desk,
        json!([{"role": "beneficiario", "name": "Luca Neri", "sex": "M"}]),
        "grave_emarginazione",
        "",
    )
    .await;
    // Another Ambito's person is not theirs to count.
    let mut body = minimal();
    body["municipality"] = json!("015027");
    body["persons"] =
        json!([{"role": "beneficiario", "name": "Ugo Bollati", "sex": "M", "age": 70}]);
    let (status, _) = call(
        &mut app,
        Some(&bollate),
        Method::POST,
        "/api/v1/reports",
        &body,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    let p = persons(&mut app, &coordinator).await;
    assert_eq!(p["distinct"], 3, "{p}");
    assert_eq!(p["repeat"], 1);
    assert_eq!(
        (p["by_sex"]["M"].clone(), p["by_sex"]["F"].clone()),
        (json!(2), json!(1))
    );
    assert_eq!(p["by_age_band"]["30_64"], 1);
    assert_eq!(p["by_age_band"]["6_13"], 1);
    assert_eq!(p["by_age_band"]["non_nota"], 1);
    assert_eq!(p["by_age_band"]["65_79"], 0, "Bollate's Ugo is not counted");
    assert_eq!(p["handed_over"], 1);
    assert_eq!(p["rereported_within_90_days"], 1);
    assert_eq!(p["rereported_share"], 1.0);
    // The analyst sees the cells that count a person of a protected record as "<5".
    let p = persons(&mut app, &analyst).await;
    assert_eq!(p["by_sex"]["F"], "<5", "{p}");
    assert_eq!(p["by_age_band"]["6_13"], "<5");
    assert_eq!(p["distinct"], "<5");
    assert_eq!(p["by_sex"]["M"], 2);
    assert_eq!(p["handed_over"], 1);
    // On the page and in the exports.
    let today = presidio_db::now().in_rome().date().to_string();
    let q = format!("dal={today}&al={today}");
    let html = app
        .get_as(&coordinator, &format!("/statistiche/cruscotto?{q}"))
        .await
        .text();
    assert!(
        html.contains("Persone distinte") && html.contains("Di nuovo segnalate entro 90 giorni")
    );
    let csv = app
        .get_as(&coordinator, &format!("/statistiche/cruscotto.csv?{q}"))
        .await
        .text();
    assert!(csv.contains("\"Persone distinte\";3"), "{csv}");
    assert!(
        csv.contains("\"Quota di nuovo segnalate (%)\";100,00"),
        "{csv}"
    );
    linked_records_count_once(&mut app, &desk, &coordinator, person).await;
    // The Bollatese sees its own person only.
    let coordinator_b = app.sign_in_in("bollatese", "coordinatore", &[]).await;
    let p = persons(&mut app, &coordinator_b).await;
    assert_eq!(
        (p["distinct"].clone(), p["by_age_band"]["65_79"].clone()),
        (json!(1), json!(1))
    );
}

/// The same man recorded twice counts once as soon as the records are linked, and twice again
/// when the link is undone.
async fn linked_records_count_once(app: &mut TestApp, desk: &Who, coordinator: &Who, person: i64) {
    let (_, twin) = report(
        app,
        desk,
        json!([{"role": "beneficiario", "name": "Rossi M.", "sex": "M", "age": 45}]),
        "senza_dimora",
        "",
    )
    .await;
    assert_eq!(persons(app, coordinator).await["distinct"], 4);
    let (status, _) = call(
        app,
        Some(desk),
        Method::POST,
        &format!("/api/v1/persons/{person}/links"),
        &json!({"person_id": twin, "reason": "Stesso uomo, stesso cane"}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let p = persons(app, coordinator).await;
    assert_eq!(
        (p["distinct"].clone(), p["repeat"].clone()),
        (json!(3), json!(1)),
        "{p}"
    );
    let (status, _) = call(
        app,
        Some(desk),
        Method::DELETE,
        &format!("/api/v1/persons/{twin}/links/{person}"),
        &json!({"reason": "Non era lui"}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(persons(app, coordinator).await["distinct"], 4);
}

/// Records linked in a chain before groups existed got, from the first backfill, the smallest
/// neighbour only; the second backfill gives the whole chain one group, counted once.
#[tokio::test]
async fn a_chain_of_links_from_before_groups_is_one_person_after_the_backfill() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &["015182"]).await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let mut ids = Vec::new();
    for name in ["Bianchi Luca", "Bianchi L.", "Luca Bianchi"] {
        let person = json!([{"role": "beneficiario", "name": name, "sex": "M", "age": 50}]);
        ids.push(report(&mut app, &desk, person, "senza_dimora", "").await.1);
    }
    for pair in [[ids[0], ids[1]], [ids[1], ids[2]]] {
        let (status, body) = call(
            &mut app,
            Some(&desk),
            Method::POST,
            &format!("/api/v1/persons/{}/links", pair[0]),
            &json!({"person_id": pair[1], "reason": "Stesso uomo"}),
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    }
    assert_eq!(persons(&mut app, &coordinator).await["distinct"], 1);
    // What the first backfill left: the last record grouped with its neighbour only.
    let split = format!(
        "UPDATE persons SET group_id = {} WHERE id = {}",
        ids[1], ids[2]
    );
    let (sqlite, postgres) = (
        include_str!("../../crates/db/migrations/sqlite/0044_person_group_chains.sql"),
        include_str!("../../crates/db/migrations/postgres/0044_person_group_chains.sql"),
    );
    let db = app.t.db.clone();
    let run = async |sql: &str| match &db {
        presidio_db::Db::Sqlite { write, .. } => sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(write)
            .await
            .map(|_| ()),
        presidio_db::Db::Postgres(pool) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(pool)
            .await
            .map(|_| ()),
    };
    run(&split).await.unwrap();
    assert_eq!(persons(&mut app, &coordinator).await["distinct"], 2);
    let backfill = match &app.t.db {
        presidio_db::Db::Sqlite { .. } => sqlite,
        presidio_db::Db::Postgres(_) => postgres,
    };
    run(backfill).await.unwrap();
    assert_eq!(persons(&mut app, &coordinator).await["distinct"], 1);
}
