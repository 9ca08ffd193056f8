//! Small exact planar measures shared by validation and walking distances.

use geo::{Coord, Line, Polygon, Rect};

/// Euclidean distance between two coordinates.
pub fn dist(a: Coord<f64>, b: Coord<f64>) -> f64 {
    (a.x - b.x).hypot(a.y - b.y)
}

/// The point of segment `a–b` nearest to `p`, its parameter `t ∈ [0, 1]` and the distance.
pub fn closest_on_segment(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> (Coord<f64>, f64, f64) {
    let (q, t) = project_on_segment(p, a, b);
    (q, t, dist(p, q))
}

/// The point of segment `a–b` nearest to `p` and its parameter `t ∈ [0, 1]`
/// (a degenerate segment projects to `a`).
fn project_on_segment(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> (Coord<f64>, f64) {
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
    (q, t)
}

/// Every edge of a polygon's rings.
pub fn ring_segments(poly: &Polygon<f64>) -> impl Iterator<Item = (Coord<f64>, Coord<f64>)> + '_ {
    std::iter::once(poly.exterior())
        .chain(poly.interiors())
        .flat_map(|r| r.0.windows(2).map(|w| (w[0], w[1])))
}

/// Whether `p` lies in the polygon's interior by the even–odd rule over all
/// its rings (points on the boundary may go either way; callers that care
/// also measure the boundary distance).
pub fn inside_even_odd(p: Coord<f64>, poly: &Polygon<f64>) -> bool {
    let mut inside = false;
    for (a, b) in ring_segments(poly) {
        if (a.y > p.y) != (b.y > p.y) {
            let x = a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x);
            if p.x < x {
                inside = !inside;
            }
        }
    }
    inside
}

/// The point of a polygon nearest to `p` and the distance: `p` itself and 0
/// when `p` is inside or on the polygon, else the nearest boundary point.
pub fn closest_on_polygon(p: Coord<f64>, poly: &Polygon<f64>) -> (Coord<f64>, f64) {
    // One pass: squared distances to every edge and the even–odd crossing count.
    let mut best = (p, f64::INFINITY);
    let mut inside = false;
    for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
        for w in ring.0.windows(2) {
            let (a, b) = (w[0], w[1]);
            if (a.y > p.y) != (b.y > p.y) && p.x < a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x) {
                inside = !inside;
            }
            let (q, _) = project_on_segment(p, a, b);
            let d2 = (p.x - q.x) * (p.x - q.x) + (p.y - q.y) * (p.y - q.y);
            if d2 < best.1 {
                best = (q, d2);
            }
        }
    }
    if inside || best.1 == 0.0 {
        return (p, 0.0);
    }
    (best.0, best.1.sqrt())
}

fn orient(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>) -> f64 {
    (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
}

/// Whether segments `a–b` and `c–d` share a point (touching counts).
pub fn segments_meet(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>, d: Coord<f64>) -> bool {
    let (o1, o2) = (orient(a, b, c), orient(a, b, d));
    let (o3, o4) = (orient(c, d, a), orient(c, d, b));
    if ((o1 > 0.0 && o2 < 0.0) || (o1 < 0.0 && o2 > 0.0))
        && ((o3 > 0.0 && o4 < 0.0) || (o3 < 0.0 && o4 > 0.0))
    {
        return true;
    }
    let on = |p: Coord<f64>, q: Coord<f64>, r: Coord<f64>, o: f64| {
        o == 0.0
            && r.x >= p.x.min(q.x)
            && r.x <= p.x.max(q.x)
            && r.y >= p.y.min(q.y)
            && r.y <= p.y.max(q.y)
    };
    on(a, b, c, o1) || on(a, b, d, o2) || on(c, d, a, o3) || on(c, d, b, o4)
}

/// Whether segment `a–b` meets a polygon (its interior or boundary).
pub fn segment_meets_polygon(a: Coord<f64>, b: Coord<f64>, poly: &Polygon<f64>) -> bool {
    inside_even_odd(a, poly) || ring_segments(poly).any(|(c, d)| segments_meet(a, b, c, d))
}

/// The point of segment `a–b` nearest to a polygon, its parameter on the
/// segment and the distance (0 when the segment meets the polygon; the point is
/// then the first point of the segment, from `a`, that lies in the polygon).
pub fn segment_closest_to_polygon(
    a: Coord<f64>,
    b: Coord<f64>,
    poly: &Polygon<f64>,
) -> (Coord<f64>, f64, f64) {
    if closest_on_polygon(a, poly).1 == 0.0 {
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
    fn segments_meeting_polygons_are_told_apart_from_those_passing_by() {
        let sq = polygon![(x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 4.0, y: 4.0), (x: 0.0, y: 4.0)];
        let c = |x: f64, y: f64| Coord { x, y };
        assert!(segment_meets_polygon(c(-1.0, 2.0), c(5.0, 2.0), &sq));
        assert!(
            segment_meets_polygon(c(1.0, 1.0), c(2.0, 2.0), &sq),
            "wholly inside"
        );
        assert!(
            segment_meets_polygon(c(-1.0, 5.0), c(5.0, -1.0), &sq),
            "through a corner region"
        );
        assert!(!segment_meets_polygon(c(0.0, 9.0), c(9.0, 0.0), &sq));
        assert!(
            segment_meets_polygon(c(-2.0, 4.0), c(6.0, 4.0), &sq),
            "along an edge"
        );
        assert!(!inside_even_odd(c(5.0, 2.0), &sq) && inside_even_odd(c(3.0, 2.0), &sq));
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
