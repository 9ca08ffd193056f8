//! Reading a policy (FORMAT.md §3) from JSON, with every default filled in,
//! and checking its pins against a site and roster.
//!
//! Readings of the spec chosen here:
//!
//! - Every field is optional; an absent field and JSON `null` both take the
//!   default. A `null` policy is the all-default policy.
//! - Field paths in problems use dots for object members and 0-based
//!   `[index]` for list items: `kinds.parking_space.max_walk`, `priority[2]`,
//!   `pins[0].household`.
//! - Rule codes: `policy-format` (not an object), `policy-unknown-field`
//!   (a name the format does not define, including an unknown kind under
//!   `kinds`), `policy-unknown-value` (e.g. `mechanism: "fastest"`,
//!   `priority: ["vip"]`), `policy-type`, `policy-range`,
//!   `policy-required` (a pin without `household` or `resource`),
//!   `policy-duplicate` (a priority class listed twice).
//! - `per_household` is an integer ≥ 0 (an integral float such as `1.0` is
//!   accepted); `max_walk_m`, `max_cable_m` finite numbers > 0. `max_cable_m`
//!   is accepted for every kind (it only matters for parking).
//! - `seed` is any string (also empty); absent it stays `None` and is
//!   resolved to `inputs_sha256` later.
//! - `round` is a non-empty string, trimmed; absent it stays `None` and is
//!   resolved by the pipeline (the previous allocation's round, else "1").
//! - A pin's `household` and `resource` are non-empty strings, trimmed;
//!   `reason` an optional string kept as is; pins stay in input order.

use crate::model::household::{demand, Household};
use crate::model::kind::ResourceKind;
use crate::model::policy::{
    BuildingShare, KindPolicy, Mechanism, Pin, Policy, PriorityClass, Rotation, Stability, Swaps,
};
use crate::model::problem::{Problem, Problems};
use crate::model::site::Site;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

const TOP_FIELDS: [&str; 10] = [
    "mechanism",
    "seed",
    "kinds",
    "priority",
    "building_share",
    "stability",
    "round",
    "rotation",
    "swaps",
    "pins",
];
const KIND_FIELDS: [&str; 3] = ["per_household", "max_walk_m", "max_cable_m"];
const PIN_FIELDS: [&str; 3] = ["household", "resource", "reason"];

fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn problem(rule: &str, path: &str, message: String) -> Problem {
    Problem::new(rule, format!("`{path}`: {message}")).field(path)
}

fn present<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).filter(|v| !v.is_null())
}

fn unknown_fields(obj: &Map<String, Value>, known: &[&str], prefix: &str, out: &mut Vec<Problem>) {
    for key in obj.keys() {
        if !known.contains(&key.as_str()) {
            let path = format!("{prefix}{key}");
            out.push(problem(
                "policy-unknown-field",
                &path,
                format!(
                    "\"{key}\" is not a policy field (expected one of {})",
                    known.join(", ")
                ),
            ));
        }
    }
}

/// A string among `choices`, mapped to its value.
fn choice<T: Copy>(
    v: &Value,
    path: &str,
    choices: &[(&str, T)],
    out: &mut Vec<Problem>,
) -> Option<T> {
    let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
    match v {
        Value::String(s) => match choices.iter().find(|(n, _)| n == s) {
            Some((_, t)) => Some(*t),
            None => {
                out.push(problem(
                    "policy-unknown-value",
                    path,
                    format!("\"{s}\" is not one of {}", names.join(", ")),
                ));
                None
            }
        },
        other => {
            out.push(problem(
                "policy-type",
                path,
                format!(
                    "must be one of the strings {}, not {}",
                    names.join(", "),
                    describe(other)
                ),
            ));
            None
        }
    }
}

fn parse_kind(v: &Value, path: &str, out: &mut Vec<Problem>) -> KindPolicy {
    let mut k = KindPolicy::default();
    let Some(obj) = v.as_object() else {
        out.push(problem(
            "policy-type",
            path,
            format!(
                "must be an object of {}, not {}",
                KIND_FIELDS.join(", "),
                describe(v)
            ),
        ));
        return k;
    };
    unknown_fields(obj, &KIND_FIELDS, &format!("{path}."), out);
    if let Some(v) = present(obj, "per_household") {
        let p = format!("{path}.per_household");
        let as_int = v.as_u64().or_else(|| {
            v.as_f64()
                .filter(|f| f.is_finite() && f.fract() == 0.0 && *f >= 0.0 && *f < 1e15)
                .map(|f| f as u64)
        });
        match (as_int, v.as_f64()) {
            (Some(n), _) => match u32::try_from(n)
                .ok()
                .filter(|n| *n <= crate::model::limits::MAX_COUNT)
            {
                Some(n) => k.per_household = n,
                None => out.push(problem(
                    "policy-range",
                    &p,
                    format!(
                        "{n} is too large (at most {})",
                        crate::model::limits::MAX_COUNT
                    ),
                )),
            },
            (None, Some(f)) if f < 0.0 => out.push(problem(
                "policy-range",
                &p,
                format!("must be 0 or more, not {v}"),
            )),
            (None, _) => out.push(problem(
                "policy-type",
                &p,
                format!("must be a whole number ≥ 0, not {}", shown(v)),
            )),
        }
    }
    for (name, slot) in [
        ("max_walk_m", &mut k.max_walk_m),
        ("max_cable_m", &mut k.max_cable_m),
    ] {
        let Some(v) = present(obj, name) else {
            continue;
        };
        let p = format!("{path}.{name}");
        match v.as_f64() {
            Some(f) if f.is_finite() && f > 0.0 => *slot = f,
            Some(_) => out.push(problem(
                "policy-range",
                &p,
                format!("must be a distance in metres greater than 0, not {v}"),
            )),
            None => out.push(problem(
                "policy-type",
                &p,
                format!("must be a number of metres, not {}", shown(v)),
            )),
        }
    }
    k
}

/// A value as shown in a message: the number or string itself, else its type.
fn shown(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("\"{s}\""),
        other => describe(other).to_string(),
    }
}

fn parse_pin(v: &Value, path: &str, out: &mut Vec<Problem>) -> Option<Pin> {
    let Some(obj) = v.as_object() else {
        out.push(problem(
            "policy-type",
            path,
            format!(
                "a pin must be an object {{\"household\", \"resource\", \"reason\"?}}, not {}",
                describe(v)
            ),
        ));
        return None;
    };
    unknown_fields(obj, &PIN_FIELDS, &format!("{path}."), out);
    let mut text = |name: &str, required: bool| -> Option<String> {
        let p = format!("{path}.{name}");
        match present(obj, name) {
            Some(Value::String(s)) if !required => Some(s.clone()),
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            None | Some(Value::String(_)) if required => {
                out.push(problem("policy-required", &p, "is required".to_string()));
                None
            }
            None => None,
            Some(other) => {
                out.push(problem(
                    "policy-type",
                    &p,
                    format!("must be a string, not {}", describe(other)),
                ));
                None
            }
        }
    };
    let household = text("household", true);
    let resource = text("resource", true);
    let reason = text("reason", false);
    Some(Pin {
        household: household?,
        resource: resource?,
        reason,
    })
}

/// Parses a policy, filling in every default; every problem names its field path.
pub fn parse_policy(value: &Value) -> Result<Policy, Problems> {
    let mut policy = Policy::default();
    let obj = match value {
        Value::Null => return Ok(policy),
        Value::Object(obj) => obj,
        other => {
            return Err(Problems(vec![Problem::new(
                "policy-format",
                format!("a policy must be a JSON object, not {}", describe(other)),
            )]))
        }
    };
    let mut out = Vec::new();
    unknown_fields(obj, &TOP_FIELDS, "", &mut out);

    if let Some(v) = present(obj, "mechanism") {
        let choices = [
            ("optimal", Mechanism::Optimal),
            ("serial_dictatorship", Mechanism::SerialDictatorship),
        ];
        if let Some(m) = choice(v, "mechanism", &choices, &mut out) {
            policy.mechanism = m;
        }
    }
    if let Some(v) = present(obj, "seed") {
        match v {
            Value::String(s) => policy.seed = Some(s.clone()),
            other => out.push(problem(
                "policy-type",
                "seed",
                format!("must be a string, not {}", describe(other)),
            )),
        }
    }
    if let Some(v) = present(obj, "kinds") {
        match v {
            Value::Object(kinds) => {
                for (name, kv) in kinds {
                    let path = format!("kinds.{name}");
                    match ResourceKind::parse(name) {
                        Some(kind) => {
                            let k = if kv.is_null() {
                                KindPolicy::default()
                            } else {
                                parse_kind(kv, &path, &mut out)
                            };
                            policy.kinds.insert(kind, k);
                        }
                        None => out.push(problem(
                            "policy-unknown-field",
                            &path,
                            format!("\"{name}\" is not a resource kind (parking_space, charging_bay or garden_plot)"),
                        )),
                    }
                }
            }
            other => out.push(problem(
                "policy-type",
                "kinds",
                format!(
                    "must be an object keyed by resource kind, not {}",
                    describe(other)
                ),
            )),
        }
    }
    if let Some(v) = present(obj, "priority") {
        match v {
            Value::Array(items) => {
                let choices = [
                    ("accessible", PriorityClass::Accessible),
                    ("elderly", PriorityClass::Elderly),
                    ("ev", PriorityClass::Ev),
                ];
                let mut seen: BTreeMap<PriorityClass, usize> = BTreeMap::new();
                for (i, item) in items.iter().enumerate() {
                    let path = format!("priority[{i}]");
                    let Some(c) = choice(item, &path, &choices, &mut out) else {
                        continue;
                    };
                    if let Some(first) = seen.get(&c) {
                        out.push(problem(
                            "policy-duplicate",
                            &path,
                            format!("{item} is already listed at priority[{first}]"),
                        ));
                    } else {
                        seen.insert(c, i);
                        policy.priority.push(c);
                    }
                }
            }
            other => out.push(problem(
                "policy-type",
                "priority",
                format!("must be a list of class names, not {}", describe(other)),
            )),
        }
    }
    if let Some(v) = present(obj, "building_share") {
        let choices = [
            ("proportional", BuildingShare::Proportional),
            ("none", BuildingShare::None),
        ];
        if let Some(b) = choice(v, "building_share", &choices, &mut out) {
            policy.building_share = b;
        }
    }
    if let Some(v) = present(obj, "stability") {
        let choices = [
            ("protect", Stability::Protect),
            ("keep_incumbents", Stability::KeepIncumbents),
            ("none", Stability::None),
        ];
        if let Some(s) = choice(v, "stability", &choices, &mut out) {
            policy.stability = s;
        }
    }
    if let Some(v) = present(obj, "round") {
        match v {
            Value::String(s) if !s.trim().is_empty() => policy.round = Some(s.trim().to_string()),
            Value::String(_) => out.push(problem(
                "policy-range",
                "round",
                "must name the round, not be empty".to_string(),
            )),
            other => out.push(problem(
                "policy-type",
                "round",
                format!("must be a string such as \"2026\", not {}", describe(other)),
            )),
        }
    }
    if let Some(v) = present(obj, "rotation") {
        let choices = [
            ("none", Rotation::None),
            ("waited_first", Rotation::WaitedFirst),
            ("tickets", Rotation::Tickets),
        ];
        if let Some(r) = choice(v, "rotation", &choices, &mut out) {
            policy.rotation = r;
        }
    }
    if let Some(v) = present(obj, "swaps") {
        let choices = [("none", Swaps::None), ("trade_up", Swaps::TradeUp)];
        if let Some(r) = choice(v, "swaps", &choices, &mut out) {
            policy.swaps = r;
        }
    }
    if let Some(v) = present(obj, "pins") {
        match v {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Some(pin) = parse_pin(item, &format!("pins[{i}]"), &mut out) {
                        policy.pins.push(pin);
                    }
                }
            }
            other => out.push(problem(
                "policy-type",
                "pins",
                format!("must be a list of pins, not {}", describe(other)),
            )),
        }
    }
    Problems(out).into_result(policy)
}

/// Checks the pins against the site and roster (FORMAT.md §3 "Pins"). Each
/// problem names the pin (`field: "pins[i]"`, 0-based):
/// `pin-unknown-household`, `pin-unknown-resource` (an id that is not a
/// parking space, charging bay or garden plot), `pin-duplicate-resource`
/// (one error on every pin of a resource pinned more than once, naming the
/// others), `pin-beyond-demand` (on each pin past the household's demand for
/// that kind, counting its pins in list order).
pub fn check_pins(policy: &Policy, site: &Site, households: &[Household]) -> Vec<Problem> {
    let by_id: BTreeMap<&str, &Household> = households.iter().map(|h| (h.id.as_str(), h)).collect();
    let kinds: BTreeMap<&str, ResourceKind> = site
        .resources
        .iter()
        .map(|r| (r.id.as_str(), r.kind))
        .collect();
    let mut out = Vec::new();
    let mut pins_of_resource: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut taken: BTreeMap<(&str, ResourceKind), u32> = BTreeMap::new();
    for (i, pin) in policy.pins.iter().enumerate() {
        let path = format!("pins[{i}]");
        pins_of_resource
            .entry(pin.resource.as_str())
            .or_default()
            .push(i);
        let h = by_id.get(pin.household.as_str());
        let kind = kinds.get(pin.resource.as_str());
        if h.is_none() {
            out.push(problem(
                "pin-unknown-household",
                &path,
                format!("household \"{}\" is not in the roster", pin.household),
            ));
        }
        if kind.is_none() {
            out.push(problem(
                "pin-unknown-resource",
                &path,
                format!(
                    "\"{}\" is not a parking space, charging bay or garden plot of the layout",
                    pin.resource
                ),
            ));
        }
        if let (Some(h), Some(&kind)) = (h, kind) {
            let n = taken.entry((pin.household.as_str(), kind)).or_insert(0);
            *n += 1;
            let d = demand(h, kind, policy);
            if *n > d {
                out.push(problem(
                    "pin-beyond-demand",
                    &path,
                    format!(
                        "household \"{}\" is pinned {} {kind}(s) but its demand is {d} (cars {}, ebikes {}, wants_plot {}, per_household {})",
                        h.id,
                        *n,
                        h.cars,
                        h.ebikes,
                        h.wants_plot,
                        policy.kind(kind).per_household
                    ),
                ));
            }
        }
    }
    for (resource, pins) in pins_of_resource {
        if pins.len() < 2 {
            continue;
        }
        for &i in &pins {
            let others: Vec<String> = pins
                .iter()
                .filter(|&&j| j != i)
                .map(|j| format!("pins[{j}]"))
                .collect();
            out.push(problem(
                "pin-duplicate-resource",
                &format!("pins[{i}]"),
                format!(
                    "resource \"{resource}\" is also pinned by {}",
                    others.join(", ")
                ),
            ));
        }
    }
    // Sort by pin index (stable), so each pin's problems stay together.
    out.sort_by_key(|p| {
        p.field
            .as_deref()
            .and_then(|f| f.strip_prefix("pins["))
            .and_then(|f| f.strip_suffix(']'))
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(usize::MAX)
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
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
            id: None,
            name: None,
            coordinates: CoordinateMode::LocalMeters,
            boundary: None,
            buildings: vec![],
            entrances: vec![],
            gates: vec![],
            walkways: vec![],
            fire_lanes: vec![],
            keep_clear: vec![],
            power_feeds: vec![],
            resources: vec![
                res("P1", ResourceKind::ParkingSpace),
                res("P2", ResourceKind::ParkingSpace),
                res("G1", ResourceKind::GardenPlot),
            ],
            raw: Value::Null,
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
}
