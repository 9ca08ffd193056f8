use super::*;
use rstest::rstest;
use serde_json::json;

fn collection(features: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection", "coordinates": "local_meters", "features": features})
}

fn boundary() -> Value {
    json!({"type": "Feature", "properties": {"kind": "boundary", "id": "S"},
           "geometry": {"type": "Polygon", "coordinates": [[[0.0, 0.0], [100.0, 0.0], [100.0, 100.0], [0.0, 100.0], [0.0, 0.0]]]}})
}

fn ring(x: f64, y: f64) -> Value {
    json!([[
        [x, y, 7.5],
        [x + 2.5, y, 7.5],
        [x + 2.5, y + 5.3, 7.5],
        [x, y + 5.3, 7.5],
        [x, y, 7.5]
    ]])
}

#[test]
fn single_part_multi_geometries_read_as_their_one_geometry_and_z_is_ignored() {
    let v = collection(vec![
        boundary(),
        json!({"type": "Feature", "properties": {"kind": "parking_space", "id": "P1"},
               "geometry": {"type": "MultiPolygon", "coordinates": [ring(10.0, 10.0)]}}),
        json!({"type": "Feature", "properties": {"kind": "entrance", "id": "E1", "building": "B1", "unit": "1"},
               "geometry": {"type": "MultiPoint", "coordinates": [[5.0, 6.0, 3.0]]}}),
        json!({"type": "Feature", "properties": {"kind": "walkway", "id": "W1"},
               "geometry": {"type": "MultiLineString", "coordinates": [[[0.0, 0.0], [10.0, 0.0]], [[10.0, 0.0, 1.0], [10.0, 10.0, 1.0]]]}}),
    ]);
    let site = load_layout(&v).unwrap();
    let Shape::Polygon(p) = &site.resources[0].shape else {
        panic!("a polygon")
    };
    assert_eq!(p.exterior().0[2], Coord { x: 12.5, y: 15.3 });
    assert_eq!(site.entrances[0].point, Point::new(5.0, 6.0));
    let walkways: Vec<(&str, usize)> = site
        .walkways
        .iter()
        .map(|w| (w.id.as_str(), w.line.0.len()))
        .collect();
    assert_eq!(walkways, vec![("W1", 2), ("W1", 2)]);
    assert_eq!(site.walkways[1].line.0[1], Coord { x: 10.0, y: 10.0 });
}

#[rstest]
#[case("parking_space", json!({"type": "MultiPolygon", "coordinates": [ring(0.0, 0.0), ring(20.0, 0.0), ring(40.0, 0.0)]}), "P is a MultiPolygon of 3 parts")]
#[case("gate", json!({"type": "MultiPoint", "coordinates": [[1.0, 1.0], [2.0, 2.0]]}), "P is a MultiPoint of 2 parts")]
#[case("garden_plot", json!({"type": "MultiPolygon", "coordinates": []}), "P is an empty MultiPolygon")]
#[case("walkway", json!({"type": "MultiLineString", "coordinates": []}), "P is an empty MultiLineString")]
#[case("building", json!({"type": "MultiLineString", "coordinates": [[[0.0, 0.0], [1.0, 1.0]]]}), "P is a MultiLineString; a building must be a Polygon")]
fn a_multi_part_geometry_for_one_feature_is_one_error_naming_it_and_its_parts(
    #[case] kind: &str,
    #[case] geometry: Value,
    #[case] expected: &str,
) {
    let v = collection(vec![
        boundary(),
        json!({"type": "Feature", "properties": {"kind": kind, "id": "P"}, "geometry": geometry}),
    ]);
    let err = load_layout(&v).unwrap_err();
    assert_eq!(err.0.len(), 1, "{err:?}");
    assert_eq!(err.0[0].rule, "geometry-type");
    assert_eq!(err.0[0].feature.as_deref(), Some("P"));
    assert!(err.0[0].message.contains(expected), "{}", err.0[0].message);
}

#[rstest]
#[case(json!(true), Some(true))]
#[case(json!(false), Some(false))]
#[case(json!(1), Some(true))]
#[case(json!(0), Some(false))]
#[case(json!(1.0), Some(true))]
#[case(json!(0.0), Some(false))]
#[case(json!("true"), Some(true))]
#[case(json!("False"), Some(false))]
#[case(json!("T"), Some(true))]
#[case(json!("f"), Some(false))]
#[case(json!("yes"), Some(true))]
#[case(json!("NO"), Some(false))]
#[case(json!("是"), Some(true))]
#[case(json!("否"), Some(false))]
#[case(json!(null), Some(false))]
#[case(json!(""), Some(false))]
#[case(json!(2), None)]
#[case(json!(0.5), None)]
#[case(json!("maybe"), None)]
#[case(json!([true]), None)]
fn flags_read_what_gis_fields_hold(#[case] value: Value, #[case] expected: Option<bool>) {
    let space = json!({"type": "Feature",
        "properties": {"kind": "parking_space", "id": "P1", "charger": value.clone(), "accessible": value.clone()},
        "geometry": {"type": "Polygon", "coordinates": ring(10.0, 10.0)}});
    let result = load_layout(&collection(vec![boundary(), space]));
    match expected {
        Some(b) => {
            let site = result.unwrap();
            assert_eq!(
                (site.resources[0].charger, site.resources[0].accessible),
                (b, b)
            );
        }
        None => {
            let err = result.unwrap_err();
            let fields: Vec<_> = err.0.iter().map(|p| p.field.as_deref()).collect();
            assert_eq!(
                fields,
                vec![Some("properties.accessible"), Some("properties.charger")]
            );
            assert!(
                err.0[0].message.contains("1/0, yes/no"),
                "{}",
                err.0[0].message
            );
        }
    }
}

#[test]
fn every_field_of_the_layer_may_be_null_on_every_feature_as_gdal_writes_them() {
    let nulls = json!({"accessible": null, "building": null, "charger": null, "name": null,
                       "reason": null, "unit": null, "zone": null});
    let with_nulls = |kind: &str, id: &str, geometry: Value, extra: Value| {
        let mut props = nulls.clone();
        props["kind"] = json!(kind);
        props["id"] = json!(id);
        for (k, v) in extra.as_object().unwrap() {
            props[k] = v.clone();
        }
        json!({"type": "Feature", "properties": props, "geometry": geometry})
    };
    let square = json!({"type": "Polygon", "coordinates": ring(10.0, 10.0)});
    let v = json!({"type": "FeatureCollection", "name": "layout", "coordinates": "local_meters", "features": [
        with_nulls("boundary", "S", boundary()["geometry"].clone(), json!({})),
        with_nulls("building", "B1", json!({"type": "Polygon", "coordinates": ring(50.0, 50.0)}), json!({})),
        with_nulls("entrance", "E1", json!({"type": "Point", "coordinates": [50.0, 49.0]}), json!({"building": "B1", "unit": 2})),
        with_nulls("keep_clear", "K1", json!({"type": "Polygon", "coordinates": ring(80.0, 80.0)}), json!({})),
        with_nulls("parking_space", "P1", square, json!({})),
    ]});
    let site = load_layout(&v).unwrap();
    assert_eq!(site.entrances[0].unit, "2");
    assert_eq!(site.buildings[0].name, None);
    assert_eq!(site.keep_clear[0].reason, None);
    let r = &site.resources[0];
    assert!(!r.accessible && !r.charger && r.zone.is_none());
}

#[rstest]
#[case(json!(1), Some("1"))]
#[case(json!(1.0), Some("1"))]
#[case(json!(-3), Some("-3"))]
#[case(json!("P1"), Some("P1"))]
#[case(json!(1.5), None)]
#[case(json!(true), None)]
#[case(json!(""), None)]
fn a_whole_number_id_reads_as_its_text_and_other_numbers_are_refused(
    #[case] id: Value,
    #[case] expected: Option<&str>,
) {
    let space = json!({"type": "Feature", "properties": {"kind": "parking_space", "id": id.clone()},
        "geometry": {"type": "Polygon", "coordinates": ring(10.0, 10.0)}});
    let result = load_layout(&collection(vec![boundary(), space]));
    match expected {
        Some(text) => assert_eq!(result.unwrap().resources[0].id, text),
        None => {
            let err = result.unwrap_err();
            assert_eq!(rules(&err), vec!["feature-id"]);
            assert!(
                err.0[0].message.contains("feature #2"),
                "{}",
                err.0[0].message
            );
        }
    }
}

fn rules(p: &Problems) -> Vec<&str> {
    p.0.iter().map(|p| p.rule.as_str()).collect()
}

/// The corners of a 2.5 m × 5.3 m space and a 100 m square boundary,
/// in UTM zone 48N near Chengdu.
fn utm_layout(crs: Value) -> Value {
    let (e, n) = (412_808.0, 3_391_167.0);
    let sq = |x: f64, y: f64, w: f64, h: f64| json!({"type": "Polygon", "coordinates": [[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]]});
    json!({"type": "FeatureCollection", "name": "layout", "crs": crs, "features": [
        {"type": "Feature", "properties": {"kind": "boundary", "id": "S"}, "geometry": sq(e, n, 100.0, 100.0)},
        {"type": "Feature", "properties": {"kind": "parking_space", "id": "P1"}, "geometry": sq(e + 10.0, n + 10.0, 2.5, 5.3)},
    ]})
}

#[test]
fn a_utm_layout_is_measured_in_ground_metres_free_of_the_grid_scale() {
    let v =
        utm_layout(json!({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32648"}}));
    let site = load_layout(&v).unwrap();
    let CoordinateMode::Projected { epsg, lon0, lat0 } = site.coordinates else {
        panic!("{:?}", site.coordinates)
    };
    assert_eq!(epsg, 32648);
    assert!(
        (lon0 - 104.0905).abs() < 1e-3 && (lat0 - 30.6507).abs() < 1e-3,
        "{lon0} {lat0}"
    );
    // The 100 m grid square, 87 km west of the zone's central meridian,
    // is 100 / (0.9996 × (1 + x²/2R²)) ≈ 100.031 m on the ground, and
    // turned by the grid convergence (about 0.46°) from true north.
    let b = site.boundary.unwrap().polygon;
    let c = &b.exterior().0;
    let side = |i: usize| (c[i + 1].x - c[i].x).hypot(c[i + 1].y - c[i].y);
    for i in 0..4 {
        assert!((side(i) - 100.031).abs() < 2e-3, "side {i}: {}", side(i));
    }
    let turn = (c[1].y - c[0].y).atan2(c[1].x - c[0].x).to_degrees();
    assert!((turn.abs() - 0.46).abs() < 0.02, "{turn}");
    // The same layout with local_meters as well: the crs wins.
    let mut both = v.clone();
    both["coordinates"] = json!("local_meters");
    assert!(matches!(
        load_layout(&both).unwrap().coordinates,
        CoordinateMode::Projected { epsg: 32648, .. }
    ));
}

#[test]
fn a_wgs84_crs_beside_local_meters_is_ignored_as_gdal_adds_it_to_any_geojson() {
    let mut v = collection(vec![boundary()]);
    v["crs"] = json!({"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}});
    assert_eq!(
        load_layout(&v).unwrap().coordinates,
        CoordinateMode::LocalMeters
    );
}

#[rstest]
#[case(
    "urn:ogc:def:crs:EPSG::999999",
    "unknown CRS \"urn:ogc:def:crs:EPSG::999999\""
)]
#[case("EPSG:2227", "EPSG:2227 measures in us-ft, not metres")]
fn an_unusable_crs_is_one_error_and_nothing_is_measured(
    #[case] name: &str,
    #[case] expected: &str,
) {
    let v = utm_layout(json!({"type": "name", "properties": {"name": name}}));
    let (site, problems) = load_layout_partial(&v);
    assert!(site.is_none());
    assert_eq!(rules(&problems), vec!["crs"]);
    assert_eq!(problems.0[0].field.as_deref(), Some("crs"));
    assert!(
        problems.0[0].message.contains(expected),
        "{}",
        problems.0[0].message
    );
}

#[test]
fn a_planar_layout_naming_no_crs_is_one_error_and_a_stray_position_is_named() {
    let mut v = utm_layout(Value::Null);
    v.as_object_mut().unwrap().remove("crs");
    let (site, problems) = load_layout_partial(&v);
    assert!(site.is_none());
    assert_eq!(rules(&problems), vec!["coordinates"]);
    assert!(
        problems.0[0]
            .message
            .contains("none of the layout's 10 positions"),
        "{}",
        problems.0[0].message
    );
    // One stray planar position in a WGS84 layout is named on its feature.
    let mut wgs84 = utm_layout(Value::Null);
    wgs84.as_object_mut().unwrap().remove("crs");
    wgs84["features"][0]["geometry"] = json!({"type": "Polygon", "coordinates":
        [[[104.08, 30.64], [104.1, 30.64], [104.1, 30.66], [104.08, 30.64]]]});
    let err = load_layout(&wgs84).unwrap_err();
    assert_eq!(err.0[0].rule, "coordinates");
    assert_eq!(err.0[0].feature.as_deref(), Some("P1"));
}

#[test]
fn a_position_a_projected_crs_cannot_invert_is_named() {
    let mut v = utm_layout(json!({"type": "name", "properties": {"name": "EPSG:32648"}}));
    v["features"][1]["geometry"]["coordinates"][0][2] = json!([f64::MAX / 2.0, 1e300]);
    let err = load_layout(&v).unwrap_err();
    assert_eq!(rules(&err), vec!["coordinates"]);
    assert_eq!(err.0[0].feature.as_deref(), Some("P1"));
}
