//! The Yixinqiao compound end to end: valid, solved, explained, reproducible.

use crate::support::common;

use allot::input::roster::{parse_roster_csv, parse_roster_json};
use allot::model::ResourceKind;
use allot::pipeline::{self, Options, RosterInput};
use allot::report;
use std::path::Path;

fn dir() -> &'static Path {
    Path::new("fixtures/yixinqiao")
}

#[test]
fn the_layout_breaks_no_geometry_rule_in_either_coordinate_mode() {
    for file in ["layout.geojson", "layout_local.geojson"] {
        let layout = common::read_json(&dir().join(file));
        let report = pipeline::validate_layout(
            &layout,
            Some(&common::read_json(&dir().join("policy.json"))),
        );
        assert!(report.errors.is_empty(), "{file}: {:#?}", report.errors);
    }
}

#[test]
fn the_csv_and_json_rosters_are_the_same_households() {
    let csv = parse_roster_csv(&std::fs::read(dir().join("households.csv")).unwrap()).unwrap();
    let json = parse_roster_json(&common::read_json(&dir().join("households.json"))).unwrap();
    assert_eq!(csv.households.len(), 308);
    assert_eq!(csv.households, json.households);
}

#[test]
fn the_allocation_meets_every_invariant_and_explains_everyone() {
    let inputs = common::fixture_inputs(dir());
    let a = common::solve(&inputs);
    let roster = parse_roster_csv(&std::fs::read(dir().join("households.csv")).unwrap()).unwrap();
    common::assert_invariants(&a, &roster.households);
    assert_eq!(a.site, "yixinqiao");
    assert_eq!(a.lottery.len(), 308);
    let parking = &a.metrics[&ResourceKind::ParkingSpace];
    assert!(parking.demand > parking.supply, "more cars than spaces");
    assert_eq!(
        parking.served, parking.supply,
        "every space is used when demand exceeds supply"
    );
    // The pin of the policy holds.
    for pin in &a.policy.pins {
        assert!(a.assignments.iter().any(|x| x.household == pin.household
            && x.resource == pin.resource
            && x.basis == allot::model::Basis::Pin));
    }
    // Every unserved household of a kind with something in reach has a waitlist place.
    assert!(a
        .unserved
        .iter()
        .all(|u| u.waitlist.is_some() || u.why.contains("no ")));
}

#[test]
fn the_same_inputs_give_the_same_bytes_and_another_seed_another_lottery() {
    let inputs = common::fixture_inputs(dir());
    let a = report::json::allocation_json(&common::solve(&inputs));
    let b = report::json::allocation_json(&common::solve(&inputs));
    assert_eq!(a, b);
    let mut other = inputs.clone();
    other.seed = Some("another public draw".into());
    let c = common::solve(&other);
    let first = common::solve(&inputs);
    assert_ne!(c.lottery, first.lottery);
    assert_eq!(
        c.inputs_sha256, first.inputs_sha256,
        "the seed is not an input of the hash"
    );
}

#[test]
fn a_rerun_with_the_previous_allocation_keeps_every_incumbent() {
    let inputs = common::fixture_inputs(dir());
    let first = common::solve(&inputs);
    let mut again = inputs.clone();
    again.previous = Some(first.clone());
    let second = common::solve(&again);
    for kind in ResourceKind::ALL {
        let m = &second.metrics[&kind];
        assert_eq!(
            m.moved_from_previous, 0,
            "{kind}: nobody moves on an unchanged rerun"
        );
        assert_eq!(m.kept_from_previous, first.metrics[&kind].served);
    }
}

#[test]
fn the_milp_engine_matches_the_flow_engine_on_every_stage_optimum_of_one_building() {
    // The good_lp model solves one MILP per household in the lottery stage,
    // so the comparison runs on building B1's households and its garden plots.
    let mut inputs = common::fixture_inputs(dir());
    let roster = parse_roster_csv(&std::fs::read(dir().join("households.csv")).unwrap()).unwrap();
    let b1: Vec<_> = roster
        .households
        .into_iter()
        .filter(|h| h.building == "B1")
        .take(10)
        .collect();
    inputs.households = RosterInput::Parsed(b1);
    let mut policy = inputs.policy.clone().unwrap();
    policy["kinds"]["parking_space"]["per_household"] = 0.into();
    policy["kinds"]["charging_bay"]["per_household"] = 0.into();
    policy["pins"] = serde_json::json!([]);
    inputs.policy = Some(policy);
    let flow = common::solve(&inputs);
    let milp = pipeline::solve(
        &inputs,
        &Options {
            engine: allot::solve::Engine::Milp(allot::solve::MilpBackend::Microlp),
            timings: false,
            ..Options::default()
        },
    )
    .expect("milp solve");
    assert_eq!(flow.solver.stages, milp.solver.stages);
    assert!(flow.metrics[&ResourceKind::GardenPlot].served > 0);
}

#[test]
fn the_csv_rendering_starts_with_a_byte_order_mark_and_has_a_row_per_entry() {
    let a = common::solve(&common::fixture_inputs(dir()));
    let csv = report::csv::allocation_csv(&a);
    assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]));
    let rows = String::from_utf8(csv[3..].to_vec())
        .unwrap()
        .lines()
        .count();
    assert_eq!(rows, 1 + a.assignments.len() + a.unserved.len());
}
