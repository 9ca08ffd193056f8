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

use crate::input::value::describe;
use crate::model::kind::ResourceKind;
use crate::model::policy::{
    BuildingShare, KindPolicy, Mechanism, Pin, Policy, PriorityClass, Rotation, Stability, Swaps,
};
use crate::model::problem::{Problem, Problems};
use crate::model::Rule;
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

pub(crate) fn problem(rule: Rule, path: &str, message: String) -> Problem {
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
                Rule::PolicyUnknownField,
                &path,
                format!(
                    "\"{key}\" is not a policy field (expected one of {})",
                    known.join(", ")
                ),
            ));
        }
    }
}

/// Sets `slot` to the choice the top-level field `name` names, when present.
fn set_choice<T: Copy>(
    obj: &Map<String, Value>,
    name: &str,
    choices: &[(&str, T)],
    slot: &mut T,
    out: &mut Vec<Problem>,
) {
    if let Some(t) = present(obj, name).and_then(|v| choice(v, name, choices, out)) {
        *slot = t;
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
                    Rule::PolicyUnknownValue,
                    path,
                    format!("\"{s}\" is not one of {}", names.join(", ")),
                ));
                None
            }
        },
        other => {
            out.push(problem(
                Rule::PolicyType,
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
            Rule::PolicyType,
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
                .filter(|n| *n <= crate::input::limits::MAX_COUNT)
            {
                Some(n) => k.per_household = n,
                None => out.push(problem(
                    Rule::PolicyRange,
                    &p,
                    format!(
                        "{n} is too large (at most {})",
                        crate::input::limits::MAX_COUNT
                    ),
                )),
            },
            (None, Some(f)) if f < 0.0 => out.push(problem(
                Rule::PolicyRange,
                &p,
                format!("must be 0 or more, not {v}"),
            )),
            (None, _) => out.push(problem(
                Rule::PolicyType,
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
                Rule::PolicyRange,
                &p,
                format!("must be a distance in metres greater than 0, not {v}"),
            )),
            None => out.push(problem(
                Rule::PolicyType,
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
            Rule::PolicyType,
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
                out.push(problem(Rule::PolicyRequired, &p, "is required".to_string()));
                None
            }
            None => None,
            Some(other) => {
                out.push(problem(
                    Rule::PolicyType,
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
                Rule::PolicyFormat,
                format!("a policy must be a JSON object, not {}", describe(other)),
            )]))
        }
    };
    let mut out = Vec::new();
    unknown_fields(obj, &TOP_FIELDS, "", &mut out);

    let choices = [
        ("optimal", Mechanism::Optimal),
        ("serial_dictatorship", Mechanism::SerialDictatorship),
    ];
    set_choice(obj, "mechanism", &choices, &mut policy.mechanism, &mut out);
    if let Some(v) = present(obj, "seed") {
        match v {
            Value::String(s) => policy.seed = Some(s.clone()),
            other => out.push(problem(
                Rule::PolicyType,
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
                            Rule::PolicyUnknownField,
                            &path,
                            format!("\"{name}\" is not a resource kind (parking_space, charging_bay or garden_plot)"),
                        )),
                    }
                }
            }
            other => out.push(problem(
                Rule::PolicyType,
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
                            Rule::PolicyDuplicate,
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
                Rule::PolicyType,
                "priority",
                format!("must be a list of class names, not {}", describe(other)),
            )),
        }
    }
    let choices = [
        ("proportional", BuildingShare::Proportional),
        ("none", BuildingShare::None),
    ];
    set_choice(
        obj,
        "building_share",
        &choices,
        &mut policy.building_share,
        &mut out,
    );
    let choices = [
        ("protect", Stability::Protect),
        ("keep_incumbents", Stability::KeepIncumbents),
        ("none", Stability::None),
    ];
    set_choice(obj, "stability", &choices, &mut policy.stability, &mut out);
    if let Some(v) = present(obj, "round") {
        match v {
            Value::String(s) if !s.trim().is_empty() => policy.round = Some(s.trim().to_string()),
            Value::String(_) => out.push(problem(
                Rule::PolicyRange,
                "round",
                "must name the round, not be empty".to_string(),
            )),
            other => out.push(problem(
                Rule::PolicyType,
                "round",
                format!("must be a string such as \"2026\", not {}", describe(other)),
            )),
        }
    }
    let choices = [
        ("none", Rotation::None),
        ("waited_first", Rotation::WaitedFirst),
        ("tickets", Rotation::Tickets),
    ];
    set_choice(obj, "rotation", &choices, &mut policy.rotation, &mut out);
    let choices = [("none", Swaps::None), ("trade_up", Swaps::TradeUp)];
    set_choice(obj, "swaps", &choices, &mut policy.swaps, &mut out);
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
                Rule::PolicyType,
                "pins",
                format!("must be a list of pins, not {}", describe(other)),
            )),
        }
    }
    Problems(out).into_result(policy)
}

#[cfg(test)]
mod tests;
