//! Tests of the SVG site map.
use super::frame::*;
use super::resources::*;
use super::*;
use crate::model::{Basis, Rule, Shape};
use crate::model::{
    Building, CoordinateMode, Entrance, KindMetrics, NamedPoint, Pin, Policy, SolverInfo, Unserved,
    WalkStats, Walkway, Zone,
};
use geo::{coord, polygon, LineString};
use geo::{Point, Polygon};

fn rect(x: f64, y: f64, w: f64, h: f64) -> Polygon<f64> {
    polygon![(x: x, y: y), (x: x + w, y: y), (x: x + w, y: y + h), (x: x, y: y + h), (x: x, y: y)]
}

fn space(id: &str, x: f64, y: f64) -> Resource {
    Resource {
        id: id.into(),
        kind: ResourceKind::ParkingSpace,
        shape: Shape::Polygon(rect(x, y, 2.5, 5.3)),
        accessible: false,
        charger: false,
        zone: None,
    }
}

/// A small site with one feature of every kind, 60 m × 40 m.
fn site() -> Site {
    let mut p3 = space("P3", 26.0, 2.0);
    p3.accessible = true;
    p3.shape = Shape::Polygon(rect(26.0, 2.0, 3.7, 5.3));
    let mut p4 = space("P4", 30.0, 2.0);
    p4.charger = true;
    Site {
        id: Some("test-site".into()),
        name: Some("测试小区 <Test & Co>".into()),
        coordinates: CoordinateMode::LocalMeters,
        boundary: Some(Zone {
            id: "site".into(),
            reason: None,
            polygon: rect(0.0, 0.0, 60.0, 40.0),
        }),
        buildings: vec![
            Building {
                id: "B1".into(),
                name: Some("一号楼".into()),
                polygon: rect(5.0, 25.0, 30.0, 10.0),
            },
            Building {
                id: "B2".into(),
                name: None,
                polygon: rect(40.0, 25.0, 15.0, 10.0),
            },
        ],
        entrances: vec![Entrance {
            id: "E1".into(),
            building: "B1".into(),
            unit: "1".into(),
            point: Point::new(10.0, 25.0),
        }],
        gates: vec![NamedPoint {
            id: "G1".into(),
            point: Point::new(0.0, 20.0),
        }],
        walkways: vec![Walkway {
            id: "W1".into(),
            line: LineString::from(vec![coord! {x: 0.0, y: 20.0}, coord! {x: 60.0, y: 20.0}]),
        }],
        fire_lanes: vec![Zone {
            id: "F1".into(),
            reason: None,
            polygon: rect(0.0, 10.0, 60.0, 4.0),
        }],
        keep_clear: vec![Zone {
            id: "K1".into(),
            reason: Some("manhole".into()),
            polygon: rect(50.0, 2.0, 5.0, 5.0),
        }],
        power_feeds: vec![NamedPoint {
            id: "PF1".into(),
            point: Point::new(34.0, 1.0),
        }],
        resources: vec![
            space("P1", 20.0, 2.0),
            space("P2", 23.0, 2.0),
            p3,
            p4,
            Resource {
                id: "EB1".into(),
                kind: ResourceKind::ChargingBay,
                shape: Shape::Point(Point::new(40.0, 18.0)),
                accessible: false,
                charger: false,
                zone: Some("shed".into()),
            },
            Resource {
                id: "EB2".into(),
                kind: ResourceKind::ChargingBay,
                shape: Shape::Point(Point::new(41.0, 18.0)),
                accessible: false,
                charger: false,
                zone: Some("shed".into()),
            },
            Resource {
                id: "G 1&\"x\"".into(),
                kind: ResourceKind::GardenPlot,
                shape: Shape::Polygon(rect(2.0, 2.0, 6.0, 4.0)),
                accessible: false,
                charger: false,
                zone: None,
            },
        ],
        raw: serde_json::Value::Null,
    }
}

fn assignment(h: &str, kind: ResourceKind, r: &str, basis: Basis) -> Assignment {
    Assignment {
        household: h.into(),
        kind,
        resource: r.into(),
        walk_m: 12.34,
        why: format!("lottery rank 1; nearest free to {h}"),
        basis,
        reason: None,
    }
}

fn allocation() -> Allocation {
    let mut policy = Policy::default();
    policy.pins.push(Pin {
        household: "B1-1-101".into(),
        resource: "P2".into(),
        reason: None,
    });
    let mut metrics = BTreeMap::new();
    metrics.insert(
        ResourceKind::ParkingSpace,
        KindMetrics {
            demand: 5,
            supply: 4,
            served: 2,
            by_building: BTreeMap::new(),
            walk_m: WalkStats {
                mean: Some(12.3),
                p90: Some(12.3),
                max: Some(12.3),
            },
            kept_from_previous: 0,
            moved_from_previous: 0,
            swapped: 0,
        },
    );
    Allocation {
        site: "test-site".into(),
        inputs_sha256: "0".repeat(64),
        seed: "seed".into(),
        policy,
        assignments: vec![
            assignment("B1-1-301", ResourceKind::ParkingSpace, "P1", Basis::Lottery),
            assignment("B1-1-101", ResourceKind::ParkingSpace, "P2", Basis::Pin),
            assignment("B1-1-301", ResourceKind::ChargingBay, "EB1", Basis::Lottery),
        ],
        unserved: vec![Unserved {
            household: "B1-1-502".into(),
            kind: ResourceKind::ParkingSpace,
            units: 1,
            waitlist: Some(1),
            why: "all taken".into(),
            reason: None,
        }],
        lottery: vec!["B1-1-301".into(), "B1-1-101".into(), "B1-1-502".into()],
        metrics,
        round: None,
        ledger: Default::default(),
        draw_order: None,
        solver: SolverInfo {
            engine: "flow".into(),
            backend: "combinatorial".into(),
            seconds: 0.0,
            stages: vec![],
        },
        warnings: vec![],
        draw: None,
    }
}

fn has_class(n: &roxmltree::Node<'_, '_>, class: &str) -> bool {
    n.attribute("class")
        .is_some_and(|c| c.split_whitespace().any(|x| x == class))
}

fn feature_group<'a, 'i>(doc: &'a roxmltree::Document<'i>, id: &str) -> roxmltree::Node<'a, 'i> {
    let want = feature_element_id(id);
    doc.descendants()
        .find(|n| n.attribute("id") == Some(want.as_str()))
        .unwrap_or_else(|| panic!("no element for feature {id}"))
}

fn shapes<'a, 'i>(g: roxmltree::Node<'a, 'i>) -> Vec<roxmltree::Node<'a, 'i>> {
    g.children()
        .filter(|c| {
            ["path", "circle", "rect", "polygon", "polyline", "line"].contains(&c.tag_name().name())
        })
        .collect()
}

fn texts(g: roxmltree::Node<'_, '_>) -> Vec<String> {
    g.descendants()
        .filter(|c| c.has_tag_name("text"))
        .map(|c| c.text().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn every_feature_is_one_group_with_one_shape_and_a_tooltip() {
    let s = site();
    let svg = render_svg(&s, Some(&allocation()), &[], Lang::En);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    assert_eq!(root.attribute("version"), Some("1.1"));
    let groups: Vec<_> = doc
        .descendants()
        .filter(|n| has_class(n, "feature"))
        .collect();
    let ids: Vec<&str> = all_geometries(&s).into_iter().map(|(id, _)| id).collect();
    assert_eq!(groups.len(), ids.len());
    for id in ids {
        let g = feature_group(&doc, id);
        assert_eq!(shapes(g).len(), 1, "feature {id} has not exactly one shape");
        let first = g.first_element_child().expect("a child");
        assert!(
            first.has_tag_name("title"),
            "feature {id} starts without a title"
        );
        assert!(
            first.text().unwrap_or_default().contains(id),
            "tooltip of {id} names it"
        );
    }
    for kind in [
        "building",
        "entrance",
        "gate",
        "walkway",
        "fire_lane",
        "keep_clear",
        "power_feed",
        "boundary",
    ] {
        assert_eq!(
            groups.iter().filter(|g| has_class(g, kind)).count(),
            match kind {
                "building" => 2,
                _ => 1,
            },
            "{kind}"
        );
    }
}

#[rstest::rstest]
#[case("P1", ResourceState::Assigned)]
#[case("P2", ResourceState::Pinned)]
#[case("P3", ResourceState::ReservedAccessible)]
#[case("P4", ResourceState::Charger)]
#[case("EB1", ResourceState::Assigned)]
#[case("EB2", ResourceState::Free)]
#[case("G 1&\"x\"", ResourceState::Free)]
fn each_resource_is_filled_and_classed_by_its_state(
    #[case] id: &str,
    #[case] state: ResourceState,
) {
    let svg = render_svg(&site(), Some(&allocation()), &[], Lang::Zh);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let g = feature_group(&doc, id);
    assert!(
        has_class(&g, state.class()),
        "{id}: {:?}",
        g.attribute("class")
    );
    for other in ResourceState::ALL.iter().filter(|s| **s != state) {
        assert!(
            !has_class(&g, other.class()),
            "{id} also has {}",
            other.class()
        );
    }
    let shape = shapes(g)[0];
    assert_eq!(shape.attribute("fill"), Some(state.fill()));
}

#[test]
fn highlighted_resources_get_a_dark_outline_and_keep_their_state() {
    let highlight = vec!["P1".to_string()];
    let alloc = allocation();
    let mut opts = RenderOptions::new(Lang::En);
    opts.allocation = Some(&alloc);
    opts.highlight = &highlight;
    let svg = render_svg_with(&site(), &opts);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let p1 = feature_group(&doc, "P1");
    assert!(has_class(&p1, "highlight") && has_class(&p1, "assigned"));
    assert_eq!(shapes(p1)[0].attribute("stroke"), Some(HIGHLIGHT_STROKE));
    assert!(!has_class(&feature_group(&doc, "P2"), "highlight"));
}

#[test]
fn the_states_have_distinct_fills() {
    let fills: BTreeSet<_> = ResourceState::ALL.iter().map(|s| s.fill()).collect();
    assert_eq!(fills.len(), ResourceState::ALL.len());
}

#[test]
fn without_an_allocation_only_reservations_show() {
    let svg = render_svg(&site(), None, &[], Lang::En);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    for (id, state) in [
        ("P1", ResourceState::Free),
        ("P3", ResourceState::ReservedAccessible),
        ("P4", ResourceState::Charger),
    ] {
        assert!(has_class(&feature_group(&doc, id), state.class()), "{id}");
    }
}

#[test]
fn resources_are_labelled_with_id_and_holder_and_tooltips_tell_the_walk_and_why() {
    let svg = render_svg(&site(), Some(&allocation()), &[], Lang::En);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let p1 = feature_group(&doc, "P1");
    assert_eq!(texts(p1), vec!["P1", "B1-1-301"]);
    let tip = p1
        .first_element_child()
        .and_then(|t| t.text())
        .unwrap_or_default();
    assert!(tip.contains("Household: B1-1-301"), "{tip}");
    assert!(tip.contains("Walk: 12.3 m"), "{tip}");
    assert!(tip.contains("lottery rank 1"), "{tip}");
    assert_eq!(texts(feature_group(&doc, "P4")), vec!["P4"]);
    // The odd id survives escaping intact.
    assert_eq!(texts(feature_group(&doc, "G 1&\"x\"")), vec!["G 1&\"x\""]);
}

#[test]
fn chinese_names_and_labels_render_with_a_cjk_font_stack() {
    let svg = render_svg(&site(), Some(&allocation()), &[], Lang::Zh);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    assert!(texts(feature_group(&doc, "B1")).contains(&"一号楼".to_string()));
    assert_eq!(texts(feature_group(&doc, "B2")), vec!["B2"]);
    let fonts = doc
        .root_element()
        .attribute("font-family")
        .unwrap_or_default();
    assert!(fonts.starts_with("'Noto Sans CJK SC'") && fonts.ends_with("sans-serif"));
    assert!(svg.contains(">图例<") && svg.contains(">已分配<") && svg.contains(">北<"));
    let title = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("map-title"))
        .unwrap();
    assert_eq!(title.text(), Some("测试小区 <Test & Co> · 小区平面图"));
    // Nothing is referenced outside the document.
    assert!(!svg
        .replace("http://www.w3.org/2000/svg", "")
        .contains("http"));
}

#[test]
fn identical_inputs_give_identical_bytes() {
    let a = render_svg(&site(), Some(&allocation()), &[], Lang::Zh);
    let b = render_svg(&site(), Some(&allocation()), &[], Lang::Zh);
    assert_eq!(a, b);
    assert_ne!(a, render_svg(&site(), Some(&allocation()), &[], Lang::En));
}

#[test]
fn north_is_up_and_the_map_is_drawn_to_scale() {
    let svg = render_svg(&site(), None, &[], Lang::En);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    // The entrance (y = 25) is drawn above the gate (y = 20) by 5 units.
    let cy = |id: &str| -> f64 {
        shapes(feature_group(&doc, id))[0]
            .attribute("cy")
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    };
    let cx = |id: &str| -> f64 {
        shapes(feature_group(&doc, id))[0]
            .attribute("cx")
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    };
    assert!((cy("EB1") - cy("E1") - 7.0).abs() < 0.01);
    assert!((cx("EB2") - cx("EB1") - 1.0).abs() < 0.01);
    // The scale bar is a round number of metres and as long as it says.
    let bar = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("scale-bar"))
        .unwrap();
    let len: f64 = bar
        .attribute("class")
        .and_then(|c| c.strip_prefix("scale-"))
        .and_then(|v| v.parse().ok())
        .unwrap();
    let widths: f64 = bar
        .children()
        .filter(|c| c.has_tag_name("rect"))
        .filter_map(|c| c.attribute("width")?.parse::<f64>().ok())
        .sum();
    assert!((widths - len).abs() < 0.02, "{widths} vs {len}");
    assert!(texts(bar).contains(&format!("{} m", num(len))));
    let arrow = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("north-arrow"))
        .unwrap();
    assert_eq!(texts(arrow), vec!["N"]);
}

#[test]
fn problems_are_drawn_in_red_on_the_features_they_name() {
    let overlap = Problem::new(Rule::R3Overlap, "P1 overlaps F1 by 2.0 m²").features(["P1", "F1"]);
    let lonely = Problem::new(Rule::R6Entrance, "E1 is 4.2 m from B1").feature("E1");
    let nowhere = Problem::new(Rule::FeatureKind, "feature 7 has an unknown kind");
    let warn =
        Problem::new(Rule::WUnreachableByWalk, "EB2 is beyond every max_walk_m").feature("EB2");
    let mut opts = RenderOptions::new(Lang::En);
    let errors = [overlap, lonely, nowhere];
    let warnings = [warn];
    opts.errors = &errors;
    opts.warnings = &warnings;
    let svg = render_svg_with(&site(), &opts);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let markers: Vec<_> = doc
        .descendants()
        .filter(|n| has_class(n, "problem"))
        .collect();
    let marked = |sev: &str, fid: &str| {
        markers.iter().find(|m| {
            m.attribute("id")
                .is_some_and(|id| id.starts_with(sev) && id.ends_with(&feature_element_id(fid)))
        })
    };
    for fid in ["P1", "F1", "E1"] {
        let m = marked("error", fid).unwrap_or_else(|| panic!("no marker on {fid}"));
        assert!(has_class(m, "error"));
        let shape = shapes(*m)[0];
        assert_eq!(shape.attribute("stroke"), Some(PROBLEM_RED));
        let tip = m
            .first_element_child()
            .and_then(|t| t.text())
            .unwrap_or_default();
        assert!(
            tip.contains("R3-overlap") || tip.contains("R6-entrance"),
            "{tip}"
        );
    }
    let w = marked("warning", "EB2").expect("warning marker");
    assert_eq!(shapes(*w)[0].attribute("stroke"), Some(WARNING_ORANGE));
    assert_eq!(
        markers.len(),
        4,
        "no marker for a problem without a feature"
    );
    // All four problems are listed under the map, the featureless one too.
    let list = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("problem-list"))
        .unwrap();
    let lines = texts(list);
    assert_eq!(lines.len(), 5);
    assert!(lines.iter().any(|l| l.contains("feature-kind")));
}

#[test]
fn a_long_problem_list_is_cut_with_a_count() {
    let many: Vec<Problem> = (0..20)
        .map(|i| {
            Problem::new(Rule::R2InsideBoundary, format!("X{i} lies outside"))
                .feature(format!("X{i}"))
        })
        .collect();
    let svg = render_svg(&site(), None, &many, Lang::En);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let list = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("problem-list"))
        .unwrap();
    let lines = texts(list);
    assert_eq!(lines.len(), 1 + 12 + 1);
    assert_eq!(lines.last().map(String::as_str), Some("8 more problems"));
}

#[test]
fn an_empty_layout_still_renders_a_valid_map() {
    let empty = crate::model::fixtures::site(serde_json::Value::Null);
    let svg = render_svg(&empty, None, &[], Lang::Zh);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    assert!(doc.root_element().attribute("viewBox").is_some());
    assert!(!svg.contains("NaN") && !svg.contains("inf"));
}

#[test]
fn rotated_spaces_get_labels_along_their_long_side() {
    let mut s = site();
    // A 2.5 × 5.3 m space rotated by 30°: its long side runs at 120° from
    // east, so text along it descends to the right: 60° clockwise on screen.
    let (c, sn) = (30f64.to_radians().cos(), 30f64.to_radians().sin());
    let pts: Vec<(f64, f64)> = [(0.0, 0.0), (2.5, 0.0), (2.5, 5.3), (0.0, 5.3), (0.0, 0.0)]
        .iter()
        .map(|(x, y)| (10.0 + x * c - y * sn, 15.0 + x * sn + y * c))
        .collect();
    s.resources = vec![Resource {
        shape: Shape::Polygon(Polygon::new(LineString::from(pts), vec![])),
        ..space("R1", 0.0, 0.0)
    }];
    let svg = render_svg(&s, None, &[], Lang::En);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let label = feature_group(&doc, "R1")
        .children()
        .find(|n| n.has_tag_name("text"))
        .unwrap();
    let transform = label.attribute("transform").unwrap_or_default();
    assert!(transform.starts_with("rotate(60 "), "{transform}");
}

#[rstest::rstest]
#[case(0.5, 1.0)]
#[case(7.0, 5.0)]
#[case(37.0, 20.0)]
#[case(100.0, 100.0)]
#[case(199.0, 100.0)]
#[case(1234.0, 1000.0)]
fn scale_bars_use_round_lengths(#[case] limit: f64, #[case] want: f64) {
    assert_eq!(nice_length(limit), want);
}

#[test]
fn xml_ids_of_distinct_features_are_distinct_and_valid() {
    let ids = ["P 1", "P_1", "P_20_1", "车位1", "a.b-c", "x\"y"];
    let made: BTreeSet<String> = ids.iter().map(|i| svg_id(i)).collect();
    assert_eq!(made.len(), ids.len());
    for id in made {
        assert!(
            id.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c)),
            "{id}"
        );
    }
}

#[test]
fn text_is_escaped_and_control_characters_dropped() {
    assert_eq!(escape_xml("a<b>&\"'\u{1}c"), "a&lt;b&gt;&amp;&quot;&#39;c");
    assert_eq!(num(-0.001), "0");
    assert_eq!(num(2.5), "2.5");
    assert_eq!(num(3.0), "3");
    assert_eq!(num(f64::NAN), "0");
}
