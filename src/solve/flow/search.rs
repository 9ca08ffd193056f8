//! The path search of the lottery stage: breadth first over residual arcs of
//! zero reduced cost (the optimal face of stages 1–3), avoiding blocked arcs
//! and nodes already known not to reach the target.
//!
//! A unit's channel is joined to every resource in reach, so a plain search
//! rescans all of those arcs at every channel it visits although nearly
//! every resource was reached at the first one. Such *hubs* get a dense
//! table resource → arc instead, and a visit walks only the resources not
//! reached yet (a list that shrinks as the search goes). Same paths found
//! as the plain search, in less time.
//!
//! Searches also share what they learn across targets. The targets are
//! *exits* (the building nodes; the source is one too). A failed search that
//! met neither the source nor its target, and pruned only nodes whose
//! reach is already known, labels everything it visited as one *region*
//! together with the set of exits the region can reach (those it visited,
//! plus those of the regions it skipped). Augmenting along cycles never lets
//! a node reach more, so the set stays a true bound for the rest of the
//! stage, and a later search for a building outside it skips the region at
//! once. Late in the draw, when the households still holding resources are
//! mostly fixed, this turns one sweep of the face per building into a few.

use super::mcf::{Mcf, Weight};
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
    /// `exit[v]`: the exit index of node `v`, or `NONE`.
    exit: Vec<u32>,
    /// Index of the source among the exits.
    source: u32,
    /// `region[v]`: the region node `v` was last labelled with, or `NONE`.
    region: Vec<u32>,
    /// Per region, the exits it can reach at most.
    reach: Vec<Vec<bool>>,
    exits: usize,
    /// Search marks, valid where they equal `epoch` (no clearing per search).
    epoch: u32,
    fstamp: Vec<u32>,
    bstamp: Vec<u32>,
    /// Forward tree: the arc into a node; backward tree: the arc out of it.
    pred: Vec<u32>,
    succ: Vec<u32>,
}

impl ZeroSearch {
    /// `resources`: the contiguous range of resource node ids; `exits`: the
    /// nodes searched for, the source first (see the module doc); `zero`:
    /// the edges on the face, fixed for the search's lifetime (hub arcs off
    /// it are left out of the tables).
    pub fn new<W: Weight>(
        g: &Mcf<W>,
        resources: Range<usize>,
        exits: &[usize],
        zero: &[bool],
    ) -> ZeroSearch {
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
                    let mut twice = false;
                    for &e in &adj[start..end] {
                        let slot = &mut edge[g.head(e as usize) - lo];
                        twice |= *slot != NONE;
                        *slot = e;
                    }
                    ok &= !twice;
                    for slot in edge.iter_mut() {
                        if *slot != NONE && !zero.get(*slot as usize).copied().unwrap_or(false) {
                            *slot = NONE;
                        }
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
        let mut exit = vec![NONE; g.nodes()];
        for (i, &x) in exits.iter().enumerate() {
            if let Some(slot) = exit.get_mut(x) {
                *slot = i as u32;
            }
        }
        ZeroSearch {
            lo,
            hi,
            hubs,
            holder,
            exit,
            source: 0,
            region: vec![NONE; g.nodes()],
            reach: Vec::new(),
            exits: exits.len(),
            epoch: 0,
            fstamp: Vec::new(),
            bstamp: Vec::new(),
            pred: Vec::new(),
            succ: Vec::new(),
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
    /// or, when there is none, nodes reached from `from` (all of them when
    /// the forward side ran out first). `dead` must only grow between calls
    /// with the same target, `blocked` only grow, and the flow change only
    /// along cycles.
    ///
    /// Bidirectional breadth-first search: the forward side from `from`
    /// (hub tables, holders, regions), the backward side from `to` over
    /// in-arcs; each round expands a whole layer of the side whose layer
    /// has fewer arcs to scan, and the two stop where they meet.
    pub fn path<W: Weight>(
        &mut self,
        g: &Mcf<W>,
        from: usize,
        to: usize,
        zero: &[bool],
        blocked: &[bool],
        dead: &[bool],
    ) -> Result<Vec<usize>, Vec<usize>> {
        let n = g.nodes();
        if self.fstamp.len() < n {
            self.fstamp = vec![0; n];
            self.bstamp = vec![0; n];
            self.pred = vec![NONE; n];
            self.succ = vec![NONE; n];
        }
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.fstamp.iter_mut().for_each(|x| *x = 0);
            self.bstamp.iter_mut().for_each(|x| *x = 0);
            self.epoch = 1;
        }
        let ep = self.epoch;
        let (lo, hi) = (self.lo, self.hi);
        let is_res = |v: usize| (lo..hi).contains(&v);
        // Regions only speak of exits.
        let target = self.exit.get(to).copied().unwrap_or(NONE);
        let (region, reach) = (&self.region, &self.reach);
        let skip = |v: usize| {
            target != NONE && region[v] != NONE && !reach[region[v] as usize][target as usize]
        };
        // Whether the reach of everything visited is known: no source, no
        // node pruned for another reason than its region.
        let mut clean = target != NONE && self.exit[from] == NONE;
        let mut skipped: Vec<u32> = Vec::new();
        let (fstamp, bstamp) = (&mut self.fstamp, &mut self.bstamp);
        let (pred, succ) = (&mut self.pred, &mut self.succ);
        fstamp[from] = ep;
        bstamp[to] = ep;
        let mut ffront = vec![from];
        // A dead target has no path into it.
        let mut bfront = if dead[to] { Vec::new() } else { vec![to] };
        let mut visited = vec![from];
        // Resources not reached yet by the forward side, with their places.
        let mut unseen: Vec<u32> = (lo..hi).map(|v| v as u32).collect();
        let mut place = vec![NONE; hi - lo];
        for (i, &v) in unseen.iter().enumerate() {
            place[v as usize - lo] = i as u32;
        }
        let usable = |e: usize| g.residual(e) > 0 && zero[e] && !blocked[e >> 1];
        let hubs = &self.hubs;
        let holder = &self.holder;
        // The arcs a forward visit of `u` scans: `(plain, plain, hub)`.
        let plan = |u: usize, unseen: usize| -> (&[u32], &[u32], Option<&Hub>) {
            let adj = g.out_edges(u);
            match &hubs[u] {
                // Walk whichever is shorter: the unseen resources or the arcs.
                Some(h) if unseen < h.end - h.start => (&adj[..h.start], &adj[h.end..], Some(h)),
                Some(_) => (adj, &adj[..0], None),
                None => match holder.get(u.wrapping_sub(lo)) {
                    Some(Some((forward, h))) if is_res(u) => {
                        let back: &[u32] = if *h == NONE {
                            &[]
                        } else {
                            std::slice::from_ref(h)
                        };
                        (&forward[..], back, None)
                    }
                    _ => (adj, &adj[..0], None),
                },
            }
        };
        let join = |v: usize, pred: &[u32], succ: &[u32]| {
            let mut path = Vec::new();
            let mut x = v;
            while x != from {
                let pe = pred[x] as usize;
                path.push(pe);
                x = g.head(pe ^ 1);
            }
            path.reverse();
            let mut x = v;
            while x != to {
                let se = succ[x] as usize;
                path.push(se);
                x = g.head(se);
            }
            path
        };
        let mut reached: Vec<(usize, usize)> = Vec::new();
        let mut next: Vec<usize> = Vec::new();
        loop {
            if ffront.is_empty() || bfront.is_empty() {
                break;
            }
            let fcost: usize = ffront
                .iter()
                .map(|&u| {
                    let (a, b, h) = plan(u, unseen.len());
                    a.len() + b.len() + h.map_or(0, |_| unseen.len())
                })
                .sum();
            let bcost: usize = bfront.iter().map(|&v| g.out_edges(v).len()).sum();
            next.clear();
            if bcost < fcost {
                // Backward: arcs u → v are the reverses of v's out-edges.
                for &v in &bfront {
                    for &e in g.out_edges(v) {
                        let a = (e ^ 1) as usize;
                        let u = g.head(e as usize);
                        if bstamp[u] == ep || (dead[u] && u != from) || !usable(a) {
                            continue;
                        }
                        bstamp[u] = ep;
                        succ[u] = a as u32;
                        if fstamp[u] == ep {
                            return Ok(join(u, pred, succ));
                        }
                        next.push(u);
                    }
                }
                std::mem::swap(&mut bfront, &mut next);
                continue;
            }
            for &u in &ffront {
                let (plain_a, plain_b, hub) = plan(u, unseen.len());
                reached.clear();
                for &e in plain_a.iter().chain(plain_b) {
                    let e = e as usize;
                    let v = g.head(e);
                    if fstamp[v] == ep || !usable(e) {
                        continue;
                    }
                    if bstamp[v] == ep {
                        pred[v] = e as u32;
                        return Ok(join(v, pred, succ));
                    }
                    if skip(v) {
                        skipped.push(region[v]);
                        continue;
                    }
                    fstamp[v] = ep;
                    pred[v] = e as u32;
                    if is_res(v) {
                        take(&mut unseen, &mut place, v - lo, lo);
                    }
                    if dead[v] {
                        clean = false;
                    } else {
                        reached.push((v, e));
                    }
                }
                if let Some(h) = hub {
                    let mut i = 0;
                    while i < unseen.len() {
                        let v = unseen[i] as usize;
                        let e = h.edge[v - lo];
                        if e != NONE && usable(e as usize) {
                            if bstamp[v] == ep {
                                pred[v] = e;
                                return Ok(join(v, pred, succ));
                            }
                            fstamp[v] = ep;
                            pred[v] = e;
                            take(&mut unseen, &mut place, v - lo, lo);
                            if skip(v) {
                                skipped.push(region[v]);
                            } else if dead[v] {
                                clean = false;
                            } else {
                                reached.push((v, e as usize));
                            }
                        } else {
                            i += 1;
                        }
                    }
                }
                for &(v, _) in &reached {
                    if self.exit[v] == self.source {
                        clean = false;
                    }
                    visited.push(v);
                    next.push(v);
                }
            }
            std::mem::swap(&mut ffront, &mut next);
        }
        // The forward side ran out: everything it visited is known.
        if clean && ffront.is_empty() {
            let mut can = vec![false; self.exits];
            for k in skipped {
                for (c, &r) in can.iter_mut().zip(&self.reach[k as usize]) {
                    *c |= r;
                }
            }
            let id = self.reach.len() as u32;
            for &v in &visited {
                if let Some(c) = can.get_mut(self.exit[v] as usize) {
                    *c = true;
                }
                self.region[v] = id;
            }
            self.reach.push(can);
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
            // The source and the sink stand for the exits (source, building).
            let mut search = ZeroSearch::new(&g, res[0]..res[res.len() - 1] + 1, &[s, t], &zero);
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
                            assert!(visited.iter().all(|&v| want[v]), "seed {seed}: visited set");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_region_that_reaches_no_exit_is_not_swept_again_for_another_exit() {
        // w → x → y → z, none of them reaching the exits e1, e2; e2 → z.
        // Six nodes all joined to one another and to e1 make the backward
        // side from e1 the larger one, so the forward side runs out first.
        let mut g = Mcf::new(6);
        let (w, x, y, z, e1, e2) = (0, 1, 2, 3, 4, 5);
        g.add_edge(x, y, 1, ZERO);
        g.add_edge(y, z, 1, ZERO);
        g.add_edge(w, y, 1, ZERO);
        g.add_edge(e2, z, 1, ZERO);
        let clique: Vec<usize> = (0..6).map(|_| g.add_node()).collect();
        for &a in &clique {
            g.add_edge(a, e1, 1, ZERO);
            for &b in &clique {
                if a != b {
                    g.add_edge(a, b, 1, ZERO);
                }
            }
        }
        let zero = vec![true; g.edge_count()];
        let blocked = vec![false; g.edge_count() / 2 + 1];
        let dead = vec![false; g.nodes()];
        let mut search = ZeroSearch::new(&g, 0..0, &[e1, e2], &zero);
        let first = search.path(&g, x, e1, &zero, &blocked, &dead);
        assert_eq!(first, Err(vec![x, y, z]));
        let second = search.path(&g, w, e2, &zero, &blocked, &dead);
        assert_eq!(
            second,
            Err(vec![w]),
            "y and z were already known to reach no exit"
        );
        // A target that is not an exit does not use those marks.
        assert_eq!(
            search
                .path(&g, w, z, &zero, &blocked, &dead)
                .map(|p| p.len()),
            Ok(2)
        );
    }

    #[test]
    fn the_two_sides_meet_in_the_middle_of_a_long_path() {
        // A chain of 40 nodes; every path of it is found, whichever side
        // does most of the walking.
        let mut g = Mcf::new(40);
        for v in 0..39 {
            g.add_edge(v, v + 1, 1, ZERO);
        }
        let zero = vec![true; g.edge_count()];
        let blocked = vec![false; g.edge_count() / 2 + 1];
        let dead = vec![false; g.nodes()];
        let mut search = ZeroSearch::new(&g, 0..0, &[], &zero);
        for (from, to) in [(0, 39), (5, 6), (17, 30)] {
            let path = search.path(&g, from, to, &zero, &blocked, &dead);
            let path = path.unwrap_or_else(|_| panic!("{from} → {to}: no path"));
            assert_eq!(path.len(), to - from);
            let mut at = from;
            for &e in &path {
                assert_eq!(g.head(e ^ 1), at);
                at = g.head(e);
            }
            assert_eq!(at, to);
        }
        assert!(search.path(&g, 30, 17, &zero, &blocked, &dead).is_err());
    }
}
