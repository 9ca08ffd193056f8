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

mod base;

use super::measure::{
    closest_on_polygon, closest_on_segment, dist, inside_even_odd, ring_segments,
    segment_closest_to_polygon, segment_meets_polygon, segment_meets_rect,
};
use crate::model::Rule;
use crate::model::{Problem, Shape, Site};
use base::{base_network, by_coords};
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

#[cfg(test)]
mod tests;
