//! Real `allot serve` processes on one real PostgreSQL (started by the test):
//! two instances act as one server; a lost database is a 503 and the
//! server recovers; `allot migrate` / `export` / `import` round trips.

use crate::support::api as api_support;

use api_support::pg as pg_support;
use api_support::{tiny_layout, tiny_roster, PLANNER, STAFF, VIEWER};
use reqwest::blocking::{Client, Response};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const ROUNDS: usize = 50;

fn allot() -> Command {
    Command::new(env!("CARGO_BIN_EXE_allot"))
}

/// One `allot serve` process; killed when dropped.
struct Server {
    child: Child,
    base: String,
    client: Client,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Server {
    fn start(db: &str) -> Server {
        let port = free_port();
        let child = allot()
            .args([
                "serve",
                "--addr",
                &format!("127.0.0.1:{port}"),
                "--workers",
                "2",
            ])
            .env("ALLOT_DB", db)
            .env(
                "ALLOT_TOKENS",
                format!("planner {PLANNER}\nstaff {STAFF}\nviewer {VIEWER}"),
            )
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start allot serve");
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            client: Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(res) = server.client.get(server.url("/healthz")).send() {
                if res.status() == 200 {
                    return server;
                }
            }
            assert!(Instant::now() < deadline, "allot serve did not come up");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        etag: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        let mut rb = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(etag) = etag {
            rb = rb.header("If-Match", etag);
        }
        if let Some(body) = body {
            rb = rb.json(body);
        }
        rb.send().expect("request")
    }

    fn json(&self, path: &str) -> Value {
        let res = self.send(Method::GET, path, PLANNER, None, None);
        assert_eq!(res.status(), 200, "GET {path}");
        res.json().unwrap()
    }

    fn etag(&self, site: &str) -> String {
        self.json(&format!("/v1/sites/{site}"))["etag"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// A site with a roster of four households.
    fn site(&self, id: &str) -> String {
        let res = self.send(
            Method::POST,
            "/v1/sites",
            PLANNER,
            None,
            Some(&tiny_layout(id, 4)),
        );
        assert_eq!(res.status(), 201);
        let etag = self.etag(id);
        let res = self.send(
            Method::PUT,
            &format!("/v1/sites/{id}/households"),
            STAFF,
            Some(&etag),
            Some(&tiny_roster(4)),
        );
        assert_eq!(res.status(), 200);
        id.to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `f` on both servers at the same moment; their results in order.
fn at_once<T: Send + 'static>(
    servers: &[Arc<Server>; 2],
    f: impl Fn(&Server) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let f = Arc::new(f);
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = servers
        .iter()
        .map(|s| {
            let (s, f, barrier) = (s.clone(), f.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                f(&s)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

#[test]
fn two_servers_on_one_postgres_behave_as_one() {
    let db = pg_support::fresh_database();
    let servers = [Arc::new(Server::start(&db)), Arc::new(Server::start(&db))];
    let site = servers[0].site("shared");

    // Racing If-Match writes through different instances: exactly one wins.
    for round in 0..ROUNDS {
        let etag = servers[round % 2].etag(&site);
        let path = format!("/v1/sites/{site}/households");
        let statuses = at_once(&servers, move |s| {
            let roster = tiny_roster(1 + round % 3);
            s.send(Method::PUT, &path, STAFF, Some(&etag), Some(&roster))
                .status()
                .as_u16()
        });
        let mut sorted = statuses.clone();
        sorted.sort();
        assert_eq!(sorted, [200, 412], "round {round}");
    }
    let head = servers[1].json(&format!("/v1/sites/{site}"));
    assert_eq!(head["revision"], json!(2 + ROUNDS), "{head}");

    // Allocations through both at once: each lands with the next id and the
    // one before as previous, or is refused with 409 (made from a latest
    // that the other one replaced meanwhile).
    let mut landed = 0u64;
    for round in 0..ROUNDS {
        let path = format!("/v1/sites/{site}/allocations");
        let statuses = at_once(&servers, move |s| {
            s.send(Method::POST, &path, STAFF, None, None)
                .status()
                .as_u16()
        });
        for status in &statuses {
            assert!(matches!(status, 201 | 409), "round {round}: {statuses:?}");
        }
        let ok = statuses.iter().filter(|s| **s == 201).count() as u64;
        assert!(ok >= 1, "round {round}: {statuses:?}");
        landed += ok;
    }
    let mut ids = Vec::new();
    let mut before: Option<u64> = None;
    loop {
        let path = match before {
            Some(b) => format!("/v1/sites/{site}/allocations?before={b}&limit=100"),
            None => format!("/v1/sites/{site}/allocations?limit=100"),
        };
        let page = servers[1].json(&path);
        for a in page["allocations"].as_array().unwrap() {
            ids.push((a["id"].as_u64().unwrap(), a["previous"].as_u64()));
        }
        match page["next"].as_u64() {
            Some(n) => before = Some(n),
            None => break,
        }
    }
    ids.reverse();
    assert_eq!(ids.len() as u64, landed, "nothing lost");
    let unique: BTreeSet<u64> = ids.iter().map(|(id, _)| *id).collect();
    assert_eq!(unique.len(), ids.len(), "no duplicate id");
    for (i, (id, previous)) in ids.iter().enumerate() {
        assert_eq!(*id, i as u64 + 1, "no gap");
        assert_eq!(*previous, (i > 0).then_some(i as u64), "allocation {id}");
    }
    // What one instance stored, the other serves byte for byte.
    let path = format!("/v1/sites/{site}/allocations/{landed}");
    let a = servers[0]
        .send(Method::GET, &path, VIEWER, None, None)
        .bytes()
        .unwrap();
    let b = servers[1]
        .send(Method::GET, &path, VIEWER, None, None)
        .bytes()
        .unwrap();
    assert_eq!(a, b);
}

#[test]
fn a_lost_database_is_a_503_problem_and_the_server_recovers_with_it() {
    let pg = pg_support::PgServer::start();
    let db = pg.fresh_database();
    let server = Server::start(&db);
    let site = server.site("s");
    pg.stop();
    for path in ["/healthz".to_string(), format!("/v1/sites/{site}")] {
        let res = server.send(Method::GET, &path, VIEWER, None, None);
        assert_eq!(res.status(), 503, "{path}");
        let ct = res.headers()["content-type"].to_str().unwrap().to_string();
        assert_eq!(ct, "application/problem+json");
        let body: Value = res.json().unwrap();
        assert_eq!(body["type"], "urn:allot:problem:unavailable", "{body}");
    }
    pg.start_again();
    let res = server.send(Method::GET, "/healthz", VIEWER, None, None);
    assert_eq!(res.status(), 200);
    assert_eq!(server.json(&format!("/v1/sites/{site}"))["revision"], 2);
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run allot")
}

#[test]
fn migrate_to_postgres_then_export_equals_the_sqlite_export_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("allot.db").display().to_string();
    {
        let server = Server::start(&file);
        for id in ["north", "south"] {
            let site = server.site(id);
            for _ in 0..2 {
                let res = server.send(
                    Method::POST,
                    &format!("/v1/sites/{site}/allocations"),
                    STAFF,
                    None,
                    None,
                );
                assert_eq!(res.status(), 201);
            }
        }
    }
    let url = pg_support::fresh_database();
    let out = run(allot().args(["migrate", "--from", &file, "--to", &url]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("copied 2 site(s), 4 revision(s), 4 allocation(s)"));
    let export = |db: &str, site: &str, out: &Path| {
        let o = run(allot()
            .args(["export", "--site", site, "--out"])
            .arg(out)
            .args(["--db", db]));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read(out).unwrap()
    };
    for site in ["north", "south"] {
        let from_sqlite = export(&file, site, &dir.path().join(format!("{site}-sqlite.json")));
        let from_pg = export(&url, site, &dir.path().join(format!("{site}-pg.json")));
        assert_eq!(from_pg, from_sqlite, "{site}");
    }
    // A non-empty target is refused.
    let again = run(allot().args(["migrate", "--from", &file, "--to", &url]));
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));
    // The backup restores into another database (ALLOT_DB chooses it), unchanged.
    let other = pg_support::fresh_database();
    let backup = dir.path().join("north-sqlite.json");
    let o = run(allot().arg("import").arg(&backup).env("ALLOT_DB", &other));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let restored = export(&other, "north", &dir.path().join("north-restored.json"));
    assert_eq!(restored, std::fs::read(&backup).unwrap());
    let twice = run(allot().arg("import").arg(&backup).env("ALLOT_DB", &other));
    assert!(!twice.status.success());
    assert!(String::from_utf8_lossy(&twice.stderr).contains("exists already"));
}

#[test]
fn a_draw_is_revealed_once_across_two_servers() {
    let db = pg_support::fresh_database();
    let servers = [Arc::new(Server::start(&db)), Arc::new(Server::start(&db))];
    let site = servers[0].site("drawn");
    for round in 1..=5u64 {
        let res = servers[(round % 2) as usize].send(
            Method::POST,
            &format!("/v1/sites/{site}/draws"),
            PLANNER,
            None,
            Some(&json!({"seed_source": {"ceremony": "six digits from a box"}})),
        );
        let status = res.status();
        let record: Value = res.json().unwrap();
        assert_eq!(status, 201, "{record}");
        assert_eq!(record["draw"], json!(round), "{record}");
        let path = format!("/v1/sites/{site}/draws/{round}/reveal");
        let statuses = at_once(&servers, move |s| {
            s.send(
                Method::POST,
                &path,
                PLANNER,
                None,
                Some(&json!({"seed": "123456"})),
            )
            .status()
            .as_u16()
        });
        let mut sorted = statuses.clone();
        sorted.sort();
        assert_eq!(sorted, [201, 409], "round {round}");
    }
    let page = servers[1].json(&format!("/v1/sites/{site}/allocations?limit=100"));
    let ids: Vec<u64> = page["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [5, 4, 3, 2, 1]);
}
