//! The good_lp reference engine of mechanism `optimal`: the lexicographic
//! stages of FORMAT.md §3 as MILPs, each optimum added as a constraint
//! (`≥ opt` for the integer stages, whose values are integers, `≤ opt + ε`
//! for the walk stages).
//!
//! Sized for real sites (issue 12):
//! - **Clusters.** Households of one unit group and building with nothing
//!   that tells them apart in stages 1–3 and 5 (no reservation claim, no
//!   listed priority class, no preferences, no incumbents under
//!   `keep_incumbents`) share one binary `x[c,r]` per open resource; each
//!   household keeps an integer `s[h]` (its served units) and
//!   `Σ s[h] = Σ x[c,·]` links them. Anyone else is a cluster of one.
//! - **Exact stage rows, LP first.** Each integer stage's optimum is added
//!   as `≥ opt` (never `opt − 0.5`, which let the LP relaxation hand half a
//!   unit elsewhere), and the lottery fixes a household by its variable's
//!   bounds. Every solve tries the LP relaxation first and keeps an integral
//!   vertex: on Yixinqiao every stage up to the lottery closes as an LP.
//! - **Lottery in few solves.** One solve maximises `Σ w_h s[h]` over the
//!   households not yet fixed, the first outweighing all the others together
//!   and the rest weighing linearly less down the draw. The candidate is then
//!   *proved* lexicographically maximal: households served in full need
//!   nothing; a run of unserved ones is one solve (`max Σ s` over the run,
//!   earlier ones fixed, must be 0); a partly served one is one solve. Where
//!   the proof fails, a bisection over the run finds the first household that
//!   can get more, it is fixed at its maximum and the weighted solve repeats
//!   on the rest — so the answer never rests on the weights.
//! - **Longest walk** by `z ≥ Σ_c d(c,r)·x[c,r]` per resource (one holder at
//!   most), not one row per pair.
//!
//! Resources of a cluster go to its households in draw order, each in
//! resource id order (equal walks: lower ids to the earlier-drawn household).
//!
//! Files: this one builds the model and runs the stages; `lp` holds the rows
//! and runs one solve; each good_lp backend has a file of its own, compiled
//! with its cargo feature (`microlp`, `coin_cbc`), as good_lp itself does.

#[cfg(not(any(feature = "microlp", feature = "coin_cbc")))]
compile_error!("the MILP engine needs a good_lp backend: enable feature `microlp` or `coin_cbc`");

#[cfg(feature = "coin_cbc")]
mod coin_cbc;
mod lp;
#[cfg(feature = "microlp")]
mod microlp;

use super::instance::{Instance, Reservation};
use super::{MilpBackend, Prepared, SolveError};
use lp::{int, value, Kind, Lin, Model};
use std::collections::BTreeMap;

/// Households that share assignment variables (see the module docs).
struct Cluster {
    /// Members in draw order.
    members: Vec<usize>,
}

/// Whether h differs from the others of its unit only by demand and draw.
fn plain(inst: &Instance, prep: &Prepared, h: usize) -> bool {
    let d = &inst.households[h];
    prep.permit_cap[h] == 0
        && prep.ev_cap[h] == 0
        && d.preferences.is_empty()
        && (!prep.keep || d.incumbents.is_empty())
        && !prep.classes.iter().any(|&c| d.in_class(c))
}

/// Solves mechanism `optimal` stage by stage; returns the assignment, pins included.
pub(crate) fn assign(
    inst: &Instance,
    prep: &Prepared,
    backend: MilpBackend,
) -> Result<Vec<(usize, usize)>, SolveError> {
    let m = inst.resources.len();
    let mut out = prep.pins.clone();
    // Clusters, in draw order of their first member.
    let mut clusters: Vec<Cluster> = Vec::new();
    let mut by_unit: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for &h in &prep.hh_order {
        if prep.rem[h] == 0 || !(0..m).any(|r| prep.open(inst, h, r)) {
            continue;
        }
        if plain(inst, prep, h) {
            let key = (inst.households[h].group, prep.hb[h]);
            if let Some(&c) = by_unit.get(&key) {
                clusters[c].members.push(h);
                continue;
            }
            by_unit.insert(key, clusters.len());
        }
        clusters.push(Cluster { members: vec![h] });
    }
    if clusters.is_empty() {
        return Ok(out);
    }
    let mut md = Model {
        kinds: Vec::new(),
        fixed: Vec::new(),
        rows: Vec::new(),
        solves: 0,
        lp_solves: 0,
    };
    // x[c,r]: (cluster, resource, variable).
    let mut pairs: Vec<(usize, usize, usize)> = Vec::new();
    let mut of_c: Vec<Lin> = vec![Vec::new(); clusters.len()];
    let mut of_r: Vec<Lin> = vec![Vec::new(); m];
    for (c, cl) in clusters.iter().enumerate() {
        let rep = cl.members[0];
        for r in 0..m {
            if prep.open(inst, rep, r) {
                let v = md.var(Kind::Binary);
                pairs.push((c, r, v));
                of_c[c].push((v, 1.0));
                of_r[r].push((v, 1.0));
            }
        }
    }
    for lin in &of_r {
        if lin.len() > 1 {
            md.le(lin.clone(), 1.0);
        }
    }
    // s[h] and the link Σ s = Σ x per cluster.
    let mut s = vec![usize::MAX; inst.households.len()];
    for (c, cl) in clusters.iter().enumerate() {
        let mut link: Lin = of_c[c].iter().map(|&(v, _)| (v, -1.0)).collect();
        for &h in &cl.members {
            s[h] = md.var(Kind::Integer(f64::from(prep.rem[h])));
            link.push((s[h], 1.0));
        }
        md.le(link.clone(), 0.0);
        md.ge(link, 0.0);
    }
    // 1a: a_c ≤ reservation claim, a_c ≤ reserved spaces held (only clusters
    // of one have a claim).
    let mut reserved: Lin = Vec::new();
    for (c, cl) in clusters.iter().enumerate() {
        let h = cl.members[0];
        for (res, cap) in [
            (Reservation::Permit, prep.permit_cap[h]),
            (Reservation::Ev, prep.ev_cap[h]),
        ] {
            if cap == 0 {
                continue;
            }
            let held: Lin = pairs
                .iter()
                .filter(|&&(cc, r, _)| cc == c && inst.resources[r].reservation() == res)
                .map(|&(_, _, v)| (v, 1.0))
                .collect();
            if held.is_empty() {
                continue;
            }
            let a = md.var(Kind::Continuous(f64::from(cap)));
            let mut row = vec![(a, 1.0)];
            row.extend(held.iter().map(|&(v, c)| (v, -c)));
            md.le(row, 0.0);
            reserved.push((a, 1.0));
        }
    }
    let all: Lin = pairs.iter().map(|&(_, _, v)| (v, 1.0)).collect();
    let mut stages: Vec<Lin> = vec![reserved];
    for &class in &prep.classes {
        stages.push(
            pairs
                .iter()
                .filter(|&&(c, _, _)| {
                    clusters[c]
                        .members
                        .iter()
                        .all(|&h| inst.households[h].in_class(class))
                })
                .map(|&(_, _, v)| (v, 1.0))
                .collect(),
        );
    }
    stages.push(all);
    if prep.share {
        let mut met: Lin = Vec::new();
        for b in 0..prep.buildings.len() {
            let open = i64::from(prep.entitled[b]) - i64::from(prep.pinned_b[b]);
            if open <= 0 {
                continue;
            }
            let row_x: Lin = pairs
                .iter()
                .filter(|&&(c, _, _)| prep.hb[clusters[c].members[0]] == b)
                .map(|&(_, _, v)| (v, -1.0))
                .collect();
            if row_x.is_empty() {
                continue;
            }
            let mb = md.var(Kind::Continuous(open as f64));
            let mut row = vec![(mb, 1.0)];
            row.extend(row_x);
            md.le(row, 0.0);
            met.push((mb, 1.0));
        }
        stages.push(met);
    }
    if prep.keep {
        stages.push(
            pairs
                .iter()
                .filter(|&&(c, r, _)| {
                    let h = clusters[c].members[0];
                    clusters[c].members.len() == 1 && inst.households[h].incumbents.contains(&r)
                })
                .map(|&(_, _, v)| (v, 1.0))
                .collect(),
        );
    }
    for obj in stages {
        if obj.is_empty() {
            continue;
        }
        let vals = md.solve(&obj, true, backend)?;
        let opt = value(&obj, &vals).round();
        md.ge(obj, opt);
    }
    // 4: the lottery.
    let lot: Vec<usize> = prep
        .hh_order
        .iter()
        .copied()
        .filter(|&h| s[h] != usize::MAX)
        .collect();
    lottery(&mut md, &lot, &s, &prep.rem, backend)?;
    // 5: longest walk, total walk, preferences.
    let z = md.var(Kind::Continuous(f64::INFINITY));
    let walk_of = |c: usize, r: usize| inst.walk_of(clusters[c].members[0], r);
    let mut per_r: Vec<Lin> = vec![Vec::new(); m];
    for &(c, r, v) in &pairs {
        per_r[r].push((v, walk_of(c, r)));
    }
    for mut lin in per_r {
        if lin.is_empty() {
            continue;
        }
        lin.push((z, -1.0));
        md.le(lin, 0.0);
    }
    // Pins are walked too: the longest walk is never below theirs, and the
    // open pairs may use up to it at no cost.
    let pin_max = prep
        .pins
        .iter()
        .map(|&(h, r)| inst.walk_of(h, r))
        .filter(|w| w.is_finite())
        .fold(0.0, f64::max);
    md.ge(vec![(z, 1.0)], pin_max);
    let total: Lin = pairs.iter().map(|&(c, r, v)| (v, walk_of(c, r))).collect();
    let prefs: Lin = pairs
        .iter()
        .filter_map(|&(c, r, v)| {
            let p = &inst.households[clusters[c].members[0]].preferences;
            let rank = p.iter().position(|s| s.contains(&r)).unwrap_or(p.len());
            (rank > 0).then_some((v, rank as f64))
        })
        .collect();
    let mut vals = Vec::new();
    for obj in [vec![(z, 1.0)], total, prefs] {
        if obj.is_empty() {
            continue;
        }
        vals = md.solve(&obj, false, backend)?;
        let opt = value(&obj, &vals);
        md.le(obj, opt + 1e-7 * (1.0 + opt.abs()));
    }
    tracing::debug!(
        solves = md.solves,
        lp = md.lp_solves,
        clusters = clusters.len(),
        "milp engine"
    );
    // Each cluster's resources, in id order, to its members in draw order.
    let mut held: Vec<Vec<usize>> = vec![Vec::new(); clusters.len()];
    for &(c, r, v) in &pairs {
        if vals.get(v).copied().unwrap_or(0.0) > 0.5 {
            held[c].push(r);
        }
    }
    for (c, cl) in clusters.iter().enumerate() {
        held[c].sort_by_key(|&r| prep.res_rank[r]);
        let mut next = held[c].iter();
        for &h in &cl.members {
            for _ in 0..int(&vals, s[h]) {
                match next.next() {
                    Some(&r) => out.push((h, r)),
                    None => {
                        return Err(SolveError::Backend {
                            backend: backend.as_str().into(),
                            message: "a cluster's served units and resources disagree".into(),
                        })
                    }
                }
            }
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// Stage 4: fixes every `s[h]` of `lot` (households in draw order) at its
/// lexicographic maximum. See the module docs for the method.
fn lottery(
    md: &mut Model,
    lot: &[usize],
    s: &[usize],
    rem: &[u32],
    backend: MilpBackend,
) -> Result<(), SolveError> {
    let fix = |md: &mut Model, h: usize, v: u32| {
        md.fix(s[h], f64::from(v));
    };
    // Households before `k` are fixed; each pass takes a candidate from a
    // weighted solve of the rest and proves it household by household.
    let mut k = 0;
    while k < lot.len() {
        let vals = md.solve(&weighted(&lot[k..], s, rem), true, backend)?;
        let mut i = k;
        k = lot.len();
        while i < lot.len() {
            let h = lot[i];
            let cand = int(&vals, s[h]);
            if cand >= rem[h] {
                fix(md, h, rem[h]);
                i += 1;
                continue;
            }
            if cand > 0 {
                let best = md.max_from(&vec![(s[h], 1.0)], f64::from(cand), backend)?;
                if best.round() as u32 > cand {
                    // The weighted candidate was wrong here: h gets its
                    // maximum and a weighted solve restarts after it.
                    fix(md, h, best.round() as u32);
                    k = i + 1;
                    break;
                }
                fix(md, h, cand);
                i += 1;
                continue;
            }
            // A run of unserved households: all of them stay at 0 when the
            // run's total cannot rise; else the first that can get something
            // is found by bisection and a weighted solve restarts there.
            let j = (i..lot.len())
                .find(|&j| int(&vals, s[lot[j]]) > 0)
                .unwrap_or(lot.len());
            let nothing = |md: &mut Model, hs: &[usize]| -> Result<bool, SolveError> {
                let run: Lin = hs.iter().map(|&h| (s[h], 1.0)).collect();
                Ok(md.max_from(&run, 0.0, backend)? < 0.5)
            };
            if nothing(md, &lot[i..j])? {
                for &h in &lot[i..j] {
                    fix(md, h, 0);
                }
                i = j;
                continue;
            }
            // lot[i..lo] can all stay at 0, lot[i..hi] cannot.
            let (mut lo, mut hi) = (i, j);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if nothing(md, &lot[i..mid])? {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            for &h in &lot[i..lo] {
                fix(md, h, 0);
            }
            let h = lot[lo];
            let best = md.max_from(&vec![(s[h], 1.0)], 0.0, backend)?;
            fix(md, h, best.round() as u32);
            k = lo + 1;
            break;
        }
    }
    Ok(())
}

/// The lottery's weighted objective over `hs` (draw order): the first
/// household outweighs all the others together, so its candidate value is
/// its maximum; the rest weigh linearly less down the draw.
fn weighted(hs: &[usize], s: &[usize], rem: &[u32]) -> Lin {
    let n = hs.len();
    let mut obj: Lin = Vec::with_capacity(n);
    let mut rest = 0.0;
    for (i, &h) in hs.iter().enumerate().skip(1) {
        let w = (n - i) as f64;
        rest += w * f64::from(rem[h]);
        obj.push((s[h], w));
    }
    if let Some(&h) = hs.first() {
        obj.push((s[h], rest + 1.0));
    }
    obj
}

#[cfg(test)]
mod tests;
