//! Rule 1's polygon validity, at the cost of an R-tree instead of a square.
//!
//! geo's `Validation` finds a ring's self-intersection by testing every pair
//! of its edges: 4,000 vertices are 16 M tests, and a layout may hold a
//! hundred such polygons. [`polygon_problems`] answers exactly what geo's
//! `validation_errors()` answers (same checks, same order, same texts; the
//! tests compare the two), but tests only the pairs of edges whose bounding
//! boxes meet, found with an R-tree, and stops at the first crossing of a
//! ring. The checks between holes and shell are geo's own (`Relate` on a
//! prepared geometry, already indexed).

use geo::algorithm::validation::{InvalidPolygon, RingRole};
use geo::{coordinate_position::CoordPos, dimensions::Dimensions, Validation};
use geo::{Intersects, Line, LineString, Polygon, PreparedGeometry, Relate, RemoveRepeatedPoints};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

/// Whether two edges of one ring cross or touch other than where they are
/// joined (geo's definition of a ring's self-intersection).
fn edges_meet(a: &Line<f64>, b: &Line<f64>) -> bool {
    a.intersects(b) && a.start != b.end && a.end != b.start
}

/// An edge's bounding box.
fn edge_box(e: &Line<f64>) -> AABB<[f64; 2]> {
    AABB::from_corners([e.start.x, e.start.y], [e.end.x, e.end.y])
}

/// Whether a ring of finite coordinates intersects itself.
pub fn ring_self_intersects(ring: &LineString<f64>) -> bool {
    let edges: Vec<Line<f64>> = ring.lines().collect();
    let tree = RTree::bulk_load(
        edges
            .iter()
            .enumerate()
            .map(|(i, e)| GeomWithData::new(Rectangle::from_aabb(edge_box(e)), i))
            .collect(),
    );
    edges.iter().enumerate().any(|(i, e)| {
        tree.locate_in_envelope_intersecting(&edge_box(e))
            .filter(|g| g.data > i)
            .any(|g| edges.get(g.data).is_some_and(|o| edges_meet(e, o)))
    })
}

/// The problems geo's `validation_errors()` finds in `poly`, in its order.
pub fn polygon_problems(poly: &Polygon<f64>) -> Vec<InvalidPolygon> {
    let finite = poly
        .exterior()
        .coords()
        .chain(poly.interiors().iter().flat_map(|r| r.coords()))
        .all(|c| c.x.is_finite() && c.y.is_finite());
    if !finite {
        // Non-finite coordinates cannot be boxed: geo's own check (still
        // bounded by the vertex limit), for a layout that is broken anyway.
        return poly.validation_errors();
    }
    let mut problems = Vec::new();
    if poly.exterior().0.is_empty() {
        return problems;
    }
    let rings = std::iter::once(poly.exterior()).chain(poly.interiors());
    for (k, ring) in rings.enumerate() {
        if ring.0.is_empty() {
            continue;
        }
        let role = match k {
            0 => RingRole::Exterior,
            k => RingRole::Interior(k - 1),
        };
        if ring.remove_repeated_points().0.len() < 4 {
            problems.push(InvalidPolygon::TooFewPointsInRing(role));
        }
        if ring_self_intersects(ring) {
            problems.push(InvalidPolygon::SelfIntersection(role));
        }
    }
    let holes: Vec<(usize, Polygon<f64>)> = poly
        .interiors()
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.0.is_empty())
        .map(|(k, r)| (k, Polygon::new(r.clone(), vec![])))
        .collect();
    if holes.is_empty() {
        return problems;
    }
    let shell = Polygon::new(poly.exterior().clone(), vec![]);
    let shell = PreparedGeometry::from(&shell);
    for (n, (k, hole)) in holes.iter().enumerate() {
        let prepared = PreparedGeometry::from(hole);
        let m = shell.relate(&prepared);
        if !m.is_contains() {
            problems.push(InvalidPolygon::InteriorRingNotContainedInExteriorRing(
                RingRole::Interior(*k),
            ));
        }
        if m.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
            problems.push(InvalidPolygon::IntersectingRingsOnALine(
                RingRole::Exterior,
                RingRole::Interior(*k),
            ));
        }
        for (k2, other) in holes.iter().skip(n + 1) {
            let m = prepared.relate(other);
            if m.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::TwoDimensional {
                problems.push(InvalidPolygon::IntersectingRingsOnAnArea(
                    RingRole::Interior(*k),
                    RingRole::Interior(*k2),
                ));
            }
            if m.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
                problems.push(InvalidPolygon::IntersectingRingsOnALine(
                    RingRole::Interior(*k),
                    RingRole::Interior(*k2),
                ));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Coord};
    use proptest::prelude::*;

    /// A ring through `points` (closed), on a small grid so that edges often
    /// touch, overlap and run along one another.
    fn ring(points: &[(i8, i8)]) -> LineString<f64> {
        let mut coords: Vec<Coord<f64>> = points
            .iter()
            .map(|&(x, y)| Coord {
                x: f64::from(x),
                y: f64::from(y),
            })
            .collect();
        if let Some(&first) = coords.first() {
            coords.push(first);
        }
        LineString::new(coords)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn the_indexed_check_answers_exactly_what_geo_answers(
            shell in prop::collection::vec((0i8..6, 0i8..6), 0..9),
            holes in prop::collection::vec(prop::collection::vec((0i8..6, 0i8..6), 0..6), 0..3),
        ) {
            let poly = Polygon::new(ring(&shell), holes.iter().map(|h| ring(h)).collect());
            prop_assert_eq!(polygon_problems(&poly), poly.validation_errors());
        }
    }

    #[test]
    fn touching_and_crossing_edges_are_self_intersections_but_joints_are_not() {
        let square =
            polygon![(x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 4.0, y: 4.0), (x: 0.0, y: 4.0)];
        assert!(polygon_problems(&square).is_empty());
        let bow_tie =
            polygon![(x: 0.0, y: 0.0), (x: 4.0, y: 4.0), (x: 4.0, y: 0.0), (x: 0.0, y: 4.0)];
        assert_eq!(
            polygon_problems(&bow_tie),
            [InvalidPolygon::SelfIntersection(RingRole::Exterior)]
        );
        // A vertex touching a far edge (a pinched ring).
        let pinched = polygon![(x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 2.0, y: 2.0), (x: 4.0, y: 4.0),
            (x: 0.0, y: 4.0), (x: 2.0, y: 2.0)];
        assert_eq!(polygon_problems(&pinched), pinched.validation_errors());
        assert!(!polygon_problems(&pinched).is_empty());
    }

    #[test]
    fn a_ring_of_four_thousand_vertices_is_checked_like_geo_does() {
        // A star: 4,000 short edges, valid; then one spike pulled across.
        let mut coords: Vec<Coord<f64>> = (0..4000)
            .map(|k| {
                let a = std::f64::consts::TAU * f64::from(k) / 4000.0;
                let r = if k % 2 == 0 { 5.0 } else { 4.0 };
                Coord {
                    x: r * a.cos(),
                    y: r * a.sin(),
                }
            })
            .collect();
        let star = Polygon::new(LineString::new(coords.clone()), vec![]);
        assert!(polygon_problems(&star).is_empty());
        if let Some(c) = coords.get_mut(1000) {
            *c = Coord { x: -6.0, y: 0.5 };
        }
        let crossed = Polygon::new(LineString::new(coords), vec![]);
        assert_eq!(
            polygon_problems(&crossed),
            [InvalidPolygon::SelfIntersection(RingRole::Exterior)]
        );
    }
}
