//! The Yixinqiao layout as GIS software writes it: GDAL's `ogr2ogr` (the
//! library QGIS saves GeoJSON with) is run here on the fixture, and each
//! export must validate and allocate as the fixture does.
//!
//! `ogr2ogr` comes from Debian's `gdal-bin` (`.ci/deps.sh` installs it); the
//! tests fail, never skip, without it.

use crate::support::common;

use allot::model::Allocation;
use allot::pipeline::{self, Inputs};
use allot::report::geojson::allocation_geojson;
use rstest::rstest;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn dir() -> &'static Path {
    Path::new("fixtures/yixinqiao")
}

/// Runs `ogr2ogr` with `args`; panics with GDAL's message when it fails.
fn ogr2ogr(args: &[&str]) {
    let output = Command::new("ogr2ogr")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run ogr2ogr ({e}); install Debian's gdal-bin (bash .ci/deps.sh)")
        });
    assert!(
        output.status.success(),
        "ogr2ogr {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The fixture exported by `ogr2ogr` with `options` (a `GPKG:` prefix goes
/// through a GeoPackage and back), read back as JSON.
fn export(tmp: &Path, options: &[&str]) -> Value {
    let source = dir().join("layout.geojson");
    let source = source.to_str().unwrap();
    let out = tmp.join("export.geojson");
    let out_s = out.to_str().unwrap();
    if options.first() == Some(&"GPKG:") {
        let gpkg: PathBuf = tmp.join("layout.gpkg");
        let gpkg = gpkg.to_str().unwrap();
        ogr2ogr(&["-f", "GPKG", gpkg, source]);
        ogr2ogr(&["-f", "GeoJSON", out_s, gpkg]);
    } else {
        let mut args = vec!["-f", "GeoJSON", out_s, source];
        args.extend_from_slice(options);
        ogr2ogr(&args);
    }
    common::read_json(&out)
}

fn solve_with_layout(layout: Value) -> Allocation {
    let inputs = Inputs {
        layout,
        ..common::fixture_inputs(dir())
    };
    common::solve(&inputs)
}

fn fixture_allocation() -> &'static Allocation {
    static A: OnceLock<Allocation> = OnceLock::new();
    A.get_or_init(|| common::solve(&common::fixture_inputs(dir())))
}

/// household → resource → walk, of every assignment.
fn given(a: &Allocation) -> BTreeMap<(String, String), f64> {
    a.assignments
        .iter()
        .map(|x| ((x.household.clone(), x.resource.clone()), x.walk_m))
        .collect()
}

/// The first position of every resource feature of a GeoJSON rendering, by id.
fn first_positions(g: &Value) -> BTreeMap<String, (f64, f64)> {
    let mut out = BTreeMap::new();
    for f in g["features"].as_array().unwrap() {
        let mut c = &f["geometry"]["coordinates"];
        while c[0].is_array() {
            c = &c[0];
        }
        out.insert(
            f["properties"]["id"].as_str().unwrap().to_string(),
            (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()),
        );
    }
    out
}

#[rstest]
#[case::gdal_defaults(&[], None)]
#[case::multipolygon(&["-nlt", "MULTIPOLYGON"], Some("MultiPolygon"))]
#[case::promote_to_multi(&["-nlt", "PROMOTE_TO_MULTI"], Some("MultiLineString"))]
#[case::through_a_geopackage(&["GPKG:"], None)]
#[case::utm_zone_48n(&["-t_srs", "EPSG:32648"], Some("EPSG::32648"))]
#[case::cgcs2000_gauss_krueger_cm_105e(&["-t_srs", "EPSG:4544"], Some("EPSG::4544"))]
#[case::cgcs2000_gauss_krueger_zone_18(&["-t_srs", "EPSG:4496"], Some("EPSG::4496"))]
#[case::cgcs2000_longitude_latitude(&["-t_srs", "EPSG:4490"], Some("EPSG::4490"))]
fn a_gdal_export_validates_and_allocates_as_the_fixture_does(
    #[case] options: &[&str],
    #[case] marker: Option<&str>,
) {
    let tmp = tempfile::tempdir().unwrap();
    let layout = export(tmp.path(), options);
    if let Some(marker) = marker {
        // The export really is in the dialect under test.
        assert!(
            layout.to_string().contains(marker),
            "{marker} not in the export"
        );
    }
    let policy = common::read_json(&dir().join("policy.json"));
    let report = pipeline::validate_layout(&layout, Some(&policy));
    assert!(report.errors.is_empty(), "{:#?}", report.errors);

    let a = solve_with_layout(layout.clone());
    let want = given(fixture_allocation());
    let got = given(&a);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "the same households get the same resources"
    );
    for (key, w) in &want {
        let g = got[key];
        assert!(
            (g - w).abs() <= 0.1 + 0.001 * w,
            "{key:?} walks {g} m in the export, {w} m in the fixture"
        );
    }

    // The GeoJSON rendering is WGS84 (RFC 7946) whatever the export's CRS:
    // every resource where the fixture has it, within 1e-7° (about 1 cm).
    let checked = pipeline::check(&Inputs {
        layout,
        ..common::fixture_inputs(dir())
    })
    .unwrap();
    let rendered = allocation_geojson(&checked.site, &a);
    assert!(rendered.get("crs").is_none());
    let fixture_site = pipeline::check(&common::fixture_inputs(dir()))
        .unwrap()
        .site;
    let expected = first_positions(&allocation_geojson(&fixture_site, fixture_allocation()));
    let positions = first_positions(&rendered);
    assert_eq!(positions.len(), expected.len());
    for (id, (lon, lat)) in &expected {
        let (x, y) = positions[id];
        assert!(
            (x - lon).abs() < 1e-7 && (y - lat).abs() < 1e-7,
            "{id}: ({x}, {y}) rendered, ({lon}, {lat}) in the fixture"
        );
    }
}

fn only_error(layout: &Value) -> allot::model::Problem {
    let report = pipeline::validate_layout(layout, None);
    assert_eq!(report.errors.len(), 1, "{:#?}", report.errors);
    report.errors[0].clone()
}

#[test]
fn a_multi_part_polygon_is_one_error_naming_the_feature_and_its_parts() {
    let tmp = tempfile::tempdir().unwrap();
    let mut layout = export(tmp.path(), &["-nlt", "MULTIPOLYGON"]);
    let features = layout["features"].as_array_mut().unwrap();
    let part = |id: &str, features: &[Value]| {
        features
            .iter()
            .find(|f| f["properties"]["id"] == id)
            .unwrap()["geometry"]["coordinates"][0]
            .clone()
    };
    // G1 drawn as one feature with G2's polygon as a second part.
    let g2 = part("G2", features);
    let g1 = features
        .iter_mut()
        .find(|f| f["properties"]["id"] == "G1")
        .unwrap();
    g1["geometry"]["coordinates"]
        .as_array_mut()
        .unwrap()
        .push(g2);
    let p = only_error(&layout);
    assert_eq!(p.rule, "geometry-type");
    assert_eq!(p.feature.as_deref(), Some("G1"));
    assert!(
        p.message.contains("MultiPolygon of 2 parts"),
        "{}",
        p.message
    );
}

#[test]
fn a_projected_crs_in_us_survey_feet_is_one_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = export(tmp.path(), &["-t_srs", "EPSG:2227"]);
    let p = only_error(&layout);
    assert_eq!(p.rule, "crs");
    assert!(
        p.message
            .contains("EPSG:2227 measures in us-ft, not metres"),
        "{}",
        p.message
    );
}

#[test]
fn an_unknown_crs_is_one_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut layout = export(tmp.path(), &["-t_srs", "EPSG:4544"]);
    layout["crs"] =
        json!({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4999999"}});
    let p = only_error(&layout);
    assert_eq!(p.rule, "crs");
    assert!(
        p.message
            .contains("unknown CRS \"urn:ogc:def:crs:EPSG::4999999\""),
        "{}",
        p.message
    );
}
