//! Walking distances from unit entrances to resources (FORMAT.md §1 "Walking distance").
//!
//! Readings of the spec chosen here:
//! - **Merging vertices.** Network vertices (walkway vertices, crossings,
//!   touch points) are snapped greedily, in input order, to the first earlier
//!   vertex closer than 0.5 m ([`SNAP_M`]). Snapping to a representative (not
//!   a transitive union) keeps a finely drawn curve from collapsing into one
//!   vertex. A walkway vertex lying within 0.5 m of another walkway's segment
//!   splits that segment there, so a path drawn to stop just short of another
//!   still joins it.
//! - **Attachments.** An entrance's and a resource's nearest network points
//!   are found once (an R-tree over the edges), as an edge and a parameter
//!   along it. A route is `connector + path + connector`, where the path
//!   leaves the entrance's edge by either end (or runs straight along it when
//!   both points share the edge) and enters the resource's edge by either
//!   end: exact, with one Dijkstra per entrance over the walkway graph only.
//!   For a polygon resource the network point is the one nearest to the
//!   polygon and the connector is that point's distance to the polygon.
//! - **Straight segment.** It runs from the entrance to the resource's nearest
//!   point and "crosses a building" when it meets the building shrunk inward
//!   by 5 cm ([`SHALLOW_M`]): a crossing that never goes deeper than 5 cm
//!   into a building is ignored. Without walkways the straight distance is
//!   used as is (no building test), as the format says.
//! - **No route.** When the network is in pieces and an entrance cannot reach
//!   a resource's network point, the straight distance is used and one
//!   `W-walkway-network` warning per entrance names the entrance and (up to
//!   ten of) the resources it cannot reach, with their count.

use super::measure::{
    closest_on_polygon, closest_on_segment, dist, inside_even_odd, ring_segments,
    segment_closest_to_polygon, segment_meets_polygon, segment_meets_rect,
};
use crate::model::{Problem, Shape, Site};
use geo::{BoundingRect, Buffer, Coord, Line, MultiPolygon, Point, Polygon, Rect, Validation};
use petgraph::graph::{NodeIndex, UnGraph};
use petgraph::visit::EdgeRef;
use rstar::primitives::GeomWithData;
use rstar::{RTree, AABB};
use std::cmp::Ordering;
use std::collections::{BTreeSet, BinaryHeap, HashMap};

/// Vertices of the walkway network closer than this are merged (metres).
pub const SNAP_M: f64 = 0.5;
/// Building crossings shallower than this are ignored (metres).
pub const SHALLOW_M: f64 = 0.05;

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
            let shown: Vec<&str> = unreachable.iter().take(10).copied().collect();
            let more = if unreachable.len() > shown.len() {
                ", …"
            } else {
                ""
            };
            matrix.warnings.push(
                Problem::new(
                    "W-walkway-network",
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
            );
        }
    }
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
    fn door(&self, p: Coord<f64>) -> Coord<f64> {
        for b in &self.buildings {
            if inside_even_odd(p, b) {
                let mut best = (p, f64::INFINITY);
                for (a, c) in ring_segments(b) {
                    let (q, _, d) = closest_on_segment(p, a, c);
                    if d < best.1 {
                        best = (q, d);
                    }
                }
                return best.0;
            }
        }
        p
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
    graph: UnGraph<Coord<f64>, f64>,
    base_edges: Vec<(usize, usize)>,
    edge_tree: RTree<GeomWithData<Line<f64>, usize>>,
    /// Resource `j` joins at `resources[j]`.
    resources: Vec<OnEdge>,
    /// Entrance `i` (of `site.entrances`) joins at `entrances[i]`.
    entrances: Vec<OnEdge>,
}

/// A point's nearest place on the network: edge `edge` of `base_edges`, at
/// parameter `t` from its first node, reached by a connector of that length.
#[derive(Debug, Clone, Copy)]
struct OnEdge {
    edge: usize,
    t: f64,
    connector: f64,
}

const NOWHERE: OnEdge = OnEdge {
    edge: usize::MAX,
    t: 0.0,
    connector: f64::INFINITY,
};

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

/// Shortest-path distances from one entrance's network point to every node.
struct Tree {
    from: OnEdge,
    dist: Vec<f64>,
}

impl Network {
    /// `None` without walkways (or with only degenerate ones).
    fn build(site: &Site) -> Option<Network> {
        let (nodes, base_edges) = base_network(site);
        if base_edges.is_empty() {
            return None;
        }
        let edge_tree = RTree::bulk_load(
            base_edges
                .iter()
                .enumerate()
                .map(|(i, &(u, v))| GeomWithData::new(Line::new(nodes[u], nodes[v]), i))
                .collect(),
        );
        let mut graph: UnGraph<Coord<f64>, f64> = UnGraph::default();
        for c in &nodes {
            graph.add_node(*c);
        }
        for &(u, v) in &base_edges {
            graph.add_edge(
                NodeIndex::new(u),
                NodeIndex::new(v),
                dist(nodes[u], nodes[v]),
            );
        }
        let mut net = Network {
            graph,
            base_edges,
            edge_tree,
            resources: Vec::new(),
            entrances: Vec::new(),
        };
        net.resources = site
            .resources
            .iter()
            .map(|r| match &r.shape {
                Shape::Point(p) => net.nearest_to_point(p.0),
                Shape::Polygon(poly) => net.nearest_to_polygon(poly),
            })
            .collect();
        net.entrances = site
            .entrances
            .iter()
            .map(|e| net.nearest_to_point(e.point.0))
            .collect();
        Some(net)
    }

    fn edge(&self, i: usize) -> Option<(usize, usize, f64)> {
        let &(u, v) = self.base_edges.get(i)?;
        let len = *self.graph.edge_weight(petgraph::graph::EdgeIndex::new(i))?;
        Some((u, v, len))
    }

    fn nearest_to_point(&self, p: Coord<f64>) -> OnEdge {
        match self.edge_tree.nearest_neighbor(&Point::from(p)) {
            Some(g) => {
                let l = g.geom();
                let (_, t, d) = closest_on_segment(p, l.start, l.end);
                OnEdge {
                    edge: g.data,
                    t,
                    connector: d,
                }
            }
            None => NOWHERE,
        }
    }

    fn nearest_to_polygon(&self, poly: &Polygon<f64>) -> OnEdge {
        // An upper bound from the polygon's vertices, then every edge that could beat it.
        let mut bound = f64::INFINITY;
        for c in poly.exterior().0.iter() {
            bound = bound.min(self.nearest_to_point(*c).connector);
        }
        let Some(r) = poly.bounding_rect() else {
            return NOWHERE;
        };
        let pad = if bound.is_finite() { bound + 1e-6 } else { 0.0 };
        let env = AABB::from_corners(
            Point::new(r.min().x - pad, r.min().y - pad),
            Point::new(r.max().x + pad, r.max().y + pad),
        );
        let mut candidates: Vec<&GeomWithData<Line<f64>, usize>> = self
            .edge_tree
            .locate_in_envelope_intersecting(&env)
            .collect();
        candidates.sort_by_key(|g| g.data);
        let mut best = NOWHERE;
        for g in candidates {
            let l = g.geom();
            let (_, t, d) = segment_closest_to_polygon(l.start, l.end, poly);
            if d < best.connector {
                best = OnEdge {
                    edge: g.data,
                    t,
                    connector: d,
                };
            }
        }
        best
    }

    /// Dijkstra from entrance `i`'s network point (once per entrance).
    fn distances_from(&self, i: usize) -> Tree {
        let mut dist = vec![f64::INFINITY; self.graph.node_count()];
        let from = self.entrances.get(i).copied().unwrap_or(NOWHERE);
        let mut heap = BinaryHeap::new();
        if let Some((u, v, len)) = self.edge(from.edge) {
            for (node, d) in [(u, from.t * len), (v, (1.0 - from.t) * len)] {
                if let Some(slot) = dist.get_mut(node) {
                    if d < *slot {
                        *slot = d;
                        heap.push(Queued(d, node));
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
    /// connector, along the network (leaving the entrance's edge by either
    /// end, or straight along it when both points share the edge), connector.
    fn route_to(&self, tree: &Tree, j: usize) -> Option<f64> {
        let to = *self.resources.get(j)?;
        let (u, v, len) = self.edge(to.edge)?;
        let mut along =
            (tree.dist.get(u)? + to.t * len).min(tree.dist.get(v)? + (1.0 - to.t) * len);
        if to.edge == tree.from.edge {
            along = along.min((to.t - tree.from.t).abs() * len);
        }
        (along.is_finite() && to.connector.is_finite() && tree.from.connector.is_finite())
            .then_some(tree.from.connector + along + to.connector)
    }
}

/// The snapped walkway network: node positions and undirected edges (u < v), sorted.
fn base_network(site: &Site) -> (Vec<Coord<f64>>, Vec<(usize, usize)>) {
    let segs: Vec<(Coord<f64>, Coord<f64>)> = site
        .walkways
        .iter()
        .flat_map(|w| w.line.0.windows(2).map(|p| (p[0], p[1])))
        .filter(|(a, b)| {
            dist(*a, *b) > 0.0
                && a.x.is_finite()
                && a.y.is_finite()
                && b.x.is_finite()
                && b.y.is_finite()
        })
        .collect();
    let tree = RTree::bulk_load(
        segs.iter()
            .enumerate()
            .map(|(i, &(a, b))| GeomWithData::new(Line::new(a, b), i))
            .collect::<Vec<_>>(),
    );
    let mut cuts: Vec<Vec<f64>> = vec![vec![0.0, 1.0]; segs.len()];
    for (i, &(a, b)) in segs.iter().enumerate() {
        let env = AABB::from_corners(
            Point::new(a.x.min(b.x) - SNAP_M, a.y.min(b.y) - SNAP_M),
            Point::new(a.x.max(b.x) + SNAP_M, a.y.max(b.y) + SNAP_M),
        );
        for g in tree.locate_in_envelope_intersecting(&env) {
            let j = g.data;
            if j == i {
                continue;
            }
            let (c, d) = (g.geom().start, g.geom().end);
            if j > i {
                if let Some(x) =
                    geo::line_intersection::line_intersection(Line::new(a, b), Line::new(c, d))
                {
                    let pts = match x {
                        geo::LineIntersection::SinglePoint { intersection, .. } => {
                            vec![intersection]
                        }
                        geo::LineIntersection::Collinear { intersection } => {
                            vec![intersection.start, intersection.end]
                        }
                    };
                    for p in pts {
                        cuts[i].push(closest_on_segment(p, a, b).1);
                        cuts[j].push(closest_on_segment(p, c, d).1);
                    }
                }
            }
            // Vertices of the other segment that lie (nearly) on this one split it.
            for p in [c, d] {
                let (_, t, dd) = closest_on_segment(p, a, b);
                if dd < SNAP_M {
                    cuts[i].push(t);
                }
            }
        }
    }
    let mut nodes: Vec<Coord<f64>> = Vec::new();
    let mut grid: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
    let cell = |c: Coord<f64>| ((c.x / SNAP_M).floor() as i64, (c.y / SNAP_M).floor() as i64);
    let mut snap = |c: Coord<f64>| -> usize {
        let (gx, gy) = cell(c);
        let mut best: Option<(f64, usize)> = None;
        for dx in -1..=1 {
            for dy in -1..=1 {
                for &k in grid
                    .get(&(gx + dx, gy + dy))
                    .map(Vec::as_slice)
                    .unwrap_or(&[])
                {
                    let d = dist(nodes[k], c);
                    if d < SNAP_M && best.is_none_or(|(bd, bk)| d < bd || (d == bd && k < bk)) {
                        best = Some((d, k));
                    }
                }
            }
        }
        match best {
            Some((_, k)) => k,
            None => {
                nodes.push(c);
                let k = nodes.len() - 1;
                grid.entry((gx, gy)).or_default().push(k);
                k
            }
        }
    };
    // Walkway vertices first, so they are the representatives crossings snap to.
    let mut vertex_node: Vec<(usize, usize)> = Vec::with_capacity(segs.len());
    for &(a, b) in &segs {
        vertex_node.push((snap(a), snap(b)));
    }
    let mut edges: BTreeSet<(usize, usize)> = BTreeSet::new();
    for (i, &(a, b)) in segs.iter().enumerate() {
        let mut ts = std::mem::take(&mut cuts[i]);
        ts.sort_by(f64::total_cmp);
        ts.dedup();
        let mut prev: Option<usize> = None;
        for t in ts {
            let k = if t <= 0.0 {
                vertex_node[i].0
            } else if t >= 1.0 {
                vertex_node[i].1
            } else {
                snap(a + (b - a) * t)
            };
            if let Some(p) = prev {
                if p != k {
                    edges.insert((p.min(k), p.max(k)));
                }
            }
            prev = Some(k);
        }
    }
    (nodes, edges.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::load_layout;
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
    fn vertices_closer_than_half_a_metre_are_merged() {
        // W2 starts 0.36 m from W1's end: they join at (10, 0).
        let s = site(
            20.0,
            vec![
                entrance("E1", "1", 0.0, 1.0),
                point("charging_bay", "C1", 10.3, 11.0),
                line("W1", &[[0.0, 0.0], [10.0, 0.0]]),
                line("W2", &[[10.3, 0.2], [10.3, 10.0]]),
            ],
        );
        let expected = 1.0 + 10.0 + (0.3f64.powi(2) + 10.0f64.powi(2)).sqrt() + 1.0;
        assert!((walk(&s, "1", "C1") - expected).abs() < 1e-9);
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
