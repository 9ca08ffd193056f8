//! The value of one roster field, read from a JSON value or a text cell
//! alike (the readings are listed in [`super`]'s documentation).

use crate::input::value::describe;
use crate::model::kind::ResourceKind;
use crate::model::problem::Problem;
use crate::model::Rule;
use serde_json::Value;
use std::collections::BTreeMap;

/// One input value of a field, whatever the input format.
#[derive(Debug, Clone, Copy)]
pub(super) enum Cell<'a> {
    /// Absent, JSON `null`, or a blank CSV cell.
    Missing,
    Json(&'a Value),
    Text(&'a str),
}

impl<'a> Cell<'a> {
    pub(super) fn from_json(v: Option<&'a Value>) -> Cell<'a> {
        match v {
            None | Some(Value::Null) => Cell::Missing,
            Some(v) => Cell::Json(v),
        }
    }

    pub(super) fn from_text(s: Option<&'a str>) -> Cell<'a> {
        match s.map(str::trim) {
            None | Some("") => Cell::Missing,
            Some(s) => Cell::Text(s),
        }
    }
}

pub(super) fn type_error(field: &str, message: String) -> Problem {
    Problem::new(Rule::RosterType, message).field(field)
}

/// `id`, `building`, `unit`: a required, trimmed, non-empty string.
pub(super) fn required_string(cell: Cell<'_>, field: &str) -> Result<String, Box<Problem>> {
    let text = match cell {
        Cell::Missing => None,
        Cell::Text(s) => Some(s.to_string()),
        Cell::Json(Value::String(s)) => Some(s.trim().to_string()),
        Cell::Json(Value::Number(n)) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        Cell::Json(v) => {
            return Err(Box::new(type_error(
                field,
                format!("`{field}` must be a string, not {}", describe(v)),
            )))
        }
    };
    match text {
        Some(s) if !s.is_empty() => match crate::input::limits::id_characters_problem(&s) {
            Some(why) => Err(Box::new(
                Problem::new(
                    Rule::RosterIdCharacters,
                    format!("`{field}` is not usable: {why}"),
                )
                .field(field),
            )),
            None => Ok(s),
        },
        _ => Err(Box::new(
            Problem::new(Rule::RosterRequired, format!("`{field}` is required")).field(field),
        )),
    }
}

/// An integral value from a JSON number or a CSV text; `None` when it is not one.
pub(super) fn integral(cell: Cell<'_>) -> Option<Result<i128, String>> {
    let shown;
    let float = match cell {
        Cell::Missing => return None,
        Cell::Json(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                return Some(Ok(i128::from(i)));
            }
            if let Some(u) = n.as_u64() {
                return Some(Ok(i128::from(u)));
            }
            shown = n.to_string();
            n.as_f64()
        }
        Cell::Json(v) => return Some(Err(describe(v).to_string())),
        Cell::Text(s) => {
            if let Ok(i) = s.parse::<i128>() {
                return Some(Ok(i));
            }
            shown = format!("\"{s}\"");
            // Only plain decimal notation, so that `inf`/`NaN` are rejected.
            if s.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c)) {
                s.parse::<f64>().ok()
            } else {
                None
            }
        }
    };
    match float {
        Some(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e18 => {
            // Exact: |f| < 1e18 is well inside i128 and integral.
            Some(Ok(f as i128))
        }
        _ => Some(Err(shown)),
    }
}

pub(super) fn floor_field(cell: Cell<'_>) -> Result<Option<i64>, Box<Problem>> {
    match integral(cell) {
        None => Ok(None),
        Some(Ok(i)) => i64::try_from(i).map(Some).map_err(|_| {
            Box::new(
                Problem::new(Rule::RosterRange, format!("`floor` {i} is out of range"))
                    .field("floor"),
            )
        }),
        Some(Err(shown)) => Err(Box::new(type_error(
            "floor",
            format!("`floor` must be an integer, not {shown}"),
        ))),
    }
}

pub(super) fn count_field(cell: Cell<'_>, field: &str) -> Result<u32, Box<Problem>> {
    match integral(cell) {
        None => Ok(0),
        Some(Ok(i)) if i < 0 => Err(Box::new(
            Problem::new(
                Rule::RosterRange,
                format!("`{field}` must be 0 or more, not {i}"),
            )
            .field(field),
        )),
        Some(Ok(i)) => u32::try_from(i)
            .ok()
            .filter(|n| *n <= crate::input::limits::MAX_COUNT)
            .ok_or_else(|| {
                Box::new(
                    Problem::new(
                        Rule::RosterRange,
                        format!(
                            "`{field}` {i} is too large (at most {})",
                            crate::input::limits::MAX_COUNT
                        ),
                    )
                    .field(field),
                )
            }),
        Some(Err(shown)) => Err(Box::new(type_error(
            field,
            format!("`{field}` must be a whole number ≥ 0, not {shown}"),
        ))),
    }
}

pub(super) fn bool_field(cell: Cell<'_>, field: &str) -> Result<bool, Box<Problem>> {
    match cell {
        Cell::Missing => Ok(false),
        Cell::Json(Value::Bool(b)) => Ok(*b),
        Cell::Json(v) => Err(Box::new(type_error(
            field,
            format!("`{field}` must be true or false, not {}", describe(v)),
        ))),
        Cell::Text(s) => match s.to_lowercase().as_str() {
            "true" | "1" | "yes" | "是" => Ok(true),
            "false" | "0" | "no" | "否" => Ok(false),
            _ => Err(Box::new(type_error(
                field,
                format!("`{field}` must be one of true/false/1/0/yes/no/是/否, not \"{s}\""),
            ))),
        },
    }
}

/// A per-kind object field (`preferences`, `previous`, `waited`): a JSON
/// object, or JSON text in a cell, of kind → value. Each value is read by
/// `read`, which records its problems and gives `None` for a value to drop.
/// `example` shows a valid object, `values` names what a kind maps to.
fn per_kind<T>(
    cell: Cell<'_>,
    field: &str,
    example: &str,
    values: &str,
    mut read: impl FnMut(&str, &Value, &mut Vec<Problem>) -> Option<T>,
) -> Result<BTreeMap<ResourceKind, T>, Vec<Problem>> {
    let parsed;
    let value = match cell {
        Cell::Missing => return Ok(BTreeMap::new()),
        Cell::Json(v) => v,
        Cell::Text(s) => match serde_json::from_str::<Value>(s) {
            Ok(v) => {
                parsed = v;
                &parsed
            }
            Err(e) => {
                return Err(vec![type_error(
                    field,
                    format!("`{field}` must be a JSON object such as {example}; the cell is not valid JSON ({e})"),
                )])
            }
        },
    };
    let obj = match value {
        Value::Null => return Ok(BTreeMap::new()),
        Value::Object(obj) => obj,
        other => {
            return Err(vec![type_error(
                field,
                format!(
                    "`{field}` must be an object of kind → {values}, not {}",
                    describe(other)
                ),
            )])
        }
    };
    let mut out = BTreeMap::new();
    let mut problems = Vec::new();
    for (key, v) in obj {
        let path = format!("{field}.{key}");
        let Some(kind) = kind_key(&path, key, &mut problems) else {
            continue;
        };
        if let Some(t) = read(&path, v, &mut problems) {
            out.insert(kind, t);
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// `preferences` (`single_allowed` false) or `previous` (true): kind → list
/// of strings; a kind with an empty list is dropped.
pub(super) fn kind_map_field(
    cell: Cell<'_>,
    field: &str,
    single_allowed: bool,
) -> Result<BTreeMap<ResourceKind, Vec<String>>, Vec<Problem>> {
    let (values, one) = if single_allowed {
        ("id or list of ids", "an id or a list of ids")
    } else {
        ("list of ids or zone names", "a list of ids or zone names")
    };
    let example = r#"{"garden_plot": ["G3", "east"]}"#;
    per_kind(cell, field, example, values, |path, v, problems| {
        let items: Vec<&Value> = match v {
            Value::Null => Vec::new(),
            Value::Array(items) => items.iter().collect(),
            Value::String(_) if single_allowed => vec![v],
            other => {
                problems.push(type_error(
                    path,
                    format!("`{path}` must be {one}, not {}", describe(other)),
                ));
                return None;
            }
        };
        let mut list = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            match item {
                Value::String(s) if !s.trim().is_empty() => list.push(s.trim().to_string()),
                other => problems.push(type_error(
                    path,
                    format!(
                        "`{path}[{i}]` must be a non-empty string, not {}",
                        match other {
                            Value::String(_) => "an empty string",
                            v => describe(v),
                        }
                    ),
                )),
            }
        }
        (!list.is_empty()).then_some(list)
    })
}

/// `waited`: kind → whole number ≥ 0 (JSON in a CSV cell). Zeros are kept:
/// a roster 0 overrides the ledger too.
pub(super) fn waited_field(cell: Cell<'_>) -> Result<BTreeMap<ResourceKind, u32>, Vec<Problem>> {
    let example = r#"{"parking_space": 2}"#;
    per_kind(
        cell,
        "waited",
        example,
        "rounds waited",
        |path, v, problems| match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) if n > crate::model::household::MAX_WAITED => {
                problems.push(
                    Problem::new(
                        Rule::RosterRange,
                        format!(
                            "`{path}` is {n} rounds; at most {} are accepted",
                            crate::model::household::MAX_WAITED
                        ),
                    )
                    .field(path),
                );
                None
            }
            Some(n) => Some(n),
            None => {
                problems.push(type_error(
                    path,
                    format!("`{path}` must be a whole number of rounds ≥ 0, not {v}"),
                ));
                None
            }
        },
    )
}

/// The resource kind a per-kind object's key names; else a problem naming
/// the field path is recorded.
pub(super) fn kind_key(path: &str, key: &str, problems: &mut Vec<Problem>) -> Option<ResourceKind> {
    let kind = ResourceKind::parse(key);
    if kind.is_none() {
        problems.push(Problem::new(
            Rule::RosterUnknownKind,
            format!(
                "`{path}`: \"{key}\" is not a resource kind (parking_space, charging_bay or garden_plot)"
            ),
        )
        .field(path));
    }
    kind
}
