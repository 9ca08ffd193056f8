//! The `W-fire-lane-width` warning: is a fire lane narrower than GB 50016's
//! 4 m somewhere, and about how wide is it at its narrowest?
//!
//! The check buffers the lane ([`fire_lane_narrower_than`]), and a buffer's
//! work grows with the pairs of edges that lie closer to each other than the
//! width (their offset curves cross): a lane of a few hundred ordinary edges
//! has a few thousand such pairs, a star of thin spikes millions. So the
//! check runs within two budgets per layout — fire-lane vertices and close
//! edge pairs, counted before buffering ([`close_edge_pairs`]) — and a lane
//! past either is named in a warning as not measured, never silently passed.

use super::measure::{dist, ring_segments};
use super::validate::{FIRE_LANE_WIDTH_M, SIZE_TOLERANCE_M};
use crate::model::{Problem, Rule, Site};
use geo::{Area, Buffer, Coord, Distance, Euclidean, Line, MultiPolygon, Polygon};
use rstar::{PointDistance, RTree, RTreeObject, AABB};
use std::collections::BTreeSet;

/// Fire-lane vertices per layout whose width is measured (a real lane has
/// tens; a curved one a few hundred).
pub const FIRE_LANE_VERTEX_BUDGET: usize = 4_096;

/// Pairs of fire-lane edges closer than the width to each other that the
/// checks of one layout may buffer (about 4 µs and 200 bytes each in a
/// release build; a lane of 2,000 vertices along a 5 m wide curve has some
/// 30,000, a 4,000-vertex star of thin spikes over 7 million). The estimate
/// of a narrow lane's width is charged eight times its pairs.
pub const FIRE_LANE_PAIR_BUDGET: usize = 250_000;

/// Up to this many vertices a narrow lane's narrowest width is estimated
/// (eight more checks); above, it is only reported narrower than 4 m.
pub const FIRE_LANE_ESTIMATE_VERTICES: usize = 512;

/// Bisection steps of [`estimated_min_width`].
const ESTIMATE_STEPS: usize = 8;

/// Appends a `W-fire-lane-width` warning for every valid fire lane that is
/// narrower than 4 m, or that the budgets left unmeasured; lanes in id order.
pub fn fire_lane_warnings(site: &Site, invalid: &BTreeSet<String>, warnings: &mut Vec<Problem>) {
    let width = FIRE_LANE_WIDTH_M - SIZE_TOLERANCE_M;
    let mut lanes: Vec<&crate::model::Zone> = site
        .fire_lanes
        .iter()
        .filter(|lane| !invalid.contains(&lane.id))
        .collect();
    lanes.sort_by(|a, b| a.id.cmp(&b.id));
    let mut vertex_budget = FIRE_LANE_VERTEX_BUDGET;
    let mut pair_budget = FIRE_LANE_PAIR_BUDGET;
    for lane in lanes {
        if crate::cancel::cancelled() {
            break;
        }
        let not_measured = |why: String| {
            Problem::new(
                Rule::WFireLaneWidth,
                format!(
                    "fire lane {} was not measured: {why}; simplify the lane to have it checked against GB 50016's {FIRE_LANE_WIDTH_M} m",
                    lane.id
                ),
            )
            .feature(lane.id.clone())
        };
        let vertices = lane.polygon.exterior().0.len()
            + lane
                .polygon
                .interiors()
                .iter()
                .map(|r| r.0.len())
                .sum::<usize>();
        if vertices > vertex_budget {
            warnings.push(not_measured(format!(
                "it has {vertices} vertices and the width check stops after {FIRE_LANE_VERTEX_BUDGET} fire-lane vertices per layout"
            )));
            continue;
        }
        // Counting the pairs is work too: the vertex budget pays for it.
        vertex_budget -= vertices;
        let Some(pairs) = close_edge_pairs(&lane.polygon, width, pair_budget) else {
            warnings.push(not_measured(format!(
                "its outline is too intricate (more than {pair_budget} pairs of its edges lie closer than {width} m to each other; the width check buffers at most {FIRE_LANE_PAIR_BUDGET} such pairs per layout)"
            )));
            continue;
        };
        pair_budget -= pairs;
        if !fire_lane_narrower_than(&lane.polygon, width) {
            continue;
        }
        // The estimate costs eight more checks, each on no more pairs than this
        // one: only for ordinary lanes, and only while the budget allows.
        let estimate_cost = pairs.saturating_mul(ESTIMATE_STEPS);
        let message = if vertices <= FIRE_LANE_ESTIMATE_VERTICES && estimate_cost <= pair_budget {
            pair_budget -= estimate_cost;
            let w = estimated_min_width(&lane.polygon);
            format!(
                "fire lane {} is about {w:.1} m wide at its narrowest; GB 50016 asks for at least {FIRE_LANE_WIDTH_M} m",
                lane.id
            )
        } else {
            format!(
                "fire lane {} is narrower than {FIRE_LANE_WIDTH_M} m somewhere; GB 50016 asks for at least {FIRE_LANE_WIDTH_M} m",
                lane.id
            )
        };
        warnings.push(Problem::new(Rule::WFireLaneWidth, message).feature(lane.id.clone()));
    }
}

/// The pairs of the polygon's edges (any rings, neighbours along a ring not
/// counted) that lie closer than `within` to each other, or `None` as soon as
/// there are more than `limit`. Edges in an R-tree, each asking only for the
/// edges whose boxes come within `within` of its own.
pub fn close_edge_pairs(poly: &Polygon<f64>, within: f64, limit: usize) -> Option<usize> {
    struct Edge {
        line: Line<f64>,
        ring: usize,
        index: usize,
    }
    impl RTreeObject for Edge {
        type Envelope = AABB<[f64; 2]>;
        fn envelope(&self) -> Self::Envelope {
            let (a, b) = (self.line.start, self.line.end);
            AABB::from_corners([a.x, a.y], [b.x, b.y])
        }
    }
    let rings: Vec<&geo::LineString<f64>> = std::iter::once(poly.exterior())
        .chain(poly.interiors())
        .collect();
    let edges: Vec<Edge> = rings
        .iter()
        .enumerate()
        .flat_map(|(ring, r)| {
            r.lines()
                .enumerate()
                .map(move |(index, line)| Edge { line, ring, index })
        })
        .collect();
    let ring_edges: Vec<usize> = rings.iter().map(|r| r.0.len().saturating_sub(1)).collect();
    let tree = RTree::bulk_load(edges);
    let mut pairs = 0usize;
    for e in tree.iter() {
        let env = e.envelope();
        let (lo, hi) = (env.lower(), env.upper());
        let query = AABB::from_corners(
            [lo[0] - within, lo[1] - within],
            [hi[0] + within, hi[1] + within],
        );
        for f in tree.locate_in_envelope_intersecting(&query) {
            // Each unordered pair once; neighbours along a ring share a vertex.
            if (f.ring, f.index) <= (e.ring, e.index) {
                continue;
            }
            let n = ring_edges[e.ring];
            if f.ring == e.ring && (f.index - e.index == 1 || f.index - e.index + 1 == n) {
                continue;
            }
            if Euclidean.distance(&e.line, &f.line) < within {
                pairs += 1;
                if pairs > limit {
                    return None;
                }
            }
        }
    }
    Some(pairs)
}

/// How far (in units of the half-width) the tip of an 80° corner lies from
/// the largest disc fitting into it: `1 / sin 40° − 1`. Corners of 80° or more
/// (right angles, and polygonised curves, whose corners fall a little short of
/// 90°) pass; sharper ones are reported.
const CORNER_SLACK: f64 = 0.555_723_826_860_412_6;

/// Whether a lane is narrower than `width` somewhere.
///
/// Method (morphological opening): erode the lane by `r = width / 2`, dilate
/// the result by `r` again. The opening is the union of every disc of
/// diameter `width` that fits inside the lane, i.e. the places a `width`-wide
/// vehicle can sweep. Where the lane is narrower than `width` (a neck, a thin
/// spur, a uniformly thin lane) its boundary lies far from the opening; at an
/// ordinary right-angled corner the opening misses only the corner tip, at
/// `r(√2 − 1)`. So the lane is reported narrower than `width` when the erosion
/// is empty or falls apart (a neck or pinch cuts it), or when some point of
/// its boundary (sampled every 0.25 m) lies farther than
/// `r·CORNER_SLACK + 0.05 m` from the opening (a thin spur or end). Corners
/// sharper than 80° are reported too (a vehicle cannot use their tip either).
pub fn fire_lane_narrower_than(lane: &Polygon<f64>, width: f64) -> bool {
    let r = width / 2.0;
    if r <= 0.0 {
        return false;
    }
    let eroded: MultiPolygon<f64> = lane.buffer(-r);
    let parts = eroded.0.iter().filter(|p| p.unsigned_area() > 1e-4).count();
    if parts != 1 {
        // Emptied (narrow all along) or cut in two (a neck or pinch).
        return true;
    }
    let opened: MultiPolygon<f64> = eroded.buffer(r);
    let slack = r * CORNER_SLACK + SIZE_TOLERANCE_M;
    // The opening's edges in an R-tree: each sample asks for its nearest
    // edge (a lane of 4,000 vertices has tens of thousands of samples).
    let edges = RTree::bulk_load(
        opened
            .0
            .iter()
            .flat_map(ring_segments)
            .map(|(a, b)| rstar::primitives::Line::new([a.x, a.y], [b.x, b.y]))
            .collect(),
    );
    // Farther than `slack` from the opening: from its boundary, and not inside it.
    let far = |c: Coord<f64>| {
        let near_edge = edges
            .nearest_neighbor(&[c.x, c.y])
            .is_some_and(|e| e.distance_2(&[c.x, c.y]).sqrt() <= slack);
        !near_edge
            && !opened
                .0
                .iter()
                .any(|p| super::measure::inside_even_odd(c, p))
    };
    for (a, b) in ring_segments(lane) {
        let steps = (dist(a, b) / 0.25).ceil().max(1.0) as usize;
        for k in 0..=steps {
            let t = k as f64 / steps as f64;
            if far(a + (b - a) * t) {
                return true;
            }
        }
    }
    false
}

/// The lane's narrowest width, to 0.02 m, by bisection on [`fire_lane_narrower_than`].
pub(crate) fn estimated_min_width(lane: &Polygon<f64>) -> f64 {
    let (mut lo, mut hi) = (0.0, FIRE_LANE_WIDTH_M);
    for _ in 0..ESTIMATE_STEPS {
        if crate::cancel::cancelled() {
            break;
        }
        let mid = (lo + hi) / 2.0;
        if fire_lane_narrower_than(lane, mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    (lo + hi) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CoordinateMode, Zone};
    use geo::polygon;

    fn rect(x0: f64, y0: f64, w: f64, h: f64) -> Polygon<f64> {
        polygon![(x: x0, y: y0), (x: x0 + w, y: y0), (x: x0 + w, y: y0 + h), (x: x0, y: y0 + h)]
    }

    /// A star of `n` vertices alternating between radii `outer` and `inner`.
    fn star(n: usize, outer: f64, inner: f64) -> Polygon<f64> {
        let pts: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                let r = if i % 2 == 0 { outer } else { inner };
                let a = std::f64::consts::TAU * i as f64 / n as f64;
                (100.0 + r * a.cos(), 100.0 + r * a.sin())
            })
            .collect();
        Polygon::new(pts.into(), vec![])
    }

    /// Every pair of edges, the oracle of [`close_edge_pairs`].
    fn brute_force_pairs(poly: &Polygon<f64>, within: f64) -> usize {
        let rings: Vec<Vec<Line<f64>>> = std::iter::once(poly.exterior())
            .chain(poly.interiors())
            .map(|r| r.lines().collect())
            .collect();
        let mut pairs = 0;
        for (ri, r) in rings.iter().enumerate() {
            for (i, e) in r.iter().enumerate() {
                for (rj, s) in rings.iter().enumerate().skip(ri) {
                    let from = if rj == ri { i + 1 } else { 0 };
                    for (j, f) in s.iter().enumerate().skip(from) {
                        let neighbours = ri == rj && (j == i + 1 || (i == 0 && j + 1 == r.len()));
                        if !neighbours && Euclidean.distance(e, f) < within {
                            pairs += 1;
                        }
                    }
                }
            }
        }
        pairs
    }

    fn site_with_lanes(lanes: Vec<(&str, Polygon<f64>)>) -> Site {
        Site {
            fire_lanes: lanes
                .into_iter()
                .map(|(id, polygon)| Zone {
                    id: id.into(),
                    reason: None,
                    polygon,
                })
                .collect(),
            ..Site::empty(CoordinateMode::LocalMeters)
        }
    }

    fn lane_messages(site: &Site) -> Vec<(String, String)> {
        let mut warnings = Vec::new();
        fire_lane_warnings(site, &BTreeSet::new(), &mut warnings);
        warnings
            .into_iter()
            .map(|p| (p.feature.unwrap_or_default(), p.message))
            .collect()
    }

    #[test]
    fn close_edge_pairs_agree_with_every_pair_compared() {
        let with_hole = Polygon::new(
            rect(0.0, 0.0, 20.0, 20.0).exterior().clone(),
            vec![rect(3.0, 3.0, 14.0, 14.0).exterior().clone()],
        );
        let shapes = [
            rect(0.0, 0.0, 4.0, 40.0),
            rect(0.0, 0.0, 3.5, 40.0),
            with_hole,
            star(40, 12.0, 9.0),
            star(200, 12.0, 2.0),
            star(301, 30.0, 25.0),
        ];
        for (k, shape) in shapes.iter().enumerate() {
            for within in [0.5, 3.95, 8.0] {
                assert_eq!(
                    close_edge_pairs(shape, within, usize::MAX),
                    Some(brute_force_pairs(shape, within)),
                    "shape {k}, within {within}"
                );
            }
        }
        // The two long sides of a 3.5 m lane are the only close pair; of a 4 m one, none.
        assert_eq!(
            close_edge_pairs(&rect(0.0, 0.0, 3.5, 40.0), 3.95, 10),
            Some(1)
        );
        assert_eq!(
            close_edge_pairs(&rect(0.0, 0.0, 4.0, 40.0), 3.95, 10),
            Some(0)
        );
    }

    #[test]
    fn close_edge_pairs_stop_counting_past_the_limit() {
        let spiky = star(400, 12.0, 2.0);
        let all = brute_force_pairs(&spiky, 3.95);
        assert!(all > 1_000, "{all}");
        assert_eq!(close_edge_pairs(&spiky, 3.95, all), Some(all));
        assert_eq!(close_edge_pairs(&spiky, 3.95, all - 1), None);
    }

    #[test]
    fn a_lane_of_thin_spikes_is_named_as_too_intricate_not_buffered() {
        // 4,000 vertices, spikes 10 m deep and 3 cm wide: millions of close pairs.
        let site = site_with_lanes(vec![
            ("SPIKY", star(4_000, 12.0, 2.0)),
            ("OK", rect(0.0, 0.0, 6.0, 40.0)),
        ]);
        let messages = lane_messages(&site);
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert_eq!(messages[0].0, "SPIKY");
        assert!(messages[0].1.contains("too intricate"), "{messages:?}");
        assert!(messages[0].1.contains("was not measured"), "{messages:?}");
    }

    #[test]
    fn a_narrow_ordinary_lane_is_measured_and_estimated() {
        let site = site_with_lanes(vec![("N", rect(0.0, 0.0, 3.0, 40.0))]);
        let messages = lane_messages(&site);
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(messages[0].1.contains("about 3.0 m wide"), "{messages:?}");
    }

    #[test]
    fn the_pair_budget_pays_for_checks_first_and_estimates_only_when_it_can() {
        // 500 vertices (the estimate's vertex bound allows them), spikes
        // 10 m deep: between a third and a half of the budget in close pairs.
        let lane = star(500, 12.0, 2.0);
        let pairs = close_edge_pairs(&lane, 3.95, usize::MAX).unwrap();
        assert!(
            3 * pairs > FIRE_LANE_PAIR_BUDGET && 2 * pairs < FIRE_LANE_PAIR_BUDGET,
            "{pairs}"
        );
        let site = site_with_lanes(vec![("A", lane.clone()), ("B", lane.clone()), ("C", lane)]);
        // A and B are measured (no estimate: eight more checks would not fit), C is not.
        let expected = [
            ("A", "narrower than 4 m somewhere"),
            ("B", "narrower than 4 m somewhere"),
            ("C", "too intricate"),
        ];
        let messages = lane_messages(&site);
        assert_eq!(messages.len(), expected.len(), "{messages:?}");
        for ((id, message), (want_id, want)) in messages.iter().zip(expected) {
            assert_eq!(id, want_id);
            assert!(message.contains(want), "{id}: {message}");
        }
        // Alone, a small narrow lane still gets its estimate.
        let site = site_with_lanes(vec![("S", star(40, 12.0, 9.0))]);
        let messages = lane_messages(&site);
        assert!(
            messages[0].1.contains("m wide at its narrowest"),
            "{messages:?}"
        );
    }
}
