//! Over time over HTTP (FORMAT.md §3, issue 10): the three-round staff
//! story on the `yixinqiao` fixture, a household's history across it, and
//! who may see that history.

use crate::support::api as api_support;
use crate::support::common::fixture_bytes;

use api_support::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The site with the fixture's layout, CSV roster and policy.
fn set_up(app: &TestApp) -> String {
    let res = app
        .req(Method::POST, "/v1/sites", Some(PLANNER))
        .header("Content-Type", "application/geo+json")
        .body(fixture_bytes("yixinqiao", "layout.geojson"))
        .send()
        .unwrap();
    assert_eq!(res.status(), 201);
    let site = "yixinqiao".to_string();
    let res = app
        .req(
            Method::PUT,
            &format!("/v1/sites/{site}/households"),
            Some(STAFF),
        )
        .header("If-Match", app.etag(&site))
        .header("Content-Type", "text/csv")
        .body(fixture_bytes("yixinqiao", "households.csv"))
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    let policy: Value = serde_json::from_slice(&fixture_bytes("yixinqiao", "policy.json")).unwrap();
    let res = app.write_json(
        Method::PUT,
        &format!("/v1/sites/{site}/policy"),
        PLANNER,
        &app.etag(&site),
        &policy,
    );
    assert_eq!(res.status(), 200);
    site
}

/// Posts an allocation as staff; its id and document.
fn allocate(app: &TestApp, site: &str, body: Value) -> (u64, Value) {
    let res = app
        .req(
            Method::POST,
            &format!("/v1/sites/{site}/allocations"),
            Some(STAFF),
        )
        .json(&body)
        .send()
        .unwrap();
    let status = res.status();
    let id: u64 = res.headers()["allocation-id"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let doc: Value = res.json().unwrap();
    assert_eq!(status, 201, "{doc:#}");
    (id, doc)
}

/// Per household, the parking spaces held.
fn parking(a: &Value) -> BTreeMap<String, String> {
    a["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["kind"] == "parking_space")
        .map(|x| {
            (
                x["household"].as_str().unwrap().to_string(),
                x["resource"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn parking_unserved(a: &Value) -> Vec<&Value> {
    a["unserved"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["kind"] == "parking_space")
        .collect()
}

#[test]
fn the_three_round_story_over_http_keeps_holders_then_draws_the_waiters_first() {
    let app = spawn_app();
    let site = set_up(&app);

    // 2026.
    let (first_id, first) = allocate(&app, &site, json!({}));
    assert_eq!(first["round"], "2026");
    let held = parking(&first);
    assert_eq!(held.len(), 74);
    let leaver = first["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "parking_space" && x["basis"] != "pin")
        .unwrap()["household"]
        .as_str()
        .unwrap()
        .to_string();
    let freed = held[&leaver].clone();

    // One holder moves out; the rerun keeps everyone else.
    let res = app.write_json(
        Method::PATCH,
        &format!("/v1/sites/{site}/households"),
        STAFF,
        &app.etag(&site),
        &json!({"remove": [leaver]}),
    );
    assert_eq!(res.status(), 200);
    let (second_id, second) = allocate(&app, &site, json!({}));
    assert_eq!(second["round"], "2026", "a rerun keeps the round");
    let now = parking(&second);
    let mut kept = 0;
    for (h, r) in &held {
        if *h != leaver {
            assert_eq!(now.get(h), Some(r), "{h} moved");
            kept += 1;
        }
    }
    assert_eq!(kept, 73);
    for x in second["assignments"].as_array().unwrap() {
        if x["kind"] == "parking_space" && x["resource"] != freed.as_str() && x["basis"] != "pin" {
            assert_eq!(x["basis"], "incumbent", "{x}");
        }
    }
    let taker = now
        .iter()
        .find(|(_, r)| **r == freed)
        .map(|(h, _)| h.clone())
        .expect("the freed space is given again");
    assert!(parking_unserved(&first)
        .iter()
        .any(|u| u["household"] == taker.as_str() && u["waitlist"].is_u64()));
    let diff = app.get_json(
        &format!("/v1/sites/{site}/allocations/{first_id}/diff/{second_id}"),
        VIEWER,
    );
    assert!(diff["gained"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["household"] == taker.as_str() && g["kind"] == "parking_space"));
    assert_eq!(diff["moved"], json!([]), "nobody moves");
    assert_eq!(diff["swapped"], json!([]), "no swaps under swaps: none");

    // 2027: a redraw, waited first, chosen by staff.
    let (third_id, third) = allocate(
        &app,
        &site,
        json!({"round": "2027", "rotation": "waited_first", "stability": "none"}),
    );
    assert_eq!(third["round"], "2027");
    assert_eq!(third["policy"]["rotation"], "waited_first");
    let order: BTreeMap<&str, usize> = third["draw_order"]["parking_space"]
        .as_array()
        .expect("draw order published")
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str().unwrap(), i))
        .collect();
    let waiters: Vec<&str> = parking_unserved(&second)
        .iter()
        .filter(|u| u["waitlist"].is_u64())
        .map(|u| u["household"].as_str().unwrap())
        .collect();
    let served: BTreeSet<&str> = now.keys().map(String::as_str).collect();
    assert!(waiters.len() > 50 && served.len() == 74);
    let last_waiter = waiters.iter().map(|h| order[h]).max().unwrap();
    let first_served = served.iter().map(|h| order[h]).min().unwrap();
    assert!(last_waiter < first_served, "{last_waiter} ≥ {first_served}");

    // A waiter's history across the three allocations.
    let waiter = waiters
        .iter()
        .find(|h| **h != taker.as_str())
        .unwrap()
        .to_string();
    let hist = app.get_json(
        &format!("/v1/sites/{site}/households/{waiter}/history"),
        STAFF,
    );
    let entries = hist["allocations"].as_array().unwrap();
    let ids: Vec<u64> = entries
        .iter()
        .map(|e| e["allocation"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, vec![third_id, second_id, first_id], "newest first");
    let rounds: Vec<&str> = entries
        .iter()
        .map(|e| e["round"].as_str().unwrap())
        .collect();
    assert_eq!(rounds, vec!["2027", "2026", "2026"]);
    let place_in = |a: &Value| {
        parking_unserved(a)
            .iter()
            .find(|u| u["household"] == waiter.as_str())
            .map(|u| u["waitlist"].clone())
    };
    for (entry, doc) in entries.iter().zip([&third, &second, &first]) {
        let p = &entry["kinds"]["parking_space"];
        match parking(doc).get(&waiter) {
            Some(r) => {
                assert_eq!(p["held"][0]["resource"], r.as_str());
                assert_eq!(p["unserved"], 0);
            }
            None => {
                assert_eq!(p["held"], json!([]));
                assert_eq!(p["unserved"], 1);
                assert_eq!(Some(p["waitlist"].clone()), place_in(doc));
            }
        }
        assert!(
            p.get("tickets").is_none(),
            "no tickets unless rotation is tickets"
        );
    }
    assert_eq!(entries[2]["kinds"]["parking_space"]["waited"], 0);
    assert_eq!(entries[1]["kinds"]["parking_space"]["waited"], 0);
    assert_eq!(entries[0]["kinds"]["parking_space"]["waited"], 1);
    assert_eq!(entries[0]["rotation"], "waited_first");
    // A holder who kept its space through 2026 shows basis incumbent in the rerun.
    let holder = held
        .keys()
        .find(|h| {
            **h != leaver
                && first["assignments"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x["household"] == h.as_str() && x["basis"] == "lottery")
        })
        .unwrap();
    let hist = app.get_json(
        &format!("/v1/sites/{site}/households/{holder}/history"),
        STAFF,
    );
    assert_eq!(
        hist["allocations"][1]["kinds"]["parking_space"]["held"],
        json!([{"resource": held[holder], "basis": "incumbent"}])
    );

    // The household view shows waited from the latest allocation's ledger.
    let view = app.get_json(&format!("/v1/sites/{site}/households/{waiter}"), VIEWER);
    assert_eq!(view["waited"]["parking_space"], 1);
    for (kind, w) in view["waited"].as_object().unwrap() {
        assert_eq!(third["ledger"][kind][&waiter], *w, "{kind}");
    }
    assert!(view.get("tickets").is_none());

    // A tickets redraw gives 1 + waited tickets, in the view and the history.
    let (_, fourth) = allocate(
        &app,
        &site,
        json!({"round": "2027", "rotation": "tickets", "stability": "none"}),
    );
    assert_eq!(fourth["policy"]["rotation"], "tickets");
    let view = app.get_json(&format!("/v1/sites/{site}/households/{waiter}"), VIEWER);
    assert_eq!(view["tickets"]["parking_space"], 2);
    let hist = app.get_json(
        &format!("/v1/sites/{site}/households/{waiter}/history"),
        STAFF,
    );
    assert_eq!(
        hist["allocations"][0]["kinds"]["parking_space"]["tickets"],
        2
    );
}

#[test]
fn history_is_for_staff_and_names_unknown_households() {
    let app = spawn_app();
    let (site, _) = app.tiny_site("t", 2, 3);
    let path = format!("/v1/sites/{site}/households/H1/history");
    assert_problem(app.get(&path, VIEWER), 403, "forbidden");
    assert_problem(
        app.req(Method::GET, &path, None).send().unwrap(),
        401,
        "unauthorized",
    );
    // On the roster, no allocation yet: an empty history.
    assert_eq!(app.get_json(&path, STAFF)["allocations"], json!([]));
    assert_problem(
        app.get(&format!("/v1/sites/{site}/households/NOPE/history"), STAFF),
        404,
        "not-found",
    );
    // A bad over-time choice is a 422 naming the field, and stores nothing.
    let res = app
        .req(
            Method::POST,
            &format!("/v1/sites/{site}/allocations"),
            Some(STAFF),
        )
        .json(&json!({"rotation": "eldest_first"}))
        .send()
        .unwrap();
    let body = assert_problem(res, 422, "invalid-input");
    assert_eq!(body["errors"][0]["field"], "rotation");
    assert!(app.get_json(&format!("/v1/sites/{site}"), VIEWER)["latest_allocation"].is_null());
    // The simulator's chart: staff only, bounded rounds.
    let chart = format!("/v1/sites/{site}/simulate.svg?rounds=3&lang=en");
    assert_problem(app.get(&chart, VIEWER), 403, "forbidden");
    assert_problem(
        app.get(&format!("/v1/sites/{site}/simulate.svg?rounds=21"), STAFF),
        422,
        "invalid-input",
    );
    let res = app.get(&chart, STAFF);
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    let svg = res.text().unwrap();
    assert!(
        svg.starts_with("<svg") || svg.starts_with("<?xml"),
        "{svg:.80}"
    );
    assert!(
        svg.contains("waited_first") || svg.contains("waited first"),
        "{svg:.400}"
    );
}

/// The session cookie (name=value) of a login with `token`.
fn log_in(app: &TestApp, token: &str) -> String {
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // The login form's double-submit CSRF token: its cookie and its field.
    let form = client.get(format!("{}/login", app.address)).send().unwrap();
    let csrf_cookie = form.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let html = form.text().unwrap();
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let res = client
        .post(format!("{}/login", app.address))
        .header("Cookie", csrf_cookie)
        .form(&[("token", token), ("next", "/"), ("csrf", csrf.as_str())])
        .send()
        .unwrap();
    assert_eq!(res.status(), 303);
    res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

fn page(app: &TestApp, path: &str, cookie: &str) -> reqwest::blocking::Response {
    app.req(Method::GET, path, None)
        .header("Cookie", cookie)
        .send()
        .unwrap()
}

/// The attribute `attr` of the first tag of `html` holding `marker`.
fn attr_after<'a>(html: &'a str, marker: &str, attr: &str) -> &'a str {
    let at = html.find(marker).unwrap_or_else(|| panic!("no {marker}"));
    let open = html[..at].rfind('<').unwrap();
    let tag = &html[open..open + html[open..].find('>').unwrap()];
    let start = tag.find(&format!(" {attr}=\"")).unwrap() + attr.len() + 3;
    let end = start + tag[start..].find('"').unwrap();
    &tag[start..end]
}

#[test]
fn the_pages_new_round_form_explains_its_choices_and_posting_it_makes_the_round() {
    let app = spawn_app();
    let (site, _) = app.tiny_site("t", 2, 3);
    let (first, _) = allocate(&app, &site, json!({}));
    let staff = log_in(&app, STAFF);
    let viewer = log_in(&app, VIEWER);

    let zh = page(&app, &format!("/sites/{site}?lang=zh"), &staff)
        .text()
        .unwrap();
    let en = page(&app, &format!("/sites/{site}?lang=en"), &staff)
        .text()
        .unwrap();
    for (html, words) in [
        (
            &zh,
            [
                "新一轮分配",
                "久等者优先",
                "阶梯签",
                "保护现有车位",
                "全部重抽",
            ],
        ),
        (
            &en,
            [
                "New round",
                "Longest wait first",
                "one more ticket per round waited",
                "Protect: nobody loses",
                "a fresh redraw",
            ],
        ),
    ] {
        assert!(html.contains("id=\"round-form\""));
        for word in words {
            assert!(html.contains(word), "{word}");
        }
    }
    let viewer_page = page(&app, &format!("/sites/{site}?lang=en"), &viewer)
        .text()
        .unwrap();
    assert!(!viewer_page.contains("round-form"), "viewers get no form");

    // Posting the form as the page's script does: its action, its field
    // names, the tab's bearer token.
    let action = attr_after(&en, "id=\"round-form\"", "action").to_string();
    assert_eq!(action, format!("/v1/sites/{site}/allocations"));
    let round_field = attr_after(&en, "id=\"round-name\"", "name");
    let rotation_field = attr_after(&en, "value=\"tickets\"", "name");
    let stability_field = attr_after(&en, "value=\"keep_incumbents\"", "name");
    let mut body = serde_json::Map::new();
    body.insert(round_field.into(), json!("2027"));
    body.insert(rotation_field.into(), json!("tickets"));
    body.insert(stability_field.into(), json!("keep_incumbents"));
    let res = app
        .req(Method::POST, &action, Some(STAFF))
        .json(&body)
        .send()
        .unwrap();
    assert_eq!(res.status(), 201);
    let made: Value = res.json().unwrap();
    assert_eq!(made["round"], "2027");
    assert_eq!(made["policy"]["rotation"], "tickets");
    assert_eq!(made["policy"]["stability"], "keep_incumbents");

    // The lookup shows the household's history across both allocations.
    let looked = page(&app, &format!("/sites/{site}?lang=en&household=H1"), &staff)
        .text()
        .unwrap();
    assert!(looked.contains("id=\"household-history\""));
    assert!(looked.contains(&format!("data-allocation=\"{first}\"")));
    assert!(looked.contains("<td>2027</td>") && looked.contains("<td>tickets</td>"));

    // The chart: staff only, at most 20 rounds.
    let chart = format!("/sites/{site}/simulate.svg?rounds=2&lang=en");
    assert!(en.contains(&format!("/sites/{site}/simulate.svg?rounds=10")));
    assert_eq!(page(&app, &chart, &viewer).status(), 403);
    assert_eq!(
        page(
            &app,
            &format!("/sites/{site}/simulate.svg?rounds=21"),
            &staff
        )
        .status(),
        422
    );
    let res = page(&app, &chart, &staff);
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    assert!(res.text().unwrap().contains("<svg"));
}
