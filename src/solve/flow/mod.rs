//! The exact combinatorial engine of mechanism `optimal`: a min-cost flow
//! whose arc costs are lexicographic vectors (see [`mcf`]).
//!
//! Network (nodes in topological order): source → building b (a reward arc
//! of capacity `entitled_b − pinned_b` on the building-share tier, plus a
//! free arc) → household h (capacity: remaining demand; rewards on the
//! served and priority-class tiers) → channels → resource → sink
//! (capacity 1). Channels: the general one, a permit channel (capacity 1 if
//! the permit claim is still open, reward on tier 1a) to accessible spaces,
//! and an EV channel (capacity `min(evs, demand)` − pinned chargers, reward on
//! tier 1a) to charger-only spaces. Households without preferences and
//! incumbents share their unit's channels, so arcs ≈ units × resources.
//!
//! Stages: one solve with tiers 1a, 1b, 1c, 2 and 3 (few distinct costs:
//! successive shortest paths in batches); then the lottery stage, exactly
//! lexicographic, by augmenting down the lottery order along cycles of zero
//! reduced cost on tiers 1–3 (the optimal face) that avoid the arcs of
//! households already fixed (`search`); then, with each household's served
//! units fixed, the longest walk is the smallest candidate distance that
//! keeps tiers 1–3 at their optimum: b-matchings bound it from below
//! (`bottleneck`), a min-cost check (batched shortest paths) confirms the
//! bound or gallops up from it; and a last solve by the network simplex ([`simplex`]) minimises total walk (millimetres),
//! preference rank and resource-id order, where every path cost differs.
//!
//! Augmenting along a cycle only adds reverse arcs between nodes that could
//! already reach one another, so what a node can reach never grows during
//! the lottery stage: a node found unable to reach a building stays so, and
//! the searches share those findings.

mod bottleneck;
pub mod mcf;
mod packing;
mod search;
pub mod simplex;

use super::instance::{Instance, Reservation};
use super::{Prepared, SolveError};
use mcf::{Cost, Mcf, ZERO};

const T1A: usize = 0;
const TP: usize = 1; // 1..=3: priority classes in listed order
const T1C: usize = 4;
const T2: usize = 5;
const T3: usize = 6;
// Tier 7 (the lottery, stage 4) carries no cost: that stage is solved by
// cycle search (`Net::lottery_fixup`), not by weights.
const TWALK: usize = 8;
const TPREF: usize = 9;
const TID: usize = 10;
/// Tiers of stages 1–3: the face the lottery stage must stay on.
const PREFIX: usize = T3 + 1;

fn mm(w: f64) -> i64 {
    (w * 1000.0).round() as i64
}

fn tier(pairs: &[(usize, i64)]) -> Cost {
    let mut c = ZERO;
    for &(i, v) in pairs {
        if let Some(x) = c.get_mut(i) {
            *x += v;
        }
    }
    c
}

struct Options<'a> {
    caps: Option<&'a [u32]>,
    share: bool,
    limit: Option<f64>,
    /// Include the walk, preference and id-order tiers.
    walk: bool,
}

#[derive(Clone, Copy)]
enum Owner {
    Own(usize),
    Channel(usize),
}

struct Net {
    g: Mcf,
    s: usize,
    t: usize,
    hh_edge: Vec<Option<usize>>,
    hh_node: Vec<usize>,
    b_node: Vec<usize>,
    res_edges: Vec<(usize, Owner, usize)>,
    /// Shared channels: members `(household, edge household → channel)` in lottery order.
    channels: Vec<Vec<(usize, usize)>>,
    /// The resource nodes (contiguous ids).
    res_nodes: std::ops::Range<usize>,
}

fn grouped(inst: &Instance, prep: &Prepared, h: usize) -> bool {
    let d = &inst.households[h];
    d.preferences.is_empty() && (d.incumbents.is_empty() || !prep.keep)
}

fn within(inst: &Instance, prep: &Prepared, group: usize, r: usize, limit: Option<f64>) -> bool {
    let w = inst
        .walk
        .get(group)
        .and_then(|row| row.get(r))
        .copied()
        .unwrap_or(f64::NAN);
    !prep.pinned_res[r] && w <= inst.max_walk_m && limit.is_none_or(|t| w <= t)
}

impl Net {
    fn build(inst: &Instance, prep: &Prepared, o: &Options) -> Net {
        let n = inst.households.len();
        let m = inst.resources.len();
        let cap_of = |h: usize| {
            o.caps
                .map_or(prep.rem[h], |c| c.get(h).copied().unwrap_or(0))
        };
        let mut g = Mcf::new(0);
        g.batch = !o.walk;
        g.simplex = o.walk;
        let s = g.add_node();
        let b_node: Vec<usize> = prep.buildings.iter().map(|_| g.add_node()).collect();
        let mut hh_node = vec![usize::MAX; n];
        for &h in &prep.hh_order {
            hh_node[h] = g.add_node();
        }
        // Channel nodes.
        let ngroups = inst.walk.len();
        let mut group_ch: Vec<[Option<usize>; 3]> = vec![[None; 3]; ngroups];
        let mut own_ch: Vec<[Option<usize>; 2]> = vec![[None; 2]; n];
        let mut channels: Vec<Vec<(usize, usize)>> = Vec::new();
        let mut channel_of_node: std::collections::BTreeMap<usize, usize> = Default::default();
        for &h in &prep.hh_order {
            if cap_of(h) == 0 {
                continue;
            }
            let grp = inst.households[h].group;
            let wants = [true, prep.permit_cap[h] > 0, prep.ev_cap[h] > 0];
            if grouped(inst, prep, h) {
                for k in 0..3 {
                    if wants[k] && group_ch[grp][k].is_none() {
                        let v = g.add_node();
                        group_ch[grp][k] = Some(v);
                        channel_of_node.insert(v, channels.len());
                        channels.push(Vec::new());
                    }
                }
            } else {
                for k in 0..2 {
                    if wants[k + 1] {
                        own_ch[h][k] = Some(g.add_node());
                    }
                }
            }
        }
        let mut r_node = vec![0usize; m];
        for &r in &prep.res_order {
            r_node[r] = g.add_node();
        }
        let res_nodes = r_node.iter().copied().min().unwrap_or(0)
            ..r_node.iter().copied().max().map_or(0, |x| x + 1);
        let t = g.add_node();
        // Source → buildings.
        let mut cap_b = vec![0i64; b_node.len()];
        for h in 0..n {
            cap_b[prep.hb[h]] += i64::from(cap_of(h));
        }
        for (b, &bn) in b_node.iter().enumerate() {
            let reward = i64::from(prep.entitled[b]) - i64::from(prep.pinned_b[b]);
            if o.share && reward > 0 {
                g.add_edge(s, bn, reward, tier(&[(T2, -1)]));
            }
            g.add_edge(s, bn, cap_b[b], ZERO);
        }
        // Buildings → households → channels.
        let mut hh_edge = vec![None; n];
        let mut res_edges = Vec::new();
        for &h in &prep.hh_order {
            let cap = cap_of(h);
            if cap == 0 {
                continue;
            }
            let d = &inst.households[h];
            let hn = hh_node[h];
            let mut c = tier(&[(T1C, -1)]);
            for (k, &cl) in prep.classes.iter().enumerate().take(3) {
                if d.in_class(cl) {
                    c[TP + k] -= 1;
                }
            }
            hh_edge[h] = Some(g.add_edge(b_node[prep.hb[h]], hn, i64::from(cap), c));
            let reserved_caps = [prep.permit_cap[h], prep.ev_cap[h]];
            if grouped(inst, prep, h) {
                let gc = group_ch[d.group];
                let caps = [cap, reserved_caps[0], reserved_caps[1]];
                for k in 0..3 {
                    if let (Some(v), true) = (gc[k], caps[k] > 0) {
                        let cost = if k == 0 { ZERO } else { tier(&[(T1A, -1)]) };
                        let e = g.add_edge(hn, v, i64::from(caps[k].min(cap)), cost);
                        if let Some(&ci) = channel_of_node.get(&v) {
                            channels[ci].push((h, e));
                        }
                    }
                }
            } else {
                for k in 0..2 {
                    if let Some(v) = own_ch[h][k] {
                        g.add_edge(
                            hn,
                            v,
                            i64::from(reserved_caps[k].min(cap)),
                            tier(&[(T1A, -1)]),
                        );
                    }
                }
                for &r in &prep.res_order {
                    if !within(inst, prep, d.group, r, o.limit) {
                        continue;
                    }
                    let w = inst.walk[d.group][r];
                    let pref = d
                        .preferences
                        .iter()
                        .position(|set| set.contains(&r))
                        .unwrap_or(d.preferences.len()) as i64;
                    let mut c = if o.walk {
                        tier(&[
                            (TWALK, mm(w)),
                            (TPREF, pref),
                            (TID, (prep.res_rank[r] * (n - prep.pos[h])) as i64),
                        ])
                    } else {
                        ZERO
                    };
                    if prep.keep && d.incumbents.contains(&r) {
                        c[T3] -= 1;
                    }
                    let targets = [
                        Some(hn),
                        own_ch[h][0]
                            .filter(|_| inst.resources[r].reservation() == Reservation::Permit),
                        own_ch[h][1].filter(|_| inst.resources[r].reservation() == Reservation::Ev),
                    ];
                    for from in targets.into_iter().flatten() {
                        let e = g.add_edge(from, r_node[r], 1, c);
                        res_edges.push((e, Owner::Own(h), r));
                    }
                }
            }
        }
        // Shared channels → resources.
        for (grp, chans) in group_ch.iter().enumerate() {
            for (k, ch) in chans.iter().enumerate() {
                let Some(v) = *ch else { continue };
                let ci = channel_of_node.get(&v).copied().unwrap_or(0);
                // Equal walks: lower ids to the channel whose earliest-drawn
                // member comes first (within a channel, `extract` hands them
                // out in lottery order), as for households of their own.
                let first = channels
                    .get(ci)
                    .and_then(|m| m.first())
                    .map_or(n, |&(h, _)| prep.pos[h]);
                for &r in &prep.res_order {
                    if !within(inst, prep, grp, r, o.limit) {
                        continue;
                    }
                    let res = inst.resources[r].reservation();
                    if (k == 1 && res != Reservation::Permit) || (k == 2 && res != Reservation::Ev)
                    {
                        continue;
                    }
                    let w = inst.walk[grp][r];
                    let c = if o.walk {
                        tier(&[
                            (TWALK, mm(w)),
                            (TID, (prep.res_rank[r] * (n - first)) as i64),
                        ])
                    } else {
                        ZERO
                    };
                    let e = g.add_edge(v, r_node[r], 1, c);
                    res_edges.push((e, Owner::Channel(ci), r));
                }
            }
        }
        for &r in &prep.res_order {
            if !prep.pinned_res[r] {
                g.add_edge(r_node[r], t, 1, ZERO);
            }
        }
        Net {
            g,
            s,
            t,
            hh_edge,
            hh_node,
            b_node,
            res_edges,
            channels,
            res_nodes,
        }
    }

    fn run(&mut self) -> Cost {
        self.g.run(self.s, self.t)
    }

    fn served(&self, n: usize) -> Vec<u32> {
        (0..n)
            .map(|h| self.hh_edge[h].map_or(0, |e| self.g.flow(e).max(0) as u32))
            .collect()
    }

    /// Makes the lottery stage exactly lexicographic: down the lottery order,
    /// raise each household's served units along zero-reduced-cost cycles
    /// (tiers 1–3) that leave every earlier household's units unchanged.
    fn lottery_fixup(&mut self, prep: &Prepared) {
        let mut blocked = vec![false; self.g.edge_count() / 2 + 1];
        let nodes = self.g.nodes();
        let zero = self.g.zero_flags(PREFIX);
        let mut dead: Vec<Option<Vec<bool>>> = vec![None; self.b_node.len()];
        let exits: Vec<usize> = std::iter::once(self.s)
            .chain(self.b_node.iter().copied())
            .collect();
        let mut search = search::ZeroSearch::new(&self.g, self.res_nodes.clone(), &exits, &zero);
        for &h in &prep.hh_order {
            if crate::cancel::cancelled() {
                break;
            }
            let Some(e) = self.hh_edge[h] else { continue };
            blocked[e >> 1] = true;
            let b = prep.hb[h];
            while self.g.residual(e) > 0 && zero[e] {
                let dead_b = dead[b].get_or_insert_with(|| vec![false; nodes]);
                match search.path(
                    &self.g,
                    self.hh_node[h],
                    self.b_node[b],
                    &zero,
                    &blocked,
                    dead_b,
                ) {
                    Ok(path) => {
                        let amount = path
                            .iter()
                            .map(|&p| self.g.residual(p))
                            .fold(self.g.residual(e), i64::min);
                        self.g.push(&[e], amount);
                        self.g.push(&path, amount);
                        search.pushed(&self.g, &path);
                    }
                    Err(visited) => {
                        for v in visited {
                            dead_b[v] = true;
                        }
                        break;
                    }
                }
            }
        }
    }

    /// The assignment carried by the flow; shared channels hand their
    /// resources (in id order) to members in lottery order.
    fn extract(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut pools: Vec<Vec<usize>> = vec![Vec::new(); self.channels.len()];
        for &(e, owner, r) in &self.res_edges {
            if self.g.flow(e) > 0 {
                match owner {
                    Owner::Own(h) => out.push((h, r)),
                    Owner::Channel(c) => pools[c].push(r),
                }
            }
        }
        for (c, members) in self.channels.iter().enumerate() {
            let mut pool = pools[c].iter();
            for &(h, e) in members {
                for _ in 0..self.g.flow(e).max(0) {
                    if let Some(&r) = pool.next() {
                        out.push((h, r));
                    }
                }
            }
        }
        out
    }
}

/// The most units building `b`'s households could get if no other building
/// competed, beyond their pins: a maximum b-matching of its units (demand:
/// their households' remaining demand) to the unpinned resources each can
/// use (reservations ignored).
pub(crate) fn alone(inst: &Instance, prep: &Prepared, b: usize) -> u32 {
    let m = inst.resources.len();
    let mut unit_demand: std::collections::BTreeMap<usize, u32> = Default::default();
    for (h, d) in inst.households.iter().enumerate() {
        if prep.hb[h] == b && prep.rem[h] > 0 {
            *unit_demand.entry(d.group).or_default() += prep.rem[h];
        }
    }
    let arcs = unit_demand
        .keys()
        .map(|&u| {
            (0..m)
                .filter(|&r| within(inst, prep, u, r, None))
                .map(|r| (inst.walk[u][r], r as u32))
                .collect()
        })
        .collect();
    let matched =
        bottleneck::Bipartite::new(unit_demand.into_values().collect(), arcs, m).max_matched();
    u32::try_from(matched).unwrap_or(u32::MAX)
}

/// Stage 5's candidate longest walks (sorted, distinct, at most `upper`)
/// and the index of the largest of three lower bounds among them: the
/// first limit under which every unit's served total fits, and so do tier
/// 1a's reserved units and tier 3's kept incumbents of `reference`
/// (b-matchings, [`bottleneck`]).
fn walk_candidates(
    inst: &Instance,
    prep: &Prepared,
    x: &[u32],
    upper: f64,
    reference: &Cost,
) -> (Vec<f64>, usize) {
    let n = inst.households.len();
    let m = inst.resources.len();
    let mut demand = vec![0u32; inst.walk.len()];
    for h in 0..n {
        if let Some(k) = demand.get_mut(inst.households[h].group) {
            *k += x[h];
        }
    }
    let mut cands: Vec<f64> = Vec::new();
    let mut arcs: Vec<Vec<(f64, u32)>> = vec![Vec::new(); demand.len()];
    for (g, &k) in demand.iter().enumerate() {
        if k == 0 {
            continue;
        }
        for r in (0..m).filter(|&r| within(inst, prep, g, r, Some(upper))) {
            let w = inst.walk[g][r];
            cands.push(w);
            arcs[g].push((w, r as u32));
        }
    }
    cands.sort_by(f64::total_cmp);
    cands.dedup();
    // Tier 1a: per unit, the permit and the EV claims, to their spaces.
    let kinds = [Reservation::Permit, Reservation::Ev];
    let mut claims = vec![0u32; 2 * demand.len()];
    for h in 0..n {
        let g = inst.households[h].group;
        for (k, cap) in [prep.permit_cap[h], prep.ev_cap[h]].into_iter().enumerate() {
            if let Some(c) = claims.get_mut(2 * g + k) {
                *c += cap.min(x[h]);
            }
        }
    }
    let claim_arcs: Vec<Vec<(f64, u32)>> = (0..claims.len())
        .map(|i| {
            let kind = kinds[i % 2];
            arcs[i / 2]
                .iter()
                .copied()
                .filter(|&(_, r)| inst.resources[r as usize].reservation() == kind)
                .collect()
        })
        .collect();
    // Tier 3: incumbents (always households of their own) to their spaces.
    let mut kept_demand = Vec::new();
    let mut kept_arcs = Vec::new();
    for h in (0..n).filter(|&h| prep.keep && x[h] > 0) {
        let d = &inst.households[h];
        let row: Vec<(f64, u32)> = d
            .incumbents
            .iter()
            .filter(|&&r| within(inst, prep, d.group, r, Some(upper)))
            .map(|&r| (inst.walk[d.group][r], r as u32))
            .collect();
        if !row.is_empty() {
            kept_demand.push(x[h]);
            kept_arcs.push(row);
        }
    }
    let all = bottleneck::Bipartite::new(demand, arcs, m);
    let first = all
        .first_feasible(&cands, all.need())
        .max(
            bottleneck::Bipartite::new(claims, claim_arcs, m)
                .first_feasible(&cands, (-reference[T1A]).max(0) as u64),
        )
        .max(
            bottleneck::Bipartite::new(kept_demand, kept_arcs, m)
                .first_feasible(&cands, (-reference[T3]).max(0) as u64),
        );
    (cands, first)
}

/// Solves mechanism `optimal`; returns the assignment, pins included.
pub(crate) fn assign(inst: &Instance, prep: &Prepared) -> Result<Vec<(usize, usize)>, SolveError> {
    let n = inst.households.len();
    let mut out = prep.pins.clone();
    if n == 0 || inst.resources.is_empty() {
        return Ok(out);
    }
    // Stages 1–4.
    let mut net = Net::build(
        inst,
        prep,
        &Options {
            caps: None,
            share: prep.share,
            limit: None,
            walk: false,
        },
    );
    net.run();
    crate::cancel::check().map_err(|_| SolveError::Cancelled)?;
    net.lottery_fixup(prep);
    crate::cancel::check().map_err(|_| SolveError::Cancelled)?;
    let x = net.served(n);
    // Stage 5: who is served is now fixed. The stage 1–4 flow serves
    // exactly `x` at the optimum of tiers 1–3, so with `x` as capacities
    // that optimum is unchanged, but for the building-share reward, which
    // the fixed networks leave out (it is a function of `x`).
    let mut reference = net.g.total_cost();
    reference[T2] = 0;
    let held = net.extract();
    drop(net);
    let fixed = |limit: Option<f64>, walk: bool| {
        let mut net = Net::build(
            inst,
            prep,
            &Options {
                caps: Some(&x),
                share: false,
                limit,
                walk,
            },
        );
        let c = net.run();
        (net, c)
    };
    let pin_max = prep
        .pins
        .iter()
        .map(|&(h, r)| inst.walk_of(h, r))
        .filter(|w| w.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    // Bounds on the longest walk: the stage 1–4 flow's own longest walk is
    // attainable; below it, the candidates are the distinct open distances
    // of the units with someone served. Three b-matchings ([`bottleneck`])
    // give lower bounds: every unit's served total must fit, and so must
    // tier 1a's reserved units on reserved spaces and tier 3's incumbents
    // kept. The full check starts at the largest bound and gallops up.
    let upper = held
        .iter()
        .map(|&(h, r)| inst.walk_of(h, r))
        .fold(f64::NEG_INFINITY, f64::max);
    let (cands, first) = walk_candidates(inst, prep, &x, upper, &reference);
    let final_net = if cands.is_empty() {
        fixed(None, true).0
    } else {
        // Once cancelled, every probe answers "yes" at once and the search ends.
        let ok = |i: usize| {
            crate::cancel::cancelled()
                || fixed(Some(cands[i].max(pin_max)), false).1[..PREFIX] == reference[..PREFIX]
        };
        let last = cands.len() - 1;
        // Gallop up from the bound, then bisect.
        let (mut lo, mut hi) = (first.min(last), last);
        let mut step = 1;
        while lo < hi {
            let probe = (lo + step - 1).min(hi);
            if ok(probe) {
                hi = probe;
                break;
            }
            lo = probe + 1;
            step *= 2;
        }
        while lo < hi {
            let mid = (lo + hi) / 2;
            if ok(mid) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        fixed(Some(cands[lo].max(pin_max)), true).0
    };
    crate::cancel::check().map_err(|_| SolveError::Cancelled)?;
    out.extend(final_net.extract());
    out.sort_unstable();
    Ok(out)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod invariants;
