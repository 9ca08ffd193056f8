//! Each fixture under `fixtures/{invalid,warnings,valid}/<case>/` is a layout
//! and the exact problems (rule codes, feature ids, message fragments) it must
//! produce, so every geometry rule, loading error and warning is pinned.

use allot::geometry::{validate, walking_distances};
use allot::input::load_layout;
use allot::model::{Policy, Problem};
use rstest::rstest;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// One expected problem: its rule, the features it names, text its message holds.
#[derive(Debug, serde::Deserialize)]
struct Expected {
    rule: String,
    features: Vec<String>,
    #[serde(default)]
    message_contains: Vec<String>,
}

#[derive(Debug, serde::Deserialize)]
struct ExpectedWalk {
    building: String,
    unit: String,
    resource: String,
    walk_m: f64,
}

#[derive(Debug, serde::Deserialize)]
struct Case {
    errors: Vec<Expected>,
    /// Compared exactly when present.
    warnings: Option<Vec<Expected>>,
    #[serde(default)]
    walks: Vec<ExpectedWalk>,
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn named(p: &Problem) -> Vec<String> {
    if p.features.is_empty() {
        p.feature.iter().cloned().collect()
    } else {
        p.features.clone()
    }
}

fn assert_problems(what: &str, got: &[Problem], expected: &[Expected]) {
    let key = |rule: &str, f: &[String]| format!("{rule} {}", f.join(","));
    let mut got_keys: Vec<String> = got
        .iter()
        .map(|p| key(p.rule.as_str(), &named(p)))
        .collect();
    let mut want_keys: Vec<String> = expected.iter().map(|e| key(&e.rule, &e.features)).collect();
    got_keys.sort();
    want_keys.sort();
    assert_eq!(got_keys, want_keys, "{what}: {got:#?}");
    for e in expected {
        let p = got
            .iter()
            .find(|p| p.rule == e.rule && named(p) == e.features)
            .unwrap_or_else(|| panic!("{what}: no {} for {:?}", e.rule, e.features));
        for frag in &e.message_contains {
            assert!(
                p.message.contains(frag.as_str()),
                "{what}: {:?} lacks {frag:?}",
                p.message
            );
        }
    }
}

fn run(layout: PathBuf) {
    let dir = layout.parent().expect("fixture directory");
    let case: Case =
        serde_json::from_value(read_json(&dir.join("expected.json"))).expect("expected.json");
    let value = read_json(&layout);
    let (errors, warnings, walks) = match load_layout(&value) {
        Err(problems) => (problems.0, Vec::new(), None),
        Ok(site) => {
            let walks = walking_distances(&site);
            let report = validate(&site, &Policy::default(), Some(&walks));
            (report.errors, report.warnings, Some((site, walks)))
        }
    };
    assert_problems("errors", &errors, &case.errors);
    if let Some(w) = &case.warnings {
        assert_problems("warnings", &warnings, w);
    }
    if !case.walks.is_empty() {
        let (site, m) = walks.expect("the layout loads");
        for w in &case.walks {
            let u = m.unit_index(&w.building, &w.unit).expect("unit");
            let r = site
                .resources
                .iter()
                .position(|r| r.id == w.resource)
                .expect("resource");
            let got = m.get(u, r);
            assert!(
                (got - w.walk_m).abs() < 1e-6,
                "walk {}/{} → {}: {got} ≠ {}",
                w.building,
                w.unit,
                w.resource,
                w.walk_m
            );
        }
    }
}

#[rstest]
fn invalid_layouts_report_exactly_the_expected_errors(
    #[files("fixtures/invalid/*/layout.geojson")] layout: PathBuf,
) {
    run(layout)
}

#[rstest]
fn layouts_with_warnings_report_exactly_the_expected_warnings(
    #[files("fixtures/warnings/*/layout.geojson")] layout: PathBuf,
) {
    run(layout)
}

#[rstest]
fn valid_layouts_load_cleanly_with_the_hand_computed_walks(
    #[files("fixtures/valid/*/layout.geojson")] layout: PathBuf,
) {
    run(layout)
}
