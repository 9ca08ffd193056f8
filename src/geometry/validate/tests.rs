//! Unit tests of [`super`]: rules 1, 5 and the fire lane width.

use super::*;
use crate::geometry::lane_width::{estimated_min_width, fire_lane_narrower_than};
use crate::model::Zone;
use geo::{polygon, Coord, Rotate};

fn rect(x0: f64, y0: f64, w: f64, h: f64) -> Polygon<f64> {
    polygon![(x: x0, y: y0), (x: x0 + w, y: y0), (x: x0 + w, y: y0 + h), (x: x0, y: y0 + h)]
}

/// A site of `resources` inside the boundary `S`, and nothing else.
fn site_in(boundary: Polygon<f64>, resources: Vec<Resource>) -> Site {
    Site {
        boundary: Some(Zone {
            id: "S".into(),
            reason: None,
            polygon: boundary,
        }),
        resources,
        ..Site::empty(crate::model::CoordinateMode::LocalMeters)
    }
}

#[rstest::rstest]
#[case(2.4, 5.3, 37.0, false, true)]
#[case(2.3, 5.3, 37.0, false, false)]
#[case(2.36, 5.26, 0.0, false, true)]
#[case(2.4, 5.2, 12.5, false, false)]
#[case(3.6, 5.3, 61.0, true, true)]
#[case(3.0, 5.3, 61.0, true, false)]
fn parking_sizes_are_measured_on_the_minimum_rotated_rectangle(
    #[case] w: f64,
    #[case] l: f64,
    #[case] degrees: f64,
    #[case] accessible: bool,
    #[case] passes: bool,
) {
    let poly = rect(10.0, 20.0, w, l).rotate_around_centroid(degrees);
    let (mw, ml) = rotated_rect_size(&poly).unwrap();
    assert!(
        (mw - w).abs() < 1e-6 && (ml - l).abs() < 1e-6,
        "{mw} × {ml}"
    );
    let r = Resource {
        id: "P1".into(),
        kind: ResourceKind::ParkingSpace,
        shape: Shape::Polygon(poly),
        accessible,
        charger: false,
        zone: None,
    };
    let mut errors = Vec::new();
    rule5_parking_size(&[&r], &mut errors);
    assert_eq!(errors.is_empty(), passes, "{errors:?}");
    if let Some(e) = errors.first() {
        assert!(
            e.message.contains(&format!("{w:.2} m × {l:.2} m")),
            "{}",
            e.message
        );
    }
}

#[test]
fn six_thousand_spaces_are_checked_for_overlaps_quickly_and_exactly() {
    // 60 rows × 100 spaces sharing edges, plus three spaces shifted into a neighbour.
    let mut resources = Vec::new();
    for row in 0..60 {
        for col in 0..100 {
            let shift = if (row, col) == (3, 7) || (row, col) == (40, 50) || (row, col) == (59, 99)
            {
                0.5
            } else {
                0.0
            };
            resources.push(Resource {
                id: format!("P{row}-{col}"),
                kind: ResourceKind::ParkingSpace,
                shape: Shape::Polygon(rect(col as f64 * 2.5 + shift, row as f64 * 6.0, 2.5, 5.3)),
                accessible: false,
                charger: false,
                zone: None,
            });
        }
    }
    let site = site_in(rect(-10.0, -10.0, 300.0, 400.0), resources);
    let t = std::time::Instant::now();
    let report = validate(&site, &Policy::default(), None);
    let secs = t.elapsed().as_secs_f64();
    eprintln!("validate 6000 spaces: {secs:.3} s");
    let pairs: Vec<Vec<String>> = report.errors.iter().map(|p| p.features.clone()).collect();
    assert_eq!(
        pairs,
        vec![
            vec!["P3-7".to_string(), "P3-8".to_string()],
            vec!["P40-50".to_string(), "P40-51".to_string()],
        ],
        "P59-99 is shifted towards nobody: {:?}",
        report.errors
    );
    assert!(report
        .errors
        .iter()
        .all(|p| p.message.ends_with("by 2.65 m²")));
    assert!(secs < 30.0);
}

#[test]
fn flat_polygons_and_stray_holes_break_rule_one_and_are_skipped_afterwards() {
    let flat = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 2.0, y: 0.0), (x: 3.0, y: 0.0)];
    let stray_hole = Polygon::new(
        rect(10.0, 10.0, 5.0, 5.0).exterior().clone(),
        vec![rect(20.0, 20.0, 1.0, 1.0).exterior().clone()],
    );
    let mk = |id: &str, p: Polygon<f64>| Resource {
        id: id.into(),
        kind: ResourceKind::GardenPlot,
        shape: Shape::Polygon(p),
        accessible: false,
        charger: false,
        zone: None,
    };
    // Both lie (partly) outside S, but only rule 1 may speak about them.
    let site = site_in(
        rect(0.0, 0.0, 5.0, 5.0),
        vec![mk("G1", flat), mk("G2", stray_hole)],
    );
    let report = validate(&site, &Policy::default(), None);
    let got: Vec<(&str, Option<&str>)> = report
        .errors
        .iter()
        .map(|p| (p.rule.as_str(), p.feature.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("R1-valid-polygon", Some("G1")),
            ("R1-valid-polygon", Some("G2"))
        ]
    );
    assert!(
        report.errors[1].message.contains("interior ring"),
        "{}",
        report.errors[1].message
    );
}

#[test]
fn a_straight_lane_narrower_than_four_metres_is_found() {
    assert!(!fire_lane_narrower_than(&rect(0.0, 0.0, 4.0, 40.0), 3.95));
    assert!(fire_lane_narrower_than(&rect(0.0, 0.0, 3.5, 40.0), 3.95));
    let w = estimated_min_width(&rect(0.0, 0.0, 3.0, 40.0));
    assert!((w - 3.0).abs() < 0.05, "{w}");
}

#[test]
fn rotated_and_curved_lanes_of_ample_width_pass() {
    assert!(!fire_lane_narrower_than(
        &rect(0.0, 0.0, 4.5, 60.0).rotate_around_centroid(33.0),
        3.95
    ));
    assert!(fire_lane_narrower_than(
        &rect(0.0, 0.0, 3.7, 60.0).rotate_around_centroid(33.0),
        3.95
    ));
    // A quarter ring, radii 20 and 26 m, drawn with 2° steps.
    let arc = |r: f64, from: i32, to: i32, step: i32| -> Vec<Coord<f64>> {
        let mut v = Vec::new();
        let mut a = from;
        while (step > 0 && a <= to) || (step < 0 && a >= to) {
            let t = (a as f64).to_radians();
            v.push(Coord {
                x: r * t.cos(),
                y: r * t.sin(),
            });
            a += step;
        }
        v
    };
    let mut ring = arc(26.0, 0, 90, 2);
    ring.extend(arc(20.0, 90, 0, -2));
    let lane = Polygon::new(geo::LineString::new(ring), vec![]);
    assert!(!fire_lane_narrower_than(&lane, 3.95));
    let w = estimated_min_width(&lane);
    assert!(w > 3.9, "{w}");
}

#[test]
fn an_l_shaped_lane_passes_but_a_neck_or_a_thin_spur_does_not() {
    let l_shape = polygon![(x: 0.0, y: 0.0), (x: 30.0, y: 0.0), (x: 30.0, y: 5.0), (x: 5.0, y: 5.0), (x: 5.0, y: 30.0), (x: 0.0, y: 30.0)];
    assert!(!fire_lane_narrower_than(&l_shape, 3.95));
    // 6 m wide with a 3 m neck in the middle.
    let neck = polygon![(x: 0.0, y: 0.0), (x: 20.0, y: 0.0), (x: 20.0, y: 3.0), (x: 25.0, y: 3.0), (x: 25.0, y: 0.0), (x: 45.0, y: 0.0),
        (x: 45.0, y: 6.0), (x: 0.0, y: 6.0)];
    assert!(fire_lane_narrower_than(&neck, 3.95));
    let w = estimated_min_width(&neck);
    assert!((w - 3.0).abs() < 0.05, "{w}");
    // 6 m wide, pinched to 3 m between two opposite notches.
    let pinch = polygon![(x: 0.0, y: 0.0), (x: 20.0, y: 0.0), (x: 21.0, y: 1.5), (x: 22.0, y: 0.0), (x: 40.0, y: 0.0),
        (x: 40.0, y: 6.0), (x: 22.0, y: 6.0), (x: 21.0, y: 4.5), (x: 20.0, y: 6.0), (x: 0.0, y: 6.0)];
    assert!(fire_lane_narrower_than(&pinch, 3.95));
    assert!((estimated_min_width(&pinch) - 3.0).abs() < 0.05);
    // 6 m lane with a 2 m wide, 10 m long spur.
    let spur = polygon![(x: 0.0, y: 0.0), (x: 40.0, y: 0.0), (x: 40.0, y: 6.0), (x: 21.0, y: 6.0), (x: 21.0, y: 16.0), (x: 19.0, y: 16.0),
        (x: 19.0, y: 6.0), (x: 0.0, y: 6.0)];
    assert!(fire_lane_narrower_than(&spur, 3.95));
}

/// A 3 m wide lane along a wavy edge of `n` vertices (narrow everywhere).
fn wavy_lane(x0: f64, n: usize) -> Polygon<f64> {
    let mut pts: Vec<(f64, f64)> = (0..n - 2)
        .map(|i| (x0 + 0.01 * (i % 2) as f64, i as f64 * 0.1))
        .collect();
    let top = (n - 3) as f64 * 0.1;
    pts.push((x0 + 3.0, top));
    pts.push((x0 + 3.0, 0.0));
    Polygon::new(pts.into(), vec![])
}

#[test]
fn fire_lanes_past_the_vertex_budget_are_named_not_measured_and_large_ones_not_estimated() {
    let mut site = site_in(rect(-10.0, -10.0, 400.0, 600.0), Vec::new());
    // Three lanes of 1,500 vertices: two fit the 4,096 budget, the third is named.
    site.fire_lanes = ["F1", "F2", "F3"]
        .iter()
        .enumerate()
        .map(|(i, id)| Zone {
            id: (*id).into(),
            reason: None,
            polygon: wavy_lane(i as f64 * 20.0, 1_500),
        })
        .collect();
    let report = validate(&site, &Policy::default(), None);
    let lanes: Vec<_> = report
        .warnings
        .iter()
        .filter(|p| p.rule == Rule::WFireLaneWidth)
        .map(|p| (p.feature.clone().unwrap_or_default(), p.message.clone()))
        .collect();
    assert_eq!(lanes.len(), 3, "{lanes:?}");
    assert!(
        lanes[0].1.contains("narrower than 4 m somewhere"),
        "{lanes:?}"
    );
    assert!(
        lanes[1].1.contains("narrower than 4 m somewhere"),
        "{lanes:?}"
    );
    assert_eq!(lanes[2].0, "F3");
    assert!(lanes[2].1.contains("was not measured"), "{lanes:?}");
}
