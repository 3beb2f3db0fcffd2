//! The integration-test harness: `TestApp` drives `tongyao::app(state)` in process (no sockets)
//! on a database of its own, SQLite or PostgreSQL, and keeps a cookie jar per client.
//!
//! * SQLite: a fresh file in the temp directory per test, removed when the `TestApp` drops.
//! * PostgreSQL (`TONGYAO_TEST_PG_URL`, default `postgres://postgres@127.0.0.1:5432`): a migrated
//!   and seeded template database is built once per test process (`tongyao_tpl_<pid>`), and each
//!   test gets `CREATE DATABASE tongyao_t_<pid>_<n> TEMPLATE tongyao_tpl_<pid>`, dropped when the
//!   `TestApp` drops. Databases left by test processes that no longer run are dropped at start.
//!   Under `cargo nextest` (one process per test) a template would be used once, so the test
//!   database is migrated and seeded directly instead.
//!   `TONGYAO_TEST_SKIP_POSTGRES=1` skips the PostgreSQL half; without it an unreachable server
//!   fails the test with instructions.
//!
//! Write a test once for both databases with [`both!`]:
//!
//! ```text
//! both!(signs_in, |app| async move {
//!     app.login("demo-committee-1").await;
//!     app.get("/api/v1/me").await.assert_status(200);
//! });
//! ```
//! which generates `signs_in::sqlite` and `signs_in::postgres`.
use std::collections::BTreeMap;
use std::future::{Future, IntoFuture};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use sea_orm::{
    ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend,
    EntityTrait, QueryFilter, Statement,
};
use serde_json::Value;
use tower::ServiceExt;

pub use serde_json::json;
pub use tongyao::config::Settings;
pub use tongyao::state::AppState;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = tongyao::demo::DEMO_PASSWORD;

/// Demo accounts of the first consortium (and the system administrator), one role each.
pub const DEMO_USERS: &[(&str, &str)] = &[
    ("system_admin", "demo-admin"),
    ("consortium_admin", "demo-consortium-admin"),
    ("committee", "demo-committee-1"),
    ("procurement", "demo-procurement"),
    ("distribution", "demo-distribution"),
    ("pharmacist", "demo-pharmacist"),
    ("prescriber", "demo-prescriber"),
    ("auditor", "demo-auditor"),
];

/// The demo account holding `role` (first consortium, or none for system_admin).
pub fn demo_user_for(role: &str) -> &'static str {
    DEMO_USERS
        .iter()
        .find(|(r, _)| *r == role)
        .map(|(_, u)| *u)
        .unwrap_or_else(|| panic!("no demo account has role {role}"))
}

pub const SKIP_POSTGRES_VAR: &str = "TONGYAO_TEST_SKIP_POSTGRES";
pub const PG_URL_VAR: &str = "TONGYAO_TEST_PG_URL";
const PG_DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

impl Db {
    pub fn name(self) -> &'static str {
        match self {
            Db::Sqlite => "sqlite",
            Db::Postgres => "postgres",
        }
    }
}

/// What the database holds when the test starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setup {
    /// Migrated, with the demo organisation (two consortia, demo users).
    Seeded,
    /// An empty database: no migration has run.
    Empty,
}

pub fn skip_postgres() -> bool {
    std::env::var(SKIP_POSTGRES_VAR).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Run a test body on a fresh app of the given database (used by [`both!`]).
pub async fn run_on<F, Fut>(kind: Db, setup: Setup, f: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    run_with(kind, setup, &[], f).await
}

/// [`run_on`] with more `TONGYAO__…` settings.
pub async fn run_with<F, Fut>(kind: Db, setup: Setup, extra: &[(&str, &str)], f: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    if kind == Db::Postgres && skip_postgres() {
        eprintln!("skipped: the PostgreSQL half of this test ({SKIP_POSTGRES_VAR} is set)");
        return;
    }
    let app = TestApp::with_setup(kind, setup, extra).await;
    f(app).await;
}

/// Write a test once; run it on SQLite and on PostgreSQL (`name::sqlite`, `name::postgres`).
/// `both!(name, |app| async move { … })` starts from the seeded demo organisation;
/// `both!(name, empty, |app| …)` from an empty, unmigrated database;
/// `both!(name, settings [("TONGYAO__CLOCK__TODAY", "2030-01-10")], |app| …)` with more
/// settings. Attributes before the name (`#[ignore = "…"]`) go on both tests.
#[macro_export]
macro_rules! both {
    ($(#[$meta:meta])* $name:ident, empty, $f:expr) => {
        $crate::both!(@gen [$(#[$meta])*] $name, $crate::Setup::Empty, $f);
    };
    ($(#[$meta:meta])* $name:ident, settings $extra:expr, $f:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            $(#[$meta])*
            async fn sqlite() {
                $crate::run_with($crate::Db::Sqlite, $crate::Setup::Seeded, &$extra, $f).await
            }

            #[tokio::test]
            $(#[$meta])*
            async fn postgres() {
                $crate::run_with($crate::Db::Postgres, $crate::Setup::Seeded, &$extra, $f).await
            }
        }
    };
    ($(#[$meta:meta])* $name:ident, $f:expr) => {
        $crate::both!(@gen [$(#[$meta])*] $name, $crate::Setup::Seeded, $f);
    };
    (@gen [$($attr:tt)*] $name:ident, $setup:expr, $f:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            $($attr)*
            async fn sqlite() {
                $crate::run_on($crate::Db::Sqlite, $setup, $f).await
            }

            #[tokio::test]
            $($attr)*
            async fn postgres() {
                $crate::run_on($crate::Db::Postgres, $setup, $f).await
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Databases

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_suffix() -> String {
    format!(
        "{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn pg_base() -> String {
    std::env::var(PG_URL_VAR)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| PG_DEFAULT_URL.to_string())
        .trim_end_matches('/')
        .to_string()
}

fn pg_unreachable(e: impl std::fmt::Display) -> ! {
    panic!(
        "PostgreSQL is not reachable at {} ({e}).\n\
         Every API test also runs on PostgreSQL. Start it with\n    \
         pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n\
         (trust authentication on 127.0.0.1:5432, user postgres), or point {PG_URL_VAR} at a server,\n\
         or set {SKIP_POSTGRES_VAR}=1 to skip the PostgreSQL half of the tests.",
        pg_base()
    )
}

/// Set once PostgreSQL has been found unreachable, so later tests fail at once.
static PG_DOWN: std::sync::OnceLock<String> = std::sync::OnceLock::new();

async fn pg_admin() -> DatabaseConnection {
    if let Some(e) = PG_DOWN.get() {
        pg_unreachable(e);
    }
    let mut opts = ConnectOptions::new(format!("{}/postgres", pg_base()));
    opts.max_connections(1)
        .min_connections(0)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false);
    match Database::connect(opts).await {
        Ok(db) => db,
        Err(e) => {
            let _ = PG_DOWN.set(e.to_string());
            pg_unreachable(e)
        }
    }
}

async fn pg_exec(db: &DatabaseConnection, sql: &str) {
    db.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL refused `{sql}`: {e}"));
}

fn pid_alive(pid: u32) -> bool {
    if !Path::new("/proc/self").exists() {
        return true; // cannot tell: leave it alone
    }
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Drop the test databases of test processes that are gone (crashed, killed, or a finished
/// `cargo test` process whose template could not be dropped at exit).
async fn drop_stale_databases(admin: &DatabaseConnection) {
    let rows = admin
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT datname FROM pg_database WHERE datname LIKE 'tongyao\\_t\\_%' OR datname LIKE 'tongyao\\_tpl\\_%'",
        ))
        .await
        .unwrap_or_default();
    for row in rows {
        let Ok(name) = row.try_get_by_index::<String>(0) else {
            continue;
        };
        let rest = name
            .strip_prefix("tongyao_tpl_")
            .or_else(|| name.strip_prefix("tongyao_t_"))
            .unwrap_or("");
        let Ok(pid) = rest.split('_').next().unwrap_or("").parse::<u32>() else {
            continue;
        };
        if pid != std::process::id() && !pid_alive(pid) {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
        }
    }
}

/// nextest runs each test in a process of its own: a per-process template would be built and
/// used once, so build the test database directly.
fn process_per_test() -> bool {
    std::env::var("NEXTEST_EXECUTION_MODE").is_ok_and(|m| m == "process-per-test")
}

static PG_TEMPLATE: tokio::sync::OnceCell<Option<String>> = tokio::sync::OnceCell::const_new();

/// Prepare PostgreSQL once per process: clear stale databases and (unless one process runs one
/// test) build the migrated, seeded template. Each `#[tokio::test]` has its own runtime, so
/// everything here uses short-lived connections that are closed before returning.
async fn pg_template() -> Option<String> {
    PG_TEMPLATE
        .get_or_init(|| async {
            let admin = pg_admin().await;
            drop_stale_databases(&admin).await;
            if process_per_test() {
                let _ = admin.close().await;
                return None;
            }
            let name = format!("tongyao_tpl_{}", std::process::id());
            pg_exec(
                &admin,
                &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
            )
            .await;
            pg_exec(&admin, &format!("CREATE DATABASE \"{name}\"")).await;
            let _ = admin.close().await;
            let db = connect_plain(&format!("{}/{name}", pg_base())).await;
            prepare(&db, Setup::Seeded).await;
            let _ = db.close().await;
            Some(name)
        })
        .await
        .clone()
}

async fn connect_plain(url: &str) -> DatabaseConnection {
    let mut opts = ConnectOptions::new(url.to_string());
    opts.max_connections(2)
        .min_connections(0)
        .sqlx_logging(false);
    Database::connect(opts)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"))
}

/// Migrate and seed (or leave empty).
async fn prepare(db: &DatabaseConnection, setup: Setup) {
    if setup == Setup::Seeded {
        tongyao::db::migrate_up(db).await.expect("migrations apply");
        tongyao::demo::load_organisation(db)
            .await
            .expect("demo organisation loads");
    }
}

/// Removes the test's database when the `TestApp` goes away (also when the test panics).
enum DbGuard {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Drop for DbGuard {
    fn drop(&mut self) {
        match self {
            DbGuard::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(PathBuf::from(p));
                }
            }
            DbGuard::Postgres(name) => {
                let name = name.clone();
                // Drop runs inside the test's runtime; do the async work on a thread of its own.
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    rt.block_on(async move {
                        let mut opts = ConnectOptions::new(format!("{}/postgres", pg_base()));
                        opts.max_connections(1)
                            .min_connections(0)
                            .sqlx_logging(false)
                            .connect_timeout(Duration::from_secs(5));
                        if let Ok(admin) = Database::connect(opts).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                                ))
                                .await;
                            let _ = admin.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The app

/// One test's service on one database. Derefs to its default [`Client`].
pub struct TestApp {
    pub kind: Db,
    pub db: DatabaseConnection,
    pub state: AppState,
    pub router: Router,
    /// Id of the first demo consortium (杭锦旗人民医院医共体); 0 on an empty database.
    pub consortium: i64,
    /// Id of the second demo consortium (杭锦旗蒙医综合医院医共体); 0 on an empty database.
    pub consortium2: i64,
    client: Client,
    queries: std::sync::Arc<AtomicU64>,
    // Last, so that the pool is dropped before the database is.
    _guard: DbGuard,
}

impl std::ops::Deref for TestApp {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

pub fn config_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../config")
}

impl TestApp {
    /// A migrated database with the demo organisation.
    pub async fn new(kind: Db) -> Self {
        Self::with_setup(kind, Setup::Seeded, &[]).await
    }

    /// `extra` are more `TONGYAO__…` settings.
    pub async fn with_setup(kind: Db, setup: Setup, extra: &[(&str, &str)]) -> Self {
        let (url, guard) = match kind {
            Db::Sqlite => {
                let path =
                    std::env::temp_dir().join(format!("tongyao-test-{}.db", unique_suffix()));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                (url, DbGuard::Sqlite(path))
            }
            Db::Postgres => {
                // Also clears stale databases, once per process.
                let template = pg_template().await.filter(|_| setup == Setup::Seeded);
                let name = format!("tongyao_t_{}", unique_suffix());
                let admin = pg_admin().await;
                match &template {
                    Some(t) => {
                        pg_exec(
                            &admin,
                            &format!("CREATE DATABASE \"{name}\" TEMPLATE \"{t}\""),
                        )
                        .await
                    }
                    None => pg_exec(&admin, &format!("CREATE DATABASE \"{name}\"")).await,
                }
                let _ = admin.close().await;
                (format!("{}/{name}", pg_base()), DbGuard::Postgres(name))
            }
        };
        let mut vars: Vec<(String, String)> = vec![
            ("TONGYAO__DATABASE__URL".into(), url),
            ("TONGYAO__DATABASE__MAX_CONNECTIONS".into(), "4".into()),
            ("TONGYAO__AUTH__SESSION_CACHE_MS".into(), "0".into()),
        ];
        for (k, v) in extra {
            vars.retain(|(key, _)| key != k);
            vars.push((k.to_string(), v.to_string()));
        }
        let settings =
            Settings::load_from(&config_dir(), "test", vars).expect("test settings load");
        let mut db = tongyao::db::connect(&settings.database)
            .await
            .unwrap_or_else(|e| match kind {
                Db::Postgres => pg_unreachable(e),
                Db::Sqlite => panic!("cannot open the SQLite test database: {e}"),
            });
        let queries = std::sync::Arc::new(AtomicU64::new(0));
        let counter = queries.clone();
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        let needs_prepare = match kind {
            Db::Sqlite => true,
            Db::Postgres => setup == Setup::Seeded && process_per_test(),
        };
        if needs_prepare {
            prepare(&db, setup).await;
        }
        let (consortium, consortium2) = if setup == Setup::Seeded {
            (
                consortium_id(&db, "HJQ-RMYY").await,
                consortium_id(&db, "HJQ-MYZH").await,
            )
        } else {
            (0, 0)
        };
        let state = AppState::new(db.clone(), settings);
        let router = tongyao::app(state.clone());
        let client = Client::new(router.clone());
        TestApp {
            kind,
            db,
            state,
            router,
            consortium,
            consortium2,
            client,
            queries,
            _guard: guard,
        }
    }

    /// The service's today (its clock: real, or the day `clock.today` fixes).
    pub fn today(&self) -> chrono::NaiveDate {
        self.state.ctx.clock.today()
    }

    /// How many SQL statements the service has run so far.
    pub fn queries(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    pub fn settings(&self) -> &Settings {
        &self.state.settings
    }

    /// A new client with an empty cookie jar.
    pub fn client(&self) -> Client {
        Client::new(self.router.clone())
    }

    /// A new client signed in as `username` (password `tongyao-demo`).
    pub async fn client_as(&self, username: &str) -> Client {
        let c = self.client();
        c.login(username).await;
        c
    }

    /// Rows in a table (raw SQL; `table` is trusted test input).
    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                self.db.get_database_backend(),
                format!("SELECT COUNT(*) FROM {table}"),
            ))
            .await
            .unwrap_or_else(|e| panic!("count {table}: {e}"))
            .expect("a count row");
        row.try_get_by_index::<i64>(0).expect("count is an integer")
    }

    /// A snapshot of how many rows the organisation tables hold, to prove a refusal changed nothing.
    pub async fn counts(&self) -> Vec<(&'static str, i64)> {
        let mut out = Vec::new();
        for t in [
            "consortia",
            "institutions",
            "users",
            "sessions",
            "audit_log",
        ] {
            out.push((t, self.count(t).await));
        }
        out
    }

    pub async fn user_id(&self, username: &str) -> i64 {
        entity::user::Entity::find()
            .filter(entity::user::Column::Username.eq(username))
            .one(&self.db)
            .await
            .expect("query users")
            .unwrap_or_else(|| panic!("no user {username}"))
            .id
    }

    pub async fn institution(&self, consortium_id: i64, code: &str) -> entity::institution::Model {
        entity::institution::Entity::find()
            .filter(entity::institution::Column::ConsortiumId.eq(consortium_id))
            .filter(entity::institution::Column::Code.eq(code))
            .one(&self.db)
            .await
            .expect("query institutions")
            .unwrap_or_else(|| panic!("no institution {code} in consortium {consortium_id}"))
    }
}

async fn consortium_id(db: &DatabaseConnection, code: &str) -> i64 {
    entity::consortium::Entity::find()
        .filter(entity::consortium::Column::Code.eq(code))
        .one(db)
        .await
        .expect("query consortia")
        .unwrap_or_else(|| panic!("demo consortium {code} missing"))
        .id
}

// ---------------------------------------------------------------------------------------------
// Clients and requests

/// A browser-like client: its own cookie jar, `X-Tongyao-Csrf: 1` on every request by default.
pub struct Client {
    router: Router,
    jar: Mutex<BTreeMap<String, String>>,
}

impl Client {
    pub fn new(router: Router) -> Self {
        Client {
            router,
            jar: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn request(&self, method: Method, path: &str) -> Call<'_> {
        Call {
            client: self,
            method,
            path: path.to_string(),
            headers: Vec::new(),
            body: None,
            csrf: true,
        }
    }

    pub fn get(&self, path: &str) -> Call<'_> {
        self.request(Method::GET, path)
    }

    pub fn delete(&self, path: &str) -> Call<'_> {
        self.request(Method::DELETE, path)
    }

    pub fn post(&self, path: &str, body: Value) -> Call<'_> {
        self.request(Method::POST, path).json(body)
    }

    pub fn patch(&self, path: &str, body: Value) -> Call<'_> {
        self.request(Method::PATCH, path).json(body)
    }

    pub fn put(&self, path: &str, body: Value) -> Call<'_> {
        self.request(Method::PUT, path).json(body)
    }

    /// Sign in with the demo password; panics unless it succeeds.
    pub async fn login(&self, username: &str) -> Resp {
        let r = self.login_with(username, DEMO_PASSWORD).await;
        r.assert_status(200);
        r
    }

    pub async fn login_with(&self, username: &str, password: &str) -> Resp {
        self.post(
            "/api/v1/session",
            json!({"username": username, "password": password}),
        )
        .await
    }

    /// The session token in the jar, if any.
    pub fn session_token(&self) -> Option<String> {
        self.jar
            .lock()
            .unwrap()
            .get(tongyao::auth::session::COOKIE)
            .cloned()
    }

    /// Put a session token into the jar (e.g. an old one after sign-out).
    pub fn set_session_token(&self, token: &str) {
        self.jar.lock().unwrap().insert(
            tongyao::auth::session::COOKIE.to_string(),
            token.to_string(),
        );
    }

    pub fn clear_cookies(&self) {
        self.jar.lock().unwrap().clear();
    }

    fn cookie_header(&self) -> Option<String> {
        let jar = self.jar.lock().unwrap();
        (!jar.is_empty()).then(|| {
            jar.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    fn store_cookies(&self, headers: &HeaderMap) {
        let mut jar = self.jar.lock().unwrap();
        for v in headers.get_all(header::SET_COOKIE) {
            let Ok(s) = v.to_str() else { continue };
            let mut parts = s.split(';');
            let Some((name, value)) = parts.next().and_then(|kv| kv.trim().split_once('=')) else {
                continue;
            };
            let expired = parts.any(|a| a.trim().eq_ignore_ascii_case("max-age=0"));
            if expired || value.is_empty() {
                jar.remove(name.trim());
            } else {
                jar.insert(name.trim().to_string(), value.trim().to_string());
            }
        }
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        let res = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("the router is infallible");
        let status = res.status();
        let headers = res.headers().clone();
        self.store_cookies(&headers);
        let bytes = res
            .into_body()
            .collect()
            .await
            .expect("read the response body")
            .to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            bytes,
        }
    }
}

/// A request being built; `.await` sends it.
pub struct Call<'a> {
    client: &'a Client,
    method: Method,
    path: String,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Option<(Bytes, Option<String>)>,
    csrf: bool,
}

impl<'a> Call<'a> {
    pub fn json(mut self, v: Value) -> Self {
        self.body = Some((
            Bytes::from(serde_json::to_vec(&v).unwrap()),
            Some("application/json".into()),
        ));
        self
    }

    /// A raw body with the given content type (None: no content-type header).
    pub fn raw(mut self, body: impl Into<Bytes>, content_type: Option<&str>) -> Self {
        self.body = Some((body.into(), content_type.map(str::to_string)));
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((
            HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            HeaderValue::from_str(value).expect("header value"),
        ));
        self
    }

    /// Leave out `X-Tongyao-Csrf: 1`.
    pub fn without_csrf(mut self) -> Self {
        self.csrf = false;
        self
    }

    pub fn build(self) -> (Request<Body>, &'a Client) {
        let mut b = Request::builder().method(self.method).uri(&self.path);
        if self.csrf {
            b = b.header("x-tongyao-csrf", "1");
        }
        if let Some(c) = self.client.cookie_header() {
            b = b.header(header::COOKIE, c);
        }
        let body = match self.body {
            Some((bytes, ctype)) => {
                if let Some(ct) = ctype {
                    b = b.header(header::CONTENT_TYPE, ct);
                }
                Body::from(bytes)
            }
            None => Body::empty(),
        };
        for (k, v) in self.headers {
            b = b.header(k, v);
        }
        (b.body(body).expect("a valid request"), self.client)
    }

    pub async fn send(self) -> Resp {
        let (req, client) = self.build();
        client.send(req).await
    }
}

impl<'a> IntoFuture for Call<'a> {
    type Output = Resp;
    type IntoFuture = Pin<Box<dyn Future<Output = Resp> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// An answer: status, headers, body parsed as JSON (`Null` when empty or not JSON).
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub bytes: Bytes,
}

impl Resp {
    pub fn code(&self) -> u16 {
        self.status.as_u16()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    #[track_caller]
    pub fn assert_status(&self, expected: u16) -> &Self {
        assert_eq!(
            self.code(),
            expected,
            "expected status {expected}, got {}; body: {}",
            self.code(),
            self.text().chars().take(2000).collect::<String>()
        );
        self
    }

    #[track_caller]
    pub fn assert_status_in(&self, expected: &[u16]) -> &Self {
        assert!(
            expected.contains(&self.code()),
            "expected a status in {expected:?}, got {}; body: {}",
            self.code(),
            self.text().chars().take(2000).collect::<String>()
        );
        self
    }

    /// The answer is an RFC 9457 problem with this status.
    #[track_caller]
    pub fn assert_problem(&self, expected: u16) -> &Self {
        self.assert_status(expected);
        assert_problem_shape(self);
        self
    }

    /// The fields a refusal names in `errors`, in order.
    #[track_caller]
    pub fn error_fields(&self) -> Vec<&str> {
        self.body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("no errors array in {}", self.body))
            .iter()
            .map(|e| e["field"].as_str().expect("a field name"))
            .collect()
    }

    /// `items` of a list answer.
    #[track_caller]
    pub fn items(&self) -> &Vec<Value> {
        self.body["items"]
            .as_array()
            .unwrap_or_else(|| panic!("no items array in {}", self.body))
    }
}

/// Content type `application/problem+json` and the fields type, title, status, detail.
#[track_caller]
pub fn assert_problem_shape(r: &Resp) {
    let ct = r.header("content-type").unwrap_or("");
    assert!(
        ct.starts_with("application/problem+json"),
        "status {}: content-type {ct:?} is not application/problem+json; body: {}",
        r.code(),
        r.text()
    );
    let b = &r.body;
    for f in ["type", "title", "detail"] {
        assert!(b[f].is_string(), "problem lacks string field {f}: {b}");
    }
    assert_eq!(
        b["status"].as_u64(),
        Some(r.code() as u64),
        "problem status field differs from the HTTP status: {b}"
    );
}

impl std::ops::Index<&str> for Resp {
    type Output = Value;
    fn index(&self, key: &str) -> &Value {
        &self.body[key]
    }
}

/// Today in China, from the service's own clock (a test app with `clock.today` set has its own:
/// see [`TestApp::today`]).
pub fn today_china() -> chrono::NaiveDate {
    tongyao::kernel::Clock::system().today()
}

/// A complete product; `n` makes its codes unique.
pub fn product(name: &str, route: &str, n: u32) -> Value {
    json!({
        "generic_name_zh": name, "generic_name_en": "Test", "dosage_form": if route == "injection" { "注射液" } else { "片剂" },
        "route": route, "strength": format!("{n}mg"), "base_unit": "片", "pack_size": 28, "pack_unit": "盒",
        "manufacturer": "测试制药", "approval_number": format!("国药准字H{:08}", 20_000_000 + n),
        "nhsa_code": null, "atc_code": "C08CA05", "unit_price": "12.50",
        "essential_national": true, "essential_provincial": false, "vbp": false, "insurance_class": "a",
        "special_class": "none", "antimicrobial_tier": "none", "storage": "ordinary", "level_scope": "village",
        "long_rx_eligible": true, "extended_rx_eligible": true, "status": "active"
    })
}

/// Propose with committee-1, approve with committee-2; returns the entry id for adds.
pub async fn adopt(app: &TestApp, body: Value) -> Value {
    let c1 = app.client_as("demo-committee-1").await;
    let c2 = app.client_as("demo-committee-2").await;
    let p = c1.post("/api/v1/formulary/proposals", body).await;
    p.assert_status(201);
    let r = c2
        .post(
            &format!("/api/v1/formulary/proposals/{}/approve", p["id"]),
            json!({}),
        )
        .await;
    r.assert_status(200);
    r.body.clone()
}

/// A multipart/form-data body.
pub fn multipart(parts: &[(&str, &[u8])]) -> (Vec<u8>, String) {
    let boundary = "tongyao-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, data) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        if *name == "file" {
            body.extend_from_slice(b"Content-Disposition: form-data; name=\"file\"; filename=\"upload\"\r\nContent-Type: application/octet-stream\r\n\r\n");
        } else {
            body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            );
        }
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={boundary}"))
}
