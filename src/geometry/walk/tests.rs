use super::*;
use crate::input::load_layout;
use rstest::rstest;
use serde_json::{json, Value};

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]})
}

fn f(kind: &str, id: &str, geometry: Value) -> Value {
    json!({"type": "Feature", "properties": {"kind": kind, "id": id}, "geometry": geometry})
}

fn entrance(id: &str, unit: &str, x: f64, y: f64) -> Value {
    json!({"type": "Feature", "properties": {"kind": "entrance", "id": id, "building": "B", "unit": unit},
           "geometry": {"type": "Point", "coordinates": [x, y]}})
}

fn point(kind: &str, id: &str, x: f64, y: f64) -> Value {
    f(kind, id, json!({"type": "Point", "coordinates": [x, y]}))
}

fn line(id: &str, pts: &[[f64; 2]]) -> Value {
    f(
        "walkway",
        id,
        json!({"type": "LineString", "coordinates": pts}),
    )
}

/// A site with a wall-like building B (x 2–8, y 2–`top`) between the
/// entrances (south-west) and the resources (north).
fn site(top: f64, mut features: Vec<Value>) -> Site {
    features.push(f("boundary", "S", rect(-50.0, -50.0, 100.0, 100.0)));
    features.push(f("building", "B", rect(2.0, 2.0, 8.0, top)));
    load_layout(
        &json!({"type": "FeatureCollection", "coordinates": "local_meters", "features": features}),
    )
    .unwrap()
}

fn walk(site: &Site, unit: &str, resource: &str) -> f64 {
    let m = walking_distances(site);
    let u = m.unit_index("B", unit).unwrap();
    let r = site
        .resources
        .iter()
        .position(|r| r.id == resource)
        .unwrap();
    m.get(u, r)
}

#[test]
fn without_walkways_the_walk_is_the_straight_line_to_the_nearest_point() {
    let s = site(
        20.0,
        vec![
            entrance("E1", "1", 20.0, 9.0),
            point("charging_bay", "C1", 50.0, 9.0),
            f("garden_plot", "G1", rect(60.0, 0.0, 62.0, 5.0)),
            f("garden_plot", "G2", rect(15.0, 5.0, 25.0, 12.0)),
        ],
    );
    assert!((walk(&s, "1", "C1") - 30.0).abs() < 1e-9);
    assert!((walk(&s, "1", "G1") - (40.0f64.powi(2) + 16.0).sqrt()).abs() < 1e-9);
    assert_eq!(walk(&s, "1", "G2"), 0.0, "the entrance is inside the plot");
}

/// Routes from E1 (0, 1), south-west of the wall B, to the bay C1 over the
/// walkways W1, W2, …: the expected length is spelled out leg by leg.
#[rstest]
// Straight (0,1)→(10,11) runs through B; the route is 1 (connector) + 10
// (east) + 10 (north, from the crossing) + 1 (connector).
#[case::crossing_walkways_are_split_so_a_route_can_turn_at_the_crossing(
    [10.0, 11.0],
    vec![vec![[0.0, 0.0], [20.0, 0.0]], vec![[10.0, -10.0], [10.0, 10.0]]],
    22.0
)]
#[case::a_clear_straight_segment_beats_the_network(
    [0.0, 30.0],
    vec![vec![[0.0, 0.0], [20.0, 0.0]], vec![[10.0, -10.0], [10.0, 40.0]]],
    29.0
)]
// W2 starts 0.36 m from W1's end (10, 0): a link of that length joins them
// and neither line moves; C1 lies on W2's drawn line.
#[case::ends_closer_than_half_a_metre_are_joined_by_a_link_of_their_true_length(
    [10.3, 11.0],
    vec![vec![[0.0, 0.0], [10.0, 0.0]], vec![[10.3, 0.2], [10.3, 10.0]]],
    1.0 + 10.0 + (0.3f64.powi(2) + 0.2f64.powi(2)).sqrt() + 9.8 + 1.0
)]
// W1 ends at (10, 0); W2 starts at (10.24, 0.32), 0.4 m away, and runs north.
#[case::two_paths_whose_ends_are_forty_centimetres_apart_join_with_a_forty_centimetre_link(
    [10.24, 11.0],
    vec![vec![[0.0, 0.0], [10.0, 0.0]], vec![[10.24, 0.32], [10.24, 10.0]]],
    1.0 + 10.0 + 0.4 + (10.0 - 0.32) + 1.0
)]
// W2 runs south and stops 0.3 m short of W1's middle (10, 0): the walk goes
// along W1 to (10, 0), over the 0.3 m link, and up W2.
#[case::a_path_ending_thirty_centimetres_short_of_another_paths_middle_joins_it(
    [10.0, 11.0],
    vec![vec![[0.0, 0.0], [20.0, 0.0]], vec![[10.0, 10.0], [10.0, 0.3]]],
    1.0 + 10.0 + 0.3 + 9.7 + 1.0
)]
// A hairpin: W1 goes east to (12, 0), back west 0.3 m north of itself to
// (10, 0.3), then north; (10, 0.3) is 0.3 m from W1's first segment. The
// route is connector 1, 10 along, the 0.3 m link, 24.7 north, connector 1
// (not 1 + 12 + 0.3 + 2 + 24.7 + 1 round the hairpin).
#[case::a_vertex_near_a_segment_of_its_own_line_is_joined_by_a_short_cut(
    [10.0, 26.0],
    vec![vec![[0.0, 0.0], [12.0, 0.0], [12.0, 0.3], [10.0, 0.3], [10.0, 25.0]]],
    37.0
)]
fn a_route_over_walkways_is_as_long_as_its_legs(
    #[case] bay: [f64; 2],
    #[case] walkways: Vec<Vec<[f64; 2]>>,
    #[case] expected: f64,
) {
    let mut features = vec![
        entrance("E1", "1", 0.0, 1.0),
        point("charging_bay", "C1", bay[0], bay[1]),
    ];
    for (i, pts) in walkways.iter().enumerate() {
        features.push(line(&format!("W{}", i + 1), pts));
    }
    let s = site(20.0, features);
    let got = walk(&s, "1", "C1");
    assert!((got - expected).abs() < 1e-9, "{got} vs {expected}");
    assert!(walking_distances(&s).warnings.is_empty());
}

#[test]
fn a_polygon_resource_is_left_from_the_network_point_nearest_to_it() {
    // Network point nearest to G1 is (10, 10), 2 m from G1's edge y = 12.
    let s = site(
        20.0,
        vec![
            entrance("E1", "1", 0.0, 1.0),
            f("garden_plot", "G1", rect(9.0, 12.0, 12.0, 14.0)),
            line("W1", &[[0.0, 0.0], [20.0, 0.0]]),
            line("W2", &[[10.0, -10.0], [10.0, 10.0]]),
        ],
    );
    assert!((walk(&s, "1", "G1") - 23.0).abs() < 1e-9);
}

#[test]
fn the_walk_never_uses_a_moved_line() {
    // W2's end (10.4, 0.1) lies 0.41 m from W1's end (10, 0); snapping
    // would move it onto (10, 0). C1 sits on W2's drawn line near that
    // end, so the walk leaves the network with no connector, and the
    // link counts at its true length. A wall south of B blocks the
    // straight line from E1 to C1, so the route counts.
    let s = site(
        20.0,
        vec![
            entrance("E1", "1", 0.0, 1.0),
            point("charging_bay", "C1", 10.4, 0.6),
            line("W1", &[[0.0, 0.0], [10.0, 0.0]]),
            line("W2", &[[10.4, 10.0], [10.4, 0.1]]),
            f("building", "Wall", rect(5.0, 0.5, 5.5, 1.5)),
        ],
    );
    let link = (0.4f64.powi(2) + 0.1f64.powi(2)).sqrt();
    let expected = 1.0 + 10.0 + link + 0.5;
    let got = walk(&s, "1", "C1");
    assert!((got - expected).abs() < 1e-9, "{got} vs {expected}");
}

#[test]
fn the_network_is_the_same_whatever_the_order_or_direction_of_the_walkways() {
    let lines = [
        ("W1", vec![[0.0, 0.0], [20.0, 0.0]]),
        ("W2", vec![[10.0, 10.0], [10.0, 0.3], [10.2, 0.1]]),
        ("W3", vec![[20.3, 0.2], [20.3, 15.0], [0.0, 15.0]]),
        ("W4", vec![[0.0, 15.4], [-5.0, 15.4]]),
    ];
    let build = |reverse: bool, rotate: usize| {
        let mut ws: Vec<Value> = lines
            .iter()
            .map(|(id, pts)| {
                let mut pts = pts.clone();
                if reverse {
                    pts.reverse();
                }
                line(id, &pts)
            })
            .collect();
        ws.rotate_left(rotate);
        let s = site(20.0, ws);
        let b = base_network(&s);
        (b.nodes, b.pieces, b.links)
    };
    let reference = build(false, 0);
    assert!(!reference.2.is_empty());
    for reverse in [false, true] {
        for rotate in 0..lines.len() {
            assert_eq!(build(reverse, rotate), reference, "{reverse} {rotate}");
        }
    }
}

#[test]
fn a_network_in_pieces_falls_back_to_the_straight_line_with_a_warning() {
    let s = site(
        18.0,
        vec![
            entrance("E1", "1", 0.0, 1.0),
            point("charging_bay", "C1", 10.0, 21.0),
            line("W1", &[[0.0, 0.0], [10.0, 0.0]]),
            line("W2", &[[0.0, 20.0], [10.0, 20.0]]),
        ],
    );
    let m = walking_distances(&s);
    assert!((m.get(0, 0) - 500.0f64.sqrt()).abs() < 1e-9);
    assert_eq!(m.warnings.len(), 1);
    assert_eq!(m.warnings[0].rule, "W-walkway-network");
    assert_eq!(m.warnings[0].features, vec!["E1", "C1"]);
}

#[test]
fn the_nearest_of_a_units_entrances_counts() {
    let s = site(
        20.0,
        vec![
            entrance("E1", "1", 0.0, 1.0),
            entrance("E2", "1", 30.0, 1.0),
            entrance("E3", "2", 0.0, -1.0),
            point("charging_bay", "C1", 31.0, 1.0),
        ],
    );
    let m = walking_distances(&s);
    assert_eq!(
        m.units,
        vec![
            ("B".to_string(), "1".to_string()),
            ("B".to_string(), "2".to_string())
        ]
    );
    assert!((walk(&s, "1", "C1") - 1.0).abs() < 1e-9);
    assert!((walk(&s, "2", "C1") - (31.0f64.powi(2) + 4.0).sqrt()).abs() < 1e-9);
    assert_eq!(m.get(5, 0), f64::INFINITY);
    assert_eq!(m.unit_index("B", "9"), None);
}

#[test]
fn crossings_shallower_than_five_centimetres_are_ignored() {
    let s = site(10.0, vec![]);
    let obstacles = Obstacles::new(&s);
    // Building B spans y 2–10: a segment 3 cm inside its top edge passes,
    // one 10 cm inside is blocked, one touching a corner passes.
    assert!(!obstacles.blocks(Coord { x: -5.0, y: 9.97 }, Coord { x: 15.0, y: 9.97 }));
    assert!(obstacles.blocks(Coord { x: -5.0, y: 9.9 }, Coord { x: 15.0, y: 9.9 }));
    assert!(!obstacles.blocks(Coord { x: 0.0, y: 4.0 }, Coord { x: 4.0, y: 0.0 }));
    assert!(obstacles.blocks(Coord { x: 0.0, y: 4.2 }, Coord { x: 4.2, y: 0.0 }));
}

#[test]
fn an_entrance_drawn_inside_its_building_walks_out_of_its_nearest_wall() {
    // E1 is 0.5 m inside B's south wall; C1 lies south of B: a clear walk.
    // C2 lies north of B: the straight line would cross B, so the route counts.
    let s = site(
        20.0,
        vec![
            entrance("E1", "1", 5.0, 2.5),
            point("charging_bay", "C1", 5.0, -3.0),
            point("charging_bay", "C2", 5.0, 25.0),
            line("W1", &[[0.0, 0.0], [10.0, 0.0], [10.0, 25.0], [6.0, 25.0]]),
        ],
    );
    assert!((walk(&s, "1", "C1") - 5.5).abs() < 1e-9);
    // 2.5 (connector to (5, 0)) + 5 + 25 + 4 + 1 (connector to C2).
    assert!((walk(&s, "1", "C2") - 37.5).abs() < 1e-9);
}

#[test]
fn a_grid_site_is_measured_quickly_and_consistently() {
    // 40 entrances × 1,500 resources over a walkway grid, in debug mode.
    let mut fs = Vec::new();
    for i in 0..=10 {
        let c = i as f64 * 20.0;
        fs.push(line(&format!("WH{i}"), &[[0.0, c], [200.0, c]]));
        fs.push(line(&format!("WV{i}"), &[[c, 0.0], [c, 200.0]]));
    }
    for i in 0..40 {
        fs.push(entrance(
            &format!("E{i}"),
            &format!("{i}"),
            1.0 + (i % 10) as f64 * 20.0,
            1.0 + (i / 10) as f64 * 40.0,
        ));
    }
    for i in 0..1500 {
        let (x, y) = (3.0 + (i % 50) as f64 * 3.9, 5.0 + (i / 50) as f64 * 6.3);
        fs.push(f(
            "parking_space",
            &format!("P{i}"),
            rect(x, y, x + 2.5, y + 5.3),
        ));
    }
    let s = site(20.0, fs);
    let t = std::time::Instant::now();
    let m = walking_distances(&s);
    let secs = t.elapsed().as_secs_f64();
    assert!(secs < 20.0, "took {secs} s");
    // Every walk is at least the straight distance and finite on a connected grid.
    for (u, (_, unit)) in m.units.iter().enumerate() {
        let e = s.entrances.iter().find(|e| &e.unit == unit).unwrap();
        for (j, r) in s.resources.iter().enumerate() {
            let Shape::Polygon(p) = &r.shape else {
                unreachable!()
            };
            let straight = closest_on_polygon(e.point.0, p).1;
            let w = m.get(u, j);
            assert!(
                w.is_finite() && w + 1e-9 >= straight,
                "{unit} {} {w} {straight}",
                r.id
            );
        }
    }
    assert!(m.warnings.is_empty());
    eprintln!("grid walk matrix: {secs:.3} s");
}
