//! Mechanism `serial_dictatorship` (摇号选位, FORMAT.md §3).
//!
//! Readings: an incumbent keeps a previous resource only while it is still
//! eligible (within `max_walk_m`), not pinned to someone else, and — for a
//! reserved space — while it belongs to the space's class with its claim
//! open (the reservation rule of FORMAT.md §3 binds everyone but pins; an
//! outsider's old reserved space is only offered again in the second pass);
//! incumbents
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
                    && st.may_take(h, r, true)
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{solve, Engine};
    use super::*;
    use crate::model::{Mechanism, PriorityClass, Stability};
    use rstest::rstest;

    /// A (drawn first), B, C (elderly, drawn last); one space; elderly first.
    fn priority_resorts_the_turns() -> Instance {
        let mut c = hh("C", "B1", 0, 2);
        c.elderly = true;
        let mut inst = instance(
            vec![hh("A", "B1", 0, 0), hh("B", "B1", 0, 1), c],
            vec![slot("S")],
            vec![vec![5.0]],
        );
        inst.priority = vec![PriorityClass::Elderly];
        inst
    }

    /// The zone "east" is preferred: its nearest free space beats a nearer west one.
    fn a_zone_preference_takes_the_zones_nearest() -> Instance {
        let mut h = hh("h", "B1", 0, 0);
        h.preferences = vec![vec![1, 2]];
        let mut west = slot("W1");
        west.zone = Some("west".into());
        let mut e1 = slot("E1");
        e1.zone = Some("east".into());
        let mut e2 = slot("E2");
        e2.zone = Some("east".into());
        instance(vec![h], vec![west, e1, e2], vec![vec![1.0, 30.0, 20.0]])
    }

    /// "P10" is 0.04 m farther than "P2": within 0.05 m, so id order wins.
    fn within_five_centimetres_the_id_decides() -> Instance {
        instance(
            vec![hh("h", "B1", 0, 0)],
            vec![slot("P2"), slot("P10")],
            vec![vec![10.0, 10.04]],
        )
    }

    fn beyond_five_centimetres_the_nearest_wins() -> Instance {
        instance(
            vec![hh("h", "B1", 0, 0)],
            vec![slot("P2"), slot("P10")],
            vec![vec![10.0, 10.06]],
        )
    }

    /// Outsiders: the first takes the regular space; the second only gets the
    /// accessible one in the second pass (no permit holder wants it).
    fn left_over_reserved_spaces_go_in_the_second_pass() -> Instance {
        let mut a = slot("A");
        a.accessible = true;
        instance(
            vec![hh("o1", "B1", 0, 0), hh("o2", "B1", 0, 1)],
            vec![a, slot("R")],
            vec![vec![1.0, 9.0]],
        )
    }

    /// A permit holder drawn last still gets the accessible space.
    fn reserved_spaces_wait_for_their_class() -> Instance {
        let mut inst = left_over_reserved_spaces_go_in_the_second_pass();
        let mut p = hh("p", "B1", 0, 2);
        p.permit = true;
        inst.households.push(p);
        inst
    }

    /// An outsider held the accessible space; a permit holder now wants it.
    fn an_outsiders_old_reserved_space_goes_to_the_class() -> Instance {
        let mut o = hh("o", "B1", 0, 0);
        o.incumbents = vec![0];
        let mut p = hh("p", "B1", 0, 1);
        p.permit = true;
        let mut a = slot("A");
        a.accessible = true;
        let mut inst = instance(vec![o, p], vec![a], vec![vec![5.0]]);
        inst.stability = Stability::KeepIncumbents;
        inst
    }

    /// An EV owner's charger claim: one charger space, then regular ones.
    fn an_ev_owner_claims_charger_spaces_up_to_its_evs() -> Instance {
        let mut e = hh("e", "B1", 0, 1);
        e.evs = 1;
        e.demand = 2;
        let mut c1 = slot("C1");
        c1.charger = true;
        let mut c2 = slot("C2");
        c2.charger = true;
        instance(
            vec![hh("o", "B1", 0, 0), e],
            vec![c1, c2, slot("R1"), slot("R2")],
            vec![vec![1.0, 2.0, 50.0, 60.0]],
        )
    }

    #[rstest]
    #[case::priority(priority_resorts_the_turns(), &[("C", "S")])]
    #[case::zone(a_zone_preference_takes_the_zones_nearest(), &[("h", "E2")])]
    #[case::tie(within_five_centimetres_the_id_decides(), &[("h", "P10")])]
    #[case::no_tie(beyond_five_centimetres_the_nearest_wins(), &[("h", "P2")])]
    #[case::second_pass(left_over_reserved_spaces_go_in_the_second_pass(), &[("o1", "R"), ("o2", "A")])]
    #[case::class_first(reserved_spaces_wait_for_their_class(), &[("o1", "R"), ("p", "A")])]
    #[case::incumbent(incumbent_drawn_last(), &[("late", "S")])]
    #[case::outsider_incumbent(an_outsiders_old_reserved_space_goes_to_the_class(), &[("p", "A")])]
    #[case::ev(an_ev_owner_claims_charger_spaces_up_to_its_evs(), &[("e", "C1"), ("e", "R2"), ("o", "R1")])]
    fn serial_dictatorship_cases_worked_out_by_hand(
        #[case] inst: Instance,
        #[case] want: &[(&str, &str)],
    ) {
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(h, r)| (h.to_string(), r.to_string()))
            .collect();
        let sol = solve(&inst, Mechanism::SerialDictatorship, Engine::Flow).unwrap();
        assert_eq!(by_id(&inst, &sol.assigned), want);
    }

    #[test]
    fn the_turn_order_is_the_lottery_with_each_class_first_in_listed_order() {
        let mut hs: Vec<_> = (0..5)
            .map(|i| hh(&format!("h{i}"), "B", 0, 4 - i))
            .collect();
        hs[1].elderly = true;
        hs[3].permit = true;
        hs[4].elderly = true;
        let mut inst = instance(hs, vec![], vec![vec![]]);
        inst.priority = vec![PriorityClass::Accessible, PriorityClass::Elderly];
        // Lottery: h4, h3, h2, h1, h0. Permit: h3; elderly: h4, h1.
        assert_eq!(turn_order(&inst), vec![3, 4, 1, 2, 0]);
    }
}
