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
    /// The request gave up (time limit or client gone): see [`crate::cancel`].
    #[error("cancelled: the request gave up before the solve finished")]
    Cancelled,
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
    // Nothing to protect (a first round): no copy of the instance.
    let protected;
    let inst = match inst.stability {
        Stability::Protect if inst.households.iter().any(|d| !d.incumbents.is_empty()) => {
            protected = protect::with_protected_pins(inst);
            &protected
        }
        _ => inst,
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

#[cfg(test)]
pub(crate) mod fixtures;

#[cfg(test)]
mod tests;
