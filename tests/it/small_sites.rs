//! Each hand-checked small site under fixtures/small/ solves to the
//! allocation written out by hand in its expected.json.

use crate::support::common;

use rstest::rstest;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

#[rstest]
fn small_site_solves_to_the_hand_checked_allocation(
    #[files("fixtures/small/*/layout.geojson")] layout: PathBuf,
) {
    let dir = layout.parent().expect("fixture folder");
    let inputs = common::fixture_inputs(dir);
    let a = common::solve(&inputs);
    let expected = common::read_json(&dir.join("expected.json"));

    let got: BTreeSet<(String, String, String)> = a
        .assignments
        .iter()
        .map(|x| (x.household.clone(), x.kind.to_string(), x.resource.clone()))
        .collect();
    let empty = Vec::new();
    let want_assignments = expected["assignments"].as_array().unwrap_or(&empty);
    let want: BTreeSet<(String, String, String)> = want_assignments
        .iter()
        .map(|x| {
            (
                x["household"].as_str().unwrap_or_default().to_string(),
                x["kind"].as_str().unwrap_or_default().to_string(),
                x["resource"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(got, want, "{}: assignments", dir.display());
    for w in want_assignments {
        if let Some(walk) = w["walk_m"].as_f64() {
            let x = a
                .assignments
                .iter()
                .find(|x| Some(x.resource.as_str()) == w["resource"].as_str())
                .expect("assigned");
            assert!(
                (x.walk_m - walk).abs() < 0.051,
                "{}: walk to {} is {} m, expected {walk}",
                dir.display(),
                x.resource,
                x.walk_m
            );
        }
    }

    let got: BTreeSet<(String, String, u32, Option<u32>)> = a
        .unserved
        .iter()
        .map(|u| (u.household.clone(), u.kind.to_string(), u.units, u.waitlist))
        .collect();
    let want: BTreeSet<(String, String, u32, Option<u32>)> = expected["unserved"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .map(|u: &Value| {
            (
                u["household"].as_str().unwrap_or_default().to_string(),
                u["kind"].as_str().unwrap_or_default().to_string(),
                u["units"].as_u64().unwrap_or(0) as u32,
                u["waitlist"].as_u64().map(|w| w as u32),
            )
        })
        .collect();
    assert_eq!(got, want, "{}: unserved", dir.display());
}
