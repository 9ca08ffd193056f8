//! Golden bytes: what allot writes for every fixture site, captured once and
//! compared on every run, so a refactoring cannot change a byte unnoticed.
//!
//! Two sets:
//! - the CLI (`allot solve --format json|csv|geojson`, `allot render` in zh
//!   and en, `allot validate --json`) over every site under `fixtures/small`,
//!   `fixtures/valid`, `fixtures/yixinqiao` and three synthetic sites (the
//!   warning and rule fixtures only render and validate);
//! - the HTTP API and web page: one stored workflow on the Yixinqiao site and
//!   one on a small site, every answer's body (timestamps blanked).
//!
//! A change that alters output on purpose (a new allocation member, another
//! default) re-blesses the files: `ALLOT_BLESS=1 cargo test --test golden`,
//! then review `git diff tests/golden`.

use crate::support::api as api_support;

use allot::synthetic::{synthetic_site, SynthParams};
use api_support::{spawn_app, PLANNER, STAFF, VIEWER};
use reqwest::blocking::Response;
use reqwest::Method;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

const GOLDEN: &str = "tests/golden";

fn blessing() -> bool {
    std::env::var_os("ALLOT_BLESS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Collects every golden comparison of one test, so that one run names every
/// file that differs rather than the first.
#[derive(Default)]
struct Goldens {
    differing: Vec<String>,
}

impl Goldens {
    fn check(&mut self, name: &str, bytes: &[u8]) {
        let path = Path::new(GOLDEN).join(name);
        if blessing() {
            std::fs::create_dir_all(path.parent().expect("golden parent")).expect("golden dir");
            std::fs::write(&path, bytes).expect("write golden");
            return;
        }
        match std::fs::read(&path) {
            Ok(want) if want == bytes => {}
            Ok(want) => {
                let (w, g) = (
                    String::from_utf8_lossy(&want),
                    String::from_utf8_lossy(bytes),
                );
                let line = w
                    .lines()
                    .zip(g.lines())
                    .position(|(a, b)| a != b)
                    .map(|i| i + 1)
                    .unwrap_or_else(|| w.lines().count().min(g.lines().count()) + 1);
                self.differing.push(format!(
                    "{}: differs from line {line} ({} bytes expected, {} got)",
                    path.display(),
                    want.len(),
                    bytes.len()
                ));
            }
            Err(e) => self
                .differing
                .push(format!("{}: missing ({e})", path.display())),
        }
    }

    fn finish(self) {
        assert!(
            self.differing.is_empty(),
            "output changed (re-bless with ALLOT_BLESS=1 only if that is intended):\n{}",
            self.differing.join("\n")
        );
    }
}

fn allot(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_allot"))
        .args(args)
        .output()
        .expect("allot runs")
}

/// stdout, and the exit code and stderr appended so that problems and
/// warnings are pinned too.
fn cli_bytes(args: &[&str]) -> Vec<u8> {
    let out = allot(args);
    let mut bytes = out.stdout;
    bytes.extend_from_slice(format!("\n--- exit {:?}\n", out.status.code()).as_bytes());
    bytes.extend_from_slice(&out.stderr);
    bytes
}

/// A site on disk: layout, optional roster and policy.
struct Case {
    name: String,
    layout: PathBuf,
    households: Option<PathBuf>,
    policy: Option<PathBuf>,
}

fn fixture_case(name: &str, dir: &Path) -> Case {
    let csv = dir.join("households.csv");
    let json = dir.join("households.json");
    let policy = dir.join("policy.json");
    Case {
        name: name.to_string(),
        layout: dir.join("layout.geojson"),
        households: if csv.exists() {
            Some(csv)
        } else {
            json.exists().then_some(json)
        },
        policy: policy.exists().then_some(policy),
    }
}

fn subdirs(root: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap_or_else(|e| panic!("{root}: {e}"))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.join("layout.geojson").exists())
        .collect();
    dirs.sort();
    dirs
}

fn run_case(case: &Case, scratch: &Path, goldens: &mut Goldens) {
    let s = |p: &Path| p.to_str().expect("utf-8 path").to_string();
    let layout = s(&case.layout);
    let mut validate = vec!["validate".to_string(), layout.clone(), "--json".into()];
    if let Some(p) = &case.policy {
        validate.extend(["--policy".into(), s(p)]);
    }
    let validate: Vec<&str> = validate.iter().map(String::as_str).collect();
    goldens.check(
        &format!("cli/{}/validate.txt", case.name),
        &cli_bytes(&validate),
    );

    let mut render_with: Vec<String> = vec!["render".into(), "--layout".into(), layout.clone()];
    if let Some(households) = &case.households {
        let mut solve = vec![
            "solve".to_string(),
            "--layout".into(),
            layout.clone(),
            "--households".into(),
            s(households),
        ];
        if let Some(p) = &case.policy {
            solve.extend(["--policy".into(), s(p)]);
        }
        for (format, file) in [
            ("json", "allocation.json"),
            ("csv", "allocation.csv"),
            ("geojson", "allocation.geojson"),
        ] {
            let mut args: Vec<&str> = solve.iter().map(String::as_str).collect();
            args.extend(["--format", format]);
            goldens.check(&format!("cli/{}/{file}", case.name), &cli_bytes(&args));
        }
        let allocation = scratch.join(format!("{}.json", case.name));
        let mut args: Vec<&str> = solve.iter().map(String::as_str).collect();
        let out_path = s(&allocation);
        args.extend(["--out", &out_path]);
        let out = allot(&args);
        assert!(out.status.success(), "{}: solve failed", case.name);
        render_with.extend(["--allocation".into(), out_path]);
    }
    for lang in ["zh", "en"] {
        let mut args: Vec<&str> = render_with.iter().map(String::as_str).collect();
        args.extend(["--lang", lang]);
        goldens.check(
            &format!("cli/{}/map.{lang}.svg", case.name),
            &cli_bytes(&args),
        );
    }
}

#[test]
fn the_cli_writes_the_same_bytes_for_every_fixture_and_synthetic_site() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let mut cases = Vec::new();
    for root in ["fixtures/small", "fixtures/valid"] {
        for dir in subdirs(root) {
            let name = format!(
                "{}-{}",
                root.trim_start_matches("fixtures/"),
                dir.file_name().expect("name").to_string_lossy()
            );
            cases.push(fixture_case(&name, &dir));
        }
    }
    cases.push(fixture_case("yixinqiao", Path::new("fixtures/yixinqiao")));
    // Problems drawn on the plan: every warning fixture, one error fixture per rule.
    for root in ["fixtures/warnings", "fixtures/invalid"] {
        for dir in subdirs(root) {
            let name = format!(
                "{}-{}",
                root.trim_start_matches("fixtures/"),
                dir.file_name().expect("name").to_string_lossy()
            );
            let mut case = fixture_case(&name, &dir);
            case.households = None;
            cases.push(case);
        }
    }
    let synthetic = [
        ("synthetic-12", SynthParams::scaled(12, 8, 1)),
        ("synthetic-40-walkways", {
            let mut p = SynthParams::scaled(40, 24, 7);
            p.walkways = true;
            p
        }),
        ("synthetic-90", SynthParams::scaled(90, 70, 42)),
    ];
    for (name, params) in synthetic {
        let (layout, households) = synthetic_site(&params);
        let dir = scratch.path().join(name);
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("layout.geojson"), layout.to_string()).expect("layout");
        std::fs::write(dir.join("households.json"), households.to_string()).expect("roster");
        cases.push(fixture_case(name, &dir));
    }
    let mut goldens = Goldens::default();
    for case in &cases {
        run_case(case, scratch.path(), &mut goldens);
    }
    goldens.finish();
}

/// Status line, the headers that carry meaning, and the body as text with
/// the given timestamps blanked.
fn answer(res: Response, blank: &[String]) -> Vec<u8> {
    let status = res.status().as_u16();
    let mut head = format!("{status}\n");
    for name in [
        "content-type",
        "etag",
        "location",
        "content-disposition",
        "allot-errors",
        "allot-warnings",
    ] {
        if let Some(v) = res.headers().get(name) {
            head.push_str(&format!("{name}: {}\n", v.to_str().unwrap_or("?")));
        }
    }
    let mut body = res.text().expect("body");
    for t in blank {
        body = body.replace(t.as_str(), "<timestamp>");
    }
    head.push('\n');
    head.push_str(&body);
    head.into_bytes()
}

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(path).expect(path);
    serde_json::from_str(text.trim_start_matches('\u{feff}')).expect(path)
}

/// The timestamps the store gave this site and its allocations.
fn timestamps(app: &api_support::TestApp, site: &str) -> Vec<String> {
    let mut out = Vec::new();
    let head = app.get_json(&format!("/v1/sites/{site}"), VIEWER);
    for k in ["created", "updated"] {
        if let Some(t) = head[k].as_str() {
            out.push(t.to_string());
        }
    }
    let list = app.get_json(&format!("/v1/sites/{site}/allocations"), VIEWER);
    for a in list["allocations"].as_array().into_iter().flatten() {
        if let Some(t) = a["created"].as_str() {
            out.push(t.to_string());
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn the_api_and_the_web_page_answer_the_same_bytes_through_a_stored_workflow() {
    let app = spawn_app();
    let mut g = Goldens::default();
    let no_ts: Vec<String> = Vec::new();

    // Yixinqiao: create, roster as CSV, policy, two allocations.
    let layout = read_json("fixtures/yixinqiao/layout.geojson");
    let res = app
        .req(Method::POST, "/v1/sites", Some(PLANNER))
        .json(&layout)
        .send()
        .expect("create");
    g.check("api/yx/01-create.txt", &answer(res, &no_ts));
    let site = "yixinqiao";
    let csv = std::fs::read("fixtures/yixinqiao/households.csv").expect("csv");
    let res = app
        .req(
            Method::PUT,
            &format!("/v1/sites/{site}/households"),
            Some(STAFF),
        )
        .header("If-Match", app.etag(site))
        .header("Content-Type", "text/csv")
        .body(csv)
        .send()
        .expect("roster");
    let ts = timestamps(&app, site);
    g.check("api/yx/02-put-households.txt", &answer(res, &ts));
    let policy = read_json("fixtures/yixinqiao/policy.json");
    let res = app.write_json(
        Method::PUT,
        &format!("/v1/sites/{site}/policy"),
        PLANNER,
        &app.etag(site),
        &policy,
    );
    let ts = timestamps(&app, site);
    g.check("api/yx/03-put-policy.txt", &answer(res, &ts));
    // Staff changing more than the pins.
    let mut changed = policy.clone();
    changed["mechanism"] = json!("serial_dictatorship");
    let res = app.write_json(
        Method::PUT,
        &format!("/v1/sites/{site}/policy"),
        STAFF,
        &app.etag(site),
        &changed,
    );
    g.check("api/yx/04-staff-policy.txt", &answer(res, &no_ts));
    let res = app
        .req(
            Method::POST,
            &format!("/v1/sites/{site}/allocations"),
            Some(STAFF),
        )
        .header("Content-Type", "application/json")
        .send()
        .expect("allocate");
    g.check("api/yx/05-allocate.txt", &answer(res, &no_ts));
    let res = app
        .req(
            Method::POST,
            &format!("/v1/sites/{site}/allocations"),
            Some(STAFF),
        )
        .json(&json!({"seed": "another draw"}))
        .send()
        .expect("allocate again");
    g.check("api/yx/06-allocate-again.txt", &answer(res, &no_ts));
    let ts = timestamps(&app, site);
    for (name, query, lang) in [
        ("07-get-json", "", "zh"),
        ("07-get-csv", "?format=csv", "zh"),
        ("07-get-geojson", "?format=geojson", "zh"),
        ("07-get-svg-zh", "?format=svg", "zh-CN"),
        ("07-get-svg-en", "?format=svg", "en-GB,en;q=0.9"),
    ] {
        let res = app
            .req(
                Method::GET,
                &format!("/v1/sites/{site}/allocations/1{query}"),
                Some(VIEWER),
            )
            .header("Accept-Language", lang)
            .send()
            .expect("get");
        g.check(&format!("api/yx/{name}.txt"), &answer(res, &ts));
    }
    for (name, path, token) in [
        ("08-list", format!("/v1/sites/{site}/allocations"), VIEWER),
        (
            "08-diff",
            format!("/v1/sites/{site}/allocations/1/diff/2"),
            VIEWER,
        ),
        (
            "08-household-viewer",
            format!("/v1/sites/{site}/households/B1-1-101"),
            VIEWER,
        ),
        (
            "08-household-staff",
            format!("/v1/sites/{site}/households/B1-1-102"),
            STAFF,
        ),
        (
            "08-household-unknown",
            format!("/v1/sites/{site}/households/nobody"),
            VIEWER,
        ),
        (
            "08-revision",
            format!("/v1/sites/{site}/revisions/2"),
            VIEWER,
        ),
        ("08-policy", format!("/v1/sites/{site}/policy"), VIEWER),
        (
            "09-page-zh",
            format!("/sites/{site}?household=B1-1-101"),
            VIEWER,
        ),
        (
            "09-page-en-first",
            format!("/sites/{site}?lang=en&allocation=1"),
            STAFF,
        ),
        (
            "09-download-svg",
            format!("/sites/{site}/allocations/2/download/svg?lang=en"),
            VIEWER,
        ),
        (
            "09-download-csv",
            format!("/sites/{site}/allocations/2/download/csv"),
            VIEWER,
        ),
    ] {
        let res = app.get(&path, token);
        g.check(&format!("api/yx/{name}.txt"), &answer(res, &ts));
    }
    // The stateless endpoints.
    for (name, query) in [("10-validate", ""), ("10-validate-svg", "?format=svg")] {
        let res = app
            .req(Method::POST, &format!("/v1/validate{query}"), Some(VIEWER))
            .header("Accept-Language", "en")
            .json(&json!({"layout": layout, "policy": policy}))
            .send()
            .expect("validate");
        g.check(&format!("api/yx/{name}.txt"), &answer(res, &no_ts));
    }

    // A small site: a layout that no longer fits the roster, a patch, a pin.
    let dir = "fixtures/small/pin";
    let layout = read_json(&format!("{dir}/layout.geojson"));
    let households = read_json(&format!("{dir}/households.json"));
    let policy = read_json(&format!("{dir}/policy.json"));
    let res = app
        .req(Method::POST, "/v1/solve?format=svg", Some(VIEWER))
        .json(&json!({"layout": layout, "households": households, "policy": policy}))
        .send()
        .expect("solve");
    g.check("api/pin/01-solve-svg.txt", &answer(res, &no_ts));
    let res = app
        .req(Method::POST, "/v1/solve?format=geojson", Some(VIEWER))
        .json(&json!({"layout": layout, "households": households, "policy": policy}))
        .send()
        .expect("solve");
    g.check("api/pin/01-solve-geojson.txt", &answer(res, &no_ts));
    let mut layout = layout;
    layout["site"] = json!({"id": "pin", "name": "Pin"});
    let (site, _) = app.create_site(&layout);
    let res = app.write_json(
        Method::PUT,
        &format!("/v1/sites/{site}/households"),
        STAFF,
        &app.etag(&site),
        &households,
    );
    let ts = timestamps(&app, &site);
    g.check("api/pin/02-households.txt", &answer(res, &ts));
    let res = app.write_json(
        Method::PUT,
        &format!("/v1/sites/{site}/policy"),
        STAFF,
        &app.etag(&site),
        &policy,
    );
    let ts = timestamps(&app, &site);
    g.check("api/pin/03-policy-as-staff.txt", &answer(res, &ts));
    let res = app.write_json(
        Method::PUT,
        &format!("/v1/sites/{site}/policy"),
        PLANNER,
        &app.etag(&site),
        &policy,
    );
    let ts = timestamps(&app, &site);
    g.check("api/pin/04-policy.txt", &answer(res, &ts));
    // Drop every entrance: the stored roster and pins no longer fit.
    let mut bare = layout.clone();
    if let Some(fs) = bare["features"].as_array_mut() {
        fs.retain(|f| f["properties"]["kind"] != "entrance");
    }
    let res = app.write_json(
        Method::PUT,
        &format!("/v1/sites/{site}/layout"),
        PLANNER,
        &app.etag(&site),
        &bare,
    );
    g.check("api/pin/05-layout-unfit.txt", &answer(res, &no_ts));
    // Drop the pinned resource instead.
    let pinned = policy["pins"][0]["resource"].clone();
    let mut unpinned = layout.clone();
    if let Some(fs) = unpinned["features"].as_array_mut() {
        fs.retain(|f| f["properties"]["id"] != pinned);
    }
    let res = app.write_json(
        Method::PUT,
        &format!("/v1/sites/{site}/layout"),
        PLANNER,
        &app.etag(&site),
        &unpinned,
    );
    g.check("api/pin/05-layout-unpinned.txt", &answer(res, &no_ts));
    let first = households[0]["id"].clone();
    let res = app.write_json(
        Method::PATCH,
        &format!("/v1/sites/{site}/households"),
        STAFF,
        &app.etag(&site),
        &json!({"upsert": [{"id": "NEW-1", "building": households[0]["building"], "unit": households[0]["unit"], "cars": 1}],
                "remove": ["nobody", first]}),
    );
    g.check("api/pin/06-patch-bad.txt", &answer(res, &no_ts));
    let res = app.write_json(
        Method::PATCH,
        &format!("/v1/sites/{site}/households"),
        STAFF,
        &app.etag(&site),
        &json!({"upsert": [{"id": "NEW-1", "building": households[0]["building"], "unit": households[0]["unit"], "cars": 1}]}),
    );
    let ts = timestamps(&app, &site);
    g.check("api/pin/06-patch.txt", &answer(res, &ts));
    let res = app
        .req(
            Method::POST,
            &format!("/v1/sites/{site}/allocations"),
            Some(PLANNER),
        )
        .json(&json!({"policy": {"pins": [{"household": first, "resource": "NOPE"}]}}))
        .send()
        .expect("allocate");
    g.check("api/pin/07-allocate-bad-pin.txt", &answer(res, &no_ts));
    let res = app
        .req(
            Method::POST,
            &format!("/v1/sites/{site}/allocations"),
            Some(PLANNER),
        )
        .json(&json!({"seed": "s"}))
        .send()
        .expect("allocate");
    g.check("api/pin/08-allocate.txt", &answer(res, &no_ts));
    let ts = timestamps(&app, &site);
    let res = app.get(&format!("/sites/{site}?lang=en"), PLANNER);
    g.check("api/pin/09-page.txt", &answer(res, &ts));
    g.finish();
}
