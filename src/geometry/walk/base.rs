//! The walkway network before attachments (FORMAT.md §1 "Walking
//! distance"): the set of walkway segments, split at crossings, with links
//! joining near vertices and segments. A pure function of the segments'
//! coordinates, in coordinate order throughout.

use super::{JOIN_M, TOUCH_M};
use crate::geometry::measure::{closest_on_segment, dist};
use crate::model::Site;
use geo::{Coord, Line, Point};
use rstar::primitives::GeomWithData;
use rstar::{RTree, AABB};
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// The walkway network before attachments: nodes in coordinate order, the
/// walkway pieces and the links, each an undirected edge `(u, v)` with
/// `u < v`, sorted.
pub(super) struct BaseNetwork {
    pub nodes: Vec<Coord<f64>>,
    pub pieces: Vec<(usize, usize)>,
    pub links: Vec<(usize, usize)>,
}

/// Coordinate order: by x, then y (total order; `-0.0` is normalised away first).
pub(super) fn by_coords(a: &Coord<f64>, b: &Coord<f64>) -> Ordering {
    a.x.total_cmp(&b.x).then_with(|| a.y.total_cmp(&b.y))
}

fn normalised(c: Coord<f64>) -> Coord<f64> {
    // Adding 0.0 turns -0.0 into 0.0 and leaves every other value unchanged.
    Coord {
        x: c.x + 0.0,
        y: c.y + 0.0,
    }
}

fn envelope(a: Coord<f64>, b: Coord<f64>, pad: f64) -> AABB<Point<f64>> {
    AABB::from_corners(
        Point::new(a.x.min(b.x) - pad, a.y.min(b.y) - pad),
        Point::new(a.x.max(b.x) + pad, a.y.max(b.y) + pad),
    )
}

/// Builds the network from the set of walkway segments (FORMAT.md §1): split
/// at crossings, vertices joined by links to near vertices and segments.
pub(super) fn base_network(site: &Site) -> BaseNetwork {
    // The set of segments, each with its ends in coordinate order.
    let mut segs: Vec<(Coord<f64>, Coord<f64>)> = site
        .walkways
        .iter()
        .flat_map(|w| {
            w.line
                .0
                .windows(2)
                .map(|p| (normalised(p[0]), normalised(p[1])))
        })
        .filter(|(a, b)| {
            a.x.is_finite() && a.y.is_finite() && b.x.is_finite() && b.y.is_finite() && a != b
        })
        .map(|(a, b)| {
            if by_coords(&a, &b) == Ordering::Greater {
                (b, a)
            } else {
                (a, b)
            }
        })
        .collect();
    segs.sort_by(|p, q| by_coords(&p.0, &q.0).then_with(|| by_coords(&p.1, &q.1)));
    segs.dedup();
    let mut vertices: Vec<Coord<f64>> = segs.iter().flat_map(|&(a, b)| [a, b]).collect();
    vertices.sort_by(by_coords);
    vertices.dedup();

    let seg_tree = RTree::bulk_load(
        segs.iter()
            .enumerate()
            .map(|(i, &(a, b))| GeomWithData::new(Line::new(a, b), i))
            .collect::<Vec<_>>(),
    );
    // Points where each segment is split (besides its ends), and the links.
    let mut cuts: Vec<Vec<Coord<f64>>> = vec![Vec::new(); segs.len()];
    let mut links: Vec<(Coord<f64>, Coord<f64>)> = Vec::new();

    // Crossings, each pair once (i < j), away from every end.
    for (i, &(a, b)) in segs.iter().enumerate() {
        for g in seg_tree.locate_in_envelope_intersecting(&envelope(a, b, TOUCH_M)) {
            let j = g.data;
            if j <= i {
                continue;
            }
            let (c, d) = segs[j];
            if let Some(geo::LineIntersection::SinglePoint { intersection, .. }) =
                geo::line_intersection::line_intersection(Line::new(a, b), Line::new(c, d))
            {
                let x = normalised(intersection);
                if [a, b, c, d].iter().all(|&e| dist(x, e) > TOUCH_M) {
                    cuts[i].push(x);
                    cuts[j].push(x);
                }
            }
            // Collinear overlaps end at vertices lying on the other segment:
            // the link rule below joins those.
        }
    }

    // Links from every vertex to the vertices and segments within JOIN_M.
    let vertex_tree = RTree::bulk_load(vertices.iter().map(|c| [c.x, c.y]).collect::<Vec<_>>());
    for &p in &vertices {
        for w in vertex_tree.locate_within_distance([p.x, p.y], JOIN_M * JOIN_M) {
            let w = Coord { x: w[0], y: w[1] };
            if w != p && dist(p, w) < JOIN_M {
                links.push((p, w));
            }
        }
        for g in seg_tree.locate_in_envelope_intersecting(&envelope(p, p, JOIN_M)) {
            let (a, b) = segs[g.data];
            if p == a || p == b {
                continue;
            }
            let (q, t, d) = closest_on_segment(p, a, b);
            // At a segment's end the nearest point is that vertex: the
            // vertex–vertex link above already joins it.
            if d < JOIN_M && t > 0.0 && t < 1.0 {
                let q = normalised(q);
                cuts[g.data].push(q);
                links.push((p, q));
            }
        }
    }

    let mut nodes: Vec<Coord<f64>> = vertices;
    nodes.extend(cuts.iter().flatten().copied());
    nodes.sort_by(by_coords);
    nodes.dedup();
    let index = |c: Coord<f64>| nodes.binary_search_by(|n| by_coords(n, &c)).ok();
    let edge = |p: Coord<f64>, q: Coord<f64>| -> Option<(usize, usize)> {
        let (u, v) = (index(p)?, index(q)?);
        (u != v).then_some((u.min(v), u.max(v)))
    };

    let mut pieces: BTreeSet<(usize, usize)> = BTreeSet::new();
    for (i, &(a, b)) in segs.iter().enumerate() {
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len2 = dx * dx + dy * dy;
        let along = |p: &Coord<f64>| ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2;
        let mut points = std::mem::take(&mut cuts[i]);
        points.sort_by(|p, q| along(p).total_cmp(&along(q)).then_with(|| by_coords(p, q)));
        points.dedup();
        let mut prev = a;
        for p in points.into_iter().chain(std::iter::once(b)) {
            pieces.extend(edge(prev, p));
            prev = p;
        }
    }
    let links: BTreeSet<(usize, usize)> = links
        .into_iter()
        .filter_map(|(p, q)| edge(p, q))
        .filter(|e| !pieces.contains(e))
        .collect();
    BaseNetwork {
        pieces: pieces.into_iter().collect(),
        links: links.into_iter().collect(),
        nodes,
    }
}
