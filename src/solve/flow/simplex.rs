//! Primal network simplex for the free-amount min-cost flow of
//! [`Mcf::run`](super::mcf::Mcf::run): the cheapest flow of any amount from
//! `s` to `t`.
//!
//! The flow is read as a min-cost circulation by closing the network with an
//! uncapacitated arc `t → s` of cost zero. The method is the bounded-variable
//! primal simplex on spanning trees (Ahuja, Magnanti & Orlin, *Network
//! Flows*, 1993, ch. 11):
//!
//! - the first tree is a tree of shortest paths to `t` (over the arcs that
//!   go up in node order; the engine adds nodes in a topological order),
//!   every other node hung from an artificial root by an arc `v → root` of
//!   cost and flow zero (no arc leaves the root, so no cycle ever carries
//!   flow through it); tree paths point at the root, so the tree is strongly
//!   feasible, and it starts dual feasible on every arc it reaches;
//! - pricing is by a candidate list: a scan of the arcs keeps up to `2√m`
//!   violating ones and the most violating of those enters, until the list
//!   runs dry (violating arcs are scarce here, so one scan feeds many
//!   pivots);
//! - the leaving arc is the *last* blocking arc met when the pivot cycle is
//!   walked from its apex in the direction of the push, which keeps the tree
//!   strongly feasible (Cunningham 1976), so degenerate pivots cannot cycle;
//! - the subtree cut off by the leaving arc is re-hung from the entering arc,
//!   its potentials shifted by one constant.
//!
//! At the end every non-tree arc sits at a bound with the right sign of
//! reduced cost and every tree arc has reduced cost zero, so the potentials
//! are exact duals on *every* residual arc, which the lottery stage needs.
//! Unlike successive shortest paths, the work does not grow with the number
//! of distinct path costs (one Dijkstra per unit when all walks differ).

use super::mcf::Weight;

const NONE: u32 = u32::MAX;
const LOWER: u8 = 0;
const UPPER: u8 = 1;
const TREE: u8 = 2;

/// The optimal flow per arc and the node potentials.
#[derive(Debug, Clone)]
pub struct Outcome<W> {
    pub flow: Vec<i64>,
    pub pot: Vec<W>,
}

/// A min-cost flow problem on `nodes` nodes: arcs `tail[a] → head[a]` with
/// capacity `cap[a] ≥ 0` and cost `cost[a]`, all starting at zero flow;
/// as much flow as possible from `s` to `t`.
#[derive(Debug, Clone, Copy)]
pub struct Problem<'a, W> {
    pub nodes: usize,
    pub tail: &'a [u32],
    pub head: &'a [u32],
    pub cap: &'a [i64],
    pub cost: &'a [W],
    pub s: usize,
    pub t: usize,
}

/// Solves `p`. `None` when the problem is unbounded (a negative cycle of
/// unlimited capacity), which the engine never builds.
pub fn solve<W: Weight>(p: &Problem<'_, W>) -> Option<Outcome<W>> {
    let mut ns = Simplex::new(p);
    ns.run()?;
    ns.flow.truncate(p.tail.len());
    ns.pi.truncate(p.nodes);
    Some(Outcome {
        flow: ns.flow,
        pot: ns.pi,
    })
}

struct Simplex<W> {
    tail: Vec<u32>,
    head: Vec<u32>,
    cap: Vec<i64>,
    cost: Vec<W>,
    flow: Vec<i64>,
    state: Vec<u8>,
    /// Arcs that may enter: the real ones and `t → s` (not the artificial).
    priced: usize,
    parent: Vec<u32>,
    pred: Vec<u32>,
    depth: Vec<u32>,
    first_child: Vec<u32>,
    next_sib: Vec<u32>,
    prev_sib: Vec<u32>,
    pi: Vec<W>,
    stack: Vec<u32>,
}

/// Which side of the pivot cycle the leaving arc is on.
#[derive(Clone, Copy, PartialEq)]
enum Leave {
    /// The tree arc above this node on the path from the apex down to the
    /// tail of the push.
    Down(u32),
    Entering,
    /// The tree arc above this node on the path from the head of the push
    /// up to the apex.
    Up(u32),
}

impl<W: Weight> Simplex<W> {
    fn new(p: &Problem<'_, W>) -> Simplex<W> {
        let &Problem {
            nodes,
            tail,
            head,
            cap,
            cost,
            s,
            t,
        } = p;
        let m = tail.len();
        let root = nodes as u32;
        let mut sx = Simplex {
            tail: tail.to_vec(),
            head: head.to_vec(),
            cap: cap.iter().map(|&c| c.max(0)).collect(),
            cost: cost.to_vec(),
            flow: vec![0; m],
            state: vec![LOWER; m],
            priced: m,
            parent: vec![root; nodes + 1],
            pred: vec![NONE; nodes + 1],
            depth: vec![1; nodes + 1],
            first_child: vec![NONE; nodes + 1],
            next_sib: vec![NONE; nodes + 1],
            prev_sib: vec![NONE; nodes + 1],
            pi: vec![W::default(); nodes + 1],
            stack: Vec::new(),
        };
        if s != t && s < nodes && t < nodes {
            // Enough for any s–t flow: every unit crosses some arc.
            let total = cap
                .iter()
                .fold(0i64, |acc, &c| acc.saturating_add(c.max(0)))
                .min(i64::MAX / 4);
            sx.push_arc(t as u32, s as u32, total, W::default(), LOWER);
            sx.priced = m + 1;
        }
        sx.parent[nodes] = NONE;
        sx.depth[nodes] = 0;
        // First tree: shortest paths to t over arcs that go up in node order
        // (the engine adds nodes in a topological order), every other node
        // hung from the root. Tree paths point at the root, so every node can
        // send flow to it (strongly feasible), and all arcs the tree reaches
        // start with reduced cost ≥ 0: the pivots are left with the real
        // work, not with discovering the distances one node at a time.
        let mut out_start = vec![0u32; nodes + 1];
        for &u in &tail[..m] {
            out_start[u as usize + 1] += 1;
        }
        for v in 0..nodes {
            out_start[v + 1] += out_start[v];
        }
        let mut fill = out_start.clone();
        let mut out = vec![0u32; m];
        for (a, &u) in tail[..m].iter().enumerate() {
            out[fill[u as usize] as usize] = a as u32;
            fill[u as usize] += 1;
        }
        let mut dist: Vec<Option<W>> = vec![None; nodes];
        let mut via = vec![NONE; nodes];
        if t < nodes {
            dist[t] = Some(W::default());
        }
        for v in (0..nodes).rev() {
            if v == t {
                continue;
            }
            for &a in &out[out_start[v] as usize..out_start[v + 1] as usize] {
                let (a, w) = (a as usize, head[a as usize] as usize);
                if w <= v || cap[a] <= 0 {
                    continue;
                }
                if let Some(dw) = dist[w] {
                    let cand = cost[a].plus(&dw);
                    if dist[v].is_none_or(|dv| cand < dv) {
                        dist[v] = Some(cand);
                        via[v] = a as u32;
                    }
                }
            }
        }
        for v in (0..nodes).rev() {
            let art = sx.tail.len() as u32;
            sx.push_arc(v as u32, root, i64::MAX / 4, W::default(), LOWER);
            let (p, arc) = if via[v] == NONE {
                (root, art)
            } else {
                (head[via[v] as usize], via[v])
            };
            sx.state[arc as usize] = TREE;
            sx.pred[v] = arc;
            sx.attach(v as u32, p);
            sx.depth[v] = sx.depth[p as usize] + 1;
            sx.pi[v] = dist[v].map_or(W::default(), |d| d.negated());
        }
        sx
    }

    fn push_arc(&mut self, u: u32, v: u32, cap: i64, cost: W, state: u8) {
        self.tail.push(u);
        self.head.push(v);
        self.cap.push(cap);
        self.cost.push(cost);
        self.flow.push(0);
        self.state.push(state);
    }

    fn attach(&mut self, w: u32, p: u32) {
        let (wi, pi) = (w as usize, p as usize);
        self.parent[wi] = p;
        self.prev_sib[wi] = NONE;
        self.next_sib[wi] = self.first_child[pi];
        if self.first_child[pi] != NONE {
            self.prev_sib[self.first_child[pi] as usize] = w;
        }
        self.first_child[pi] = w;
    }

    fn detach(&mut self, w: u32) {
        let wi = w as usize;
        let (prev, next) = (self.prev_sib[wi], self.next_sib[wi]);
        if prev != NONE {
            self.next_sib[prev as usize] = next;
        } else if self.parent[wi] != NONE {
            self.first_child[self.parent[wi] as usize] = next;
        }
        if next != NONE {
            self.prev_sib[next as usize] = prev;
        }
        self.prev_sib[wi] = NONE;
        self.next_sib[wi] = NONE;
    }

    fn reduced(&self, a: usize) -> W {
        self.cost[a]
            .plus(&self.pi[self.tail[a] as usize])
            .minus(&self.pi[self.head[a] as usize])
    }

    /// How far arc `a` violates optimality (`None`: it does not).
    fn violation(&self, a: usize) -> Option<W> {
        let st = self.state[a];
        if st == TREE || self.cap[a] == 0 {
            return None;
        }
        let rc = self.reduced(a);
        let zero = W::default();
        if st == LOWER && rc < zero {
            Some(rc.negated())
        } else if st == UPPER && rc > zero {
            Some(rc)
        } else {
            None
        }
    }

    /// Pricing by a candidate list: a major step scans the arcs cyclically
    /// and keeps up to `2√m` violating ones; minor steps pivot on the most
    /// violating arc still in the list, until it runs dry (or as many pivots
    /// as the list is long have passed, as it grows stale). Violating arcs
    /// are scarce in these networks, so one scan feeds many pivots.
    fn run(&mut self) -> Option<()> {
        let m = self.priced;
        if m == 0 {
            return Some(());
        }
        let list_max = (2 * (m as f64).sqrt() as usize).clamp(16, 2048);
        let minor_max = list_max;
        let mut list: Vec<u32> = Vec::with_capacity(list_max);
        let mut next = 0usize;
        let mut minors = usize::MAX;
        loop {
            let mut best: Option<(W, u32)> = None;
            if minors < minor_max {
                let mut k = 0;
                while k < list.len() {
                    match self.violation(list[k] as usize) {
                        Some(v) => {
                            if best.is_none_or(|(b, _)| v > b) {
                                best = Some((v, list[k]));
                            }
                            k += 1;
                        }
                        None => {
                            list.swap_remove(k);
                        }
                    }
                }
            }
            if best.is_none() {
                list.clear();
                minors = 0;
                let mut scanned = 0;
                while scanned < m && list.len() < list_max {
                    if let Some(v) = self.violation(next) {
                        list.push(next as u32);
                        if best.is_none_or(|(b, _)| v > b) {
                            best = Some((v, next as u32));
                        }
                    }
                    next += 1;
                    if next == m {
                        next = 0;
                    }
                    scanned += 1;
                }
            }
            let Some((_, entering)) = best else {
                return Some(());
            };
            minors += 1;
            self.pivot(entering as usize)?;
        }
    }

    /// Residual of tree arc `pred[w]` for a push from `parent[w]` down to `w`.
    fn down_residual(&self, w: usize) -> i64 {
        let e = self.pred[w] as usize;
        if self.tail[e] as usize == w {
            self.flow[e]
        } else {
            self.cap[e] - self.flow[e]
        }
    }

    /// Residual of tree arc `pred[w]` for a push from `w` up to `parent[w]`.
    fn up_residual(&self, w: usize) -> i64 {
        let e = self.pred[w] as usize;
        if self.tail[e] as usize == w {
            self.cap[e] - self.flow[e]
        } else {
            self.flow[e]
        }
    }

    fn pivot(&mut self, a: usize) -> Option<()> {
        let forward = self.state[a] == LOWER;
        let (u_in, v_in) = if forward {
            (self.tail[a], self.head[a])
        } else {
            (self.head[a], self.tail[a])
        };
        // Apex: where the tree paths from both ends meet.
        let (mut x, mut y) = (u_in as usize, v_in as usize);
        while x != y {
            if self.depth[x] >= self.depth[y] {
                x = self.parent[x] as usize;
            } else {
                y = self.parent[y] as usize;
            }
        }
        let apex = x;
        // The push goes apex ⇒ u_in → v_in ⇒ apex; the leaving arc is the last
        // blocking one in that order (ties: nearer the end of the walk wins).
        let mut delta = i64::MAX;
        let mut leave = Leave::Entering;
        let mut w = u_in as usize;
        while w != apex {
            let r = self.down_residual(w);
            if r < delta {
                delta = r;
                leave = Leave::Down(w as u32);
            }
            w = self.parent[w] as usize;
        }
        let r = if forward {
            self.cap[a] - self.flow[a]
        } else {
            self.flow[a]
        };
        if r <= delta {
            delta = r;
            leave = Leave::Entering;
        }
        let mut w = v_in as usize;
        while w != apex {
            let r = self.up_residual(w);
            if r <= delta {
                delta = r;
                leave = Leave::Up(w as u32);
            }
            w = self.parent[w] as usize;
        }
        if delta >= i64::MAX / 4 {
            return None;
        }
        if delta > 0 {
            self.flow[a] += if forward { delta } else { -delta };
            let mut w = u_in as usize;
            while w != apex {
                let e = self.pred[w] as usize;
                self.flow[e] += if self.tail[e] as usize == w {
                    -delta
                } else {
                    delta
                };
                w = self.parent[w] as usize;
            }
            let mut w = v_in as usize;
            while w != apex {
                let e = self.pred[w] as usize;
                self.flow[e] += if self.tail[e] as usize == w {
                    delta
                } else {
                    -delta
                };
                w = self.parent[w] as usize;
            }
        }
        let (q, x, y) = match leave {
            Leave::Entering => {
                self.state[a] = if forward { UPPER } else { LOWER };
                return Some(());
            }
            Leave::Down(q) => (q, u_in, v_in),
            Leave::Up(q) => (q, v_in, u_in),
        };
        let out = self.pred[q as usize] as usize;
        self.state[out] = if self.flow[out] == 0 { LOWER } else { UPPER };
        self.state[a] = TREE;
        // Re-hang the subtree of q from y by the entering arc, reversing the
        // tree path x … q.
        let old_pi_x = self.pi[x as usize];
        let (mut w, mut np, mut ne) = (x, y, a as u32);
        loop {
            let (op, oe) = (self.parent[w as usize], self.pred[w as usize]);
            self.detach(w);
            self.attach(w, np);
            self.pred[w as usize] = ne;
            if w == q {
                break;
            }
            (np, ne, w) = (w, oe, op);
        }
        // Tree arcs have reduced cost zero: the subtree's potentials move by
        // one constant.
        let (xi, yi) = (x as usize, y as usize);
        let new_pi_x = if self.tail[a] == x {
            self.pi[yi].minus(&self.cost[a])
        } else {
            self.pi[yi].plus(&self.cost[a])
        };
        let shift = new_pi_x.minus(&old_pi_x);
        self.stack.clear();
        self.stack.push(x);
        while let Some(v) = self.stack.pop() {
            let vi = v as usize;
            self.depth[vi] = self.depth[self.parent[vi] as usize] + 1;
            self.pi[vi] = self.pi[vi].plus(&shift);
            let mut c = self.first_child[vi];
            while c != NONE {
                self.stack.push(c);
                c = self.next_sib[c as usize];
            }
        }
        debug_assert_eq!(self.pi[xi], new_pi_x);
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::mcf::{Cost, Mcf, ZERO};
    use super::*;
    use rand::{Rng, SeedableRng};

    /// A random network with a source, a sink and arcs in both directions
    /// between inner nodes (cycles included), costs on two tiers.
    fn random_arcs(seed: u64) -> (usize, Vec<(u32, u32, i64, Cost)>) {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let n = rng.random_range(2..12usize);
        let arcs = rng.random_range(0..40usize);
        let mut out = Vec::new();
        for _ in 0..arcs {
            let u = rng.random_range(0..n) as u32;
            let v = rng.random_range(0..n) as u32;
            if u == v {
                continue;
            }
            let mut c = ZERO;
            c[0] = rng.random_range(-2..=3);
            c[8] = rng.random_range(-20..=40);
            out.push((u, v, rng.random_range(0..4), c));
        }
        (n, out)
    }

    /// Every arc within its capacity, flow conserved at every node but s
    /// and t, and no residual arc of negative reduced cost.
    fn check_optimality(
        n: usize,
        arcs: &[(u32, u32, i64, Cost)],
        o: &Outcome<Cost>,
        s: usize,
        t: usize,
    ) {
        let mut excess = vec![0i64; n];
        for (k, &(u, v, cap, c)) in arcs.iter().enumerate() {
            let f = o.flow[k];
            assert!((0..=cap).contains(&f), "arc {k} flow {f} cap {cap}");
            excess[u as usize] -= f;
            excess[v as usize] += f;
            let rc = c.plus(&o.pot[u as usize]).minus(&o.pot[v as usize]);
            if f < cap {
                assert!(rc >= ZERO, "arc {k} could still carry more: {rc:?}");
            }
            if f > 0 {
                assert!(rc <= ZERO, "arc {k} should carry less: {rc:?}");
            }
        }
        for (v, &e) in excess.iter().enumerate() {
            if v != s && v != t {
                assert_eq!(e, 0, "node {v} not conserved");
            }
        }
        assert_eq!(excess[s], -excess[t]);
        // The closing arc t → s (cost zero, unlimited): more flow would not
        // pay, and flow that is sent pays its way.
        assert!(o.pot[t] >= o.pot[s], "more flow would pay");
        if excess[t] > 0 {
            assert_eq!(o.pot[t], o.pot[s]);
        }
    }

    #[test]
    fn network_simplex_matches_successive_shortest_paths_on_random_networks() {
        for seed in 0..400 {
            let (n, arcs) = random_arcs(seed);
            let (s, t) = (0, n - 1);
            let tail: Vec<u32> = arcs.iter().map(|a| a.0).collect();
            let head: Vec<u32> = arcs.iter().map(|a| a.1).collect();
            let cap: Vec<i64> = arcs.iter().map(|a| a.2).collect();
            let cost: Vec<Cost> = arcs.iter().map(|a| a.3).collect();
            // Optimality by duality on every network; the cost against
            // successive shortest paths where those apply (no cycles).
            let o = solve(&Problem {
                nodes: n,
                tail: &tail,
                head: &head,
                cap: &cap,
                cost: &cost,
                s,
                t,
            })
            .expect("bounded");
            check_optimality(n, &arcs, &o, s, t);
            let mut total = ZERO;
            for (k, c) in cost.iter().enumerate() {
                for (x, y) in total.iter_mut().zip(c) {
                    *x += y * o.flow[k];
                }
            }
            if arcs.iter().all(|a| a.0 < a.1) {
                let mut g = Mcf::new(n);
                for a in &arcs {
                    g.add_edge(a.0 as usize, a.1 as usize, a.2, a.3);
                }
                g.batch = seed % 2 == 0;
                let ssp = g.run_shortest_paths(s, t);
                assert_eq!(total, ssp, "seed {seed}");
            }
        }
    }

    #[test]
    fn an_empty_network_has_zero_flow() {
        let o = solve::<i128>(&Problem {
            nodes: 3,
            tail: &[],
            head: &[],
            cap: &[],
            cost: &[],
            s: 0,
            t: 2,
        })
        .expect("bounded");
        assert!(o.flow.is_empty());
        assert_eq!(o.pot, vec![0, 0, 0]);
    }

    #[test]
    fn a_capped_reward_is_taken_in_full() {
        let o = solve::<i128>(&Problem {
            nodes: 2,
            tail: &[0],
            head: &[1],
            cap: &[5],
            cost: &[-3],
            s: 0,
            t: 1,
        })
        .expect("bounded");
        assert_eq!(o.flow, vec![5]);
    }
}
