//! The second factor: enrolment, login with a one-time code or a recovery code, replay refusal,
//! the admin setting that makes it mandatory per role, and password changes and resets.

use axum::http::{Method, StatusCode};
use presidio_domain::second_factor as sf;

use crate::support::{PASSWORD, TestApp, Who, csrf_of, set_cookie};

fn now_secs() -> u64 {
    u64::try_from(presidio_db::now().0 / 1000).unwrap()
}

/// The value of the hidden field `name` of a page.
fn hidden(html: &str, name: &str) -> String {
    let needle = format!("name=\"{name}\" value=\"");
    let at = html.find(&needle).expect("the field is on the page") + needle.len();
    html[at..at + html[at..].find('"').unwrap()].to_owned()
}

/// Enrols `who` from the profile page; returns the secret and the recovery codes shown once.
async fn enrol(app: &TestApp, who: &Who) -> (Vec<u8>, Vec<String>) {
    let page = app.get_as(who, "/profilo/due-fattori").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("<svg"), "a QR code is drawn");
    let secret_text = hidden(&html, "secret");
    let secret = sf::from_base32(&secret_text).unwrap();
    // A wrong code is refused on its field and enrols nothing.
    let wrong = app
        .post_form_as(
            who,
            "/profilo/due-fattori",
            &[("secret", &secret_text), ("totp_code", "000000")],
            None,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong
            .text()
            .contains("Codice di 6 cifre: codice non valido"),
        "{}",
        wrong.text()
    );
    let code = sf::code_at(&secret, now_secs()).unwrap();
    let done = app
        .post_form_as(
            who,
            "/profilo/due-fattori",
            &[("secret", &secret_text), ("totp_code", &code)],
            None,
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    let html = done.text();
    let codes: Vec<String> = html
        .split("<li><code>")
        .skip(1)
        .map(|part| part[..part.find('<').unwrap()].to_owned())
        .collect();
    assert_eq!(codes.len(), 10, "{html}");
    (secret, codes)
}

/// Posts the login form; returns the session cookie and where it was sent.
async fn password_step(app: &TestApp, username: &str) -> (String, String) {
    let form = app.get_with(None, None, "/accesso").await;
    let csrf = csrf_of(&form.text());
    let r = app
        .post_anonymous_form(
            "/accesso",
            &csrf,
            &format!(
                "username={username}&password={}&next=%2Fambiti",
                PASSWORD.replace(' ', "+")
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cookie = format!(
        "presidio_session={}",
        set_cookie(&r.headers, "presidio_session").unwrap()
    );
    (cookie, r.header("location").to_owned())
}

async fn send_code(app: &TestApp, cookie: &str, code: &str) -> crate::support::TestResponse {
    let page = app.get_with(Some(cookie), None, "/accesso/codice").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = csrf_of(&page.text());
    let request = axum::http::Request::post("/accesso/codice")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie)
        .body(axum::body::Body::from(format!(
            "csrf={csrf}&code={code}&next=%2Fambiti"
        )))
        .unwrap();
    app.request(request).await
}

fn token_request(username: &str, totp: Option<&str>) -> Vec<u8> {
    let mut body = serde_json::json!({"username": username, "password": PASSWORD});
    if let Some(code) = totp {
        body["totp"] = code.into();
    }
    body.to_string().into_bytes()
}

#[tokio::test]
async fn an_enrolled_user_needs_a_code_once_per_step_or_a_recovery_code_once() {
    let app = TestApp::new().await;
    let who = app.sign_in("operatore_pis", &[]).await;
    let (secret, recovery) = enrol(&app, &who).await;

    // The password alone opens only the code page.
    let (cookie, location) = password_step(&app, &who.username).await;
    assert_eq!(location, "/accesso/codice?next=%2Fambiti");
    let blocked = app.get_with(Some(&cookie), None, "/ambiti").await;
    assert_eq!(blocked.status, StatusCode::SEE_OTHER);
    assert_eq!(blocked.header("location"), "/accesso/codice");
    assert_eq!(
        send_code(&app, &cookie, "123456").await.status,
        StatusCode::UNAUTHORIZED
    );
    // The code of the next step (the one of enrolment's step is spent) lets in, once.
    let code = sf::code_at(&secret, now_secs() + 30).unwrap();
    let ok = send_code(&app, &cookie, &code).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.header("location"), "/ambiti");
    assert_eq!(
        app.get_with(Some(&cookie), None, "/ambiti/rhodense")
            .await
            .status,
        StatusCode::OK
    );
    let (second, _) = password_step(&app, &who.username).await;
    assert_eq!(
        send_code(&app, &second, &code).await.status,
        StatusCode::UNAUTHORIZED,
        "replayed"
    );
    // A recovery code works once, typed loosely.
    let typed = recovery[0].to_uppercase().replace('-', " ");
    let r = send_code(&app, &second, &typed.replace(' ', "+")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let (third, _) = password_step(&app, &who.username).await;
    assert_eq!(
        send_code(&app, &third, &recovery[0]).await.status,
        StatusCode::UNAUTHORIZED
    );

    // The API wants the code too.
    let send =
        |body: Vec<u8>| app.send(Method::POST, "/api/v1/auth/token", "application/json", body);
    let r = send(token_request(&who.username, None)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"]["code"], "totp_required");
    let r = send(token_request(&who.username, Some(&recovery[1]))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = send(token_request(&who.username, Some(&recovery[1]))).await;
    assert_eq!(r.json()["error"]["code"], "totp_invalid");

    let profile = app
        .get_with(Some(&cookie), None, "/profilo/due-fattori")
        .await
        .text();
    assert!(
        profile.contains("Codici di recupero ancora validi: 8"),
        "{profile}"
    );
}

#[tokio::test]
async fn an_admin_makes_the_second_factor_mandatory_for_a_role() {
    let app = TestApp::new().await;
    let admin = app.sign_in("admin", &[]).await;
    app.create_user("ccoord", "coordinatore", &[]).await;
    app.create_user("aanal", "analista", &[]).await;
    let saved = app
        .post_form_as(
            &admin,
            "/amministrazione/due-fattori",
            &[("roles", "coordinatore")],
            None,
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = app.get_as(&admin, "/amministrazione/utenti").await.text();
    assert!(
        page.contains("id=\"totp-coordinatore\" name=\"roles\" value=\"coordinatore\" checked"),
        "{page}"
    );
    let bad = app
        .post_form_as(
            &admin,
            "/amministrazione/due-fattori",
            &[("roles", "capo")],
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // The coordinator must enrol before anything else; the analyst is not affected.
    let (cookie, location) = password_step(&app, "ccoord").await;
    assert_eq!(location, "/profilo/due-fattori?next=%2Fambiti");
    let elsewhere = app.get_with(Some(&cookie), None, "/").await;
    assert_eq!(elsewhere.header("location"), "/profilo/due-fattori");
    let page = app
        .get_with(Some(&cookie), None, "/profilo/due-fattori")
        .await
        .text();
    assert!(page.contains("Il proprio ruolo richiede la verifica in due passaggi"));
    let r = app
        .send(
            Method::POST,
            "/api/v1/auth/token",
            "application/json",
            token_request("ccoord", None),
        )
        .await;
    assert_eq!(r.json()["error"]["code"], "totp_enrolment_required");
    let (_, location) = password_step(&app, "aanal").await;
    assert_eq!(location, "/ambiti");

    // Enrolling finishes the login.
    let secret_text = hidden(&page, "secret");
    let secret = sf::from_base32(&secret_text).unwrap();
    let csrf = csrf_of(&page);
    let code = sf::code_at(&secret, now_secs()).unwrap();
    let request = axum::http::Request::post("/profilo/due-fattori")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", &cookie)
        .body(axum::body::Body::from(format!(
            "csrf={csrf}&secret={secret_text}&totp_code={code}&next=%2Fambiti"
        )))
        .unwrap();
    assert_eq!(app.request(request).await.status, StatusCode::OK);
    assert_eq!(
        app.get_with(Some(&cookie), None, "/ambiti/rhodense")
            .await
            .status,
        StatusCode::OK
    );

    // Lost phone: the admin resets it, the coordinator's sessions end and enrolment is due again.
    let reset = app
        .post_form_as(
            &admin,
            "/amministrazione/utenti/ccoord/due-fattori",
            &[],
            None,
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK);
    assert!(reset.text().contains("Verifica in due passaggi azzerata"));
    assert_eq!(
        app.get_with(Some(&cookie), None, "/ambiti/rhodense")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let (_, location) = password_step(&app, "ccoord").await;
    assert!(location.starts_with("/profilo/due-fattori"));
    assert_audited(
        &app,
        &[
            "settings_changed",
            "second_factor_enrolled",
            "second_factor_reset",
        ],
    )
    .await;
}

#[tokio::test]
async fn users_change_their_password_and_admins_reset_it() {
    let app = TestApp::new().await;
    let admin = app.sign_in("admin", &[]).await;
    let who = app.sign_in("operatore_centrale", &[]).await;
    let new = "treno delle tre e un quarto";
    let wrong = app
        .post_form_as(
            &who,
            "/profilo/password",
            &[
                ("current_password", "sbagliata"),
                ("password", "corta"),
                ("password_confirm", "altra"),
            ],
            None,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = wrong.text();
    assert!(html.contains("Password attuale: non corretta."), "{html}");
    assert!(
        html.contains("Ripetere la password: le due password non coincidono."),
        "{html}"
    );
    assert!(
        app.log_in(&who.username, PASSWORD).await.is_some(),
        "nothing changed"
    );
    let ok = app
        .post_form_as(
            &who,
            "/profilo/password",
            &[
                ("current_password", PASSWORD),
                ("password", new),
                ("password_confirm", new),
            ],
            None,
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok.text().contains("Password cambiata"));
    assert_eq!(
        app.get_as(&who, "/profilo").await.status,
        StatusCode::OK,
        "this session stays"
    );
    assert!(app.log_in(&who.username, PASSWORD).await.is_none());
    assert!(app.log_in(&who.username, new).await.is_some());

    // The admin sets an initial password again; a weak one is refused on its field.
    let path = format!("/amministrazione/utenti/{}/password", who.username);
    let weak = app
        .post_form_as(&admin, &path, &[("password", "password1234")], None)
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        weak.text().contains("Password: troppo facile"),
        "{}",
        weak.text()
    );
    let reset = app
        .post_form_as(&admin, &path, &[("password", PASSWORD)], None)
        .await;
    assert_eq!(reset.status, StatusCode::OK);
    assert_eq!(
        app.get_as(&who, "/profilo").await.status,
        StatusCode::SEE_OTHER,
        "sessions ended"
    );
    assert!(app.log_in(&who.username, PASSWORD).await.is_some());
    let page = app
        .get_as(&admin, &format!("/amministrazione/utenti/{}", who.username))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        app.get_as(&admin, "/amministrazione/utenti/nessuno")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

/// Fails unless each of `expected` is among the audit trail's actions.
async fn assert_audited(app: &TestApp, expected: &[&str]) {
    let actions: Vec<String> = app
        .t
        .db
        .audit_search(&presidio_db::AuditFilter {
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.entry.action)
        .collect();
    for action in expected {
        assert!(actions.iter().any(|a| a == action), "{action} missing");
    }
}

/// Wrong one-time codes sent in parallel with the right password each count: the account locks
/// after five, and then even the right code is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_wrong_codes_at_once_lock_the_account_after_five() {
    let app = TestApp::new().await;
    let who = app.sign_in("operatore_pis", &[]).await;
    let (secret, _) = enrol(&app, &who).await;
    let wrong = String::from_utf8(token_request(&who.username, Some("000000"))).unwrap();
    let (app, answers) = crate::access::token_burst(app, vec![wrong; 40]).await;
    let count = |code| crate::access::count(&answers, code);
    assert_eq!(count("totp_invalid"), 5, "{answers:?}");
    assert_eq!(count("locked"), 35, "{answers:?}");
    assert_eq!(app.audited("lockout").await.len(), 1);
    let code = sf::code_at(&secret, now_secs() + 30).unwrap();
    let right = String::from_utf8(token_request(&who.username, Some(&code))).unwrap();
    let (_app, answers) = crate::access::token_burst(app, vec![right]).await;
    assert_eq!(answers[0].1, "locked");
}

/// Through the API the password comes with every code: a right password must not wipe the
/// wrong codes counted before it.
#[tokio::test]
async fn wrong_codes_one_after_the_other_lock_the_account_too() {
    let app = TestApp::new().await;
    let who = app.sign_in("operatore_pis", &[]).await;
    enrol(&app, &who).await;
    let send =
        |body: Vec<u8>| app.send(Method::POST, "/api/v1/auth/token", "application/json", body);
    for _ in 0..5 {
        let r = send(token_request(&who.username, Some("000000"))).await;
        assert_eq!(r.json()["error"]["code"], "totp_invalid");
    }
    let r = send(token_request(&who.username, Some("000000"))).await;
    assert_eq!(r.json()["error"]["code"], "locked");
}
