//! The path search of the lottery stage: breadth first over residual arcs of
//! zero reduced cost (the optimal face of stages 1–3), avoiding blocked arcs
//! and nodes already known not to reach the target.
//!
//! A unit's channel is joined to every resource in reach, so a plain search
//! rescans all of those arcs at every channel it visits although nearly
//! every resource was reached at the first one. Such *hubs* get a dense
//! table resource → arc instead, and a visit walks only the resources not
//! reached yet (a list that shrinks as the search goes). Same paths found,
//! same nodes visited as the plain search, in less time.

use super::mcf::{Mcf, Weight};
use std::collections::VecDeque;
use std::ops::Range;

const NONE: u32 = u32::MAX;

/// A node whose arcs to the resource nodes are indexed densely.
struct Hub {
    /// The arcs to resources are `out_edges(u)[start..end]`.
    start: usize,
    end: usize,
    /// `edge[r - lo]`: the arc to resource node `r`, or `NONE`.
    edge: Vec<u32>,
}

pub struct ZeroSearch {
    lo: usize,
    hi: usize,
    hubs: Vec<Option<Hub>>,
    /// Per resource node: its forward edges (to the sink) and the one
    /// residual reverse edge back to the owner holding it, if any — at
    /// most one unit enters a resource. `None` for a resource where that
    /// does not hold; it is then scanned in full.
    holder: Vec<Option<(Vec<u32>, u32)>>,
}

impl ZeroSearch {
    /// `resources`: the contiguous range of resource node ids.
    pub fn new<W: Weight>(g: &Mcf<W>, resources: Range<usize>) -> ZeroSearch {
        let (lo, hi) = (resources.start, resources.end.max(resources.start));
        let threshold = ((hi - lo) / 8).max(32);
        let mut hubs = Vec::with_capacity(g.nodes());
        for u in 0..g.nodes() {
            let adj = g.out_edges(u);
            let mut hub = None;
            if adj.len() >= threshold {
                let inside = |&e: &u32| (lo..hi).contains(&g.head(e as usize));
                let start = adj.iter().position(inside);
                let end = adj.iter().rposition(inside).map(|j| j + 1);
                if let (Some(start), Some(end)) = (start, end) {
                    // Only when the arcs to resources form one block, one
                    // arc per resource.
                    let mut edge = vec![NONE; hi - lo];
                    let mut ok = adj[start..end].iter().all(inside);
                    for &e in &adj[start..end] {
                        let slot = &mut edge[g.head(e as usize) - lo];
                        ok &= *slot == NONE;
                        *slot = e;
                    }
                    if ok {
                        hub = Some(Hub { start, end, edge });
                    }
                }
            }
            hubs.push(hub);
        }
        let holder = (lo..hi)
            .map(|r| {
                let adj = g.out_edges(r);
                let forward: Vec<u32> = adj.iter().copied().filter(|e| e % 2 == 0).collect();
                let mut held = adj
                    .iter()
                    .copied()
                    .filter(|&e| e % 2 == 1 && g.residual(e as usize) > 0);
                let first = held.next().unwrap_or(NONE);
                held.next().is_none().then_some((forward, first))
            })
            .collect();
        ZeroSearch {
            lo,
            hi,
            hubs,
            holder,
        }
    }

    /// Keeps the holders current after `amount > 0` was pushed along `edges`.
    pub fn pushed<W: Weight>(&mut self, g: &Mcf<W>, edges: &[usize]) {
        for &e in edges {
            let (u, v) = (g.head(e ^ 1), g.head(e));
            if e % 2 == 0 && (self.lo..self.hi).contains(&v) {
                if let Some((_, h)) = &mut self.holder[v - self.lo] {
                    *h = (e ^ 1) as u32;
                }
            }
            if e % 2 == 1 && (self.lo..self.hi).contains(&u) && g.residual(e) == 0 {
                if let Some((_, h)) = &mut self.holder[u - self.lo] {
                    if *h == e as u32 {
                        *h = NONE;
                    }
                }
            }
        }
    }

    /// A path of residual edges from `from` to `to` whose edges are flagged
    /// in `zero`, not `blocked` (by edge pair) and through no `dead` node;
    /// or, when there is none, every node reached.
    pub fn path<W: Weight>(
        &self,
        g: &Mcf<W>,
        from: usize,
        to: usize,
        zero: &[bool],
        blocked: &[bool],
        dead: &[bool],
    ) -> Result<Vec<usize>, Vec<usize>> {
        let n = g.nodes();
        let mut seen = vec![false; n];
        let mut pred = vec![NONE; n];
        let mut queue = VecDeque::from([from]);
        let mut visited = vec![from];
        // Resources not reached yet, with their places in the list.
        let mut unseen: Vec<u32> = (self.lo..self.hi)
            .filter(|&v| !dead[v])
            .map(|v| v as u32)
            .collect();
        let mut place = vec![NONE; self.hi - self.lo];
        for (i, &v) in unseen.iter().enumerate() {
            place[v as usize - self.lo] = i as u32;
        }
        seen[from] = true;
        let usable = |e: usize| g.residual(e) > 0 && zero[e] && !blocked[e >> 1];
        let mut reached: Vec<(usize, usize)> = Vec::new();
        while let Some(u) = queue.pop_front() {
            let adj = g.out_edges(u);
            let held: [u32; 1];
            let (plain_a, plain_b, hub) = match &self.hubs[u] {
                // Walk whichever is shorter: the unseen resources or the arcs.
                Some(h) if unseen.len() < h.end - h.start => {
                    (&adj[..h.start], &adj[h.end..], Some(h))
                }
                Some(_) => (adj, &adj[..0], None),
                None => match self.holder.get(u.wrapping_sub(self.lo)) {
                    Some(Some((forward, h))) if (self.lo..self.hi).contains(&u) => {
                        held = [*h];
                        let back: &[u32] = if *h == NONE { &[] } else { &held };
                        (&forward[..], back, None)
                    }
                    _ => (adj, &adj[..0], None),
                },
            };
            reached.clear();
            for &e in plain_a.iter().chain(plain_b) {
                let e = e as usize;
                let v = g.head(e);
                if !seen[v] && !dead[v] && usable(e) {
                    reached.push((v, e));
                    seen[v] = true;
                    if (self.lo..self.hi).contains(&v) {
                        take(&mut unseen, &mut place, v - self.lo, self.lo);
                    }
                }
            }
            if let Some(h) = hub {
                let mut i = 0;
                while i < unseen.len() {
                    let v = unseen[i] as usize;
                    let e = h.edge[v - self.lo];
                    if e != NONE && usable(e as usize) {
                        reached.push((v, e as usize));
                        seen[v] = true;
                        take(&mut unseen, &mut place, v - self.lo, self.lo);
                    } else {
                        i += 1;
                    }
                }
            }
            for &(v, e) in &reached {
                pred[v] = e as u32;
                if v == to {
                    let mut path = Vec::new();
                    let mut x = to;
                    while x != from {
                        let pe = pred[x] as usize;
                        path.push(pe);
                        x = g.head(pe ^ 1);
                    }
                    path.reverse();
                    return Ok(path);
                }
                visited.push(v);
                queue.push_back(v);
            }
        }
        Err(visited)
    }
}

/// Removes resource `k` (offset from `lo`) from the unseen list.
fn take(unseen: &mut Vec<u32>, place: &mut [u32], k: usize, lo: usize) {
    let i = place[k];
    if i == NONE {
        return;
    }
    let i = i as usize;
    unseen.swap_remove(i);
    if let Some(&moved) = unseen.get(i) {
        place[moved as usize - lo] = i as u32;
    }
    place[k] = NONE;
}

#[cfg(test)]
mod tests {
    use super::super::mcf::{Cost, Mcf, ZERO};
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Plain breadth-first reachability, the reference.
    fn reachable(
        g: &Mcf<Cost>,
        from: usize,
        zero: &[bool],
        blocked: &[bool],
        dead: &[bool],
    ) -> Vec<bool> {
        let mut seen = vec![false; g.nodes()];
        seen[from] = true;
        let mut stack = vec![from];
        while let Some(u) = stack.pop() {
            for &e in g.out_edges(u) {
                let e = e as usize;
                let v = g.head(e);
                if !seen[v] && !dead[v] && g.residual(e) > 0 && zero[e] && !blocked[e >> 1] {
                    seen[v] = true;
                    stack.push(v);
                }
            }
        }
        seen
    }

    #[test]
    fn the_hub_search_finds_a_path_exactly_when_one_exists() {
        for seed in 0..300u64 {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            // s, a few channels joined to many resources, t; some flow on it.
            let channels = rng.random_range(1..6usize);
            let resources = rng.random_range(32..80usize);
            let mut g = Mcf::new(0);
            let s = g.add_node();
            let ch: Vec<usize> = (0..channels).map(|_| g.add_node()).collect();
            let res: Vec<usize> = (0..resources).map(|_| g.add_node()).collect();
            let t = g.add_node();
            for &c in &ch {
                g.add_edge(s, c, rng.random_range(0..resources as i64), ZERO);
                for &r in &res {
                    if rng.random_bool(0.8) {
                        g.add_edge(c, r, 1, ZERO);
                    }
                }
            }
            for &r in &res {
                g.add_edge(r, t, 1, ZERO);
            }
            g.simplex = seed % 2 == 0;
            let _ = g.run(s, t);
            let zero: Vec<bool> = (0..g.edge_count()).map(|_| rng.random_bool(0.9)).collect();
            let blocked: Vec<bool> = (0..g.edge_count() / 2 + 1)
                .map(|_| rng.random_bool(0.05))
                .collect();
            let dead: Vec<bool> = (0..g.nodes()).map(|_| rng.random_bool(0.05)).collect();
            let search = ZeroSearch::new(&g, res[0]..res[res.len() - 1] + 1);
            assert!(
                search.hubs.iter().any(Option::is_some),
                "seed {seed}: no hub"
            );
            for &from in ch.iter().chain([&t]) {
                let want = reachable(&g, from, &zero, &blocked, &dead);
                for to in [s, t, res[0]] {
                    if to == from {
                        continue;
                    }
                    match search.path(&g, from, to, &zero, &blocked, &dead) {
                        Ok(path) => {
                            assert!(want[to], "seed {seed}: a path that should not exist");
                            let mut at = from;
                            for &e in &path {
                                assert_eq!(g.head(e ^ 1), at);
                                assert!(g.residual(e) > 0 && zero[e] && !blocked[e >> 1]);
                                at = g.head(e);
                                assert!(!dead[at]);
                            }
                            assert_eq!(at, to);
                        }
                        Err(visited) => {
                            assert!(!want[to], "seed {seed}: missed a path");
                            let count = want.iter().filter(|&&x| x).count();
                            assert_eq!(visited.len(), count, "seed {seed}: visited set");
                        }
                    }
                }
            }
        }
    }
}
