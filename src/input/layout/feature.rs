//! One feature of a layout: its id, kind, properties and geometry read and
//! checked (the readings are listed in [`super`]'s documentation).

use super::convert::convert_geometry;
use super::{FeatureKind, Input, Parsed, KNOWN_KINDS};
use crate::model::Rule;
use crate::model::{Problem, Problems, ResourceKind};
use geojson::{Feature, GeometryValue};
use serde_json::{Map, Value};

/// The `properties.id` of a raw feature value, when it is a non-empty
/// string or a whole number (read as its text).
pub(super) fn raw_id(fv: &Value) -> Option<String> {
    read_text(fv.pointer("/properties/id")).ok().flatten()
}

/// The id of a feature's properties as the loader reads it (a whole number
/// reads as its text), for renderers that look features up by id.
pub fn feature_id(props: &Map<String, Value>) -> Option<String> {
    read_text(props.get("id")).ok().flatten()
}

/// A text property: `Ok(None)` when absent, `null` or blank; a whole number
/// (`1`, `1.0`, as GIS integer and real fields hold ids) as its decimal text;
/// `Err` for anything else (`1.5`, booleans, arrays, objects).
pub(super) fn read_text(v: Option<&Value>) -> Result<Option<String>, ()> {
    /// 2⁵³: every whole number below it is exact in a double.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => Ok(Some(n.to_string())),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < EXACT => Ok(Some(format!("{}", f as i64))),
            _ => Err(()),
        },
        Some(_) => Err(()),
    }
}

/// A yes/no property as GIS fields hold it: `Ok(None)` when absent, `null`
/// or blank; `Err` for anything not listed in the module documentation.
pub(super) fn read_bool(v: Option<&Value>) -> Result<Option<bool>, ()> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(1.0) => Ok(Some(true)),
            Some(0.0) => Ok(Some(false)),
            _ => Err(()),
        },
        Some(Value::String(s)) => match s.trim().to_lowercase().as_str() {
            "" => Ok(None),
            "true" | "t" | "yes" | "y" | "1" | "是" => Ok(Some(true)),
            "false" | "f" | "no" | "n" | "0" | "否" => Ok(Some(false)),
            _ => Err(()),
        },
        Some(_) => Err(()),
    }
}

/// A geometry as the single-part geometries the format's table names: a
/// single-part Multi* as its part, a walkway's MultiLineString as its parts.
/// `Err((type, parts))` for a multi-part (or empty) geometry of another kind.
pub(super) fn single_parts(
    kind: FeatureKind,
    g: &GeometryValue,
) -> Result<Vec<GeometryValue>, (&'static str, usize)> {
    use GeometryValue as G;
    let one = |parts: Vec<GeometryValue>, name: &'static str| {
        if parts.len() == 1 {
            Ok(parts)
        } else {
            Err((name, parts.len()))
        }
    };
    match g {
        G::MultiPoint { coordinates } => one(
            coordinates
                .iter()
                .map(|c| G::Point {
                    coordinates: c.clone(),
                })
                .collect(),
            "MultiPoint",
        ),
        G::MultiLineString { coordinates } => {
            let parts: Vec<GeometryValue> = coordinates
                .iter()
                .map(|c| G::LineString {
                    coordinates: c.clone(),
                })
                .collect();
            if kind == FeatureKind::Walkway && !parts.is_empty() {
                Ok(parts)
            } else {
                one(parts, "MultiLineString")
            }
        }
        G::MultiPolygon { coordinates } => one(
            coordinates
                .iter()
                .map(|c| G::Polygon {
                    coordinates: c.clone(),
                })
                .collect(),
            "MultiPolygon",
        ),
        other => Ok(vec![other.clone()]),
    }
}

pub(super) fn parse_feature(
    n: usize,
    fv: &Value,
    input: &Input,
    problems: &mut Problems,
) -> Option<Parsed> {
    let label_of = |id: &Option<String>| id.clone().unwrap_or_else(|| format!("feature #{n}"));
    let id = raw_id(fv);
    let label = label_of(&id);
    let feature: Feature = match serde_json::from_value(fv.clone()) {
        Ok(f) => f,
        Err(e) => {
            problems.push(
                Problem::new(
                    Rule::LayoutJson,
                    format!("{label} (feature #{n}) is not a valid GeoJSON Feature: {e}"),
                )
                .feature(label.clone()),
            );
            return None;
        }
    };
    let props = feature.properties.clone().unwrap_or_default();
    let mut ok = true;
    if id.is_none() {
        let what = match props.get("id") {
            None | Some(Value::Null) => "has no properties.id".to_string(),
            Some(other) => format!(
                "has properties.id {other}, which is not a non-empty string or a whole number"
            ),
        };
        problems.push(
            Problem::new(
                Rule::FeatureId,
                format!("feature #{n} {what}; every feature needs a unique string id"),
            )
            .feature(label.clone()),
        );
        ok = false;
    }
    if let Some(why) = id
        .as_deref()
        .and_then(crate::input::limits::id_characters_problem)
    {
        problems.push(
            Problem::new(
                Rule::FeatureId,
                format!("feature #{n}'s properties.id is not usable: {why}"),
            )
            .feature(format!("feature #{n}")),
        );
        ok = false;
    }
    let kind = match props.get("kind") {
        Some(Value::String(s)) => match FeatureKind::parse(s) {
            Some(k) => Some(k),
            None => {
                problems.push(
                    Problem::new(
                        Rule::FeatureKind,
                        format!("{label} has unknown kind \"{s}\"; known kinds: {KNOWN_KINDS}"),
                    )
                    .feature(label.clone()),
                );
                None
            }
        },
        None | Some(Value::Null) => {
            problems.push(
                Problem::new(Rule::FeatureKind, format!("{label} has no properties.kind"))
                    .feature(label.clone()),
            );
            None
        }
        Some(other) => {
            problems.push(
                Problem::new(
                    Rule::FeatureKind,
                    format!("{label} has properties.kind {other}, which is not a string"),
                )
                .feature(label.clone()),
            );
            None
        }
    };
    let kind = kind?;
    let kind_name = props
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let allowed = kind.allowed_geometry();
    let parts = match feature
        .geometry
        .as_ref()
        .map(|g| single_parts(kind, &g.value))
    {
        None => None,
        Some(Ok(parts)) => Some(parts),
        Some(Err((type_name, count))) => {
            let allowed = allowed.join(" or ");
            let message = if count == 0 {
                format!("{label} is an empty {type_name}; a {kind_name} needs a {allowed}")
            } else {
                format!(
                    "{label} is a {type_name} of {count} parts; a {kind_name} must be a single {allowed} (draw each part as a feature of its own, with its own id)"
                )
            };
            problems.push(Problem::new(Rule::GeometryType, message).feature(label.clone()));
            ok = false;
            Some(Vec::new())
        }
    };
    let mut geoms = Vec::new();
    match parts.as_deref() {
        None => {
            problems.push(
                Problem::new(
                    Rule::GeometryType,
                    format!(
                        "{label} has no geometry; a {kind_name} needs a {}",
                        allowed.join(" or ")
                    ),
                )
                .feature(label.clone()),
            );
            ok = false;
        }
        Some(parts) => {
            for g in parts {
                if !allowed.contains(&g.type_name()) {
                    problems.push(
                        Problem::new(
                            Rule::GeometryType,
                            format!(
                                "{label} is a {}; a {kind_name} must be a {}",
                                feature
                                    .geometry
                                    .as_ref()
                                    .map_or(g.type_name(), |g| g.value.type_name()),
                                allowed.join(" or ")
                            ),
                        )
                        .feature(label.clone()),
                    );
                    ok = false;
                    break;
                }
                match convert_geometry(&label, g, input, problems) {
                    Some(geom) => geoms.push(geom),
                    None => ok = false,
                }
            }
        }
    }
    ok &= check_properties(&label, kind, &props, problems);
    if !ok {
        return None;
    }
    Some(Parsed {
        id: id?,
        kind,
        geoms,
        props,
    })
}

pub(super) fn check_properties(
    label: &str,
    kind: FeatureKind,
    props: &Map<String, Value>,
    problems: &mut Problems,
) -> bool {
    let mut ok = true;
    let mut bad = |field: &str, msg: String| {
        problems.push(
            Problem::new(Rule::Property, format!("{label}: {msg}"))
                .feature(label.to_string())
                .field(format!("properties.{field}")),
        );
        ok = false;
    };
    let optional_text = |key: &str| read_text(props.get(key)).is_ok();
    let required_text = |key: &str| matches!(read_text(props.get(key)), Ok(Some(_)));
    match kind {
        FeatureKind::Entrance => {
            if !required_text("building") {
                bad(
                    "building",
                    "an entrance needs properties.building, the id of its building".into(),
                );
            }
            if !required_text("unit") {
                bad(
                    "unit",
                    "an entrance needs properties.unit, the unit (单元) it serves, as a string"
                        .into(),
                );
            }
        }
        FeatureKind::Resource(rk) => {
            if rk == ResourceKind::ParkingSpace {
                for key in ["accessible", "charger"] {
                    if let (Err(()), Some(other)) = (read_bool(props.get(key)), props.get(key)) {
                        bad(
                            key,
                            format!(
                                "{key} must be true or false (or 1/0, yes/no, T/F, 是/否), not {other}"
                            ),
                        )
                    }
                }
            }
            if !optional_text("zone") {
                bad("zone", "zone must be a string (or a whole number)".into());
            }
        }
        FeatureKind::Building if !optional_text("name") => {
            bad("name", "name must be a string (or a whole number)".into());
        }
        FeatureKind::KeepClear if !optional_text("reason") => {
            bad(
                "reason",
                "reason must be a string (or a whole number)".into(),
            );
        }
        _ => {}
    }
    ok
}
