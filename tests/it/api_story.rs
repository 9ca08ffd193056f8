//! The staff story on the `yixinqiao` fixture, end to end over HTTP.

use crate::support::api as api_support;
use crate::support::common::{fixture_bytes, fixture_json};

use api_support::*;
use reqwest::Method;
use rstest::rstest;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::time::Duration;

/// Posts the layout, uploads the CSV roster and stores the policy; returns the site id.
fn set_up_yixinqiao(app: &TestApp) -> String {
    let res = app
        .req(Method::POST, "/v1/sites", Some(PLANNER))
        .header("Content-Type", "application/geo+json")
        .body(fixture_bytes("yixinqiao", "layout.geojson"))
        .send()
        .unwrap();
    let status = res.status();
    let created: Value = res.json().unwrap();
    assert_eq!(status, 201, "{created:#}");
    assert_eq!(created["id"], "yixinqiao");
    assert_eq!(
        created["warnings"],
        json!([]),
        "the fixture raises no warning"
    );
    let site = "yixinqiao".to_string();

    let res = app
        .req(
            Method::PUT,
            &format!("/v1/sites/{site}/households"),
            Some(STAFF),
        )
        .header("If-Match", created["etag"].as_str().unwrap())
        .header("Content-Type", "text/csv")
        .body(fixture_bytes("yixinqiao", "households.csv"))
        .send()
        .unwrap();
    let status = res.status();
    let written: Value = res.json().unwrap();
    assert_eq!(status, 200, "{written:#}");
    assert_eq!(written["households"], 308);

    let res = app.write_json(
        Method::PUT,
        &format!("/v1/sites/{site}/policy"),
        PLANNER,
        written["etag"].as_str().unwrap(),
        &fixture_json("yixinqiao", "policy.json"),
    );
    assert_eq!(res.status(), 200, "{}", res.text().unwrap_or_default());
    site
}

fn allocate(app: &TestApp, site: &str) -> (u64, Value, Vec<u8>) {
    let res = app
        .req(
            Method::POST,
            &format!("/v1/sites/{site}/allocations"),
            Some(STAFF),
        )
        .send()
        .unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = res.bytes().unwrap().to_vec();
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&bytes));
    let location = location.expect("Location");
    let id: u64 = location.rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(location, format!("/v1/sites/{site}/allocations/{id}"));
    (id, serde_json::from_slice(&bytes).unwrap(), bytes)
}

fn resources_of(allocation: &Value, household: &str) -> Vec<(String, String)> {
    allocation["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["household"] == household)
        .map(|a| {
            (
                a["kind"].as_str().unwrap().to_string(),
                a["resource"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[rstest]
fn the_staff_story_moves_only_what_the_roster_change_forces(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = spawn_app_on(backend, |_| {});
    let site = set_up_yixinqiao(&app);
    let (first_id, first, first_bytes) = allocate(&app, &site);
    assert_eq!(first["metrics"]["parking_space"]["supply"], 74);
    assert_eq!(first["metrics"]["parking_space"]["served"], 74);

    // The stored allocation is the one answered, byte for byte (to staff;
    // viewers get the public view).
    let stored = app.get(&format!("/v1/sites/{site}/allocations/{first_id}"), STAFF);
    assert_eq!(stored.headers()["content-type"], "application/json");
    assert_eq!(stored.bytes().unwrap().to_vec(), first_bytes);

    // Who moves out: a household of the waitlist head's building holding one
    // plain parking space (no pin, no reserved space), with no other demand,
    // in a building served above its entitlement. One newcomer takes its
    // place in the same building with one car, drawn after the head in the
    // lottery, the other has no demand: so demand per building and kind, and
    // with it every building's entitlement, stays as it was, and the freed
    // space is the only thing the change forces.
    let layout = fixture_json("yixinqiao", "layout.geojson");
    let roster = fixture_json("yixinqiao", "households.json");
    let record = |id: &str| {
        roster
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["id"] == id)
            .cloned()
            .unwrap()
    };
    let plain_space = |id: &str| {
        layout["features"].as_array().unwrap().iter().any(|f| {
            let p = &f["properties"];
            p["id"] == id
                && p["kind"] == "parking_space"
                && p["accessible"] != true
                && p["charger"] != true
        })
    };
    let head = first["unserved"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["kind"] == "parking_space" && u["waitlist"] == 1)
        .expect("a parking waitlist head")["household"]
        .as_str()
        .unwrap()
        .to_string();
    let building = record(&head)["building"].as_str().unwrap().to_string();
    let share = &first["metrics"]["parking_space"]["by_building"][&building];
    assert!(
        share["served"].as_u64() > share["entitled"].as_u64(),
        "{share}"
    );
    let policy_json = fixture_json("yixinqiao", "policy.json");
    let pinned: BTreeSet<&str> = policy_json["pins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["household"].as_str().unwrap())
        .collect();
    let leaver = first["lottery"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .find(|h| {
            let held = resources_of(&first, h);
            let r = record(h);
            !pinned.contains(h)
                && r["building"] == building.as_str()
                && r["ebikes"] == 0
                && r["wants_plot"] == false
                && held.len() == 1
                && held[0].0 == "parking_space"
                && plain_space(&held[0].1)
        })
        .expect("a household holding one plain parking space")
        .to_string();
    let freed = resources_of(&first, &leaver)[0].1.clone();
    let seed = first["seed"].as_str().unwrap();
    let draw = |id: &str| hex::encode(Sha256::digest(format!("{seed}\n{id}").as_bytes()));
    let unit = record(&leaver)["unit"].as_str().unwrap().to_string();
    let newcomer = (1..100)
        .map(|n| format!("{building}-{unit}-8{n:02}"))
        .find(|id| draw(id) > draw(&head))
        .expect("an id drawn after the head");

    let patch = json!({
        "remove": [leaver],
        "upsert": [
            {"id": newcomer, "building": building, "unit": unit, "floor": 8, "cars": 1},
            {"id": "B2-1-899", "building": "B2", "unit": "1", "floor": 8}
        ]
    });
    let res = app.write_json(
        Method::PATCH,
        &format!("/v1/sites/{site}/households"),
        STAFF,
        &app.etag(&site),
        &patch,
    );
    assert_eq!(res.status(), 200, "{}", res.text().unwrap_or_default());
    let (second_id, second, _) = allocate(&app, &site);
    assert_eq!(second_id, first_id + 1);

    let diff = app.get_json(
        &format!("/v1/sites/{site}/allocations/{first_id}/diff/{second_id}"),
        VIEWER,
    );
    assert_eq!(diff["moved"], json!([]), "nobody is moved: {diff:#}");
    assert_eq!(
        diff["lost"],
        json!([{"household": leaver, "kind": "parking_space", "resources": [freed]}]),
        "{diff:#}"
    );
    assert_eq!(
        diff["gained"],
        json!([{"household": head, "kind": "parking_space", "resources": [freed]}]),
        "the freed space {freed} goes to the waitlist head {head}: {diff:#}"
    );
    assert!(second["unserved"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["household"] == newcomer.as_str() && u["waitlist"].is_u64()));
    assert_eq!(second["metrics"]["parking_space"]["kept_from_previous"], 73);

    // The resident's view: a viewer sees assignments, staff also the record.
    let as_viewer = app.get_json(&format!("/v1/sites/{site}/households/{head}"), VIEWER);
    assert_eq!(as_viewer["allocation"], second_id);
    assert!(as_viewer["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["resource"] == freed.as_str()));
    assert!(as_viewer.get("record").is_none());
    let as_staff = app.get_json(&format!("/v1/sites/{site}/households/{head}"), STAFF);
    assert_eq!(as_staff["record"]["id"], head.as_str());
    let waiting = second["unserved"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["waitlist"].is_u64())
        .unwrap();
    let lookup = format!(
        "/v1/sites/{site}/households/{}",
        waiting["household"].as_str().unwrap()
    );
    // Viewers see the place in the queue but not why (FORMAT.md §5); staff see why.
    let view = app.get_json(&lookup, VIEWER);
    assert!(view["waitlist"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["waitlist"] == waiting["waitlist"] && w.get("why").is_none()));
    let view = app.get_json(&lookup, STAFF);
    assert!(view["waitlist"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["waitlist"] == waiting["waitlist"] && w["why"].is_string()));
    assert_problem(
        app.get(&format!("/v1/sites/{site}/households/{leaver}"), VIEWER),
        404,
        "not-found",
    );

    // Both allocations are listed with the revisions they used.
    let list = app.get_json(&format!("/v1/sites/{site}/allocations"), VIEWER);
    let rows = list["allocations"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (
            rows[0]["id"].as_u64(),
            rows[0]["revision"].as_u64(),
            rows[0]["previous"].as_u64()
        ),
        (Some(second_id), Some(4), Some(first_id))
    );
    assert_eq!(
        (
            rows[1]["id"].as_u64(),
            rows[1]["revision"].as_u64(),
            rows[1]["roster_revision"].as_u64()
        ),
        (Some(first_id), Some(3), Some(2))
    );
    assert_eq!(rows[1]["metrics"]["parking_space"]["served"], 74);

    // The first allocation can be recomputed from its recorded revisions.
    let docs = app.get_json(&format!("/v1/sites/{site}/revisions/3"), STAFF);
    let res = app.req(Method::POST, "/v1/solve", Some(VIEWER))
        .json(&json!({"layout": docs["layout"], "households": docs["households"], "policy": docs["policy"]}))
        .send().unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.bytes().unwrap().to_vec(),
        first_bytes,
        "recomputing gives the same bytes"
    );
}

#[test]
fn a_stored_allocation_is_rendered_as_asked() {
    let app = spawn_app();
    let site = set_up_yixinqiao(&app);
    let (id, first, _) = allocate(&app, &site);
    let path = format!("/v1/sites/{site}/allocations/{id}");
    let csv = app.get(&format!("{path}?format=csv"), VIEWER);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.bytes().unwrap();
    assert!(text.starts_with(b"\xEF\xBB\xBF"), "CSV starts with a BOM");
    let lines = String::from_utf8_lossy(&text).lines().count();
    let rows = first["assignments"].as_array().unwrap().len()
        + first["unserved"].as_array().unwrap().len();
    assert_eq!(
        lines,
        rows + 1,
        "a header and one row per assignment and unserved entry"
    );
    let geo = app
        .req(Method::GET, &path, Some(VIEWER))
        .header("Accept", "application/geo+json")
        .send()
        .unwrap();
    assert_eq!(geo.headers()["content-type"], "application/geo+json");
    let geo: Value = geo.json().unwrap();
    assert_eq!(geo["type"], "FeatureCollection");
    // SVG: the site map with every resource labelled by its holder.
    let svg = app.get(&format!("{path}?format=svg"), VIEWER);
    assert_eq!(svg.status(), 200);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    let svg = svg.text().unwrap();
    assert!(svg.contains("<svg"));
    roxmltree::Document::parse(&svg).expect("the SVG is well-formed XML");
    assert_problem(
        app.get(&format!("{path}?format=pdf"), VIEWER),
        406,
        "not-acceptable",
    );
    let html = app
        .req(Method::GET, &path, Some(VIEWER))
        .header("Accept", "text/html")
        .send()
        .unwrap();
    assert_problem(html, 406, "not-acceptable");
}

#[test]
fn a_solve_over_the_time_limit_answers_503_stores_nothing_and_the_server_keeps_serving() {
    let app = spawn_app_with(|c| c.solve_timeout = Duration::from_millis(1));
    let site = set_up_yixinqiao(&app);
    let res = app
        .req(
            Method::POST,
            &format!("/v1/sites/{site}/allocations"),
            Some(STAFF),
        )
        .send()
        .unwrap();
    assert_problem(res, 503, "solve-timeout");
    let head = app.get_json(&format!("/v1/sites/{site}"), VIEWER);
    assert_eq!(head["latest_allocation"], Value::Null);
    let body = json!({"layout": fixture_json("yixinqiao", "layout.geojson"), "households": fixture_json("yixinqiao", "households.json"), "policy": fixture_json("yixinqiao", "policy.json")});
    let res = app
        .req(Method::POST, "/v1/solve", Some(VIEWER))
        .json(&body)
        .send()
        .unwrap();
    assert_problem(res, 503, "solve-timeout");
    let health = app.req(Method::GET, "/healthz", None).send().unwrap();
    assert_eq!(health.status(), 200);
}

#[test]
fn the_fixture_layout_validates_and_a_broken_one_lists_every_problem() {
    let app = spawn_app();
    let res = app
        .req(Method::POST, "/v1/validate", Some(VIEWER))
        .json(&fixture_json("yixinqiao", "layout.geojson"))
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().unwrap(),
        json!({"errors": [], "warnings": []})
    );
    // Two spaces moved onto the fire lane and onto each other.
    let mut layout = fixture_json("yixinqiao", "layout_local.geojson");
    let features = layout["features"].as_array_mut().unwrap();
    let lane = features
        .iter()
        .find(|f| f["properties"]["id"] == "FL1")
        .unwrap()["geometry"]
        .clone();
    for f in features
        .iter_mut()
        .filter(|f| f["properties"]["id"] == "P1" || f["properties"]["id"] == "P2")
    {
        let mut g = lane.clone();
        // A 2.5 m x 5.3 m rectangle at the lane's first vertex.
        let [x, y] = [
            g["coordinates"][0][0][0].as_f64().unwrap(),
            g["coordinates"][0][0][1].as_f64().unwrap(),
        ];
        g["coordinates"] = json!([[
            [x + 0.5, y + 1.0],
            [x + 3.0, y + 1.0],
            [x + 3.0, y + 6.3],
            [x + 0.5, y + 6.3],
            [x + 0.5, y + 1.0]
        ]]);
        f["geometry"] = g;
    }
    let res = app
        .req(Method::POST, "/v1/validate", Some(VIEWER))
        .json(&layout)
        .send()
        .unwrap();
    let problem = assert_problem(res, 422, "invalid-input");
    let errors = problem["errors"].as_array().unwrap();
    let names = |id: &str| {
        errors
            .iter()
            .filter(|e| e.to_string().contains(&format!("\"{id}\"")))
            .count()
    };
    assert!(
        names("P1") >= 2 && names("P2") >= 2,
        "overlap with each other and the lane, for both: {problem:#}"
    );
}
