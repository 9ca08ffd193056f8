//! Shared by the `api_*` integration tests: a server on port 0 with a
//! temporary database, and request helpers.

use actix_web::dev::ServerHandle;
use allot::api::auth::Tokens;
use allot::api::startup::{Application, ServeConfig};
use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::Method;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// The real PostgreSQL of the tests.
pub use super::pg;

/// The database a test server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh, empty database of `backend`: its `db_path` (a file or a URL),
/// and the folder to keep while it is used.
pub fn fresh_db(backend: Backend) -> (Option<tempfile::TempDir>, PathBuf) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("allot.db");
            (Some(dir), path)
        }
        Backend::Postgres => (None, PathBuf::from(pg::fresh_database())),
    }
}

/// A server on a fresh database of `backend`, configuration adjusted by `tweak`.
pub fn spawn_app_on(backend: Backend, tweak: impl FnOnce(&mut ServeConfig)) -> TestApp {
    let (dir, db) = fresh_db(backend);
    let mut cfg = config(&db);
    tweak(&mut cfg);
    let mut app = spawn(cfg);
    app._dir = dir;
    app
}

pub const PLANNER: &str = "planner-token-0123456789";
pub const STAFF: &str = "staff-token-0123456789";
pub const VIEWER: &str = "viewer-token-0123456789";

pub struct TestApp {
    pub address: String,
    pub client: Client,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
    _dir: Option<tempfile::TempDir>,
}

/// A configuration with the three test tokens and the given database.
pub fn config(db_path: &Path) -> ServeConfig {
    let tokens = Tokens::parse(&format!(
        "planner {PLANNER}\nstaff {STAFF}\nviewer {VIEWER}\n"
    ))
    .expect("test tokens parse");
    ServeConfig {
        addr: "127.0.0.1:0".into(),
        db_path: db_path.to_path_buf(),
        tokens,
        workers: Some(2),
        ..ServeConfig::default()
    }
}

/// A server on a fresh temporary database.
pub fn spawn_app() -> TestApp {
    spawn_app_with(|_| {})
}

/// A server on a fresh temporary database, configuration adjusted by `tweak`.
pub fn spawn_app_with(tweak: impl FnOnce(&mut ServeConfig)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cfg = config(&dir.path().join("allot.db"));
    tweak(&mut cfg);
    let mut app = spawn(cfg);
    app._dir = Some(dir);
    app
}

/// A server with exactly this configuration (the database is not removed).
pub fn spawn(cfg: ServeConfig) -> TestApp {
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = Application::build(cfg).expect("server builds");
            tx.send((app.port(), app.handle())).expect("send port");
            app.run_until_stopped().await.expect("server runs");
        })
    });
    let (port, handle) = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("server starts");
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        client: Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .expect("client"),
        handle,
        thread: Some(thread),
        _dir: None,
    }
}

impl TestApp {
    /// A request with a bearer token (`None`: no Authorization header).
    pub fn req(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let rb = self
            .client
            .request(method, format!("{}{}", self.address, path));
        match token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    pub fn get(&self, path: &str, token: &str) -> Response {
        self.req(Method::GET, path, Some(token))
            .send()
            .expect("GET")
    }

    pub fn get_json(&self, path: &str, token: &str) -> Value {
        let res = self.get(path, token);
        assert_eq!(res.status(), 200, "GET {path}");
        res.json().expect("JSON body")
    }

    /// Creates a site from a layout as the planner; returns its id and ETag.
    pub fn create_site(&self, layout: &Value) -> (String, String) {
        let res = self
            .req(Method::POST, "/v1/sites", Some(PLANNER))
            .json(layout)
            .send()
            .expect("POST /v1/sites");
        let status = res.status();
        let body: Value = res.json().expect("JSON body");
        assert_eq!(status, 201, "{body:#}");
        (
            body["id"].as_str().expect("id").to_string(),
            body["etag"].as_str().expect("etag").to_string(),
        )
    }

    /// Creates the bundled Yixinqiao site: its layout (planner), CSV roster
    /// (staff) and policy (planner), as a user would; returns the site id.
    pub fn post_yixinqiao(&self) -> String {
        let read = |name: &str| super::common::fixture_bytes("yixinqiao", name);
        let res = self
            .req(Method::POST, "/v1/sites", Some(PLANNER))
            .header("Content-Type", "application/geo+json")
            .body(read("layout.geojson"))
            .send()
            .expect("POST /v1/sites");
        assert_eq!(res.status(), 201);
        let created: Value = res.json().expect("JSON");
        let site = created["id"].as_str().expect("id").to_string();
        let res = self
            .req(
                Method::PUT,
                &format!("/v1/sites/{site}/households"),
                Some(STAFF),
            )
            .header("If-Match", created["etag"].as_str().expect("etag"))
            .header("Content-Type", "text/csv")
            .body(read("households.csv"))
            .send()
            .expect("PUT households");
        assert_eq!(res.status(), 200);
        let written: Value = res.json().expect("JSON");
        let policy: Value = serde_json::from_slice(&read("policy.json")).expect("policy");
        let res = self.write_json(
            Method::PUT,
            &format!("/v1/sites/{site}/policy"),
            PLANNER,
            written["etag"].as_str().expect("etag"),
            &policy,
        );
        assert_eq!(res.status(), 200);
        site
    }

    /// A site from [`tiny_layout`] with `spaces` parking spaces (planner)
    /// and [`tiny_roster`] of `households` households (staff, 200
    /// asserted); returns its id and the ETag after the roster.
    pub fn tiny_site(&self, name: &str, spaces: usize, households: usize) -> (String, String) {
        let (site, etag) = self.create_site(&tiny_layout(name, spaces));
        let res = self.write_json(
            Method::PUT,
            &format!("/v1/sites/{site}/households"),
            STAFF,
            &etag,
            &tiny_roster(households),
        );
        let status = res.status();
        let written: Value = res.json().expect("JSON body");
        assert_eq!(status, 200, "{written:#}");
        let etag = written["etag"].as_str().expect("etag").to_string();
        (site, etag)
    }

    /// A new allocation of the site's current inputs by staff (201 asserted).
    pub fn allocate(&self, site: &str) -> Value {
        let res = self
            .req(
                Method::POST,
                &format!("/v1/sites/{site}/allocations"),
                Some(STAFF),
            )
            .send()
            .expect("POST allocations");
        assert_eq!(res.status(), 201);
        res.json().expect("allocation JSON")
    }

    /// A write with `If-Match`, as JSON.
    pub fn write_json(
        &self,
        method: Method,
        path: &str,
        token: &str,
        etag: &str,
        body: &Value,
    ) -> Response {
        self.req(method, path, Some(token))
            .header("If-Match", etag)
            .json(body)
            .send()
            .expect("write")
    }

    /// The current ETag of a site.
    pub fn etag(&self, site: &str) -> String {
        self.get_json(&format!("/v1/sites/{site}"), VIEWER)["etag"]
            .as_str()
            .expect("etag")
            .to_string()
    }

    /// Stops the server gracefully and waits for it.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(thread) = self.thread.take() {
            let handle = self.handle.clone();
            actix_web::rt::System::new().block_on(handle.stop(true));
            let _ = thread.join();
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Asserts a problem answer: status, media type and problem `type` slug; returns the body.
pub fn assert_problem(res: Response, status: u16, slug: &str) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body: Value = res.json().expect("problem body is JSON");
    assert_eq!(ct, "application/problem+json", "{body:#}");
    assert_eq!(body["status"], json!(status), "{body:#}");
    assert_eq!(
        body["type"],
        json!(format!("urn:allot:problem:{slug}")),
        "{body:#}"
    );
    assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(body["detail"].as_str().is_some_and(|t| !t.is_empty()));
    body
}

/// A small valid site in planar metres: one building with one unit door,
/// `spaces` parking spaces in a row south of it, two e-bike bays, a garden plot.
pub fn tiny_layout(id: &str, spaces: usize) -> Value {
    let rect = |x0: f64, y0: f64, w: f64, h: f64| {
        json!([[
            [x0, y0],
            [x0 + w, y0],
            [x0 + w, y0 + h],
            [x0, y0 + h],
            [x0, y0]
        ]])
    };
    let mut features = vec![
        json!({"type": "Feature", "properties": {"kind": "boundary", "id": "BOUND"},
               "geometry": {"type": "Polygon", "coordinates": rect(0.0, 0.0, 120.0, 80.0)}}),
        json!({"type": "Feature", "properties": {"kind": "building", "id": "B1", "name": "Block 1"},
               "geometry": {"type": "Polygon", "coordinates": rect(10.0, 40.0, 40.0, 15.0)}}),
        json!({"type": "Feature", "properties": {"kind": "entrance", "id": "E1", "building": "B1", "unit": "1"},
               "geometry": {"type": "Point", "coordinates": [20.0, 39.0]}}),
        json!({"type": "Feature", "properties": {"kind": "entrance", "id": "E2", "building": "B1", "unit": "2"},
               "geometry": {"type": "Point", "coordinates": [40.0, 39.0]}}),
        json!({"type": "Feature", "properties": {"kind": "charging_bay", "id": "C1"},
               "geometry": {"type": "Point", "coordinates": [70.0, 50.0]}}),
        json!({"type": "Feature", "properties": {"kind": "charging_bay", "id": "C2"},
               "geometry": {"type": "Point", "coordinates": [72.0, 50.0]}}),
        json!({"type": "Feature", "properties": {"kind": "garden_plot", "id": "G1"},
               "geometry": {"type": "Polygon", "coordinates": rect(90.0, 50.0, 10.0, 10.0)}}),
    ];
    for i in 0..spaces {
        features.push(json!({"type": "Feature",
            "properties": {"kind": "parking_space", "id": format!("P{}", i + 1), "accessible": i == 0},
            "geometry": {"type": "Polygon", "coordinates": rect(10.0 + 4.0 * i as f64, 10.0, if i == 0 { 3.8 } else { 2.5 }, 5.5)}}));
    }
    json!({"type": "FeatureCollection", "coordinates": "local_meters",
           "site": {"id": id, "name": format!("Tiny {id}")}, "features": features})
}

/// A roster of `n` households on the tiny site, alternating units.
pub fn tiny_roster(n: usize) -> Value {
    Value::Array(
        (0..n)
            .map(|i| {
                json!({"id": format!("H{}", i + 1), "building": "B1", "unit": if i % 2 == 0 { "1" } else { "2" },
                       "cars": 1, "ebikes": i % 2, "wants_plot": i == 0})
            })
            .collect(),
    )
}
