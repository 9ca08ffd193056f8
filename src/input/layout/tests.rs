use super::*;
use serde_json::json;

fn feature(kind: &str, id: &str, geometry: Value) -> Value {
    json!({"type": "Feature", "properties": {"kind": kind, "id": id}, "geometry": geometry})
}

fn square(x: f64, y: f64, w: f64, h: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]]})
}

fn rules(p: &Problems) -> Vec<&str> {
    p.0.iter().map(|p| p.rule.as_str()).collect()
}

#[test]
fn a_local_layout_loads_every_kind_of_feature() {
    let mut entrance = feature(
        "entrance",
        "E1",
        json!({"type": "Point", "coordinates": [5.0, 9.0]}),
    );
    entrance["properties"]["building"] = json!("B1");
    entrance["properties"]["unit"] = json!(1);
    let mut space = feature("parking_space", "P1", square(20.0, 0.0, 2.5, 5.3));
    space["properties"]["charger"] = json!(true);
    let v = json!({
        "type": "FeatureCollection", "coordinates": "local_meters",
        "site": {"id": "s1", "name": "Test"},
        "features": [
            feature("boundary", "S", square(0.0, 0.0, 100.0, 100.0)),
            feature("building", "B1", square(0.0, 10.0, 10.0, 10.0)),
            entrance,
            feature("walkway", "W1", json!({"type": "LineString", "coordinates": [[0.0, 0.0], [5.0, 5.0]]})),
            feature("charging_bay", "C1", json!({"type": "Point", "coordinates": [50.0, 50.0]})),
            space,
        ]
    });
    let site = load_layout(&v).unwrap();
    assert_eq!(site.id.as_deref(), Some("s1"));
    assert_eq!(site.coordinates, CoordinateMode::LocalMeters);
    assert_eq!(site.boundary.as_ref().map(|b| b.id.as_str()), Some("S"));
    assert_eq!(site.entrances[0].unit, "1");
    assert_eq!(site.resources.len(), 2);
    assert!(site.resources[1].charger && !site.resources[1].accessible);
    assert_eq!(site.raw, v);
}

#[test]
fn wgs84_layouts_are_projected_about_the_site_centre() {
    let v = json!({"type": "FeatureCollection", "features": [
        feature("boundary", "S", square(104.08, 30.64, 0.02, 0.02)),
    ]});
    let site = load_layout(&v).unwrap();
    match site.coordinates {
        CoordinateMode::Wgs84 { lon0, lat0 } => {
            assert!((lon0 - 104.09).abs() < 1e-9 && (lat0 - 30.65).abs() < 1e-9)
        }
        other => panic!("{other:?}"),
    }
    let b = site.boundary.unwrap().polygon;
    let first = b.exterior().0[0];
    // 0.01° of longitude at 30.65 N is about 958 m, of latitude about 1109 m.
    assert!((first.x + 958.5).abs() < 2.0, "{first:?}");
    assert!((first.y + 1108.7).abs() < 2.0, "{first:?}");
}

#[test]
fn every_problem_is_collected_with_the_feature_named() {
    let v = json!({"type": "FeatureCollection", "coordinates": "local_meters", "features": [
        feature("boundary", "S", square(0.0, 0.0, 10.0, 10.0)),
        feature("bike_rack", "X1", square(0.0, 0.0, 1.0, 1.0)),
        {"type": "Feature", "properties": {"kind": "gate"}, "geometry": {"type": "Point", "coordinates": [1.0, 1.0]}},
        feature("garden_plot", "G1", square(1.0, 1.0, 1.0, 1.0)),
        feature("garden_plot", "G1", square(3.0, 1.0, 1.0, 1.0)),
        feature("garden_plot", "G2", json!({"type": "MultiPolygon", "coordinates": [
            [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]],
            [[[5.0, 0.0], [6.0, 0.0], [6.0, 1.0], [5.0, 0.0]]]
        ]})),
        feature("entrance", "E1", json!({"type": "Point", "coordinates": [1.0, 1.0]})),
    ]});
    let err = load_layout(&v).unwrap_err();
    assert_eq!(
        rules(&err),
        vec![
            "feature-kind",
            "feature-id",
            "geometry-type",
            "property",
            "property",
            "duplicate-id"
        ]
    );
    assert_eq!(err.0[0].feature.as_deref(), Some("X1"));
    assert_eq!(err.0[1].feature.as_deref(), Some("feature #3"));
    assert_eq!(err.0[2].feature.as_deref(), Some("G2"));
    assert!(
        err.0[2].message.contains("MultiPolygon of 2 parts"),
        "{}",
        err.0[2].message
    );
    assert_eq!(err.0[5].feature.as_deref(), Some("G1"));
}

#[test]
fn a_layout_without_or_with_two_boundaries_is_refused() {
    let none = json!({"type": "FeatureCollection", "coordinates": "local_meters", "features": []});
    assert_eq!(
        rules(&load_layout(&none).unwrap_err()),
        vec!["boundary-count"]
    );
    let two = json!({"type": "FeatureCollection", "coordinates": "local_meters", "features": [
        feature("boundary", "S1", square(0.0, 0.0, 10.0, 10.0)),
        feature("boundary", "S2", square(0.0, 0.0, 10.0, 10.0)),
    ]});
    let err = load_layout(&two).unwrap_err();
    assert_eq!(rules(&err), vec!["boundary-count"]);
    assert_eq!(err.0[0].features, vec!["S1", "S2"]);
}

#[test]
fn non_boolean_flags_unclosed_rings_and_non_collections_are_errors() {
    let mut space = feature("parking_space", "P1", square(0.0, 0.0, 2.5, 5.3));
    space["properties"]["accessible"] = json!("maybe");
    let open = feature(
        "keep_clear",
        "K1",
        json!({"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]]}),
    );
    let v = json!({"type": "FeatureCollection", "coordinates": "local_meters", "features": [
        feature("boundary", "S", square(0.0, 0.0, 10.0, 10.0)), space, open,
    ]});
    let err = load_layout(&v).unwrap_err();
    assert_eq!(rules(&err), vec!["property", "R1-valid-polygon"]);
    assert_eq!(err.0[0].field.as_deref(), Some("properties.accessible"));
    assert_eq!(
        rules(&load_layout(&json!([1, 2])).unwrap_err()),
        vec!["layout-json"]
    );
}

#[test]
fn planar_numbers_without_the_local_meters_flag_are_reported() {
    let v = json!({"type": "FeatureCollection", "features": [
        feature("boundary", "S", square(0.0, 0.0, 500.0, 500.0)),
    ]});
    let err = load_layout(&v).unwrap_err();
    assert!(err.0.iter().all(|p| p.rule == "coordinates"));
    assert!(err.0[0].message.contains("local_meters"));
}
