//! Case conferences and shared tasks: coordinators plan a conference of the team and record
//! its minutes, whose decisions become tasks of members; only running members take part and
//! own tasks; the owner moves a task on its version; an overdue task is escalated once. Then
//! the outcomes after a handover: asked at the Ambito's intervals, answered once by the
//! receiving service, chased, and counted in *Efficacia*. On both databases.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::access::raw_with;
use crate::calendar::call;
use crate::reports_api::minimal;
use crate::support::{TestApp, Who};

fn in_days(days: i64) -> String {
    let today = presidio_db::now().in_rome().date();
    today
        .checked_add(jiff::Span::new().days(days))
        .unwrap()
        .to_string()
}

async fn go(
    app: &mut TestApp,
    who: &Who,
    method: Method,
    path: &str,
    body: &Value,
) -> (StatusCode, Value) {
    call(app, Some(who), method, path, body).await
}

/// A report of `desk` with a team: `accepted` joins (accepting), `invited` is only invited.
/// Returns (report, accepted's membership, invited's membership).
async fn case_with_team(
    app: &mut TestApp,
    coord: &Who,
    accepted: &Who,
    invited: &Who,
) -> (i64, i64, i64) {
    let (s, v) = go(app, coord, Method::POST, "/api/v1/reports", &minimal()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let mut members = Vec::new();
    for who in [accepted, invited] {
        let body = json!({"user": who.username, "role_in_case": "referente_sanitario",
            "sections": ["intervento"], "until": in_days(60)});
        let path = format!("/api/v1/reports/{id}/team");
        let (s, v) = go(app, coord, Method::POST, &path, &body).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        members.push(v["id"].as_i64().unwrap());
    }
    let path = format!("/api/v1/team/{}/answer", members[0]);
    let (s, v) = go(app, accepted, Method::POST, &path, &json!({"accept": true})).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    (id, members[0], members[1])
}

/// Plans a conference: bad input and non-members refused field by field, nothing written.
async fn plan(app: &mut TestApp, coord: &Who, id: i64, member: i64, invited: i64) -> i64 {
    let path = format!("/api/v1/reports/{id}/conferences");
    let nul = json!({"at": "2026-12-10T10:00", "place": "\u{0}", "participants": [member]});
    let (s, v) = go(app, coord, Method::POST, &path, &nul).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"]["fields"]["place"].is_string(), "{v}");
    let bad = json!({"at": "0001-01-01T00:00", "place": " ", "participants": []});
    let (s, v) = go(app, coord, Method::POST, &path, &bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let fields = &v["error"]["fields"];
    assert!(
        fields["at"]
            .as_str()
            .is_some_and(|m| m.starts_with("Data e ora")),
        "{v}"
    );
    assert!(
        fields["place"].is_string() && fields["participants"].is_string(),
        "{v}"
    );
    let at = format!("{}T15:30", in_days(7));
    let not_yet = json!({"at": at, "place": "Sala", "participants": [member, invited]});
    let (s, v) = go(app, coord, Method::POST, &path, &not_yet).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["error"]["fields"]["participants"]
            .as_str()
            .unwrap()
            .contains("non fa parte dell'équipe"),
        "{v}"
    );
    let (_, list) = go(app, coord, Method::GET, &path, &Value::Null).await;
    assert_eq!(list.as_array().unwrap().len(), 0, "nothing written: {list}");
    let good = json!({"at": at, "place": "Sala riunioni, via Cadorna 2, Rho",
        "agenda": "Dimissioni dal pronto soccorso", "participants": [member]});
    let (s, v) = go(app, coord, Method::POST, &path, &good).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let conference = v["id"].as_i64().unwrap();
    let (_, list) = go(app, coord, Method::GET, &path, &Value::Null).await;
    assert_eq!(list[0]["place"], "Sala riunioni, via Cadorna 2, Rho");
    assert!(
        list[0]["at"].as_str().unwrap().ends_with(":30:00Z"),
        "{list}"
    );
    conference
}

/// Records the minutes: a non-member owner refuses the whole; then once only.
async fn minutes(
    app: &mut TestApp,
    coord: &Who,
    conference: i64,
    member: i64,
    invited: i64,
) -> i64 {
    let path = format!("/api/v1/conferences/{conference}/minutes");
    let decision = |owner: i64, due: &str| json!({"task": "Visita di controllo", "owner_member_id": owner, "due": due});
    let bad = json!({"text": "Verbale", "decisions": [decision(member, &in_days(7)), decision(invited, &in_days(7)), decision(member, "1-01-01")]});
    let (s, v) = go(app, coord, Method::POST, &path, &bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"]["fields"]["decisions[2].due"].is_string(), "{v}");
    let half = json!({"text": "Verbale", "decisions": [decision(member, &in_days(7)), decision(invited, &in_days(7))]});
    let (s, v) = go(app, coord, Method::POST, &path, &half).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let field = &v["error"]["fields"]["decisions[1].owner_member_id"];
    assert!(
        field
            .as_str()
            .unwrap()
            .starts_with("Decisione 2 · Incaricato"),
        "{v}"
    );
    let good =
        json!({"text": "Si concorda la visita", "decisions": [decision(member, &in_days(7))]});
    let (s, v) = go(app, coord, Method::POST, &path, &good).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        v["tasks"].as_array().unwrap().len(),
        1,
        "no half write before: {v}"
    );
    let (s, v) = go(app, coord, Method::POST, &path, &good).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (_, c) = go(
        app,
        coord,
        Method::GET,
        &format!("/api/v1/conferences/{conference}"),
        &Value::Null,
    )
    .await;
    assert_eq!(c["tasks"].as_array().unwrap().len(), 1, "{c}");
    c["tasks"][0]["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_conference_makes_tasks_that_their_owner_moves_while_a_member() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let nurse = app.sign_in_member("partner", "ASST Rhodense").await;
    let cav = app.sign_in_member("partner", "CAV Filo Rosa").await;
    let (id, member, invited) = case_with_team(&mut app, &coord, &nurse, &cav).await;
    let conference = plan(&mut app, &coord, id, member, invited).await;
    // A participant reads it; the one only invited does not; nor may a partner plan one.
    let path = format!("/api/v1/conferences/{conference}");
    let (s, conf) = go(&mut app, &nurse, Method::GET, &path, &Value::Null).await;
    assert_eq!(
        (s, conf["participants"].clone()),
        (StatusCode::OK, json!([member])),
        "{conf}"
    );
    let (s, _) = go(&mut app, &cav, Method::GET, &path, &Value::Null).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let planning = format!("/api/v1/reports/{id}/conferences");
    let (s, _) = go(&mut app, &nurse, Method::POST, &planning, &json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let task = minutes(&mut app, &coord, conference, member, invited).await;
    owner_moves(&mut app, [&nurse, &coord, &cav], task).await;
    ends_and_escalates(&mut app, &coord, &nurse, [id, member, conference, task]).await;
}

/// The owner sees the task and moves it on its version; bad status, a non-member and a stale
/// version refused; of two parallel moves on one version, one wins.
async fn owner_moves(app: &mut TestApp, people: [&Who; 3], task: i64) {
    let [nurse, coord, cav] = people;
    let (_, mine) = go(
        app,
        nurse,
        Method::GET,
        "/api/v1/tasks?mine=true",
        &Value::Null,
    )
    .await;
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(
        (mine[0]["id"].as_i64(), mine[0]["movable"].as_bool()),
        (Some(task), Some(true))
    );
    let (_, theirs) = go(app, cav, Method::GET, "/api/v1/tasks", &Value::Null).await;
    assert_eq!(theirs, json!([]));
    let moving = format!("/api/v1/tasks/{task}");
    let (s, v) = go(
        app,
        nurse,
        Method::POST,
        &moving,
        &json!({"status": "boh", "version": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, _) = go(
        app,
        cav,
        Method::POST,
        &moving,
        &json!({"status": "done", "version": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let body = json!({"status": "in_progress", "version": 1});
    let (a, b) = tokio::join!(
        call_shared(app, nurse, &moving, &body),
        call_shared(app, coord, &moving, &body)
    );
    let mut answers = [a, b];
    answers.sort();
    assert_eq!(
        answers,
        [StatusCode::NO_CONTENT, StatusCode::CONFLICT],
        "one of two parallel moves"
    );
}

/// Removal ends the member's tasks and conference on the next request; the coordinator still
/// follows the task, and past the grace it is escalated once.
async fn ends_and_escalates(app: &mut TestApp, coord: &Who, nurse: &Who, ids: [i64; 4]) {
    let [id, member, conference, task] = ids;
    let path = format!("/api/v1/conferences/{conference}");
    let moving = format!("/api/v1/tasks/{task}");
    // Removal ends it all on the next request.
    let (s, _) = go(
        app,
        coord,
        Method::DELETE,
        &format!("/api/v1/reports/{id}/team/{member}"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, mine) = go(
        app,
        nurse,
        Method::GET,
        "/api/v1/tasks?mine=true",
        &Value::Null,
    )
    .await;
    assert_eq!(mine, json!([]));
    let (s, _) = go(app, nurse, Method::GET, &path, &Value::Null).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = go(
        app,
        nurse,
        Method::POST,
        &moving,
        &json!({"status": "done", "version": 2}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The coordinator still follows it; overdue past the grace, it is escalated once.
    raw_with(
        app,
        "UPDATE tasks SET due_day = $1 WHERE id = $2",
        &[&in_days(-4)],
        &[task],
    )
    .await;
    let (_, all) = go(app, coord, Method::GET, "/api/v1/tasks", &Value::Null).await;
    assert_eq!(all[0]["overdue"], true, "{all}");
    let now = presidio_db::now();
    assert_eq!(
        presidio_app::conferences::escalate(&app.state, now, 3)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        presidio_app::conferences::escalate(&app.state, now, 3)
            .await
            .unwrap(),
        0
    );
    let (_, notes) = go(
        app,
        coord,
        Method::GET,
        "/api/v1/notifications",
        &Value::Null,
    )
    .await;
    assert!(notes.to_string().contains("task_overdue"), "{notes}");
    assert!(app.t.db.audit_verify().await.unwrap().is_ok());
}

/// A POST of `body` to `path` by `who`, through a shared app (for requests in parallel).
pub(crate) async fn call_shared(app: &TestApp, who: &Who, path: &str, body: &Value) -> StatusCode {
    let request = axum::http::Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("authorization", format!("Bearer {}", who.token))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    app.request(request).await.status
}

/// A report in Rho handed over and taken in charge by `rho`; returns the report's id.
async fn taken_in_charge(app: &mut TestApp, desk: &Who, rho: &Who) -> i64 {
    let (s, v) = go(app, desk, Method::POST, "/api/v1/reports", &minimal()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let triage = json!({"outcome": "urgenza", "rationale": "Serve il servizio sociale"});
    let (s, v) = go(
        app,
        desk,
        Method::POST,
        &format!("/api/v1/reports/{id}/triage"),
        &triage,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, h) = go(
        app,
        desk,
        Method::POST,
        &format!("/api/v1/reports/{id}/handover"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{h}");
    let mut h = h;
    for outcome in ["acknowledged", "taken_in_charge"] {
        let path = format!("/api/v1/handovers/{}/answer", h["id"]);
        let body = json!({"outcome": outcome, "reason": "", "version": h["version"]});
        let (s, next) = go(app, rho, Method::POST, &path, &body).await;
        assert_eq!(s, StatusCode::OK, "{next}");
        h = next;
    }
    id
}

#[tokio::test]
async fn the_service_tells_the_outcome_once_and_efficacy_counts_it() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let rho = app.sign_in("servizio_sociale", &["015182"]).await;
    let arese = app.sign_in("servizio_sociale", &["015009"]).await;
    let analyst = app.sign_in("analista", &[]).await;
    let id = taken_in_charge(&mut app, &desk, &rho).await;
    // Two requests, at 30 and 90 days; none due yet.
    let (_, all) = go(
        &mut app,
        &coord,
        Method::GET,
        "/api/v1/follow-ups",
        &Value::Null,
    )
    .await;
    assert_eq!(all, json!([]), "not asked before their day");
    fall_due(&app, id, -1, Some(30)).await;
    let pending = pending_for(&mut app, &rho).await;
    assert_eq!(pending.as_array().unwrap().len(), 1, "{pending}");
    assert_eq!(
        (
            pending[0]["days"].as_i64(),
            pending[0]["report_id"].as_i64()
        ),
        (Some(30), Some(id))
    );
    let request = pending[0]["id"].as_i64().unwrap();
    let theirs = pending_for(&mut app, &arese).await;
    assert_eq!(
        theirs,
        json!([]),
        "another municipality's service sees nothing"
    );
    refusals(&mut app, &rho, &arese, request).await;
    let path = format!("/api/v1/follow-ups/{request}");
    let good = json!({"outcome": "in_carico", "rating": 4, "note": "Inserito in progetto"});
    let (a, b) = tokio::join!(
        call_shared(&app, &rho, &path, &good),
        call_shared(&app, &rho, &path, &good)
    );
    let mut answers = [a, b];
    answers.sort();
    assert_eq!(
        answers,
        [StatusCode::NO_CONTENT, StatusCode::CONFLICT],
        "answered once"
    );
    let pending = pending_for(&mut app, &rho).await;
    assert_eq!(pending, json!([]));
    efficacy_counts(&mut app, &coord, &analyst).await;
}

/// Another service, bad input and a request not asked yet are refused.
async fn refusals(app: &mut TestApp, rho: &Who, arese: &Who, request: i64) {
    let path = format!("/api/v1/follow-ups/{request}");
    let (s, _) = go(
        app,
        arese,
        Method::POST,
        &path,
        &json!({"outcome": "in_carico"}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let bad = json!({"outcome": "boh", "rating": 6, "note": "x".repeat(1001)});
    let (s, v) = go(app, rho, Method::POST, &path, &bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let fields = &v["error"]["fields"];
    assert!(
        fields["rating"]
            .as_str()
            .unwrap()
            .starts_with("Adeguatezza"),
        "{v}"
    );
    assert!(
        fields["outcome"].is_string() && fields["note"].is_string(),
        "{v}"
    );
    // The 90-day request (made with it) is not asked yet: refused.
    let later = format!("/api/v1/follow-ups/{}", request + 1);
    let (s, v) = go(
        app,
        rho,
        Method::POST,
        &later,
        &json!({"outcome": "in_carico"}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (_, everything) = go(app, rho, Method::GET, "/api/v1/follow-ups", &Value::Null).await;
    assert_eq!(everything.as_array().unwrap().len(), 1, "{everything}");
}

/// Efficacia counts the answer; the analyst sees its small counts hidden.
async fn efficacy_counts(app: &mut TestApp, coord: &Who, analyst: &Who) {
    let year = presidio_db::now().in_rome().date().year();
    let period = format!("/api/v1/stats/dashboard?from={year}-01-01&to={year}-12-31");
    let (s, d) = go(app, coord, Method::GET, &period, &Value::Null).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let e = &d["efficacy"];
    assert_eq!(
        (e["handovers"].as_i64(), e["taken_in_charge"].as_i64()),
        (Some(1), Some(1)),
        "{e}"
    );
    assert_eq!(e["intervals"][0]["days"], 30, "{e}");
    assert_eq!(e["intervals"][0]["outcomes"]["in_carico"], 1, "{e}");
    assert_eq!(e["average_rating"].as_f64(), Some(4.0), "{e}");
    let (_, d) = go(app, analyst, Method::GET, &period, &Value::Null).await;
    assert_eq!(
        d["efficacy"]["intervals"][0]["outcomes"]["in_carico"], "<5",
        "{d}"
    );
    assert_eq!(d["efficacy"]["average_rating"], Value::Null);
}

#[tokio::test]
async fn an_unanswered_outcome_is_asked_reminded_once_then_told_to_the_coordinators() {
    let (mut app, got) = crate::interventions::app_with_mail().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let rho = app.sign_in("servizio_sociale", &["015182"]).await;
    let r = app
        .post_form_as(
            &rho,
            "/profilo/avvisi",
            &[("alert_email", "sociale@comune.rho.mi.it")],
            None,
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.status);
    let id = taken_in_charge(&mut app, &desk, &rho).await;
    let now = presidio_db::now();
    let chase = || presidio_app::follow_ups::chase(&app.state, now);
    assert_eq!(chase().await.unwrap(), 0, "nothing due");
    fall_due(&app, id, 0, Some(30)).await;
    assert_eq!(chase().await.unwrap(), 1, "asked on its day");
    assert_eq!(chase().await.unwrap(), 0, "once");
    let mail = crate::interventions::mails(&got, 1).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert!(
        mail[0].contains("sociale@comune.rho.mi.it") && mail[0].contains("/esiti"),
        "{mail:?}"
    );
    fall_due(&app, id, -8, Some(30)).await;
    assert_eq!(chase().await.unwrap(), 1, "the reminder");
    assert_eq!(chase().await.unwrap(), 0, "once");
    assert_eq!(crate::interventions::mails(&got, 2).await.len(), 2);
    fall_due(&app, id, -22, Some(30)).await;
    let (first, second) = tokio::join!(chase(), chase());
    assert_eq!(
        first.unwrap() + second.unwrap(),
        1,
        "the coordinators are told once, by one round"
    );
    let (_, notes) = go(
        &mut app,
        &coord,
        Method::GET,
        "/api/v1/notifications",
        &Value::Null,
    )
    .await;
    assert!(notes.to_string().contains("follow_up_overdue"), "{notes}");
}

/// The secret address of `who`'s calendar feed, as the page shows it once.
async fn feed_path(app: &TestApp, who: &Who) -> String {
    feed_path_from(app, who, "/turni/calendario-personale").await
}

/// As [`feed_path`], from the form at `form` (a partner's is on their team list).
async fn feed_path_from(app: &TestApp, who: &Who, form: &str) -> String {
    let created = app.post_form_as(who, form, &[], None).await;
    let html = created.text();
    let url = html
        .split("id=\"feed-url\" type=\"text\" readonly value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the address is shown once")
        .to_owned();
    url.split_once("/turni/ics/")
        .map(|(_, s)| format!("/turni/ics/{s}"))
        .unwrap()
}

#[tokio::test]
async fn the_pages_plan_a_conference_record_its_minutes_and_move_its_task() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let operator = app.sign_in("operatore_pis", &[]).await;
    let cav = app.sign_in_member("partner", "CAV Filo Rosa").await;
    let (id, member, _) = case_with_team(&mut app, &coord, &operator, &cav).await;
    let form = app
        .get_as(&coord, &format!("/segnalazioni/{id}/riunioni/nuova"))
        .await;
    assert!(
        form.text().contains(&format!("value=\"{member}\"")),
        "the running member to choose"
    );
    let at = format!("{}T09:00", in_days(3));
    let path = format!("/segnalazioni/{id}/riunioni");
    let refused = app
        .post_form_as(
            &coord,
            &path,
            &[("at", &at), ("place", "")],
            Some(&coord.csrf),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text().contains("Luogo o collegamento video") || refused.text().contains("Luogo:")
    );
    assert!(
        refused.text().contains(&format!("value=\"{at}\"")),
        "what was typed stays"
    );
    let member_id = member.to_string();
    let planned = app
        .post_form_as(
            &coord,
            &path,
            &[
                ("at", &at),
                ("place", "Sala Cadorna"),
                ("participants", &member_id),
            ],
            Some(&coord.csrf),
        )
        .await;
    assert_eq!(planned.status, StatusCode::SEE_OTHER);
    let page = planned.header("location").to_owned();
    let report = app
        .get_as(&coord, &format!("/segnalazioni/{id}"))
        .await
        .text();
    assert!(
        report.contains(&page) && report.contains("verbale da registrare"),
        "listed on the report"
    );
    record_minutes_in_the_page(&mut app, &coord, &page, &member_id).await;
    member_moves_the_task(&mut app, &operator, &page).await;
    // The minutes, the task and its move are in the case's timeline, for who reads it whole.
    let report = app
        .get_as(&coord, &format!("/segnalazioni/{id}"))
        .await
        .text();
    let timeline = &report[report
        .find("Storia della segnalazione")
        .expect("a timeline")..];
    for line in [
        "Verbale della riunione",
        "Compito deciso in riunione",
        "Fatto",
    ] {
        assert!(timeline.contains(line), "{line} in {timeline}");
    }
    timeline_through_the_api(&mut app, &coord, id).await;
}

/// The case's timeline through the API, oldest first, audited; not for who reads no case.
async fn timeline_through_the_api(app: &mut TestApp, coord: &Who, id: i64) {
    let path = format!("/api/v1/reports/{id}/timeline");
    let (s, v) = go(app, coord, Method::GET, &path, &Value::Null).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let kinds: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .filter(|k| !matches!(*k, "status" | "triage"))
        .collect();
    // By time: the conference is planned days ahead, the minutes were recorded today.
    assert_eq!(
        kinds,
        ["minutes", "task", "task_moved", "conference"],
        "{v}"
    );
    let moved = v
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "task_moved")
        .unwrap();
    assert_eq!(
        (moved["code"].as_str(), moved["note"].as_str()),
        (Some("done"), Some("Colloquio"))
    );
    assert!(
        app.audited("read")
            .await
            .iter()
            .any(|e| e.entry.section == "timeline" && e.entry.record_id == id.to_string())
    );
    let theirs = app.sign_in("partner", &[]).await;
    let (s, _) = go(app, &theirs, Method::GET, &path, &Value::Null).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// The minutes page: a decision with no last day is refused on its row, then recorded.
async fn record_minutes_in_the_page(app: &mut TestApp, coord: &Who, page: &str, member_id: &str) {
    // The minutes: a decision with no last day is refused on its row; then recorded.
    let minutes = format!("{page}/verbale");
    let bad = [
        ("text", "Verbale"),
        ("decisions[0].task", "Colloquio"),
        ("decisions[0].owner_member_id", member_id),
    ];
    let r = app
        .post_form_as(coord, &minutes, &bad, Some(&coord.csrf))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Decisione 1 · Entro il"), "{}", r.text());
    let due = in_days(10);
    let good = [
        ("text", "Verbale"),
        ("decisions[0].task", "Colloquio"),
        ("decisions[0].owner_member_id", member_id),
        ("decisions[0].due", due.as_str()),
    ];
    let r = app
        .post_form_as(coord, &minutes, &good, Some(&coord.csrf))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

/// The member sees the task on their list and moves it; the conference is in their calendar.
async fn member_moves_the_task(app: &mut TestApp, operator: &Who, page: &str) {
    // The member sees the conference and the task on their list, moves the task; the
    // conference is in their calendar.
    let list = app.get_as(operator, "/equipe").await.text();
    let read = app.audited("read").await;
    assert!(
        read.iter()
            .any(|e| e.entry.section == "tasks" && e.entry.actor == operator.username),
        "the task list is a read of its cases, audited"
    );
    assert!(list.contains("Colloquio"), "{list}");
    assert!(list.contains(&format!("href=\"{page}\"")), "{list}");
    let (_, tasks) = go(
        app,
        operator,
        Method::GET,
        "/api/v1/tasks?mine=true",
        &Value::Null,
    )
    .await;
    let task = tasks[0]["id"].as_i64().unwrap();
    let r = app
        .post_form_as(
            operator,
            &format!("/equipe/compiti/{task}"),
            &[
                ("status", "done"),
                ("version", "1"),
                ("back", "https://altrove.example"),
            ],
            Some(&operator.csrf),
        )
        .await;
    assert_eq!(
        (r.status, r.header("location")),
        (StatusCode::SEE_OTHER, "/equipe#compiti")
    );
    let (_, tasks) = go(
        app,
        operator,
        Method::GET,
        "/api/v1/tasks?mine=true",
        &Value::Null,
    )
    .await;
    assert_eq!(tasks[0]["status"], "done");
    let feed = app
        .get_with(None, None, &feed_path(app, operator).await)
        .await
        .text();
    assert!(
        feed.contains("Riunione d'équipe") && feed.contains("Sala Cadorna"),
        "{feed}"
    );
    assert!(
        !feed.contains("Colloquio"),
        "nothing of the case in the calendar"
    );
}

#[tokio::test]
async fn the_service_tells_the_outcome_in_its_page_and_the_dashboard_counts_it() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let rho = app.sign_in("servizio_sociale", &["015182"]).await;
    let arese = app.sign_in("servizio_sociale", &["015009"]).await;
    let id = taken_in_charge(&mut app, &desk, &rho).await;
    fall_due(&app, id, -1, Some(30)).await;
    let page = app.get_as(&rho, "/esiti").await.text();
    assert!(page.contains(&format!("/segnalazioni/{id}")), "{page}");
    let record = id.to_string();
    let read = app.audited("read").await;
    assert!(
        read.iter().any(|e| e.entry.section == "follow_ups"
            && e.entry.record_id == record
            && e.entry.actor == rho.username),
        "the list is a read of the case, audited"
    );
    let request: i64 = page
        .split("action=\"/esiti/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|n| n.parse().ok())
        .expect("a form for the request");
    let other = app.get_as(&arese, "/esiti").await.text();
    assert!(!other.contains(&format!("/esiti/{request}")), "{other}");
    let path = format!("/esiti/{request}");
    for (outcome, rating, note, says) in [
        ("", "", "", "Esito"),
        ("in_carico", "9", "", "Adeguatezza della risposta del PIS"),
    ] {
        let fields = [("outcome", outcome), ("rating", rating), ("note", note)];
        let r = app
            .post_form_as(&rho, &path, &fields, Some(&rho.csrf))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{outcome}/{rating}"
        );
        let text = r.text();
        let error = &text[text
            .find(&format!("id=\"esito-{request}-error\""))
            .expect("an error")..];
        assert!(error.contains(says), "{says}: {error}");
    }
    // A NUL is refused before the form is read, naming the field.
    let nul = [("outcome", "in_carico"), ("rating", ""), ("note", "\u{0}")];
    let r = app.post_form_as(&rho, &path, &nul, Some(&rho.csrf)).await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert!(r.text().contains("Nota"));
    let pending = pending_for(&mut app, &rho).await;
    assert_eq!(pending.as_array().map(Vec::len), Some(1), "nothing written");
    let good = [
        ("outcome", "situazione_risolta"),
        ("rating", "5"),
        ("note", ""),
    ];
    let r = app.post_form_as(&rho, &path, &good, Some(&rho.csrf)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get_as(&rho, "/esiti").await.text();
    let answered = &page[page.find("id=\"comunicati\"").unwrap()..];
    assert!(answered.contains("Situazione risolta"), "{answered}");
    let year = presidio_db::now().in_rome().date().year();
    let dashboard = app
        .get_as(
            &coord,
            &format!("/statistiche/cruscotto?from={year}-01-01&to={year}-12-31"),
        )
        .await
        .text();
    assert!(
        dashboard.contains("Efficacia")
            && dashboard.contains("Esito a 30 giorni: Situazione risolta"),
        "{dashboard}"
    );
}

/// Where a partner creates their calendar feed.
const PARTNER_FEED: &str = "/equipe/calendario";

#[tokio::test]
async fn an_organisations_partners_find_its_conferences_in_their_list_and_calendar() {
    let mut app = TestApp::new().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let doctor = app.sign_in_member("partner", "ASST Rhodense").await;
    let nurse = app.sign_in_member("partner", "ASST Rhodense").await;
    let cav = app.sign_in_member("partner", "CAV Filo Rosa").await;
    let (s, v) = go(
        &mut app,
        &coord,
        Method::POST,
        "/api/v1/reports",
        &minimal(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let ambito = app.t.db.ambito_by_code("rhodense").await.unwrap();
    let orgs = app.t.db.organisations(ambito.id).await.unwrap();
    let asst = orgs.iter().find(|o| o.name == "ASST Rhodense").unwrap().id;
    let body = json!({"organisation_id": asst, "role_in_case": "referente_sanitario",
                      "sections": ["intervento"], "until": in_days(10)});
    let path = format!("/api/v1/reports/{id}/team");
    let (s, v) = go(&mut app, &coord, Method::POST, &path, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let member = v["id"].as_i64().unwrap();
    let answer = format!("/api/v1/team/{member}/answer");
    let (s, _) = go(
        &mut app,
        &doctor,
        Method::POST,
        &answer,
        &json!({"accept": true}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let plan = json!({"at": format!("{}T10:00", in_days(3)), "place": "Ospedale di Rho",
                      "participants": [member]});
    let path = format!("/api/v1/reports/{id}/conferences");
    let (s, v) = go(&mut app, &coord, Method::POST, &path, &plan).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let link = format!("href=\"/equipe/riunioni/{}\"", v["id"]);
    for colleague in [&doctor, &nurse] {
        let list = app.get_as(colleague, "/equipe").await.text();
        assert!(list.contains(&link), "{list}");
        let feed = app
            .get_with(
                None,
                None,
                &feed_path_from(&app, colleague, PARTNER_FEED).await,
            )
            .await
            .text();
        assert!(feed.contains("Ospedale di Rho"), "{feed}");
    }
    let list = app.get_as(&cav, "/equipe").await.text();
    assert!(!list.contains(&link), "another organisation: {list}");
    let feed = app
        .get_with(None, None, &feed_path_from(&app, &cav, PARTNER_FEED).await)
        .await
        .text();
    assert!(!feed.contains("Ospedale di Rho"), "{feed}");
    // Not a shift in sight: a partner's roster page stays closed.
    assert_eq!(
        app.get_as(&cav, "/turni").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_ambitos_own_intervals_make_its_requests() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let rho = app.sign_in("servizio_sociale", &["015182"]).await;
    app.t.db.set_follow_up_days("rhodense", "15").await.unwrap();
    let id = taken_in_charge(&mut app, &desk, &rho).await;
    fall_due(&app, id, -1, None).await;
    let pending = pending_for(&mut app, &rho).await;
    let days: Vec<i64> = pending
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["days"].as_i64())
        .collect();
    assert_eq!(days, [15], "{pending}");
}

/// Makes the outcome requests of report `id` (those of `interval` days, or all) fall due
/// `days` from today.
async fn fall_due(app: &TestApp, id: i64, days: i64, interval: Option<i64>) {
    let sql = if interval.is_some() {
        "UPDATE follow_ups SET due_day = $1 WHERE report_id = $2 AND days = $3"
    } else {
        "UPDATE follow_ups SET due_day = $1 WHERE report_id = $2"
    };
    let mut numbers = vec![id];
    numbers.extend(interval);
    raw_with(app, sql, &[&in_days(days)], &numbers).await;
}

/// The outcome requests still to tell that `who` sees.
async fn pending_for(app: &mut TestApp, who: &Who) -> Value {
    let (s, v) = go(
        app,
        who,
        Method::GET,
        "/api/v1/follow-ups?pending=true",
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

#[tokio::test]
async fn another_ambitos_staff_reach_no_conference_task_or_outcome() {
    let mut app = TestApp::new().await;
    app.add_bollatese().await;
    let coord = app.sign_in("coordinatore", &[]).await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let rho = app.sign_in("servizio_sociale", &["015182"]).await;
    let nurse = app.sign_in("partner", &[]).await;
    let other = app.sign_in("partner", &[]).await;
    let bollate = app.sign_in_in("bollatese", "coordinatore", &[]).await;
    let bollate_service = app
        .sign_in_in("bollatese", "servizio_sociale", &["015027"])
        .await;
    let (id, member, _) = case_with_team(&mut app, &coord, &nurse, &other).await;
    let plan = json!({"at": format!("{}T10:00", in_days(3)), "place": "Sala",
                      "participants": [member]});
    let path = format!("/api/v1/reports/{id}/conferences");
    let (s, _) = go(&mut app, &bollate, Method::POST, &path, &plan).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another Ambito's case");
    let (s, v) = go(&mut app, &coord, Method::POST, &path, &plan).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let conference = v["id"].as_i64().unwrap();
    let page = format!("/equipe/riunioni/{conference}");
    assert_eq!(
        app.get_as(&bollate, &page).await.status,
        StatusCode::NOT_FOUND
    );
    let api = format!("/api/v1/conferences/{conference}");
    let (s, _) = go(&mut app, &bollate, Method::GET, &api, &Value::Null).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let minutes = json!({"text": "Verbale", "decisions": [{"task": "Visita",
        "owner_member_id": member, "due": in_days(5)}]});
    let (s, _) = go(
        &mut app,
        &bollate,
        Method::POST,
        &format!("{api}/minutes"),
        &minutes,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = go(
        &mut app,
        &coord,
        Method::POST,
        &format!("{api}/minutes"),
        &minutes,
    )
    .await;
    assert!(s.is_success(), "{v}");
    let (_, tasks) = go(
        &mut app,
        &bollate,
        Method::GET,
        "/api/v1/tasks",
        &Value::Null,
    )
    .await;
    assert_eq!(tasks, json!([]), "no task of another Ambito");
    let handed = taken_in_charge(&mut app, &desk, &rho).await;
    fall_due(&app, handed, -1, None).await;
    assert_eq!(
        pending_for(&mut app, &rho).await.as_array().map(Vec::len),
        Some(2)
    );
    for who in [&bollate, &bollate_service] {
        assert_eq!(
            pending_for(&mut app, who).await,
            json!([]),
            "{}",
            who.username
        );
    }
}
