//! Swaps `trade_up` (FORMAT.md §3 "Over time"): after the mechanism,
//! households trade what they hold by top trading cycles, so that each gets
//! something it prefers and nobody anything worse.
//!
//! Per kind, the traders hold exactly one resource of the kind, not by a
//! policy pin (protected incumbents do trade), and list preferences for the
//! kind. A trader's ranking is its preferences expanded — an id stands for
//! itself, a zone for its resources nearest first (of those within 0.05 m of
//! the nearest left, the lowest id next), a repeat keeps its first place —
//! keeping only resources it is eligible for and may hold, cut just before
//! its own resource. Reading: when its own resource is not in the expanded
//! list at all, every listed resource counts as better (listed beats
//! unlisted, as in serial dictatorship's picks).
//!
//! The cycles are found by the usual path-following walk: from a trader,
//! follow pointers until one repeats, clear that cycle, and resume from the
//! trader before it, whose pointer is then advanced past resources whose
//! holder has left. Each ranking is scanned once: O(traders + ranking lengths).

use super::instance::{Instance, Reservation};
use super::serial::TIE_M;
use std::collections::{BTreeMap, BTreeSet};

/// One trader's trade: the cycle it was on (households in pointing order,
/// starting with itself) and whose resource it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trade {
    pub cycle: Vec<usize>,
    /// The household that held the resource taken.
    pub from: usize,
    pub resource: usize,
}

/// The allocation after trading, and every trade (household → trade).
#[derive(Debug, Clone, PartialEq)]
pub struct Traded {
    /// `(household, resource)`, sorted.
    pub assigned: Vec<(usize, usize)>,
    pub trades: BTreeMap<usize, Trade>,
}

/// Whether household `h` may hold resource `r` (eligible, and of its class
/// if the resource is reserved).
pub fn may_hold(inst: &Instance, h: usize, r: usize) -> bool {
    let d = &inst.households[h];
    inst.eligible(h, r)
        && match inst.resources[r].reservation() {
            Reservation::None => true,
            Reservation::Permit => d.permit,
            Reservation::Ev => d.evs > 0,
        }
}

/// Household `h`'s preferences expanded into a list of distinct resources,
/// best first (zones nearest first, within 0.05 m the lowest id first),
/// keeping only resources it may hold.
pub fn expanded_preferences(inst: &Instance, h: usize) -> Vec<usize> {
    let m = inst.resources.len();
    let mut seen = vec![false; m];
    let mut out = Vec::new();
    for entry in &inst.households[h].preferences {
        let mut left: Vec<usize> = entry.iter().copied().filter(|&r| r < m).collect();
        left.sort_unstable();
        left.dedup();
        while !left.is_empty() {
            let nearest = left
                .iter()
                .map(|&r| inst.walk_of(h, r))
                .fold(f64::INFINITY, f64::min);
            let Some(i) = (0..left.len())
                .filter(|&i| inst.walk_of(h, left[i]) <= nearest + TIE_M + 1e-9)
                .min_by(|&a, &b| {
                    inst.resources[left[a]]
                        .id
                        .as_bytes()
                        .cmp(inst.resources[left[b]].id.as_bytes())
                        .then(left[a].cmp(&left[b]))
                })
                .or(if left.is_empty() { None } else { Some(0) })
            else {
                break;
            };
            let r = left.remove(i);
            if !seen[r] {
                seen[r] = true;
                if may_hold(inst, h, r) {
                    out.push(r);
                }
            }
        }
    }
    out
}

/// A trader's ranking: its expanded preferences cut just before its own resource.
pub fn ranking(inst: &Instance, h: usize, own: usize) -> Vec<usize> {
    let mut list = expanded_preferences(inst, h);
    if let Some(p) = list.iter().position(|&r| r == own) {
        list.truncate(p);
    }
    list
}

/// Runs top trading cycles on `assigned` (pins included); `policy_pins`
/// are the pairs that may not trade.
pub fn trade_up(
    inst: &Instance,
    assigned: &[(usize, usize)],
    policy_pins: &BTreeSet<(usize, usize)>,
) -> Traded {
    let n = inst.households.len();
    let mut held: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(h, r) in assigned {
        if h < n {
            held[h].push(r);
        }
    }
    // Traders in household index order; `own[t]`, `rank[t]` per trader.
    let mut traders: Vec<usize> = Vec::new();
    let mut own: Vec<usize> = Vec::new();
    let mut ranks: Vec<Vec<usize>> = Vec::new();
    let mut holder_of: BTreeMap<usize, usize> = BTreeMap::new(); // resource → trader slot
    for h in 0..n {
        if held[h].len() != 1
            || inst.households[h].preferences.is_empty()
            || policy_pins.contains(&(h, held[h][0]))
        {
            continue;
        }
        let r = held[h][0];
        holder_of.insert(r, traders.len());
        traders.push(h);
        own.push(r);
        ranks.push(ranking(inst, h, r));
    }
    let t = traders.len();
    let mut gone = vec![false; t];
    let mut on_path = vec![false; t];
    let mut ptr = vec![0usize; t];
    let mut gets: Vec<usize> = own.clone();
    let mut cycle_of: Vec<Vec<usize>> = vec![Vec::new(); t];
    // Where trader x points now: the holder of its best resource still held
    // by a remaining trader, or itself.
    let target = |x: usize, ptr: &mut [usize], gone: &[bool]| -> usize {
        while ptr[x] < ranks[x].len() {
            match holder_of.get(&ranks[x][ptr[x]]) {
                Some(&y) if !gone[y] => return y,
                _ => ptr[x] += 1,
            }
        }
        x
    };
    let mut path: Vec<usize> = Vec::new();
    for start in 0..t {
        if gone[start] {
            continue;
        }
        path.push(start);
        on_path[start] = true;
        while let Some(&x) = path.last() {
            let y = target(x, &mut ptr, &gone);
            if !on_path[y] {
                path.push(y);
                on_path[y] = true;
                continue;
            }
            // A cycle: from y's place on the path to the top.
            let at = path.iter().rposition(|&z| z == y).unwrap_or(path.len() - 1);
            let cycle: Vec<usize> = path.split_off(at);
            for (i, &z) in cycle.iter().enumerate() {
                let next = cycle[(i + 1) % cycle.len()];
                gets[z] = own[next];
                gone[z] = true;
                on_path[z] = false;
            }
            for (i, &z) in cycle.iter().enumerate() {
                let mut c: Vec<usize> = cycle[i..].to_vec();
                c.extend_from_slice(&cycle[..i]);
                cycle_of[z] = c;
            }
        }
    }
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(assigned.len());
    let mut trades = BTreeMap::new();
    let is_trader: BTreeMap<usize, usize> =
        traders.iter().enumerate().map(|(i, &h)| (h, i)).collect();
    for &(h, r) in assigned {
        match is_trader.get(&h) {
            Some(&x) if gets[x] != own[x] => {
                let from = traders[*holder_of.get(&gets[x]).unwrap_or(&x)];
                out.push((h, gets[x]));
                trades.insert(
                    h,
                    Trade {
                        cycle: cycle_of[x].iter().map(|&z| traders[z]).collect(),
                        from,
                        resource: gets[x],
                    },
                );
            }
            _ => out.push((h, r)),
        }
    }
    out.sort_unstable();
    Traded {
        assigned: out,
        trades,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// Everyone within reach; households `0..n` hold resource `i` each.
    fn ring(prefs: Vec<Vec<usize>>) -> (Instance, Vec<(usize, usize)>) {
        let n = prefs.len();
        let hs = prefs
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let mut d = hh(&format!("h{i}"), "B1", 0, i);
                d.preferences = p.into_iter().map(|r| vec![r]).collect();
                d
            })
            .collect();
        let rs = (0..n).map(|i| slot(&format!("S{i}"))).collect();
        let inst = instance(hs, rs, vec![vec![10.0; n]]);
        let assigned = (0..n).map(|i| (i, i)).collect();
        (inst, assigned)
    }

    #[test]
    fn a_two_cycle_swaps_and_an_unwanted_space_stays() {
        // h0 wants S1, h1 wants S0: they swap. h2 wants S0 too but points at
        // h0, who has left by then: h2 keeps S2.
        let (inst, assigned) = ring(vec![vec![1], vec![0], vec![0]]);
        let t = trade_up(&inst, &assigned, &BTreeSet::new());
        assert_eq!(t.assigned, vec![(0, 1), (1, 0), (2, 2)]);
        assert_eq!(t.trades[&0].cycle, vec![0, 1]);
        assert_eq!(t.trades[&1].from, 0);
        assert!(!t.trades.contains_key(&2));
    }

    #[test]
    fn a_policy_pin_does_not_trade_and_a_reserved_space_stays_in_its_class() {
        let (mut inst, assigned) = ring(vec![vec![1], vec![0]]);
        let pins: BTreeSet<(usize, usize)> = [(1, 1)].into();
        let t = trade_up(&inst, &assigned, &pins);
        assert_eq!(t.assigned, assigned);
        inst.resources[1].accessible = true; // h0 holds no permit
        let t = trade_up(&inst, &assigned, &BTreeSet::new());
        assert_eq!(t.assigned, assigned);
        inst.households[0].permit = true;
        let t = trade_up(&inst, &assigned, &BTreeSet::new());
        assert_eq!(t.assigned, vec![(0, 1), (1, 0)]);
    }

    #[test]
    fn a_zone_expands_nearest_first_and_within_five_centimetres_by_id() {
        let mut d = hh("h", "B1", 0, 0);
        d.preferences = vec![vec![0, 1, 2], vec![2]];
        let inst = instance(
            vec![d],
            vec![slot("Z9"), slot("Z10"), slot("Z1")],
            vec![vec![20.0, 20.04, 5.0]],
        );
        assert_eq!(expanded_preferences(&inst, 0), vec![2, 1, 0]);
        assert_eq!(ranking(&inst, 0, 1), vec![2]);
    }

    /// Brute force: every reallocation of the traders' resources among
    /// themselves; the core allocation is the one no coalition can improve on
    /// by trading its own resources.
    fn rank_of(inst: &Instance, h: usize, own: usize, r: usize) -> Option<usize> {
        // 0 = own resource, k ≥ 1 = k-th best strictly above it; None = unacceptable.
        let rk = ranking(inst, h, own);
        if r == own {
            Some(rk.len())
        } else {
            rk.iter().position(|&x| x == r)
        }
    }

    fn in_core(inst: &Instance, own: &[usize], alloc: &[usize]) -> bool {
        let t = own.len();
        // A blocking coalition S: a permutation of S's own resources making
        // everyone in S weakly better and someone strictly.
        for mask in 1u32..(1 << t) {
            let members: Vec<usize> = (0..t).filter(|i| mask & (1 << i) != 0).collect();
            let res: Vec<usize> = members.iter().map(|&i| own[i]).collect();
            let mut perm: Vec<usize> = (0..members.len()).collect();
            loop {
                let mut ok = true;
                let mut strict = false;
                for (k, &i) in members.iter().enumerate() {
                    let got = rank_of(inst, i, own[i], res[perm[k]]);
                    let now = rank_of(inst, i, own[i], alloc[i]).unwrap_or(usize::MAX);
                    match got {
                        Some(g) if g <= now => strict |= g < now,
                        _ => {
                            ok = false;
                            break;
                        }
                    }
                }
                if ok && strict {
                    return false;
                }
                if !next_perm(&mut perm) {
                    break;
                }
            }
        }
        true
    }

    fn next_perm(p: &mut [usize]) -> bool {
        let Some(i) = (1..p.len()).rev().find(|&i| p[i - 1] < p[i]) else {
            return false;
        };
        let j = (i..p.len()).rev().find(|&j| p[j] > p[i - 1]).unwrap_or(i);
        p.swap(i - 1, j);
        p[i..].reverse();
        true
    }

    #[test]
    fn ttc_is_the_unique_core_individually_rational_and_pareto_efficient_on_random_instances() {
        for seed in 0..300u64 {
            let mut rng = StdRng::seed_from_u64(seed);
            let n = rng.random_range(1..=5usize);
            let prefs: Vec<Vec<usize>> = (0..n)
                .map(|_| {
                    let k = rng.random_range(1..=n);
                    (0..k).map(|_| rng.random_range(0..n)).collect()
                })
                .collect();
            let (mut inst, assigned) = ring(prefs);
            for r in 0..n {
                inst.resources[r].accessible = rng.random_bool(0.2);
            }
            for h in 0..n {
                inst.households[h].permit = rng.random_bool(0.4);
            }
            let t = trade_up(&inst, &assigned, &BTreeSet::new());
            let own: Vec<usize> = (0..n).collect();
            let alloc: Vec<usize> = (0..n)
                .map(|h| t.assigned.iter().find(|p| p.0 == h).unwrap().1)
                .collect();
            // A permutation of the held resources.
            let mut sorted = alloc.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, own, "seed {seed}");
            for h in 0..n {
                // Individually rational, and reserved spaces only to their class.
                assert!(rank_of(&inst, h, h, alloc[h]).is_some(), "seed {seed}");
                if inst.resources[alloc[h]].accessible && alloc[h] != h {
                    assert!(inst.households[h].permit, "seed {seed}");
                }
            }
            // In the core (hence Pareto efficient: the grand coalition does not block).
            assert!(in_core(&inst, &own, &alloc), "seed {seed}: {alloc:?}");
            // Unique: no other permutation is in the core.
            let mut perm: Vec<usize> = (0..n).collect();
            loop {
                if perm != alloc
                    && (0..n).all(|h| rank_of(&inst, h, h, perm[h]).is_some())
                    && in_core(&inst, &own, &perm)
                {
                    panic!("seed {seed}: {perm:?} is also in the core");
                }
                if !next_perm(&mut perm) {
                    break;
                }
            }
        }
    }
}
