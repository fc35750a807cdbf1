//! Accounts, sessions, tokens, the access policy and the audit trail, through the real router.

use axum::http::{Method, StatusCode};
use presidio_web::policy::{self, Access};

use crate::support::{PASSWORD, TestApp, Who, csrf_of, set_cookie};

#[test]
fn every_route_of_the_router_has_a_rule_and_every_rule_a_route() {
    let routes = presidio_web::routes();
    assert!(routes.len() > 20, "{routes:?}");
    for (method, path) in &routes {
        let method: Method = method.parse().unwrap();
        assert!(
            policy::rule(&method, path).is_some(),
            "{method} {path} has no access rule in policy::RULES"
        );
    }
    for (method, path, _) in policy::RULES {
        assert!(
            routes.iter().any(|(m, p)| m == method && p == path),
            "the rule for {method} {path} names no route"
        );
    }
}

#[tokio::test]
async fn a_route_without_a_rule_is_refused() {
    let app = TestApp::new().await;
    let state = presidio_web::AppState::new(app.t.db.clone(), app.t.url.to_string());
    let router = axum::Router::new()
        .route("/senza-regola", axum::routing::get(|| async { "segreto" }))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            policy::authorize,
        ))
        .with_state(state);
    let response = tower::ServiceExt::oneshot(
        router,
        axum::http::Request::get("/senza-regola")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

/// Roles in the order of the matrix columns.
const ROLES: [&str; 8] = [
    "admin",
    "coordinatore",
    "operatore_centrale",
    "operatore_pis",
    "servizio_sociale",
    "segnalante",
    "analista",
    "partner",
];

/// Who may open each page or read each endpoint: one letter per role of [`ROLES`]
/// (`y` allowed, `-` refused, `n` allowed by the route but the record is not theirs to know: 404).
/// Anonymous visitors are refused everything not public.
const MATRIX: &[(&str, &str)] = &[
    ("/", "yyyyyyyy"),
    ("/informazioni", "yyyyyyyy"),
    ("/profilo", "yyyyyyyy"),
    ("/profilo/due-fattori", "yyyyyyyy"),
    ("/accesso/codice", "yyyyyyyy"),
    ("/ambiti", "yyyyyyyy"),
    ("/ambiti/rhodense", "yyyyyyyy"),
    ("/amministrazione/utenti", "y-------"),
    ("/amministrazione/utenti/mrossi", "y-------"),
    ("/amministrazione/organizzazioni", "y-------"),
    ("/amministrazione/token", "y-------"),
    ("/amministrazione/registro", "y-------"),
    ("/amministrazione/accessi-persona", "y-------"),
    ("/api/v1/me", "yyyyyyyy"),
    ("/api/v1/ambiti", "yyyyyyyy"),
    ("/api/v1/ambiti/rhodense/municipalities", "yyyyyyyy"),
    ("/api/v1/municipalities/015182", "yyyyyyyy"),
    ("/api/v1/calendar/status?municipality=015182", "yyyyyyyy"),
    ("/api/v1/calendar/municipalities/015182", "yyyyyyyy"),
    ("/api/v1/users", "y-------"),
    ("/api/v1/reports", "-yyyyy--"),
    ("/api/v1/reports/{id}", "-yyynn-n"),
    ("/segnalazioni/nuova", "-yyy-y--"),
    ("/portale", "-----y--"),
    ("/portale/nuova", "-----y--"),
    ("/portale/{id}", "-----n--"),
    ("/segnalazioni/{id}", "-yyynn--"),
    ("/bacheca/righe", "-yyyy---"),
    ("/notifiche", "-yyyy---"),
    ("/calendario", "yyyyyyyy"),
    ("/turni", "-yyy----"),
    ("/risorse", "-yyy----"),
    ("/api/v1/resources", "-yyy----"),
    ("/bilancio", "-y------"),
    ("/api/v1/budget", "-y------"),
    ("/api/v1/reports/{id}/activations", "-yyy----"),
    ("/api/v1/reports/{id}/dispatches", "-yyy----"),
    ("/api/v1/reports/{id}/procedures", "-yyy----"),
    ("/api/v1/field", "-yyy----"),
    ("/campo", "-yyy----"),
    ("/passaggi", "-yyyy---"),
    ("/riepilogo", "-yyyy---"),
    ("/statistiche", "-y----y-"),
    ("/statistiche/importa", "-y------"),
    ("/statistiche/dati.csv", "-y----y-"),
    ("/statistiche/dati.pdf", "-y----y-"),
    ("/statistiche/cruscotto", "-y----y-"),
    ("/statistiche/cruscotto.csv", "-y----y-"),
    ("/statistiche/cruscotto.xlsx", "-y----y-"),
    (
        "/api/v1/stats/dashboard?from=2026-01-01&to=2026-12-31",
        "-y----y-",
    ),
    (
        "/api/v1/stats/activity?from=2026-01-01&to=2026-12-31",
        "-y----y-",
    ),
    ("/api/v1/summary", "-yyyy---"),
    ("/segnalazioni/{id}/scheda", "-yyyn---"),
    ("/segnalazioni/{id}/scheda.pdf", "-yyyn---"),
    ("/api/v1/handovers", "-yyyy---"),
    ("/api/v1/reports/{id}/handovers", "-yyyn---"),
    ("/api/v1/reports/{id}/messages", "-yyyn---"),
    ("/turni/schema", "-y------"),
    ("/turni/{id}/cambio", "-nnn----"),
    ("/api/v1/roster/shifts", "-yyy----"),
    ("/api/v1/roster/gaps", "-yyy----"),
    ("/api/v1/roster/on-call", "-yyy----"),
    ("/api/v1/roster/rota", "-y------"),
    ("/api/v1/roster/swaps", "-y------"),
    ("/calendario/015182", "yy------"),
    ("/api/v1/notifications", "-yyyy---"),
    ("/api/v1/audit", "y-------"),
    ("/api/v1/audit/person?name=rossi", "y-------"),
    // The report's one person is the first person record, as the report is the first report.
    ("/persone", "-yyyy---"),
    ("/persone?q=rossi", "-yyyy---"),
    ("/persone/candidati?persons[0].name=rossi", "-yyy----"),
    ("/persone/{id}", "-yyyn---"),
    ("/api/v1/persons?q=rossi", "-yyyy---"),
    ("/api/v1/persons/candidates?name=rossi", "-yyy----"),
    ("/api/v1/persons/{id}", "-yyyn---"),
    ("/api/v1/persons/{id}/export", "y-------"),
    ("/amministrazione/persone/{id}/dati.pdf", "y-------"),
    ("/amministrazione/persone/{id}/dati.json", "y-------"),
    ("/api/v1/team", "-yyyy--y"),
    ("/equipe", "-yyyy--y"),
    ("/equipe/casi/{id}", "-yyyn--n"),
    ("/api/v1/team/cases/{id}", "-yyyn--n"),
    ("/api/v1/reports/{id}/team", "-y------"),
    ("/rete", "-yyyy---"),
    ("/rete?q=pronto&kind=asst", "-yyyy---"),
    ("/rete/cerca?q=pronto", "-yyyy---"),
    ("/rete/foglio", "-yyyy---"),
    ("/rete/nuovo", "-y------"),
    ("/rete/{id}", "-yyyy---"),
    ("/api/v1/network/organisations", "-yyyy---"),
    ("/api/v1/network/organisations/{id}", "-yyyy---"),
    ("/api/v1/network/protocols", "-yyyy---"),
    (
        "/api/v1/network/protocols?expiring_within_days=60",
        "-yyyy---",
    ),
    ("/api/v1/network/protocols/{id}", "-nnnn---"),
    ("/api/v1/network/protocols/{id}/documents/{id}", "-nnnn---"),
    ("/api/v1/outbox", "y-------"),
    ("/amministrazione/messaggi", "y-------"),
    ("/api/v1/push/key", "yyyyyyyy"),
    ("/api/v1/push/subscriptions", "yyyyyyyy"),
    ("/api/v1/me/channels", "yyyyyyyy"),
    ("/api/v1/siuss/settings", "y-------"),
    ("/amministrazione/siuss", "y-------"),
    ("/formazione", "-y------"),
    ("/formazione/corsi/{id}", "-n------"),
    ("/formazione/corsi/{id}/presenze/{id}/attestato", "-n------"),
    ("/formazione/export.csv", "-y------"),
    ("/formazione/export.xlsx", "-y------"),
    ("/api/v1/training/courses", "-y------"),
    ("/api/v1/training/gaps", "-y------"),
    ("/api/v1/volunteers", "-y------"),
    ("/rete/protocolli", "-yyyy---"),
    ("/rete/protocolli?in_scadenza=1", "-yyyy---"),
    ("/rete/protocolli/nuovo", "-y------"),
    ("/rete/protocolli/{id}", "-nnnn---"),
    ("/rete/protocolli/{id}/documenti/{id}", "-nnnn---"),
    ("/api/v1/persons/{id}/team", "-y------"),
    ("/equipe/persone/{id}", "-nnnn--n"),
    ("/api/v1/team/{id}/person", "-nnnn--n"),
    ("/api/v1/reports/{id}/conferences", "-yyyn---"),
    ("/api/v1/reports/{id}/timeline", "-yyyn---"),
    ("/segnalazioni/{id}/riunioni/nuova", "-y------"),
    ("/equipe/riunioni/{id}", "-nnnn--n"),
    ("/esiti", "-yyyy---"),
    ("/api/v1/conferences/{id}", "-nnnn--n"),
    ("/api/v1/tasks", "-yyyy--y"),
    ("/api/v1/tasks?mine=true", "-yyyy--y"),
    ("/api/v1/follow-ups", "-yyyy---"),
    ("/api/v1/follow-ups?pending=true", "-yyyy---"),
];

/// Addresses whose secret is the credential: anyone may ask, a wrong secret gets 404 (the
/// right one is tested with its feature).
const SECRET_ADDRESSES: &[&str] = &["/turni/ics/{secret}", "/stato/{secret}"];

/// Public routes: anyone gets them, signed in or not.
const PUBLIC: &[&str] = &[
    "/accesso",
    "/api",
    "/healthz",
    "/readyz",
    "/api/v1/openapi.json",
    "/sw.js",
    "/manifest.webmanifest",
    "/waas/v1/status",
];

/// The SIUSS e-service: its voucher alone opens it (tests/it/waas.rs); a session opens nothing.
const VOUCHER: &[&str] = &["/waas/v1/flussi"];

#[tokio::test]
async fn role_by_route_matrix() {
    let mut app = TestApp::new().await;
    app.create_user("mrossi", "operatore_pis", &[]).await;
    // One report, recorded by a call-taker, for the report routes.
    app.who = Some(app.sign_in("operatore_centrale", &[]).await);
    let created = app
        .send(
            Method::POST,
            "/api/v1/reports",
            "application/json",
            crate::reports_api::minimal().to_string().into_bytes(),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let report_id = created.json()["id"].as_i64().unwrap();
    app.who = None;
    let mut users: Vec<Who> = Vec::new();
    for role in ROLES {
        let bound: &[&str] = if role == "servizio_sociale" {
            &["015182"]
        } else {
            &[]
        };
        users.push(app.sign_in(role, bound).await);
    }
    for (path, allowed) in MATRIX {
        let path = &path.replace("{id}", &report_id.to_string());
        let api = path.starts_with("/api/");
        let anonymous = app.get_with(None, None, path).await.status;
        let refused_anonymous = if api {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::SEE_OTHER
        };
        assert_eq!(anonymous, refused_anonymous, "anonymous {path}");
        for (who, flag) in users.iter().zip(allowed.chars()) {
            let r = app.get_as(who, path).await;
            if flag == 'y' {
                // Allowed: the page itself, or a redirect that is not to the login page.
                let redirect_inside = r.status == StatusCode::SEE_OTHER
                    && !r.header("location").starts_with("/accesso");
                assert!(
                    r.status == StatusCode::OK || redirect_inside,
                    "{} {path}: {}",
                    who.username,
                    r.status
                );
            } else if flag == 'n' {
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{} {path}", who.username);
            } else {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{} {path}", who.username);
            }
        }
    }
    // The event streams answer at once and never end: only their status is checked.
    for path in ["/bacheca/eventi", "/api/v1/board/events"] {
        for (who, flag) in users.iter().zip("-yyyy---".chars()) {
            let (status, headers) = app.head_as(who, path).await;
            let expected = if flag == 'y' {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(status, expected, "{} {path}", who.username);
            if flag == 'y' {
                assert_eq!(headers["content-type"], "text/event-stream", "{path}");
            }
        }
    }
    for who in &users {
        let r = app.get_as(who, "/waas/v1/flussi?since=0").await;
        assert_ne!(
            r.status,
            StatusCode::OK,
            "{}: a session opens no e-service",
            who.username
        );
    }
    // Every GET route of the router is in the matrix or public (the matrix cannot fall behind).
    for (method, route) in presidio_web::routes() {
        if method != "GET" || route == "/configurazione-iniziale" {
            continue;
        }
        let listed = MATRIX.iter().any(|(p, _)| {
            let p = p.split('?').next().unwrap_or(p);
            concrete(&route) == p || route == p
        }) || PUBLIC.contains(&route.as_str())
            || SECRET_ADDRESSES.contains(&route.as_str())
            || VOUCHER.contains(&route.as_str())
            || route.ends_with("/eventi")
            || route.ends_with("/events");
        assert!(listed, "GET {route} is missing from the role matrix");
    }
    // State-changing admin forms are refused to the other roles before anything happens.
    for who in &users[1..] {
        let r = app
            .post_form_as(who, "/amministrazione/token/1/revoca", &[], None)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", who.username);
    }
    // Each refusal is in the audit trail.
    let denied = app.audited("access_denied").await;
    assert!(denied.len() >= 6 * 5, "{}", denied.len());
    assert!(matches!(
        policy::rule(&Method::GET, "/api/v1/users"),
        Some(Access::Needs(_))
    ));
}

#[tokio::test]
async fn public_and_secret_addresses_answer_anyone() {
    let app = TestApp::new().await;
    for route in SECRET_ADDRESSES {
        let path = route.replace("{secret}", "sbagliato");
        assert_eq!(
            app.get_with(None, None, &path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for path in PUBLIC {
        assert_eq!(
            app.get_with(None, None, path).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
}

fn concrete(route: &str) -> String {
    route
        .replace("{username}", "mrossi")
        .replace("{code}", "rhodense")
        .replace("{istat_code}", "015182")
        .replace("{member_id}", "{id}")
        .replace("{document_id}", "{id}")
        .replace("{attendance_id}", "{id}")
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused_and_change_nothing() {
    let app = TestApp::new().await;
    let who = app.sign_in("operatore_pis", &[]).await;
    let user_id = app
        .t
        .db
        .credentials(&who.username)
        .await
        .unwrap()
        .unwrap()
        .id;
    let count = || async { app.t.db.session_count(user_id).await.unwrap() };
    assert_eq!(count().await, 1);
    for csrf in [Some(""), Some("0".repeat(64).as_str())] {
        let r = app
            .post_form_as(&who, "/profilo/esci-ovunque", &[], csrf)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.text().contains("Il modulo è scaduto"), "{}", r.text());
        assert_eq!(count().await, 1, "nothing changed");
    }
    // A cross-site request is refused even with the right token.
    let request = axum::http::Request::post("/profilo/esci-ovunque")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", &who.cookie)
        .header("sec-fetch-site", "cross-site")
        .body(axum::body::Body::from(format!("csrf={}", who.csrf)))
        .unwrap();
    assert_eq!(app.request(request).await.status, StatusCode::FORBIDDEN);
    // The login form needs its token too.
    let request = axum::http::Request::post("/accesso")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(format!(
            "username={}&password={}",
            who.username, "x"
        )))
        .unwrap();
    assert_eq!(app.request(request).await.status, StatusCode::FORBIDDEN);

    let r = app
        .post_form_as(&who, "/profilo/esci-ovunque", &[], None)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(count().await, 0);
    // The session and the login token no longer work.
    assert_eq!(
        app.get_as(&who, "/profilo").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.get_as(&who, "/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_token_endpoint_answers_200_or_a_clear_401() {
    let app = TestApp::new().await;
    app.create_user("mrossi", "operatore_centrale", &[]).await;
    let ok = app
        .send(
            Method::POST,
            "/api/v1/auth/token",
            "application/json",
            format!(r#"{{"username":"MRossi","password":"{PASSWORD}"}}"#).into_bytes(),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    let body = ok.json();
    let token = body["token"].as_str().unwrap();
    assert_eq!(token.len(), 64);
    assert!(body["expires_at"].as_str().unwrap().ends_with('Z'));
    let me = app.get_with(None, Some(token), "/api/v1/me").await.json();
    assert_eq!(me["username"], "mrossi");
    assert_eq!(me["roles"][0]["role"], "operatore_centrale");

    for body in [
        r#"{"username":"mrossi","password":"sbagliata-sbagliata"}"#,
        r#"{"username":"nessuno","password":"sbagliata-sbagliata"}"#,
    ] {
        let r = app
            .send(
                Method::POST,
                "/api/v1/auth/token",
                "application/json",
                body.into(),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.json()["error"]["code"], "bad_credentials");
        assert_eq!(
            r.json()["error"]["message"],
            "Nome utente o password non corretti."
        );
        assert!(r.header("www-authenticate").starts_with("Bearer"));
    }
    let r = app
        .send(
            Method::POST,
            "/api/v1/auth/token",
            "application/json",
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .get_with(None, Some("f".repeat(64).as_str()), "/api/v1/me")
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"]["code"], "token_invalid");
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_and_the_lockout_is_audited() {
    let app = TestApp::new().await;
    app.create_user("mrossi", "operatore_pis", &[]).await;
    let attempt = |password: &'static str| {
        let body = format!(r#"{{"username":"mrossi","password":"{password}"}}"#);
        app.send(
            Method::POST,
            "/api/v1/auth/token",
            "application/json",
            body.into_bytes(),
        )
    };
    for _ in 0..5 {
        assert_eq!(
            attempt("sbagliata-sbagliata").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = attempt(PASSWORD).await;
    assert_eq!(locked.status, StatusCode::UNAUTHORIZED);
    assert_eq!(locked.json()["error"]["code"], "locked");
    // The login page says so, in Italian, with the time the lock ends.
    assert!(app.log_in("mrossi", PASSWORD).await.is_none());
    let lockouts = app.audited("lockout").await;
    assert_eq!(lockouts.len(), 1);
    assert_eq!(lockouts[0].entry.actor, "mrossi");
    assert_eq!(lockouts[0].entry.record_id, "account:mrossi");
}

/// Sends the token requests of `bodies` all at once; the answers' statuses and error codes.
pub async fn token_burst(
    app: TestApp,
    bodies: Vec<String>,
) -> (TestApp, Vec<(StatusCode, String)>) {
    let app = std::sync::Arc::new(app);
    let tasks: Vec<_> = bodies
        .into_iter()
        .map(|body| {
            let app = app.clone();
            tokio::spawn(async move {
                let r = app
                    .send(
                        Method::POST,
                        "/api/v1/auth/token",
                        "application/json",
                        body.into_bytes(),
                    )
                    .await;
                let code = if r.status == StatusCode::OK {
                    "token".to_owned()
                } else {
                    r.json()["error"]["code"].as_str().unwrap().to_owned()
                };
                (r.status, code)
            })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    let app = std::sync::Arc::try_unwrap(app)
        .ok()
        .expect("every request ended");
    (app, answers)
}

pub fn count(answers: &[(StatusCode, String)], code: &str) -> usize {
    answers.iter().filter(|(_, c)| c == code).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_wrong_passwords_at_once_lock_the_account_after_five() {
    let app = TestApp::new().await;
    app.create_user("mrossi", "operatore_pis", &[]).await;
    let wrong = r#"{"username":"mrossi","password":"sbagliata-sbagliata"}"#;
    let (app, answers) = token_burst(app, vec![wrong.to_owned(); 60]).await;
    assert_eq!(count(&answers, "bad_credentials"), 5, "{answers:?}");
    assert_eq!(count(&answers, "locked"), 55, "{answers:?}");
    assert_eq!(app.audited("lockout").await.len(), 1);
    // Now even the right password is refused.
    let right = format!(r#"{{"username":"mrossi","password":"{PASSWORD}"}}"#);
    let (app, answers) = token_burst(app, vec![right]).await;
    assert_eq!(answers[0].1, "locked");
    drop(app);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_right_password_in_a_burst_of_guesses_passes_only_within_the_limit() {
    let app = TestApp::new().await;
    app.create_user("mrossi", "operatore_pis", &[]).await;
    let mut bodies =
        vec![r#"{"username":"mrossi","password":"sbagliata-sbagliata"}"#.to_owned(); 59];
    bodies.insert(
        30,
        format!(r#"{{"username":"mrossi","password":"{PASSWORD}"}}"#),
    );
    let (app, answers) = token_burst(app, bodies).await;
    let (bad, tokens) = (count(&answers, "bad_credentials"), count(&answers, "token"));
    assert_eq!(bad + tokens + count(&answers, "locked"), 60, "{answers:?}");
    if tokens == 0 {
        // The right one came after the limit: refused like the rest, five checked in all.
        assert_eq!(bad, 5, "{answers:?}");
        assert_eq!(app.audited("lockout").await.len(), 1);
    } else {
        // The right one was among the first five, which cleared the count as one after the
        // other would have: at most four failures before it and five after.
        assert_eq!(tokens, 1);
        assert!(bad <= 9, "{answers:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_address_guessing_many_accounts_at_once_is_locked_after_twenty() {
    let app = TestApp::new().await;
    let bodies = (0..60)
        .map(|i| format!(r#"{{"username":"utente{i}","password":"sbagliata-sbagliata"}}"#))
        .collect();
    let (app, answers) = token_burst(app, bodies).await;
    assert_eq!(count(&answers, "bad_credentials"), 20, "{answers:?}");
    assert_eq!(count(&answers, "locked"), 40, "{answers:?}");
    let lockouts = app.audited("lockout").await;
    assert_eq!(lockouts.len(), 1);
    assert!(lockouts[0].entry.record_id.starts_with("address:"));
}

#[tokio::test]
async fn an_idle_session_ends_and_the_expiry_is_audited() {
    let mut app = TestApp::new().await;
    let who = app.sign_in("coordinatore", &[]).await;
    assert_eq!(app.get_as(&who, "/profilo").await.status, StatusCode::OK);
    app.set_auth(presidio_web::auth::AuthConfig {
        idle: std::time::Duration::ZERO,
        ..Default::default()
    });
    let r = app.get_as(&who, "/profilo").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), "/accesso?next=%2Fprofilo");
    assert_eq!(
        set_cookie(&r.headers, "presidio_session").as_deref(),
        Some("")
    );
    let expired = app.audited("session_expired").await;
    assert_eq!(expired.len(), 1);
    // Gone for good, whatever the timeout now.
    app.set_auth(presidio_web::auth::AuthConfig::default());
    assert_eq!(
        app.get_as(&who, "/profilo").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn session_cookies_are_http_only_and_same_site() {
    let app = TestApp::new().await;
    app.create_user("mrossi", "coordinatore", &[]).await;
    let form = app.get_with(None, None, "/accesso").await;
    let csrf = csrf_of(&form.text());
    let r = app
        .post_anonymous_form(
            "/accesso",
            &csrf,
            &format!(
                "username=mrossi&password={}&next=%2Fambiti",
                PASSWORD.replace(' ', "+")
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), "/ambiti");
    let cookie = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("presidio_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "no TLS in the tests: {cookie}");
    // The stored session id is the hash of the cookie, never the cookie itself.
    let secret = set_cookie(&r.headers, "presidio_session").unwrap();
    assert!(app.t.db.session(&secret).await.unwrap().is_none());
    assert!(
        app.t
            .db
            .session(&presidio_app::secret::stored(&secret))
            .await
            .unwrap()
            .is_some()
    );
    // An outside address to go to after login is not followed.
    assert_eq!(
        app.post_anonymous_form(
            "/accesso",
            &csrf,
            &format!(
                "username=mrossi&password={}&next=%2F%2Fevil.example%2Fx",
                PASSWORD.replace(' ', "+")
            )
        )
        .await
        .header("location"),
        "/"
    );
}

#[tokio::test]
async fn the_first_admin_is_created_from_a_one_time_link() {
    let app = TestApp::new().await;
    let code = presidio_app::secret::new_secret();
    app.t
        .db
        .create_setup_token(
            &presidio_app::secret::stored(&code),
            presidio_domain::time::UtcMillis(presidio_db::now().0 + 60_000),
        )
        .await
        .unwrap();
    let path = format!("/configurazione-iniziale?codice={code}");
    let form = app.get_with(None, None, &path).await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = set_cookie(&form.headers, "presidio_csrf").unwrap();
    let post = |fields: String| {
        let request = axum::http::Request::post("/configurazione-iniziale")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", format!("presidio_csrf={csrf}"))
            .body(axum::body::Body::from(format!(
                "csrf={csrf}&codice={code}&{fields}"
            )))
            .unwrap();
        app.request(request)
    };
    // A weak password is refused, naming the field, and nothing is created.
    let weak = post("organisation=Sercop&name=Anna+Bianchi&username=abianchi&password=password1234&password_confirm=password1234".into()).await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        weak.text()
            .contains("Password: troppo facile da indovinare"),
        "{}",
        weak.text()
    );
    assert_eq!(app.t.db.count_users().await.unwrap(), 0);
    let pw = PASSWORD.replace(' ', "+");
    let ok = post(format!(
        "organisation=Sercop&name=Anna+Bianchi&username=abianchi&password={pw}&password_confirm={pw}"
    ))
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    assert!(set_cookie(&ok.headers, "presidio_session").is_some());
    let users = app.t.db.users().await.unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].roles, vec!["admin@rhodense".to_owned()]);
    assert_eq!(users[0].organisation, "Sercop");
    // The link works once.
    assert_eq!(
        app.get_with(None, None, &path).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn admins_create_and_disable_accounts_and_issue_and_revoke_tokens() {
    let app = TestApp::new().await;
    let admin = app.sign_in("admin", &[]).await;
    // A social worker must be bound to municipalities of the Ambito.
    let refused = app
        .post_form_as(
            &admin,
            "/amministrazione/utenti",
            &[
                ("username", "lverdi"),
                ("name", "Luca Verdi"),
                ("organisation", "Comune di Rho"),
                ("organisation_kind", "servizio_sociale"),
                ("role", "servizio_sociale"),
                ("password", PASSWORD),
            ],
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text().contains("Comuni: campo obbligatorio"),
        "{}",
        refused.text()
    );
    assert!(app.t.db.credentials("lverdi").await.unwrap().is_none());
    let created = app
        .post_form_as(
            &admin,
            "/amministrazione/utenti",
            &[
                ("username", "lverdi"),
                ("name", "Luca Verdi"),
                ("organisation", "Comune di Rho"),
                ("organisation_kind", "servizio_sociale"),
                ("role", "servizio_sociale"),
                ("municipalities", "015182"),
                ("password", PASSWORD),
            ],
            None,
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
    let social = app.log_in("lverdi", PASSWORD).await.unwrap();
    // The test users' cooperative, then the municipality's service created with the account.
    let orgs = app.audited("organisation_created").await;
    assert_eq!(orgs.len(), 2);
    assert_eq!(orgs[0].entry.actor, admin.username);
    let me = app.get_as(&social, "/api/v1/me").await.json();
    assert_eq!(me["roles"][0]["municipalities"][0], "015182");
    assert_eq!(me["organisation"], "Comune di Rho");

    disable_ends_sessions_and_tokens(&app, &admin, &social).await;
}

#[tokio::test]
async fn admins_issue_and_revoke_integration_tokens_and_search_the_audit_trail() {
    let app = TestApp::new().await;
    let admin = app.sign_in("admin", &[]).await;
    app.create_user("lverdi", "operatore_pis", &[]).await;
    // An integration token works until revoked.
    let issued = app
        .post_form_as(
            &admin,
            "/amministrazione/token",
            &[
                ("name", "Gestionale comunale"),
                ("username", "lverdi"),
                ("days", "30"),
            ],
            None,
        )
        .await;
    assert_eq!(issued.status, StatusCode::CREATED);
    let html = issued.text();
    let at = html.find("id=\"token-secret\">").unwrap() + 18;
    let token = &html[at..at + 64];
    assert_eq!(
        app.get_with(None, Some(token), "/api/v1/me").await.status,
        StatusCode::OK
    );
    let id = app
        .t
        .db
        .tokens()
        .await
        .unwrap()
        .iter()
        .find(|t| t.kind == "integration")
        .unwrap()
        .id;
    let revoked = app
        .post_form_as(
            &admin,
            &format!("/amministrazione/token/{id}/revoca"),
            &[],
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get_with(None, Some(token), "/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );

    // Every step is in the audit trail, which the admin can search.
    let log = app.get_as(&admin, "/api/v1/audit?actor=").await.json();
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in ["token_issued", "token_revoked", "login_ok"] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
    let bad = app.get_as(&admin, "/api/v1/audit?from=ieri").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.json()["error"]["fields"]["from"]
            .as_str()
            .unwrap()
            .contains("AAAA-MM-GG")
    );
    let page = app
        .get_as(&admin, "/amministrazione/registro?action=token_revoked")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Token revocato"));
}

async fn disable_ends_sessions_and_tokens(app: &TestApp, admin: &Who, social: &Who) {
    // Disabling ends the user's sessions and tokens at once.
    let disabled = app
        .post_form_as(
            admin,
            "/amministrazione/utenti/lverdi/stato",
            &[("action", "disable")],
            None,
        )
        .await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get_as(social, "/profilo").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.get_as(social, "/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(app.log_in("lverdi", PASSWORD).await.is_none());
    // An admin cannot lock themselves out.
    let own = app
        .post_form_as(
            admin,
            &format!("/amministrazione/utenti/{}/stato", admin.username),
            &[("action", "disable")],
            None,
        )
        .await;
    assert_eq!(own.status, StatusCode::CONFLICT);

    let log = app
        .get_as(admin, "/api/v1/audit?action=user_disabled")
        .await
        .json();
    assert_eq!(log.as_array().unwrap().len(), 1);
    assert_eq!(log[0]["record_type"], "user");
}

#[tokio::test]
async fn the_audit_trail_cannot_be_changed_by_the_application_and_tampering_is_detected() {
    let app = TestApp::signed_in("coordinatore").await;
    let _ = app.get("/api/v1/me").await;
    assert!(matches!(app.t.db.audit_verify().await.unwrap(), Ok(n) if n >= 2));
    let url = app.t.url.to_string();
    let verify = || {
        crate::cli::presidio()
            .args(["audit", "verify", "--database", &url])
            .output()
            .unwrap()
    };
    let out = verify();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("integro"));

    // The database itself refuses changes and deletions.
    let postgres = matches!(app.t.db.backend(), presidio_db::Backend::Postgres);
    for sql in [
        "UPDATE audit_log SET actor = 'x' WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 1",
    ] {
        assert!(raw(&app, sql).await.is_err(), "{sql} was allowed");
    }
    // Someone with the database files bypasses the guard and edits entry 2: it is named.
    let unguard = if postgres {
        "ALTER TABLE audit_log DISABLE TRIGGER USER"
    } else {
        "DROP TRIGGER audit_log_no_update"
    };
    raw(&app, unguard).await.unwrap();
    raw(
        &app,
        "UPDATE audit_log SET actor = 'qualcun altro' WHERE seq = 2",
    )
    .await
    .unwrap();
    let out = verify();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("voce 2"), "{err}");
}

#[tokio::test]
async fn deleted_or_reordered_audit_entries_are_detected() {
    for tamper in ["delete", "reorder"] {
        let app = TestApp::signed_in("coordinatore").await;
        let _ = app.get("/api/v1/me").await;
        let postgres = matches!(app.t.db.backend(), presidio_db::Backend::Postgres);
        if postgres {
            raw(&app, "ALTER TABLE audit_log DISABLE TRIGGER USER")
                .await
                .unwrap();
        } else {
            raw(&app, "DROP TRIGGER audit_log_no_update").await.unwrap();
            raw(&app, "DROP TRIGGER audit_log_no_delete").await.unwrap();
        }
        if tamper == "delete" {
            raw(&app, "DELETE FROM audit_log WHERE seq = 2")
                .await
                .unwrap();
        } else {
            raw(&app, "UPDATE audit_log SET seq = -2 WHERE seq = 2")
                .await
                .unwrap();
            raw(&app, "UPDATE audit_log SET seq = 2 WHERE seq = 3")
                .await
                .unwrap();
            raw(&app, "UPDATE audit_log SET seq = 3 WHERE seq = -2")
                .await
                .unwrap();
        }
        let broken = app.t.db.audit_verify().await.unwrap().unwrap_err();
        assert_eq!(broken.seq(), 2, "{tamper}: {broken}");
    }
}

/// Runs SQL straight on the test database, as someone with access to its files would.
pub async fn raw(app: &TestApp, sql: &'static str) -> Result<(), sqlx::Error> {
    match &app.t.db {
        presidio_db::Db::Sqlite { write, .. } => sqlx::query(sql).execute(write).await.map(drop),
        presidio_db::Db::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(drop),
    }
}

#[tokio::test]
async fn admins_add_and_remove_roles_and_cannot_drop_their_own_admin_role() {
    let app = TestApp::new().await;
    let admin = app.sign_in("admin", &[]).await;
    let who = app.sign_in("operatore_pis", &[]).await;
    let base = format!("/amministrazione/utenti/{}/ruoli", who.username);
    let missing = app
        .post_form_as(&admin, &base, &[("role", "servizio_sociale")], None)
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.text().contains("Comuni: campo obbligatorio"));
    let again = app
        .post_form_as(&admin, &base, &[("role", "operatore_pis")], None)
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again.text().contains("Ruolo: valore già in uso"),
        "{}",
        again.text()
    );
    let added = app
        .post_form_as(
            &admin,
            &base,
            &[("role", "servizio_sociale"), ("municipalities", "015182")],
            None,
        )
        .await;
    assert_eq!(added.status, StatusCode::OK);
    assert!(
        added
            .text()
            .contains("Servizio sociale comunale (rhodense): Rho")
    );
    let me = app.get_as(&who, "/api/v1/me").await.json();
    assert_eq!(me["roles"].as_array().unwrap().len(), 2);

    let user_id = app
        .t
        .db
        .credentials(&who.username)
        .await
        .unwrap()
        .unwrap()
        .id;
    let grants = app.t.db.grants_of(user_id).await.unwrap();
    let pis = grants
        .iter()
        .find(|g| g.role == "operatore_pis")
        .unwrap()
        .id;
    let removed = app
        .post_form_as(&admin, &format!("{base}/{pis}/revoca"), &[], None)
        .await;
    assert_eq!(removed.status, StatusCode::OK);
    let me = app.get_as(&who, "/api/v1/me").await.json();
    assert_eq!(me["roles"][0]["role"], "servizio_sociale");
    let again = app
        .post_form_as(&admin, &format!("{base}/{pis}/revoca"), &[], None)
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);

    let admin_id = app
        .t
        .db
        .credentials(&admin.username)
        .await
        .unwrap()
        .unwrap()
        .id;
    let own = app.t.db.grants_of(admin_id).await.unwrap()[0].id;
    let refused = app
        .post_form_as(
            &admin,
            &format!(
                "/amministrazione/utenti/{}/ruoli/{own}/revoca",
                admin.username
            ),
            &[],
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let changes = app.audited("role_changed").await;
    let reasons: Vec<&str> = changes.iter().map(|e| e.entry.reason.as_str()).collect();
    assert_eq!(
        reasons,
        ["-operatore_pis@rhodense", "+servizio_sociale@rhodense"]
    );
}

#[tokio::test]
async fn retention_removes_old_entries_from_the_start_and_the_chain_still_verifies() {
    let app = TestApp::signed_in("coordinatore").await;
    let before = app.t.db.audit_verify().await.unwrap().unwrap();
    assert!(before >= 2);
    // Nothing is older than a month: nothing goes.
    let url = app.t.url.to_string();
    let out = crate::cli::presidio()
        .args([
            "audit",
            "purge",
            "--audit-retention-months",
            "1",
            "--database",
            &url,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 voci"));
    // Everything written so far is past a cut-off of now.
    let mut entry = presidio_domain::audit::Entry::new(
        presidio_db::now(),
        presidio_domain::audit::Action::AuditPurged,
    );
    entry.actor = "sistema".into();
    let cutoff = presidio_domain::time::UtcMillis(presidio_db::now().0 + 1);
    let removed = app.t.db.purge_audit(cutoff, &entry).await.unwrap();
    assert!(removed >= 3, "{removed}");
    // The purge entry (and the later ones) still verify, from the moved anchor.
    let _ = app.get("/api/v1/me").await;
    assert!(matches!(app.t.db.audit_verify().await.unwrap(), Ok(n) if n >= 1));
    let out = crate::cli::presidio()
        .args(["audit", "verify", "--database", &url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Entries after the anchor still cannot be deleted.
    assert!(raw(&app, "DELETE FROM audit_log").await.is_err());
}

#[tokio::test]
async fn admins_create_and_rename_organisations() {
    let app = TestApp::new().await;
    let admin = app.sign_in("admin", &[]).await;
    let path = "/amministrazione/organizzazioni";
    let empty = app
        .post_form_as(&admin, path, &[("name", " "), ("kind", "sanita")], None)
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.text().contains("Nome: campo obbligatorio"));
    let created = app
        .post_form_as(
            &admin,
            path,
            &[("name", "ASST Rhodense"), ("kind", "sanita")],
            None,
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let twice = app
        .post_form_as(
            &admin,
            path,
            &[("name", "ASST Rhodense"), ("kind", "sanita")],
            None,
        )
        .await;
    assert!(twice.text().contains("Nome: valore già in uso"));
    let ambito = app.t.db.list_ambiti().await.unwrap().remove(0);
    let org = app
        .t
        .db
        .organisation_summaries(ambito.id)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.name == "ASST Rhodense")
        .unwrap();
    let edit = format!("{path}/{}", org.id);
    let version = org.version.to_string();
    let renamed = app
        .post_form_as(
            &admin,
            &edit,
            &[
                ("name", "Ospedale di Rho"),
                ("kind", "sanita"),
                ("version", &version),
            ],
            None,
        )
        .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER);
    // A second edit on the version already changed is a conflict, not an overwrite.
    let stale = app
        .post_form_as(
            &admin,
            &edit,
            &[
                ("name", "Altro nome"),
                ("kind", "sanita"),
                ("version", &version),
            ],
            None,
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let page = app.get_as(&admin, path).await.text();
    assert!(page.contains("value=\"Ospedale di Rho\""));
    assert!(!page.contains("Altro nome"));
}

#[tokio::test]
async fn the_client_address_comes_from_the_proxy_only_when_trusted() {
    let mut app = TestApp::new().await;
    app.create_user("mrossi", "coordinatore", &[]).await;
    failed_login_via_proxy(&app).await;
    assert_eq!(app.audited("login_failed").await[0].entry.client_ip, "-");
    app.set_auth(presidio_web::auth::AuthConfig {
        trust_forwarded_for: true,
        ..Default::default()
    });
    failed_login_via_proxy(&app).await;
    assert_eq!(
        app.audited("login_failed").await[0].entry.client_ip,
        "198.51.100.7"
    );
}

async fn failed_login_via_proxy(app: &TestApp) {
    let request = axum::http::Request::post("/api/v1/auth/token")
        .header("content-type", "application/json")
        .header("x-forwarded-for", "203.0.113.9, 198.51.100.7")
        .body(axum::body::Body::from(
            r#"{"username":"mrossi","password":"no-no-no-no"}"#,
        ))
        .unwrap();
    assert_eq!(app.request(request).await.status, StatusCode::UNAUTHORIZED);
}

/// After a second Ambito is loaded, an admin of one Ambito still creates users in that one,
/// and an admin of both must say which: nothing lands in an Ambito by default.
#[tokio::test]
async fn admin_forms_ask_in_which_ambito_when_there_are_several() {
    let app = TestApp::new().await;
    let bollatese = app.add_bollatese().await;
    let admin = app.sign_in("admin", &[]).await;
    let page = app.get_as(&admin, "/amministrazione/utenti").await.text();
    assert!(page.contains("Rho") && !page.contains("Bollate"), "{page}");
    assert!(
        !page.contains("id=\"ambito\""),
        "one Ambito administered: no choice"
    );
    let new_user = |username: &'static str, ambito: &'static str, place: &'static str| {
        vec![
            ("username", username),
            ("name", "Luca Verdi"),
            ("organisation", "Comune"),
            ("organisation_kind", "servizio_sociale"),
            ("role", "servizio_sociale"),
            ("municipalities", place),
            ("password", PASSWORD),
            ("ambito", ambito),
        ]
    };
    let r = app
        .post_form_as(
            &admin,
            "/amministrazione/utenti",
            &new_user("lverdi", "rhodense", "015182"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let id = app.t.db.credentials("lverdi").await.unwrap().unwrap().id;
    let grants = app.t.db.grants_of(id).await.unwrap();
    assert_eq!(grants[0].ambito_code, "rhodense");
    // An Ambito the admin does not administer is refused.
    let r = app
        .post_form_as(
            &admin,
            "/amministrazione/utenti",
            &new_user("mneri", "bollatese", "015027"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.t.db.credentials("mneri").await.unwrap().is_none());
    admin_of_both_ambiti_chooses(&app, &admin, bollatese.id, new_user).await;
}

/// Admin of both Ambiti: the form asks, and the municipalities must be the chosen Ambito's.
async fn admin_of_both_ambiti_chooses(
    app: &TestApp,
    admin: &crate::support::Who,
    bollatese: presidio_domain::reference::AmbitoId,
    new_user: impl Fn(&'static str, &'static str, &'static str) -> Vec<(&'static str, &'static str)>,
) {
    let admin_id = app
        .t
        .db
        .credentials(&admin.username)
        .await
        .unwrap()
        .unwrap()
        .id;
    app.t
        .db
        .grant_role(
            admin_id,
            presidio_domain::access::Role::Admin,
            bollatese,
            &[],
            &presidio_domain::audit::Entry::new(
                presidio_db::now(),
                presidio_domain::audit::Action::RoleChanged,
            ),
        )
        .await
        .unwrap();
    let page = app.get_as(admin, "/amministrazione/utenti").await.text();
    assert!(
        page.contains("id=\"ambito\"") && page.contains("Bollate · Ambito Bollatese"),
        "{page}"
    );
    let create = |ambito: &'static str, place: &'static str| {
        let fields = new_user("mneri", ambito, place);
        async move {
            app.post_form_as(admin, "/amministrazione/utenti", &fields, None)
                .await
        }
    };
    let r = create("", "015027").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("Ambito: campo obbligatorio"),
        "{}",
        r.text()
    );
    let r = create("bollatese", "015182").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("comune non appartenente all&#39;Ambito"),
        "{}",
        r.text()
    );
    let r = create("bollatese", "015027").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let id = app.t.db.credentials("mneri").await.unwrap().unwrap().id;
    assert_eq!(
        app.t.db.grants_of(id).await.unwrap()[0].ambito_code,
        "bollatese"
    );
    // Adding a role asks the same.
    let roles = "/amministrazione/utenti/lverdi/ruoli";
    let r = app
        .post_form_as(admin, roles, &[("role", "analista")], None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form_as(
            admin,
            roles,
            &[("role", "analista"), ("ambito", "bollatese")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let codes: Vec<_> = app
        .t
        .db
        .grants_of(app.t.db.credentials("lverdi").await.unwrap().unwrap().id)
        .await
        .unwrap()
        .into_iter()
        .map(|g| format!("{}@{}", g.role, g.ambito_code))
        .collect();
    assert!(
        codes.contains(&"analista@bollatese".to_owned()),
        "{codes:?}"
    );
}

/// The chain's head moves only by appends and the purge: moving its start or its end by hand,
/// or giving it a hash of no entry, is refused by the database on both backends.
#[tokio::test]
async fn the_audit_head_cannot_be_moved_by_hand() {
    let app = TestApp::signed_in("coordinatore").await;
    for _ in 0..3 {
        let _ = app.get("/api/v1/me").await;
    }
    let before = app.t.db.audit_verify().await.unwrap().unwrap();
    assert!(before >= 3, "{before}");
    for tamper in [
        // Skip the first entries, with a hash that matches.
        "UPDATE audit_head SET first_seq = 3,
            first_prev = (SELECT hash FROM audit_log WHERE seq = 2) WHERE id = 1",
        // Cut the last entries off.
        "UPDATE audit_head SET seq = seq - 1,
            hash = (SELECT hash FROM audit_log WHERE seq = (SELECT seq - 1 FROM audit_head))
            WHERE id = 1",
        // A hash of no entry.
        "UPDATE audit_head SET hash = 'ff' WHERE id = 1",
        "UPDATE audit_head SET first_prev = 'ff' WHERE id = 1",
        "DELETE FROM audit_head",
    ] {
        assert!(
            crate::access::raw(&app, tamper).await.is_err(),
            "the database let through: {tamper}"
        );
    }
    assert_eq!(app.t.db.audit_verify().await.unwrap(), Ok(before));
    // The purge still moves it, with its own entry.
    let mut entry = presidio_domain::audit::Entry::new(
        presidio_db::now(),
        presidio_domain::audit::Action::AuditPurged,
    );
    entry.actor = "sistema".into();
    let removed = app
        .t
        .db
        .purge_audit(
            presidio_domain::time::UtcMillis(presidio_db::now().0 + 1),
            &entry,
        )
        .await
        .unwrap();
    assert!(removed >= 3);
    assert!(app.t.db.audit_verify().await.unwrap().is_ok());
}

/// Runs `sql` with text and number parameters on whichever backend the test uses.
pub async fn raw_with(app: &TestApp, sql: &str, texts: &[&str], numbers: &[i64]) {
    macro_rules! run {
        ($pool:expr) => {{
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
            for t in texts {
                q = q.bind(t.to_string());
            }
            for n in numbers {
                q = q.bind(*n);
            }
            q.execute($pool).await.unwrap();
        }};
    }
    match &app.t.db {
        presidio_db::Db::Sqlite { write, .. } => run!(write),
        presidio_db::Db::Postgres(pool) => run!(pool),
    }
}

/// Someone with full rights on the database rewrites the whole chain with fresh hashes: the
/// chain alone verifies, the anchors kept outside do not; cutting the end off is caught too.
#[tokio::test]
async fn anchors_outside_the_database_catch_a_rewritten_or_cut_chain() {
    let app = TestApp::signed_in("coordinatore").await;
    for _ in 0..3 {
        let _ = app.get("/api/v1/me").await;
    }
    let dir = tempfile::tempdir().unwrap();
    let anchors = dir.path().join("ancore");
    let url = app.t.url.to_string();
    let cli = |args: &[&str]| {
        let out = crate::cli::presidio()
            .args(args)
            .args(["--database", &url])
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let anchors_arg = anchors.to_str().unwrap();
    let (ok, text) = cli(&["audit", "anchor", "--anchors", anchors_arg]);
    assert!(ok, "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&anchors), 0o700);
        assert_eq!(mode(&anchors.join(presidio_app::anchors::FILE)), 0o600);
    }
    let _ = app.get("/api/v1/me").await;
    let (ok, text) = cli(&["audit", "verify", "--anchors", anchors_arg]);
    assert!(ok && text.contains("1 corrispondono"), "{text}");

    // The rewrite: triggers dropped, the first entry's actor changed, every hash recomputed.
    let drop = if matches!(app.t.db, presidio_db::Db::Sqlite { .. }) {
        [
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_head_guard",
        ]
    } else {
        [
            "DROP TRIGGER audit_log_no_update ON audit_log",
            "DROP TRIGGER audit_head_guard ON audit_head",
        ]
    };
    for sql in drop {
        raw(&app, sql).await.unwrap();
    }
    let mut stored = app
        .t
        .db
        .audit_search(&presidio_db::AuditFilter {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    stored.reverse();
    let mut prev = "0".repeat(64);
    for s in &mut stored {
        if s.seq == 1 {
            s.entry.actor = "qualcun altro".into();
        }
        let hash = presidio_domain::audit::chain_hash(&prev, s.seq, &s.entry);
        raw_with(
            &app,
            "UPDATE audit_log SET actor = $1, prev_hash = $2, hash = $3 WHERE seq = $4",
            &[&s.entry.actor, &prev, &hash],
            &[s.seq],
        )
        .await;
        prev = hash;
    }
    raw_with(
        &app,
        "UPDATE audit_head SET hash = $1 WHERE id = 1",
        &[&prev],
        &[],
    )
    .await;
    let (ok, text) = cli(&["audit", "verify"]);
    assert!(ok, "the chain alone cannot tell: {text}");
    let (ok, text) = cli(&["audit", "verify", "--anchors", anchors_arg]);
    assert!(!ok && text.contains("RISCRITTO"), "{text}");

    // Cut off: the entries after the first removed, and the head moved back to it.
    if matches!(app.t.db, presidio_db::Db::Sqlite { .. }) {
        raw(&app, "DROP TRIGGER audit_log_no_delete").await.unwrap();
    }
    raw(&app, "DELETE FROM audit_log WHERE seq > 1")
        .await
        .unwrap();
    raw(
        &app,
        "UPDATE audit_head SET seq = 1,
            hash = (SELECT hash FROM audit_log WHERE seq = 1) WHERE id = 1",
    )
    .await
    .unwrap();
    let (ok, text) = cli(&["audit", "verify"]);
    assert!(ok, "the chain alone cannot tell: {text}");
    let (ok, text) = cli(&["audit", "verify", "--anchors", anchors_arg]);
    assert!(!ok && text.contains("TRONCATO"), "{text}");
}

/// With an https public address every answer carries Strict-Transport-Security; over plain
/// http (development) none does.
#[tokio::test]
async fn strict_transport_security_is_sent_only_behind_https() {
    let mut app = TestApp::new().await;
    let r = app.get("/accesso").await;
    assert_eq!(r.header("strict-transport-security"), "");
    app.set_auth(presidio_web::auth::AuthConfig {
        public_url: "https://presidio.example.it".into(),
        secure_cookies: true,
        ..Default::default()
    });
    for path in ["/accesso", "/api/v1/openapi.json", "/pagina-che-non-esiste"] {
        let r = app.get(path).await;
        assert_eq!(
            r.header("strict-transport-security"),
            "max-age=31536000",
            "{path}"
        );
    }
}

/// An administrator's password reset ends the account's integration tokens with its sessions
/// (the account may be in the wrong hands); the README and the admin guide say so.
#[tokio::test]
async fn a_password_reset_by_an_admin_revokes_the_integration_tokens_too() {
    let app = TestApp::new().await;
    let admin = app.sign_in("admin", &[]).await;
    app.create_user("lverdi", "operatore_pis", &[]).await;
    let issued = app
        .post_form_as(
            &admin,
            "/amministrazione/token",
            &[
                ("name", "Gestionale comunale"),
                ("username", "lverdi"),
                ("days", "30"),
            ],
            None,
        )
        .await;
    let html = issued.text();
    let at = html.find("id=\"token-secret\">").unwrap() + 18;
    let token = html[at..at + 64].to_owned();
    assert_eq!(
        app.get_with(None, Some(&token), "/api/v1/me").await.status,
        StatusCode::OK
    );
    let reset = app
        .post_form_as(
            &admin,
            "/amministrazione/utenti/lverdi/password",
            &[("password", "un'altra frase lunga e nuova")],
            None,
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.text());
    assert!(reset.text().contains("token"), "the admin is told");
    assert_eq!(
        app.get_with(None, Some(&token), "/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// The audit page reads in Italian: the kind of record, the section, the roles and coded
/// reasons in words, never the stored codes.
#[tokio::test]
async fn the_audit_page_shows_no_bare_codes() {
    let app = TestApp::new().await;
    let admin = app.sign_in("admin", &[]).await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let r = crate::reports_api::post(
        &app,
        &desk,
        "/api/v1/reports",
        &crate::reports_api::minimal(),
    )
    .await;
    let id = r.json()["id"].as_i64().unwrap();
    let _ = app.get_as(&desk, &format!("/api/v1/reports/{id}")).await;
    let _ = app.log_in(&desk.username, "sbagliata-sbagliata").await;
    let html = app.get_as(&admin, "/amministrazione/registro").await.text();
    assert!(html.contains(&format!("Segnalazione {id}")), "{html}");
    assert!(html.contains("Operatore di centrale"), "{html}");
    let bare = format!(">report {id}");
    for code in [bare.as_str(), ">operatore_centrale<", ">user ", ">locked<"] {
        assert!(
            !html.contains(code),
            "bare code {code} on the page: {}",
            &html[html.find(code).unwrap().saturating_sub(300)..][..400]
        );
    }
}

/// The users' page refuses what the command line refuses (one implementation behind both), and
/// an account without an organisation goes to the Ambito's managing body, as on the command line.
#[tokio::test]
async fn the_users_page_checks_an_account_as_the_command_line_does() {
    let app = TestApp::new().await;
    let admin = app.sign_in("admin", &[]).await;
    let fields = [
        ("username", "lverdi"),
        ("name", "Luca Verdi"),
        ("organisation_kind", "nave"),
        ("role", "servizio_sociale"),
        ("municipalities", "999999"),
        ("password", PASSWORD),
    ];
    let refused = app
        .post_form_as(&admin, "/amministrazione/utenti", &fields, None)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().replace("&#39;", "'");
    let invalid = match presidio_app::accounts::create_user(
        &app.state,
        presidio_app::Caller::command_line("cli:test"),
        presidio_app::accounts::Creator::CommandLine,
        &presidio_app::accounts::NewAccount {
            username: "lverdi".into(),
            name: "Luca Verdi".into(),
            role: "servizio_sociale".into(),
            password: PASSWORD.into(),
            organisation_kind: "nave".into(),
            municipalities: vec!["999999".into()],
            ..Default::default()
        },
    )
    .await
    {
        Err(presidio_app::AppError::Invalid(invalid)) => invalid,
        other => panic!("{other:?}"),
    };
    let fields: Vec<&str> = invalid.0.iter().map(|e| e.field).collect();
    assert_eq!(fields, ["organisation_kind", "municipalities"]);
    for label in ["Tipo di organizzazione", "Comuni"] {
        assert!(page.contains(&format!("{label}: ")), "{label}: {page}");
    }
    assert!(app.t.db.credentials("lverdi").await.unwrap().is_none());
    let created = app
        .post_form_as(
            &admin,
            "/amministrazione/utenti",
            &[
                ("username", "lverdi"),
                ("name", "Luca Verdi"),
                ("organisation_kind", "ente_gestore"),
                ("role", "operatore_pis"),
                ("password", PASSWORD),
            ],
            None,
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
    let worker = app.log_in("lverdi", PASSWORD).await.unwrap();
    let me = app.get_as(&worker, "/api/v1/me").await.json();
    assert_eq!(
        me["organisation"], "Ambito Territoriale Sociale Rhodense",
        "{me}"
    );
}

/// An administrator of one Ambito neither sees nor disables the accounts of another; the
/// command line manages every account, and nobody disables their own.
#[tokio::test]
async fn admins_manage_only_the_accounts_of_their_own_ambito() {
    let app = TestApp::new().await;
    app.add_bollatese().await;
    let rho_admin = app.sign_in("admin", &[]).await;
    let bol_admin = app.sign_in_in("bollatese", "admin", &[]).await;
    app.create_user("lverdi", "operatore_pis", &[]).await;
    app.create_user_in("bollatese", "bianchi", "operatore_pis", &[])
        .await;
    let list = app
        .get_as(&bol_admin, "/amministrazione/utenti")
        .await
        .text();
    assert!(
        list.contains("bianchi") && !list.contains("lverdi"),
        "{list}"
    );
    let disable = [("action", "disable")];
    let r = app
        .post_form_as(
            &bol_admin,
            "/amministrazione/utenti/lverdi/stato",
            &disable,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get_as(&bol_admin, "/amministrazione/utenti/lverdi")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    for (path, fields) in [
        ("password", vec![("password", "un'altra password lunga")]),
        ("due-fattori", vec![]),
        ("ruoli", vec![("role", "operatore_pis")]),
    ] {
        let r = app
            .post_form_as(
                &bol_admin,
                &format!("/amministrazione/utenti/lverdi/{path}"),
                &fields,
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert!(
        app.log_in("lverdi", PASSWORD).await.is_some(),
        "lverdi still signs in with the same password"
    );
    let r = app
        .post_form_as(
            &bol_admin,
            &format!("/amministrazione/utenti/{}/stato", bol_admin.username),
            &disable,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = app
        .post_form_as(
            &rho_admin,
            "/amministrazione/utenti/lverdi/stato",
            &disable,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        app.log_in("lverdi", PASSWORD).await.is_none(),
        "lverdi is disabled"
    );
    presidio_app::accounts::set_disabled(
        &app.state,
        presidio_app::Caller::command_line("cli:test"),
        presidio_app::accounts::Creator::CommandLine,
        "bianchi",
        true,
    )
    .await
    .unwrap();
    assert!(app.log_in("bianchi", PASSWORD).await.is_none());
}

#[tokio::test]
async fn the_users_api_lists_only_the_accounts_the_admin_manages() {
    let app = TestApp::new().await;
    app.add_bollatese().await;
    let bol_admin = app.sign_in_in("bollatese", "admin", &[]).await;
    app.create_user("lverdi", "operatore_pis", &[]).await;
    app.create_user_in("bollatese", "bianchi", "operatore_pis", &[])
        .await;
    let users = app.get_as(&bol_admin, "/api/v1/users").await.json();
    let names: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["username"].as_str())
        .collect();
    assert!(
        names.contains(&"bianchi") && !names.contains(&"lverdi"),
        "{names:?}"
    );
}

/// Tokens and roles follow the accounts: an administrator of one Ambito neither sees, issues
/// nor revokes the tokens of another Ambito's accounts, nor removes a role held there.
#[tokio::test]
async fn admins_reach_only_the_tokens_and_roles_of_their_own_ambito() {
    let app = TestApp::new().await;
    let bollatese = app.add_bollatese().await;
    let rho_admin = app.sign_in("admin", &[]).await;
    let bol_admin = app.sign_in_in("bollatese", "admin", &[]).await;
    app.create_user("lverdi", "operatore_pis", &[]).await;
    let token = |username: &'static str| {
        [
            ("name", "Gestionale comunale"),
            ("username", username),
            ("days", "30"),
        ]
    };
    let r = app
        .post_form_as(&bol_admin, "/amministrazione/token", &token("lverdi"), None)
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another Ambito's account"
    );
    let r = app
        .post_form_as(&rho_admin, "/amministrazione/token", &token("lverdi"), None)
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let id = app.t.db.tokens().await.unwrap()[0].id;
    let list = app
        .get_as(&bol_admin, "/amministrazione/token")
        .await
        .text();
    assert!(!list.contains("Gestionale comunale"), "{list}");
    let r = app
        .post_form_as(
            &bol_admin,
            &format!("/amministrazione/token/{id}/revoca"),
            &[],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(app.t.db.tokens().await.unwrap()[0].revoked_at.is_none());

    // lverdi now works in both Ambiti: the Bollatese admin manages the account, but only
    // the Bollatese role.
    let user = app.t.db.credentials("lverdi").await.unwrap().unwrap();
    app.t
        .db
        .grant_role(
            user.id,
            presidio_domain::access::Role::OperatorePis,
            bollatese.id,
            &[],
            &presidio_domain::audit::Entry::new(
                presidio_db::now(),
                presidio_domain::audit::Action::RoleChanged,
            ),
        )
        .await
        .unwrap();
    let grants = app.t.db.grants_of(user.id).await.unwrap();
    let rho_grant = grants
        .iter()
        .find(|g| g.ambito_code != "bollatese")
        .unwrap();
    let bol_grant = grants
        .iter()
        .find(|g| g.ambito_code == "bollatese")
        .unwrap();
    let remove = |g: i64| format!("/amministrazione/utenti/lverdi/ruoli/{g}/revoca");
    let r = app
        .post_form_as(&bol_admin, &remove(rho_grant.id), &[], None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .post_form_as(&bol_admin, &remove(bol_grant.id), &[], None)
        .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "back to the list: the account is no longer the Bollatese admin's"
    );
    assert_eq!(app.t.db.grants_of(user.id).await.unwrap().len(), 1);
}
