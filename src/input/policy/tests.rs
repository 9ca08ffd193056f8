use super::*;
use crate::input::cross::check_pins;
use crate::model::{Household, Site};
use serde_json::json;

fn fields(p: &Problems) -> Vec<(&str, &str)> {
    p.0.iter()
        .map(|p| (p.field.as_deref().unwrap_or(""), p.rule.as_str()))
        .collect()
}

#[test]
fn the_format_example_policy_loads_unchanged_with_its_values() {
    let v: Value =
        serde_json::from_str(include_str!("../../../fixtures/policy/example.json")).unwrap();
    let p = parse_policy(&v).unwrap();
    assert_eq!(p.mechanism, Mechanism::Optimal);
    assert_eq!(
        p.seed.as_deref(),
        Some("2026-05-18 public draw, Yixinqiao community office")
    );
    let park = p.kind(ResourceKind::ParkingSpace);
    assert_eq!(
        (park.per_household, park.max_walk_m, park.max_cable_m),
        (1, 250.0, 60.0)
    );
    let bay = p.kind(ResourceKind::ChargingBay);
    assert_eq!((bay.per_household, bay.max_walk_m), (2, 200.0));
    assert_eq!(p.kind(ResourceKind::GardenPlot).max_walk_m, 300.0);
    assert_eq!(
        p.priority,
        vec![PriorityClass::Accessible, PriorityClass::Elderly]
    );
    assert_eq!(p.pins.len(), 1);
    assert_eq!(p.pins[0].resource, "P3");
    assert!(p.pins[0]
        .reason
        .as_deref()
        .unwrap()
        .starts_with("wheelchair user"));
}

#[test]
fn an_empty_policy_takes_every_default() {
    let p = parse_policy(&json!({})).unwrap();
    assert_eq!(p, Policy::default());
    assert_eq!(parse_policy(&Value::Null).unwrap(), Policy::default());
    let p = parse_policy(&json!({"kinds": {"garden_plot": {"max_walk_m": 120}}})).unwrap();
    assert_eq!(p.kinds.len(), 3);
    assert_eq!(p.kind(ResourceKind::GardenPlot).max_walk_m, 120.0);
    assert_eq!(p.kind(ResourceKind::GardenPlot).per_household, 1);
}

#[test]
fn unknown_names_and_values_are_errors_naming_the_field_path() {
    let e = parse_policy(&json!({
        "mechanism": "fastest",
        "kinds": {"parking_space": {"max_walk": 200}, "bike_rack": {}},
        "priority": ["elderly", "accessible", "vip", "elderly"],
        "building_share": "equal",
        "stability": true,
        "colour": "red"
    }))
    .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![
            ("colour", "policy-unknown-field"),
            ("mechanism", "policy-unknown-value"),
            ("kinds.bike_rack", "policy-unknown-field"),
            ("kinds.parking_space.max_walk", "policy-unknown-field"),
            ("priority[2]", "policy-unknown-value"),
            ("priority[3]", "policy-duplicate"),
            ("building_share", "policy-unknown-value"),
            ("stability", "policy-type"),
        ]
    );
}

#[test]
fn numbers_seed_and_pins_are_type_and_range_checked() {
    let e = parse_policy(&json!({
        "seed": 42,
        "kinds": {
            "parking_space": {"per_household": -1, "max_walk_m": 0, "max_cable_m": "60"},
            "charging_bay": {"per_household": 1.5},
            "garden_plot": {"per_household": 2.0, "max_walk_m": -3.5}
        },
        "pins": [{"household": "a"}, "P1", {"household": "b", "resource": "P2", "reason": 5, "by": "x"}]
    }))
    .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![
            ("seed", "policy-type"),
            ("kinds.charging_bay.per_household", "policy-type"),
            ("kinds.garden_plot.max_walk_m", "policy-range"),
            ("kinds.parking_space.per_household", "policy-range"),
            ("kinds.parking_space.max_walk_m", "policy-range"),
            ("kinds.parking_space.max_cable_m", "policy-type"),
            ("pins[0].resource", "policy-required"),
            ("pins[1]", "policy-type"),
            ("pins[2].by", "policy-unknown-field"),
            ("pins[2].reason", "policy-type"),
        ]
    );
}

#[test]
fn pins_to_unknown_or_doubly_pinned_resources_or_beyond_demand_are_errors_naming_the_pin() {
    use crate::model::{CoordinateMode, Resource, Shape};
    let res = |id: &str, kind| Resource {
        id: id.to_string(),
        kind,
        shape: Shape::Point(geo::Point::new(0.0, 0.0)),
        accessible: false,
        charger: false,
        zone: None,
    };
    let site = Site {
        resources: vec![
            res("P1", ResourceKind::ParkingSpace),
            res("P2", ResourceKind::ParkingSpace),
            res("G1", ResourceKind::GardenPlot),
        ],
        ..Site::empty(CoordinateMode::LocalMeters)
    };
    let mut a = Household::new("a", "B1", "1");
    a.cars = 1;
    let b = Household::new("b", "B1", "1");
    let policy = parse_policy(&json!({"pins": [
        {"household": "a", "resource": "P1"},
        {"household": "a", "resource": "P2"},
        {"household": "b", "resource": "G1"},
        {"household": "zz", "resource": "P1"},
        {"household": "a", "resource": "B1"}
    ]}))
    .unwrap();
    let got = check_pins(&policy, &site, &[a, b]);
    let got: Vec<_> = got
        .iter()
        .map(|p| (p.field.as_deref().unwrap_or(""), p.rule.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("pins[0]", "pin-duplicate-resource"),
            ("pins[1]", "pin-beyond-demand"),
            ("pins[2]", "pin-beyond-demand"),
            ("pins[3]", "pin-unknown-household"),
            ("pins[3]", "pin-duplicate-resource"),
            ("pins[4]", "pin-unknown-resource"),
        ]
    );
}
