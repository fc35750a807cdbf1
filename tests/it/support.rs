//! Helpers: a fresh database on the chosen backend, the real router, requests.

use std::sync::atomic::{AtomicU32, Ordering};

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use presidio_db::{DatabaseUrl, Db};
use tower::ServiceExt as _;

/// The PostgreSQL server to test against, if any: a URL to a database the tests may use to create
/// their own (e.g. `postgres://postgres@127.0.0.1:5433/postgres`).
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("PRESIDIO_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A database that lives as long as the test.
pub struct TestDb {
    pub db: Db,
    pub url: DatabaseUrl,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A fresh, migrated, empty database on the backend under test.
    pub async fn empty() -> Self {
        let (url, dir) = fresh_url().await;
        let db = Db::open(&url).await.expect("the test database opens");
        Self { db, url, _dir: dir }
    }

    /// A fresh database holding the Ambito Rhodense, as after a first start.
    pub async fn seeded() -> Self {
        let t = Self::empty().await;
        assert!(t.db.seed_if_empty().await.unwrap());
        t
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The URL of a database nobody has used yet, with the folder that holds it (SQLite).
pub async fn fresh_url() -> (DatabaseUrl, Option<tempfile::TempDir>) {
    let Some(admin) = postgres_admin_url() else {
        let dir = tempfile::tempdir().expect("a temporary folder");
        return (
            DatabaseUrl::Sqlite(dir.path().join("presidio.db")),
            Some(dir),
        );
    };
    let name = format!(
        "presidio_t_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let pool = sqlx::PgPool::connect(&admin)
        .await
        .expect("the test PostgreSQL answers");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&pool)
        .await
        .expect("a test database can be created");
    pool.close().await;
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(base, _)| base);
    (DatabaseUrl::Postgres(format!("{base}/{name}")), None)
}

/// The real application over a test database.
pub struct TestApp {
    pub t: TestDb,
    /// The application state the router serves (to watch the board's events).
    pub state: presidio_web::AppState,
    router: axum::Router,
    /// Whose credentials `get` and `send` present, if anyone's.
    pub who: Option<Who>,
}

/// A signed-in test user: a bearer token for the API, a session cookie and its CSRF token for
/// the pages.
#[derive(Clone, Debug)]
pub struct Who {
    pub username: String,
    pub token: String,
    pub cookie: String,
    pub csrf: String,
}

/// Two municipalities of the Ambito Bollatese, for tests with a second Ambito.
pub const BOLLATESE_CSV: &str = "istat_code,belfiore_code,name,province,postal_code,population
015027,A940,Bollate,MI,20021,36488
015157,F955,Novate Milanese,MI,20026,20019
";

/// A password that passes the password rule.
pub const PASSWORD: &str = "cavallo batteria graffetta";

/// The value of cookie `name` among the `Set-Cookie` headers of a response.
pub fn set_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The value of the hidden `csrf` field of a page.
pub fn csrf_of(html: &str) -> String {
    let needle = "name=\"csrf\" value=\"";
    let at = html.find(needle).expect("the page has a CSRF field");
    let rest = &html[at + needle.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("a UTF-8 body")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

impl TestApp {
    pub async fn new() -> Self {
        let t = TestDb::seeded().await;
        let state = presidio_web::AppState::new(t.db.clone(), t.url.to_string());
        Self {
            router: presidio_web::router(state.clone()),
            state,
            t,
            who: None,
        }
    }

    /// Rebuilds the application over the same database with another sign-in configuration.
    pub fn set_auth(&mut self, config: presidio_web::auth::AuthConfig) {
        let state = presidio_web::AppState::new(self.t.db.clone(), self.t.url.to_string())
            .with_auth(config);
        self.router = presidio_web::router(state.clone());
        self.state = state;
    }

    /// Rebuilds the application over the same database with another field configuration
    /// (check-in interval, e-mail relay).
    pub fn set_field(&mut self, config: presidio_app::FieldConfig) {
        let state = presidio_web::AppState::new(self.t.db.clone(), self.t.url.to_string())
            .with_field(config);
        self.router = presidio_web::router(state.clone());
        self.state = state;
    }

    /// The application with a signed-in user of `role` presenting their credentials.
    pub async fn signed_in(role: &str) -> Self {
        let mut app = Self::new().await;
        app.who = Some(app.sign_in(role, &[]).await);
        app
    }

    /// Creates an account of `role` in the Ambito Rhodense (bound to `municipalities`) straight
    /// in the database.
    pub async fn create_user(&self, username: &str, role: &str, municipalities: &[&str]) {
        self.create_user_in("rhodense", username, role, municipalities)
            .await;
    }

    /// Loads a second Ambito, the Bollatese, with two municipalities and its own protocol prefix.
    pub async fn add_bollatese(&self) -> presidio_domain::reference::Ambito {
        self.t
            .db
            .import_ambito(
                &presidio_domain::reference::AmbitoData {
                    code: "bollatese".into(),
                    name: "Ambito Bollatese".into(),
                    report_prefix: "BOL".into(),
                },
                BOLLATESE_CSV,
            )
            .await
            .expect("the second Ambito loads")
            .ambito
    }

    /// Creates an account of `role` in the Ambito with code `ambito` straight in the database.
    pub async fn create_user_in(
        &self,
        ambito: &str,
        username: &str,
        role: &str,
        municipalities: &[&str],
    ) {
        self.create_member(
            ambito,
            username,
            role,
            municipalities,
            "Cooperativa di prova",
        )
        .await;
    }

    /// Creates an account of `role` in organisation `organisation` (made when new).
    pub async fn create_member(
        &self,
        ambito: &str,
        username: &str,
        role: &str,
        municipalities: &[&str],
        organisation: &str,
    ) {
        let user = presidio_domain::account::NewUserInput {
            username: username.into(),
            name: format!("Utente {username}"),
            role: role.into(),
            password: PASSWORD.into(),
        }
        .validate()
        .expect("a valid test user");
        let ambito = self.t.db.ambito_by_code(ambito).await.unwrap();
        let bound: Vec<_> = municipalities
            .iter()
            .map(|m| presidio_domain::reference::IstatCode::parse(m).unwrap())
            .collect();
        let hash = presidio_app::password::hash_blocking(PASSWORD);
        self.t
            .db
            .create_user(
                &presidio_db::UserToCreate {
                    user: &user,
                    organisation: presidio_db::OrganisationChoice::Named {
                        name: organisation,
                        kind: presidio_domain::account::OrganisationKind::Cooperativa,
                    },
                    ambito: ambito.id,
                    municipalities: &bound,
                    password_hash: &hash,
                },
                &presidio_domain::audit::Entry::new(
                    presidio_db::now(),
                    presidio_domain::audit::Action::UserCreated,
                ),
            )
            .await
            .expect("the test user is stored");
    }

    /// Creates a user of `role` and signs them in through the API and through the login page.
    pub async fn sign_in(&self, role: &str, municipalities: &[&str]) -> Who {
        self.sign_in_in("rhodense", role, municipalities).await
    }

    /// Like [`TestApp::sign_in`], for a role in the Ambito with code `ambito`.
    pub async fn sign_in_in(&self, ambito: &str, role: &str, municipalities: &[&str]) -> Who {
        static USERS: AtomicU32 = AtomicU32::new(0);
        let username = format!(
            "{}{}",
            role.replace('_', ""),
            USERS.fetch_add(1, Ordering::Relaxed)
        );
        self.create_user_in(ambito, &username, role, municipalities)
            .await;
        self.log_in(&username, PASSWORD)
            .await
            .expect("the test user logs in")
    }

    /// Creates a user of `role` in organisation `organisation` of the Rhodense and signs them in.
    pub async fn sign_in_member(&self, role: &str, organisation: &str) -> Who {
        static MEMBERS: AtomicU32 = AtomicU32::new(0);
        let username = format!("member{}", MEMBERS.fetch_add(1, Ordering::Relaxed));
        self.create_member("rhodense", &username, role, &[], organisation)
            .await;
        self.log_in(&username, PASSWORD)
            .await
            .expect("the test user logs in")
    }

    /// Logs in through the token endpoint and the login form; `None` when either refuses.
    pub async fn log_in(&self, username: &str, password: &str) -> Option<Who> {
        let body = serde_json::json!({"username": username, "password": password});
        let r = self
            .send(
                Method::POST,
                "/api/v1/auth/token",
                "application/json",
                body.to_string().into_bytes(),
            )
            .await;
        if r.status != StatusCode::OK {
            return None;
        }
        let token = r.json()["token"].as_str().unwrap().to_owned();
        let form = self.get_anonymous("/accesso").await;
        let anon_csrf = set_cookie(&form.headers, "presidio_csrf").expect("a CSRF cookie");
        assert_eq!(csrf_of(&form.text()), anon_csrf);
        let fields = serde_urlencoded_pairs(&[
            ("csrf", &anon_csrf),
            ("username", username),
            ("password", password),
            ("next", "/"),
        ]);
        let request = Request::post("/accesso")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", format!("presidio_csrf={anon_csrf}"))
            .body(Body::from(fields))
            .unwrap();
        let r = self.request(request).await;
        if r.status != StatusCode::SEE_OTHER {
            return None;
        }
        let cookie = format!(
            "presidio_session={}",
            set_cookie(&r.headers, "presidio_session").expect("a session cookie")
        );
        let home = self.get_with(Some(&cookie), None, "/profilo").await;
        let csrf = csrf_of(&home.text());
        Some(Who {
            username: username.to_owned(),
            token,
            cookie,
            csrf,
        })
    }

    /// The audit entries of `action`, newest first.
    pub async fn audited(&self, action: &str) -> Vec<presidio_domain::audit::Stored> {
        self.t
            .db
            .audit_search(&presidio_db::AuditFilter {
                action: action.into(),
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap()
    }

    /// A form POST from a visitor not signed in, carrying `csrf` as cookie and as field.
    pub async fn post_anonymous_form(&self, path: &str, csrf: &str, fields: &str) -> TestResponse {
        let request = Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", format!("presidio_csrf={csrf}"))
            .body(Body::from(format!("csrf={csrf}&{fields}")))
            .unwrap();
        self.request(request).await
    }

    async fn get_anonymous(&self, path: &str) -> TestResponse {
        self.get_with(None, None, path).await
    }

    /// The status and headers of a GET as `who`, without reading the body (for event streams,
    /// which never end).
    pub async fn head_as(&self, who: &Who, path: &str) -> (StatusCode, HeaderMap) {
        let mut request = Request::get(path);
        request = if path.starts_with("/api/v1/") {
            request.header("authorization", format!("Bearer {}", who.token))
        } else {
            request.header("cookie", &who.cookie)
        };
        let response = self
            .router
            .clone()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .expect("the router answers");
        (response.status(), response.headers().clone())
    }

    /// A GET with this cookie and this bearer token.
    pub async fn get_with(
        &self,
        cookie: Option<&str>,
        token: Option<&str>,
        path: &str,
    ) -> TestResponse {
        let mut request = Request::get(path);
        if let Some(c) = cookie {
            request = request.header("cookie", c);
        }
        if let Some(t) = token {
            request = request.header("authorization", format!("Bearer {t}"));
        }
        self.request(request.body(Body::empty()).unwrap()).await
    }

    /// A GET as `who` (API paths with the token, pages with the session).
    pub async fn get_as(&self, who: &Who, path: &str) -> TestResponse {
        if path.starts_with("/api/v1/") {
            self.get_with(None, Some(&who.token), path).await
        } else {
            self.get_with(Some(&who.cookie), None, path).await
        }
    }

    /// A form POST as `who`, with their CSRF token unless `csrf` says otherwise.
    pub async fn post_form_as(
        &self,
        who: &Who,
        path: &str,
        fields: &[(&str, &str)],
        csrf: Option<&str>,
    ) -> TestResponse {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        let token = csrf.unwrap_or(&who.csrf);
        if !token.is_empty() {
            all.push(("csrf", token));
        }
        let request = Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &who.cookie)
            .body(Body::from(serde_urlencoded_pairs(&all)))
            .unwrap();
        self.request(request).await
    }

    pub async fn request(&self, request: Request<Body>) -> TestResponse {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes()
            .to_vec();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    /// A GET with the credentials of [`TestApp::who`], if any.
    pub async fn get(&self, path: &str) -> TestResponse {
        match &self.who {
            Some(who) => self.get_as(who, path).await,
            None => self.get_anonymous(path).await,
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> TestResponse {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", content_type)
            .header("content-length", body.len());
        if let Some(who) = &self.who {
            request = request.header("authorization", format!("Bearer {}", who.token));
        }
        self.request(request.body(Body::from(body)).unwrap()).await
    }
}

/// `application/x-www-form-urlencoded` text of these fields.
pub fn serde_urlencoded_pairs(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
