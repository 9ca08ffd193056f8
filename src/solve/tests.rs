//! Unit tests of the core: hand-worked cases for both engines.

use super::fixtures::*;
use super::*;
use rstest::rstest;

const OUT: f64 = 1000.0;

/// A permit holder eligible for the accessible space and a regular one, an
/// outsider eligible only for the accessible one (drawn first).
fn reservation_beats_total_served() -> Instance {
    let mut p = hh("p", "B1", 0, 1);
    p.permit = true;
    let o = hh("o", "B1", 1, 0);
    let mut a = slot("A");
    a.accessible = true;
    instance(
        vec![p, o],
        vec![a, slot("R")],
        vec![vec![10.0, 10.0], vec![10.0, OUT]],
    )
}

/// Two buildings of two households each, two spaces everyone reaches; B1 drew first.
fn building_share_splits_the_spaces() -> Instance {
    let hs = vec![
        hh("b1x", "B1", 0, 0),
        hh("b1y", "B1", 0, 1),
        hh("b2x", "B2", 1, 2),
        hh("b2y", "B2", 1, 3),
    ];
    let mut inst = instance(
        hs,
        vec![slot("S1"), slot("S2")],
        vec![vec![5.0, 6.0], vec![5.0, 6.0]],
    );
    inst.building_share = BuildingShare::Proportional;
    inst
}

fn building_share_none_follows_the_lottery() -> Instance {
    let mut inst = building_share_splits_the_spaces();
    inst.building_share = BuildingShare::None;
    inst
}

fn without_stability_the_lottery_decides() -> Instance {
    let mut inst = incumbent_drawn_last();
    inst.stability = Stability::None;
    inst
}

/// The longest walk is minimised before the total walk.
fn the_longest_walk_is_minimised_first() -> Instance {
    instance(
        vec![hh("h1", "B1", 0, 0), hh("h2", "B1", 1, 1)],
        vec![slot("S1"), slot("S2")],
        vec![vec![10.0, 20.0], vec![10.0, 50.0]],
    )
}

/// Equal walks: the preference decides, else the id in byte order ("P10" < "P9").
fn equal_walks_go_to_the_preference() -> Instance {
    let mut h = hh("h", "B1", 0, 0);
    h.preferences = vec![vec![1]];
    instance(vec![h], vec![slot("P10"), slot("P9")], vec![vec![7.0, 7.0]])
}

fn equal_walks_without_preference_go_by_id() -> Instance {
    instance(
        vec![hh("h", "B1", 0, 0)],
        vec![slot("P9"), slot("P10")],
        vec![vec![7.0, 7.0]],
    )
}

/// Lottery h1 < h2 < h3 < h4; buildings {h1, h2} and {h3, h4} are each
/// entitled to one of two spaces; r1 reaches h1, h3 and r2 reaches h2, h4.
/// Lexicographically (h1, h4) beats (h2, h3) although linear lottery
/// weights tie and the walks favour (h2, h3).
fn the_lottery_is_lexicographic_not_weighted() -> Instance {
    let hs = vec![
        hh("h1", "B1", 0, 0),
        hh("h2", "B1", 1, 1),
        hh("h3", "B2", 2, 2),
        hh("h4", "B2", 3, 3),
    ];
    let walk = vec![
        vec![30.0, OUT],
        vec![OUT, 1.0],
        vec![1.0, OUT],
        vec![OUT, 30.0],
    ];
    let mut inst = instance(hs, vec![slot("r1"), slot("r2")], walk);
    inst.building_share = BuildingShare::Proportional;
    inst
}

/// Each lower bound on the longest walk allows 10 m on its own — every
/// unit fits (A→S1, B→S2, C→P), A's reserved unit fits (A→P), B's kept
/// space fits — but together they push C out to 40 m: the engine's one
/// check at the bound fails and it must search upwards.
fn the_longest_walk_can_lie_above_every_bound() -> Instance {
    let mut a = hh("A", "B1", 0, 0);
    a.permit = true;
    let mut b = hh("B", "B1", 1, 1);
    b.incumbents = vec![2];
    let mut p = slot("P");
    p.accessible = true;
    let mut inst = instance(
        vec![a, b, hh("C", "B1", 2, 2)],
        vec![p, slot("S1"), slot("S2"), slot("S3")],
        vec![
            vec![10.0, 10.0, OUT, OUT],
            vec![OUT, OUT, 10.0, OUT],
            vec![10.0, 40.0, 10.0, 40.0],
        ],
    );
    inst.stability = Stability::KeepIncumbents;
    inst
}

/// A pin holds whatever the walk or the reservation.
fn pins_hold_before_everything() -> Instance {
    let mut inst = reservation_beats_total_served();
    inst.pins = vec![(1, 0)];
    inst
}

#[rstest]
#[case::reservation(reservation_beats_total_served(), &[("p", "A")])]
#[case::share(building_share_splits_the_spaces(), &[("b1x", "S1"), ("b2x", "S2")])]
#[case::no_share(building_share_none_follows_the_lottery(), &[("b1x", "S1"), ("b1y", "S2")])]
#[case::incumbent(incumbent_drawn_last(), &[("late", "S")])]
#[case::no_stability(without_stability_the_lottery_decides(), &[("early", "S")])]
#[case::longest_walk(the_longest_walk_is_minimised_first(), &[("h1", "S2"), ("h2", "S1")])]
#[case::preference(equal_walks_go_to_the_preference(), &[("h", "P9")])]
#[case::id_order(equal_walks_without_preference_go_by_id(), &[("h", "P10")])]
#[case::lexicographic(the_lottery_is_lexicographic_not_weighted(), &[("h1", "r1"), ("h4", "r2")])]
#[case::pin(pins_hold_before_everything(), &[("o", "A"), ("p", "R")])]
#[case::above_the_bounds(the_longest_walk_can_lie_above_every_bound(), &[("A", "P"), ("B", "S2"), ("C", "S1")])]
fn optimal_cases_worked_out_by_hand(#[case] inst: Instance, #[case] want: &[(&str, &str)]) {
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(h, r)| (h.to_string(), r.to_string()))
        .collect();
    let flow = solve(&inst, Mechanism::Optimal, Engine::Flow).unwrap();
    assert_eq!(fixtures::by_id(&inst, &flow.assigned), want, "flow");
    let milp = solve(
        &inst,
        Mechanism::Optimal,
        Engine::Milp(MilpBackend::Microlp),
    )
    .unwrap();
    assert_eq!(milp.stages, flow.stages, "milp stages");
}

#[test]
fn entitlements_are_proportional_and_capped_by_what_a_building_can_reach() {
    let inst = building_share_splits_the_spaces();
    let e = entitlements(&inst);
    assert_eq!(e.get("B1"), Some(&1));
    assert_eq!(e.get("B2"), Some(&1));
    // B2 reaches nothing: alone_B2 = 0.
    let mut inst = inst;
    inst.walk[1] = vec![OUT, OUT];
    let e = entitlements(&inst);
    assert_eq!(e.get("B1"), Some(&1));
    assert_eq!(e.get("B2"), Some(&0));
}

#[test]
fn stage_names_are_stable() {
    let mut inst = building_share_splits_the_spaces();
    inst.priority = vec![crate::model::PriorityClass::Elderly];
    inst.stability = Stability::KeepIncumbents;
    let sol = solve(&inst, Mechanism::Optimal, Engine::Flow).unwrap();
    let names: Vec<&str> = sol.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "1a reserved units on reserved spaces",
            "1b priority elderly",
            "1c units served",
            "2 building share met",
            "3 incumbents kept",
            "4 lottery",
            "5 longest walk m",
            "5 total walk m"
        ]
    );
}

#[rstest]
#[case::no_households(instance(vec![], vec![slot("S")], vec![vec![1.0]]))]
#[case::no_resources(instance(vec![hh("h", "B", 0, 0)], vec![], vec![vec![]]))]
#[case::zero_demand(instance(vec![instance::Demand { demand: 0, ..hh("h", "B", 0, 0) }], vec![slot("S")], vec![vec![1.0]]))]
#[case::nan_walk(instance(vec![hh("h", "B", 0, 0)], vec![slot("S")], vec![vec![f64::NAN]]))]
fn degenerate_instances_serve_nobody_without_panicking(#[case] inst: Instance) {
    for mech in [Mechanism::Optimal, Mechanism::SerialDictatorship] {
        let sol = solve(&inst, mech, Engine::Flow).unwrap();
        assert!(sol.assigned.is_empty());
    }
    let sol = solve(
        &inst,
        Mechanism::Optimal,
        Engine::Milp(MilpBackend::Microlp),
    )
    .unwrap();
    assert!(sol.assigned.is_empty());
}

#[rstest]
#[case::pin_out_of_range(vec![(0, 5)], "invalid instance")]
#[case::pinned_twice(vec![(0, 0), (1, 0)], "pin-twice")]
#[case::beyond_demand(vec![(0, 0), (0, 1)], "pin-beyond-demand")]
fn bad_pins_are_errors_naming_the_rule(#[case] pins: Vec<(usize, usize)>, #[case] rule: &str) {
    let mut inst = the_longest_walk_is_minimised_first();
    inst.pins = pins;
    let err = solve(&inst, Mechanism::Optimal, Engine::Flow).unwrap_err();
    assert!(err.to_string().contains(rule), "{err}");
}

#[test]
fn a_walk_matrix_too_small_is_an_error_not_a_panic() {
    let inst = instance(vec![hh("h", "B", 3, 0)], vec![slot("S")], vec![vec![1.0]]);
    assert!(matches!(
        solve(&inst, Mechanism::Optimal, Engine::Flow),
        Err(SolveError::InvalidInstance(_))
    ));
}
