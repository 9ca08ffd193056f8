//! The allocation as GeoJSON (FORMAT.md §4): the layout's resource
//! features with who got them.

use crate::model::{Allocation, Assignment, ResourceKind, Site};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A FeatureCollection of the layout's resource features (`parking_space`,
/// `charging_bay`, `garden_plot`), in layout order, each exactly as in
/// `site.raw` (original coordinates, every original member and property)
/// with these properties added (replacing any of the same name):
///
/// - `household`: the household's id, `null` when free;
/// - `walk_m`: its walk in metres (0.1 m), `null` when free;
/// - `why`: the assignment's explanation, `null` when free;
/// - `state`: `pinned` (given by a pin, `basis == "pin"`), `assigned`, or `free`.
///
/// The top-level members `coordinates` (e.g. `"local_meters"`, so a CAD
/// layout stays planar) and `site` are carried over when the layout has them.
pub fn allocation_geojson(site: &Site, a: &Allocation) -> Value {
    let mut by_resource: BTreeMap<&str, &Assignment> = BTreeMap::new();
    for s in &a.assignments {
        by_resource.entry(s.resource.as_str()).or_insert(s);
    }
    let features: Vec<Value> = site
        .raw
        .get("features")
        .and_then(Value::as_array)
        .map(|fs| {
            fs.iter()
                .filter_map(|f| resource_feature(f, &by_resource))
                .collect()
        })
        .unwrap_or_default();
    let mut out = Map::new();
    out.insert("type".into(), Value::from("FeatureCollection"));
    for member in ["coordinates", "site"] {
        if let Some(v) = site.raw.get(member) {
            out.insert(member.into(), v.clone());
        }
    }
    out.insert("features".into(), Value::Array(features));
    Value::Object(out)
}

/// The feature with the allocation properties added, if it is a resource.
fn resource_feature(f: &Value, by_resource: &BTreeMap<&str, &Assignment>) -> Option<Value> {
    let props = f.get("properties")?.as_object()?;
    props
        .get("kind")
        .and_then(Value::as_str)
        .and_then(ResourceKind::parse)?;
    let id = props.get("id").and_then(Value::as_str).unwrap_or_default();
    let given = by_resource.get(id);
    let mut props = props.clone();
    let (household, walk, why, state) = match given {
        Some(s) => (
            Value::from(s.household.as_str()),
            serde_json::Number::from_f64(s.walk_m).map_or(Value::Null, Value::Number),
            Value::from(s.why.as_str()),
            if s.basis == "pin" {
                "pinned"
            } else {
                "assigned"
            },
        ),
        None => (Value::Null, Value::Null, Value::Null, "free"),
    };
    props.insert("household".into(), household);
    props.insert("walk_m".into(), walk);
    props.insert("why".into(), why);
    props.insert("state".into(), Value::from(state));
    let mut feature = f.as_object()?.clone();
    feature.insert("properties".into(), Value::Object(props));
    Some(Value::Object(feature))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CoordinateMode, Policy, SolverInfo};
    use serde_json::json;

    fn site(raw: Value) -> Site {
        Site {
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
            resources: vec![],
            raw,
        }
    }

    fn assignment(household: &str, resource: &str, basis: &str) -> Assignment {
        Assignment {
            household: household.into(),
            kind: ResourceKind::ParkingSpace,
            resource: resource.into(),
            walk_m: 12.3,
            why: format!("{basis} for {household}"),
            basis: basis.into(),
            reason: None,
        }
    }

    #[test]
    fn resource_features_keep_their_geometry_and_gain_household_walk_why_and_state() {
        let square = json!({"type": "Polygon", "coordinates": [[[0, 0], [2.5, 0], [2.5, 5.3], [0, 5.3], [0, 0]]]});
        let raw = json!({
            "type": "FeatureCollection",
            "coordinates": "local_meters",
            "site": {"id": "s1"},
            "features": [
                {"type": "Feature", "properties": {"kind": "boundary", "id": "B"}, "geometry": square},
                {"type": "Feature", "id": 7, "properties": {"kind": "parking_space", "id": "P1", "charger": true}, "geometry": square},
                {"type": "Feature", "properties": {"kind": "parking_space", "id": "P2"}, "geometry": square},
                {"type": "Feature", "properties": {"kind": "garden_plot", "id": "G1", "state": "old"}, "geometry": square},
                {"type": "Feature", "properties": {"kind": "entrance", "id": "E1"}, "geometry": {"type": "Point", "coordinates": [1, 1]}}
            ]
        });
        let a = Allocation {
            site: "s1".into(),
            inputs_sha256: String::new(),
            seed: String::new(),
            policy: Policy::default(),
            assignments: vec![
                assignment("h1", "P1", "lottery"),
                assignment("h2", "G1", "pin"),
            ],
            unserved: vec![],
            lottery: vec![],
            metrics: BTreeMap::new(),
            solver: SolverInfo {
                engine: String::new(),
                backend: String::new(),
                seconds: 0.0,
                stages: vec![],
            },
            round: None,
            ledger: Default::default(),
            draw_order: None,
            draw: None,
            warnings: vec![],
        };
        let g = allocation_geojson(&site(raw.clone()), &a);
        assert_eq!(g["type"], "FeatureCollection");
        assert_eq!(g["coordinates"], "local_meters");
        assert_eq!(g["site"], json!({"id": "s1"}));
        let fs = g["features"].as_array().unwrap();
        let ids: Vec<_> = fs
            .iter()
            .map(|f| f["properties"]["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, vec!["P1", "P2", "G1"]);
        assert_eq!(fs[0]["geometry"], raw["features"][1]["geometry"]);
        assert_eq!(fs[0]["id"], 7);
        assert_eq!(fs[0]["properties"]["charger"], true);
        assert_eq!(fs[0]["properties"]["household"], "h1");
        assert_eq!(fs[0]["properties"]["walk_m"], 12.3);
        assert_eq!(fs[0]["properties"]["why"], "lottery for h1");
        assert_eq!(fs[0]["properties"]["state"], "assigned");
        assert_eq!(fs[1]["properties"]["household"], Value::Null);
        assert_eq!(fs[1]["properties"]["walk_m"], Value::Null);
        assert_eq!(fs[1]["properties"]["state"], "free");
        assert_eq!(fs[2]["properties"]["state"], "pinned");
    }

    #[test]
    fn a_wgs84_layout_has_no_coordinates_member_in_the_rendering() {
        let raw = json!({"type": "FeatureCollection", "features": []});
        let a: Allocation = serde_json::from_value(json!({
            "site": "s", "inputs_sha256": "", "seed": "", "policy": serde_json::to_value(Policy::default()).unwrap(),
            "assignments": [], "unserved": [], "lottery": [], "metrics": {},
            "solver": {"engine": "", "backend": "", "seconds": 0.0, "stages": []}
        }))
        .unwrap();
        let g = allocation_geojson(&site(raw), &a);
        assert_eq!(g, json!({"type": "FeatureCollection", "features": []}));
    }
}
