//! The good_lp reference engine with CBC at real size (issue 12): on the
//! Yixinqiao compound, its move-out rerun and random synthetic sites of up
//! to 400 households, flow and MILP agree on every stage value and on how
//! many units each household gets, and both meet the invariants.
#![cfg(feature = "coin_cbc")]

use crate::support::common;

use allot::input::roster::{parse_roster_csv, parse_roster_json};
use allot::model::{Allocation, Household, ResourceKind};
use allot::pipeline::{self, Inputs, Options, RosterInput};
use allot::solve::{Engine, MilpBackend};
use allot::synthetic::{synthetic_site, SynthParams};
use rstest::rstest;
use std::collections::BTreeMap;
use std::path::Path;

fn dir() -> &'static Path {
    Path::new("fixtures/yixinqiao")
}

fn inputs(households: Vec<Household>, previous: Option<Allocation>) -> Inputs {
    Inputs {
        layout: common::read_json(&dir().join("layout.geojson")),
        households: RosterInput::Parsed(households),
        policy: Some(common::read_json(&dir().join("policy.json"))),
        previous,
        seed: None,
        round: None,
    }
}

fn roster() -> Vec<Household> {
    parse_roster_csv(&std::fs::read(dir().join("households.csv")).unwrap())
        .unwrap()
        .households
}

/// Units served per (household, kind).
fn served(a: &Allocation) -> BTreeMap<(String, ResourceKind), usize> {
    let mut m = BTreeMap::new();
    for x in &a.assignments {
        *m.entry((x.household.clone(), x.kind)).or_default() += 1;
    }
    m
}

/// Solves with both engines, checks the invariants of both and that they
/// agree; returns the flow allocation.
fn both_agree(inputs: &Inputs, roster: &[Household]) -> Allocation {
    let flow = common::solve(inputs);
    let cbc = pipeline::solve(
        inputs,
        &Options {
            engine: Engine::Milp(MilpBackend::CoinCbc),
            timings: false,
            ..Options::default()
        },
    )
    .expect("CBC solve");
    assert_eq!(flow.solver.stages, cbc.solver.stages);
    assert_eq!(served(&flow), served(&cbc), "who is served");
    assert!(flow.assignments.len() > 20);
    common::assert_invariants(&flow, roster);
    common::assert_invariants(&cbc, roster);
    flow
}

#[test]
fn flow_and_cbc_agree_on_yixinqiao_and_on_its_move_out_rerun() {
    let first = both_agree(&inputs(roster(), None), &roster());
    let leaver = first
        .assignments
        .iter()
        .find(|x| x.kind == ResourceKind::ParkingSpace && x.basis != allot::model::Basis::Pin)
        .map(|x| x.household.clone())
        .unwrap();
    let rest: Vec<Household> = roster().into_iter().filter(|h| h.id != leaver).collect();
    let second = both_agree(&inputs(rest.clone(), Some(first)), &rest);
    assert!(second.assignments.iter().all(|x| x.household != leaver));
}

/// A synthetic site (src/synthetic.rs) under a policy that exercises every
/// stage: reserved spaces, two priority classes, the building share, and
/// bays up to two per household.
fn synthetic(
    households: usize,
    spaces: usize,
    walkways: bool,
    seed: u64,
) -> (Inputs, Vec<Household>) {
    let p = SynthParams {
        walkways,
        ..SynthParams::scaled(households, spaces, seed)
    };
    let (layout, roster) = synthetic_site(&p);
    let parsed = parse_roster_json(&roster)
        .expect("synthetic roster parses")
        .households;
    let policy = serde_json::json!({
        "seed": format!("cross-check {seed}"),
        "kinds": {
            "parking_space": {"max_walk_m": 90},
            "charging_bay": {"per_household": 2, "max_walk_m": 60},
        },
        "priority": ["accessible", "elderly"],
        "building_share": "proportional",
    });
    let inputs = Inputs {
        layout,
        households: RosterInput::Json(roster),
        policy: Some(policy),
        previous: None,
        seed: None,
        round: None,
    };
    (inputs, parsed)
}

/// Random sites up to 400 households: both engines meet every invariant and
/// agree on every stage value and on who is served, kind by kind.
#[rstest]
#[case::small_with_walkways(90, 30, true, 3)]
#[case::mid(230, 55, false, 11)]
#[case::four_hundred(400, 120, false, 29)]
fn flow_and_cbc_agree_on_random_synthetic_sites(
    #[case] households: usize,
    #[case] spaces: usize,
    #[case] walkways: bool,
    #[case] seed: u64,
) {
    let (inputs, roster) = synthetic(households, spaces, walkways, seed);
    both_agree(&inputs, &roster);
}
