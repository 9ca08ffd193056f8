//! Walking distances depend on the geometry alone (FORMAT.md §1): shuffling
//! the features of a site, reversing its walkways, or both, changes no walk
//! and no allocation. The sites are synthetic ones with walkways plus loose
//! ends drawn 0.1–0.45 m short of another walkway, near its vertices and
//! mid-segment, so the link rule is exercised everywhere.

use allot::geometry::walking_distances;
use allot::input::load_layout;
use allot::pipeline::{self, Inputs, Options, RosterInput};
use allot::synthetic::{synthetic_site, SplitMix, SynthParams};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn uniform(rng: &mut SplitMix, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * ((rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
}

fn walkway(id: &str, pts: &[[f64; 2]]) -> Value {
    json!({"type": "Feature", "properties": {"kind": "walkway", "id": id},
           "geometry": {"type": "LineString", "coordinates": pts}})
}

/// A point `gap` metres from `target` in direction `angle` (radians).
fn short_of(target: [f64; 2], gap: f64, angle: f64) -> [f64; 2] {
    [target[0] + gap * angle.cos(), target[1] + gap * angle.sin()]
}

fn bay(id: &str, at: [f64; 2]) -> Value {
    json!({"type": "Feature", "properties": {"kind": "charging_bay", "id": id},
           "geometry": {"type": "Point", "coordinates": at}})
}

/// The synthetic site with walkways (a cell's east–west path from
/// (cx, cy + 29) to (cx + 70, cy + 29) in front of its building, which spans
/// y cy + 32 to cy + 44; its north–south path from (cx + 2, cy) to
/// (cx + 2, cy + 50)), plus in each cell loose ends 0.1–0.45 m short of:
/// - the east–west path's middle (from the south) and both its ends;
/// - the north–south path's foot, and its middle behind the building, from
///   where a path runs east behind the building;
///
/// and a row of e-bike bays behind the building, which the straight line
/// from every entrance crosses the building to reach, so walks to them
/// follow the network and its links.
fn site_with_loose_ends(p: &SynthParams, rng: &mut SplitMix) -> (Value, Value) {
    let (mut layout, roster) = synthetic_site(p);
    let features = layout["features"].as_array_mut().expect("features");
    let paths: Vec<(String, [f64; 2])> = features
        .iter()
        .filter(|f| f["properties"]["kind"] == "walkway")
        .filter_map(|f| {
            let id = f["properties"]["id"].as_str()?;
            let start = &f["geometry"]["coordinates"][0];
            Some((id.to_string(), [start[0].as_f64()?, start[1].as_f64()?]))
        })
        .collect();
    let mut u = |lo: f64, hi: f64| uniform(rng, lo, hi);
    for (id, [x, y]) in paths {
        if id.ends_with("-WV") {
            // (x, y) = (cx + 2, cy).
            let end = short_of([x, y], u(0.1, 0.45), u(-1.4, -0.2));
            let far = [end[0] + u(1.0, 2.5), end[1] - u(0.5, 2.5)];
            features.push(walkway(&format!("{id}-foot"), &[end, far]));
            let behind = short_of([x, y + u(45.5, 48.5)], u(0.1, 0.45), u(-0.6, 0.6));
            let path = [
                behind,
                [x + u(20.0, 35.0), behind[1] + u(-1.0, 1.0)],
                [x + 60.0, y + 47.0],
            ];
            features.push(walkway(&format!("{id}-behind"), &path));
            for k in 0..14 {
                let at = [
                    x + 6.0 + 4.0 * k as f64 + u(0.0, 2.0),
                    y + 48.5 + u(0.0, 0.8),
                ];
                features.push(bay(&format!("{id}-N{k}"), at));
            }
        } else {
            // (x, y) = (cx, cy + 29).
            let mid = [x + u(8.0, 60.0), y];
            let end = short_of(mid, u(0.1, 0.45), u(-2.6, -0.5));
            let bend = [end[0] + u(-2.0, 2.0), y - u(1.5, 3.0)];
            let path = [end, bend, [bend[0] + 1.5, bend[1] - 0.8]];
            features.push(walkway(&format!("{id}-mid"), &path));
            let west = short_of([x, y], u(0.1, 0.45), u(3.3, 6.0));
            features.push(walkway(
                &format!("{id}-west"),
                &[west, [west[0] + 0.7, west[1] - 2.0]],
            ));
            let east = short_of([x + 70.0, y], u(0.1, 0.45), u(1.7, 2.8));
            let path = [
                east,
                [x + 67.5, y + 9.0],
                [x + 67.5 + u(-0.5, 0.5), y + 18.0],
            ];
            features.push(walkway(&format!("{id}-east"), &path));
        }
    }
    (layout, roster)
}

fn shuffled(layout: &Value, rng: &mut SplitMix) -> Value {
    let mut out = layout.clone();
    let features = out["features"].as_array_mut().expect("features");
    for i in (1..features.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        features.swap(i, j);
    }
    out
}

fn reversed(layout: &Value) -> Value {
    let mut out = layout.clone();
    for f in out["features"].as_array_mut().expect("features") {
        if f["properties"]["kind"] == "walkway" {
            if let Some(pts) = f["geometry"]["coordinates"].as_array_mut() {
                pts.reverse();
            }
        }
    }
    out
}

/// Every walk by (building, unit, resource id).
fn walks(layout: &Value) -> BTreeMap<(String, String, String), f64> {
    let site = load_layout(layout).expect("loads");
    let m = walking_distances(&site);
    let mut out = BTreeMap::new();
    for (u, (b, unit)) in m.units.iter().enumerate() {
        for (j, r) in site.resources.iter().enumerate() {
            out.insert((b.clone(), unit.clone(), r.id.clone()), m.get(u, j));
        }
    }
    out
}

/// The allocation JSON with `inputs_sha256` (which hashes the layout as
/// written) blanked.
fn allocation(layout: &Value, roster: &Value) -> Value {
    let inputs = Inputs {
        layout: layout.clone(),
        households: RosterInput::Json(roster.clone()),
        policy: Some(json!({
            "kinds": {"parking_space": {"max_walk_m": 60}, "charging_bay": {"per_household": 2, "max_walk_m": 45}},
            "priority": ["accessible", "elderly"],
        })),
        previous: None,
        seed: Some("walk order".into()),
        round: None,
    };
    let a = pipeline::solve(&inputs, &Options::default()).expect("solves");
    let mut v: Value =
        serde_json::from_slice(&allot::report::json::allocation_json(&a)).expect("json");
    v["inputs_sha256"] = Value::Null;
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, .. ProptestConfig::default() })]

    #[test]
    fn shuffling_features_and_reversing_walkways_change_no_walk_and_no_allocation(
        households in 30usize..200,
        spaces in 10usize..80,
        seed in any::<u64>(),
    ) {
        let p = SynthParams { walkways: true, ..SynthParams::scaled(households, spaces, seed) };
        let mut rng = SplitMix::new(seed ^ 0x5eed);
        let (layout, roster) = site_with_loose_ends(&p, &mut rng);
        let reference = walks(&layout);
        let reference_allocation = allocation(&layout, &roster);
        let variants = [
            ("shuffled", shuffled(&layout, &mut rng)),
            ("reversed", reversed(&layout)),
            ("shuffled and reversed", reversed(&shuffled(&layout, &mut rng))),
        ];
        for (name, variant) in &variants {
            let w = walks(variant);
            prop_assert_eq!(w.len(), reference.len());
            for (key, d) in &w {
                let d0 = reference[key];
                prop_assert!((d - d0).abs() < 1e-3 || (d.is_infinite() && d0.is_infinite()),
                    "{}: {:?} walks {} m, {} m before", name, key, d, d0);
            }
            prop_assert_eq!(&allocation(variant, &roster), &reference_allocation, "{}", name);
        }
    }
}

#[test]
fn the_loose_ends_join_the_network_and_drawn_half_a_metre_further_they_do_not() {
    // The bays behind each building are nearest to the path behind it,
    // which only a link joins to the north–south path: every entrance
    // reaches every bay. Moved 0.5 m east, that path ends more than 0.5 m
    // from anything, and the bays behind are cut off (with warnings).
    let p = SynthParams {
        walkways: true,
        ..SynthParams::scaled(300, 60, 3)
    };
    let (layout, _) = site_with_loose_ends(&p, &mut SplitMix::new(3));
    let warnings = |l: &Value| walking_distances(&load_layout(l).expect("loads")).warnings;
    let w = warnings(&layout);
    assert!(w.is_empty(), "{w:#?}");
    let mut apart = layout.clone();
    for f in apart["features"].as_array_mut().expect("features") {
        if f["properties"]["id"]
            .as_str()
            .is_some_and(|id| id.ends_with("-behind"))
        {
            for c in f["geometry"]["coordinates"].as_array_mut().expect("line") {
                c[0] = json!(c[0].as_f64().expect("x") + 0.5);
            }
        }
    }
    let w = warnings(&apart);
    assert!(!w.is_empty());
    assert!(w
        .iter()
        .all(|w| w.rule == "W-walkway-network" && w.message.contains("-N")));
}
