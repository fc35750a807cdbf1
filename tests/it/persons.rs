//! The person across reports: candidates at intake, attaching a known person, the person's
//! record and timeline under the need-to-know rule, search, links, corrections, and bad input.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::calendar::call;
use crate::reports_api::minimal;
use crate::support::{TestApp, Who};

const RHO: &str = "015182";
const ARESE: &str = "015009";

/// A report of `name` (a man of 45 in Rho, unless `body` says otherwise); returns (report id,
/// person id).
async fn report_of(app: &mut TestApp, who: &Who, person: Value, target: &str) -> (i64, i64) {
    let mut body = minimal();
    body["persons"] = json!([person]);
    body["target_group"] = json!(target);
    let (s, v) = call(app, Some(who), Method::POST, "/api/v1/reports", &body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (s, v) = call(
        app,
        Some(who),
        Method::GET,
        &format!("/api/v1/reports/{id}"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    (
        id,
        v["persons"][0]["person_id"].as_i64().expect("a person_id"),
    )
}

async fn get(app: &mut TestApp, who: &Who, path: &str) -> (StatusCode, Value) {
    call(app, Some(who), Method::GET, path, &Value::Null).await
}

fn mario() -> Value {
    json!({"role": "beneficiario", "name": "Mario Rossi", "sex": "M", "age": 45})
}

/// The names and aliases of a person record as the API gives them.
fn names_of(person: &Value) -> Vec<&str> {
    person["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["value"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_known_person_is_found_with_a_typo_and_attached_to_the_next_report() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let (first, person) = report_of(&mut app, &desk, mario(), "senza_dimora").await;
    // Someone else, to be left out.
    report_of(
        &mut app,
        &desk,
        json!({"role": "beneficiario", "name": "Giuseppe Verdi", "sex": "M", "age": 30}),
        "senza_dimora",
    )
    .await;
    let year = jiff::Zoned::now().year() - 45;
    let (s, v) = get(
        &mut app,
        &desk,
        &format!("/api/v1/persons/candidates?name=rossi%20MRAIO&sex=M&birth_year={year}&municipality={RHO}"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{v}");
    assert_eq!(items[0]["person_id"], person);
    assert_eq!(items[0]["display_name"], "Mario Rossi");
    assert_eq!(items[0]["reports"], 1);
    assert_eq!(items[0]["restricted"], false);
    let score = items[0]["score"].as_f64().unwrap();
    assert!(score > 0.8 && score <= 1.0, "{score}");
    // The same fiscal code is certain, whatever the name.
    let mut fc = mario();
    fc["name"] = json!("Rossi Mraio");
    fc["fiscal_code"] = json!("RSSMRA80A01F205X");
    fc["person_id"] = json!(person);
    let (second, attached) = report_of(&mut app, &desk, fc, "senza_dimora").await;
    assert_eq!(attached, person);
    let (_, v) = get(
        &mut app,
        &desk,
        "/api/v1/persons/candidates?name=Nessuno&fiscal_code=rssmra80a01f205x",
    )
    .await;
    assert_eq!(v["items"][0]["person_id"], person, "{v}");
    assert!((v["items"][0]["score"].as_f64().unwrap() - 1.0).abs() < 1e-9);
    // The person's record shows both reports, newest first, and the fiscal code learnt.
    let (s, p) = get(&mut app, &desk, &format!("/api/v1/persons/{person}")).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let reports: Vec<i64> = p["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["report_id"].as_i64().unwrap())
        .collect();
    assert_eq!(reports, [second, first]);
    assert_eq!(p["fiscal_code"], "RSSMRA80A01F205X");
    assert_eq!(p["birth_year"], year);
    // The record keeps its name; the spelling typed later is one more name, with its report.
    assert_eq!(p["name"], "Mario Rossi");
    let names = names_of(&p);
    assert!(
        names.contains(&"Mario Rossi") && names.contains(&"Rossi Mraio"),
        "{names:?}"
    );
    // The page too, reachable from the report.
    let page = app
        .get_as(&desk, &format!("/segnalazioni/{first}"))
        .await
        .text();
    assert!(page.contains(&format!("/persone/{person}")), "{page}");
    let page = app.get_as(&desk, &format!("/persone/{person}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    for id in [first, second] {
        assert!(html.contains(&format!("/segnalazioni/{id}")), "{id}");
    }
    // And the search, audited without the text searched.
    let (s, v) = get(&mut app, &desk, "/api/v1/persons?q=Rosi").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["items"][0]["person_id"], person, "{v}");
    let (_, v) = get(&mut app, &desk, &format!("/api/v1/persons?q={year}")).await;
    assert!(
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["person_id"] == person),
        "{v}"
    );
    let searches: Vec<_> = app
        .audited("read")
        .await
        .into_iter()
        .filter(|e| e.entry.section == "person_search")
        .collect();
    assert_eq!(searches.len(), 2);
    assert!(searches.iter().all(|e| !e.entry.reason.contains("Rosi")));
    // The intake form's fragment offers the candidate as a choice.
    let html = app
        .get_as(
            &desk,
            &format!("/persone/candidati?persons%5B0%5D.name=Rossi+Mraio&persons%5B0%5D.sex=M&municipality={RHO}"),
        )
        .await
        .text();
    assert!(html.contains(&format!("value=\"{person}\"")), "{html}");
    assert!(html.contains("Mario Rossi"));
}

#[tokio::test]
async fn a_protected_person_is_only_a_reserved_match_to_who_does_not_follow_them() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let other = app.sign_in("operatore_pis", &[]).await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let (_, person) = report_of(
        &mut app,
        &desk,
        json!({"role": "beneficiario", "name": "Anna Bianchi", "sex": "F", "age": 33}),
        "violenza_genere",
    )
    .await;
    let path = "/api/v1/persons/candidates?name=Bianchi%20Anna";
    let (_, v) = get(&mut app, &desk, path).await;
    assert_eq!(v["items"][0]["display_name"], "Anna Bianchi", "{v}");
    let (s, v) = get(&mut app, &other, path).await;
    assert_eq!(s, StatusCode::OK);
    let item = &v["items"][0];
    assert_eq!(item["person_id"], person, "{v}");
    assert_eq!(item["restricted"], true);
    assert!(item["display_name"].is_null() && item["last_seen"].is_null());
    assert_eq!(item["reports"], 0);
    assert!(
        app.audited("read")
            .await
            .iter()
            .any(|e| e.entry.section == "reserved_match"
                && e.entry.record_id == person.to_string()
                && e.entry.actor == other.username),
        "the sighting is audited"
    );
    // The record says nothing to them either, and they may not attach it.
    let (s, v) = get(&mut app, &other, &format!("/api/v1/persons/{person}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["restricted"], true);
    assert!(
        v["name"].is_null() && v["reports"].as_array().unwrap().is_empty(),
        "{v}"
    );
    let html = app
        .get_as(&other, &format!("/persone/{person}"))
        .await
        .text();
    assert!(html.contains("scheda riservata"));
    assert!(!html.contains("Bianchi"));
    let mut body = minimal();
    body["persons"] = json!([{"role": "beneficiario", "name": "Anna", "person_id": person}]);
    let (s, v) = call(
        &mut app,
        Some(&other),
        Method::POST,
        "/api/v1/reports",
        &body,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v.to_string().contains("persons[0].person_id"), "{v}");
    // The coordinator reads it in full.
    let (_, v) = get(&mut app, &coordinator, &format!("/api/v1/persons/{person}")).await;
    assert_eq!(v["name"], "Anna Bianchi");
}

#[tokio::test]
async fn analysts_and_another_municipalitys_service_get_nothing() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let analyst = app.sign_in("analista", &[]).await;
    let admin = app.sign_in("admin", &[]).await;
    let rho = app.sign_in("servizio_sociale", &[RHO]).await;
    let arese = app.sign_in("servizio_sociale", &[ARESE]).await;
    let (id, person) = report_of(&mut app, &desk, mario(), "senza_dimora").await;
    let triage = json!({"outcome": "urgenza", "rationale": "Domani al servizio sociale"});
    let (s, _) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        &format!("/api/v1/reports/{id}/triage"),
        &triage,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        &format!("/api/v1/reports/{id}/handover"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    // Rho's service took the case: it knows the person.
    let (s, v) = get(&mut app, &rho, &format!("/api/v1/persons/{person}")).await;
    assert_eq!(
        (s, v["name"].as_str()),
        (StatusCode::OK, Some("Mario Rossi"))
    );
    let paths = [
        format!("/api/v1/persons/{person}"),
        "/api/v1/persons?q=Rossi".to_owned(),
        "/api/v1/persons/candidates?name=Rossi".to_owned(),
        format!("/persone/{person}"),
        "/persone?q=Rossi".to_owned(),
    ];
    for who in [&analyst, &admin, &arese] {
        for path in &paths {
            let r = app.get_as(who, path).await;
            let nothing = matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
                || (r.status == StatusCode::OK && !r.text().contains("Mario"));
            assert!(
                nothing,
                "{} {path}: {} {}",
                who.username,
                r.status,
                r.text()
            );
        }
    }
    let (s, v) = get(&mut app, &arese, "/api/v1/persons?q=Rossi").await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["items"].as_array().unwrap().is_empty());
}

/// Every wrong link is refused on its field.
async fn links_refused(app: &mut TestApp, desk: &Who, one: i64, two: i64) {
    let links = format!("/api/v1/persons/{one}/links");
    for (body, field) in [
        (json!({"person_id": two, "reason": ""}), "reason"),
        (json!({"person_id": two, "reason": "x\u{0}"}), "reason"),
        (json!({"person_id": one, "reason": "stesso"}), "person_id"),
        (json!({"reason": "stesso"}), "person_id"),
        (
            json!({"person_id": 999_999, "reason": "stesso"}),
            "person_id",
        ),
        (json!({"person_id": "two", "reason": "stesso"}), "person_id"),
    ] {
        let (s, v) = call(app, Some(desk), Method::POST, &links, &body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body} {v}");
        assert!(v.to_string().contains(field), "{body} {v}");
    }
}

#[tokio::test]
async fn records_of_the_same_person_are_linked_and_unlinked_with_a_reason() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let (_, one) = report_of(&mut app, &desk, mario(), "senza_dimora").await;
    let (second, two) = report_of(
        &mut app,
        &desk,
        json!({"role": "beneficiario", "name": "Rossi Mario", "alias": "il Biondo", "sex": "M"}),
        "senza_dimora",
    )
    .await;
    assert_ne!(one, two);
    let candidates = "/api/v1/persons/candidates?name=Mario%20Rossi&sex=M&municipality=015182";
    let (_, v) = get(&mut app, &desk, candidates).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 2, "{v}");
    // The person's page offers the other record as one possible duplicate.
    let html = app.get_as(&desk, &format!("/persone/{one}")).await.text();
    assert!(
        html.contains(&format!("name=\"person_id\" value=\"{two}\"")),
        "{html}"
    );
    let links = format!("/api/v1/persons/{one}/links");
    links_refused(&mut app, &desk, one, two).await;
    assert!(app.t.db.person_links(&[one, two]).await.unwrap().is_empty());
    // Two coordinators linking at once: one link.
    let body = json!({"person_id": two, "reason": "Stesso soprannome e stessa stazione"});
    let (r1, r2) = tokio::join!(
        crate::reports_api::post(&app, &desk, &links, &body),
        crate::reports_api::post(&app, &desk, &links, &body),
    );
    let mut statuses = [r1.status, r2.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::NO_CONTENT, StatusCode::CONFLICT],
        "{} {}",
        r1.text(),
        r2.text()
    );
    // At intake the person is offered once, not once per record.
    let (_, v) = get(&mut app, &desk, candidates).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
    // Reads show the union: the alias and the second report on the first record.
    let (_, p) = get(&mut app, &desk, &format!("/api/v1/persons/{one}")).await;
    assert_eq!(p["linked"], json!([two]));
    assert!(
        p["reports"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["report_id"] == second)
    );
    assert!(
        p["names"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["value"] == "il Biondo")
    );
    // Undone the same way, with one reason; nothing is lost.
    let unlink = format!("/api/v1/persons/{one}/links/{two}");
    let (s, _) = call(
        &mut app,
        Some(&desk),
        Method::DELETE,
        &unlink,
        &json!({"reason": ""}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, v) = call(
        &mut app,
        Some(&desk),
        Method::DELETE,
        &unlink,
        &json!({"reason": "Sono fratelli"}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (s, _) = call(
        &mut app,
        Some(&desk),
        Method::DELETE,
        &unlink,
        &json!({"reason": "ancora"}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, p) = get(&mut app, &desk, &format!("/api/v1/persons/{one}")).await;
    assert_eq!(p["linked"], json!([]));
    assert_eq!(p["links"][0]["unlink_reason"], "Sono fratelli");
    let writes: Vec<_> = app
        .audited("write")
        .await
        .into_iter()
        .filter(|e| e.entry.record_type == "person")
        .collect();
    assert!(writes.iter().any(|e| e.entry.reason.starts_with("link=")));
    assert!(writes.iter().any(|e| e.entry.reason.starts_with("unlink=")));
    // A link again after the unlink is allowed.
    let (s, _) = call(&mut app, Some(&desk), Method::POST, &links, &body).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn corrections_keep_their_history_and_safety_notes_top_every_report() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let (first, person) = report_of(&mut app, &desk, mario(), "senza_dimora").await;
    let path = format!("/api/v1/persons/{person}");
    let (_, p) = get(&mut app, &desk, &path).await;
    let version = p["version"].as_i64().unwrap();
    // Bad input changes nothing and names the field.
    for (field, value) in [
        ("name", json!("x\u{0}")),
        ("birth_date", json!("0001-01-01")),
        ("birth_date", json!("ieri")),
        ("birth_year", json!(99_999)),
        ("birth_place", json!("Rho")),
        ("citizenship", json!("ZZ")),
        ("fiscal_code", json!("RSSMRA80A01F205Y")),
        ("residence", json!("999999")),
        ("sex", json!("Q")),
        ("safety_notes", json!("x".repeat(2001))),
    ] {
        let mut body = json!({"name": "Mario Rossi", "sex": "M", "version": version});
        body[field] = value;
        let (s, v) = call(&mut app, Some(&desk), Method::PATCH, &path, &body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field} {v}");
        assert!(v.to_string().contains(field), "{field} {v}");
    }
    let body = json!({
        "name": "Mario Rossi", "sex": "M", "birth_date": "1981-03-02", "birth_place": "H264",
        "residence": RHO, "safety_notes": "Cane aggressivo: avvicinarsi con cautela",
        "version": version
    });
    let (s, v) = call(&mut app, Some(&desk), Method::PATCH, &path, &body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The same version again is stale.
    let (s, _) = call(&mut app, Some(&desk), Method::PATCH, &path, &body).await;
    assert_eq!(s, StatusCode::CONFLICT);
    // Null is a field left out (the document says every field may be null), not bad JSON.
    let mut nulls = body.clone();
    nulls["needs_mediator"] = json!(null);
    nulls["citizenship"] = json!(null);
    let (s, v) = call(&mut app, Some(&desk), Method::PATCH, &path, &nulls).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (_, p) = get(&mut app, &desk, &path).await;
    assert_eq!(p["birth_year"], 1981);
    let fields: Vec<&str> = p["corrections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    for f in ["birth_date", "birth_place", "residence", "safety_notes"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    // Shown at the top of the reports that name the person, this one and the next.
    let mut next = mario();
    next["person_id"] = json!(person);
    let (second, _) = report_of(&mut app, &desk, next, "senza_dimora").await;
    for id in [first, second] {
        let html = app
            .get_as(&desk, &format!("/segnalazioni/{id}"))
            .await
            .text();
        assert!(html.contains("Cane aggressivo"), "{id}");
    }
    // The page's form says the same.
    let html = app
        .get_as(&desk, &format!("/persone/{person}"))
        .await
        .text();
    let csrf = crate::support::csrf_of(&html);
    let r = app
        .post_form_as(
            &desk,
            &format!("/persone/{person}"),
            &[
                ("name", "Mario Rossi"),
                ("birth_year", "1"),
                ("version", "1"),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Anno di nascita"), "{}", r.text());
}

#[tokio::test]
async fn a_person_of_another_ambito_cannot_be_attached_and_bad_searches_are_refused() {
    let mut app = TestApp::new().await;
    app.add_bollatese().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let bol = app.sign_in_in("bollatese", "operatore_centrale", &[]).await;
    let mut body = minimal();
    body["municipality"] = json!("015027");
    body["persons"] = json!([mario()]);
    let (s, v) = call(&mut app, Some(&bol), Method::POST, "/api/v1/reports", &body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (_, r) = get(&mut app, &bol, &format!("/api/v1/reports/{}", v["id"])).await;
    let theirs = r["persons"][0]["person_id"].as_i64().unwrap();
    // The Rhodense neither finds nor attaches the Bollatese's record.
    let (_, v) = get(
        &mut app,
        &desk,
        "/api/v1/persons/candidates?name=Mario%20Rossi",
    )
    .await;
    assert!(v["items"].as_array().unwrap().is_empty(), "{v}");
    let mut mine = mario();
    mine["person_id"] = json!(theirs);
    let mut body = minimal();
    body["persons"] = json!([mine]);
    let (s, v) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        "/api/v1/reports",
        &body,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, _) = get(&mut app, &desk, &format!("/api/v1/persons/{theirs}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    for (query, field) in [
        ("name=a%00b", "name"),
        ("name=Rossi&birth_year=1", "birth_year"),
        ("name=Rossi&birth_year=99999999999", "birth_year"),
        ("name=Rossi&sex=Q", "sex"),
        ("name=Rossi&fiscal_code=RSS", "fiscal_code"),
        ("name=Rossi&municipality=Rho", "municipality"),
        ("name=Rossi&municipality=999999", "municipality"),
    ] {
        let (s, v) = get(
            &mut app,
            &desk,
            &format!("/api/v1/persons/candidates?{query}"),
        )
        .await;
        assert!(s.is_client_error(), "{query}: {s} {v}");
        assert!(v.to_string().contains(field), "{query} {v}");
    }
    let (s, v) = get(&mut app, &desk, "/api/v1/persons?q=").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, _) = get(&mut app, &desk, "/api/v1/persons/0").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = get(&mut app, &desk, "/api/v1/persons/99999999999999999999").await;
    assert!(s.is_client_error());
    let mut zero = mario();
    zero["person_id"] = json!(0);
    let mut body = minimal();
    body["persons"] = json!([zero]);
    let (s, _) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        "/api/v1/reports",
        &body,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_coordinator_detaches_a_wrongly_attached_person_once_even_in_parallel() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let (first, person) = report_of(&mut app, &desk, mario(), "senza_dimora").await;
    // The call-taker chose Mario Rossi for a Mario Rosi who is someone else.
    let mut wrong = json!({"role": "beneficiario", "name": "Mario Rosi", "sex": "M", "age": 19});
    wrong["person_id"] = json!(person);
    let (second, attached) = report_of(&mut app, &desk, wrong, "senza_dimora").await;
    assert_eq!(attached, person);
    let path = format!("/api/v1/persons/{person}/detach");
    // Only coordinators detach; bad input names the field and changes nothing.
    let good = json!({"report_id": second, "reason": "Omonimia: un ragazzo di 19 anni"});
    let (s, _) = call(&mut app, Some(&desk), Method::POST, &path, &good).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for (body, field) in [
        (json!({"report_id": second, "reason": ""}), "reason"),
        (json!({"report_id": second, "reason": "   "}), "reason"),
        (json!({"report_id": second, "reason": "a\u{0}b"}), "reason"),
        (
            json!({"report_id": second, "reason": "x".repeat(2001)}),
            "reason",
        ),
        (json!({"reason": "Omonimia"}), "report_id"),
        (json!({"report_id": 0, "reason": "Omonimia"}), "report_id"),
        (
            json!({"report_id": i64::MAX, "reason": "Omonimia"}),
            "report_id",
        ),
    ] {
        let (s, v) = call(&mut app, Some(&coord), Method::POST, &path, &body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body} {v}");
        assert!(v["error"]["fields"].get(field).is_some(), "{field} {v}");
    }
    let (_, before) = get(&mut app, &coord, &format!("/api/v1/reports/{second}")).await;
    assert_eq!(before["persons"][0]["person_id"], person);
    // Two coordinators at once: one detaches, the other finds it done.
    let (r1, r2) = tokio::join!(
        crate::reports_api::post(&app, &coord, &path, &good),
        crate::reports_api::post(&app, &coord, &path, &good),
    );
    let mut statuses = [r1.status, r2.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY]
    );
    let (_, after) = get(&mut app, &coord, &format!("/api/v1/reports/{second}")).await;
    let fresh = after["persons"][0]["person_id"].as_i64().unwrap();
    assert_ne!(fresh, person);
    // The old record: its own report only, without the name typed in the other, and its
    // history says what was detached and why.
    let (_, old) = get(&mut app, &coord, &format!("/api/v1/persons/{person}")).await;
    let reports: Vec<i64> = old["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["report_id"].as_i64().unwrap())
        .collect();
    assert_eq!(reports, [first]);
    assert!(!names_of(&old).contains(&"Mario Rosi"), "{old}");
    let detached = old["corrections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "detached_report")
        .expect("the detach in the history");
    assert_eq!(detached["previous"], before["code"]);
    assert_eq!(detached["value"], "Omonimia: un ragazzo di 19 anni");
    // The new record: made from the report, found by its name.
    let (_, new) = get(&mut app, &coord, &format!("/api/v1/persons/{fresh}")).await;
    assert_eq!(new["name"], "Mario Rosi");
    assert_eq!(new["reports"][0]["report_id"], second);
    let (_, v) = get(&mut app, &desk, "/api/v1/persons?q=Mario%20Rosi").await;
    let found: Vec<i64> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["person_id"].as_i64().unwrap())
        .collect();
    assert!(found.contains(&fresh) && found.contains(&person), "{v}");
    let writes = app.audited("write").await;
    assert_eq!(
        writes
            .iter()
            .filter(|e| e.entry.reason.starts_with("detach "))
            .count(),
        1
    );
    detach_on_the_page(&mut app, &desk, &coord, (first, person), fresh).await;
}

/// The page: coordinators see the form, call-takers do not; a blank reason names the field; a
/// record's only report stays with it. `(first, person)`: a report of `person`, its only one.
async fn detach_on_the_page(
    app: &mut TestApp,
    desk: &Who,
    coord: &Who,
    (first, person): (i64, i64),
    fresh: i64,
) {
    let html = app.get_as(desk, &format!("/persone/{person}")).await.text();
    assert!(!html.contains("/stacca"));
    let html = app
        .get_as(coord, &format!("/persone/{person}"))
        .await
        .text();
    assert!(
        html.contains(&format!("/persone/{person}/stacca")),
        "{html}"
    );
    let csrf = crate::support::csrf_of(&html);
    let r = app
        .post_form_as(
            coord,
            &format!("/persone/{person}/stacca"),
            &[("report_id", &first.to_string()), ("reason", " ")],
            Some(&csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Motivo"), "{}", r.text());
    // A record's only report stays with it: nothing would be left to the record.
    let r = app
        .post_form_as(
            coord,
            &format!("/persone/{person}/stacca"),
            &[("report_id", &first.to_string()), ("reason", "Prova")],
            Some(&csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("unica segnalazione"), "{}", r.text());
    // A third report for the new record, detached from the page.
    let mut third = json!({"role": "beneficiario", "name": "Mario Rosi", "sex": "M", "age": 19});
    third["person_id"] = json!(fresh);
    let (third, _) = report_of(app, desk, third, "senza_dimora").await;
    let html = app.get_as(coord, &format!("/persone/{fresh}")).await.text();
    let csrf = crate::support::csrf_of(&html);
    let r = app
        .post_form_as(
            coord,
            &format!("/persone/{fresh}/stacca"),
            &[
                ("report_id", &third.to_string()),
                ("reason", "Un altro ancora"),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (_, v) = get(app, coord, &format!("/api/v1/reports/{third}")).await;
    assert_ne!(v["persons"][0]["person_id"], fresh);
}

#[tokio::test]
async fn the_person_s_own_data_is_exported_for_an_administrator_only_and_audited() {
    let mut app = TestApp::new().await;
    app.add_bollatese().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let (_, person) = report_of(&mut app, &desk, mario(), "senza_dimora").await;
    // The second report names someone else too: the export says nothing of them.
    let mut body = minimal();
    let mut again = mario();
    again["person_id"] = json!(person);
    body["persons"] = json!([again, {"role": "familiare", "name": "Luigi Bianchi", "sex": "M"}]);
    let (s, v) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        "/api/v1/reports",
        &body,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let path = format!("/api/v1/persons/{person}/export");
    for role in ["coordinatore", "operatore_centrale", "analista"] {
        let who = app.sign_in(role, &[]).await;
        let (s, _) = get(&mut app, &who, &path).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{role}");
    }
    let elsewhere = app.sign_in_in("bollatese", "admin", &[]).await;
    let (s, _) = get(&mut app, &elsewhere, &path).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = get(&mut app, &elsewhere, "/api/v1/persons/999999/export").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let admin = app.sign_in("admin", &[]).await;
    let (s, v) = get(&mut app, &admin, &path).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["person"]["name"], "Mario Rossi");
    assert_eq!(v["reports"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["reports"][1]["lines"].as_array().unwrap().len(), 1);
    assert!(!v.to_string().contains("Luigi"), "{v}");
    let exports: Vec<_> = app
        .audited("read")
        .await
        .into_iter()
        .filter(|e| e.entry.section == "export")
        .collect();
    assert_eq!(exports.len(), 1);
    assert_eq!(exports[0].entry.record_id, person.to_string());
    // From the browser: the right-of-access page links the PDF and the JSON.
    let html = app
        .get_as(&admin, "/amministrazione/accessi-persona?name=Rossi")
        .await
        .text();
    let pdf = format!("/amministrazione/persone/{person}/dati.pdf");
    assert!(html.contains(&pdf), "{html}");
    let r = app.get_as(&admin, &pdf).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), "application/pdf");
    assert!(r.body.starts_with(b"%PDF"));
    let r = app
        .get_as(
            &admin,
            &format!("/amministrazione/persone/{person}/dati.json"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["person"]["id"], person);
    let r = app.get_as(&desk, &pdf).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let exports = app
        .audited("read")
        .await
        .into_iter()
        .filter(|e| e.entry.section == "export")
        .count();
    assert_eq!(exports, 3);
}

/// A report of `person` received at `at`, triaged, and closed when `close`.
async fn old_report(app: &mut TestApp, who: &Who, person: Value, at: &str, close: bool) -> i64 {
    let mut body = minimal();
    body["persons"] = json!([person]);
    body["received_at"] = json!(at);
    let (s, v) = call(app, Some(who), Method::POST, "/api/v1/reports", &body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let triage = json!({"outcome": "urgenza", "rationale": "Serve il servizio sociale"});
    let (s, v) = call(
        app,
        Some(who),
        Method::POST,
        &format!("/api/v1/reports/{id}/triage"),
        &triage,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    if close {
        let status = format!("/api/v1/reports/{id}/status");
        for body in [
            json!({"status": "advice"}),
            json!({"status": "closed", "closing_outcome": "returned_home"}),
        ] {
            let (s, v) = call(app, Some(who), Method::POST, &status, &body).await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
    }
    id
}

#[tokio::test]
async fn retention_anonymises_old_closed_persons_and_leaves_the_statistics_unchanged() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let mut old = mario();
    old["fiscal_code"] = json!("RSSMRA80A01F205X");
    let gone = old_report(&mut app, &desk, old, "2019-03-10T22:00:00+01:00", true).await;
    let open = json!({"role": "beneficiario", "name": "Giulia Verdi", "sex": "F", "age": 40});
    old_report(&mut app, &desk, open, "2019-03-11T22:00:00+01:00", false).await;
    let recent = json!({"role": "beneficiario", "name": "Luca Neri", "sex": "M", "age": 30});
    let now = presidio_db::now();
    let kept = old_report(&mut app, &desk, recent, &now.timestamp().to_string(), true).await;
    let stats = "/api/v1/stats/activity?from=2019-03-01&to=2019-03-31";
    let (s, before) = get(&mut app, &coord, stats).await;
    assert_eq!(s, StatusCode::OK, "{before}");
    assert_eq!(before["reports"], 2, "{before}");
    assert_eq!(before["urgencies"], 2, "{before}");
    let (_, r) = get(&mut app, &coord, &format!("/api/v1/reports/{gone}")).await;
    let person = r["persons"][0]["person_id"].as_i64().unwrap();
    // None by default: nothing happens.
    let done = presidio_app::persons::apply_retention(&app.state, now).await;
    assert_eq!(done.unwrap(), 0);
    app.t
        .db
        .set_person_retention("rhodense", Some(5))
        .await
        .unwrap();
    assert!(matches!(
        app.t.db.set_person_retention("nessuno", Some(5)).await,
        Err(presidio_db::DbError::NotFound)
    ));
    let done = presidio_app::persons::apply_retention(&app.state, now).await;
    assert_eq!(done.unwrap(), 1);
    // Again: nothing more.
    let done = presidio_app::persons::apply_retention(&app.state, now).await;
    assert_eq!(done.unwrap(), 0);
    let (_, after) = get(&mut app, &coord, stats).await;
    assert_eq!(before, after);
    // What identified the person is gone from the record and from the report; sex and age stay.
    let (s, p) = get(&mut app, &coord, &format!("/api/v1/persons/{person}")).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert!(p["name"].is_null() && p["fiscal_code"].is_null(), "{p}");
    assert!(names_of(&p).is_empty(), "{p}");
    let (_, r) = get(&mut app, &coord, &format!("/api/v1/reports/{gone}")).await;
    assert!(r["persons"][0]["name"].is_null(), "{r}");
    assert!(r["persons"][0]["fiscal_code"].is_null(), "{r}");
    assert_eq!(r["persons"][0]["sex"], "M");
    assert_eq!(r["persons"][0]["age"], 45);
    let (_, v) = get(&mut app, &desk, "/api/v1/persons?q=Rossi").await;
    assert!(v["items"].as_array().unwrap().is_empty(), "{v}");
    let (_, v) = get(&mut app, &desk, "/api/v1/persons?q=RSSMRA80A01F205X").await;
    assert!(v["items"].as_array().unwrap().is_empty(), "{v}");
    // The open case's person and the recent one are kept.
    for q in ["Verdi", "Neri"] {
        let (_, v) = get(&mut app, &desk, &format!("/api/v1/persons?q={q}")).await;
        assert_eq!(v["items"].as_array().unwrap().len(), 1, "{q} {v}");
    }
    let (_, r) = get(&mut app, &coord, &format!("/api/v1/reports/{kept}")).await;
    assert_eq!(r["persons"][0]["name"], "Luca Neri");
    let audited: Vec<_> = app
        .audited("write")
        .await
        .into_iter()
        .filter(|e| e.entry.section == "retention")
        .collect();
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].entry.record_id, person.to_string());
}
