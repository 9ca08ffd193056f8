//! FORMAT.md §3 "Over time" end to end: protected reruns, rounds and the
//! ledger, rotation, swaps, on the Yixinqiao compound and random synthetic sites.

use crate::support::common;

use allot::input::roster::{parse_roster_csv, parse_roster_json};
use allot::model::{Allocation, Household, ResourceKind};
use allot::pipeline::{self, Inputs, Options, RosterInput};
use allot::report;
use allot::synthetic::{synthetic_site, SplitMix, SynthParams};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn dir() -> &'static Path {
    Path::new("fixtures/yixinqiao")
}

fn yixinqiao_roster() -> Vec<Household> {
    parse_roster_csv(&std::fs::read(dir().join("households.csv")).unwrap())
        .unwrap()
        .households
}

fn yixinqiao(households: Vec<Household>, policy: Value, previous: Option<Allocation>) -> Inputs {
    Inputs {
        layout: common::read_json(&dir().join("layout.geojson")),
        households: RosterInput::Parsed(households),
        policy: Some(policy),
        previous,
        seed: None,
        round: None,
    }
}

fn policy() -> Value {
    common::read_json(&dir().join("policy.json"))
}

fn holdings(a: &Allocation) -> BTreeMap<(String, ResourceKind), BTreeSet<String>> {
    let mut m: BTreeMap<(String, ResourceKind), BTreeSet<String>> = BTreeMap::new();
    for x in &a.assignments {
        m.entry((x.household.clone(), x.kind))
            .or_default()
            .insert(x.resource.clone());
    }
    m
}

/// The first parking holder drawn by the lottery (not the pinned one).
fn a_parking_holder(a: &Allocation) -> String {
    a.assignments
        .iter()
        .find(|x| x.kind == ResourceKind::ParkingSpace && x.basis != allot::model::Basis::Pin)
        .map(|x| x.household.clone())
        .unwrap()
}

#[test]
fn the_yixinqiao_move_out_rerun_keeps_all_73_others_and_gives_the_space_to_the_waitlist() {
    let first = common::solve(&yixinqiao(yixinqiao_roster(), policy(), None));
    assert_eq!(first.round.as_deref(), Some("2026"));
    let parking = ResourceKind::ParkingSpace;
    assert_eq!(first.metrics[&parking].served, 74);
    let leaver = a_parking_holder(&first);
    let freed = first
        .assignments
        .iter()
        .find(|x| x.household == leaver && x.kind == parking)
        .unwrap()
        .resource
        .clone();
    let roster: Vec<Household> = yixinqiao_roster()
        .into_iter()
        .filter(|h| h.id != leaver)
        .collect();
    let second = common::solve(&yixinqiao(roster.clone(), policy(), Some(first.clone())));
    common::assert_invariants(&second, &roster);
    assert_eq!(
        second.round.as_deref(),
        Some("2026"),
        "a rerun keeps the round"
    );

    let before = holdings(&first);
    let after = holdings(&second);
    let mut others = 0;
    for ((h, kind), held) in &before {
        if *h == leaver {
            continue;
        }
        if *kind == parking {
            others += 1;
        }
        assert!(
            after
                .get(&(h.clone(), *kind))
                .is_some_and(|now| held.is_subset(now)),
            "{h} lost part of its {kind}: {held:?} → {:?}",
            after.get(&(h.clone(), *kind))
        );
    }
    assert_eq!(others, 73);
    assert_eq!(second.metrics[&parking].moved_from_previous, 0);
    assert_eq!(second.metrics[&parking].kept_from_previous, 73);
    // The freed space went to a household that was on the waitlist.
    let taker = second
        .assignments
        .iter()
        .find(|x| x.resource == freed)
        .expect("the freed space is given again");
    let waited = first
        .unserved
        .iter()
        .find(|u| u.household == taker.household && u.kind == parking)
        .expect("the new holder was unserved");
    assert!(waited.waitlist.is_some());
    assert_eq!(taker.basis, allot::model::Basis::Lottery, "{taker:?}");
    // Every kept holding says so.
    let leavers: BTreeSet<&str> = first
        .assignments
        .iter()
        .filter(|x| x.household == leaver)
        .map(|x| x.resource.as_str())
        .collect();
    for x in &second.assignments {
        if !leavers.contains(x.resource.as_str()) && x.basis != allot::model::Basis::Pin {
            assert!(
                x.basis == allot::model::Basis::Incumbent && x.why.contains("protected"),
                "{x:?}"
            );
        }
    }
}

#[test]
fn a_three_round_story_draws_everyone_unserved_in_2026_before_anyone_served() {
    let parking = ResourceKind::ParkingSpace;
    let first = common::solve(&yixinqiao(yixinqiao_roster(), policy(), None));
    assert!(
        first.ledger.is_empty(),
        "the first allocation has no history"
    );
    assert!(
        first.draw_order.is_none(),
        "rotation none publishes no draw order"
    );
    let leaver = a_parking_holder(&first);
    let roster: Vec<Household> = yixinqiao_roster()
        .into_iter()
        .filter(|h| h.id != leaver)
        .collect();
    let rerun = common::solve(&yixinqiao(roster.clone(), policy(), Some(first.clone())));
    assert!(rerun.ledger.is_empty(), "same round: the previous ledger");

    // 2027: a redraw with waited_first; every holding is redrawn.
    let mut p = policy();
    p["round"] = json!("2027");
    p["rotation"] = json!("waited_first");
    p["stability"] = json!("none");
    let third = common::solve(&yixinqiao(roster.clone(), p.clone(), Some(rerun.clone())));
    common::assert_invariants(&third, &roster);
    assert_eq!(third.round.as_deref(), Some("2027"));
    let order = &third.draw_order.as_ref().expect("draw order published")[&parking];
    assert_eq!(order.len(), roster.len());
    let place: BTreeMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let waited: Vec<&str> = rerun
        .unserved
        .iter()
        .filter(|u| u.kind == parking && u.waitlist.is_some())
        .map(|u| u.household.as_str())
        .collect();
    let served: BTreeSet<&str> = rerun
        .assignments
        .iter()
        .filter(|x| x.kind == parking)
        .map(|x| x.household.as_str())
        .collect();
    assert!(waited.len() > 50 && served.len() == 74);
    let last_waiter = waited.iter().map(|h| place[h]).max().unwrap();
    let first_served = served.iter().map(|h| place[h]).min().unwrap();
    assert!(last_waiter < first_served, "{last_waiter} ≥ {first_served}");
    // The ledger: exactly the 2026 unserved, at 1.
    let ledger = &third.ledger[&parking];
    for u in rerun.unserved.iter().filter(|u| u.kind == parking) {
        assert_eq!(ledger.get(&u.household), Some(&1), "{}", u.household);
    }
    assert_eq!(
        ledger.len(),
        rerun.unserved.iter().filter(|u| u.kind == parking).count()
    );
    // Byte-identical reruns of the redraw.
    let again = common::solve(&yixinqiao(roster, p, Some(rerun)));
    assert_eq!(
        report::json::allocation_json(&third),
        report::json::allocation_json(&again)
    );
}

#[test]
fn swaps_and_tickets_publish_their_draw_and_trades_byte_stably() {
    // Pairs of plot holders each prefer the other's plot: trade_up swaps them.
    let plot = ResourceKind::GardenPlot;
    let mut roster = yixinqiao_roster();
    let plain = common::solve(&yixinqiao(roster.clone(), policy(), None));
    let holders: Vec<(String, String)> = plain
        .assignments
        .iter()
        .filter(|x| x.kind == plot && x.basis != allot::model::Basis::Pin)
        .map(|x| (x.household.clone(), x.resource.clone()))
        .collect();
    for pair in holders.chunks(2).take(12) {
        if let [(h1, r1), (h2, r2)] = pair {
            for h in roster.iter_mut() {
                if h.id == *h1 {
                    h.preferences.insert(plot, vec![r2.clone()]);
                } else if h.id == *h2 {
                    h.preferences.insert(plot, vec![r1.clone()]);
                }
            }
        }
    }
    let mut p = policy();
    p["rotation"] = json!("tickets");
    let before = common::solve(&yixinqiao(roster.clone(), p.clone(), None));
    p["swaps"] = json!("trade_up");
    let a = common::solve(&yixinqiao(roster.clone(), p.clone(), None));
    common::assert_invariants(&a, &roster);
    assert_eq!(a.draw_order.as_ref().map(|d| d.len()), Some(3));
    // Only swaps differ, each to the household's preference; nobody else moves.
    let (was, now) = (holdings(&before), holdings(&a));
    let prefs: BTreeMap<&str, &Vec<String>> = roster
        .iter()
        .filter_map(|h| h.preferences.get(&plot).map(|v| (h.id.as_str(), v)))
        .collect();
    for x in &a.assignments {
        let key = (x.household.clone(), x.kind);
        if x.basis == allot::model::Basis::Swap {
            assert!(x.why.contains("cycle"), "{}", x.why);
            assert_eq!(x.kind, plot);
            assert!(prefs[x.household.as_str()].contains(&x.resource), "{x:?}");
            assert!(!was[&key].contains(&x.resource));
        } else {
            assert!(
                was[&key].contains(&x.resource),
                "{x:?} moved without a swap"
            );
        }
    }
    assert_eq!(was.len(), now.len());
    let swapped: u32 = a.metrics.values().map(|m| m.swapped).sum();
    let by_basis = a
        .assignments
        .iter()
        .filter(|x| x.basis == allot::model::Basis::Swap)
        .count() as u32;
    assert_eq!(swapped, by_basis);
    assert!(swapped >= 2, "some pairs trade");
    let b = common::solve(&yixinqiao(roster, p, None));
    assert_eq!(
        report::json::allocation_json(&a),
        report::json::allocation_json(&b)
    );
}

#[test]
fn two_households_giving_one_previous_space_is_an_error_naming_both() {
    let mut roster = yixinqiao_roster();
    roster[3]
        .previous
        .insert(ResourceKind::ParkingSpace, vec!["P10".into()]);
    roster[7]
        .previous
        .insert(ResourceKind::ParkingSpace, vec!["P10".into()]);
    let (a, b) = (roster[3].id.clone(), roster[7].id.clone());
    let err = pipeline::solve(&yixinqiao(roster, policy(), None), &Options::default()).unwrap_err();
    let p = err
        .problems()
        .iter()
        .find(|p| p.rule == "roster-previous-duplicate")
        .expect("the duplicate is reported");
    assert!(p.message.contains(&a) && p.message.contains(&b), "{p}");
}

/// Random synthetic sites: round 1, then households move out and in and
/// resources close and open; the rerun under `protect` moves no remaining
/// incumbent, unless its resource closed.
#[test]
fn protect_moves_no_remaining_incumbent_on_random_synthetic_sites() {
    for seed in 0..6u64 {
        let mut rng = SplitMix::new(seed * 7919 + 1);
        let (layout, roster) = synthetic_site(&SynthParams::scaled(48, 14, seed));
        let features = layout["features"].as_array().unwrap().clone();
        let is_resource = |f: &Value| {
            matches!(
                f["properties"]["kind"].as_str(),
                Some("parking_space" | "charging_bay" | "garden_plot")
            )
        };
        let ids: Vec<String> = features
            .iter()
            .filter(|f| is_resource(f))
            .map(|f| f["properties"]["id"].as_str().unwrap().to_string())
            .collect();
        let all = parse_roster_json(&roster).unwrap().households;
        let k = 1 + rng.below(4) as usize;
        let pick = |rng: &mut SplitMix, n: usize, k: usize| -> BTreeSet<usize> {
            let mut s = BTreeSet::new();
            while s.len() < k.min(n) {
                s.insert(rng.below(n as u64) as usize);
            }
            s
        };
        let added_later = pick(&mut rng, ids.len(), k);
        let arrive = pick(&mut rng, all.len(), k);
        let with = |skip: &BTreeSet<usize>| -> Value {
            let mut l = layout.clone();
            let kept: Vec<Value> = features
                .iter()
                .filter(|f| {
                    !is_resource(f)
                        || !ids
                            .iter()
                            .position(|id| f["properties"]["id"] == json!(id))
                            .is_some_and(|i| skip.contains(&i))
                })
                .cloned()
                .collect();
            l["features"] = Value::Array(kept);
            l
        };
        let roster1: Vec<Household> = all
            .iter()
            .enumerate()
            .filter(|(i, _)| !arrive.contains(i))
            .map(|(_, h)| h.clone())
            .collect();
        let policy =
            json!({"seed": format!("s{seed}"), "kinds": {"parking_space": {"max_walk_m": 120}}});
        let first = common::solve(&Inputs {
            layout: with(&added_later),
            households: RosterInput::Parsed(roster1.clone()),
            policy: Some(policy.clone()),
            previous: None,
            seed: None,
            round: None,
        });
        let leave = pick(&mut rng, roster1.len(), k);
        let closed: BTreeSet<usize> = pick(&mut rng, ids.len(), k)
            .into_iter()
            .filter(|i| !added_later.contains(i))
            .collect();
        let leaving: BTreeSet<&str> = leave.iter().map(|&i| roster1[i].id.as_str()).collect();
        let roster2: Vec<Household> = all
            .iter()
            .filter(|h| !leaving.contains(h.id.as_str()))
            .cloned()
            .collect();
        let second = common::solve(&Inputs {
            layout: with(&closed),
            households: RosterInput::Parsed(roster2.clone()),
            policy: Some(policy),
            previous: Some(first.clone()),
            seed: None,
            round: None,
        });
        common::assert_invariants(&second, &roster2);
        let closed_ids: BTreeSet<&str> = closed.iter().map(|&i| ids[i].as_str()).collect();
        let after = holdings(&second);
        for x in &first.assignments {
            if leaving.contains(x.household.as_str()) || closed_ids.contains(x.resource.as_str()) {
                continue;
            }
            assert!(
                after
                    .get(&(x.household.clone(), x.kind))
                    .is_some_and(|s| s.contains(&x.resource)),
                "seed {seed}: {} lost {}",
                x.household,
                x.resource
            );
        }
        // The arrivals are in the draw, and rerunning is byte-stable.
        assert_eq!(second.lottery.len(), roster2.len());
    }
}

#[test]
fn a_pin_beats_an_incumbent_and_the_losers_why_names_it() {
    let parking = ResourceKind::ParkingSpace;
    let first = common::solve(&yixinqiao(yixinqiao_roster(), policy(), None));
    let held: Vec<&allot::model::Assignment> = first
        .assignments
        .iter()
        .filter(|x| x.kind == parking && x.basis != allot::model::Basis::Pin)
        .collect();
    let (loser, space) = (held[0].household.clone(), held[0].resource.clone());
    let winner = first
        .unserved
        .iter()
        .find(|u| u.kind == parking)
        .unwrap()
        .household
        .clone();
    let mut p = policy();
    p["pins"]
        .as_array_mut()
        .unwrap()
        .push(json!({"household": winner, "resource": space, "reason": "agreed at the meeting"}));
    let second = common::solve(&yixinqiao(yixinqiao_roster(), p, Some(first.clone())));
    let won = second
        .assignments
        .iter()
        .find(|x| x.resource == space)
        .unwrap();
    assert_eq!(
        (won.household.as_str(), won.basis.as_str()),
        (winner.as_str(), "pin")
    );
    let note = format!("its previous parking space {space} is pinned to {winner} by the policy");
    let told = second
        .assignments
        .iter()
        .filter(|x| x.household == loser && x.kind == parking)
        .map(|x| x.why.clone())
        .chain(
            second
                .unserved
                .iter()
                .filter(|u| u.household == loser && u.kind == parking)
                .map(|u| u.why.clone()),
        )
        .collect::<Vec<_>>();
    assert_eq!(told.len(), 1);
    assert!(told[0].contains(&note), "{told:?}");
    common::assert_reasons_agree(&second);
    let lost = second
        .assignments
        .iter()
        .filter_map(|x| x.reason.as_ref())
        .chain(second.unserved.iter().filter_map(|u| u.reason.as_ref()))
        .filter(|r| serde_json::to_string(r).unwrap().contains("\"lost\""))
        .count();
    assert_eq!(lost, 1, "the structured reason names the lost space too");
    // Nobody else moved.
    assert_eq!(second.metrics[&parking].moved_from_previous, 1);
}
