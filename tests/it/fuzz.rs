//! A structure-aware fuzz harness on stable: proptest generates layouts,
//! rosters, policies and request bodies (valid shapes with hostile values:
//! duplicates, stacked copies, huge and negative numbers, control
//! characters, wrong types) and runs them through validation and the
//! pipeline. Nothing may panic, and every answer stays bounded. 64 cases per
//! run in `cargo test`; `ALLOT_FUZZ_CASES=5000 cargo test --test it fuzz::` runs
//! longer (docs/serve.md).

use allot::input::limits::Limits;
use allot::pipeline::{self, Inputs, Options, RosterInput};
use proptest::prelude::*;
use serde_json::{json, Value};

fn cases() -> u32 {
    std::env::var("ALLOT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

fn id() -> impl Strategy<Value = Value> {
    prop_oneof![
        "[A-Za-z0-9=+@\\-]{1,6}".prop_map(Value::from),
        Just(Value::from("dup")),
        Just(Value::from("a\u{0}b")),
        Just(Value::from("")),
        any::<i64>().prop_map(Value::from),
        Just(Value::Null),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        (-5i64..50).prop_map(Value::from),
        Just(json!(4294967295u64)),
        Just(json!(1e300)),
        Just(json!(-0.5)),
        Just(json!("3")),
    ]
}

fn polygon() -> impl Strategy<Value = Value> {
    (
        0.0f64..100.0,
        0.0f64..80.0,
        -1.0f64..8.0,
        -1.0f64..8.0,
        any::<bool>(),
    )
        .prop_map(|(x, y, w, h, bowtie)| {
            let ring = if bowtie {
                json!([[x, y], [x + w, y + h], [x + w, y], [x, y + h], [x, y]])
            } else {
                json!([[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]])
            };
            json!({"type": "Polygon", "coordinates": [ring]})
        })
}

fn feature() -> impl Strategy<Value = Value> {
    let kind = prop::sample::select(vec![
        "boundary",
        "building",
        "entrance",
        "parking_space",
        "charging_bay",
        "garden_plot",
        "fire_lane",
        "keep_clear",
        "walkway",
        "nonsense",
    ]);
    (kind, id(), polygon(), 0.0f64..100.0, 0.0f64..80.0).prop_map(|(kind, id, poly, x, y)| {
        let geometry = match kind {
            "entrance" | "charging_bay" => json!({"type": "Point", "coordinates": [x, y]}),
            "walkway" => json!({"type": "LineString", "coordinates": [[x, y], [y, x]]}),
            _ => poly,
        };
        json!({"type": "Feature", "geometry": geometry,
               "properties": {"kind": kind, "id": id, "building": "B1", "unit": "1"}})
    })
}

fn layout() -> impl Strategy<Value = Value> {
    (prop::collection::vec(feature(), 0..25), 0usize..30).prop_map(|(mut features, copies)| {
        if let Some(f) = features.first().cloned() {
            features.extend(std::iter::repeat_n(f, copies));
        }
        json!({"type": "FeatureCollection", "coordinates": "local_meters", "features": features})
    })
}

fn roster() -> impl Strategy<Value = Value> {
    prop::collection::vec(
        (id(), id(), number(), number(), any::<bool>()).prop_map(|(id, unit, cars, ebikes, plot)| {
            json!({"id": id, "building": "B1", "unit": unit, "cars": cars, "ebikes": ebikes, "wants_plot": plot})
        }),
        0..30,
    )
    .prop_map(Value::Array)
}

fn policy() -> impl Strategy<Value = Option<Value>> {
    proptest::option::of(
        (number(), number(), any::<bool>()).prop_map(|(per, walk, serial)| {
            json!({"mechanism": if serial { "serial_dictatorship" } else { "optimal" },
               "kinds": {"parking_space": {"per_household": per, "max_walk_m": walk}},
               "priority": ["accessible", "elderly", "accessible"]})
        }),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn no_input_panics_and_every_answer_is_bounded(layout in layout(), households in roster(), policy in policy(), csv in any::<bool>()) {
        let report = pipeline::validate_layout(&layout, policy.as_ref());
        // Grouped problems: never more than a few per feature.
        let features = layout["features"].as_array().map_or(0, Vec::len);
        prop_assert!(report.errors.len() <= 4 * features + 8, "{} errors for {features} features", report.errors.len());
        prop_assert!(report.errors.iter().chain(&report.warnings).all(|p| p.message.len() < 2000));
        let households = if csv {
            let mut text = String::from("id,building,unit,cars\n");
            for h in households.as_array().into_iter().flatten() {
                text.push_str(&format!("{},{},{},{}\n", h["id"], h["building"], h["unit"], h["cars"]));
            }
            RosterInput::Csv(text.into_bytes())
        } else {
            RosterInput::Json(households)
        };
        let inputs = Inputs { layout, households, policy, previous: None, seed: Some("fuzz".into()), round: None };
        let options = Options { limits: Limits::default(), ..Options::default() };
        match pipeline::solve(&inputs, &options) {
            Ok(a) => prop_assert!(a.assignments.len() <= 30 * 3 * 1000),
            Err(e) => prop_assert!(e.problems().iter().all(|p| p.message.len() < 2000)),
        }
    }
}

#[test]
fn the_harness_reports_its_case_count() {
    eprintln!("fuzz harness: {} cases per property", cases());
    assert!(cases() >= 1);
}
