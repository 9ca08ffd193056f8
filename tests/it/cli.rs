//! The `allot` binary: exit codes, problems on stderr, output formats.

use std::process::Command;

fn allot() -> Command {
    Command::new(env!("CARGO_BIN_EXE_allot"))
}

#[test]
fn solve_prints_the_allocation_of_the_bundled_fixture() {
    let out = allot()
        .args([
            "solve",
            "--layout",
            "fixtures/yixinqiao/layout.geojson",
            "--households",
            "fixtures/yixinqiao/households.csv",
            "--policy",
            "fixtures/yixinqiao/policy.json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["site"], "yixinqiao");
    assert!(v["assignments"].as_array().is_some_and(|a| !a.is_empty()));
}

#[test]
fn validate_exits_non_zero_and_lists_every_problem_one_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("bad.geojson");
    std::fs::write(
        &layout,
        r#"{"type":"FeatureCollection","coordinates":"local_meters","features":[
        {"type":"Feature","properties":{"kind":"boundary","id":"S"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[100,0],[100,100],[0,100],[0,0]]]}},
        {"type":"Feature","properties":{"kind":"parking_space","id":"P1"},"geometry":{"type":"Polygon","coordinates":[[[10,10],[12,10],[12,15],[10,15],[10,10]]]}},
        {"type":"Feature","properties":{"kind":"bike_rack","id":"X1"},"geometry":{"type":"Point","coordinates":[5,5]}}
        ]}"#,
    )
    .unwrap();
    let out = allot().args(["validate"]).arg(&layout).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert!(errors.len() >= 2, "{stderr}");
    assert!(errors.iter().any(|l| l.contains("P1")), "{stderr}");
    assert!(
        errors
            .iter()
            .any(|l| l.contains("X1") || l.contains("bike_rack")),
        "{stderr}"
    );
}

#[test]
fn a_bad_roster_row_is_named_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let roster = dir.path().join("h.csv");
    std::fs::write(&roster, "id,building,unit,cars\nB1-1-101,B1,1,two\n").unwrap();
    let out_file = dir.path().join("out.json");
    let out = allot()
        .args([
            "solve",
            "--layout",
            "fixtures/yixinqiao/layout.geojson",
            "--households",
        ])
        .arg(&roster)
        .arg("--out")
        .arg(&out_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("row 2") && stderr.contains("cars"),
        "{stderr}"
    );
    assert!(!out_file.exists());
}

#[test]
fn missing_files_fail_cleanly_without_a_panic() {
    let out = allot()
        .args([
            "solve",
            "--layout",
            "nope.geojson",
            "--households",
            "nope.csv",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nope.geojson") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn render_draws_the_allocation_as_an_svg_file() {
    let dir = tempfile::tempdir().unwrap();
    let allocation = dir.path().join("a.json");
    let solved = allot()
        .args([
            "solve",
            "--layout",
            "fixtures/small/nearest_wins/layout.geojson",
            "--households",
            "fixtures/small/nearest_wins/households.json",
            "--out",
        ])
        .arg(&allocation)
        .status()
        .unwrap();
    assert!(solved.success());
    let svg = dir.path().join("map.svg");
    let out = allot()
        .args([
            "render",
            "--layout",
            "fixtures/small/nearest_wins/layout.geojson",
            "--lang",
            "en",
            "--allocation",
        ])
        .arg(&allocation)
        .arg("--out")
        .arg(&svg)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let a: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&allocation).unwrap()).unwrap();
    let holder = a["assignments"][0]["household"].as_str().unwrap();
    assert!(text.contains(holder), "the holder {holder} is labelled");
}

#[test]
fn the_cbc_backend_is_spelled_as_the_readme_and_the_cargo_feature_spell_it() {
    let fixture = "fixtures/small/nearest_wins";
    for spelling in ["coin_cbc", "coin-cbc"] {
        let out = allot()
            .args([
                "solve",
                "--layout",
                &format!("{fixture}/layout.geojson"),
                "--households",
                &format!("{fixture}/households.json"),
                "--policy",
                &format!("{fixture}/policy.json"),
                "--engine",
                "milp",
                "--backend",
                spelling,
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("invalid value"),
            "{spelling}: rejected by the argument parser: {stderr}"
        );
        if cfg!(feature = "coin_cbc") {
            assert!(out.status.success(), "{spelling}: {stderr}");
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(v["solver"]["backend"], "coin_cbc");
        } else {
            // Without the feature: a clear error naming it, no panic.
            assert!(!out.status.success());
            assert!(stderr.contains("coin_cbc"), "{spelling}: {stderr}");
            assert!(!stderr.contains("panicked"), "{spelling}: {stderr}");
        }
    }
}

#[test]
fn solve_with_a_policy_nobody_can_satisfy_exits_3_naming_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("fixtures/small/pin/policy.json").unwrap())
            .unwrap();
    // The same space pinned to two households: no allocation can honour both.
    let mut second = v["pins"][0].clone();
    second["household"] = "B1-1-101".into();
    v["pins"].as_array_mut().unwrap().push(second);
    std::fs::write(&policy, v.to_string()).unwrap();
    let out = allot()
        .args([
            "solve",
            "--layout",
            "fixtures/small/pin/layout.geojson",
            "--households",
            "fixtures/small/pin/households.json",
            "--policy",
        ])
        .arg(&policy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("error: [pin-duplicate-resource]") && l.contains("P2")),
        "{stderr}"
    );
}

#[test]
fn solve_with_previous_and_round_carries_the_round_and_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("2026.json");
    let f = "fixtures/yixinqiao";
    let base = |extra: &[&str]| {
        let mut c = allot();
        c.args([
            "solve",
            "--layout",
            &format!("{f}/layout.geojson"),
            "--households",
            &format!("{f}/households.csv"),
            "--policy",
            &format!("{f}/policy.json"),
        ]);
        c.args(extra);
        c.output().unwrap()
    };
    let out = base(&["--out", first.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let a: serde_json::Value = serde_json::from_slice(&std::fs::read(&first).unwrap()).unwrap();
    assert_eq!(a["round"], "2026");
    assert_eq!(a["ledger"], serde_json::json!({}));
    assert!(a["draw"].is_null() && a.get("draw_order").is_none());
    let out = base(&["--previous", first.to_str().unwrap(), "--round", "2027"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let b: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(b["round"], "2027");
    assert_eq!(b["policy"]["round"], "2027");
    let unserved = a["unserved"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["kind"] == "parking_space")
        .count();
    let ledger = b["ledger"]["parking_space"].as_object().unwrap();
    assert_eq!(ledger.len(), unserved);
    assert!(ledger.values().all(|w| w == 1));
}

#[test]
fn simulate_writes_a_table_and_a_chart_and_rejects_zero_rounds() {
    let dir = tempfile::tempdir().unwrap();
    let f = "fixtures/small/lottery_decides";
    let run = |extra: &[&str]| {
        allot()
            .args([
                "simulate",
                "--layout",
                &format!("{f}/layout.geojson"),
                "--households",
                &format!("{f}/households.json"),
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&[
        "--rounds",
        "4",
        "--modes",
        "none,tickets",
        "--format",
        "csv",
        "--lang",
        "en",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = std::fs::read_to_string(dir.path().join("simulation.csv")).unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert!(
        csv.lines()
            .any(|l| l.starts_with("none,parking_space,*,4,")),
        "{csv}"
    );
    assert!(
        csv.lines()
            .any(|l| l.starts_with("tickets,parking_space,*,4,")),
        "{csv}"
    );
    let svg = std::fs::read_to_string(dir.path().join("simulation.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("rounds served"));
    let out = run(&["--format", "json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rounds"], 10);
    assert_eq!(v["modes"].as_array().unwrap().len(), 3);
    let out = run(&["--rounds", "0"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("rounds"));
}

#[test]
fn solve_and_render_in_chinese_write_chinese_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let allocation = dir.path().join("a.json");
    let base = [
        "--layout",
        "fixtures/yixinqiao/layout.geojson",
        "--households",
        "fixtures/yixinqiao/households.csv",
        "--policy",
        "fixtures/yixinqiao/policy.json",
    ];
    let out = allot()
        .arg("solve")
        .args(base)
        .args(["--format", "csv", "--lang", "zh"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(out.stdout.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM");
    let csv = String::from_utf8(out.stdout[3..].to_vec()).unwrap();
    assert!(csv.starts_with("状态,住户,类别,"), "{}", &csv[..40]);
    assert!(csv.contains("摇号第") && !csv.contains("lottery rank"));

    let solved = allot()
        .arg("solve")
        .args(base)
        .arg("--out")
        .arg(&allocation)
        .status()
        .unwrap();
    assert!(solved.success());
    let svg = allot()
        .args([
            "render",
            "--layout",
            "fixtures/yixinqiao/layout.geojson",
            "--lang",
            "zh",
            "--allocation",
        ])
        .arg(&allocation)
        .output()
        .unwrap();
    assert!(svg.status.success());
    let svg = String::from_utf8(svg.stdout).unwrap();
    assert!(svg.contains("原因: 摇号第"), "Chinese tooltips");
    assert!(!svg.contains("lottery rank"));
}

#[test]
fn serve_reads_its_variables_through_its_flags_and_lists_them_in_help() {
    let help = allot()
        .args(["serve", "--help"])
        .env("ALLOT_DB", "postgres://allot:s3cret@db/allot")
        .output()
        .unwrap();
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for var in [
        "ALLOT_ADDR",
        "ALLOT_DB",
        "ALLOT_TOKENS_FILE",
        "ALLOT_TOKENS",
        "ALLOT_DEV",
        "ALLOT_BODY_LIMIT",
        "ALLOT_SOLVE_TIMEOUT_SECS",
        "ALLOT_MAX_HEAVY",
        "ALLOT_QUEUE_WAIT_SECS",
        "ALLOT_MAX_FEATURES",
        "ALLOT_MAX_VERTICES",
        "ALLOT_MAX_TOTAL_VERTICES",
        "ALLOT_MAX_ROSTER_ROWS",
        "ALLOT_MAX_COLUMNS",
        "ALLOT_MAX_ID_LEN",
        "ALLOT_COOKIE_SECURE",
    ] {
        assert!(
            text.contains(&format!("[env: {var}")),
            "{var} missing:\n{text}"
        );
    }
    assert!(!text.contains("s3cret"), "a password shown in --help");

    // A variable is read as its flag: refused with the flag's rule, before
    // anything listens.
    let out = allot()
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("ALLOT_MAX_ROSTER_ROWS", "2000000")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--max-roster-rows"), "{stderr}");
    let out = allot()
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("ALLOT_BODY_LIMIT", "lots")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a bad value is a usage error");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--body-limit"), "{stderr}");
}
