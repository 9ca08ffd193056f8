//! Hard rules on larger random instances: no resource twice, demand and
//! walk limits, pins, reservations; reruns and input order change nothing.

use super::super::instance::{Instance, Reservation};
use super::super::{fixtures, solve, testgen, Engine, Solution};
use crate::model::Mechanism;
use proptest::prelude::*;
use rand::seq::SliceRandom;
use rand::SeedableRng;

const LARGE: testgen::Shape = testgen::Shape {
    max_households: 120,
    max_resources: 50,
    max_demand: 2,
    rich: true,
};

/// Maximum number of units servable, by augmenting paths over unit copies
/// (Kuhn's algorithm), written independently of the engines.
fn max_units(inst: &Instance) -> usize {
    let m = inst.resources.len();
    let mut owner: Vec<Option<usize>> = vec![None; m];
    let units: Vec<usize> = inst
        .households
        .iter()
        .enumerate()
        .flat_map(|(h, d)| std::iter::repeat_n(h, d.demand as usize))
        .collect();
    fn augment(
        inst: &Instance,
        units: &[usize],
        u: usize,
        seen: &mut [bool],
        owner: &mut [Option<usize>],
    ) -> bool {
        for r in 0..owner.len() {
            if seen[r] || !inst.eligible(units[u], r) {
                continue;
            }
            seen[r] = true;
            if owner[r].is_none_or(|v| augment(inst, units, v, seen, owner)) {
                owner[r] = Some(u);
                return true;
            }
        }
        false
    }
    let mut served = 0;
    for u in 0..units.len() {
        let mut seen = vec![false; m];
        if augment(inst, &units, u, &mut seen, &mut owner) {
            served += 1;
        }
    }
    served
}

fn check_invariants(inst: &Instance, sol: &Solution) -> Result<(), TestCaseError> {
    // Under `protect` the kept incumbents are pins.
    let protected = crate::solve::protect::with_protected_pins(inst);
    let inst = if inst.stability == crate::model::Stability::Protect {
        &protected
    } else {
        inst
    };
    let n = inst.households.len();
    let m = inst.resources.len();
    let mut held = vec![0u32; m];
    let mut got = vec![0u32; n];
    let mut acc = vec![0u32; n];
    let mut chg = vec![0u32; n];
    for &(h, r) in &sol.assigned {
        held[r] += 1;
        got[h] += 1;
        match inst.resources[r].reservation() {
            Reservation::Permit => acc[h] += 1,
            Reservation::Ev => chg[h] += 1,
            Reservation::None => {}
        }
        if !inst.pins.contains(&(h, r)) {
            prop_assert!(inst.walk_of(h, r) <= inst.max_walk_m, "walk beyond max");
        }
    }
    prop_assert!(held.iter().all(|&k| k <= 1), "a resource assigned twice");
    for h in 0..n {
        prop_assert!(
            got[h] <= inst.households[h].demand,
            "household above demand"
        );
    }
    for p in &inst.pins {
        prop_assert!(sol.assigned.contains(p), "pin dropped");
    }
    let pinned: Vec<usize> = inst.pins.iter().map(|p| p.1).collect();
    for &(h, r) in &sol.assigned {
        let d = &inst.households[h];
        let res = inst.resources[r].reservation();
        let outsider = match res {
            Reservation::None => false,
            Reservation::Permit => !d.permit,
            Reservation::Ev => d.evs == 0,
        };
        if !outsider || pinned.contains(&r) {
            continue;
        }
        for (k, other) in inst.households.iter().enumerate() {
            let open_claim = match res {
                Reservation::Permit => other.permit && acc[k] < 1,
                Reservation::Ev => other.evs > 0 && chg[k] < other.evs.min(other.demand),
                Reservation::None => false,
            };
            prop_assert!(
                !(open_claim && got[k] < other.demand && inst.eligible(k, r)),
                "reserved {} went to outsider {} while {} was short",
                inst.resources[r].id,
                d.id,
                other.id
            );
        }
    }
    Ok(())
}

/// The same instance with households and resources listed in another order.
fn shuffled(inst: &Instance, seed: u64) -> Instance {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut hp: Vec<usize> = (0..inst.households.len()).collect();
    let mut rp: Vec<usize> = (0..inst.resources.len()).collect();
    hp.shuffle(&mut rng);
    rp.shuffle(&mut rng);
    let mut new_r = vec![0; rp.len()];
    for (i, &r) in rp.iter().enumerate() {
        new_r[r] = i;
    }
    let mut new_h = vec![0; hp.len()];
    for (i, &h) in hp.iter().enumerate() {
        new_h[h] = i;
    }
    let mut out = inst.clone();
    out.resources = rp.iter().map(|&r| inst.resources[r].clone()).collect();
    out.walk = inst
        .walk
        .iter()
        .map(|row| rp.iter().map(|&r| row[r]).collect())
        .collect();
    out.households = hp
        .iter()
        .map(|&h| {
            let mut d = inst.households[h].clone();
            d.incumbents = d.incumbents.iter().map(|&r| new_r[r]).collect();
            d.preferences = d
                .preferences
                .iter()
                .map(|s| s.iter().map(|&r| new_r[r]).collect())
                .collect();
            d
        })
        .collect();
    out.pins = inst
        .pins
        .iter()
        .map(|&(h, r)| (new_h[h], new_r[r]))
        .collect();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn allocations_respect_every_hard_rule(seed in any::<u64>()) {
        let inst = testgen::instance(seed, LARGE);
        for mech in [Mechanism::Optimal, Mechanism::SerialDictatorship] {
            let sol = solve(&inst, mech, Engine::Flow).map_err(|e| TestCaseError::fail(e.to_string()))?;
            check_invariants(&inst, &sol)?;
            let again = solve(&inst, mech, Engine::Flow).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&sol, &again);
            let other = shuffled(&inst, seed ^ 0x5eed);
            let sol2 = solve(&other, mech, Engine::Flow).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(
                fixtures::by_id(&inst, &sol.assigned),
                fixtures::by_id(&other, &sol2.assigned),
                "input order changed the allocation ({:?})", mech
            );
        }
    }

    #[test]
    fn without_reservations_or_priorities_as_many_units_as_possible_are_served(seed in any::<u64>()) {
        let shape = testgen::Shape { rich: false, ..LARGE };
        let inst = testgen::instance(seed, shape);
        let sol = solve(&inst, Mechanism::Optimal, Engine::Flow).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(sol.assigned.len(), max_units(&inst));
    }
}
