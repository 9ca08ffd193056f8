//! Min-cost flow with lexicographic cost vectors.
//!
//! Costs are fixed-size arrays of `i64` tiers compared lexicographically (most
//! significant first). Such vectors form an ordered abelian group, so the
//! classic successive-shortest-path method (Dijkstra on reduced costs with
//! Johnson potentials) works unchanged. The amount of flow is free: the
//! solver augments while the cheapest source–sink path has a (lexicographically)
//! negative cost, so rewards are negative costs.
//!
//! Potentials are kept valid on *every* residual arc (also at nodes Dijkstra
//! did not reach) by capping each update at the sink distance, which lets the
//! caller search zero-reduced-cost cycles afterwards (the optimal face).

pub use super::packing::Packing;
use super::simplex;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Number of tiers of a cost vector.
pub const TIERS: usize = 11;
/// A lexicographic cost vector.
pub type Cost = [i64; TIERS];
pub const ZERO: Cost = [0; TIERS];

/// A cost the solver can run on: an ordered abelian group (wrapping
/// arithmetic; the values that occur stay far from the wrap-around).
pub trait Weight: Copy + Ord + Default + std::fmt::Debug {
    fn plus(&self, b: &Self) -> Self;
    fn minus(&self, b: &Self) -> Self;
    fn negated(&self) -> Self;
}

impl Weight for Cost {
    fn plus(&self, b: &Cost) -> Cost {
        let mut c = *self;
        for (x, y) in c.iter_mut().zip(b) {
            *x = x.wrapping_add(*y);
        }
        c
    }
    fn minus(&self, b: &Cost) -> Cost {
        let mut c = *self;
        for (x, y) in c.iter_mut().zip(b) {
            *x = x.wrapping_sub(*y);
        }
        c
    }
    fn negated(&self) -> Cost {
        let mut c = *self;
        for x in c.iter_mut() {
            *x = x.wrapping_neg();
        }
        c
    }
}

/// A scalar the packed costs of [`Packing`] are run on.
pub trait Scalar: Weight {
    /// Narrows a packed value known to fit.
    fn narrow(x: i128) -> Self;
    fn widen(self) -> i128;
}

macro_rules! scalar_weight {
    ($t:ty) => {
        impl Weight for $t {
            fn plus(&self, b: &$t) -> $t {
                self.wrapping_add(*b)
            }
            fn minus(&self, b: &$t) -> $t {
                self.wrapping_sub(*b)
            }
            fn negated(&self) -> $t {
                self.wrapping_neg()
            }
        }
        impl Scalar for $t {
            fn narrow(x: i128) -> $t {
                x as $t
            }
            fn widen(self) -> i128 {
                i128::from(self)
            }
        }
    };
}
scalar_weight!(i64);
scalar_weight!(i128);

fn add<W: Weight>(a: &W, b: &W) -> W {
    a.plus(b)
}

fn sub<W: Weight>(a: &W, b: &W) -> W {
    a.minus(b)
}

fn neg<W: Weight>(a: &W) -> W {
    a.negated()
}

/// A flow network; edge `e` and `e ^ 1` are an arc and its reverse.
#[derive(Debug, Clone, Default)]
pub struct Mcf<W: Weight = Cost> {
    to: Vec<u32>,
    cap: Vec<i64>,
    cost: Vec<W>,
    adj: Vec<Vec<u32>>,
    pot: Vec<W>,
    // Dijkstra buffers, reused between runs.
    dist: Vec<W>,
    done: Vec<bool>,
    seen: Vec<bool>,
    pred: Vec<u32>,
    heap: BinaryHeap<Reverse<(W, u32)>>,
    /// Augment every zero-reduced-cost shortest path of a phase (worth it when
    /// costs take few distinct values); otherwise one path per Dijkstra.
    pub batch: bool,
    /// Solve a network at zero flow by the network simplex (the default);
    /// successive shortest paths in batches are faster when the costs take
    /// only a few distinct values.
    pub simplex: bool,
}

impl<W: Weight> Mcf<W> {
    pub fn new(nodes: usize) -> Mcf<W> {
        Mcf {
            adj: vec![Vec::new(); nodes],
            batch: true,
            simplex: true,
            ..Mcf::default()
        }
    }

    pub fn add_node(&mut self) -> usize {
        self.adj.push(Vec::new());
        self.adj.len() - 1
    }

    pub fn edge_count(&self) -> usize {
        self.to.len()
    }

    pub fn nodes(&self) -> usize {
        self.adj.len()
    }

    /// Adds an arc `u → v` and returns its edge id.
    pub fn add_edge(&mut self, u: usize, v: usize, cap: i64, cost: W) -> usize {
        let e = self.to.len();
        self.to.push(v as u32);
        self.cap.push(cap.max(0));
        self.cost.push(cost);
        self.adj[u].push(e as u32);
        self.to.push(u as u32);
        self.cap.push(0);
        self.cost.push(neg(&cost));
        self.adj[v].push(e as u32 + 1);
        e
    }

    /// Flow on arc `e` (an id returned by `add_edge`).
    pub fn flow(&self, e: usize) -> i64 {
        self.cap[e ^ 1]
    }

    /// The residual edges out of node `u` (forward arcs and reverses).
    pub fn out_edges(&self, u: usize) -> &[u32] {
        &self.adj[u]
    }

    pub fn head(&self, e: usize) -> usize {
        self.to[e] as usize
    }

    /// Reduced cost of residual edge `e` out of `u`.
    fn reduced(&self, u: usize, e: usize) -> W {
        let v = self.to[e] as usize;
        sub(&add(&self.cost[e], &self.pot[u]), &self.pot[v])
    }

    /// Initial potentials: shortest distances from a virtual source joined to
    /// every node by a zero arc. Valid because nodes were added in a
    /// topological order of the (acyclic) initial network: every arc goes from
    /// a lower to a higher node id. Arcs that do not are relaxed by a few
    /// Bellman–Ford rounds as a fallback.
    fn init_potentials(&mut self) {
        let n = self.adj.len();
        self.pot = vec![W::default(); n];
        for _round in 0..n.max(1) {
            let mut changed = false;
            for u in 0..n {
                for &e in &self.adj[u] {
                    let e = e as usize;
                    if self.cap[e] <= 0 {
                        continue;
                    }
                    let v = self.to[e] as usize;
                    let cand = add(&self.pot[u], &self.cost[e]);
                    if cand < self.pot[v] {
                        self.pot[v] = cand;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// Dijkstra from `s` on reduced costs; stops when `t` is settled. Returns
    /// whether `t` was reached.
    fn dijkstra(&mut self, s: usize, t: usize) -> bool {
        let n = self.adj.len();
        self.dist.clear();
        self.dist.resize(n, W::default());
        self.done.clear();
        self.done.resize(n, false);
        self.seen.clear();
        self.seen.resize(n, false);
        self.pred.clear();
        self.pred.resize(n, u32::MAX);
        self.heap.clear();
        self.seen[s] = true;
        self.heap.push(Reverse((W::default(), s as u32)));
        while let Some(Reverse((d, u))) = self.heap.pop() {
            let u = u as usize;
            if self.done[u] {
                continue;
            }
            self.done[u] = true;
            if u == t {
                return true;
            }
            for i in 0..self.adj[u].len() {
                let e = self.adj[u][i] as usize;
                if self.cap[e] <= 0 {
                    continue;
                }
                let v = self.to[e] as usize;
                if self.done[v] {
                    continue;
                }
                let nd = add(&d, &self.reduced(u, e));
                if !self.seen[v] || nd < self.dist[v] {
                    self.seen[v] = true;
                    self.dist[v] = nd;
                    self.pred[v] = e as u32;
                    self.heap.push(Reverse((nd, v as u32)));
                }
            }
        }
        false
    }

    /// Successive shortest paths from `s` to `t` while the path cost is
    /// negative.
    fn augment_all(&mut self, s: usize, t: usize) {
        self.init_potentials();
        if s >= self.adj.len() || t >= self.adj.len() || s == t {
            return;
        }
        let mut level = vec![u32::MAX; self.adj.len()];
        let mut next = vec![0usize; self.adj.len()];
        // A cancelled solve stops augmenting; its flow is never used.
        while !crate::cancel::cancelled() && self.dijkstra(s, t) {
            let dt = self.dist[t];
            let real = sub(&add(&dt, &self.pot[t]), &self.pot[s]);
            if real >= W::default() {
                break;
            }
            for v in 0..self.adj.len() {
                let d = if self.done[v] { self.dist[v] } else { dt };
                self.pot[v] = add(&self.pot[v], &d);
            }
            // Every s–t path of zero reduced cost is now a shortest one (of
            // negative real cost): saturate them all, Dinic style. Reduced
            // costs are fixed until the next potential update (an arc and its
            // reverse are zero together), so flag the zero arcs once.
            if !self.batch {
                let mut amount = i64::MAX;
                let mut v = t;
                while v != s {
                    let e = self.pred[v] as usize;
                    amount = amount.min(self.cap[e]);
                    v = self.to[e ^ 1] as usize;
                }
                let mut v = t;
                while v != s {
                    let e = self.pred[v] as usize;
                    self.cap[e] -= amount;
                    self.cap[e ^ 1] += amount;
                    v = self.to[e ^ 1] as usize;
                }
                continue;
            }
            let zero: Vec<bool> = (0..self.to.len())
                .map(|e| self.is_zero(self.to[e ^ 1] as usize, e))
                .collect();
            while self.zero_levels(s, t, &mut level, &zero) {
                next.iter_mut().for_each(|x| *x = 0);
                while self.zero_augment(s, t, &level, &mut next, &zero) > 0 {}
            }
        }
    }

    /// Whether edge `e` out of `u` has zero reduced cost (early exit).
    fn is_zero(&self, u: usize, e: usize) -> bool {
        self.reduced(u, e) == W::default()
    }

    /// BFS levels from `s` over residual arcs of zero reduced cost; whether `t` is reached.
    fn zero_levels(&self, s: usize, t: usize, level: &mut [u32], zero: &[bool]) -> bool {
        level.iter_mut().for_each(|x| *x = u32::MAX);
        level[s] = 0;
        let mut queue = std::collections::VecDeque::from([s]);
        while let Some(u) = queue.pop_front() {
            if u == t {
                continue;
            }
            for &e in &self.adj[u] {
                let e = e as usize;
                let v = self.to[e] as usize;
                if level[v] == u32::MAX && self.cap[e] > 0 && zero[e] {
                    level[v] = level[u] + 1;
                    queue.push_back(v);
                }
            }
        }
        level[t] != u32::MAX
    }

    /// One augmenting path along increasing levels (iterative DFS with
    /// current-arc pointers); returns the amount pushed (0: blocked).
    fn zero_augment(
        &mut self,
        s: usize,
        t: usize,
        level: &[u32],
        next: &mut [usize],
        zero: &[bool],
    ) -> i64 {
        let mut path: Vec<usize> = Vec::new();
        let mut u = s;
        loop {
            if u == t {
                let amount = path.iter().map(|&e| self.cap[e]).min().unwrap_or(0);
                for &e in &path {
                    self.cap[e] -= amount;
                    self.cap[e ^ 1] += amount;
                }
                return amount;
            }
            let mut advanced = false;
            while next[u] < self.adj[u].len() {
                let e = self.adj[u][next[u]] as usize;
                let v = self.to[e] as usize;
                if self.cap[e] > 0 && level[v] == level[u].wrapping_add(1) && zero[e] {
                    path.push(e);
                    u = v;
                    advanced = true;
                    break;
                }
                next[u] += 1;
            }
            if !advanced {
                // Dead end: retreat and skip the arc that led here.
                match path.pop() {
                    None => return 0,
                    Some(e) => {
                        u = self.to[e ^ 1] as usize;
                        next[u] += 1;
                    }
                }
            }
        }
    }

    /// Residual capacity of edge `e`.
    pub fn residual(&self, e: usize) -> i64 {
        self.cap[e]
    }

    /// Pushes `amount` along a list of residual edges.
    pub fn push(&mut self, edges: &[usize], amount: i64) {
        for &e in edges {
            self.cap[e] -= amount;
            self.cap[e ^ 1] += amount;
        }
    }
}

impl Mcf<Cost> {
    /// Total cost of the current flow.
    pub fn total_cost(&self) -> Cost {
        let mut c = ZERO;
        for e in (0..self.to.len()).step_by(2) {
            let f = self.cap[e ^ 1];
            if f > 0 {
                for (x, y) in c.iter_mut().zip(&self.cost[e]) {
                    *x = x.saturating_add(y.saturating_mul(f));
                }
            }
        }
        c
    }

    /// Whether residual edge `e` (out of its tail) has zero reduced cost in the
    /// first `prefix` tiers.
    pub fn zero_prefix(&self, e: usize, prefix: usize) -> bool {
        let u = self.to[e ^ 1] as usize;
        self.reduced(u, e).iter().take(prefix).all(|&x| x == 0)
    }

    /// For every edge, whether its reduced cost is zero in the first `prefix`
    /// tiers (reduced costs do not change while the potentials are kept).
    pub fn zero_flags(&self, prefix: usize) -> Vec<bool> {
        (0..self.to.len())
            .map(|e| self.zero_prefix(e, prefix))
            .collect()
    }

    /// The cheapest flow of any amount from `s` to `t` (augmenting while a
    /// path of negative cost is left); returns its total cost. A network
    /// still at zero flow is solved by the network simplex
    /// ([`super::simplex`]), on packed scalar costs (see [`Packing`]) when
    /// every tier fits; otherwise by successive shortest paths. Either way
    /// the potentials are exact duals on every residual arc afterwards.
    pub fn run(&mut self, s: usize, t: usize) -> Cost {
        let fresh = (1..self.cap.len()).step_by(2).all(|e| self.cap[e] == 0);
        if !fresh || !self.simplex {
            return self.run_shortest_paths(s, t);
        }
        let arcs = self.to.len() / 2;
        let tail: Vec<u32> = (0..arcs).map(|k| self.to[2 * k + 1]).collect();
        let head: Vec<u32> = (0..arcs).map(|k| self.to[2 * k]).collect();
        let cap: Vec<i64> = (0..arcs).map(|k| self.cap[2 * k]).collect();
        let nodes = self.adj.len();
        let solved = match Packing::new(&self.cost, nodes) {
            // Half the width where it fits: the simplex is ~1.6× faster on i64.
            Some(p) if p.fits_i64() => self.simplex_packed::<i64>(&p, &tail, &head, &cap, s, t),
            Some(p) => self.simplex_packed::<i128>(&p, &tail, &head, &cap, s, t),
            None => {
                let cost: Vec<Cost> = (0..arcs).map(|k| self.cost[2 * k]).collect();
                let problem = simplex::Problem {
                    nodes,
                    tail: &tail,
                    head: &head,
                    cap: &cap,
                    cost: &cost,
                    s,
                    t,
                };
                simplex::solve(&problem).map(|o| (o.flow, o.pot))
            }
        };
        match solved {
            Some((flow, pot)) => {
                for (k, f) in flow.into_iter().enumerate() {
                    self.cap[2 * k] -= f;
                    self.cap[2 * k + 1] += f;
                }
                self.pot = pot;
                self.total_cost()
            }
            None => self.run_shortest_paths(s, t),
        }
    }

    /// [`Mcf::run`] by successive shortest paths (Dijkstra on reduced costs),
    /// on packed scalar costs when every tier fits, which gives the very same
    /// flow and potentials as the vector run, only faster. Kept as the
    /// reference the network simplex is tested against, and for networks
    /// that already carry flow.
    pub fn run_shortest_paths(&mut self, s: usize, t: usize) -> Cost {
        match Packing::new(&self.cost, self.adj.len()) {
            Some(p) if p.fits_i64() => self.shortest_paths_packed::<i64>(&p, s, t),
            Some(p) => self.shortest_paths_packed::<i128>(&p, s, t),
            None => self.augment_all(s, t),
        }
        self.total_cost()
    }

    /// The network simplex on this network's arcs (given as arrays) with
    /// costs packed into `S`: flows and unpacked potentials.
    fn simplex_packed<S: Scalar>(
        &self,
        p: &Packing,
        tail: &[u32],
        head: &[u32],
        cap: &[i64],
        s: usize,
        t: usize,
    ) -> Option<(Vec<i64>, Vec<Cost>)> {
        let cost: Vec<S> = (0..tail.len())
            .map(|k| S::narrow(p.pack(&self.cost[2 * k])))
            .collect();
        let problem = simplex::Problem {
            nodes: self.adj.len(),
            tail,
            head,
            cap,
            cost: &cost,
            s,
            t,
        };
        simplex::solve(&problem).map(|o| {
            let pot = o.pot.iter().map(|&x| p.unpack(x.widen())).collect();
            (o.flow, pot)
        })
    }

    /// Successive shortest paths on this network's costs packed into `S`.
    fn shortest_paths_packed<S: Scalar>(&mut self, p: &Packing, s: usize, t: usize) {
        let mut g: Mcf<S> = Mcf {
            to: std::mem::take(&mut self.to),
            cap: std::mem::take(&mut self.cap),
            cost: self.cost.iter().map(|c| S::narrow(p.pack(c))).collect(),
            adj: std::mem::take(&mut self.adj),
            batch: self.batch,
            ..Mcf::default()
        };
        g.augment_all(s, t);
        self.to = g.to;
        self.cap = g.cap;
        self.adj = g.adj;
        self.pot = g.pot.iter().map(|&x| p.unpack(x.widen())).collect();
    }
}

#[cfg(test)]
#[path = "mcf_tests.rs"]
mod tests;
