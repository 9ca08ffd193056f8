//! Per-kind metrics of an allocation (FORMAT.md §4).

use super::explain::round_walk;
use super::instance::Instance;
use super::Solution;
use crate::model::{BuildingMetrics, Household, KindMetrics, Policy, WalkStats};
use std::collections::{BTreeMap, BTreeSet};

/// Mean, nearest-rank 90th percentile and maximum, rounded to 0.1 m.
pub fn walk_stats(walks: &[f64]) -> WalkStats {
    if walks.is_empty() {
        return WalkStats {
            mean: None,
            p90: None,
            max: None,
        };
    }
    let mut sorted = walks.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    // Nearest rank: the smallest value with at least 90 % of the data at or below it.
    let rank = (0.9 * n as f64).ceil() as usize;
    let p90 = sorted[rank.clamp(1, n) - 1];
    WalkStats {
        mean: Some(round_walk(sorted.iter().sum::<f64>() / n as f64)),
        p90: Some(round_walk(p90)),
        max: Some(round_walk(sorted[n - 1])),
    }
}

/// Measures one kind. `households` is the whole roster (with `previous`
/// resolved), so that a household that no longer wants the kind still counts
/// as an incumbent who moved.
pub fn measure(
    inst: &Instance,
    sol: &Solution,
    households: &[Household],
    policy: &Policy,
) -> KindMetrics {
    let mut by_building: BTreeMap<String, BuildingMetrics> = BTreeMap::new();
    for h in households {
        by_building
            .entry(h.building.clone())
            .or_insert(BuildingMetrics {
                demand: 0,
                entitled: 0,
                served: 0,
            })
            .demand += h.demand(inst.kind, policy);
    }
    for (b, e) in &sol.entitled {
        if let Some(m) = by_building.get_mut(b) {
            m.entitled = *e;
        }
    }
    let mut walks = Vec::with_capacity(sol.assigned.len());
    let mut held: BTreeSet<(&str, &str)> = BTreeSet::new();
    for &(h, r) in &sol.assigned {
        let d = &inst.households[h];
        if let Some(m) = by_building.get_mut(&d.building) {
            m.served += 1;
        }
        walks.push(inst.walk_of(h, r));
        held.insert((d.id.as_str(), inst.resources[r].id.as_str()));
    }
    let existing: BTreeSet<&str> = inst.resources.iter().map(|r| r.id.as_str()).collect();
    let (mut kept, mut moved) = (0, 0);
    for h in households {
        for id in h.previous.get(&inst.kind).into_iter().flatten() {
            if !existing.contains(id.as_str()) {
                continue;
            }
            if held.contains(&(h.id.as_str(), id.as_str())) {
                kept += 1;
            } else {
                moved += 1;
            }
        }
    }
    KindMetrics {
        demand: by_building.values().map(|m| m.demand).sum(),
        supply: inst.resources.len() as u32,
        served: sol.assigned.len() as u32,
        by_building,
        walk_m: walk_stats(&walks),
        kept_from_previous: kept,
        moved_from_previous: moved,
        swapped: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p90_is_the_nearest_rank_value() {
        let w: Vec<f64> = (1..=10).map(f64::from).collect();
        let s = walk_stats(&w);
        assert_eq!(s.p90, Some(9.0));
        assert_eq!(s.max, Some(10.0));
        assert_eq!(s.mean, Some(5.5));
        let s = walk_stats(&[3.0, 1.0, 2.0]);
        assert_eq!(s.p90, Some(3.0), "ceil(0.9 × 3) = 3rd value");
    }

    #[test]
    fn no_served_unit_gives_no_walk_statistics() {
        assert_eq!(walk_stats(&[]).mean, None);
    }
}
