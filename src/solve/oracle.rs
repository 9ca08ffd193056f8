//! Brute force over every assignment of a tiny instance: the stages of
//! mechanism `optimal` computed by enumeration, straight from FORMAT.md §3,
//! sharing no code with the engines.

use super::instance::Instance;
use crate::model::{BuildingShare, Stability};
use std::collections::BTreeMap;

/// The oracle's verdict.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// `(name, value)` in the order of `Solution::stages`.
    pub stages: Vec<(String, f64)>,
    /// Served units per household index (pins included).
    pub served: Vec<u32>,
    pub entitled: BTreeMap<String, u32>,
}

fn class_names(inst: &Instance) -> Vec<crate::model::PriorityClass> {
    let mut v = Vec::new();
    for &c in &inst.priority {
        if !v.contains(&c) {
            v.push(c);
        }
    }
    v
}

/// Every complete assignment (pins included), as a list per resource: the
/// household holding it, if any.
fn enumerate(inst: &Instance) -> Vec<Vec<Option<usize>>> {
    let m = inst.resources.len();
    let n = inst.households.len();
    let mut holder = vec![None; m];
    let mut count = vec![0u32; n];
    for &(h, r) in &inst.pins {
        holder[r] = Some(h);
        count[h] += 1;
    }
    let pinned: Vec<bool> = holder.iter().map(|x| x.is_some()).collect();
    let mut out = Vec::new();
    fn rec(
        inst: &Instance,
        r: usize,
        pinned: &[bool],
        holder: &mut Vec<Option<usize>>,
        count: &mut Vec<u32>,
        out: &mut Vec<Vec<Option<usize>>>,
    ) {
        if r == holder.len() {
            out.push(holder.clone());
            return;
        }
        if pinned[r] {
            rec(inst, r + 1, pinned, holder, count, out);
            return;
        }
        holder[r] = None;
        rec(inst, r + 1, pinned, holder, count, out);
        for h in 0..inst.households.len() {
            let w = inst.walk[inst.households[h].group][r];
            if count[h] < inst.households[h].demand && w <= inst.max_walk_m {
                holder[r] = Some(h);
                count[h] += 1;
                rec(inst, r + 1, pinned, holder, count, out);
                count[h] -= 1;
                holder[r] = None;
            }
        }
    }
    rec(inst, 0, &pinned, &mut holder, &mut count, &mut out);
    out
}

/// `protect`, straight from FORMAT.md §3 "Over time": households in id
/// order keep their incumbents not pinned by the policy (nor already kept
/// by another), up to their demand less their pins, shortest walk first,
/// then lowest id.
fn protected_by_hand(inst: &Instance) -> Vec<(usize, usize)> {
    let mut ids: Vec<(&str, usize)> = inst
        .households
        .iter()
        .enumerate()
        .map(|(h, d)| (d.id.as_str(), h))
        .collect();
    ids.sort();
    let mut taken: Vec<usize> = inst.pins.iter().map(|p| p.1).collect();
    let mut out = Vec::new();
    for (_, h) in ids {
        let d = &inst.households[h];
        let pinned = inst.pins.iter().filter(|p| p.0 == h).count() as u32;
        let mut left = d.demand.saturating_sub(pinned);
        let mut cands: Vec<(f64, &str, usize)> = d
            .incumbents
            .iter()
            .map(|&r| (inst.walk[d.group][r], inst.resources[r].id.as_str(), r))
            .collect();
        cands.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
        for (_, _, r) in cands {
            if left > 0 && !taken.contains(&r) {
                taken.push(r);
                out.push((h, r));
                left -= 1;
            }
        }
    }
    out
}

/// Brute-force optimum of mechanism `optimal`.
pub fn optimal(inst: &Instance) -> Verdict {
    if inst.stability == Stability::Protect {
        let mut p = inst.clone();
        p.pins.extend(protected_by_hand(inst));
        p.stability = Stability::None;
        return optimal(&p);
    }
    let n = inst.households.len();
    let all = enumerate(inst);
    let classes = class_names(inst);
    let mut buildings: Vec<String> = inst.households.iter().map(|d| d.building.clone()).collect();
    buildings.sort();
    buildings.dedup();
    let bidx = |h: usize| {
        buildings
            .iter()
            .position(|b| *b == inst.households[h].building)
            .unwrap_or(0)
    };
    let served_of = |a: &Vec<Option<usize>>| {
        let mut s = vec![0u32; n];
        for h in a.iter().flatten() {
            s[*h] += 1;
        }
        s
    };
    // Entitlements: alone_b is the most units b's households get in any assignment.
    let mut demand_b = vec![0u64; buildings.len()];
    for h in 0..n {
        demand_b[bidx(h)] += u64::from(inst.households[h].demand);
    }
    let mut alone = vec![0u64; buildings.len()];
    for a in &all {
        let s = served_of(a);
        let mut sb = vec![0u64; buildings.len()];
        for h in 0..n {
            sb[bidx(h)] += u64::from(s[h]);
        }
        for b in 0..buildings.len() {
            alone[b] = alone[b].max(sb[b]);
        }
    }
    let total: u64 = demand_b.iter().sum();
    let supply = inst.resources.len() as u64;
    let entitled: Vec<u32> = (0..buildings.len())
        .map(|b| match (supply * demand_b[b]).checked_div(total) {
            None => 0,
            Some(prop) => demand_b[b].min(alone[b]).min(prop) as u32,
        })
        .collect();
    let share = inst.building_share == BuildingShare::Proportional;
    let keep = inst.stability == Stability::KeepIncumbents;
    let mut lottery: Vec<usize> = (0..n).collect();
    lottery.sort_by_key(|&h| inst.households[h].lottery_rank);

    // Score: (integer stages, served in lottery order) maximised, then walks minimised.
    let score = |a: &Vec<Option<usize>>| {
        let s = served_of(a);
        let mut acc = vec![0u32; n];
        let mut chg = vec![0u32; n];
        let mut kept = 0i64;
        let mut longest = 0f64;
        let mut sum = 0f64;
        for (r, h) in a.iter().enumerate() {
            let Some(h) = *h else { continue };
            let res = &inst.resources[r];
            if res.accessible {
                acc[h] += 1;
            } else if res.charger {
                chg[h] += 1;
            }
            if inst.households[h].incumbents.contains(&r) {
                kept += 1;
            }
            let w = inst.walk[inst.households[h].group][r];
            longest = longest.max(w);
            sum += w;
        }
        let mut ints: Vec<i64> = Vec::new();
        let mut reserved = 0i64;
        for h in 0..n {
            let d = &inst.households[h];
            if d.permit {
                reserved += i64::from(acc[h].min(1));
            }
            if d.evs > 0 {
                reserved += i64::from(chg[h].min(d.evs.min(d.demand)));
            }
        }
        ints.push(reserved);
        for &c in &classes {
            ints.push(
                (0..n)
                    .filter(|&h| inst.households[h].in_class(c))
                    .map(|h| i64::from(s[h]))
                    .sum(),
            );
        }
        ints.push(s.iter().map(|&x| i64::from(x)).sum());
        if share {
            let mut sb = vec![0u32; buildings.len()];
            for h in 0..n {
                sb[bidx(h)] += s[h];
            }
            ints.push(
                (0..buildings.len())
                    .map(|b| i64::from(sb[b].min(entitled[b])))
                    .sum(),
            );
        }
        if keep {
            ints.push(kept);
        }
        let lot: Vec<u32> = lottery.iter().map(|&h| s[h]).collect();
        (ints, lot, longest, sum, s)
    };
    let mut best = None;
    for a in &all {
        let cand = score(a);
        let better = match &best {
            None => true,
            Some((bi, bl, bw, bs, _)) => {
                let key = (&cand.0, &cand.1);
                match key.cmp(&(bi, bl)) {
                    std::cmp::Ordering::Greater => true,
                    std::cmp::Ordering::Less => false,
                    std::cmp::Ordering::Equal => cand.2 < *bw || (cand.2 == *bw && cand.3 < *bs),
                }
            }
        };
        if better {
            best = Some(cand);
        }
    }
    let (ints, _lot, longest, sum, served) = best.unwrap_or_default();
    let mut stages = Vec::new();
    let mut it = ints.iter();
    let mut next = |name: String| stages.push((name, it.next().copied().unwrap_or(0) as f64));
    next("1a reserved units on reserved spaces".into());
    for &c in &classes {
        next(format!("1b priority {}", super::class_name(c)));
    }
    next("1c units served".into());
    if share {
        next("2 building share met".into());
    }
    if keep {
        next("3 incumbents kept".into());
    }
    let prefix = lottery
        .iter()
        .take_while(|&&h| served.get(h).copied().unwrap_or(0) >= inst.households[h].demand)
        .count();
    stages.push(("4 lottery".into(), prefix as f64));
    stages.push(("5 longest walk m".into(), longest));
    stages.push(("5 total walk m".into(), sum));
    Verdict {
        stages,
        served,
        entitled: buildings.into_iter().zip(entitled).collect(),
    }
}

/// The oracle's integer stage key and walks of one given assignment, for
/// checking that an engine's assignment attains the optimum.
pub fn score_of(inst: &Instance, assigned: &[(usize, usize)]) -> Vec<(String, f64)> {
    // Reuse `optimal`'s scoring on an instance whose only assignment is this one.
    let mut fixed = inst.clone();
    fixed.pins = assigned.to_vec();
    if fixed.stability == Stability::Protect {
        // The protected holdings are among `assigned`; the stages are those of `none`.
        fixed.stability = Stability::None;
    }
    optimal_fixed(&fixed, inst)
}

fn optimal_fixed(fixed: &Instance, original: &Instance) -> Vec<(String, f64)> {
    // With every resource pinned or unavailable, enumeration yields one assignment
    // once unassigned resources are made unreachable.
    let mut f = fixed.clone();
    f.max_walk_m = f64::NEG_INFINITY;
    let mut v = optimal(&f);
    // Entitlements must come from the original instance.
    let orig = optimal_entitled(original);
    if f.building_share == BuildingShare::Proportional {
        let served = v.served.clone();
        let mut sb: BTreeMap<String, u32> = BTreeMap::new();
        for (h, d) in original.households.iter().enumerate() {
            *sb.entry(d.building.clone()).or_default() += served[h];
        }
        let met: u32 = orig
            .iter()
            .map(|(b, e)| (*e).min(sb.get(b).copied().unwrap_or(0)))
            .sum();
        for s in v.stages.iter_mut() {
            if s.0 == "2 building share met" {
                s.1 = f64::from(met);
            }
        }
    }
    v.stages
}

/// Entitlements only.
pub fn optimal_entitled(inst: &Instance) -> BTreeMap<String, u32> {
    optimal(inst).entitled
}
