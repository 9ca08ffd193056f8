//! Walking distances from unit entrances to resources (FORMAT.md §1 "Walking distance").
//!
//! The network is a pure function of the walkway geometry: it is built from
//! the set of walkway segments, each with its ends in coordinate order, so
//! neither the order of the features, nor the order of a walkway's drawing
//! direction, nor which walkway a segment came from changes anything.
//! Every tie is broken by coordinates, never by input position.
//!
//! Readings of the spec chosen here:
//! - **Splits.** Two segments cross where they meet more than 1 mm
//!   ([`TOUCH_M`]) from every end of both; both are split at the crossing
//!   point. A line ending on or within 1 mm of another (a touch, a T) is
//!   joined by the link rule below, whose link is then at most 1 mm long.
//! - **Links.** A walkway vertex less than 0.5 m ([`JOIN_M`]) from another
//!   vertex is joined to it by a straight link of their true distance; one
//!   less than 0.5 m from a segment it is not an end of is joined to that
//!   segment's nearest point, which splits the segment there (when that point
//!   is the segment's end, it is the vertex–vertex link). No line is moved.
//!   Entrances and resources join the drawn walkways, not the links.
//! - **Attachments.** An entrance's and a resource's nearest network points
//!   are found once (an R-tree over the walkway pieces), as a piece and a
//!   parameter along it. When several points are equally near (within
//!   1 nm), the one giving the shorter route counts. A route is
//!   `connector + path + connector`, where the path leaves the entrance's
//!   piece by either end (or runs straight along it when both points share
//!   the piece) and enters the resource's piece by either end: exact, with
//!   one Dijkstra per entrance. For a polygon resource the network point is
//!   the one nearest to the polygon and the connector is that point's
//!   distance to the polygon.
//! - **Straight segment.** It runs from the entrance to the resource's nearest
//!   point and "crosses a building" when it meets the building shrunk inward
//!   by 5 cm ([`SHALLOW_M`]): a crossing that never goes deeper than 5 cm
//!   into a building is ignored. Without walkways the straight distance is
//!   used as is (no building test), as the format says.
//! - **No route.** When the network is in pieces and an entrance cannot reach
//!   a resource's network point, the straight distance is used and one
//!   `W-walkway-network` warning per entrance names the entrance and (up to
//!   ten of) the resources it cannot reach, in id order, with their count.

use super::measure::{
    closest_on_polygon, closest_on_segment, dist, inside_even_odd, ring_segments,
    segment_closest_to_polygon, segment_meets_polygon, segment_meets_rect,
};
use crate::model::Rule;
use crate::model::{Problem, Shape, Site};
use geo::{BoundingRect, Buffer, Coord, Line, MultiPolygon, Point, Polygon, Rect, Validation};
use petgraph::graph::{NodeIndex, UnGraph};
use petgraph::visit::EdgeRef;
use rstar::primitives::GeomWithData;
use rstar::{RTree, AABB};
use std::cmp::Ordering;
use std::collections::{BTreeSet, BinaryHeap};

/// A walkway vertex closer than this to another vertex or to a segment is
/// joined to it by a straight link (metres).
pub const JOIN_M: f64 = 0.5;
/// Lines closer than this touch; a crossing this close to a line's end is a
/// touch, joined by a link (metres).
pub const TOUCH_M: f64 = 0.001;
/// Building crossings shallower than this are ignored (metres).
pub const SHALLOW_M: f64 = 0.05;
/// Network points this much farther than the nearest one are still nearest (metres).
const TIE_M: f64 = 1e-9;

/// Walking distances from every unit to every resource of a site.
#[derive(Debug, Clone, PartialEq)]
pub struct WalkMatrix {
    /// Every `(building, unit)` with an entrance, sorted.
    pub units: Vec<(String, String)>,
    /// Indices into `site.resources`: all of them, in order (column `j` is resource `resources[j] == j`).
    pub resources: Vec<usize>,
    /// Row-major `units × resources`, metres, unrounded.
    dist: Vec<f64>,
    /// `W-walkway-network` warnings (entrances with no route to some resources).
    pub warnings: Vec<Problem>,
}

impl WalkMatrix {
    /// The walk from unit row `unit` to resource `resource` (an index into
    /// `site.resources`); infinite for indices out of range.
    pub fn get(&self, unit: usize, resource: usize) -> f64 {
        if unit >= self.units.len() {
            return f64::INFINITY;
        }
        self.dist
            .get(unit * self.resources.len() + resource)
            .copied()
            .filter(|_| resource < self.resources.len())
            .unwrap_or(f64::INFINITY)
    }

    /// The row of a unit, if it has an entrance.
    pub fn unit_index(&self, building: &str, unit: &str) -> Option<usize> {
        self.units
            .binary_search_by(|(b, u)| (b.as_str(), u.as_str()).cmp(&(building, unit)))
            .ok()
    }

    /// A unit's walks to every resource, in resource order (empty if out of range).
    pub fn row(&self, unit: usize) -> &[f64] {
        let n = self.resources.len();
        self.dist.get(unit * n..(unit + 1) * n).unwrap_or(&[])
    }

    /// The unit nearest to a resource and its walk; `None` without units.
    pub fn nearest_unit(&self, resource: usize) -> Option<(usize, f64)> {
        (0..self.units.len())
            .map(|u| (u, self.get(u, resource)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }
}

/// Computes every unit's walk to every resource.
pub fn walking_distances(site: &Site) -> WalkMatrix {
    let units: Vec<(String, String)> = site
        .entrances
        .iter()
        .map(|e| (e.building.clone(), e.unit.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let n = site.resources.len();
    let mut matrix = WalkMatrix {
        resources: (0..n).collect(),
        dist: vec![f64::INFINITY; units.len() * n],
        units,
        warnings: Vec::new(),
    };
    let network = Network::build(site);
    let obstacles = Obstacles::new(site);
    let mut warnings: Vec<(&str, Problem)> = Vec::new();
    for (i, e) in site.entrances.iter().enumerate() {
        // A cancelled request's matrix is never used: stop early.
        if crate::cancel::cancelled() {
            break;
        }
        let Some(row) = matrix.unit_index(&e.building, &e.unit) else {
            continue;
        };
        let from = e.point.0;
        let door = obstacles.door(from);
        let route = network.as_ref().map(|net| net.distances_from(i));
        let mut unreachable: Vec<&str> = Vec::new();
        for (j, r) in site.resources.iter().enumerate() {
            let (target, straight) = match &r.shape {
                Shape::Point(p) => (p.0, dist(from, p.0)),
                Shape::Polygon(poly) => closest_on_polygon(from, poly),
            };
            let walk = match (&network, &route) {
                (Some(net), Some(tree)) => {
                    let via = net.route_to(tree, j);
                    if via.is_none() {
                        unreachable.push(&r.id);
                    }
                    match via {
                        Some(v) if v <= straight + 1e-9 => v,
                        Some(v) if obstacles.blocks(door, target) => v,
                        _ => straight,
                    }
                }
                _ => straight,
            };
            if let Some(cell) = matrix.dist.get_mut(row * n + j) {
                *cell = cell.min(walk);
            }
        }
        if !unreachable.is_empty() {
            unreachable.sort_unstable();
            let shown: Vec<&str> = unreachable.iter().take(10).copied().collect();
            let more = if unreachable.len() > shown.len() {
                ", …"
            } else {
                ""
            };
            warnings.push((
                e.id.as_str(),
                Problem::new(
                    Rule::WWalkwayNetwork,
                    format!(
                        "entrance {} (building {}, unit {}) has no walkway route to {} resource(s) ({}{more}) because the walkway network is in pieces; the straight-line distance is used",
                        e.id,
                        e.building,
                        e.unit,
                        unreachable.len(),
                        shown.join(", ")
                    ),
                )
                .features(std::iter::once(e.id.as_str()).chain(shown.iter().copied())),
            ));
        }
    }
    // In entrance id order, whatever the order of the features.
    warnings.sort_by(|a, b| a.0.cmp(b.0));
    matrix.warnings = warnings.into_iter().map(|(_, w)| w).collect();
    matrix
}

/// Buildings shrunk by [`SHALLOW_M`], for the straight-segment test.
struct Obstacles {
    parts: Vec<(Rect<f64>, Polygon<f64>)>,
    buildings: Vec<Polygon<f64>>,
}

impl Obstacles {
    fn new(site: &Site) -> Obstacles {
        let mut parts = Vec::new();
        for b in &site.buildings {
            let shrunk: MultiPolygon<f64> = if b.polygon.is_valid() {
                b.polygon.buffer(-SHALLOW_M)
            } else {
                MultiPolygon::new(vec![b.polygon.clone()])
            };
            for p in shrunk {
                if let Some(r) = p.bounding_rect() {
                    parts.push((r, p));
                }
            }
        }
        Obstacles {
            parts,
            buildings: site.buildings.iter().map(|b| b.polygon.clone()).collect(),
        }
    }

    /// Where a straight walk from an entrance starts: the entrance itself, or,
    /// for an entrance drawn inside its building, the nearest point of that
    /// building's wall (the door), so the building does not block every walk.
    /// Among overlapping buildings, the nearest wall point of any counts
    /// (ties by coordinates), so the order of the buildings does not matter.
    fn door(&self, p: Coord<f64>) -> Coord<f64> {
        let mut best: Option<(f64, Coord<f64>)> = None;
        for b in self.buildings.iter().filter(|b| inside_even_odd(p, b)) {
            for (a, c) in ring_segments(b) {
                let (q, _, d) = closest_on_segment(p, a, c);
                let better = best.is_none_or(|(bd, bq)| {
                    d.total_cmp(&bd).then_with(|| by_coords(&q, &bq)).is_lt()
                });
                if better {
                    best = Some((d, q));
                }
            }
        }
        best.map_or(p, |(_, q)| q)
    }

    /// Whether the segment `a–b` goes deeper than [`SHALLOW_M`] into a building.
    fn blocks(&self, a: Coord<f64>, b: Coord<f64>) -> bool {
        self.parts
            .iter()
            .any(|(r, p)| segment_meets_rect(a, b, r) && segment_meets_polygon(a, b, p))
    }
}

/// The walkway graph, and where every resource and entrance joins it.
struct Network {
    /// Walkway pieces first (edge `i` is `pieces[i]`), then the links.
    graph: UnGraph<Coord<f64>, f64>,
    pieces: Vec<(usize, usize)>,
    piece_tree: RTree<GeomWithData<Line<f64>, usize>>,
    /// Resource `j` joins at `resource_at[resource_start[j]..resource_start[j + 1]]`
    /// (its equally near network points; usually one).
    resource_start: Vec<usize>,
    resource_at: Vec<OnEdge>,
    /// Entrance `i` (of `site.entrances`) joins at `entrances[i]`.
    entrances: Vec<Vec<OnEdge>>,
}

/// A point's nearest place on the network: piece `edge`, at parameter `t`
/// from its first node, reached by a connector of that length.
#[derive(Debug, Clone, Copy)]
struct OnEdge {
    edge: usize,
    t: f64,
    connector: f64,
}

#[derive(Copy, Clone, PartialEq)]
struct Queued(f64, usize);
impl Eq for Queued {}
impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .0
            .total_cmp(&self.0)
            .then_with(|| other.1.cmp(&self.1))
    }
}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Shortest-path distances from one entrance to every node, its connector included.
struct Tree {
    from: Vec<OnEdge>,
    dist: Vec<f64>,
}

impl Network {
    /// `None` without walkways (or with only degenerate ones).
    fn build(site: &Site) -> Option<Network> {
        let base = base_network(site);
        if base.pieces.is_empty() {
            return None;
        }
        let nodes = &base.nodes;
        let piece_tree = RTree::bulk_load(
            base.pieces
                .iter()
                .enumerate()
                .map(|(i, &(u, v))| GeomWithData::new(Line::new(nodes[u], nodes[v]), i))
                .collect(),
        );
        let mut graph: UnGraph<Coord<f64>, f64> =
            UnGraph::with_capacity(nodes.len(), base.pieces.len() + base.links.len());
        for c in nodes {
            graph.add_node(*c);
        }
        for &(u, v) in base.pieces.iter().chain(&base.links) {
            graph.add_edge(
                NodeIndex::new(u),
                NodeIndex::new(v),
                dist(nodes[u], nodes[v]),
            );
        }
        let mut net = Network {
            graph,
            pieces: base.pieces,
            piece_tree,
            resource_start: vec![0],
            resource_at: Vec::new(),
            entrances: Vec::new(),
        };
        for r in &site.resources {
            let at = match &r.shape {
                Shape::Point(p) => net.nearest_to_point(p.0),
                Shape::Polygon(poly) => net.nearest_to_polygon(poly),
            };
            net.resource_at.extend(at);
            net.resource_start.push(net.resource_at.len());
        }
        net.entrances = site
            .entrances
            .iter()
            .map(|e| net.nearest_to_point(e.point.0))
            .collect();
        Some(net)
    }

    fn edge(&self, i: usize) -> Option<(usize, usize, f64)> {
        let &(u, v) = self.pieces.get(i)?;
        let len = *self.graph.edge_weight(petgraph::graph::EdgeIndex::new(i))?;
        Some((u, v, len))
    }

    /// Of candidate places, the nearest and every other as near (within
    /// [`TIE_M`]), one per network point, in a canonical order.
    fn nearest_of(&self, mut found: Vec<OnEdge>) -> Vec<OnEdge> {
        let best = found
            .iter()
            .map(|o| o.connector)
            .fold(f64::INFINITY, f64::min);
        found.retain(|o| o.connector <= best + TIE_M);
        // A place at a piece's end is that node, whichever piece found it.
        let key = |o: &OnEdge| -> (usize, usize, u64) {
            let (u, v) = self.pieces.get(o.edge).copied().unwrap_or((0, 0));
            if o.t <= 0.0 {
                (u, usize::MAX, 0)
            } else if o.t >= 1.0 {
                (v, usize::MAX, 0)
            } else {
                (o.edge, 0, o.t.to_bits())
            }
        };
        found.sort_by_key(key);
        found.dedup_by_key(|o| key(o));
        found
    }

    fn nearest_to_point(&self, p: Coord<f64>) -> Vec<OnEdge> {
        let mut found = Vec::new();
        let mut first: Option<f64> = None;
        for (g, d2) in self
            .piece_tree
            .nearest_neighbor_iter_with_distance_2(&Point::from(p))
        {
            let d = d2.sqrt();
            if first.is_some_and(|f| d > f + 1e3 * TIE_M) {
                break;
            }
            first.get_or_insert(d);
            let l = g.geom();
            let (_, t, d) = closest_on_segment(p, l.start, l.end);
            found.push(OnEdge {
                edge: g.data,
                t,
                connector: d,
            });
        }
        self.nearest_of(found)
    }

    fn nearest_to_polygon(&self, poly: &Polygon<f64>) -> Vec<OnEdge> {
        // An upper bound from the polygon's vertices, then every piece that could beat it.
        let mut bound = f64::INFINITY;
        for c in poly.exterior().0.iter() {
            for o in self.nearest_to_point(*c) {
                bound = bound.min(o.connector);
            }
        }
        let Some(r) = poly.bounding_rect() else {
            return Vec::new();
        };
        let pad = if bound.is_finite() { bound + 1e-6 } else { 0.0 };
        let env = AABB::from_corners(
            Point::new(r.min().x - pad, r.min().y - pad),
            Point::new(r.max().x + pad, r.max().y + pad),
        );
        let found = self
            .piece_tree
            .locate_in_envelope_intersecting(&env)
            .map(|g| {
                let l = g.geom();
                let (_, t, d) = segment_closest_to_polygon(l.start, l.end, poly);
                OnEdge {
                    edge: g.data,
                    t,
                    connector: d,
                }
            })
            .collect();
        self.nearest_of(found)
    }

    /// Dijkstra from entrance `i`'s network points (once per entrance).
    fn distances_from(&self, i: usize) -> Tree {
        let mut dist = vec![f64::INFINITY; self.graph.node_count()];
        let from = self.entrances.get(i).cloned().unwrap_or_default();
        let mut heap = BinaryHeap::new();
        for a in &from {
            if let Some((u, v, len)) = self.edge(a.edge) {
                for (node, d) in [
                    (u, a.connector + a.t * len),
                    (v, a.connector + (1.0 - a.t) * len),
                ] {
                    if let Some(slot) = dist.get_mut(node) {
                        if d < *slot {
                            *slot = d;
                            heap.push(Queued(d, node));
                        }
                    }
                }
            }
        }
        while let Some(Queued(d, n)) = heap.pop() {
            if dist.get(n).is_some_and(|&best| d > best) {
                continue;
            }
            for e in self.graph.edges(NodeIndex::new(n)) {
                let m = if e.source().index() == n {
                    e.target().index()
                } else {
                    e.source().index()
                };
                let nd = d + *e.weight();
                if let Some(slot) = dist.get_mut(m) {
                    if nd < *slot {
                        *slot = nd;
                        heap.push(Queued(nd, m));
                    }
                }
            }
        }
        Tree { from, dist }
    }

    /// The route from the tree's entrance to resource `j`, if connected:
    /// connector, along the network (leaving the entrance's piece by either
    /// end, or straight along it when both points share the piece), connector.
    fn route_to(&self, tree: &Tree, j: usize) -> Option<f64> {
        let (&lo, &hi) = (self.resource_start.get(j)?, self.resource_start.get(j + 1)?);
        let mut best = f64::INFINITY;
        for to in self.resource_at.get(lo..hi)? {
            let Some((u, v, len)) = self.edge(to.edge) else {
                continue;
            };
            let (du, dv) = (tree.dist[u], tree.dist[v]);
            let mut along = (du + to.t * len).min(dv + (1.0 - to.t) * len);
            for a in &tree.from {
                if a.edge == to.edge {
                    along = along.min(a.connector + (to.t - a.t).abs() * len);
                }
            }
            best = best.min(along + to.connector);
        }
        best.is_finite().then_some(best)
    }
}

/// The walkway network before attachments: nodes in coordinate order, the
/// walkway pieces and the links, each an undirected edge `(u, v)` with
/// `u < v`, sorted.
struct BaseNetwork {
    nodes: Vec<Coord<f64>>,
    pieces: Vec<(usize, usize)>,
    links: Vec<(usize, usize)>,
}

/// Coordinate order: by x, then y (total order; `-0.0` is normalised away first).
fn by_coords(a: &Coord<f64>, b: &Coord<f64>) -> Ordering {
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
fn base_network(site: &Site) -> BaseNetwork {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::load_layout;
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
        load_layout(&json!({"type": "FeatureCollection", "coordinates": "local_meters", "features": features}))
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

    #[test]
    fn crossing_walkways_are_split_so_a_route_can_turn_at_the_crossing() {
        // Straight (0,1)→(10,11) runs through B; the route is
        // 1 (connector) + 10 (east) + 10 (north, from the crossing) + 1 (connector).
        let s = site(
            20.0,
            vec![
                entrance("E1", "1", 0.0, 1.0),
                point("charging_bay", "C1", 10.0, 11.0),
                line("W1", &[[0.0, 0.0], [20.0, 0.0]]),
                line("W2", &[[10.0, -10.0], [10.0, 10.0]]),
            ],
        );
        assert!((walk(&s, "1", "C1") - 22.0).abs() < 1e-9);
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
    fn a_clear_straight_segment_beats_the_network() {
        let s = site(
            20.0,
            vec![
                entrance("E1", "1", 0.0, 1.0),
                point("charging_bay", "C1", 0.0, 30.0),
                line("W1", &[[0.0, 0.0], [20.0, 0.0]]),
                line("W2", &[[10.0, -10.0], [10.0, 40.0]]),
            ],
        );
        assert!((walk(&s, "1", "C1") - 29.0).abs() < 1e-9);
    }

    #[test]
    fn ends_closer_than_half_a_metre_are_joined_by_a_link_of_their_true_length() {
        // W2 starts 0.36 m from W1's end (10, 0): a link of that length joins
        // them and neither line moves; C1 lies on W2's drawn line.
        let s = site(
            20.0,
            vec![
                entrance("E1", "1", 0.0, 1.0),
                point("charging_bay", "C1", 10.3, 11.0),
                line("W1", &[[0.0, 0.0], [10.0, 0.0]]),
                line("W2", &[[10.3, 0.2], [10.3, 10.0]]),
            ],
        );
        let expected = 1.0 + 10.0 + (0.3f64.powi(2) + 0.2f64.powi(2)).sqrt() + 9.8 + 1.0;
        assert!((walk(&s, "1", "C1") - expected).abs() < 1e-9);
    }

    #[test]
    fn two_paths_whose_ends_are_forty_centimetres_apart_join_with_a_forty_centimetre_link() {
        // W1 ends at (10, 0); W2 starts at (10.24, 0.32), 0.4 m away, and runs north.
        let s = site(
            20.0,
            vec![
                entrance("E1", "1", 0.0, 1.0),
                point("charging_bay", "C1", 10.24, 11.0),
                line("W1", &[[0.0, 0.0], [10.0, 0.0]]),
                line("W2", &[[10.24, 0.32], [10.24, 10.0]]),
            ],
        );
        let expected = 1.0 + 10.0 + 0.4 + (10.0 - 0.32) + 1.0;
        let got = walk(&s, "1", "C1");
        assert!((got - expected).abs() < 1e-9, "{got} vs {expected}");
    }

    #[test]
    fn a_path_ending_thirty_centimetres_short_of_another_paths_middle_joins_it() {
        // W2 runs south and stops 0.3 m short of W1's middle (10, 0): the walk
        // goes along W1 to (10, 0), over the 0.3 m link, and up W2.
        let s = site(
            20.0,
            vec![
                entrance("E1", "1", 0.0, 1.0),
                point("charging_bay", "C1", 10.0, 11.0),
                line("W1", &[[0.0, 0.0], [20.0, 0.0]]),
                line("W2", &[[10.0, 10.0], [10.0, 0.3]]),
            ],
        );
        let got = walk(&s, "1", "C1");
        assert!((got - (1.0 + 10.0 + 0.3 + 9.7 + 1.0)).abs() < 1e-9, "{got}");
        assert!(walking_distances(&s).warnings.is_empty());
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
    fn a_vertex_near_a_segment_of_its_own_line_is_joined_by_a_short_cut() {
        // A hairpin: W1 goes east to (12, 0), back west 0.3 m north of itself
        // to (10, 0.3), then north. (10, 0.3) is 0.3 m from W1's first segment.
        let s = site(
            20.0,
            vec![
                entrance("E1", "1", 0.0, 1.0),
                point("charging_bay", "C1", 10.0, 26.0),
                line(
                    "W1",
                    &[
                        [0.0, 0.0],
                        [12.0, 0.0],
                        [12.0, 0.3],
                        [10.0, 0.3],
                        [10.0, 25.0],
                    ],
                ),
            ],
        );
        // Connector 1, 10 along, the 0.3 m link, 24.7 north, connector 1
        // (not 1 + 12 + 0.3 + 2 + 24.7 + 1 round the hairpin).
        let got = walk(&s, "1", "C1");
        assert!((got - 37.0).abs() < 1e-9, "{got}");
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
}
