//! The activity report: counts by triage outcome, reason and target group for a period, with
//! the published table's rows first; aggregates only, for coordinators and analysts.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::calendar::call;
use crate::reports_api::minimal;
use crate::support::TestApp;

async fn triaged(
    app: &mut TestApp,
    who: &crate::support::Who,
    group: &str,
    triage: Value,
    at: &str,
) {
    let mut body = minimal();
    body["target_group"] = json!(group);
    body["received_at"] = json!(at);
    let (s, v) = call(app, Some(who), Method::POST, "/api/v1/reports", &body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    if !triage.is_null() {
        let path = format!("/api/v1/reports/{}/triage", v["id"]);
        let (s, v) = call(app, Some(who), Method::POST, &path, &triage).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
}

#[tokio::test]
async fn the_activity_of_a_period_is_counted_like_the_published_table() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let analyst = app.sign_in("analista", &[]).await;
    let emergency = json!({"outcome": "emergenza", "rationale": "Pericolo", "criteria": ["pericolo_immediato"]});
    let urgency = json!({"outcome": "urgenza", "rationale": "Domani"});
    let not_ours = json!({"outcome": "non_pertinente", "not_pertinent_reason": "casistica",
        "redirected_to": "118", "rationale": "Sanitario"});
    // 1 July 2025 at 00:30 in Rome is still 30 June in UTC: it counts in July.
    triaged(
        &mut app,
        &desk,
        "msna",
        emergency.clone(),
        "2025-06-30T22:30:00Z",
    )
    .await;
    triaged(
        &mut app,
        &desk,
        "senza_dimora",
        emergency.clone(),
        "2025-07-10T20:00:00Z",
    )
    .await;
    triaged(
        &mut app,
        &desk,
        "grave_emarginazione",
        emergency,
        "2025-07-11T20:00:00Z",
    )
    .await;
    triaged(
        &mut app,
        &desk,
        "fragilita",
        urgency,
        "2025-07-12T20:00:00Z",
    )
    .await;
    triaged(&mut app, &desk, "altro", not_ours, "2025-07-13T20:00:00Z").await;
    triaged(
        &mut app,
        &desk,
        "altro",
        Value::Null,
        "2025-07-31T21:59:00Z",
    )
    .await;
    triaged(&mut app, &desk, "msna", Value::Null, "2025-07-31T22:00:00Z").await;
    let path = "/api/v1/stats/activity?from=2025-07-01&to=2025-07-31";
    let (s, a) = call(&mut app, Some(&analyst), Method::GET, path, &Value::Null).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(
        (
            a["reports"].as_u64(),
            a["not_pertinent"].as_u64(),
            a["urgencies"].as_u64(),
            a["emergencies"].as_u64(),
            a["untriaged"].as_u64()
        ),
        (Some(6), Some(1), Some(1), Some(3), Some(1)),
        "{a}"
    );
    assert_eq!(a["emergencies_by_target_group"]["msna"], 1);
    assert_eq!(a["emergencies_by_target_group"]["violenza_genere"], 0);
    assert_eq!(a["not_pertinent_by_reason"]["casistica"], 1);
    refusals_and_the_page(&mut app, &desk, &analyst, path).await;
    let reads = app.audited("read").await;
    assert!(reads.iter().any(|r| r.entry.record_type == "stats"));
}

/// Bad periods are refused naming the field; call-takers get no statistics; the page shows the
/// published rows first.
async fn refusals_and_the_page(
    app: &mut TestApp,
    desk: &crate::support::Who,
    analyst: &crate::support::Who,
    path: &str,
) {
    for (query, field) in [
        ("from=2025-07-01", "to"),
        ("from=luglio&to=2025-07-31", "from"),
        ("from=2025-08-01&to=2025-07-01", "to"),
    ] {
        let (s, v) = call(
            app,
            Some(analyst),
            Method::GET,
            &format!("/api/v1/stats/activity?{query}"),
            &Value::Null,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(v["error"]["fields"][field].is_string(), "{query}: {v}");
    }
    let (s, _) = call(app, Some(desk), Method::GET, path, &Value::Null).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "call-takers read cases, not statistics"
    );
    let page = app
        .get_as(analyst, "/statistiche?dal=2025-07-01&al=2025-07-31")
        .await
        .text();
    for label in [
        "Numero segnalazioni",
        "di cui:",
        "Non pertinenti per casistica o richiesta",
        "Valutate come urgenze",
        "Valutate come emergenza",
        "Emergenze che hanno riguardato:",
        "calamità o altri eventi emergenziali",
        "adulti in difficoltà e/o senza dimora",
        "minori stranieri non accompagnati",
    ] {
        assert!(page.contains(label), "{label}");
    }
    assert!(
        page.find("Numero segnalazioni").unwrap()
            < page.find("minori stranieri non accompagnati").unwrap()
    );
}
