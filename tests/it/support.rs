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
    router: axum::Router,
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
            router: presidio_web::router(state),
            t,
        }
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

    pub async fn get(&self, path: &str) -> TestResponse {
        self.request(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> TestResponse {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", content_type)
            .header("content-length", body.len())
            .body(Body::from(body))
            .unwrap();
        self.request(request).await
    }
}
