//! The HTTP API without the solver: stored sites, revisions, access control,
//! problems for bad requests, concurrency, restarts, the OpenAPI document.

use crate::support::api as api_support;

use api_support::*;
use reqwest::Method;
use rstest::rstest;
use serde_json::{json, Value};
use std::sync::{Arc, Barrier};

/// A site `tiny` with a roster of four households: revision 2.
fn app_with_site(tweak: impl FnOnce(&mut allot::api::startup::ServeConfig)) -> (TestApp, String) {
    app_with_site_on(Backend::Sqlite, tweak)
}

/// [`app_with_site`] on the given backend.
fn app_with_site_on(
    backend: Backend,
    tweak: impl FnOnce(&mut allot::api::startup::ServeConfig),
) -> (TestApp, String) {
    let app = spawn_app_on(backend, tweak);
    let (site, _) = app.tiny_site("tiny", 4, 4);
    (app, site)
}

/// Everything a client can read of the site, to compare before and after.
fn snapshot(app: &TestApp, site: &str) -> (Value, Value, Value) {
    let head = app.get_json(&format!("/v1/sites/{site}"), PLANNER);
    let rev = head["revision"].as_u64().expect("revision");
    let docs = app.get_json(&format!("/v1/sites/{site}/revisions/{rev}"), PLANNER);
    let sites = app.get_json("/v1/sites", PLANNER);
    (head, docs, sites)
}

#[test]
fn health_and_the_openapi_document_need_no_token() {
    let app = spawn_app();
    let res = app.req(Method::GET, "/healthz", None).send().unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().contains_key("x-request-id"));
    assert_eq!(res.json::<Value>().unwrap()["status"], "ok");
    let res = app.req(Method::GET, "/openapi.json", None).send().unwrap();
    assert_eq!(res.status(), 200);
}

#[test]
fn a_created_site_is_found_listed_and_paged() {
    let app = spawn_app();
    for id in ["c-site", "a-site", "b-site"] {
        let res = app
            .req(Method::POST, "/v1/sites", Some(PLANNER))
            .json(&tiny_layout(id, 2))
            .send()
            .unwrap();
        assert_eq!(res.status(), 201);
        assert_eq!(
            res.headers()["location"],
            format!("/v1/sites/{id}").as_str()
        );
        assert_eq!(res.headers()["etag"], format!("\"{id}-r1\"").as_str());
    }
    let head = app.get_json("/v1/sites/a-site", VIEWER);
    assert_eq!(head["revision"], 1);
    assert_eq!(head["name"], "Tiny a-site");
    assert_eq!(head["roster_revision"], Value::Null);
    assert_eq!(head["latest_allocation"], Value::Null);
    let page = app.get_json("/v1/sites?limit=2", VIEWER);
    let ids: Vec<_> = page["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["a-site", "b-site"]);
    assert_eq!(page["next"], "b-site");
    let rest = app.get_json("/v1/sites?limit=2&after=b-site", VIEWER);
    assert_eq!(rest["sites"][0]["id"], "c-site");
    assert_eq!(rest["next"], Value::Null);
    let dup = app
        .req(Method::POST, "/v1/sites", Some(PLANNER))
        .json(&tiny_layout("a-site", 2))
        .send()
        .unwrap();
    assert_problem(dup, 409, "conflict");
}

#[test]
fn every_write_makes_a_revision_and_old_revisions_stay_readable() {
    let (app, site) = app_with_site(|_| {});
    let etag = app.etag(&site);
    assert_eq!(etag, format!("\"{site}-r2\""));
    let patch = json!({"remove": ["H4"], "upsert": [{"id": "H5", "building": "B1", "unit": "2", "cars": 1}]});
    let res = app.write_json(
        Method::PATCH,
        &format!("/v1/sites/{site}/households"),
        STAFF,
        &etag,
        &patch,
    );
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["etag"], format!("\"{site}-r3\"").as_str());
    let body: Value = res.json().unwrap();
    assert_eq!(
        (
            body["revision"].as_u64(),
            body["roster_revision"].as_u64(),
            body["households"].as_u64()
        ),
        (Some(3), Some(3), Some(4))
    );
    let now: Vec<String> = app
        .get_json(&format!("/v1/sites/{site}/households"), STAFF)
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(now, ["H1", "H2", "H3", "H5"]);
    let old: Vec<String> = app
        .get_json(&format!("/v1/sites/{site}/households?revision=2"), STAFF)
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(old, ["H1", "H2", "H3", "H4"]);
    let first = app.get_json(&format!("/v1/sites/{site}/revisions/1"), STAFF);
    assert_eq!(first["households"], json!([]));
    assert_eq!(first["layout"], tiny_layout("tiny", 4));
    let res = app.write_json(
        Method::PUT,
        &format!("/v1/sites/{site}/layout"),
        PLANNER,
        &format!("\"{site}-r3\""),
        &tiny_layout("tiny", 6),
    );
    assert_eq!(res.status(), 200);
    let head = app.get_json(&format!("/v1/sites/{site}"), VIEWER);
    assert_eq!(
        (
            head["revision"].as_u64(),
            head["layout_revision"].as_u64(),
            head["roster_revision"].as_u64()
        ),
        (Some(4), Some(4), Some(3))
    );
    assert_problem(
        app.get(&format!("/v1/sites/{site}/revisions/5"), VIEWER),
        404,
        "not-found",
    );
}

#[test]
fn viewers_see_sites_but_never_rosters() {
    let (app, site) = app_with_site(|_| {});
    let as_viewer = app.get_json(&format!("/v1/sites/{site}/revisions/2"), VIEWER);
    assert!(as_viewer.get("households").is_none());
    assert!(as_viewer["layout"].is_object());
    let as_staff = app.get_json(&format!("/v1/sites/{site}/revisions/2"), STAFF);
    assert_eq!(as_staff["households"].as_array().map(Vec::len), Some(4));
    assert_problem(
        app.get(&format!("/v1/sites/{site}/households"), VIEWER),
        403,
        "forbidden",
    );
}

/// Requests that must be refused, each with its status and problem type.
#[derive(Debug, Clone, Copy)]
enum Bad {
    MalformedJson,
    MalformedLayoutJson,
    DuplicateFeatureId,
    UnknownSite,
    UnknownAllocation,
    NonNumericAllocation,
    StaleIfMatch,
    MissingIfMatch,
    OversizedBody,
    WrongMediaType,
    CsvWithBadRow,
    PinToUnknownSpace,
    PatchRemovesUnknownHousehold,
    MissingToken,
    WrongToken,
    ViewerWritesRoster,
    StaffWritesLayout,
    StaffChangesPolicyBeyondPins,
    StaffAllocatesUnderAnotherPolicy,
    LayoutNamesAnotherSite,
    ViewerReadsRoster,
    PageSizeNotANumber,
    UnknownRoute,
    MethodNotAllowed,
}

impl Bad {
    fn send(self, app: &TestApp, site: &str) -> reqwest::blocking::Response {
        let etag = app.etag(site);
        let path = |p: &str| format!("/v1/sites/{site}{p}");
        let put = |p: &str, token: &str, ct: &str, body: String| {
            app.req(Method::PUT, &path(p), Some(token))
                .header("If-Match", etag.as_str())
                .header("Content-Type", ct)
                .body(body)
                .send()
                .unwrap()
        };
        match self {
            Bad::MalformedJson => put(
                "/policy",
                PLANNER,
                "application/json",
                "{\"priority\": [\"elderly\",]}".into(),
            ),
            Bad::MalformedLayoutJson => app
                .req(Method::POST, "/v1/sites", Some(PLANNER))
                .header("Content-Type", "application/geo+json")
                .body("{\"type\": ")
                .send()
                .unwrap(),
            Bad::DuplicateFeatureId => {
                let mut layout = tiny_layout("other", 3);
                layout["features"][8]["properties"]["id"] = json!("P1");
                app.req(Method::POST, "/v1/sites", Some(PLANNER))
                    .json(&layout)
                    .send()
                    .unwrap()
            }
            Bad::UnknownSite => app.get("/v1/sites/nowhere", VIEWER),
            Bad::UnknownAllocation => app.get(&path("/allocations/99"), VIEWER),
            Bad::NonNumericAllocation => app.get(&path("/allocations/latest"), VIEWER),
            Bad::StaleIfMatch => app.write_json(
                Method::PUT,
                &path("/policy"),
                PLANNER,
                &format!("\"{site}-r1\""),
                &json!({}),
            ),
            Bad::MissingIfMatch => app
                .req(Method::PUT, &path("/policy"), Some(PLANNER))
                .json(&json!({}))
                .send()
                .unwrap(),
            Bad::OversizedBody => put(
                "/households",
                STAFF,
                "application/json",
                format!("[{}]", " ".repeat(40 * 1024)),
            ),
            Bad::WrongMediaType => put(
                "/households",
                STAFF,
                "text/plain",
                "id,building,unit\nH1,B1,1\n".into(),
            ),
            Bad::CsvWithBadRow => put(
                "/households",
                STAFF,
                "text/csv",
                "id,building,unit,cars\nH1,B1,1,1\nH2,B1,2,many\n".into(),
            ),
            Bad::PinToUnknownSpace => app.write_json(
                Method::PUT,
                &path("/policy"),
                PLANNER,
                &etag,
                &json!({"pins": [{"household": "H1", "resource": "P99", "reason": "test"}]}),
            ),
            Bad::PatchRemovesUnknownHousehold => app.write_json(
                Method::PATCH,
                &path("/households"),
                STAFF,
                &etag,
                &json!({"remove": ["H9"]}),
            ),
            Bad::MissingToken => app.req(Method::GET, "/v1/sites", None).send().unwrap(),
            Bad::WrongToken => app
                .req(Method::GET, "/v1/sites", Some("not-a-known-token-at-all"))
                .send()
                .unwrap(),
            Bad::ViewerWritesRoster => app.write_json(
                Method::PUT,
                &path("/households"),
                VIEWER,
                &etag,
                &tiny_roster(2),
            ),
            Bad::StaffWritesLayout => app.write_json(
                Method::PUT,
                &path("/layout"),
                STAFF,
                &etag,
                &tiny_layout("tiny", 4),
            ),
            Bad::StaffChangesPolicyBeyondPins => app.write_json(
                Method::PUT,
                &path("/policy"),
                STAFF,
                &etag,
                &json!({"priority": ["elderly"]}),
            ),
            Bad::StaffAllocatesUnderAnotherPolicy => app
                .req(Method::POST, &path("/allocations"), Some(STAFF))
                .json(&json!({"policy": {"mechanism": "serial_dictatorship"}}))
                .send()
                .unwrap(),
            Bad::LayoutNamesAnotherSite => app.write_json(
                Method::PUT,
                &path("/layout"),
                PLANNER,
                &etag,
                &tiny_layout("elsewhere", 4),
            ),
            Bad::ViewerReadsRoster => app.get(&path("/households"), VIEWER),
            Bad::PageSizeNotANumber => app.get("/v1/sites?limit=many", VIEWER),
            Bad::UnknownRoute => app.get("/v2/sites", VIEWER),
            Bad::MethodNotAllowed => app
                .req(Method::DELETE, &path(""), Some(PLANNER))
                .send()
                .unwrap(),
        }
    }
}

#[rstest]
#[case::malformed_json(Bad::MalformedJson, 400, "malformed-body")]
#[case::malformed_layout_json(Bad::MalformedLayoutJson, 400, "malformed-body")]
#[case::duplicate_feature_id(Bad::DuplicateFeatureId, 422, "invalid-input")]
#[case::unknown_site(Bad::UnknownSite, 404, "not-found")]
#[case::unknown_allocation(Bad::UnknownAllocation, 404, "not-found")]
#[case::non_numeric_allocation(Bad::NonNumericAllocation, 404, "not-found")]
#[case::stale_if_match(Bad::StaleIfMatch, 412, "stale-revision")]
#[case::missing_if_match(Bad::MissingIfMatch, 428, "precondition-required")]
#[case::oversized_body(Bad::OversizedBody, 413, "body-too-large")]
#[case::wrong_media_type(Bad::WrongMediaType, 415, "unsupported-media-type")]
#[case::csv_with_bad_row(Bad::CsvWithBadRow, 422, "invalid-input")]
#[case::pin_to_unknown_space(Bad::PinToUnknownSpace, 422, "invalid-input")]
#[case::patch_removes_unknown_household(Bad::PatchRemovesUnknownHousehold, 422, "invalid-input")]
#[case::missing_token(Bad::MissingToken, 401, "unauthorized")]
#[case::wrong_token(Bad::WrongToken, 401, "unauthorized")]
#[case::viewer_writes_roster(Bad::ViewerWritesRoster, 403, "forbidden")]
#[case::staff_writes_layout(Bad::StaffWritesLayout, 403, "forbidden")]
#[case::staff_changes_policy_beyond_pins(Bad::StaffChangesPolicyBeyondPins, 403, "forbidden")]
#[case::staff_allocates_under_another_policy(
    Bad::StaffAllocatesUnderAnotherPolicy,
    403,
    "forbidden"
)]
#[case::layout_names_another_site(Bad::LayoutNamesAnotherSite, 422, "invalid-input")]
#[case::viewer_reads_roster(Bad::ViewerReadsRoster, 403, "forbidden")]
#[case::page_size_not_a_number(Bad::PageSizeNotANumber, 400, "bad-request")]
#[case::unknown_route(Bad::UnknownRoute, 404, "not-found")]
#[case::method_not_allowed(Bad::MethodNotAllowed, 405, "method-not-allowed")]
fn a_bad_request_gets_its_status_and_problem_and_changes_nothing(
    #[case] bad: Bad,
    #[case] status: u16,
    #[case] slug: &str,
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let (app, site) = app_with_site_on(backend, |c| c.body_limit = 16 * 1024);
    let before = snapshot(&app, &site);
    let res = bad.send(&app, &site);
    let www_authenticate = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap_or("").to_string());
    let etag_header = res
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap_or("").to_string());
    let problem = assert_problem(res, status, slug);
    match bad {
        Bad::MissingToken | Bad::WrongToken => {
            assert!(www_authenticate.is_some_and(|v| v.starts_with("Bearer")));
        }
        Bad::StaleIfMatch => {
            assert_eq!(problem["current_revision"], 2);
            assert_eq!(
                etag_header.as_deref(),
                Some(format!("\"{site}-r2\"").as_str())
            );
        }
        Bad::DuplicateFeatureId => {
            let errors = problem["errors"].as_array().expect("errors listed");
            assert!(
                errors.iter().any(|e| e["feature"] == "P1"
                    || e["features"]
                        .as_array()
                        .is_some_and(|f| f.contains(&json!("P1")))),
                "{problem:#}"
            );
        }
        Bad::CsvWithBadRow => {
            let errors = problem["errors"].as_array().expect("errors listed");
            assert!(
                errors.iter().any(|e| e["row"] == 3 && e["field"] == "cars"),
                "{problem:#}"
            );
        }
        Bad::PinToUnknownSpace => {
            let errors = problem["errors"].as_array().expect("errors listed");
            assert!(
                errors
                    .iter()
                    .any(|e| e["message"].as_str().is_some_and(|m| m.contains("P99"))),
                "{problem:#}"
            );
        }
        _ => {}
    }
    assert_eq!(snapshot(&app, &site), before, "the stored state changed");
}

#[test]
fn of_two_racing_writes_with_the_same_if_match_exactly_one_wins() {
    let (app, site) = app_with_site(|_| {});
    let app = Arc::new(app);
    let etag = app.etag(&site);
    let barrier = Arc::new(Barrier::new(2));
    let threads: Vec<_> = [1usize, 2]
        .into_iter()
        .map(|n| {
            let (app, site, etag, barrier) =
                (app.clone(), site.clone(), etag.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let res = app.write_json(
                    Method::PUT,
                    &format!("/v1/sites/{site}/households"),
                    STAFF,
                    &etag,
                    &tiny_roster(n),
                );
                res.status().as_u16()
            })
        })
        .collect();
    let mut statuses: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    statuses.sort();
    assert_eq!(statuses, [200, 412]);
    let head = app.get_json(&format!("/v1/sites/{site}"), VIEWER);
    assert_eq!(head["revision"], 3);
}

#[rstest]
fn data_survives_a_restart_on_the_same_database(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let (_dir, db) = fresh_db(backend);
    let app = spawn(config(&db));
    let (site, _) = app.tiny_site("kept", 3, 3);
    app.stop();
    let again = spawn(config(&db));
    let head = again.get_json(&format!("/v1/sites/{site}"), VIEWER);
    assert_eq!(
        (head["revision"].as_u64(), head["households"].as_u64()),
        (Some(2), Some(3))
    );
    let roster = again.get_json(&format!("/v1/sites/{site}/households"), STAFF);
    assert_eq!(roster.as_array().map(Vec::len), Some(3));
}

#[test]
fn dev_mode_needs_no_token() {
    let app = spawn_app_with(|c| {
        c.dev = true;
        c.tokens = Default::default();
    });
    let res = app
        .req(Method::POST, "/v1/sites", None)
        .json(&tiny_layout("open", 2))
        .send()
        .unwrap();
    assert_eq!(res.status(), 201);
}

/// Every endpoint of API.md (and the added ones), with its methods.
const ENDPOINTS: &[(&str, &[&str])] = &[
    ("/healthz", &["get"]),
    ("/openapi.json", &["get"]),
    ("/v1/validate", &["post"]),
    ("/v1/solve", &["post"]),
    ("/v1/sites", &["get", "post"]),
    ("/v1/sites/{site}", &["get"]),
    ("/v1/sites/{site}/revisions/{revision}", &["get"]),
    ("/v1/sites/{site}/layout", &["get", "put"]),
    ("/v1/sites/{site}/households", &["get", "put", "patch"]),
    ("/v1/sites/{site}/households/{household}", &["get"]),
    ("/v1/sites/{site}/policy", &["get", "put"]),
    ("/v1/sites/{site}/allocations", &["get", "post"]),
    ("/v1/sites/{site}/allocations/{id}", &["get"]),
    ("/v1/sites/{site}/allocations/{id}/diff/{other}", &["get"]),
    ("/v1/sites/{site}/allocations/{id}/bundle", &["get"]),
    ("/v1/sites/{site}/households/{household}/history", &["get"]),
    ("/v1/sites/{site}/simulate.svg", &["get"]),
    ("/v1/sites/{site}/draws", &["post", "get"]),
    ("/v1/sites/{site}/draws/{draw}", &["get"]),
    ("/v1/sites/{site}/draws/{draw}/reveal", &["post"]),
    ("/v1/sites/{site}/draws/{draw}/result", &["get"]),
];

#[test]
fn the_openapi_document_is_openapi_3_and_lists_every_endpoint() {
    let app = spawn_app();
    let doc: Value = app
        .req(Method::GET, "/openapi.json", None)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{}",
        doc["openapi"]
    );
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    let paths = doc["paths"].as_object().expect("paths");
    for (path, methods) in ENDPOINTS {
        let item = paths.get(*path).unwrap_or_else(|| panic!("{path} missing"));
        for m in *methods {
            let op = item.get(*m).unwrap_or_else(|| panic!("{m} {path} missing"));
            let responses = op["responses"].as_object().expect("responses");
            assert!(!responses.is_empty(), "{m} {path} lists no responses");
            // Every path parameter is declared.
            for seg in path.split('/').filter(|s| s.starts_with('{')) {
                let name = seg.trim_matches(|c| c == '{' || c == '}');
                let declared = op["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == name && p["in"] == "path"));
                assert!(declared, "{m} {path} does not declare {name}");
            }
        }
    }
    assert_eq!(
        paths.len(),
        ENDPOINTS.len(),
        "undocumented or stray paths: {:?}",
        paths.keys().collect::<Vec<_>>()
    );
    // Every $ref resolves.
    let text = doc.to_string();
    for piece in text.split("\"$ref\":\"").skip(1) {
        let target = piece.split('"').next().unwrap();
        let pointer = target.trim_start_matches('#');
        assert!(doc.pointer(pointer).is_some(), "dangling $ref {target}");
    }
}

#[test]
fn staff_may_change_the_pins_of_a_policy_and_nothing_else() {
    let (app, site) = app_with_site(|_| {});
    let policy = json!({"priority": ["elderly"]});
    let res = app.write_json(
        Method::PUT,
        &format!("/v1/sites/{site}/policy"),
        PLANNER,
        &app.etag(&site),
        &policy,
    );
    assert_eq!(res.status(), 200);
    let pinned = json!({"priority": ["elderly"], "pins": [{"household": "H1", "resource": "P2", "reason": "agreed"}]});
    let res = app.write_json(
        Method::PUT,
        &format!("/v1/sites/{site}/policy"),
        STAFF,
        &app.etag(&site),
        &pinned,
    );
    assert_eq!(res.status(), 200, "{}", res.text().unwrap_or_default());
    assert_eq!(
        app.get_json(&format!("/v1/sites/{site}/policy"), VIEWER),
        pinned
    );
    let reordered = json!({"priority": [], "pins": []});
    let res = app.write_json(
        Method::PUT,
        &format!("/v1/sites/{site}/policy"),
        STAFF,
        &app.etag(&site),
        &reordered,
    );
    assert_problem(res, 403, "forbidden");
}
