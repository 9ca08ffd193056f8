//! The smallest walking limit under which a fixed number of units per group
//! can still all be served: a bipartite b-matching (groups with demands,
//! resources with capacity 1), checked by Hopcroft–Karp phases.
//!
//! Every household of a group sees the same resources, so whether the
//! served units `x` fit under a limit depends only on each group's total;
//! reservations and incumbency only add rewards, never reach. This is a
//! lower bound on stage 5's longest walk, usually the answer itself; the
//! caller confirms it with the full lexicographic check.
//!
//! The limits are tried by binary search. A matching found under a limit
//! stays valid under every larger one, so each check starts from the
//! matching of the largest limit found too small so far.

const NONE: u32 = u32::MAX;
const FAR: u32 = u32::MAX;

/// Groups (left) and resources (right); each group's arcs sorted by walk.
pub(super) struct Bipartite {
    demand: Vec<u32>,
    /// Per group, `(walk, resource)` in increasing walk.
    arcs: Vec<Vec<(f64, u32)>>,
    resources: usize,
}

#[derive(Clone)]
struct Matching {
    mate: Vec<u32>,
    load: Vec<u32>,
}

impl Bipartite {
    /// `arcs[g]` need not be sorted; walks must be finite.
    pub(super) fn new(demand: Vec<u32>, mut arcs: Vec<Vec<(f64, u32)>>, resources: usize) -> Self {
        for row in &mut arcs {
            row.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        }
        Bipartite {
            demand,
            arcs,
            resources,
        }
    }

    /// The total demand.
    pub(super) fn need(&self) -> u64 {
        self.demand.iter().map(|&d| u64::from(d)).sum()
    }

    /// The most units that can be matched, with no walking limit.
    pub(super) fn max_matched(&self) -> u64 {
        let mut m = Matching {
            mate: vec![NONE; self.resources],
            load: vec![0; self.demand.len()],
        };
        self.saturate(&mut m, f64::INFINITY)
    }

    /// The first index `i` of `limits` (sorted ascending) under which at
    /// least `need` units can be matched, or `limits.len()` if none.
    pub(super) fn first_feasible(&self, limits: &[f64], need: u64) -> usize {
        let mut warm = Matching {
            mate: vec![NONE; self.resources],
            load: vec![0; self.demand.len()],
        };
        let (mut lo, mut hi) = (0usize, limits.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let mut m = warm.clone();
            if self.saturate(&mut m, limits[mid]) >= need {
                hi = mid;
            } else {
                warm = m;
                lo = mid + 1;
            }
        }
        lo
    }

    /// Augments `m` to a maximum matching under `limit`; returns its size.
    fn saturate(&self, m: &mut Matching, limit: f64) -> u64 {
        let groups = self.demand.len();
        let end: Vec<usize> = self
            .arcs
            .iter()
            .map(|row| row.partition_point(|&(w, _)| w <= limit))
            .collect();
        let mut dist = vec![FAR; groups];
        let mut next = vec![0usize; groups];
        let mut queue = Vec::with_capacity(groups);
        loop {
            // Layers from the groups still short.
            queue.clear();
            for u in 0..groups {
                if m.load[u] < self.demand[u] {
                    dist[u] = 0;
                    queue.push(u);
                } else {
                    dist[u] = FAR;
                }
            }
            let mut free_found = false;
            let mut head = 0;
            while head < queue.len() {
                let u = queue[head];
                head += 1;
                for &(_, r) in &self.arcs[u][..end[u]] {
                    let v = m.mate[r as usize];
                    if v == NONE {
                        free_found = true;
                    } else if dist[v as usize] == FAR {
                        dist[v as usize] = dist[u] + 1;
                        queue.push(v as usize);
                    }
                }
            }
            if !free_found {
                break;
            }
            next.iter_mut().for_each(|x| *x = 0);
            let mut grew = false;
            for u in 0..groups {
                while dist[u] == 0 && m.load[u] < self.demand[u] {
                    if !self.augment(m, u, &end, &mut dist, &mut next) {
                        break;
                    }
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
        m.load.iter().map(|&l| u64::from(l)).sum()
    }

    /// One augmenting path from `root` along the layers (iterative DFS with
    /// current-arc pointers; a node found useless leaves the layers).
    fn augment(
        &self,
        m: &mut Matching,
        root: usize,
        end: &[usize],
        dist: &mut [u32],
        next: &mut [usize],
    ) -> bool {
        let mut stack = vec![root];
        let mut via: Vec<u32> = Vec::new();
        while let Some(&u) = stack.last() {
            let mut descended = false;
            while next[u] < end[u] {
                let r = self.arcs[u][next[u]].1;
                next[u] += 1;
                let v = m.mate[r as usize];
                if v == NONE {
                    via.push(r);
                    for (&g, &r) in stack.iter().zip(&via) {
                        m.mate[r as usize] = g as u32;
                    }
                    m.load[root] += 1;
                    return true;
                }
                if dist[v as usize] == dist[u].wrapping_add(1) {
                    via.push(r);
                    stack.push(v as usize);
                    descended = true;
                    break;
                }
            }
            if !descended {
                dist[u] = FAR;
                stack.pop();
                via.pop();
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::{Rng, SeedableRng};

    /// The most units matched under `limit`, by trying every way of
    /// handing resources to groups (tiny instances only).
    fn most_by_brute_force(demand: &[u32], arcs: &[Vec<(f64, u32)>], m: usize, limit: f64) -> u64 {
        fn go(r: usize, m: usize, left: &mut [u32], ok: &dyn Fn(usize, usize) -> bool) -> u64 {
            if r == m {
                return 0;
            }
            let mut best = go(r + 1, m, left, ok);
            for g in 0..left.len() {
                if left[g] > 0 && ok(g, r) {
                    left[g] -= 1;
                    best = best.max(1 + go(r + 1, m, left, ok));
                    left[g] += 1;
                }
            }
            best
        }
        let ok = |g: usize, r: usize| arcs[g].iter().any(|&(w, x)| x as usize == r && w <= limit);
        go(0, m, &mut demand.to_vec(), &ok)
    }

    #[test]
    fn a_group_that_needs_two_spaces_waits_for_the_second_nearest() {
        let b = Bipartite::new(vec![2], vec![vec![(30.0, 1), (10.0, 0)]], 2);
        assert_eq!(b.first_feasible(&[10.0, 30.0], 2), 1);
    }

    #[test]
    fn a_shared_space_pushes_one_group_to_its_farther_choice() {
        // Both groups want resource 0 at 5 m; group 1 also reaches resource 1 at 40 m.
        let arcs = vec![vec![(5.0, 0)], vec![(5.0, 0), (40.0, 1)]];
        let b = Bipartite::new(vec![1, 1], arcs, 2);
        assert_eq!(b.first_feasible(&[5.0, 40.0], 2), 1);
    }

    #[test]
    fn demand_that_cannot_be_met_under_any_limit_reports_none() {
        let b = Bipartite::new(vec![3], vec![vec![(1.0, 0), (2.0, 1)]], 2);
        assert_eq!(b.first_feasible(&[1.0, 2.0], 3), 2);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn the_first_limit_reaching_any_target_matches_brute_force(seed in any::<u64>()) {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let groups = rng.random_range(1..=4usize);
            let m = rng.random_range(1..=6usize);
            let mut arcs = vec![Vec::new(); groups];
            let mut limits = Vec::new();
            for row in arcs.iter_mut() {
                for r in 0..m {
                    if rng.random_bool(0.6) {
                        let w = f64::from(rng.random_range(1..=8u32));
                        row.push((w, r as u32));
                        limits.push(w);
                    }
                }
            }
            limits.sort_by(f64::total_cmp);
            limits.dedup();
            let demand: Vec<u32> = (0..groups).map(|_| rng.random_range(0..=2)).collect();
            let b = Bipartite::new(demand.clone(), arcs.clone(), m);
            let most: Vec<u64> = limits
                .iter()
                .map(|&l| most_by_brute_force(&demand, &arcs, m, l))
                .collect();
            let total: u64 = demand.iter().map(|&d| u64::from(d)).sum();
            for need in 0..=total {
                let want = most.iter().position(|&k| k >= need).unwrap_or(limits.len());
                prop_assert_eq!(b.first_feasible(&limits, need), want, "need {}", need);
            }
            prop_assert_eq!(b.max_matched(), most_by_brute_force(&demand, &arcs, m, f64::INFINITY));
        }
    }
}
