//! The good_lp reference engine with CBC at real size (issue 12): on the
//! Yixinqiao compound and its move-out rerun, flow and MILP agree on every
//! stage value and on how many units each household gets.
#![cfg(feature = "coin_cbc")]

use crate::support::common;

use allot::input::roster::parse_roster_csv;
use allot::model::{Allocation, Household, ResourceKind};
use allot::pipeline::{self, Inputs, Options, RosterInput};
use allot::solve::{Engine, MilpBackend};
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

/// Solves with both engines and checks that they agree; returns the flow allocation.
fn both_agree(inputs: &Inputs) -> Allocation {
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
    assert!(flow.assignments.len() > 100);
    flow
}

#[test]
fn flow_and_cbc_agree_on_yixinqiao_and_on_its_move_out_rerun() {
    let first = both_agree(&inputs(roster(), None));
    let leaver = first
        .assignments
        .iter()
        .find(|x| x.kind == ResourceKind::ParkingSpace && x.basis != allot::model::Basis::Pin)
        .map(|x| x.household.clone())
        .unwrap();
    let rest: Vec<Household> = roster().into_iter().filter(|h| h.id != leaver).collect();
    let second = both_agree(&inputs(rest, Some(first)));
    assert!(second.assignments.iter().all(|x| x.household != leaver));
}
