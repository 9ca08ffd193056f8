//! Small exact planar measures shared by validation and walking distances.

use geo::{Coord, Intersects, Line, Point, Polygon, Rect};

/// Euclidean distance between two coordinates.
pub fn dist(a: Coord<f64>, b: Coord<f64>) -> f64 {
    (a.x - b.x).hypot(a.y - b.y)
}

/// The point of segment `a–b` nearest to `p`, its parameter `t ∈ [0, 1]` and the distance.
pub fn closest_on_segment(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> (Coord<f64>, f64, f64) {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let q = Coord {
        x: a.x + t * dx,
        y: a.y + t * dy,
    };
    (q, t, dist(p, q))
}

/// Every edge of a polygon's rings.
pub fn ring_segments(poly: &Polygon<f64>) -> impl Iterator<Item = (Coord<f64>, Coord<f64>)> + '_ {
    std::iter::once(poly.exterior())
        .chain(poly.interiors())
        .flat_map(|r| r.0.windows(2).map(|w| (w[0], w[1])))
}

/// The point of a polygon nearest to `p` and the distance: `p` itself and 0
/// when `p` is inside or on the polygon, else the nearest boundary point.
pub fn closest_on_polygon(p: Coord<f64>, poly: &Polygon<f64>) -> (Coord<f64>, f64) {
    if poly.intersects(&Point::from(p)) {
        return (p, 0.0);
    }
    let mut best = (p, f64::INFINITY);
    for (a, b) in ring_segments(poly) {
        let (q, _, d) = closest_on_segment(p, a, b);
        if d < best.1 {
            best = (q, d);
        }
    }
    best
}

/// The point of segment `a–b` nearest to a polygon, its parameter on the
/// segment and the distance (0 when the segment meets the polygon; the point is
/// then the first point of the segment, from `a`, that lies in the polygon).
pub fn segment_closest_to_polygon(
    a: Coord<f64>,
    b: Coord<f64>,
    poly: &Polygon<f64>,
) -> (Coord<f64>, f64, f64) {
    if poly.intersects(&Point::from(a)) {
        return (a, 0.0, 0.0);
    }
    let seg = Line::new(a, b);
    let mut first_hit: Option<(f64, Coord<f64>)> = None;
    for (c, d) in ring_segments(poly) {
        if let Some(i) = geo::line_intersection::line_intersection(seg, Line::new(c, d)) {
            let q = match i {
                geo::LineIntersection::SinglePoint { intersection, .. } => intersection,
                geo::LineIntersection::Collinear { intersection } => {
                    if dist(a, intersection.start) <= dist(a, intersection.end) {
                        intersection.start
                    } else {
                        intersection.end
                    }
                }
            };
            let t = closest_on_segment(q, a, b).1;
            if first_hit.is_none_or(|(t0, _)| t < t0) {
                first_hit = Some((t, q));
            }
        }
    }
    if let Some((t, q)) = first_hit {
        return (q, t, 0.0);
    }
    let mut best = (a, 0.0, f64::INFINITY);
    for end in [a, b] {
        let (_, d) = closest_on_polygon(end, poly);
        if d < best.2 {
            best = (end, if end == a { 0.0 } else { 1.0 }, d);
        }
    }
    for (c, _) in ring_segments(poly) {
        let (q, t, d) = closest_on_segment(c, a, b);
        if d < best.2 {
            best = (q, t, d);
        }
    }
    best
}

/// Whether segment `a–b` meets rectangle `r` (slab test, exact).
pub fn segment_meets_rect(a: Coord<f64>, b: Coord<f64>, r: &Rect<f64>) -> bool {
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    let d = b - a;
    for (p, dp, lo, hi) in [
        (a.x, d.x, r.min().x, r.max().x),
        (a.y, d.y, r.min().y, r.max().y),
    ] {
        if dp == 0.0 {
            if p < lo || p > hi {
                return false;
            }
        } else {
            let (mut u0, mut u1) = ((lo - p) / dp, (hi - p) / dp);
            if u0 > u1 {
                std::mem::swap(&mut u0, &mut u1);
            }
            t0 = t0.max(u0);
            t1 = t1.min(u1);
            if t0 > t1 {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn the_nearest_point_of_a_polygon_is_on_its_boundary_or_the_point_itself_inside() {
        let sq = polygon![(x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 4.0, y: 4.0), (x: 0.0, y: 4.0)];
        let (q, d) = closest_on_polygon(Coord { x: 7.0, y: 2.0 }, &sq);
        assert_eq!((q.x, q.y, d), (4.0, 2.0, 3.0));
        assert_eq!(closest_on_polygon(Coord { x: 1.0, y: 1.0 }, &sq).1, 0.0);
    }

    #[test]
    fn a_segment_passing_a_polygon_reports_its_nearest_point() {
        let sq = polygon![(x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 4.0, y: 4.0), (x: 0.0, y: 4.0)];
        let (q, t, d) =
            segment_closest_to_polygon(Coord { x: -2.0, y: 6.0 }, Coord { x: 8.0, y: 6.0 }, &sq);
        assert!((d - 2.0).abs() < 1e-12 && (0.2..=0.6).contains(&t) && q.y == 6.0);
        let (q, t, d) =
            segment_closest_to_polygon(Coord { x: -2.0, y: 2.0 }, Coord { x: 8.0, y: 2.0 }, &sq);
        assert_eq!((q.x, q.y, d), (0.0, 2.0, 0.0));
        assert!((t - 0.2).abs() < 1e-12);
    }

    #[test]
    fn the_slab_test_tells_segments_that_miss_a_rectangle() {
        let r = Rect::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 1.0, y: 1.0 });
        assert!(segment_meets_rect(
            Coord { x: -1.0, y: 0.5 },
            Coord { x: 2.0, y: 0.5 },
            &r
        ));
        assert!(!segment_meets_rect(
            Coord { x: -1.0, y: 1.5 },
            Coord { x: 1.5, y: 3.0 },
            &r
        ));
        assert!(!segment_meets_rect(
            Coord { x: 0.0, y: 2.5 },
            Coord { x: 2.5, y: 0.0 },
            &r
        ));
    }
}
