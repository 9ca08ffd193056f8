//! Public draws end to end (FORMAT.md §5, §6; API.md "Public draws"): the
//! staff story on Yixinqiao with a real quicknet round, `allot verify` on
//! the downloaded bundle and on tampered copies, racing reveals, and what
//! the public may see.

use crate::support::api as api_support;
use crate::support::common::fixture_bytes;

use allot::draw::clock::parse_rfc3339;
use allot::draw::drand::vectors::{SIGNATURE_123, SIGNATURE_9683710};
use allot::pipeline::{self, Inputs, Options, RosterInput};
use api_support::*;
use reqwest::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::Command;

/// The rehearsal clock: before quicknet's round 123 (2023-08-23T15:15:33Z).
const NOW: &str = "2023-08-23T15:00:00Z";

fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("JSON")
}

fn rehearsal() -> TestApp {
    spawn_app_with(|c| c.now = parse_rfc3339(NOW))
}

/// Posts a layout, a roster and a policy; returns the site id.
fn set_up(app: &TestApp, dir: &str, csv: bool) -> String {
    let layout = json_of(&fixture_bytes(dir, "layout.geojson"));
    let (site, etag) = app.create_site(&layout);
    let path = format!("/v1/sites/{site}/households");
    let res = if csv {
        app.req(Method::PUT, &path, Some(STAFF))
            .header("If-Match", &etag)
            .header("Content-Type", "text/csv")
            .body(fixture_bytes(dir, "households.csv"))
            .send()
            .unwrap()
    } else {
        app.write_json(
            Method::PUT,
            &path,
            STAFF,
            &etag,
            &json_of(&fixture_bytes(dir, "households.json")),
        )
    };
    assert_eq!(res.status(), 200);
    let res = app.write_json(
        Method::PUT,
        &format!("/v1/sites/{site}/policy"),
        PLANNER,
        &app.etag(&site),
        &json_of(&fixture_bytes(dir, "policy.json")),
    );
    assert_eq!(res.status(), 200);
    site
}

fn post(app: &TestApp, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    let res = app
        .req(Method::POST, path, token)
        .json(body)
        .send()
        .unwrap();
    let status = res.status().as_u16();
    let text = res.text().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Runs `allot verify` on a bundle; exit code and stdout.
fn verify(bundle: &Value, dir: &Path, name: &str, format: &str) -> (i32, String) {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(bundle).unwrap()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_allot"))
        .args(["verify", path.to_str().unwrap(), "--format", format])
        .output()
        .expect("allot verify runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// Words no public response may contain: roster fields and reasons.
const PRIVATE: [&str; 11] = [
    "\"why\"",
    "\"basis\"",
    "elderly",
    "wants_plot",
    "ebikes",
    "\"cars\"",
    "\"evs\"",
    "preferences",
    "wheelchair",
    "lottery rank",
    "\"policy\"",
];

fn assert_public(what: &str, body: &str, allocation: &Value) {
    for word in PRIVATE {
        assert!(!body.contains(word), "{what} shows `{word}`");
    }
    // No reason of any assignment or unserved entry appears.
    for entry in allocation["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .chain(allocation["unserved"].as_array().unwrap())
    {
        let why = entry["why"].as_str().unwrap();
        assert!(!body.contains(why), "{what} shows the reason `{why}`");
    }
}

#[test]
fn the_staff_story_through_a_drand_draw_on_yixinqiao_verifies_and_tampering_is_named() {
    let app = rehearsal();
    let site = set_up(&app, "yixinqiao", true);
    let (status, first) = post(
        &app,
        &format!("/v1/sites/{site}/allocations"),
        Some(STAFF),
        &json!({}),
    );
    assert_eq!(status, 201, "{first:#}");
    let draws = format!("/v1/sites/{site}/draws");
    let commit = json!({"seed_source": {"drand": {"chain": "quicknet", "round": 123}}});

    // Only staff commit.
    assert_eq!(post(&app, &draws, None, &commit).0, 401);
    assert_eq!(post(&app, &draws, Some(VIEWER), &commit).0, 403);
    let (status, record) = post(&app, &draws, Some(STAFF), &commit);
    assert_eq!(status, 201, "{record:#}");
    assert_eq!(record["draw"], 1);
    assert_eq!(
        record["seed_source"],
        json!({"drand": {"chain": "quicknet", "round": 123, "published_at": "2023-08-23T15:15:33Z"}})
    );
    let committed_at = parse_rfc3339(record["committed_at"].as_str().unwrap()).unwrap();
    assert!((0..30).contains(&(committed_at - parse_rfc3339(NOW).unwrap())));
    assert_eq!(record["inputs_sha256"].as_str().unwrap().len(), 64);
    // previous_sha256 is the first allocation's canonical hash.
    let canonical = allot::model::canonical::canonical_json(&first);
    assert_eq!(record["previous_sha256"], sha256_hex(canonical.as_bytes()));

    // Writes after the commit: a household moves out, one moves in, the policy changes.
    let res = app.write_json(
        Method::PATCH,
        &format!("/v1/sites/{site}/households"),
        STAFF,
        &app.etag(&site),
        &json!({"remove": ["B2-1-301"], "upsert": [{"id": "B1-1-199", "building": "B1", "unit": "1", "cars": 1}]}),
    );
    assert_eq!(res.status(), 200);
    let mut policy = json_of(&fixture_bytes("yixinqiao", "policy.json"));
    policy["priority"] = json!([]);
    let res = app.write_json(
        Method::PUT,
        &format!("/v1/sites/{site}/policy"),
        PLANNER,
        &app.etag(&site),
        &policy,
    );
    assert_eq!(res.status(), 200);

    // Public, no token: the record, and no result yet.
    let listed: Value = app
        .req(Method::GET, &draws, None)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(listed["draws"][0], record);
    let pending: Value = app
        .req(Method::GET, &format!("{draws}/1/result"), None)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(pending["lottery"], Value::Null);

    // A wrong round's signature, garbage, a ceremony seed: 422, nothing stored.
    let reveal = format!("{draws}/1/reveal");
    let (status, problem) = post(
        &app,
        &reveal,
        Some(STAFF),
        &json!({"signature": SIGNATURE_9683710}),
    );
    assert_eq!(status, 422, "{problem:#}");
    assert!(problem["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("does not verify for quicknet round 123"));
    let (status, problem) = post(
        &app,
        &reveal,
        Some(STAFF),
        &json!({"signature": "zz-not-hex"}),
    );
    assert_eq!(status, 422);
    assert!(problem["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("not hexadecimal"));
    assert_eq!(
        post(&app, &reveal, Some(STAFF), &json!({"seed": "123456"})).0,
        422
    );
    assert_eq!(
        post(
            &app,
            &reveal,
            Some(VIEWER),
            &json!({"signature": SIGNATURE_123})
        )
        .0,
        403
    );
    let stored = app.get_json(&format!("/v1/sites/{site}/allocations"), VIEWER);
    assert_eq!(stored["allocations"].as_array().unwrap().len(), 1);
    assert!(app.get_json(&format!("{draws}/1"), VIEWER)["revealed"].is_null());

    // The right signature: 201, the allocation of the frozen inputs.
    let (status, allocation) = post(
        &app,
        &reveal,
        Some(STAFF),
        &json!({"signature": SIGNATURE_123}),
    );
    assert_eq!(status, 201, "{allocation:#}");
    let seed = sha256_hex(&hex::decode(SIGNATURE_123).unwrap());
    assert_eq!(allocation["seed"], seed);
    assert_eq!(allocation["draw"], record);
    assert_eq!(allocation["inputs_sha256"], record["inputs_sha256"]);
    let lottery: Vec<&str> = allocation["lottery"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(lottery.contains(&"B2-1-301") && !lottery.contains(&"B1-1-199"));
    // An independent solve of the fixture as committed, with the seed, agrees.
    let oracle = pipeline::solve(
        &Inputs {
            layout: json_of(&fixture_bytes("yixinqiao", "layout.geojson")),
            households: RosterInput::Csv(fixture_bytes("yixinqiao", "households.csv")),
            policy: Some(json_of(&fixture_bytes("yixinqiao", "policy.json"))),
            previous: Some(serde_json::from_value(first.clone()).unwrap()),
            seed: Some(seed.clone()),
            round: None,
        },
        &Options::default(),
    )
    .unwrap();
    assert_eq!(allocation["assignments"], json!(oracle.assignments));
    assert_eq!(allocation["lottery"], json!(oracle.lottery));

    // Revealed once only.
    assert_eq!(
        post(
            &app,
            &reveal,
            Some(STAFF),
            &json!({"signature": SIGNATURE_123})
        )
        .0,
        409
    );
    let revealed = app.get_json(&format!("{draws}/1"), VIEWER);
    assert_eq!(revealed["revealed"]["seed"], seed);
    assert_eq!(revealed["revealed"]["allocation"], 2);
    assert_eq!(revealed["revealed"]["signature"], SIGNATURE_123);

    // What the public sees: the record, the lottery, who holds what; nothing private.
    for path in [
        format!("{draws}/1/result"),
        format!("{draws}/1"),
        draws.clone(),
    ] {
        let body = app
            .req(Method::GET, &path, None)
            .send()
            .unwrap()
            .text()
            .unwrap();
        assert_public(&path, &body, &allocation);
    }
    let result: Value = app
        .req(Method::GET, &format!("{draws}/1/result"), None)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(result["lottery"], allocation["lottery"]);
    let first_assignment = &allocation["assignments"][0];
    let household = first_assignment["household"].as_str().unwrap();
    let kind = first_assignment["kind"].as_str().unwrap();
    assert!(result["holdings"][household][kind]
        .as_array()
        .unwrap()
        .contains(&first_assignment["resource"]));
    for lang in ["zh", "en"] {
        let res = app
            .req(
                Method::GET,
                &format!("/sites/{site}/draws/1?lang={lang}"),
                None,
            )
            .send()
            .unwrap();
        assert_eq!(res.status(), 200);
        let page = res.text().unwrap();
        assert_public(&format!("the {lang} page"), &page, &allocation);
        assert!(page.contains(&seed) && page.contains(household));
        assert!(page.contains("@page") || page.contains("/draw-assets/draw.css"));
        assert!(page.contains("allot verify"));
        let res = app
            .req(
                Method::GET,
                &format!("/sites/{site}/draws?lang={lang}"),
                None,
            )
            .send()
            .unwrap();
        assert_eq!(res.status(), 200);
        let list = res.text().unwrap();
        assert_public(&format!("the {lang} list"), &list, &allocation);
        assert!(list.contains(&format!("/sites/{site}/draws/1")));
        assert!(list.contains(if lang == "zh" {
            "已揭晓"
        } else {
            "revealed"
        }));
    }

    // The bundle: staff only; `allot verify` says VERIFIED.
    let bundle_path = format!("/v1/sites/{site}/allocations/2/bundle");
    assert_eq!(app.get(&bundle_path, VIEWER).status(), 403);
    let bundle = app.get_json(&bundle_path, STAFF);
    assert_eq!(bundle["draw"], revealed);
    assert_eq!(bundle["previous"], first);
    let dir = tempfile::tempdir().unwrap();
    let (code, text) = verify(&bundle, dir.path(), "bundle.json", "text");
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("VERIFIED") && !text.contains("NOT VERIFIED"),
        "{text}"
    );
    assert!(text.contains("已核验") && text.contains(&seed) && text.contains("round 123"));
    let (code, text) = verify(&bundle, dir.path(), "bundle.json", "json");
    assert_eq!(code, 0);
    assert_eq!(json_of(text.as_bytes())["result"], "VERIFIED");

    // Tampering, each caught and named.
    let household_rows = bundle["households"].as_array().unwrap().len();
    let flip = |b: &mut Value| {
        let h = &mut b["households"][0];
        h["elderly"] = json!(!h["elderly"].as_bool().unwrap());
    };
    let add = |b: &mut Value| {
        b["households"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": "B1-1-198", "building": "B1", "unit": "1", "cars": 1}));
    };
    let reseed = |b: &mut Value| {
        b["draw"]["revealed"]["seed"] = json!(sha256_hex(b"another seed"));
    };
    let edit = |b: &mut Value| {
        let other = b["allocation"]["assignments"][1]["resource"].clone();
        b["allocation"]["assignments"][0]["resource"] = other;
    };
    let other_round = |b: &mut Value| {
        b["draw"]["revealed"]["signature"] = json!(SIGNATURE_9683710);
    };
    let late_commit = |b: &mut Value| {
        b["draw"]["committed_at"] = json!("2023-08-23T15:15:00Z");
    };
    let swap_previous = |b: &mut Value| {
        let mut previous = b["previous"].clone();
        previous["assignments"].as_array_mut().unwrap().pop();
        b["previous"] = previous;
    };
    type Tamper<'a> = (&'a str, &'a dyn Fn(&mut Value), &'a [&'a str]);
    let cases: [Tamper; 7] = [
        (
            "flag",
            &flip,
            &["layout, roster or policy differ", "输入数据的哈希"],
        ),
        ("added", &add, &["layout, roster or policy differ"]),
        (
            "seed",
            &reseed,
            &["is not SHA-256 of the signature", "种子被改动"],
        ),
        ("assignment", &edit, &["at /assignments/0/resource"]),
        (
            "round",
            &other_round,
            &["does not verify for quicknet round 123"],
        ),
        (
            "early",
            &late_commit,
            &["round 123 was published at 2023-08-23T15:15:33Z, less than 60 s after the commit"],
        ),
        (
            "previous",
            &swap_previous,
            &["the previous allocation was swapped"],
        ),
    ];
    for (name, tamper, named) in cases {
        let mut b = bundle.clone();
        tamper(&mut b);
        let (code, text) = verify(&b, dir.path(), &format!("{name}.json"), "text");
        assert_eq!(code, 1, "{name}: {text}");
        assert!(text.contains("NOT VERIFIED"), "{name}: {text}");
        for phrase in named {
            assert!(
                text.contains(phrase),
                "{name} should name `{phrase}`: {text}"
            );
        }
    }
    assert_eq!(
        bundle["households"].as_array().unwrap().len(),
        household_rows
    );

    // A bundle breaking a rule: 3; no bundle: 2.
    let mut broken = bundle.clone();
    broken["households"][0]["building"] = json!("B99");
    assert_eq!(verify(&broken, dir.path(), "broken.json", "text").0, 3);
    std::fs::write(dir.path().join("garbage.json"), b"{ not json").unwrap();
    let garbage = Command::new(env!("CARGO_BIN_EXE_allot"))
        .args(["verify", dir.path().join("garbage.json").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(garbage.status.code(), Some(3));
    let usage = Command::new(env!("CARGO_BIN_EXE_allot"))
        .arg("verify")
        .output()
        .unwrap();
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn two_racing_reveals_of_a_ceremony_draw_give_one_201_and_one_409() {
    let app = rehearsal();
    let site = set_up(&app, "small/pin", false);
    let draws = format!("/v1/sites/{site}/draws");
    let how = "six digits drawn from a box by two resident representatives before a notary";
    let (status, record) = post(
        &app,
        &draws,
        Some(STAFF),
        &json!({"seed_source": {"ceremony": how}}),
    );
    assert_eq!(status, 201, "{record:#}");
    assert_eq!(record["seed_source"]["ceremony"], how);
    assert_eq!(record["previous_sha256"], Value::Null);
    let reveal = format!("{draws}/{}/reveal", record["draw"]);
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = ["314159", "271828"]
            .into_iter()
            .map(|seed| {
                let (app, reveal) = (&app, &reveal);
                s.spawn(move || post(app, reveal, Some(STAFF), &json!({"seed": seed})).0)
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut sorted = statuses.clone();
    sorted.sort();
    assert_eq!(sorted, [201, 409], "{statuses:?}");
    let revealed = app.get_json(&format!("{draws}/{}", record["draw"]), VIEWER);
    assert!(["314159", "271828"].contains(&revealed["revealed"]["seed"].as_str().unwrap()));
    assert!(revealed["revealed"]["signature"].is_null());
    let stored = app.get_json(&format!("/v1/sites/{site}/allocations"), VIEWER);
    assert_eq!(stored["allocations"].as_array().unwrap().len(), 1);
    // The ceremony's bundle verifies too.
    let bundle = app.get_json(&format!("/v1/sites/{site}/allocations/1/bundle"), STAFF);
    let dir = tempfile::tempdir().unwrap();
    let (code, text) = verify(&bundle, dir.path(), "ceremony.json", "text");
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(how));
    // A ceremony seed entered before the commit, or another seed: named.
    let mut early = bundle.clone();
    early["draw"]["revealed"]["revealed_at"] = json!("2023-08-23T14:00:00Z");
    let (code, text) = verify(&early, dir.path(), "early.json", "text");
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("before the commit"), "{text}");
    let mut reseeded = bundle.clone();
    reseeded["draw"]["revealed"]["seed"] = json!("999999");
    let (code, text) = verify(&reseeded, dir.path(), "reseeded.json", "text");
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("not the draw's seed 999999")
            && text.contains("recomputing gives another allocation"),
        "{text}"
    );
}

#[test]
fn a_round_published_within_a_minute_of_the_commit_is_refused_naming_its_time() {
    // The real clock: round 123 was published in 2023.
    let app = spawn_app();
    let site = set_up(&app, "small/pin", false);
    let (status, problem) = post(
        &app,
        &format!("/v1/sites/{site}/draws"),
        Some(STAFF),
        &json!({"seed_source": {"drand": {"round": 123}}}),
    );
    assert_eq!(status, 422, "{problem:#}");
    assert!(problem["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("published at 2023-08-23T15:15:33Z"));
    let (status, _) = post(
        &app,
        &format!("/v1/sites/{site}/draws"),
        Some(STAFF),
        &json!({"seed_source": {"drand": {"round": 123}}, "policy": {"seed": "mine"}}),
    );
    assert_eq!(status, 403, "staff may not give a policy");
    let listed: Value = app
        .req(Method::GET, &format!("/v1/sites/{site}/draws"), None)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(listed["draws"], json!([]));
    // A ceremony's text is escaped on the public pages.
    let (status, _) = post(
        &app,
        &format!("/v1/sites/{site}/draws"),
        Some(STAFF),
        &json!({"seed_source": {"ceremony": "<script>alert(1)</script> from a box"}}),
    );
    assert_eq!(status, 201);
    for path in [
        format!("/sites/{site}/draws/1"),
        format!("/sites/{site}/draws"),
    ] {
        let page = app
            .req(Method::GET, &path, None)
            .send()
            .unwrap()
            .text()
            .unwrap();
        assert!(!page.contains("<script>alert"), "{path}");
    }
    let page = app
        .req(Method::GET, &format!("/sites/{site}/draws/1"), None)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; from a box"));
    assert_eq!(
        app.req(Method::GET, "/v1/sites/nowhere/draws/1", None)
            .send()
            .unwrap()
            .status(),
        404
    );
}

#[test]
fn serve_refuses_now_without_dev_and_a_time_that_is_not_rfc_3339() {
    let out = Command::new(env!("CARGO_BIN_EXE_allot"))
        .args(["serve", "--now", NOW, "--addr", "127.0.0.1:0"])
        .env_remove("ALLOT_DEV")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("refused without --dev"));
    let out = Command::new(env!("CARGO_BIN_EXE_allot"))
        .args([
            "serve",
            "--dev",
            "--now",
            "yesterday",
            "--addr",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an RFC 3339 time"));
}
