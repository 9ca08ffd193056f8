//! Property tests of the whole pipeline on random synthetic sites: the
//! invariants hold, the served count meets an independent max-flow bound,
//! and the result is a pure function of the inputs.

use crate::support::common;

use allot::input::roster::parse_roster_json;
use allot::model::{Household, Policy, ResourceKind};
use allot::pipeline::{self, build_instance, Inputs, Options, RosterInput};
use allot::solve::instance::Instance;
use allot::synthetic::{synthetic_site, SynthParams};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn inputs(p: &SynthParams) -> (Inputs, Vec<Household>) {
    let (layout, roster) = synthetic_site(p);
    let households = parse_roster_json(&roster)
        .expect("synthetic roster parses")
        .households;
    let policy = serde_json::json!({
        "seed": format!("seed {}", p.seed),
        "kinds": {"parking_space": {"max_walk_m": 120}, "charging_bay": {"per_household": 2, "max_walk_m": 90}},
        "priority": ["accessible", "elderly"],
    });
    (
        Inputs {
            layout,
            households: RosterInput::Json(roster),
            policy: Some(policy),
            previous: None,
            seed: None,
            round: None,
        },
        households,
    )
}

/// Maximum number of units servable: augmenting paths over unit copies
/// (Kuhn's algorithm), written independently of the engines.
fn max_units(inst: &Instance) -> u32 {
    let units: Vec<usize> = inst
        .households
        .iter()
        .enumerate()
        .flat_map(|(h, d)| std::iter::repeat_n(h, d.demand as usize))
        .collect();
    let mut owner: Vec<Option<usize>> = vec![None; inst.resources.len()];
    fn augment(
        u: usize,
        units: &[usize],
        inst: &Instance,
        seen: &mut [bool],
        owner: &mut [Option<usize>],
    ) -> bool {
        for r in 0..inst.resources.len() {
            if seen[r] || !inst.eligible(units[u], r) {
                continue;
            }
            seen[r] = true;
            let free = match owner[r] {
                None => true,
                Some(v) => augment(v, units, inst, seen, owner),
            };
            if free {
                owner[r] = Some(u);
                return true;
            }
        }
        false
    }
    let mut n = 0;
    for u in 0..units.len() {
        let mut seen = vec![false; inst.resources.len()];
        if augment(u, &units, inst, &mut seen, &mut owner) {
            n += 1;
        }
    }
    n
}

#[test]
fn synthetic_sites_break_no_geometry_rule() {
    for walkways in [false, true] {
        let p = SynthParams {
            walkways,
            ..SynthParams::scaled(700, 180, 1)
        };
        let (layout, _) = synthetic_site(&p);
        let report = pipeline::validate_layout(&layout, None);
        assert!(
            report.errors.is_empty(),
            "{:#?}",
            &report.errors[..report.errors.len().min(5)]
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    #[test]
    fn random_sites_meet_every_invariant_and_the_max_flow_bound(
        households in 30usize..260,
        spaces in 5usize..90,
        walkways in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let p = SynthParams { walkways, ..SynthParams::scaled(households, spaces, seed) };
        let (inputs, roster) = inputs(&p);
        let a = pipeline::solve(&inputs, &Options::default()).expect("solves");
        common::assert_invariants(&a, &roster);

        // Bays and plots have no reserved resources: the priority stages
        // cannot cost total service, so the served count is the max flow.
        let checked = pipeline::check(&inputs).expect("checked");
        let rank: BTreeMap<&str, usize> = a.lottery.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
        for kind in [ResourceKind::ChargingBay, ResourceKind::GardenPlot] {
            let built = build_instance(&checked.site, &checked.households, &checked.policy, &checked.walks, kind, &rank);
            prop_assert_eq!(a.metrics[&kind].served, max_units(&built.instance), "{}", kind);
        }

        // Determinism: identical inputs, identical bytes.
        let again = pipeline::solve(&inputs, &Options::default()).expect("solves");
        prop_assert_eq!(allot::report::json::allocation_json(&a), allot::report::json::allocation_json(&again));
        let _ = Policy::default();
    }
}
