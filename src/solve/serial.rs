//! Mechanism `serial_dictatorship` (摇号选位, FORMAT.md §3).
//!
//! Readings: an incumbent keeps a previous resource only while it is still
//! eligible (within `max_walk_m`) and not pinned to someone else; incumbents
//! are settled in turn order, so of two households naming the same resource
//! the earlier turn keeps it. In the first pass a reserved space may only be
//! taken by a member of its class whose claim is still open (a permit holder
//! holding no accessible space yet, an EV owner holding fewer than
//! `min(evs, demand)` charger spaces). "Nearest first, equal distances within
//! 0.05 m by id" picks, among the candidates within 0.05 m of the nearest, the
//! one with the smallest id in byte order.

use super::instance::{Instance, Reservation};
use super::Prepared;

/// Distances this close count as equal when choosing a resource.
pub const TIE_M: f64 = 0.05;

/// The turn order: lottery order, stably re-sorted so that each priority
/// class comes first in its listed order. Household indices.
pub fn turn_order(inst: &Instance) -> Vec<usize> {
    let mut order: Vec<usize> = (0..inst.households.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&inst.households[a], &inst.households[b]);
        (x.lottery_rank, &x.id).cmp(&(y.lottery_rank, &y.id))
    });
    let key = |h: usize| {
        inst.priority
            .iter()
            .position(|&c| inst.households[h].in_class(c))
            .unwrap_or(inst.priority.len())
    };
    order.sort_by_key(|&h| key(h));
    order
}

struct State<'a> {
    inst: &'a Instance,
    taken: Vec<bool>,
    got: Vec<u32>,
    acc: Vec<u32>,
    chg: Vec<u32>,
    out: Vec<(usize, usize)>,
}

impl State<'_> {
    fn take(&mut self, h: usize, r: usize) {
        self.taken[r] = true;
        self.got[h] += 1;
        match self.inst.resources[r].reservation() {
            Reservation::Permit => self.acc[h] += 1,
            Reservation::Ev => self.chg[h] += 1,
            Reservation::None => {}
        }
        self.out.push((h, r));
    }

    fn may_take(&self, h: usize, r: usize, first_pass: bool) -> bool {
        if self.taken[r] || !self.inst.eligible(h, r) {
            return false;
        }
        let d = &self.inst.households[h];
        !first_pass
            || match self.inst.resources[r].reservation() {
                Reservation::None => true,
                Reservation::Permit => d.permit && self.acc[h] < 1,
                Reservation::Ev => d.evs > 0 && self.chg[h] < d.evs.min(d.demand),
            }
    }

    /// Nearest candidate; within `TIE_M` of the nearest, the smallest id.
    fn best(&self, h: usize, cands: impl Iterator<Item = usize> + Clone) -> Option<usize> {
        let nearest = cands
            .clone()
            .map(|r| self.inst.walk_of(h, r))
            .fold(f64::INFINITY, f64::min);
        cands
            .filter(|&r| self.inst.walk_of(h, r) <= nearest + TIE_M + 1e-9)
            .min_by(|&a, &b| {
                let (x, y) = (&self.inst.resources[a].id, &self.inst.resources[b].id);
                x.as_bytes().cmp(y.as_bytes()).then(a.cmp(&b))
            })
    }

    fn pick(&self, h: usize, first_pass: bool) -> Option<usize> {
        let m = self.inst.resources.len();
        for entry in &self.inst.households[h].preferences {
            let cands = entry
                .iter()
                .copied()
                .filter(|&r| r < m && self.may_take(h, r, first_pass));
            if let Some(r) = self.best(h, cands) {
                return Some(r);
            }
        }
        self.best(h, (0..m).filter(|&r| self.may_take(h, r, first_pass)))
    }
}

/// The serial-dictatorship assignment, pins included.
pub(crate) fn assign(inst: &Instance, prep: &Prepared) -> Vec<(usize, usize)> {
    let n = inst.households.len();
    let mut st = State {
        inst,
        taken: vec![false; inst.resources.len()],
        got: vec![0; n],
        acc: vec![0; n],
        chg: vec![0; n],
        out: Vec::new(),
    };
    for &(h, r) in &prep.pins {
        st.take(h, r);
    }
    let order = turn_order(inst);
    if prep.keep {
        for &h in &order {
            for &r in &inst.households[h].incumbents {
                if st.got[h] < inst.households[h].demand
                    && r < inst.resources.len()
                    && !st.taken[r]
                    && inst.eligible(h, r)
                {
                    st.take(h, r);
                }
            }
        }
    }
    for first_pass in [true, false] {
        for &h in &order {
            while st.got[h] < inst.households[h].demand {
                match st.pick(h, first_pass) {
                    Some(r) => st.take(h, r),
                    None => break,
                }
            }
        }
    }
    st.out.sort_unstable();
    st.out
}
