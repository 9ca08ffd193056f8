//! The allocation as GeoJSON (FORMAT.md §4): the layout's resource
//! features with who got them.

use crate::geometry::crs::ProjectedCrs;
use crate::input::layout::feature_id;
use crate::model::{Allocation, Assignment, Basis, CoordinateMode, ResourceKind, Site};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A FeatureCollection of the layout's resource features (`parking_space`,
/// `charging_bay`, `garden_plot`), in layout order, each exactly as in
/// `site.raw` (original coordinates, every original member and property)
/// with these properties added (replacing any of the same name):
///
/// - `household`: the household's id, `null` when free;
/// - `walk_m`: its walk in metres (0.1 m), `null` when free;
/// - `why`: the assignment's explanation, `null` when free; left out
///   altogether in the public view ([`crate::report::public`]: an allocation
///   without any `why`), as the viewers' JSON leaves it out;
/// - `state`: `pinned` (given by a pin, `basis == "pin"`), `assigned`, or `free`.
///
/// The top-level members `coordinates` (e.g. `"local_meters"`, so a CAD
/// layout stays planar) and `site` are carried over when the layout has them.
///
/// A layout in a projected CRS (a `crs` member naming e.g. UTM or CGCS2000
/// Gauss–Krüger) is rendered in WGS84 longitude/latitude, as RFC 7946
/// requires: every position converted (to 1e-9°, about 0.1 mm), without the
/// `crs` and `coordinates` members.
pub fn allocation_geojson(site: &Site, a: &Allocation) -> Value {
    let to_wgs84 = match site.coordinates {
        CoordinateMode::Projected { epsg, .. } => ProjectedCrs::from_epsg(epsg).ok(),
        _ => None,
    };
    // The public view has no reasons: no `why` property then, not even `null`.
    let reasons = a.assignments.iter().any(|s| !s.why.is_empty())
        || a.unserved.iter().any(|u| !u.why.is_empty());
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
                .filter_map(|f| resource_feature(f, &by_resource, reasons))
                .map(|mut f| {
                    if let (Some(crs), Some(g)) = (&to_wgs84, f.get_mut("geometry")) {
                        positions_to_wgs84(g, crs);
                    }
                    f
                })
                .collect()
        })
        .unwrap_or_default();
    let mut out = Map::new();
    out.insert("type".into(), Value::from("FeatureCollection"));
    let members: &[&str] = if to_wgs84.is_some() {
        &["site"]
    } else {
        &["coordinates", "site"]
    };
    for &member in members {
        if let Some(v) = site.raw.get(member) {
            out.insert(member.into(), v.clone());
        }
    }
    out.insert("features".into(), Value::Array(features));
    Value::Object(out)
}

/// The feature with the allocation properties added, if it is a resource.
fn resource_feature(
    f: &Value,
    by_resource: &BTreeMap<&str, &Assignment>,
    reasons: bool,
) -> Option<Value> {
    let props = f.get("properties")?.as_object()?;
    props
        .get("kind")
        .and_then(Value::as_str)
        .and_then(ResourceKind::parse)?;
    let id = feature_id(props).unwrap_or_default();
    let given = by_resource.get(id.as_str());
    let mut props = props.clone();
    let (household, walk, why, state) = match given {
        Some(s) => (
            Value::from(s.household.as_str()),
            serde_json::Number::from_f64(s.walk_m).map_or(Value::Null, Value::Number),
            (!s.why.is_empty()).then(|| Value::from(s.why.as_str())),
            if s.basis == Basis::Pin {
                "pinned"
            } else {
                "assigned"
            },
        ),
        None => (
            Value::Null,
            Value::Null,
            reasons.then_some(Value::Null),
            "free",
        ),
    };
    props.insert("household".into(), household);
    props.insert("walk_m".into(), walk);
    match why {
        Some(why) => props.insert("why".into(), why),
        None => props.remove("why"),
    };
    props.insert("state".into(), Value::from(state));
    let mut feature = f.as_object()?.clone();
    feature.insert("properties".into(), Value::Object(props));
    Some(Value::Object(feature))
}

/// Converts every position of a GeoJSON geometry value in place (a position
/// is an array whose first member is a number; a Z value is kept).
fn positions_to_wgs84(v: &mut Value, crs: &ProjectedCrs) {
    let Some(items) = v.as_array_mut() else {
        if let Some(obj) = v.as_object_mut() {
            for key in ["coordinates", "geometries"] {
                if let Some(inner) = obj.get_mut(key) {
                    positions_to_wgs84(inner, crs);
                }
            }
        }
        return;
    };
    let xy = (
        items.first().and_then(Value::as_f64),
        items.get(1).and_then(Value::as_f64),
    );
    match xy {
        (Some(x), Some(y)) => {
            if let Some((lon, lat)) = crs.to_wgs84(x, y) {
                let round = |d: f64| (d * 1e9).round() / 1e9;
                items[0] =
                    serde_json::Number::from_f64(round(lon)).map_or(Value::Null, Value::Number);
                items[1] =
                    serde_json::Number::from_f64(round(lat)).map_or(Value::Null, Value::Number);
            }
        }
        _ => items.iter_mut().for_each(|i| positions_to_wgs84(i, crs)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{self, site};
    use serde_json::json;

    fn assignment(household: &str, resource: &str, basis: Basis) -> Assignment {
        Assignment {
            walk_m: 12.3,
            why: format!("{basis} for {household}"),
            ..fixtures::assignment(household, ResourceKind::ParkingSpace, resource, basis)
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
            assignments: vec![
                assignment("h1", "P1", Basis::Lottery),
                assignment("h2", "G1", Basis::Pin),
            ],
            ..fixtures::allocation("s1")
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
        assert_eq!(fs[1]["properties"]["why"], Value::Null);
        assert_eq!(fs[1]["properties"]["state"], "free");
        assert_eq!(fs[2]["properties"]["state"], "pinned");

        // Viewers' rendering: the public view, no `why` on any feature (as
        // their JSON has none), everything else as before.
        let public =
            allocation_geojson(&site(raw.clone()), &crate::report::public::public_view(&a));
        let pfs = public["features"].as_array().unwrap();
        assert_eq!(pfs.len(), fs.len());
        for (p, f) in pfs.iter().zip(fs) {
            assert!(p["properties"].get("why").is_none(), "{p}");
            for key in ["household", "walk_m", "state", "id"] {
                assert_eq!(p["properties"][key], f["properties"][key], "{key}");
            }
        }
    }

    #[test]
    fn a_layout_in_utm_is_rendered_in_wgs84_longitude_latitude_without_its_crs() {
        // 412808.4385 E 3391167.1968 N in UTM zone 48N is 104.09° E 30.65° N
        // (GDAL's conversion of the Yixinqiao fixture's first corner).
        let (e, n) = (412_808.438_540_527, 3_391_167.196_801_037);
        let raw = json!({
            "type": "FeatureCollection", "name": "layout", "coordinates": "local_meters",
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32648"}},
            "features": [
                {"type": "Feature", "properties": {"kind": "parking_space", "id": 7},
                 "geometry": {"type": "MultiPolygon", "coordinates": [[[[e, n, 12.0], [e + 2.5, n, 12.0], [e, n + 5.3, 12.0], [e, n, 12.0]]]]}}
            ]
        });
        let mut s = site(raw);
        s.coordinates = CoordinateMode::Projected {
            epsg: 32648,
            lon0: 104.09,
            lat0: 30.65,
        };
        let a = Allocation {
            assignments: vec![Assignment {
                walk_m: 3.0,
                why: "w".into(),
                ..fixtures::assignment("h1", ResourceKind::ParkingSpace, "7", Basis::Lottery)
            }],
            ..fixtures::allocation("s")
        };
        let g = allocation_geojson(&s, &a);
        assert!(
            g.get("crs").is_none() && g.get("coordinates").is_none(),
            "{g}"
        );
        let f = &g["features"][0];
        assert_eq!(f["properties"]["household"], "h1");
        let first = &f["geometry"]["coordinates"][0][0][0];
        assert!(
            (first[0].as_f64().unwrap() - 104.09).abs() < 1e-8,
            "{first}"
        );
        assert!((first[1].as_f64().unwrap() - 30.65).abs() < 1e-8, "{first}");
        assert_eq!(first[2], 12.0);
        // 2.5 m east is about 0.000026° of longitude at 30.65° N.
        let second = &f["geometry"]["coordinates"][0][0][1];
        let dlon = second[0].as_f64().unwrap() - 104.09;
        assert!((dlon - 2.5 / 95_900.0).abs() < 2e-7, "{dlon}");
    }

    #[test]
    fn a_wgs84_layout_has_no_coordinates_member_in_the_rendering() {
        let raw = json!({"type": "FeatureCollection", "features": []});
        let g = allocation_geojson(&site(raw), &fixtures::allocation("s"));
        assert_eq!(g, json!({"type": "FeatureCollection", "features": []}));
    }
}
