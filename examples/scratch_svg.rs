use allot::model::*;
use allot::report::i18n::Lang;
use allot::report::svg::*;
use geo::{coord, polygon, LineString, Point, Polygon};
use std::collections::BTreeMap;
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

fn assignment(h: &str, kind: ResourceKind, r: &str, basis: &str) -> Assignment {
    Assignment {
        household: h.into(),
        kind,
        resource: r.into(),
        walk_m: 12.34,
        why: format!("lottery rank 1; nearest free to {h}"),
        basis: basis.into(),
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
        },
    );
    Allocation {
        site: "test-site".into(),
        inputs_sha256: "0".repeat(64),
        seed: "seed".into(),
        policy,
        assignments: vec![
            assignment("B1-1-301", ResourceKind::ParkingSpace, "P1", "lottery"),
            assignment("B1-1-101", ResourceKind::ParkingSpace, "P2", "pin"),
            assignment("B1-1-301", ResourceKind::ChargingBay, "EB1", "lottery"),
        ],
        unserved: vec![Unserved {
            household: "B1-1-502".into(),
            kind: ResourceKind::ParkingSpace,
            units: 1,
            waitlist: Some(1),
            why: "all taken".into(),
        }],
        lottery: vec!["B1-1-301".into(), "B1-1-101".into(), "B1-1-502".into()],
        metrics,
        solver: SolverInfo {
            engine: "flow".into(),
            backend: "combinatorial".into(),
            seconds: 0.0,
            stages: vec![],
        },
        warnings: vec![],
    }
}


fn main() {
    let lang = if std::env::args().nth(1).as_deref() == Some("en") { Lang::En } else { Lang::Zh };
    let p = [allot::model::Problem::new("R3-overlap", "P1 overlaps F1 by 2 m²").features(["P1", "F1"])];
    print!("{}", render_svg(&site(), Some(&allocation()), &p, lang));
}
