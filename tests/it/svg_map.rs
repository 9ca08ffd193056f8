//! The SVG site map over every fixture layout that loads: one group and one
//! shape per GeoJSON feature, valid XML in the SVG namespace, identical bytes
//! for identical inputs, and every geometry error drawn in red (warnings in
//! orange) on the features it names.

use allot::geometry::{validate, walking_distances};
use allot::input::{load_layout, load_layout_partial};
use allot::model::{Policy, Problem};
use allot::report::i18n::Lang;
use allot::report::svg::{
    feature_element_id, render_svg, render_svg_with, RenderOptions, PROBLEM_RED, WARNING_ORANGE,
};
use rstest::rstest;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn has_class(n: &roxmltree::Node<'_, '_>, class: &str) -> bool {
    n.attribute("class")
        .is_some_and(|c| c.split_whitespace().any(|x| x == class))
}

const SHAPES: [&str; 6] = ["path", "circle", "rect", "polygon", "polyline", "line"];

/// Feature id → its kind, from the GeoJSON.
fn features(layout: &Value) -> BTreeMap<String, String> {
    layout["features"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .map(|f| {
                    (
                        f["properties"]["id"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                        f["properties"]["kind"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[rstest]
fn every_feature_of_a_layout_is_drawn_once_with_its_kind(
    #[files("fixtures/valid/*/layout.geojson")]
    #[files("fixtures/warnings/*/layout.geojson")]
    #[files("fixtures/invalid/r*/layout.geojson")]
    #[files("fixtures/small/*/layout.geojson")]
    #[files("fixtures/yixinqiao/layout*.geojson")]
    layout: PathBuf,
) {
    let value = read_json(&layout);
    let site = load_layout(&value).unwrap_or_else(|p| panic!("{}: {p}", layout.display()));
    for lang in [Lang::Zh, Lang::En] {
        let svg = render_svg(&site, None, &[], lang);
        assert_eq!(svg, render_svg(&site, None, &[], lang), "not deterministic");
        let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
        let root = doc.root_element();
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
        assert_eq!(root.attribute("version"), Some("1.1"));
        assert_eq!(
            root.attribute("xml:lang")
                .or(root.attribute(("http://www.w3.org/XML/1998/namespace", "lang"))),
            Some(lang.tag())
        );
        let want = features(&value);
        let groups: Vec<_> = doc
            .descendants()
            .filter(|n| has_class(n, "feature"))
            .collect();
        assert_eq!(groups.len(), want.len(), "{}", layout.display());
        for (id, kind) in &want {
            let eid = feature_element_id(id);
            let g = groups
                .iter()
                .find(|g| g.attribute("id") == Some(eid.as_str()))
                .unwrap_or_else(|| panic!("{}: feature {id} is not drawn", layout.display()));
            assert!(has_class(g, kind), "{id} lacks class {kind}");
            let shapes = g
                .children()
                .filter(|c| SHAPES.contains(&c.tag_name().name()))
                .count();
            assert_eq!(shapes, 1, "{id} has {shapes} shapes");
            if ["parking_space", "charging_bay", "garden_plot"].contains(&kind.as_str()) {
                let labels: Vec<_> = g
                    .children()
                    .filter(|c| c.has_tag_name("text"))
                    .filter_map(|c| c.text())
                    .collect();
                assert_eq!(labels.first().copied(), Some(id.as_str()), "{id} label");
            }
        }
    }
}

/// The features a problem names.
fn named(p: &Problem) -> Vec<&str> {
    let mut v: Vec<&str> = p.feature.iter().map(String::as_str).collect();
    for f in &p.features {
        if !v.contains(&f.as_str()) {
            v.push(f);
        }
    }
    v
}

#[rstest]
fn geometry_problems_are_marked_on_the_features_they_name(
    #[files("fixtures/invalid/*/layout.geojson")]
    #[files("fixtures/warnings/*/layout.geojson")]
    layout: PathBuf,
) {
    // What loads is drawn; loading errors join the geometry errors.
    let value = read_json(&layout);
    let (site, loading) = load_layout_partial(&value);
    let site = site.unwrap_or_else(|| panic!("{}: nothing loads", layout.display()));
    let walks = walking_distances(&site);
    let mut report = validate(&site, &Policy::default(), Some(&walks));
    report.errors.splice(0..0, loading.0);
    assert!(
        !report.errors.is_empty() || !report.warnings.is_empty(),
        "{}: the fixture has no problem to draw",
        layout.display()
    );
    let mut opts = RenderOptions::new(Lang::En);
    opts.errors = &report.errors;
    opts.warnings = &report.warnings;
    let svg = render_svg_with(&site, &opts);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    // The features drawn on the plan.
    let ids: Vec<String> = doc
        .descendants()
        .filter(|n| has_class(n, "feature"))
        .filter_map(|n| n.attribute("id"))
        .map(str::to_string)
        .collect();
    let mut marked = 0;
    for (severity, colour, list) in [
        ("error", PROBLEM_RED, &report.errors),
        ("warning", WARNING_ORANGE, &report.warnings),
    ] {
        for (i, p) in list.iter().enumerate() {
            for fid in named(p)
                .into_iter()
                .filter(|f| ids.contains(&feature_element_id(f)))
            {
                let id = format!("{severity}-{i}-{}", feature_element_id(fid));
                let m = doc
                    .descendants()
                    .find(|n| n.attribute("id") == Some(id.as_str()))
                    .unwrap_or_else(|| panic!("{}: no marker {id} for {p}", layout.display()));
                assert!(has_class(&m, "problem") && has_class(&m, severity));
                let tip = m
                    .first_element_child()
                    .and_then(|t| t.text())
                    .unwrap_or_default();
                assert!(tip.contains(p.rule.as_str()), "{tip}");
                let shape = m
                    .children()
                    .find(|c| SHAPES.contains(&c.tag_name().name()))
                    .expect("a marker shape");
                assert_eq!(shape.attribute("stroke"), Some(colour));
                marked += 1;
            }
        }
    }
    // Every problem is listed under the plan too.
    let list = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("problem-list"))
        .expect("the problem list");
    let lines = list.children().filter(|c| c.has_tag_name("text")).count();
    let total = report.errors.len() + report.warnings.len();
    assert_eq!(lines, 1 + total.min(12) + usize::from(total > 12));
    // Every drawn feature a problem names carries its marker.
    let drawable = report
        .errors
        .iter()
        .chain(&report.warnings)
        .flat_map(named)
        .filter(|f| ids.contains(&feature_element_id(f)))
        .count();
    assert_eq!(marked, drawable, "{}", layout.display());
}
