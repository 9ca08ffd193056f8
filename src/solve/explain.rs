//! Reasons a resident understands: a `why` for every assignment and every
//! unserved unit, and each unserved household's place on the waitlist.
//!
//! The waitlist of a kind is the order in which unserved households would be
//! served if a resource freed up: households with at least one eligible
//! resource, those in a `priority` class first (in the listed order), then
//! in the kind's draw order (the lottery unless `rotation` says otherwise,
//! FORMAT.md §3 "Over time"). A household with nothing of the kind within its
//! `max_walk_m` has no place (`waitlist: null`) and is told the nearest
//! distance instead.

use super::instance::{Instance, Reservation};
use super::swap::Trade;
use super::Solution;
use crate::model::{
    Assignment, Basis, Drawn, LostToPin, Mechanism, Place, Policy, PriorityClass, Reason,
    ResourceKind, Rotation, Stability, Taken, Turn, Unserved,
};
use std::collections::BTreeMap;

/// Two resources closer than this to the same door count as equally near.
const EQUAL_WALK_M: f64 = 0.05;

/// The explained outcome of one kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Explained {
    pub assignments: Vec<Assignment>,
    pub unserved: Vec<Unserved>,
}

fn nouns(kind: ResourceKind) -> (&'static str, &'static str) {
    match kind {
        ResourceKind::ParkingSpace => ("parking space", "parking spaces"),
        ResourceKind::ChargingBay => ("charging bay", "charging bays"),
        ResourceKind::GardenPlot => ("garden plot", "garden plots"),
    }
}

fn class_name(c: PriorityClass) -> &'static str {
    match c {
        PriorityClass::Accessible => "accessible (disability permit holders)",
        PriorityClass::Elderly => "elderly (a member aged 70 or over)",
        PriorityClass::Ev => "ev (EV owners)",
    }
}

/// Rounds metres to 0.1 m as reports do.
pub fn round_walk(m: f64) -> f64 {
    (m * 10.0).round() / 10.0
}

/// The first listed priority class a household belongs to (index into `inst.priority`).
fn class_rank(inst: &Instance, h: usize) -> usize {
    let d = &inst.households[h];
    inst.priority
        .iter()
        .position(|&c| d.in_class(c))
        .unwrap_or(inst.priority.len())
}

/// Unserved households with something in reach, in waitlist order.
pub fn waitlist(inst: &Instance, served: &[u32]) -> Vec<usize> {
    let mut queue: Vec<usize> = (0..inst.households.len())
        .filter(|&h| served[h] < inst.households[h].demand)
        .filter(|&h| (0..inst.resources.len()).any(|r| inst.eligible(h, r)))
        .collect();
    queue.sort_by_key(|&h| {
        (
            class_rank(inst, h),
            inst.households[h].lottery_rank,
            inst.households[h].id.clone(),
        )
    });
    queue
}

/// Explains a solution. `pin_reasons` gives the policy's reason of each pin;
/// `unit_labels[group]` names the household's unit, e.g. `B2-1`; `trades`
/// the `trade_up` swaps made after the mechanism (household → trade).
pub fn explain(
    inst: &Instance,
    sol: &Solution,
    policy: &Policy,
    pin_reasons: &BTreeMap<(usize, usize), Option<String>>,
    unit_labels: &[String],
    trades: &BTreeMap<usize, Trade>,
) -> Explained {
    let (one, many) = nouns(inst.kind);
    let n_h = inst.households.len();
    let mut served = vec![0u32; n_h];
    let mut holder: Vec<Option<usize>> = vec![None; inst.resources.len()];
    for &(h, r) in &sol.assigned {
        served[h] += 1;
        holder[r] = Some(h);
    }
    let label = |h: usize| -> &str {
        unit_labels
            .get(inst.households[h].group)
            .map(String::as_str)
            .unwrap_or("?")
    };
    let reserved_for = |h: usize, r: usize| match inst.resources[r].reservation() {
        Reservation::Permit => inst.households[h].permit,
        Reservation::Ev => inst.households[h].evs > 0,
        Reservation::None => false,
    };
    let nearest = |h: usize| -> f64 {
        (0..inst.resources.len())
            .map(|r| inst.walk_of(h, r))
            .fold(f64::INFINITY, f64::min)
    };
    let turn = |h: usize| {
        let d = &inst.households[h];
        Turn {
            rank: d.lottery_rank as u32 + 1,
            waited: (policy.rotation == Rotation::WaitedFirst).then_some(d.waited),
            tickets: (policy.rotation == Rotation::Tickets)
                .then(|| super::rotation::tickets_held(d.waited)),
            turn_order: policy.mechanism == Mechanism::SerialDictatorship,
        }
    };
    let rank_phrase = |h: usize| {
        let d = &inst.households[h];
        let rank = match policy.rotation {
            Rotation::None => format!("lottery rank {}", d.lottery_rank + 1),
            Rotation::WaitedFirst => format!(
                "draw rank {} (waited first; waited {} round(s))",
                d.lottery_rank + 1,
                d.waited
            ),
            Rotation::Tickets => format!(
                "draw rank {} ({} ticket(s))",
                d.lottery_rank + 1,
                super::rotation::tickets_held(d.waited)
            ),
        };
        match policy.mechanism {
            Mechanism::Optimal => rank,
            Mechanism::SerialDictatorship => format!("{rank} (turn order)"),
        }
    };
    // Under protect/keep_incumbents: an incumbent whose previous resource
    // the policy pinned to another household is told so.
    let lost = |h: usize| -> Vec<LostToPin> {
        if policy.stability == Stability::None {
            return Vec::new();
        }
        super::protect::lost_to_pins(inst, &inst.pins, h)
            .into_iter()
            .map(|(r, o)| LostToPin {
                resource: inst.resources[r].id.clone(),
                to: inst.households[o].id.clone(),
            })
            .collect()
    };
    let lost_note = |h: usize| -> String {
        if policy.stability == Stability::None {
            return String::new();
        }
        super::protect::lost_to_pins(inst, &inst.pins, h)
            .into_iter()
            .map(|(r, o)| {
                format!(
                    "; its previous {one} {} is pinned to {} by the policy",
                    inst.resources[r].id, inst.households[o].id
                )
            })
            .collect()
    };
    let cycle_text = |t: &Trade| -> String {
        let mut names: Vec<&str> = t
            .cycle
            .iter()
            .map(|&x| inst.households[x].id.as_str())
            .collect();
        if let Some(first) = names.first().copied() {
            names.push(first);
        }
        format!(
            "trade-up swap: took {} from {} in the cycle {} (each takes what the next one held)",
            inst.resources[t.resource].id,
            inst.households[t.from].id,
            names.join(" → ")
        )
    };

    let mut assignments = Vec::new();
    for &(h, r) in &sol.assigned {
        let d = &inst.households[h];
        let walk = inst.walk_of(h, r);
        let preference = d.preferences.iter().position(|set| set.contains(&r));
        let (place, place_text) = if let Some(p) = preference {
            (
                Place::Preference {
                    preference: p as u32 + 1,
                    walk_m: round_walk(walk),
                    unit: label(h).to_string(),
                },
                format!(
                    "preference #{} of the household, {:.1} m from unit {}",
                    p + 1,
                    round_walk(walk),
                    label(h)
                ),
            )
        } else if walk <= nearest(h) + EQUAL_WALK_M {
            (
                Place::Nearest {
                    walk_m: round_walk(walk),
                    unit: label(h).to_string(),
                },
                format!(
                    "the nearest {one} to unit {} ({:.1} m)",
                    label(h),
                    round_walk(walk)
                ),
            )
        } else {
            (
                Place::Distance {
                    walk_m: round_walk(walk),
                    unit: label(h).to_string(),
                },
                format!("{:.1} m from unit {}", round_walk(walk), label(h)),
            )
        };
        let lost = lost(h);
        let (basis, reason, code) = if let Some(reason) = pin_reasons.get(&(h, r)) {
            let text = match reason {
                Some(text) => format!("pinned by the policy: {text}"),
                None => "pinned by the policy".to_string(),
            };
            let code = Reason::Pin {
                note: reason.clone(),
                place,
                lost,
            };
            ("pin", text, code)
        } else if let Some(t) = trades.get(&h).filter(|t| t.resource == r) {
            let code = Reason::Swap {
                resource: inst.resources[t.resource].id.clone(),
                from: inst.households[t.from].id.clone(),
                cycle: t
                    .cycle
                    .iter()
                    .map(|&x| inst.households[x].id.clone())
                    .collect(),
                place,
                lost,
            };
            ("swap", cycle_text(t), code)
        } else if d.incumbents.contains(&r) {
            if policy.stability == Stability::Protect {
                let text = "kept from the previous allocation (protected)";
                let code = Reason::IncumbentProtected { place, lost };
                ("incumbent", text.to_string(), code)
            } else {
                let text = "kept from the previous allocation";
                let code = Reason::IncumbentKept { place, lost };
                ("incumbent", text.to_string(), code)
            }
        } else if reserved_for(h, r) {
            match inst.resources[r].reservation() {
                Reservation::Permit => (
                    "reserved",
                    "accessible space reserved for disability permit holders".to_string(),
                    Reason::ReservedAccessible { place, lost },
                ),
                _ => (
                    "reserved",
                    "charger space reserved for EV owners".to_string(),
                    Reason::ReservedEv { place, lost },
                ),
            }
        } else if let Some(&c) = inst.priority.iter().find(|&&c| d.in_class(c)) {
            (
                "priority",
                format!("priority class {}; {}", class_name(c), rank_phrase(h)),
                Reason::Priority {
                    class: c,
                    drawn: Drawn {
                        turn: turn(h),
                        place,
                        lost,
                    },
                },
            )
        } else {
            (
                "lottery",
                rank_phrase(h),
                Reason::Lottery {
                    drawn: Drawn {
                        turn: turn(h),
                        place,
                        lost,
                    },
                },
            )
        };
        assignments.push(Assignment {
            household: d.id.clone(),
            kind: inst.kind,
            resource: inst.resources[r].id.clone(),
            walk_m: round_walk(walk),
            why: format!("{reason}; {place_text}{}", lost_note(h)),
            basis: Basis::from_code(basis).unwrap_or_default(),
            reason: Some(code),
        });
    }
    assignments.sort_by(|a, b| (&a.household, &a.resource).cmp(&(&b.household, &b.resource)));

    let queue = waitlist(inst, &served);
    let place: BTreeMap<usize, u32> = queue
        .iter()
        .enumerate()
        .map(|(i, &h)| (h, i as u32 + 1))
        .collect();
    let mut unserved = Vec::new();
    for h in 0..n_h {
        let d = &inst.households[h];
        if served[h] >= d.demand {
            continue;
        }
        let units = d.demand - served[h];
        let eligible: Vec<usize> = (0..inst.resources.len())
            .filter(|&r| inst.eligible(h, r))
            .collect();
        let (why, code) = if eligible.is_empty() {
            let near = nearest(h);
            if near.is_finite() {
                let text = format!(
                    "no {one} within {} m of unit {} (the nearest is {:.1} m away)",
                    inst.max_walk_m,
                    label(h),
                    round_walk(near)
                );
                let code = Reason::OutOfReach {
                    max_walk_m: inst.max_walk_m,
                    unit: label(h).to_string(),
                    nearest_m: round_walk(near),
                };
                (text, code)
            } else {
                (format!("the site has no {many}"), Reason::NoneOnSite {})
            }
        } else {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for &r in &eligible {
                let key = match holder[r] {
                    None => "free",
                    Some(o) if o == h => "own",
                    Some(o) if pin_reasons.contains_key(&(o, r)) => "pinned",
                    Some(o) if trades.get(&o).is_some_and(|t| t.resource == r) => "swapped",
                    Some(o) if inst.households[o].incumbents.contains(&r) => "kept",
                    Some(o) if reserved_for(o, r) && !reserved_for(h, r) => "reserved",
                    Some(o) if class_rank(inst, o) < class_rank(inst, h) => "priority",
                    Some(o) if inst.households[o].lottery_rank < d.lottery_rank => "earlier",
                    Some(_) => "later",
                };
                *counts.entry(key).or_default() += 1;
            }
            let mut parts = Vec::new();
            let earlier = if policy.rotation == Rotation::None {
                "by households drawn earlier in the lottery"
            } else {
                "by households earlier in the draw order (rotation)"
            };
            let phrases = [
                ("earlier", earlier),
                ("priority", "by households of a higher priority class"),
                ("reserved", "reserved for their class and given to it"),
                ("kept", "kept by their previous holders"),
                ("swapped", "taken in trade-up swaps"),
                ("pinned", "pinned by the policy"),
                ("own", "already held by this household"),
                (
                    "later",
                    "by households drawn later, because that serves more units or meets building shares",
                ),
                ("free", "free but not open to this household"),
            ];
            for (key, phrase) in phrases {
                if let Some(n) = counts.get(key) {
                    parts.push(format!("{n} {phrase}"));
                }
            }
            let all = eligible.len();
            let noun = if all == 1 { one } else { many };
            let text = format!(
                "all {all} {noun} within {} m of unit {} are taken: {}{}",
                inst.max_walk_m,
                label(h),
                parts.join(", "),
                lost_note(h)
            );
            let n = |key: &str| counts.get(key).copied().unwrap_or(0) as u32;
            let code = Reason::AllTaken {
                eligible: all as u32,
                max_walk_m: inst.max_walk_m,
                unit: label(h).to_string(),
                taken: Taken {
                    earlier: n("earlier"),
                    priority: n("priority"),
                    reserved: n("reserved"),
                    kept: n("kept"),
                    swapped: n("swapped"),
                    pinned: n("pinned"),
                    own: n("own"),
                    later: n("later"),
                    free: n("free"),
                    other: 0,
                },
                rotation: policy.rotation != Rotation::None,
                lost: lost(h),
            };
            (text, code)
        };
        unserved.push(Unserved {
            household: d.id.clone(),
            kind: inst.kind,
            units,
            waitlist: place.get(&h).copied(),
            why,
            reason: Some(code),
        });
    }
    unserved.sort_by(|a, b| {
        (a.waitlist.is_none(), a.waitlist, &a.household).cmp(&(
            b.waitlist.is_none(),
            b.waitlist,
            &b.household,
        ))
    });
    Explained {
        assignments,
        unserved,
    }
}
