//! Rounds and the ledger (FORMAT.md §3 "Over time"): which round an
//! allocation belongs to, and how many rounds in a row each household has
//! ended unserved, computed from the previous allocation alone.

use crate::model::Rule;
use crate::model::{Allocation, Household, Ledger, Problem, ResourceKind};
use std::collections::{BTreeMap, BTreeSet};

/// The round a previous allocation made before version 2 (without `round`) counts as.
pub const FIRST_ROUND: &str = "1";

/// The round of the new allocation: the policy's (or the caller's override),
/// else the previous allocation's, else `"1"`.
pub fn resolve_round(policy_round: Option<&str>, previous: Option<&Allocation>) -> String {
    match (policy_round, previous) {
        (Some(r), _) => r.to_string(),
        (None, Some(p)) => p.round.clone().unwrap_or_else(|| FIRST_ROUND.to_string()),
        (None, None) => FIRST_ROUND.to_string(),
    }
}

/// The ledger of an allocation of `round` following `previous`, for the
/// households of the roster:
/// - no previous allocation: every `waited` is 0;
/// - the same round: the previous ledger, for households still on the roster;
/// - a new round: the previous value + 1 for a household listed in the
///   previous `unserved` of that kind, else 0;
///
/// then a household's roster `waited` for a kind overrides its value. Only
/// values above 0 are listed; kinds without any are left out.
pub fn ledger(round: &str, previous: Option<&Allocation>, households: &[Household]) -> Ledger {
    let on_roster: BTreeSet<&str> = households.iter().map(|h| h.id.as_str()).collect();
    let mut out: Ledger = BTreeMap::new();
    if let Some(p) = previous {
        let p_round = p.round.as_deref().unwrap_or(FIRST_ROUND);
        // A previous allocation without `round` has an empty ledger.
        let p_ledger = if p.round.is_some() {
            p.ledger.clone()
        } else {
            Ledger::new()
        };
        if p_round == round {
            for (kind, m) in p_ledger {
                for (id, w) in m {
                    if on_roster.contains(id.as_str()) {
                        out.entry(kind).or_default().insert(id, w);
                    }
                }
            }
        } else {
            for u in &p.unserved {
                if !on_roster.contains(u.household.as_str()) {
                    continue;
                }
                let before = p_ledger
                    .get(&u.kind)
                    .and_then(|m| m.get(&u.household))
                    .copied()
                    .unwrap_or(0);
                out.entry(u.kind)
                    .or_default()
                    .insert(u.household.clone(), before.saturating_add(1));
            }
        }
    }
    for h in households {
        for (&kind, &w) in &h.waited {
            let m = out.entry(kind).or_default();
            if w > 0 {
                m.insert(h.id.clone(), w);
            } else {
                m.remove(&h.id);
            }
        }
    }
    out.retain(|_, m| {
        m.retain(|_, w| *w > 0);
        !m.is_empty()
    });
    out
}

/// The `waited` of one kind, household id → value (absent = 0).
pub fn waited_of(ledger: &Ledger, kind: ResourceKind) -> BTreeMap<String, u32> {
    ledger.get(&kind).cloned().unwrap_or_default()
}

/// `protect` only: two households giving the same resource as `previous`
/// (after the previous allocation's holdings are filled in) is an error
/// naming both households and the resource.
pub fn duplicate_previous(households: &[Household]) -> Vec<Problem> {
    let mut claims: BTreeMap<(ResourceKind, &str), Vec<&str>> = BTreeMap::new();
    for h in households {
        for (&kind, ids) in &h.previous {
            let mut seen = BTreeSet::new();
            for id in ids {
                if seen.insert(id.as_str()) {
                    claims
                        .entry((kind, id.as_str()))
                        .or_default()
                        .push(h.id.as_str());
                }
            }
        }
    }
    claims
        .into_iter()
        .filter(|(_, hs)| hs.len() > 1)
        .map(|((kind, id), hs)| {
            let names: Vec<String> = hs.iter().map(|h| format!("\"{h}\"")).collect();
            Problem::new(
                Rule::RosterPreviousDuplicate,
                format!(
                    "`previous.{kind}`: households {} all give {kind} \"{id}\" as their previous one; under stability \"protect\" only one household can keep it",
                    names.join(" and ")
                ),
            )
            .field(format!("previous.{kind}"))
            .feature(id)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SolverInfo, Unserved};
    use ResourceKind::{ChargingBay, ParkingSpace};

    fn alloc(round: Option<&str>, ledger: Ledger, unserved: &[(&str, ResourceKind)]) -> Allocation {
        Allocation {
            site: "s".into(),
            inputs_sha256: String::new(),
            seed: String::new(),
            policy: Default::default(),
            assignments: vec![],
            unserved: unserved
                .iter()
                .map(|&(h, kind)| Unserved {
                    household: h.into(),
                    kind,
                    units: 1,
                    waitlist: Some(1),
                    why: String::new(),
                    reason: None,
                })
                .collect(),
            lottery: vec![],
            metrics: BTreeMap::new(),
            solver: SolverInfo {
                engine: String::new(),
                backend: String::new(),
                seconds: 0.0,
                stages: vec![],
            },
            round: round.map(str::to_string),
            ledger,
            draw_order: None,
            draw: None,
            warnings: vec![],
        }
    }

    fn roster(ids: &[&str]) -> Vec<Household> {
        ids.iter().map(|id| Household::new(id, "B1", "1")).collect()
    }

    fn led(entries: &[(ResourceKind, &str, u32)]) -> Ledger {
        let mut l = Ledger::new();
        for &(k, h, w) in entries {
            l.entry(k).or_default().insert(h.into(), w);
        }
        l
    }

    #[test]
    fn the_round_is_the_policys_else_the_previous_ones_else_one() {
        let p = alloc(Some("2026"), Ledger::new(), &[]);
        assert_eq!(resolve_round(Some("2027"), Some(&p)), "2027");
        assert_eq!(resolve_round(None, Some(&p)), "2026");
        assert_eq!(resolve_round(None, None), "1");
        let old = alloc(None, Ledger::new(), &[]);
        assert_eq!(resolve_round(None, Some(&old)), "1");
    }

    #[test]
    fn ledger_values_worked_out_by_hand() {
        // Round 2026's ledger: a waited 2 rounds for parking, b 1 for bays.
        // Unserved at its end: a (parking), c (parking), b (bays); d left.
        let p = alloc(
            Some("2026"),
            led(&[
                (ParkingSpace, "a", 2),
                (ChargingBay, "b", 1),
                (ParkingSpace, "d", 4),
            ]),
            &[
                ("a", ParkingSpace),
                ("c", ParkingSpace),
                ("b", ChargingBay),
                ("d", ParkingSpace),
            ],
        );
        let hs = roster(&["a", "b", "c", "e"]);
        // No previous: empty.
        assert!(ledger("2026", None, &hs).is_empty());
        // A rerun in 2026: the previous ledger, d (gone) dropped.
        assert_eq!(
            ledger("2026", Some(&p), &hs),
            led(&[(ParkingSpace, "a", 2), (ChargingBay, "b", 1)])
        );
        // A redraw in 2027: +1 for the unserved, everyone else 0.
        assert_eq!(
            ledger("2027", Some(&p), &hs),
            led(&[
                (ParkingSpace, "a", 3),
                (ParkingSpace, "c", 1),
                (ChargingBay, "b", 2)
            ])
        );
        // The roster's waited overrides, 0 included.
        let mut hs2 = hs.clone();
        hs2[0].waited.insert(ParkingSpace, 0);
        hs2[3].waited.insert(ChargingBay, 5);
        assert_eq!(
            ledger("2027", Some(&p), &hs2),
            led(&[
                (ParkingSpace, "c", 1),
                (ChargingBay, "b", 2),
                (ChargingBay, "e", 5)
            ])
        );
        // A previous allocation without round: round "1", empty ledger.
        let old = alloc(None, led(&[(ParkingSpace, "a", 7)]), &[("a", ParkingSpace)]);
        assert!(ledger("1", Some(&old), &hs).is_empty());
        assert_eq!(ledger("2", Some(&old), &hs), led(&[(ParkingSpace, "a", 1)]));
    }

    #[test]
    fn two_households_giving_one_previous_resource_is_an_error_naming_both() {
        let mut hs = roster(&["a", "b", "c"]);
        hs[0].previous.insert(ParkingSpace, vec!["P3".into()]);
        hs[2]
            .previous
            .insert(ParkingSpace, vec!["P3".into(), "P4".into()]);
        hs[1].previous.insert(ChargingBay, vec!["P3".into()]);
        let p = duplicate_previous(&hs);
        assert_eq!(p.len(), 1);
        assert!(p[0].message.contains("\"a\" and \"c\""), "{}", p[0].message);
        assert_eq!(p[0].feature.as_deref(), Some("P3"));
        assert_eq!(p[0].rule, "roster-previous-duplicate");
    }
}
