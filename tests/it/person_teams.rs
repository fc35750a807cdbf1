//! The team that follows a person across their reports: formed from the person's record, it
//! opens the granted sections of every report naming the person (the later ones too) while it
//! runs, and nothing else; on both databases.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::calendar::call;
use crate::conferences::call_shared;
use crate::reports_api::minimal;
use crate::support::{TestApp, Who};

fn in_days(days: i64) -> String {
    let today = presidio_db::now().in_rome().date();
    today
        .checked_add(jiff::Span::new().days(days))
        .unwrap()
        .to_string()
}

/// A report in Rho naming Anna Verdi (a new record, or `person`); returns the report's id and
/// the person record's.
async fn report_of(app: &mut TestApp, who: &Who, person: Option<i64>) -> (i64, i64) {
    let mut body = minimal();
    body["description"] = json!("Il vicino racconta di urla dall'appartamento");
    let mut anna = json!({"role": "beneficiario", "name": "Anna Verdi", "sex": "F", "age": 34});
    if let Some(p) = person {
        anna["person_id"] = json!(p);
    }
    body["persons"] = json!([anna]);
    let (s, v) = call(app, Some(who), Method::POST, "/api/v1/reports", &body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (_, v) = call(
        app,
        Some(who),
        Method::GET,
        &format!("/api/v1/reports/{id}"),
        &Value::Null,
    )
    .await;
    (id, v["persons"][0]["person_id"].as_i64().expect("a person"))
}

fn grant(username: &str) -> Value {
    json!({"user": username, "role_in_case": "referente_cav",
           "sections": ["persone", "intervento"], "until": in_days(30),
           "basis": "compito_pubblico"})
}

async fn invite(app: &mut TestApp, who: &Who, person: i64, body: &Value) -> (StatusCode, Value) {
    call(
        app,
        Some(who),
        Method::POST,
        &format!("/api/v1/persons/{person}/team"),
        body,
    )
    .await
}

async fn get(app: &mut TestApp, who: &Who, path: &str) -> (StatusCode, Value) {
    call(app, Some(who), Method::GET, path, &Value::Null).await
}

/// The only field a refusal names.
fn field_of(v: &Value) -> &str {
    let fields = v["error"]["fields"].as_object().expect("fields named");
    assert_eq!(fields.len(), 1, "{v}");
    fields.keys().next().unwrap()
}

/// What a person's team may not be: bad input names its field and writes nothing.
async fn refusals(app: &mut TestApp, coord: &Who, partner: &Who, person: i64) {
    for (change, field) in [
        (json!({"basis": ""}), "basis"),
        (json!({"until": "0001-01-01"}), "until"),
        (json!({"until": "9999-12-31"}), "until"),
        (json!({"sections": ["segreto"]}), "sections"),
        (
            json!({"basis": "consenso", "consent": "orale\u{0}"}),
            "consent",
        ),
        (
            json!({"basis": "consenso", "consent": "Orale, 3 dicembre"}),
            "basis",
        ),
        (json!({"user": "nessuno"}), "user"),
    ] {
        let mut body = grant(&partner.username);
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, v) = invite(app, coord, person, &body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{change}: {v}");
        assert_eq!(field_of(&v), field, "{change}: {v}");
    }
    let (_, v) = get(app, coord, &format!("/api/v1/persons/{person}/team")).await;
    assert_eq!(v, json!([]), "nothing written");
}

#[tokio::test]
async fn a_persons_team_opens_every_report_of_the_person_while_it_runs() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let partner = app.sign_in("partner", &[]).await;
    let (first, person) = report_of(&mut app, &coord, None).await;
    let (other, _) = report_of(&mut app, &coord, None).await;
    refusals(&mut app, &coord, &partner, person).await;
    // Two coordinators' clicks at once: one invitation.
    let path = format!("/api/v1/persons/{person}/team");
    let body = grant(&partner.username);
    let (a, b) = tokio::join!(
        call_shared(&app, &coord, &path, &body),
        call_shared(&app, &coord, &path, &body)
    );
    let mut got = [a, b];
    got.sort();
    assert_eq!(got, [StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY]);
    let (_, team) = get(&mut app, &coord, &path).await;
    assert_eq!(team.as_array().unwrap().len(), 1, "{team}");
    assert_eq!(team[0]["person_id"], person);
    assert_eq!(team[0]["report_id"], Value::Null);
    let member = team[0]["id"].as_i64().unwrap();
    // Invited, not yet accepted: nothing opens.
    let followed = format!("/api/v1/team/{member}/person");
    let (s, _) = get(&mut app, &partner, &followed).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = get(&mut app, &partner, &format!("/api/v1/team/cases/{first}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = call(
        &mut app,
        Some(&partner),
        Method::POST,
        &format!("/api/v1/team/{member}/answer"),
        &json!({"accept": true}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    // Accepted: the sections granted of this report and of one recorded later.
    let (s, v) = get(&mut app, &partner, &format!("/api/v1/team/cases/{first}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["sections"], json!(["persone", "intervento"]));
    assert_eq!(v["report"], Value::Null, "not the reporter's narrative");
    let (later, same) = report_of(&mut app, &coord, Some(person)).await;
    assert_eq!(same, person);
    let (s, _) = get(&mut app, &partner, &format!("/api/v1/team/cases/{later}")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = get(&mut app, &partner, &format!("/api/v1/team/cases/{other}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another person's report");
    let (s, v) = get(&mut app, &partner, &followed).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["name"], "Anna Verdi");
    let cases: Vec<i64> = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(cases, [later, first], "newest first");
    // The member's pages.
    let list = app.get_as(&partner, "/equipe").await.text();
    assert!(
        list.contains(&format!("/equipe/persone/{member}")) && list.contains("persona n."),
        "{list}"
    );
    let page = app
        .get_as(&partner, &format!("/equipe/persone/{member}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let page = page.text();
    assert!(page.contains("Anna Verdi") && page.contains(&format!("/equipe/casi/{later}")));
    // Every step is audited on the person.
    let audited = app.audited("read").await;
    assert!(audited.iter().any(|e| e.entry.record_type == "person"
        && e.entry.record_id == person.to_string()
        && e.entry.section == "team"
        && e.entry.actor == partner.username));
    let writes = app.audited("write").await;
    let on_team = writes
        .iter()
        .filter(|e| e.entry.record_type == "person" && e.entry.section == "team")
        .count();
    assert_eq!(on_team, 2, "invited and accepted");
    removal_ends_it(
        &mut app,
        &coord,
        &partner,
        (person, member),
        &[first, later],
    )
    .await;
}

/// Removal ends the membership `(person, member)` on the next request, once.
async fn removal_ends_it(
    app: &mut TestApp,
    coord: &Who,
    partner: &Who,
    (person, member): (i64, i64),
    reports: &[i64],
) {
    // Removal ends it on the next request.
    let (s, _) = call(
        app,
        Some(coord),
        Method::DELETE,
        &format!("/api/v1/persons/{person}/team/{member}"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let mut paths = vec![format!("/api/v1/team/{member}/person")];
    paths.extend(reports.iter().map(|r| format!("/api/v1/team/cases/{r}")));
    for path in paths {
        let (s, _) = get(app, partner, &path).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
    }
    let (s, _) = call(
        app,
        Some(coord),
        Method::DELETE,
        &format!("/api/v1/persons/{person}/team/{member}"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "removed once");
}

#[tokio::test]
async fn without_the_section_persone_the_member_does_not_learn_the_name() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let partner = app.sign_in("partner", &[]).await;
    let (first, person) = report_of(&mut app, &coord, None).await;
    let mut body = grant(&partner.username);
    body["sections"] = json!(["intervento"]);
    let (s, v) = invite(&mut app, &coord, person, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let member = v["id"].as_i64().unwrap();
    let (s, _) = call(
        &mut app,
        Some(&partner),
        Method::POST,
        &format!("/api/v1/team/{member}/answer"),
        &json!({"accept": true}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = get(&mut app, &partner, &format!("/api/v1/team/{member}/person")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (v["name"].clone(), v["safety_notes"].clone()),
        (Value::Null, Value::Null)
    );
    let (_, v) = get(&mut app, &partner, &format!("/api/v1/team/cases/{first}")).await;
    assert_eq!(v["persons"], Value::Null, "{v}");
    let page = app
        .get_as(&partner, &format!("/equipe/persone/{member}"))
        .await
        .text();
    assert!(!page.contains("Anna Verdi"), "{page}");
    // Someone else's membership is not theirs to read.
    let stranger = app.sign_in("partner", &[]).await;
    let (s, _) = get(
        &mut app,
        &stranger,
        &format!("/api/v1/team/{member}/person"),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_consent_must_stand_in_the_persons_record() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let partner = app.sign_in("partner", &[]).await;
    let (report, person) = report_of(&mut app, &coord, None).await;
    let mut body = grant(&partner.username);
    body["basis"] = json!("consenso");
    body["consent"] = json!("Orale, alla presenza dell'operatrice");
    let on_report = format!("/api/v1/reports/{report}/team");
    let (s, v) = call(&mut app, Some(&coord), Method::POST, &on_report, &body).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a report's team too: {v}"
    );
    assert_eq!(field_of(&v), "basis");
    let (s, v) = invite(&mut app, &coord, person, &body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_of(&v), "basis");
    assert!(
        v["error"]["fields"]["basis"]
            .as_str()
            .is_some_and(|m| m.contains("non risulta un consenso valido")),
        "{v}"
    );
    let today = presidio_db::now().in_rome().date().to_string();
    let privacy = format!("/api/v1/persons/{person}/privacy");
    let consent = json!({"kind": "consenso", "on": today, "how": "orale",
        "purpose": "Condivisione con il CAV", "recipient": "CAV di Rho"});
    let (s, v) = call(&mut app, Some(&coord), Method::POST, &privacy, &consent).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = invite(&mut app, &coord, person, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = call(&mut app, Some(&coord), Method::POST, &on_report, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // Withdrawn: the next sharing on consent is refused.
    let mut withdrawn = consent.clone();
    withdrawn["kind"] = json!("revoca_consenso");
    let (s, _) = call(&mut app, Some(&coord), Method::POST, &privacy, &withdrawn).await;
    assert_eq!(s, StatusCode::CREATED);
    let other = app.sign_in("partner", &[]).await;
    let mut body = body.clone();
    body["user"] = json!(other.username);
    let (s, v) = invite(&mut app, &coord, person, &body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
}

#[tokio::test]
async fn another_ambito_and_other_roles_do_not_form_a_persons_team() {
    let mut app = TestApp::new().await;
    app.add_bollatese().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let partner = app.sign_in("partner", &[]).await;
    let theirs = app.sign_in_in("bollatese", "coordinatore", &[]).await;
    let (_, person) = report_of(&mut app, &coord, None).await;
    let (s, _) = invite(&mut app, &theirs, person, &grant(&partner.username)).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another Ambito's coordinator");
    let (s, _) = get(&mut app, &theirs, &format!("/api/v1/persons/{person}/team")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    for who in [&desk, &partner] {
        let (s, _) = invite(&mut app, who, person, &grant(&partner.username)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{}", who.username);
    }
    let (s, _) = invite(&mut app, &coord, 999_999, &grant(&partner.username)).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "no such person");
    // Another Ambito's partner cannot be invited.
    let far = app.sign_in_in("bollatese", "partner", &[]).await;
    let (s, v) = invite(&mut app, &coord, person, &grant(&far.username)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_of(&v), "user");
}

#[tokio::test]
async fn the_persons_page_forms_the_team_by_keyboard_and_keeps_a_refused_form() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let partner = app.sign_in("partner", &[]).await;
    let (_, person) = report_of(&mut app, &coord, None).await;
    let page = format!("/persone/{person}");
    let html = app.get_as(&coord, &page).await.text();
    assert!(
        html.contains("Équipe della persona")
            && html.contains(&format!("action=\"/persone/{person}/equipe\""))
    );
    let desk_view = app.get_as(&desk, &page).await.text();
    assert!(
        !desk_view.contains("Équipe della persona"),
        "only who forms teams"
    );
    let form = format!("/persone/{person}/equipe");
    let r = app
        .post_form_as(
            &coord,
            &form,
            &[
                ("user", &partner.username),
                ("role_in_case", "referente_cav"),
                ("sections", "intervento"),
                ("until", &in_days(10)),
            ],
            Some(&coord.csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text();
    assert!(text.contains("Base giuridica"), "the field as labelled");
    assert!(
        text.contains("value=\"referente_cav\" selected")
            && text.contains("id=\"sections-intervento\" checked")
    );
    let r = app
        .post_form_as(
            &coord,
            &form,
            &[
                ("user", &partner.username),
                ("role_in_case", "referente_cav"),
                ("sections", "intervento"),
                ("until", &in_days(10)),
                ("basis", "compito_pubblico"),
            ],
            Some(&coord.csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let html = app.get_as(&coord, &page).await.text();
    let (_, team) = get(&mut app, &coord, &format!("/api/v1/persons/{person}/team")).await;
    let member = team[0]["id"].as_i64().unwrap();
    let remove = format!("/persone/{person}/equipe/{member}/rimuovi");
    assert!(html.contains(&remove), "{html}");
    let r = app
        .post_form_as(&coord, &remove, &[], Some(&coord.csrf))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (_, team) = get(&mut app, &coord, &format!("/api/v1/persons/{person}/team")).await;
    assert_eq!(team[0]["status"], "removed");
}
