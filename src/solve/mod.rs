//! The optimisation core: one `Instance` per resource kind in, a `Solution` out.
//!
//! Two mechanisms (FORMAT.md §3): `optimal` (lexicographic stages 1–5) and
//! `serial_dictatorship`. `optimal` has two engines that must agree on every
//! stage value: the exact combinatorial [`flow`] engine (the default, a
//! min-cost flow with lexicographic cost vectors) and the good_lp reference
//! engine [`milp`].
//!
//! Readings of the spec chosen here (also in the final report):
//! - Pins count in every stage value (served units, reserved units, building
//!   share, incumbents, walks); they are constants the stages cannot change.
//! - Stage 1a counts, per household, `min(1, accessible spaces held)` for a
//!   permit holder plus `min(min(evs, demand), charger-only spaces held)` for an
//!   EV owner; a space that is both accessible and a charger counts as accessible.
//! - `alone_b` (building share) is the pinned units of b's households plus a
//!   plain maximum flow of their remaining demand over the unpinned resources
//!   eligible to them, ignoring reservations and every other building.
//! - The entitlement uses `supply` = every resource of the kind (pinned
//!   included) and `demand` with pinned units included; no demand → 0.
//! - A non-finite walking distance (NaN) is never eligible.

// Index loops over parallel per-household / per-resource vectors read better
// than zipped iterators in this algorithmic code.
#![allow(clippy::needless_range_loop)]

pub mod explain;
pub mod flow;
pub mod instance;
pub mod lottery;
pub mod metrics;
pub mod milp;
#[cfg(test)]
pub(crate) mod oracle;
pub mod protect;
pub mod rotation;
pub mod serial;
pub mod swap;
#[cfg(test)]
pub(crate) mod testgen;

use crate::model::{BuildingShare, Mechanism, PriorityClass, Stability};
use instance::{Instance, Reservation};
use std::collections::BTreeMap;

/// Which engine solves mechanism `optimal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Engine {
    /// The exact min-cost-flow engine (default).
    #[default]
    Flow,
    /// The good_lp reference model, one solve per stage.
    Milp(MilpBackend),
}

/// good_lp backend of the reference engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MilpBackend {
    /// Pure-Rust microlp (feature `microlp`, on by default).
    Microlp,
    /// COIN-OR CBC (feature `coin_cbc`).
    CoinCbc,
}

impl MilpBackend {
    /// The name reported in `solver.backend`.
    pub fn as_str(self) -> &'static str {
        match self {
            MilpBackend::Microlp => "microlp",
            MilpBackend::CoinCbc => "coin_cbc",
        }
    }
}

/// One stage's optimum (or, for serial dictatorship, its measured value).
#[derive(Debug, Clone, PartialEq)]
pub struct StageValue {
    pub name: String,
    pub value: f64,
}

/// The allocation of one kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// `(household, resource)` index pairs, sorted, pins included.
    pub assigned: Vec<(usize, usize)>,
    /// Stage values in stage order (names in [`stage_names`]).
    pub stages: Vec<StageValue>,
    /// Building → entitled units (FORMAT.md §3 stage 2), always computed.
    pub entitled: BTreeMap<String, u32>,
}

/// Why an instance could not be solved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SolveError {
    /// A policy nobody can satisfy; `rule` names the broken rule.
    #[error("infeasible policy ({rule}): {message}")]
    Infeasible { rule: String, message: String },
    /// The instance is malformed (index out of range, walk matrix too small).
    #[error("invalid instance: {0}")]
    InvalidInstance(String),
    /// An LP/MILP backend failed or is not compiled in.
    #[error("solver backend {backend} failed: {message}")]
    Backend { backend: String, message: String },
}

/// Stage name strings, exactly as they appear in [`Solution::stages`].
pub mod stage_names {
    pub const RESERVED: &str = "1a reserved units on reserved spaces";
    /// Followed by the class name, e.g. `"1b priority accessible"`.
    pub const PRIORITY_PREFIX: &str = "1b priority ";
    pub const SERVED: &str = "1c units served";
    pub const BUILDING_SHARE: &str = "2 building share met";
    pub const INCUMBENTS: &str = "3 incumbents kept";
    /// Households served in full down the lottery order before the first one left short.
    pub const LOTTERY: &str = "4 lottery";
    pub const LONGEST_WALK: &str = "5 longest walk m";
    pub const TOTAL_WALK: &str = "5 total walk m";
    /// Households whose resource changed in `trade_up` swaps (after the mechanism).
    pub const SWAPPED: &str = "6 swapped";
}

/// The name of a priority class in policy JSON.
pub fn class_name(c: PriorityClass) -> &'static str {
    match c {
        PriorityClass::Accessible => "accessible",
        PriorityClass::Elderly => "elderly",
        PriorityClass::Ev => "ev",
    }
}

/// Solves one kind with the given mechanism; `engine` only matters for `optimal`.
pub fn solve(
    inst: &Instance,
    mechanism: Mechanism,
    engine: Engine,
) -> Result<Solution, SolveError> {
    // `protect`: incumbents become pins before any stage (FORMAT.md §3 "Over time").
    let protected;
    let inst = if inst.stability == Stability::Protect {
        protected = protect::with_protected_pins(inst);
        &protected
    } else {
        inst
    };
    let prep = Prepared::new(inst)?;
    let assigned = match mechanism {
        Mechanism::SerialDictatorship => serial::assign(inst, &prep),
        Mechanism::Optimal => match engine {
            Engine::Flow => flow::assign(inst, &prep)?,
            Engine::Milp(backend) => milp::assign(inst, &prep, backend)?,
        },
    };
    Ok(prep.solution(inst, assigned))
}

/// Building → entitled units, `min(demand_b, alone_b, floor(supply × demand_b / total_demand))`.
pub fn entitlements(inst: &Instance) -> BTreeMap<String, u32> {
    match Prepared::new(inst) {
        Ok(p) => p.entitled_map(),
        Err(_) => BTreeMap::new(),
    }
}

/// Everything the engines derive from an instance, validated, in a canonical
/// order that does not depend on the order of the input vectors.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    /// Household indices in lottery order (rank, then id).
    pub hh_order: Vec<usize>,
    /// `pos[h]`: place of household h in `hh_order`.
    pub pos: Vec<usize>,
    /// Resource indices in id byte order.
    pub res_order: Vec<usize>,
    /// `res_rank[r]`: place of resource r in `res_order`.
    pub res_rank: Vec<usize>,
    pub pinned_res: Vec<bool>,
    pub pins: Vec<(usize, usize)>,
    pub pinned_units: Vec<u32>,
    /// Remaining demand after pins.
    pub rem: Vec<u32>,
    /// How many more accessible spaces count in 1a for h (0 or 1).
    pub permit_cap: Vec<u32>,
    /// How many more charger-only spaces count in 1a for h.
    pub ev_cap: Vec<u32>,
    /// Priority classes, duplicates removed, in listed order.
    pub classes: Vec<PriorityClass>,
    /// Sorted distinct building names.
    pub buildings: Vec<String>,
    /// `hb[h]`: building index of h.
    pub hb: Vec<usize>,
    pub entitled: Vec<u32>,
    pub pinned_b: Vec<u32>,
    pub share: bool,
    pub keep: bool,
}

impl Prepared {
    pub fn new(inst: &Instance) -> Result<Prepared, SolveError> {
        let n = inst.households.len();
        let m = inst.resources.len();
        for (h, d) in inst.households.iter().enumerate() {
            match inst.walk.get(d.group) {
                Some(row) if row.len() >= m => {}
                _ => {
                    return Err(SolveError::InvalidInstance(format!(
                        "household {} (index {h}) has no walking distances for all {m} resources",
                        d.id
                    )))
                }
            }
            for &r in d.incumbents.iter().chain(d.preferences.iter().flatten()) {
                if r >= m {
                    return Err(SolveError::InvalidInstance(format!(
                        "household {} refers to resource index {r} of {m}",
                        d.id
                    )));
                }
            }
        }
        let mut pinned_res = vec![false; m];
        let mut pinned_units = vec![0u32; n];
        let mut acc_pins = vec![0u32; n];
        let mut chg_pins = vec![0u32; n];
        let mut pins = inst.pins.clone();
        pins.sort_unstable();
        for &(h, r) in &pins {
            if h >= n || r >= m {
                return Err(SolveError::InvalidInstance(format!(
                    "pin ({h}, {r}) is out of range ({n} households, {m} resources)"
                )));
            }
            if pinned_res[r] {
                return Err(SolveError::Infeasible {
                    rule: "pin-twice".into(),
                    message: format!("resource {} is pinned twice", inst.resources[r].id),
                });
            }
            pinned_res[r] = true;
            pinned_units[h] += 1;
            match inst.resources[r].reservation() {
                Reservation::Permit => acc_pins[h] += 1,
                Reservation::Ev => chg_pins[h] += 1,
                Reservation::None => {}
            }
        }
        for h in 0..n {
            if pinned_units[h] > inst.households[h].demand {
                return Err(SolveError::Infeasible {
                    rule: "pin-beyond-demand".into(),
                    message: format!(
                        "household {} is pinned {} resources but wants {}",
                        inst.households[h].id, pinned_units[h], inst.households[h].demand
                    ),
                });
            }
        }
        let mut hh_order: Vec<usize> = (0..n).collect();
        hh_order.sort_by(|&a, &b| {
            let (x, y) = (&inst.households[a], &inst.households[b]);
            (x.lottery_rank, &x.id, a).cmp(&(y.lottery_rank, &y.id, b))
        });
        let mut pos = vec![0; n];
        for (i, &h) in hh_order.iter().enumerate() {
            pos[h] = i;
        }
        let mut res_order: Vec<usize> = (0..m).collect();
        res_order.sort_by(|&a, &b| {
            (inst.resources[a].id.as_bytes(), a).cmp(&(inst.resources[b].id.as_bytes(), b))
        });
        let mut res_rank = vec![0; m];
        for (i, &r) in res_order.iter().enumerate() {
            res_rank[r] = i;
        }
        let rem: Vec<u32> = (0..n)
            .map(|h| inst.households[h].demand.saturating_sub(pinned_units[h]))
            .collect();
        let permit_cap = (0..n)
            .map(|h| u32::from(inst.households[h].permit && acc_pins[h] == 0).min(rem[h]))
            .collect();
        let ev_cap = (0..n)
            .map(|h| {
                let d = &inst.households[h];
                d.evs.min(d.demand).saturating_sub(chg_pins[h]).min(rem[h])
            })
            .collect();
        let mut classes = Vec::new();
        for &c in &inst.priority {
            if !classes.contains(&c) {
                classes.push(c);
            }
        }
        let mut buildings: Vec<String> =
            inst.households.iter().map(|d| d.building.clone()).collect();
        buildings.sort();
        buildings.dedup();
        let hb: Vec<usize> = inst
            .households
            .iter()
            .map(|d| buildings.binary_search(&d.building).unwrap_or(0))
            .collect();
        let mut prep = Prepared {
            hh_order,
            pos,
            res_order,
            res_rank,
            pinned_res,
            pins,
            pinned_units,
            rem,
            permit_cap,
            ev_cap,
            classes,
            entitled: vec![0; buildings.len()],
            pinned_b: vec![0; buildings.len()],
            buildings,
            hb,
            share: inst.building_share == BuildingShare::Proportional,
            keep: inst.stability == Stability::KeepIncumbents,
        };
        prep.compute_entitlements(inst);
        Ok(prep)
    }

    /// Whether h may be given r by the optimiser (unpinned, within reach).
    pub fn open(&self, inst: &Instance, h: usize, r: usize) -> bool {
        !self.pinned_res[r] && self.rem[h] > 0 && inst.eligible(h, r)
    }

    fn compute_entitlements(&mut self, inst: &Instance) {
        let nb = self.buildings.len();
        let mut demand_b = vec![0u64; nb];
        for (h, d) in inst.households.iter().enumerate() {
            demand_b[self.hb[h]] += u64::from(d.demand);
            self.pinned_b[self.hb[h]] += self.pinned_units[h];
        }
        let total: u64 = demand_b.iter().sum();
        let supply = inst.resources.len() as u64;
        for b in 0..nb {
            if total == 0 {
                continue;
            }
            let prop = supply * demand_b[b] / total;
            let alone = u64::from(self.pinned_b[b]) + u64::from(flow::alone(inst, self, b));
            self.entitled[b] = demand_b[b].min(alone).min(prop) as u32;
        }
    }

    pub fn entitled_map(&self) -> BTreeMap<String, u32> {
        self.buildings
            .iter()
            .cloned()
            .zip(self.entitled.iter().copied())
            .collect()
    }

    /// Builds the `Solution` of an assignment (pins must be included).
    pub fn solution(&self, inst: &Instance, mut assigned: Vec<(usize, usize)>) -> Solution {
        assigned.sort_unstable();
        assigned.dedup();
        let stages = self.evaluate(inst, &assigned);
        Solution {
            assigned,
            stages,
            entitled: self.entitled_map(),
        }
    }

    /// Units served per household.
    pub fn served(&self, inst: &Instance, assigned: &[(usize, usize)]) -> Vec<u32> {
        let mut s = vec![0u32; inst.households.len()];
        for &(h, _) in assigned {
            if let Some(x) = s.get_mut(h) {
                *x += 1;
            }
        }
        s
    }

    /// Every stage value of an assignment (pins included).
    pub fn evaluate(&self, inst: &Instance, assigned: &[(usize, usize)]) -> Vec<StageValue> {
        let n = inst.households.len();
        let served = self.served(inst, assigned);
        let mut acc = vec![0u32; n];
        let mut chg = vec![0u32; n];
        let mut kept = 0u32;
        let mut longest = 0f64;
        let mut total = 0f64;
        for &(h, r) in assigned {
            let d = &inst.households[h];
            match inst.resources[r].reservation() {
                Reservation::Permit => acc[h] += 1,
                Reservation::Ev => chg[h] += 1,
                Reservation::None => {}
            }
            if self.keep && d.incumbents.contains(&r) {
                kept += 1;
            }
            let w = inst.walk_of(h, r);
            if w.is_finite() {
                longest = longest.max(w);
                total += w;
            }
        }
        let mut reserved = 0u32;
        for (h, d) in inst.households.iter().enumerate() {
            if d.permit {
                reserved += acc[h].min(1);
            }
            if d.evs > 0 {
                reserved += chg[h].min(d.evs.min(d.demand));
            }
        }
        let mut out = vec![StageValue {
            name: stage_names::RESERVED.into(),
            value: f64::from(reserved),
        }];
        for &c in &self.classes {
            let v: u32 = (0..n)
                .filter(|&h| inst.households[h].in_class(c))
                .map(|h| served[h])
                .sum();
            out.push(StageValue {
                name: format!("{}{}", stage_names::PRIORITY_PREFIX, class_name(c)),
                value: f64::from(v),
            });
        }
        out.push(StageValue {
            name: stage_names::SERVED.into(),
            value: f64::from(served.iter().sum::<u32>()),
        });
        if self.share {
            let mut sb = vec![0u32; self.buildings.len()];
            for h in 0..n {
                sb[self.hb[h]] += served[h];
            }
            let met: u32 = sb
                .iter()
                .zip(&self.entitled)
                .map(|(s, e)| (*s).min(*e))
                .sum();
            out.push(StageValue {
                name: stage_names::BUILDING_SHARE.into(),
                value: f64::from(met),
            });
        }
        if self.keep {
            out.push(StageValue {
                name: stage_names::INCUMBENTS.into(),
                value: f64::from(kept),
            });
        }
        let prefix = self
            .hh_order
            .iter()
            .take_while(|&&h| served[h] >= inst.households[h].demand)
            .count();
        out.push(StageValue {
            name: stage_names::LOTTERY.into(),
            value: prefix as f64,
        });
        out.push(StageValue {
            name: stage_names::LONGEST_WALK.into(),
            value: longest,
        });
        out.push(StageValue {
            name: stage_names::TOTAL_WALK.into(),
            value: total,
        });
        out
    }
}

/// Hand-built instances for the tests of every engine.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::instance::{Demand, Instance, Slot};
    use crate::model::{BuildingShare, ResourceKind, Stability};

    /// A household of its own unit `group`, drawn at `rank`, wanting one unit.
    pub fn hh(id: &str, building: &str, group: usize, rank: usize) -> Demand {
        Demand {
            id: id.into(),
            building: building.into(),
            group,
            demand: 1,
            lottery_rank: rank,
            permit: false,
            elderly: false,
            evs: 0,
            incumbents: Vec::new(),
            preferences: Vec::new(),
            waited: 0,
        }
    }

    pub fn slot(id: &str) -> Slot {
        Slot {
            id: id.into(),
            accessible: false,
            charger: false,
            zone: None,
        }
    }

    pub fn instance(
        households: Vec<Demand>,
        resources: Vec<Slot>,
        walk: Vec<Vec<f64>>,
    ) -> Instance {
        Instance {
            kind: ResourceKind::ParkingSpace,
            households,
            resources,
            walk,
            max_walk_m: 100.0,
            priority: Vec::new(),
            building_share: BuildingShare::None,
            stability: Stability::None,
            pins: Vec::new(),
        }
    }

    /// `(household id, resource id)` pairs of an assignment, sorted.
    pub fn by_id(inst: &Instance, assigned: &[(usize, usize)]) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = assigned
            .iter()
            .map(|&(h, r)| (inst.households[h].id.clone(), inst.resources[r].id.clone()))
            .collect();
        v.sort();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;
    use rstest::rstest;

    const OUT: f64 = 1000.0;

    /// A permit holder eligible for the accessible space and a regular one, an
    /// outsider eligible only for the accessible one (drawn first).
    fn reservation_beats_total_served() -> Instance {
        let mut p = hh("p", "B1", 0, 1);
        p.permit = true;
        let o = hh("o", "B1", 1, 0);
        let mut a = slot("A");
        a.accessible = true;
        instance(
            vec![p, o],
            vec![a, slot("R")],
            vec![vec![10.0, 10.0], vec![10.0, OUT]],
        )
    }

    /// Two buildings of two households each, two spaces everyone reaches; B1 drew first.
    fn building_share_splits_the_spaces() -> Instance {
        let hs = vec![
            hh("b1x", "B1", 0, 0),
            hh("b1y", "B1", 0, 1),
            hh("b2x", "B2", 1, 2),
            hh("b2y", "B2", 1, 3),
        ];
        let mut inst = instance(
            hs,
            vec![slot("S1"), slot("S2")],
            vec![vec![5.0, 6.0], vec![5.0, 6.0]],
        );
        inst.building_share = BuildingShare::Proportional;
        inst
    }

    fn building_share_none_follows_the_lottery() -> Instance {
        let mut inst = building_share_splits_the_spaces();
        inst.building_share = BuildingShare::None;
        inst
    }

    /// One space; the later-drawn household held it before.
    fn incumbents_are_kept() -> Instance {
        let mut late = hh("late", "B1", 0, 1);
        late.incumbents = vec![0];
        let mut inst = instance(
            vec![hh("early", "B1", 0, 0), late],
            vec![slot("S")],
            vec![vec![5.0]],
        );
        inst.stability = Stability::KeepIncumbents;
        inst
    }

    fn without_stability_the_lottery_decides() -> Instance {
        let mut inst = incumbents_are_kept();
        inst.stability = Stability::None;
        inst
    }

    /// The longest walk is minimised before the total walk.
    fn the_longest_walk_is_minimised_first() -> Instance {
        instance(
            vec![hh("h1", "B1", 0, 0), hh("h2", "B1", 1, 1)],
            vec![slot("S1"), slot("S2")],
            vec![vec![10.0, 20.0], vec![10.0, 50.0]],
        )
    }

    /// Equal walks: the preference decides, else the id in byte order ("P10" < "P9").
    fn equal_walks_go_to_the_preference() -> Instance {
        let mut h = hh("h", "B1", 0, 0);
        h.preferences = vec![vec![1]];
        instance(vec![h], vec![slot("P10"), slot("P9")], vec![vec![7.0, 7.0]])
    }

    fn equal_walks_without_preference_go_by_id() -> Instance {
        instance(
            vec![hh("h", "B1", 0, 0)],
            vec![slot("P9"), slot("P10")],
            vec![vec![7.0, 7.0]],
        )
    }

    /// Lottery h1 < h2 < h3 < h4; buildings {h1, h2} and {h3, h4} are each
    /// entitled to one of two spaces; r1 reaches h1, h3 and r2 reaches h2, h4.
    /// Lexicographically (h1, h4) beats (h2, h3) although linear lottery
    /// weights tie and the walks favour (h2, h3).
    fn the_lottery_is_lexicographic_not_weighted() -> Instance {
        let hs = vec![
            hh("h1", "B1", 0, 0),
            hh("h2", "B1", 1, 1),
            hh("h3", "B2", 2, 2),
            hh("h4", "B2", 3, 3),
        ];
        let walk = vec![
            vec![30.0, OUT],
            vec![OUT, 1.0],
            vec![1.0, OUT],
            vec![OUT, 30.0],
        ];
        let mut inst = instance(hs, vec![slot("r1"), slot("r2")], walk);
        inst.building_share = BuildingShare::Proportional;
        inst
    }

    /// Each lower bound on the longest walk allows 10 m on its own — every
    /// unit fits (A→S1, B→S2, C→P), A's reserved unit fits (A→P), B's kept
    /// space fits — but together they push C out to 40 m: the engine's one
    /// check at the bound fails and it must search upwards.
    fn the_longest_walk_can_lie_above_every_bound() -> Instance {
        let mut a = hh("A", "B1", 0, 0);
        a.permit = true;
        let mut b = hh("B", "B1", 1, 1);
        b.incumbents = vec![2];
        let mut p = slot("P");
        p.accessible = true;
        let mut inst = instance(
            vec![a, b, hh("C", "B1", 2, 2)],
            vec![p, slot("S1"), slot("S2"), slot("S3")],
            vec![
                vec![10.0, 10.0, OUT, OUT],
                vec![OUT, OUT, 10.0, OUT],
                vec![10.0, 40.0, 10.0, 40.0],
            ],
        );
        inst.stability = Stability::KeepIncumbents;
        inst
    }

    /// A pin holds whatever the walk or the reservation.
    fn pins_hold_before_everything() -> Instance {
        let mut inst = reservation_beats_total_served();
        inst.pins = vec![(1, 0)];
        inst
    }

    #[rstest]
    #[case::reservation(reservation_beats_total_served(), &[("p", "A")])]
    #[case::share(building_share_splits_the_spaces(), &[("b1x", "S1"), ("b2x", "S2")])]
    #[case::no_share(building_share_none_follows_the_lottery(), &[("b1x", "S1"), ("b1y", "S2")])]
    #[case::incumbent(incumbents_are_kept(), &[("late", "S")])]
    #[case::no_stability(without_stability_the_lottery_decides(), &[("early", "S")])]
    #[case::longest_walk(the_longest_walk_is_minimised_first(), &[("h1", "S2"), ("h2", "S1")])]
    #[case::preference(equal_walks_go_to_the_preference(), &[("h", "P9")])]
    #[case::id_order(equal_walks_without_preference_go_by_id(), &[("h", "P10")])]
    #[case::lexicographic(the_lottery_is_lexicographic_not_weighted(), &[("h1", "r1"), ("h4", "r2")])]
    #[case::pin(pins_hold_before_everything(), &[("o", "A"), ("p", "R")])]
    #[case::above_the_bounds(the_longest_walk_can_lie_above_every_bound(), &[("A", "P"), ("B", "S2"), ("C", "S1")])]
    fn optimal_cases_worked_out_by_hand(#[case] inst: Instance, #[case] want: &[(&str, &str)]) {
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(h, r)| (h.to_string(), r.to_string()))
            .collect();
        let flow = solve(&inst, Mechanism::Optimal, Engine::Flow).unwrap();
        assert_eq!(fixtures::by_id(&inst, &flow.assigned), want, "flow");
        let milp = solve(
            &inst,
            Mechanism::Optimal,
            Engine::Milp(MilpBackend::Microlp),
        )
        .unwrap();
        assert_eq!(milp.stages, flow.stages, "milp stages");
    }

    #[test]
    fn entitlements_are_proportional_and_capped_by_what_a_building_can_reach() {
        let inst = building_share_splits_the_spaces();
        let e = entitlements(&inst);
        assert_eq!(e.get("B1"), Some(&1));
        assert_eq!(e.get("B2"), Some(&1));
        // B2 reaches nothing: alone_B2 = 0.
        let mut inst = inst;
        inst.walk[1] = vec![OUT, OUT];
        let e = entitlements(&inst);
        assert_eq!(e.get("B1"), Some(&1));
        assert_eq!(e.get("B2"), Some(&0));
    }

    #[test]
    fn stage_names_are_stable() {
        let mut inst = building_share_splits_the_spaces();
        inst.priority = vec![crate::model::PriorityClass::Elderly];
        inst.stability = Stability::KeepIncumbents;
        let sol = solve(&inst, Mechanism::Optimal, Engine::Flow).unwrap();
        let names: Vec<&str> = sol.stages.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "1a reserved units on reserved spaces",
                "1b priority elderly",
                "1c units served",
                "2 building share met",
                "3 incumbents kept",
                "4 lottery",
                "5 longest walk m",
                "5 total walk m"
            ]
        );
    }

    #[rstest]
    #[case::no_households(instance(vec![], vec![slot("S")], vec![vec![1.0]]))]
    #[case::no_resources(instance(vec![hh("h", "B", 0, 0)], vec![], vec![vec![]]))]
    #[case::zero_demand(instance(vec![instance::Demand { demand: 0, ..hh("h", "B", 0, 0) }], vec![slot("S")], vec![vec![1.0]]))]
    #[case::nan_walk(instance(vec![hh("h", "B", 0, 0)], vec![slot("S")], vec![vec![f64::NAN]]))]
    fn degenerate_instances_serve_nobody_without_panicking(#[case] inst: Instance) {
        for mech in [Mechanism::Optimal, Mechanism::SerialDictatorship] {
            let sol = solve(&inst, mech, Engine::Flow).unwrap();
            assert!(sol.assigned.is_empty());
        }
        let sol = solve(
            &inst,
            Mechanism::Optimal,
            Engine::Milp(MilpBackend::Microlp),
        )
        .unwrap();
        assert!(sol.assigned.is_empty());
    }

    #[rstest]
    #[case::pin_out_of_range(vec![(0, 5)], "invalid instance")]
    #[case::pinned_twice(vec![(0, 0), (1, 0)], "pin-twice")]
    #[case::beyond_demand(vec![(0, 0), (0, 1)], "pin-beyond-demand")]
    fn bad_pins_are_errors_naming_the_rule(#[case] pins: Vec<(usize, usize)>, #[case] rule: &str) {
        let mut inst = the_longest_walk_is_minimised_first();
        inst.pins = pins;
        let err = solve(&inst, Mechanism::Optimal, Engine::Flow).unwrap_err();
        assert!(err.to_string().contains(rule), "{err}");
    }

    #[test]
    fn a_walk_matrix_too_small_is_an_error_not_a_panic() {
        let inst = instance(vec![hh("h", "B", 3, 0)], vec![slot("S")], vec![vec![1.0]]);
        assert!(matches!(
            solve(&inst, Mechanism::Optimal, Engine::Flow),
            Err(SolveError::InvalidInstance(_))
        ));
    }
}
