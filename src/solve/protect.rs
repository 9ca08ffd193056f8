//! `stability: "protect"` (FORMAT.md §3 "Over time"): before every stage,
//! each household keeps its incumbent resources as if they were pinned.
//!
//! Protection is applied by turning those holdings into pins of the
//! instance before any engine sees it, so the flow engine, the good_lp model
//! and serial dictatorship all give them exactly the meaning of pins (served
//! units, reserved units, building shares and `alone_b`, walks). Stage 3
//! then has nothing left to do and is not reported.
//!
//! Readings:
//! - A household's policy pins count first against its demand; incumbents
//!   fill what is left, shortest walk first, then lowest id (byte order).
//! - An incumbent resource pinned by the policy (to anyone) is not
//!   protected: the pin wins.
//! - Should two households still name the same resource (the pipeline
//!   rejects that as an input error), the one with the smaller id keeps it,
//!   so the core never fails on it.

use super::instance::Instance;
use std::collections::BTreeSet;

/// The `(household, resource)` pairs protect keeps, sorted; policy pins not included.
pub fn protected_pairs(inst: &Instance) -> Vec<(usize, usize)> {
    let n = inst.households.len();
    let m = inst.resources.len();
    let mut pinned_res = vec![false; m];
    let mut pinned_units = vec![0u32; n];
    for &(h, r) in &inst.pins {
        if h < n && r < m {
            pinned_res[r] = true;
            pinned_units[h] += 1;
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        inst.households[a]
            .id
            .as_bytes()
            .cmp(inst.households[b].id.as_bytes())
            .then(a.cmp(&b))
    });
    let mut claimed: BTreeSet<usize> = BTreeSet::new();
    let mut out = Vec::new();
    for h in order {
        let d = &inst.households[h];
        let room = d.demand.saturating_sub(pinned_units[h]) as usize;
        if room == 0 || d.incumbents.is_empty() {
            continue;
        }
        let Some(row) = inst.walk.get(d.group) else {
            continue;
        };
        let mut mine: Vec<usize> = d
            .incumbents
            .iter()
            .copied()
            .filter(|&r| r < m && r < row.len() && !pinned_res[r] && !claimed.contains(&r))
            .collect();
        mine.sort_by(|&a, &b| {
            row[a]
                .total_cmp(&row[b])
                .then(
                    inst.resources[a]
                        .id
                        .as_bytes()
                        .cmp(inst.resources[b].id.as_bytes()),
                )
                .then(a.cmp(&b))
        });
        mine.dedup();
        for r in mine.into_iter().take(room) {
            claimed.insert(r);
            out.push((h, r));
        }
    }
    out.sort_unstable();
    out
}

/// The instance with protected incumbents added to its pins.
pub fn with_protected_pins(inst: &Instance) -> Instance {
    let mut out = inst.clone();
    out.pins.extend(protected_pairs(inst));
    out.pins.sort_unstable();
    out
}

/// For household `h`: its incumbent resources pinned by the policy to
/// another household, as `(resource, holder)` index pairs.
pub fn lost_to_pins(inst: &Instance, pins: &[(usize, usize)], h: usize) -> Vec<(usize, usize)> {
    let Some(d) = inst.households.get(h) else {
        return Vec::new();
    };
    let mut out: Vec<(usize, usize)> = pins
        .iter()
        .filter(|&&(o, r)| o != h && d.incumbents.contains(&r))
        .map(|&(o, r)| (r, o))
        .collect();
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{solve, Engine, MilpBackend};
    use super::*;
    use crate::model::{BuildingShare, Mechanism, Stability};

    /// Two buildings; B2's household held a space; B1 has more demand, so
    /// building shares alone would give both spaces to B1 — protect keeps it.
    fn protect_beats_building_shares() -> Instance {
        let mut kept = hh("b2", "B2", 1, 3);
        kept.incumbents = vec![1];
        let mut inst = instance(
            vec![
                hh("b1x", "B1", 0, 0),
                hh("b1y", "B1", 0, 1),
                hh("b1z", "B1", 0, 2),
                kept,
            ],
            vec![slot("S1"), slot("S2")],
            vec![vec![5.0, 6.0], vec![5.0, 90.0]],
        );
        inst.building_share = BuildingShare::Proportional;
        inst.stability = Stability::Protect;
        inst
    }

    #[test]
    fn a_protected_incumbent_keeps_its_space_in_every_engine_and_mechanism() {
        let inst = protect_beats_building_shares();
        for (mech, engine) in [
            (Mechanism::Optimal, Engine::Flow),
            (Mechanism::Optimal, Engine::Milp(MilpBackend::Microlp)),
            (Mechanism::SerialDictatorship, Engine::Flow),
        ] {
            let sol = solve(&inst, mech, engine).unwrap();
            let got = by_id(&inst, &sol.assigned);
            assert!(
                got.contains(&("b2".to_string(), "S2".to_string())),
                "{mech:?} {engine:?}: {got:?}"
            );
            assert_eq!(got.len(), 2);
            assert!(sol.stages.iter().all(|s| !s.name.starts_with('3')));
        }
    }

    #[test]
    fn more_incumbents_than_demand_keeps_the_shortest_walk_then_the_lowest_id() {
        let mut h = hh("h", "B1", 0, 0);
        h.incumbents = vec![0, 1, 2];
        h.demand = 2;
        let mut inst = instance(
            vec![h],
            vec![slot("P9"), slot("P10"), slot("P2")],
            vec![vec![30.0, 10.0, 10.0]],
        );
        inst.stability = Stability::Protect;
        // P10 and P2 both walk 10 m; "P10" < "P2" in byte order, both kept.
        assert_eq!(protected_pairs(&inst), vec![(0, 1), (0, 2)]);
        inst.households[0].demand = 1;
        assert_eq!(protected_pairs(&inst), vec![(0, 1)]);
        // A policy pin counts first against the demand.
        inst.pins = vec![(0, 0)];
        assert_eq!(protected_pairs(&inst), Vec::<(usize, usize)>::new());
    }

    #[test]
    fn a_pin_of_an_incumbents_resource_to_another_household_wins() {
        let mut inc = hh("inc", "B1", 0, 0);
        inc.incumbents = vec![0];
        let mut inst = instance(
            vec![inc, hh("other", "B1", 0, 1)],
            vec![slot("S")],
            vec![vec![5.0]],
        );
        inst.stability = Stability::Protect;
        inst.pins = vec![(1, 0)];
        assert!(protected_pairs(&inst).is_empty());
        assert_eq!(lost_to_pins(&inst, &inst.pins, 0), vec![(0, 1)]);
        let sol = solve(&inst, Mechanism::Optimal, Engine::Flow).unwrap();
        assert_eq!(sol.assigned, vec![(1, 0)]);
    }

    #[test]
    fn an_incumbent_out_of_reach_or_on_a_reserved_space_is_still_kept() {
        let mut o = hh("o", "B1", 0, 1);
        o.incumbents = vec![0];
        let mut p = hh("p", "B1", 0, 0);
        p.permit = true;
        let mut a = slot("A");
        a.accessible = true;
        let mut inst = instance(vec![o, p], vec![a], vec![vec![500.0]]);
        inst.stability = Stability::Protect;
        for mech in [Mechanism::Optimal, Mechanism::SerialDictatorship] {
            let sol = solve(&inst, mech, Engine::Flow).unwrap();
            assert_eq!(sol.assigned, vec![(0, 0)], "{mech:?}");
        }
    }
}
