//! The team of a case: coordinators invite users and partner organisations with a grant of
//! sections; the member accepts or declines; only running memberships open the case, and only
//! the sections granted; every refusal, on both databases.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::calendar::call;
use crate::reports_api::minimal;
use crate::support::{TestApp, Who};

/// A report in Rho with a narrative and a person; returns its id.
pub async fn emergency(app: &mut TestApp, who: &Who) -> i64 {
    let mut body = minimal();
    body["description"] = json!("Il vicino racconta di urla dall'appartamento");
    body["persons"] =
        json!([{"role": "beneficiario", "name": "Anna Verdi", "sex": "F", "age": 34}]);
    let (s, v) = call(app, Some(who), Method::POST, "/api/v1/reports", &body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

fn in_days(days: i64) -> String {
    let today = presidio_db::now().in_rome().date();
    today
        .checked_add(jiff::Span::new().days(days))
        .unwrap()
        .to_string()
}

pub async fn invite(app: &mut TestApp, who: &Who, id: i64, body: &Value) -> (StatusCode, Value) {
    call(
        app,
        Some(who),
        Method::POST,
        &format!("/api/v1/reports/{id}/team"),
        body,
    )
    .await
}

async fn answer(app: &mut TestApp, who: &Who, member: i64, body: &Value) -> (StatusCode, Value) {
    call(
        app,
        Some(who),
        Method::POST,
        &format!("/api/v1/team/{member}/answer"),
        body,
    )
    .await
}

async fn read(app: &mut TestApp, who: &Who, id: i64) -> (StatusCode, Value) {
    call(
        app,
        Some(who),
        Method::GET,
        &format!("/api/v1/reports/{id}"),
        &Value::Null,
    )
    .await
}

pub fn health(username: &str) -> Value {
    json!({"user": username, "role_in_case": "referente_sanitario",
           "sections": ["intervento", "procedure"], "until": in_days(30)})
}

/// A team member reaches no other part of the case nor the lists, and their read is audited
/// with the sections read.
async fn nothing_else_and_audited(app: &mut TestApp, partner: &Who, id: i64) {
    // The partner reaches nothing else of the case, nor the lists.
    for path in [
        format!("/api/v1/reports/{id}/procedures"),
        format!("/api/v1/reports/{id}/activations"),
        format!("/api/v1/reports/{id}/team"),
        "/api/v1/reports".to_string(),
    ] {
        let (s, _) = call(app, Some(partner), Method::GET, &path, &Value::Null).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}");
    }
    let reads = app.audited("read").await;
    assert!(
        reads.iter().any(|e| e.entry.actor == partner.username
            && e.entry.record_id == id.to_string()
            && e.entry.section == "team"
            && e.entry.reason.contains("intervento,procedure")),
        "the team member's read is audited with its sections"
    );
}

#[tokio::test]
async fn a_partner_reads_only_the_sections_granted_and_only_while_a_member() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let partner = app.sign_in("partner", &[]).await;
    let id = emergency(&mut app, &coord).await;
    let (s, _) = read(&mut app, &partner, id).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "no member: the case does not exist"
    );
    let (s, v) = invite(&mut app, &coord, id, &health(&partner.username)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["status"], "invited");
    let member = v["id"].as_i64().unwrap();
    // Invited, not yet accepted: still nothing.
    let (s, _) = read(&mut app, &partner, id).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = call(
        &mut app,
        Some(&partner),
        Method::GET,
        "/api/v1/team",
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v[0]["status"], "invited", "{v}");
    assert_eq!(v[0]["report_code"].as_str().map(str::is_empty), Some(false));
    let (s, v) = answer(&mut app, &partner, member, &json!({"accept": true})).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (s, v) = answer(&mut app, &partner, member, &json!({"accept": true})).await;
    assert_eq!(s, StatusCode::CONFLICT, "once: {v}");
    let (s, v) = read(&mut app, &partner, id).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["sections"], json!(["intervento", "procedure"]));
    assert!(v["dispatches"].is_array() && v["activations"].is_array());
    assert!(v["procedures"].is_array());
    for hidden in ["report", "persons", "triage", "handovers", "description"] {
        assert!(v[hidden].is_null(), "{hidden} must not be read: {v}");
    }
    assert!(!v.to_string().contains("urla"), "no narrative: {v}");
    assert!(!v.to_string().contains("Anna"), "no names: {v}");
    let (s, same) = call(
        &mut app,
        Some(&partner),
        Method::GET,
        &format!("/api/v1/team/cases/{id}"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(same["sections"], v["sections"]);
    nothing_else_and_audited(&mut app, &partner, id).await;
    the_person_access_page_names_the_partner(&mut app, &partner, id).await;
    // Removal ends access on the next request.
    let (s, _) = call(
        &mut app,
        Some(&coord),
        Method::DELETE,
        &format!("/api/v1/reports/{id}/team/{member}"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = read(&mut app, &partner, id).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = call(
        &mut app,
        Some(&coord),
        Method::DELETE,
        &format!("/api/v1/reports/{id}/team/{member}"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "removed already");
    let writes = app.audited("write").await;
    for what in ["invited", "accepted", "removed"] {
        assert!(
            writes
                .iter()
                .any(|e| e.entry.section == "team" && e.entry.reason.contains(what)),
            "{what} is audited"
        );
    }
    let (s, team) = call(
        &mut app,
        Some(&coord),
        Method::GET,
        &format!("/api/v1/reports/{id}/team"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(team[0]["status"], "removed", "{team}");
}

#[tokio::test]
async fn a_decline_says_why_and_goes_back_to_the_coordinators() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let partner = app.sign_in("partner", &[]).await;
    let other = app.sign_in("partner", &[]).await;
    let id = emergency(&mut app, &coord).await;
    let (_, v) = invite(&mut app, &coord, id, &health(&partner.username)).await;
    let member = v["id"].as_i64().unwrap();
    let (s, v) = answer(&mut app, &other, member, &json!({"accept": true})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "not theirs to answer: {v}");
    let (s, v) = answer(&mut app, &partner, member, &json!({"accept": false})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["error"]["fields"]["reason"].is_string(), "{v}");
    let (s, _) = answer(
        &mut app,
        &partner,
        member,
        &json!({"accept": false, "reason": "Non di competenza del pronto soccorso"}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = read(&mut app, &partner, id).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "declined: nothing opens");
    let (s, v) = call(
        &mut app,
        Some(&coord),
        Method::GET,
        "/api/v1/notifications",
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        v.to_string()
            .contains("Non di competenza del pronto soccorso"),
        "{v}"
    );
    // Declined, the member can be invited again.
    let (s, v) = invite(&mut app, &coord, id, &health(&partner.username)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

#[tokio::test]
async fn an_organisation_shares_its_grant_with_its_partners_only() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let nurse = app.sign_in_member("partner", "ASST Rhodense").await;
    let doctor = app.sign_in_member("partner", "ASST Rhodense").await;
    let desk = app.sign_in_member("segnalante", "ASST Rhodense").await;
    let cav = app.sign_in_member("partner", "CAV Filo Rosa").await;
    let id = emergency(&mut app, &coord).await;
    let ambito = app.t.db.ambito_by_code("rhodense").await.unwrap();
    let orgs = app.t.db.organisations(ambito.id).await.unwrap();
    let asst = orgs.iter().find(|o| o.name == "ASST Rhodense").unwrap().id;
    let body = json!({"organisation_id": asst, "role_in_case": "referente_sanitario",
                      "sections": ["persone"], "until": in_days(10)});
    let (s, v) = invite(&mut app, &coord, id, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let member = v["id"].as_i64().unwrap();
    let (s, _) = answer(&mut app, &cav, member, &json!({"accept": true})).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "another organisation's invitation"
    );
    let (s, _) = answer(&mut app, &doctor, member, &json!({"accept": true})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = read(&mut app, &nurse, id).await;
    assert_eq!(s, StatusCode::OK, "a colleague shares the grant");
    assert!(v.to_string().contains("Anna Verdi"), "{v}");
    assert!(v["dispatches"].is_null(), "{v}");
    let (s, v) = read(&mut app, &cav, id).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, v) = read(&mut app, &desk, id).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "staff of the organisation without the partner role: {v}"
    );
    let (s, v) = invite(&mut app, &coord, id, &body).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "one open membership: {v}"
    );
    assert!(v["error"]["fields"]["organisation_id"].is_string(), "{v}");
}

/// Moves the last day of membership `member` to `day` (as if the days had passed).
async fn last_day(app: &TestApp, member: i64, day: &str) {
    let sql = format!("UPDATE team_members SET until_day = '{day}' WHERE id = {member}");
    match &app.t.db {
        presidio_db::Db::Sqlite { write, .. } => sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(write)
            .await
            .map(drop),
        presidio_db::Db::Postgres(pool) => sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(pool)
            .await
            .map(drop),
    }
    .unwrap();
}

#[tokio::test]
async fn a_membership_ends_on_its_last_day() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let partner = app.sign_in("partner", &[]).await;
    let id = emergency(&mut app, &coord).await;
    let mut body = health(&partner.username);
    body["until"] = json!(in_days(0));
    let (s, v) = invite(&mut app, &coord, id, &body).await;
    assert_eq!(s, StatusCode::CREATED, "today is a valid last day: {v}");
    let member = v["id"].as_i64().unwrap();
    answer(&mut app, &partner, member, &json!({"accept": true})).await;
    let (s, _) = read(&mut app, &partner, id).await;
    assert_eq!(s, StatusCode::OK, "the last day still opens it");
    last_day(&app, member, &in_days(-1)).await;
    let (s, _) = read(&mut app, &partner, id).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "past the last day");
    let (s, v) = call(
        &mut app,
        Some(&coord),
        Method::GET,
        &format!("/api/v1/reports/{id}/team"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v[0]["expired"], true, "{v}");
    // A new invitation of the same member replaces the lapsed one.
    body["until"] = json!(in_days(10));
    let (s, v) = invite(&mut app, &coord, id, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (_, v) = call(
        &mut app,
        Some(&coord),
        Method::GET,
        &format!("/api/v1/reports/{id}/team"),
        &Value::Null,
    )
    .await;
    assert_eq!(v[0]["status"], "removed", "{v}");
    assert_eq!(v[1]["status"], "invited", "{v}");
}

/// Every bad field of an invitation is refused on its field, and nothing is written.
async fn bad_invitations_change_nothing(app: &mut TestApp, coord: &Who, partner: &Who, id: i64) {
    let nothing_written = app.audited("write").await.len();
    for (bad, field) in [
        (
            json!({"role_in_case": "referente_sanitario", "sections": ["intervento"],
                "until": in_days(3)}),
            "user",
        ),
        (
            json!({"user": "x\u{0}y", "role_in_case": "altro", "sections": ["intervento"],
                "until": in_days(3)}),
            "user",
        ),
        (
            json!({"user": partner.username, "organisation_id": 1, "role_in_case": "altro",
                "sections": ["intervento"], "until": in_days(3)}),
            "organisation_id",
        ),
        (
            json!({"user": partner.username, "role_in_case": "capo", "sections": ["intervento"],
                "until": in_days(3)}),
            "role_in_case",
        ),
        (
            json!({"user": partner.username, "role_in_case": "altro", "sections": [],
                "until": in_days(3)}),
            "sections",
        ),
        (
            json!({"user": partner.username, "role_in_case": "altro", "sections": ["tutto"],
                "until": in_days(3)}),
            "sections",
        ),
        (
            json!({"user": partner.username, "role_in_case": "altro", "sections": ["persone"],
                "until": "0001-01-01"}),
            "until",
        ),
        (
            json!({"user": partner.username, "role_in_case": "altro", "sections": ["persone"],
                "until": "99999-01-01"}),
            "until",
        ),
        (
            json!({"user": partner.username, "role_in_case": "altro", "sections": ["persone"],
                "until": in_days(3), "basis": "consenso"}),
            "consent",
        ),
        (
            json!({"user": partner.username, "role_in_case": "altro", "sections": ["persone"],
                "until": in_days(3), "basis": "consenso", "consent": "a\u{0}"}),
            "consent",
        ),
        (
            json!({"user": partner.username, "role_in_case": "altro", "sections": "persone",
                "until": in_days(3)}),
            "sections",
        ),
    ] {
        let (s, v) = invite(app, coord, id, &bad).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
        let said = v["error"]["fields"][field].as_str().unwrap_or_default();
        assert!(!said.is_empty() && !said.starts_with(field), "{bad}: {v}");
    }
    assert_eq!(
        app.audited("write").await.len(),
        nothing_written,
        "nothing written"
    );
}

#[tokio::test]
async fn who_may_form_a_team_and_whom_it_may_take() {
    let mut app = TestApp::new().await;
    app.add_bollatese().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let analyst = app.sign_in("analista", &[]).await;
    let partner = app.sign_in("partner", &[]).await;
    let bollate_coord = app.sign_in_in("bollatese", "coordinatore", &[]).await;
    let bollate_partner = app.sign_in_in("bollatese", "partner", &[]).await;
    let id = emergency(&mut app, &coord).await;
    let body = health(&partner.username);
    for (who, expected) in [
        (&desk, StatusCode::FORBIDDEN),
        (&analyst, StatusCode::FORBIDDEN),
        (&partner, StatusCode::FORBIDDEN),
        (&bollate_coord, StatusCode::NOT_FOUND),
    ] {
        let (s, v) = invite(&mut app, who, id, &body).await;
        assert_eq!(s, expected, "{}: {v}", who.username);
    }
    let (s, v) = invite(&mut app, &coord, id, &health(&bollate_partner.username)).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another Ambito's user: {v}"
    );
    assert!(v["error"]["fields"]["user"].is_string(), "{v}");
    let (s, v) = invite(&mut app, &coord, id, &health(&analyst.username)).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an analyst reads no case: {v}"
    );
    let (s, v) = invite(&mut app, &coord, 999_999, &body).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, v) = call(
        &mut app,
        Some(&coord),
        Method::DELETE,
        &format!("/api/v1/reports/{id}/team/999999"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    bad_invitations_change_nothing(&mut app, &coord, &partner, id).await;
}

#[tokio::test]
async fn a_protected_case_states_the_basis_of_its_sharing() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let partner = app.sign_in("partner", &[]).await;
    let mut body = minimal();
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
    let id = v["id"].as_i64().unwrap();
    let (s, v) = invite(&mut app, &coord, id, &health(&partner.username)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["error"]["fields"]["basis"].is_string(), "{v}");
    let mut with_consent = health(&partner.username);
    with_consent["basis"] = json!("consenso");
    with_consent["consent"] = json!("Consenso scritto raccolto dall'operatrice");
    let (s, v) = invite(&mut app, &coord, id, &with_consent).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no consent recorded: {v}"
    );
    assert!(v["error"]["fields"]["basis"].is_string(), "{v}");
    let mut by_law = health(&partner.username);
    by_law["basis"] = json!("obbligo_di_legge");
    let (s, v) = invite(&mut app, &coord, id, &by_law).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

#[tokio::test]
async fn parallel_answers_and_invitations_count_once() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let partner = app.sign_in("partner", &[]).await;
    let id = emergency(&mut app, &coord).await;
    let body = health(&partner.username);
    let path = format!("/api/v1/reports/{id}/team");
    let post = || crate::reports_api::post(&app, &coord, &path, &body);
    let (a, b, c, d) = tokio::join!(post(), post(), post(), post());
    let invites = [a.status, b.status, c.status, d.status];
    let made = invites
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    assert_eq!(made, 1, "{invites:?}");
    assert!(
        invites
            .iter()
            .all(|s| matches!(*s, StatusCode::CREATED | StatusCode::UNPROCESSABLE_ENTITY)),
        "{invites:?}"
    );
    let (_, team) = call(
        &mut app,
        Some(&coord),
        Method::GET,
        &format!("/api/v1/reports/{id}/team"),
        &Value::Null,
    )
    .await;
    let member = team[0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/team/{member}/answer");
    let (yes, no) = (
        json!({"accept": true}),
        json!({"accept": false, "reason": "No"}),
    );
    let post = |b| crate::reports_api::post(&app, &partner, &path, b);
    let (a, b, c, d) = tokio::join!(post(&yes), post(&no), post(&yes), post(&no));
    let answers = [a.status, b.status, c.status, d.status];
    let done = answers
        .iter()
        .filter(|s| **s == StatusCode::NO_CONTENT)
        .count();
    assert_eq!(done, 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|s| matches!(*s, StatusCode::NO_CONTENT | StatusCode::CONFLICT)),
        "{answers:?}"
    );
}

#[tokio::test]
async fn the_command_line_adds_a_partner_of_a_new_organisation_of_its_kind() {
    use std::io::Write;
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let url = app.t.url.to_string();
    let mut child = crate::cli::presidio()
        .args([
            "user",
            "add",
            "--username",
            "ps.rho",
            "--name",
            "Pronto soccorso Rho",
            "--role",
            "partner",
            "--organisation",
            "ASST Rhodense - PS Rho",
            "--organisation-kind",
            "asst",
            "--password-stdin",
            "--database",
            &url,
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{}\n", crate::support::PASSWORD).as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ambito = app.t.db.ambito_by_code("rhodense").await.unwrap();
    let orgs = app.t.db.organisations(ambito.id).await.unwrap();
    let asst = orgs
        .iter()
        .find(|o| o.name == "ASST Rhodense - PS Rho")
        .unwrap();
    assert_eq!(asst.kind, "asst");
    let id = emergency(&mut app, &coord).await;
    let (s, v) = invite(&mut app, &coord, id, &health("ps.rho")).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let partner = app
        .log_in("ps.rho", crate::support::PASSWORD)
        .await
        .unwrap();
    let (s, v) = answer(
        &mut app,
        &partner,
        v["id"].as_i64().unwrap(),
        &json!({"accept": true}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (s, _) = read(&mut app, &partner, id).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn the_pages_invite_answer_and_show_only_the_sections_granted() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let partner = app.sign_in("partner", &[]).await;
    let id = emergency(&mut app, &coord).await;
    let page = app.get_as(&coord, &format!("/segnalazioni/{id}")).await;
    assert!(
        page.text().contains("Invita nell&#39;équipe")
            || page.text().contains("Invita nell'équipe")
    );
    let until = in_days(5);
    let r = app
        .post_form_as(
            &coord,
            &format!("/segnalazioni/{id}/equipe"),
            &[
                ("user", &partner.username),
                ("role_in_case", "referente_sanitario"),
                ("sections", "intervento"),
                ("sections", "procedure"),
                ("until", &until),
            ],
            Some(&coord.csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    refused_invite_comes_back_as_typed(&mut app, &coord, &partner, id).await;
    let home = app.get_as(&partner, "/").await;
    assert!(
        home.text().contains("Inviti da accettare"),
        "a partner's home"
    );
    let (_, mine) = call(
        &mut app,
        Some(&partner),
        Method::GET,
        "/api/v1/team",
        &Value::Null,
    )
    .await;
    let member = mine[0]["id"].as_i64().unwrap();
    let path = format!("/equipe/{member}/risposta");
    let r = app
        .post_form_as(
            &partner,
            &path,
            &[("answer", "decline")],
            Some(&partner.csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Motivo"), "{}", r.text());
    let r = app
        .post_form_as(
            &partner,
            &path,
            &[("answer", "accept")],
            Some(&partner.csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let case = app.get_as(&partner, &format!("/equipe/casi/{id}")).await;
    assert_eq!(case.status, StatusCode::OK);
    let text = case.text();
    assert!(text.contains("Intervento e risorse attivate"), "{text}");
    assert!(text.contains("Procedure speciali"));
    assert!(
        !text.contains("urla") && !text.contains("Anna Verdi"),
        "{text}"
    );
    let r = app.get_as(&partner, &format!("/segnalazioni/{id}")).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "the Centrale's page is not theirs"
    );
    let page = app.get_as(&coord, &format!("/segnalazioni/{id}")).await;
    assert!(page.text().contains("Nell&#39;équipe") || page.text().contains("Nell'équipe"));
}

/// "Who has seen this person's record" lists the partner's read, with the team's section and
/// the sections read, on the API and on the page.
async fn the_person_access_page_names_the_partner(app: &mut TestApp, partner: &Who, id: i64) {
    let admin = app.sign_in("admin", &[]).await;
    let (s, v) = call(
        app,
        Some(&admin),
        Method::GET,
        "/api/v1/audit/person?name=Anna%20Verdi",
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let record = id.to_string();
    assert!(
        v["accesses"].as_array().unwrap().iter().any(|a| {
            a["actor"] == partner.username.as_str()
                && a["action"] == "read"
                && a["section"] == "team"
                && a["record_id"] == record.as_str()
                && a["reason"]
                    .as_str()
                    .is_some_and(|r| r.contains("intervento"))
        }),
        "{v}"
    );
    let html = app
        .get_as(&admin, "/amministrazione/accessi-persona?name=Anna%20Verdi")
        .await
        .text();
    assert!(
        html.contains(&partner.username)
            && html.contains("équipe del caso")
            && html.contains("sezioni lette: Intervento e risorse attivate, Procedure speciali"),
        "{html}"
    );
}

/// A refused invitation shows the report page again with the form as typed.
async fn refused_invite_comes_back_as_typed(
    app: &mut TestApp,
    coord: &Who,
    partner: &Who,
    id: i64,
) {
    let r = app
        .post_form_as(
            coord,
            &format!("/segnalazioni/{id}/equipe"),
            &[
                ("user", &partner.username),
                ("role_in_case", "mediatore"),
                ("sections", "procedure"),
                ("until", "0001-01-01"),
                ("consent", "Consenso orale del 3 dicembre"),
            ],
            Some(&coord.csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text();
    assert!(text.contains("Fino al giorno"), "the field as labelled");
    // The form comes back as typed.
    for kept in [
        format!("value=\"{}\"", partner.username),
        "value=\"mediatore\" selected".to_owned(),
        "id=\"sections-procedure\" checked".to_owned(),
        "value=\"0001-01-01\"".to_owned(),
        "value=\"Consenso orale del 3 dicembre\"".to_owned(),
    ] {
        assert!(text.contains(&kept), "{kept} in {text}");
    }
    assert!(!text.contains("id=\"sections-intervento\" checked"));
}

#[tokio::test]
async fn the_persons_record_names_the_network_that_follows_them_across_cases() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let partner = app.sign_in("partner", &[]).await;
    let removed = app.sign_in("partner", &[]).await;
    let id = emergency(&mut app, &coord).await;
    let (_, v) = call(
        &mut app,
        Some(&coord),
        Method::GET,
        &format!("/api/v1/reports/{id}"),
        &Value::Null,
    )
    .await;
    let person = v["persons"][0]["person_id"].as_i64().expect("a person");
    let page = format!("/persone/{person}");
    let before = app.get_as(&coord, &page).await.text();
    assert!(before.contains("Nessun ente della rete"), "{before}");
    let (s, _) = invite(&mut app, &coord, id, &health(&partner.username)).await;
    assert_eq!(s, StatusCode::CREATED);
    let mut mediator = health(&removed.username);
    mediator["role_in_case"] = json!("mediatore");
    let (_, v) = invite(&mut app, &coord, id, &mediator).await;
    let gone = v["id"].as_i64().unwrap();
    let (s, _) = call(
        &mut app,
        Some(&coord),
        Method::DELETE,
        &format!("/api/v1/reports/{id}/team/{gone}"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let html = app.get_as(&coord, &page).await.text();
    let network = &html[html.find("id=\"rete\"").expect("the network section")..];
    let network = &network[..network.find("<h2").unwrap()];
    assert!(network.contains("Referente sanitario"), "{network}");
    assert!(
        network.contains(&format!("/segnalazioni/{id}#equipe")),
        "{network}"
    );
    assert!(!network.contains("Mediatore"), "removed: {network}");
    // The partner does not reach the person's record through the team.
    let r = app.get_as(&partner, &page).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_invited_and_the_owner_of_a_task_are_told_by_e_mail_with_a_link_only() {
    let (mut app, got) = crate::interventions::app_with_mail().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let partner = app.sign_in("partner", &[]).await;
    let quiet = app.sign_in("partner", &[]).await;
    let r = app
        .post_form_as(
            &partner,
            "/profilo/avvisi",
            &[("alert_email", "ps@asst-rhodense.it")],
            None,
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.status);
    let id = emergency(&mut app, &coord).await;
    let (s, v) = invite(&mut app, &coord, id, &health(&partner.username)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let member = v["id"].as_i64().unwrap();
    let (s, _) = invite(&mut app, &coord, id, &health(&quiet.username)).await;
    assert_eq!(
        s,
        StatusCode::CREATED,
        "no address: nothing to send, nothing refused"
    );
    let mail = crate::interventions::mails(&got, 1).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert!(mail[0].contains("ps@asst-rhodense.it") && mail[0].contains("/equipe"));
    assert!(
        !mail[0].contains("Anna") && !mail[0].contains("urla"),
        "{mail:?}"
    );
    let (s, _) = answer(&mut app, &partner, member, &json!({"accept": true})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let plan = json!({"at": format!("{}T10:00", in_days(2)), "place": "Sala",
                      "participants": [member]});
    let path = format!("/api/v1/reports/{id}/conferences");
    let (s, v) = call(&mut app, Some(&coord), Method::POST, &path, &plan).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let minutes = json!({"text": "Deciso un accompagnamento",
        "decisions": [{"task": "Accompagnare Anna in ospedale", "owner_member_id": member,
                       "due": in_days(5)}]});
    let path = format!("/api/v1/conferences/{}/minutes", v["id"]);
    let (s, v) = call(&mut app, Some(&coord), Method::POST, &path, &minutes).await;
    assert!(s.is_success(), "{s} {v}");
    let mail = crate::interventions::mails(&got, 2).await;
    assert_eq!(mail.len(), 2, "{mail:?}");
    assert!(mail[1].contains("compiti"), "{mail:?}");
    assert!(
        !mail[1].contains("Anna"),
        "no task title, no name: {mail:?}"
    );
}
