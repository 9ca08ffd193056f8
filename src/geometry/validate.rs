//! Geometry rules 1–7 and the layout warnings of FORMAT.md §1.
//!
//! Each problem names the feature id(s), the rule and the measure. A polygon
//! that breaks rule 1 is left out of every later geometric rule (its measures
//! would be nonsense). Readings of the spec chosen here:
//! - Rule 1: geo's OGC validation (closed rings, at least 3 distinct points,
//!   no self-intersection, holes inside the shell and not crossing it) plus
//!   an area of at least 1e-6 m².
//! - Rule 2: a polygon resource is inside when at most 0.01 m² of it lies
//!   outside the boundary; a point when it is within 0.01 m of the boundary.
//! - Rules 3 and 4: polygons overlap when their intersection exceeds
//!   0.01 m²; a point resource overlaps a polygon whose interior holds it, and
//!   two point resources overlap when less than 0.01 m apart.
//! - Rule 5: the minimum rotated rectangle's short side is the width, its
//!   long side the length; 0.05 m tolerance on both.
//! - Rules 6 and 7 compare distances with the limit exactly (no tolerance).
//! - `W-fire-lane-width`: see [`fire_lane_narrower_than`].
//! - `W-accessible-share` is only checked when the layout has parking spaces.

use super::measure::{closest_on_polygon, dist};
use super::walk::WalkMatrix;
use crate::model::Rule;
use crate::model::{Policy, Problem, Resource, ResourceKind, Shape, Site};
use geo::{
    Area, BooleanOps, BoundingRect, Buffer, Contains, Coord, MinimumRotatedRect, MultiPolygon,
    Point, Polygon, Rect, Validation,
};
use rstar::primitives::GeomWithData;
use rstar::{RTree, RTreeObject, AABB};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Overlap areas at most this are floating noise (m²).
pub const AREA_TOLERANCE_M2: f64 = 0.01;
/// Point resources closer than this are at the same place (m).
pub const POINT_TOLERANCE_M: f64 = 0.01;
/// Tolerance on parking space sizes and fire lane widths (m).
pub const SIZE_TOLERANCE_M: f64 = 0.05;
/// JGJ 100-2015 minimum parking space.
pub const SPACE_WIDTH_M: f64 = 2.4;
pub const SPACE_LENGTH_M: f64 = 5.3;
/// GB 50763: an accessible space with its 1.2 m aisle.
pub const ACCESSIBLE_WIDTH_M: f64 = 3.6;
/// Rule 6: entrance to building.
pub const ENTRANCE_MAX_M: f64 = 3.0;
/// GB 50016 minimum fire lane width.
pub const FIRE_LANE_WIDTH_M: f64 = 4.0;
/// GB 50763: share of accessible spaces.
pub const ACCESSIBLE_SHARE: f64 = 0.02;

/// The outcome of validating a layout: errors are fatal, warnings are not.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ValidationReport {
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

impl ValidationReport {
    /// No error (warnings allowed).
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Checks rules 1–7 and computes the warnings; `walks` enables the
/// unreachable-resource and walkway-network warnings.
pub fn validate(site: &Site, policy: &Policy, walks: Option<&WalkMatrix>) -> ValidationReport {
    let mut report = ValidationReport::default();
    let invalid = rule1_valid_polygons(site, &mut report.errors);
    let ok_res: Vec<&Resource> = site
        .resources
        .iter()
        .filter(|r| !invalid.contains(&r.id))
        .collect();
    rule2_inside_boundary(site, &invalid, &ok_res, &mut report.errors);
    rule3_overlaps(&ok_res, &mut report.errors);
    rule4_forbidden(site, &invalid, &ok_res, &mut report.errors);
    rule5_parking_size(&ok_res, &mut report.errors);
    rule6_entrances(site, &invalid, &mut report.errors);
    rule7_chargers(site, policy, &ok_res, &mut report.errors);

    if let Some(w) = walks {
        unreachable_warnings(site, policy, w, &mut report.warnings);
        report.warnings.extend(w.warnings.iter().cloned());
    }
    accessible_share_warning(site, &mut report.warnings);
    let mut lanes: Vec<&crate::model::Zone> = site.fire_lanes.iter().collect();
    lanes.sort_by(|a, b| a.id.cmp(&b.id));
    for lane in lanes {
        if invalid.contains(&lane.id) {
            continue;
        }
        if fire_lane_narrower_than(&lane.polygon, FIRE_LANE_WIDTH_M - SIZE_TOLERANCE_M) {
            let w = estimated_min_width(&lane.polygon);
            report.warnings.push(
                Problem::new(
                    Rule::WFireLaneWidth,
                    format!(
                        "fire lane {} is about {w:.1} m wide at its narrowest; GB 50016 asks for at least {FIRE_LANE_WIDTH_M} m",
                        lane.id
                    ),
                )
                .feature(lane.id.clone()),
            );
        }
    }
    report
}

fn kind_words(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::ParkingSpace => "parking space",
        ResourceKind::ChargingBay => "charging bay",
        ResourceKind::GardenPlot => "garden plot",
    }
}

/// Rule 1; returns the ids of invalid polygons.
fn rule1_valid_polygons(site: &Site, errors: &mut Vec<Problem>) -> BTreeSet<String> {
    let mut polys: Vec<(&str, &str, &Polygon<f64>)> = Vec::new();
    if let Some(b) = &site.boundary {
        polys.push(("boundary", &b.id, &b.polygon));
    }
    polys.extend(
        site.buildings
            .iter()
            .map(|b| ("building", b.id.as_str(), &b.polygon)),
    );
    polys.extend(
        site.fire_lanes
            .iter()
            .map(|z| ("fire lane", z.id.as_str(), &z.polygon)),
    );
    polys.extend(
        site.keep_clear
            .iter()
            .map(|z| ("keep-clear zone", z.id.as_str(), &z.polygon)),
    );
    for r in &site.resources {
        if let Shape::Polygon(p) = &r.shape {
            polys.push((kind_words(r.kind), &r.id, p));
        }
    }
    let mut invalid = BTreeSet::new();
    for (what, id, poly) in polys {
        if crate::cancel::cancelled() {
            break;
        }
        let mut reasons: Vec<String> = poly
            .validation_errors()
            .iter()
            .map(|e| e.to_string())
            .collect();
        if reasons.is_empty() {
            let area = poly.unsigned_area();
            if area < 1e-6 {
                reasons.push(format!("its area is {area:.2} m²"));
            }
        }
        if !reasons.is_empty() {
            errors.push(
                Problem::new(
                    Rule::R1ValidPolygon,
                    format!("{what} {id} is not a valid polygon: {}", reasons.join("; ")),
                )
                .feature(id),
            );
            invalid.insert(id.to_string());
        }
    }
    invalid
}

fn rule2_inside_boundary(
    site: &Site,
    invalid: &BTreeSet<String>,
    res: &[&Resource],
    errors: &mut Vec<Problem>,
) {
    let Some(b) = site.boundary.as_ref().filter(|b| !invalid.contains(&b.id)) else {
        return;
    };
    for r in res {
        if crate::cancel::cancelled() {
            return;
        }
        let outside = match &r.shape {
            Shape::Polygon(p) if clearly_inside(p, &b.polygon) => None,
            Shape::Polygon(p) => {
                let a = p.difference(&b.polygon).unsigned_area();
                (a > AREA_TOLERANCE_M2).then(|| format!("{a:.2} m² of it lies outside"))
            }
            Shape::Point(p) => {
                let d = closest_on_polygon(p.0, &b.polygon).1;
                (d > POINT_TOLERANCE_M).then(|| format!("it lies {d:.2} m outside"))
            }
        };
        if let Some(m) = outside {
            errors.push(
                Problem::new(
                    Rule::R2InsideBoundary,
                    format!(
                        "{} {} is not inside the boundary {}: {m}",
                        kind_words(r.kind),
                        r.id,
                        b.id
                    ),
                )
                .features([r.id.as_str(), b.id.as_str()]),
            );
        }
    }
}

/// True when `p` is certainly inside `outer`: no edge of `outer` comes near
/// `p`'s bounding box and one vertex of `p` is inside (a fast path before
/// computing the area outside).
fn clearly_inside(p: &Polygon<f64>, outer: &Polygon<f64>) -> bool {
    let Some(r) = p.bounding_rect() else {
        return false;
    };
    let near = super::measure::ring_segments(outer).any(|(a, b)| {
        a.x.max(b.x) >= r.min().x
            && a.x.min(b.x) <= r.max().x
            && a.y.max(b.y) >= r.min().y
            && a.y.min(b.y) <= r.max().y
    });
    !near
        && p.exterior()
            .0
            .first()
            .is_some_and(|c| super::measure::inside_even_odd(*c, outer))
}

fn envelope(shape: &Shape) -> Option<Rect<f64>> {
    match shape {
        Shape::Point(p) => Some(Rect::new(p.0, p.0)),
        Shape::Polygon(p) => p.bounding_rect(),
    }
}

fn padded(r: &Rect<f64>, pad: f64) -> AABB<Point<f64>> {
    AABB::from_corners(
        Point::new(r.min().x - pad, r.min().y - pad),
        Point::new(r.max().x + pad, r.max().y + pad),
    )
}

/// How two shapes overlap, as a measure phrase, or `None`.
fn overlap(a: &Shape, b: &Shape) -> Option<String> {
    match (a, b) {
        (Shape::Polygon(p), Shape::Polygon(q)) => {
            // The bounding boxes' overlap bounds the polygons' overlap: a cheap
            // filter for the many neighbours that merely share an edge.
            let (Some(bp), Some(bq)) = (p.bounding_rect(), q.bounding_rect()) else {
                return None;
            };
            let w = bp.max().x.min(bq.max().x) - bp.min().x.max(bq.min().x);
            let h = bp.max().y.min(bq.max().y) - bp.min().y.max(bq.min().y);
            if w <= 0.0 || h <= 0.0 || w * h <= AREA_TOLERANCE_M2 {
                return None;
            }
            let area = p.intersection(q).unsigned_area();
            (area > AREA_TOLERANCE_M2).then(|| format!("by {area:.2} m²"))
        }
        (Shape::Polygon(p), Shape::Point(x)) | (Shape::Point(x), Shape::Polygon(p)) => p
            .contains(x)
            .then(|| "(the point lies inside the polygon)".to_string()),
        (Shape::Point(x), Shape::Point(y)) => {
            let d = dist(x.0, y.0);
            (d < POINT_TOLERANCE_M).then(|| format!("(the points are {d:.3} m apart)"))
        }
    }
}

/// How many overlaps of one resource are measured and named; the rest are
/// only counted, so that a resource copied thousands of times costs a
/// linear amount of work and one short problem.
pub const OVERLAPS_MEASURED: usize = 5;

/// Whether two envelopes overlap by more than noise (a cheap upper bound of
/// an overlap, used to count the overlaps that are not measured).
fn envelopes_overlap(a: &Shape, ea: &Rect<f64>, b: &Shape, eb: &Rect<f64>) -> bool {
    let w = ea.max().x.min(eb.max().x) - ea.min().x.max(eb.min().x);
    let h = ea.max().y.min(eb.max().y) - ea.min().y.max(eb.min().y);
    match (a, b) {
        (Shape::Polygon(_), Shape::Polygon(_)) => w > 0.0 && h > 0.0 && w * h > AREA_TOLERANCE_M2,
        _ => w >= -POINT_TOLERANCE_M && h >= -POINT_TOLERANCE_M,
    }
}

/// One overlap found: the other feature's id, what it is and the measure.
struct Found<'a> {
    id: &'a str,
    what: &'a str,
    measure: String,
}

/// A candidate: id, what it is, its shape and envelope.
type Candidate<'a> = (&'a str, &'a str, &'a Shape, Rect<f64>);

/// Measures `shape` against the candidates in order, naming the first
/// [`OVERLAPS_MEASURED`] overlaps and counting the further candidates whose
/// envelopes overlap it (no allocation per candidate: copies of one
/// resource by the thousand stay cheap).
fn overlaps_of<'a>(
    shape: &Shape,
    env: &Rect<f64>,
    candidates: impl Iterator<Item = Candidate<'a>>,
) -> (Vec<Found<'a>>, usize) {
    let mut found = Vec::new();
    let mut more = 0usize;
    for (id, what, other, other_env) in candidates {
        if found.len() >= OVERLAPS_MEASURED {
            if envelopes_overlap(shape, env, other, &other_env) {
                more += 1;
            }
        } else if let Some(measure) = overlap(shape, other) {
            found.push(Found { id, what, measure });
        }
    }
    (found, more)
}

fn overlap_message(subject: String, found: &[Found<'_>], more: usize) -> String {
    let list = found
        .iter()
        .map(|f| format!("{} {} {}", f.what, f.id, f.measure))
        .collect::<Vec<_>>()
        .join(", ");
    let mut message = format!("{subject} overlaps {list}");
    if more > 0 {
        message.push_str(&format!(
            " (and {more} more whose extents overlap it, not measured)"
        ));
    }
    message
}

/// Rule 3, one problem per resource: the later resources (in layout order)
/// it overlaps, found with an R-tree.
fn rule3_overlaps(res: &[&Resource], errors: &mut Vec<Problem>) {
    let items: Vec<GeomWithData<Rect<f64>, usize>> = res
        .iter()
        .enumerate()
        .filter_map(|(i, r)| envelope(&r.shape).map(|e| GeomWithData::new(e, i)))
        .collect();
    let tree = RTree::bulk_load(items.clone());
    for item in &items {
        if crate::cancel::cancelled() {
            return;
        }
        let i = item.data;
        let Some(a) = res.get(i) else {
            continue;
        };
        let mut js: Vec<(usize, Rect<f64>)> = tree
            .locate_in_envelope_intersecting(&padded(item.geom(), POINT_TOLERANCE_M))
            .filter(|g| g.data > i)
            .map(|g| (g.data, *g.geom()))
            .collect();
        js.sort_unstable_by_key(|(j, _)| *j);
        let (found, more) = overlaps_of(
            &a.shape,
            item.geom(),
            js.iter().filter_map(|&(j, e)| {
                res.get(j)
                    .map(|b| (b.id.as_str(), kind_words(b.kind), &b.shape, e))
            }),
        );
        if found.is_empty() {
            continue;
        }
        let ids = found.iter().map(|f| f.id);
        errors.push(
            Problem::new(
                Rule::R3Overlap,
                overlap_message(format!("{} {}", kind_words(a.kind), a.id), &found, more),
            )
            .features(std::iter::once(a.id.as_str()).chain(ids)),
        );
    }
}

/// Rule 4, one problem per resource: the buildings, fire lanes and
/// keep-clear zones it overlaps.
fn rule4_forbidden(
    site: &Site,
    invalid: &BTreeSet<String>,
    res: &[&Resource],
    errors: &mut Vec<Problem>,
) {
    let mut zones: Vec<(&str, &str, Shape)> = Vec::new();
    zones.extend(
        site.buildings
            .iter()
            .map(|b| ("building", b.id.as_str(), Shape::Polygon(b.polygon.clone()))),
    );
    zones.extend(site.fire_lanes.iter().map(|z| {
        (
            "fire lane",
            z.id.as_str(),
            Shape::Polygon(z.polygon.clone()),
        )
    }));
    zones.extend(site.keep_clear.iter().map(|z| {
        (
            "keep-clear zone",
            z.id.as_str(),
            Shape::Polygon(z.polygon.clone()),
        )
    }));
    zones.retain(|(_, id, _)| !invalid.contains(*id));
    let tree = RTree::bulk_load(
        zones
            .iter()
            .enumerate()
            .filter_map(|(k, (_, _, s))| envelope(s).map(|e| GeomWithData::new(e, k)))
            .collect::<Vec<_>>(),
    );
    for r in res {
        if crate::cancel::cancelled() {
            return;
        }
        let Some(e) = envelope(&r.shape) else {
            continue;
        };
        let mut ks: Vec<(usize, Rect<f64>)> = tree
            .locate_in_envelope_intersecting(&e.envelope())
            .map(|g| (g.data, *g.geom()))
            .collect();
        ks.sort_unstable_by_key(|(k, _)| *k);
        let (found, more) = overlaps_of(
            &r.shape,
            &e,
            ks.iter().filter_map(|&(k, ze)| {
                zones
                    .get(k)
                    .map(|(what, id, shape)| (*id, *what, shape, ze))
            }),
        );
        if found.is_empty() {
            continue;
        }
        let ids = found.iter().map(|f| f.id);
        errors.push(
            Problem::new(
                Rule::R4ForbiddenZone,
                overlap_message(format!("{} {}", kind_words(r.kind), r.id), &found, more),
            )
            .features(std::iter::once(r.id.as_str()).chain(ids)),
        );
    }
}

/// `(width, length)` of a polygon's minimum rotated rectangle.
pub fn rotated_rect_size(poly: &Polygon<f64>) -> Option<(f64, f64)> {
    let rect = poly.minimum_rotated_rect()?;
    let c = &rect.exterior().0;
    let (a, b, d) = (c.first()?, c.get(1)?, c.get(2)?);
    let (s1, s2) = (dist(*a, *b), dist(*b, *d));
    Some((s1.min(s2), s1.max(s2)))
}

fn rule5_parking_size(res: &[&Resource], errors: &mut Vec<Problem>) {
    for r in res.iter().filter(|r| r.kind == ResourceKind::ParkingSpace) {
        let Shape::Polygon(p) = &r.shape else {
            continue;
        };
        let Some((w, l)) = rotated_rect_size(p) else {
            continue;
        };
        let need_w = if r.accessible {
            ACCESSIBLE_WIDTH_M
        } else {
            SPACE_WIDTH_M
        };
        if w < need_w - SIZE_TOLERANCE_M || l < SPACE_LENGTH_M - SIZE_TOLERANCE_M {
            let msg = if r.accessible {
                format!(
                    "accessible space {} is {w:.2} m × {l:.2} m; an accessible space needs at least {need_w} m × {SPACE_LENGTH_M} m (GB 50763: 2.4 m plus a 1.2 m aisle)",
                    r.id
                )
            } else {
                format!(
                    "{} is {w:.2} m × {l:.2} m; a parking space needs at least {need_w} m × {SPACE_LENGTH_M} m (JGJ 100-2015)",
                    r.id
                )
            };
            errors.push(Problem::new(Rule::R5ParkingSize, msg).feature(r.id.clone()));
        }
    }
}

fn rule6_entrances(site: &Site, invalid: &BTreeSet<String>, errors: &mut Vec<Problem>) {
    let buildings: BTreeMap<&str, &Polygon<f64>> = site
        .buildings
        .iter()
        .map(|b| (b.id.as_str(), &b.polygon))
        .collect();
    for e in &site.entrances {
        match buildings.get(e.building.as_str()) {
            None => errors.push(
                Problem::new(
                    Rule::R6Entrance,
                    format!(
                        "entrance {} names building {}, which is not in the layout",
                        e.id, e.building
                    ),
                )
                .feature(e.id.clone()),
            ),
            Some(_) if invalid.contains(&e.building) => {}
            Some(poly) => {
                let d = closest_on_polygon(e.point.0, poly).1;
                if d > ENTRANCE_MAX_M {
                    errors.push(
                        Problem::new(
                            Rule::R6Entrance,
                            format!(
                                "entrance {} is {d:.2} m from building {} (max {ENTRANCE_MAX_M} m)",
                                e.id, e.building
                            ),
                        )
                        .features([e.id.as_str(), e.building.as_str()]),
                    );
                }
            }
        }
    }
}

fn rule7_chargers(site: &Site, policy: &Policy, res: &[&Resource], errors: &mut Vec<Problem>) {
    if site.power_feeds.is_empty() {
        return;
    }
    let max = policy.kind(ResourceKind::ParkingSpace).max_cable_m;
    for r in res
        .iter()
        .filter(|r| r.kind == ResourceKind::ParkingSpace && r.charger)
    {
        let mut best: Option<(f64, &str)> = None;
        for f in &site.power_feeds {
            let d = match &r.shape {
                Shape::Polygon(p) => closest_on_polygon(f.point.0, p).1,
                Shape::Point(p) => dist(f.point.0, p.0),
            };
            if best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, &f.id));
            }
        }
        if let Some((d, feed)) = best.filter(|(d, _)| *d > max) {
            errors.push(
                Problem::new(
                    Rule::R7ChargerCable,
                    format!(
                        "charger space {} is {d:.1} m from the nearest power feed {feed} (max_cable_m {max})",
                        r.id
                    ),
                )
                .features([r.id.as_str(), feed]),
            );
        }
    }
}

fn unreachable_warnings(site: &Site, policy: &Policy, w: &WalkMatrix, out: &mut Vec<Problem>) {
    if site.resources.is_empty() {
        return;
    }
    if w.units.is_empty() {
        out.push(Problem::new(
            Rule::WUnreachableByWalk,
            "the layout has no entrance, so no household can reach any resource",
        ));
        return;
    }
    // In resource id order, whatever the order of the features.
    let mut order: Vec<(usize, &Resource)> = site.resources.iter().enumerate().collect();
    order.sort_by(|a, b| a.1.id.cmp(&b.1.id));
    for (j, r) in order {
        let max = policy.kind(r.kind).max_walk_m;
        if let Some((u, d)) = w.nearest_unit(j) {
            if d > max {
                let (b, unit) = w.units.get(u).cloned().unwrap_or_default();
                out.push(
                    Problem::new(
                        Rule::WUnreachableByWalk,
                        format!(
                            "{} {} is {d:.1} m from the nearest entrance (building {b}, unit {unit}); max_walk_m for {} is {max}, so no household can get it",
                            kind_words(r.kind),
                            r.id,
                            r.kind
                        ),
                    )
                    .feature(r.id.clone()),
                );
            }
        }
    }
}

fn accessible_share_warning(site: &Site, out: &mut Vec<Problem>) {
    let n = site.resources_of(ResourceKind::ParkingSpace).count();
    if n == 0 {
        return;
    }
    let a = site
        .resources_of(ResourceKind::ParkingSpace)
        .filter(|r| r.accessible)
        .count();
    if a == 0 || (a as f64) < ACCESSIBLE_SHARE * n as f64 {
        let needed = (ACCESSIBLE_SHARE * n as f64).ceil().max(1.0) as usize;
        out.push(Problem::new(
            Rule::WAccessibleShare,
            format!(
                "{a} of {n} parking spaces are accessible ({:.1} %); GB 50763 asks for at least 2 % and at least one ({needed})",
                100.0 * a as f64 / n as f64
            ),
        ));
    }
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
    let far = |c: Coord<f64>| {
        opened
            .0
            .iter()
            .map(|p| closest_on_polygon(c, p).1)
            .fold(f64::INFINITY, f64::min)
            > slack
    };
    for (a, b) in super::measure::ring_segments(lane) {
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
fn estimated_min_width(lane: &Polygon<f64>) -> f64 {
    let (mut lo, mut hi) = (0.0, FIRE_LANE_WIDTH_M);
    for _ in 0..8 {
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
    use geo::{polygon, Rotate};

    fn rect(x0: f64, y0: f64, w: f64, h: f64) -> Polygon<f64> {
        polygon![(x: x0, y: y0), (x: x0 + w, y: y0), (x: x0 + w, y: y0 + h), (x: x0, y: y0 + h)]
    }

    #[test]
    fn overlapping_spaces_are_reported_with_the_overlap_area() {
        let a = Shape::Polygon(rect(0.0, 0.0, 2.5, 5.3));
        let b = Shape::Polygon(rect(2.0, 0.0, 2.5, 5.3));
        assert_eq!(overlap(&a, &b).as_deref(), Some("by 2.65 m²"));
        let c = Shape::Polygon(rect(2.5, 0.0, 2.5, 5.3));
        assert_eq!(overlap(&a, &c), None, "a shared edge is fine");
        let d = Shape::Polygon(rect(2.499, 0.0, 2.5, 5.3));
        assert_eq!(overlap(&a, &d), None, "0.0053 m² is noise");
        let inside = Shape::Point(Point::new(1.0, 1.0));
        assert!(overlap(&a, &inside).is_some());
        assert!(overlap(&inside, &Shape::Point(Point::new(1.005, 1.0))).is_some());
        assert!(overlap(&inside, &Shape::Point(Point::new(1.02, 1.0))).is_none());
    }

    #[rstest::rstest]
    #[case(2.4, 5.3, 37.0, false, true)]
    #[case(2.3, 5.3, 37.0, false, false)]
    #[case(2.36, 5.26, 0.0, false, true)]
    #[case(2.4, 5.2, 12.5, false, false)]
    #[case(3.6, 5.3, 61.0, true, true)]
    #[case(3.0, 5.3, 61.0, true, false)]
    fn parking_sizes_are_measured_on_the_minimum_rotated_rectangle(
        #[case] w: f64,
        #[case] l: f64,
        #[case] degrees: f64,
        #[case] accessible: bool,
        #[case] passes: bool,
    ) {
        let poly = rect(10.0, 20.0, w, l).rotate_around_centroid(degrees);
        let (mw, ml) = rotated_rect_size(&poly).unwrap();
        assert!(
            (mw - w).abs() < 1e-6 && (ml - l).abs() < 1e-6,
            "{mw} × {ml}"
        );
        let r = Resource {
            id: "P1".into(),
            kind: ResourceKind::ParkingSpace,
            shape: Shape::Polygon(poly),
            accessible,
            charger: false,
            zone: None,
        };
        let mut errors = Vec::new();
        rule5_parking_size(&[&r], &mut errors);
        assert_eq!(errors.is_empty(), passes, "{errors:?}");
        if let Some(e) = errors.first() {
            assert!(
                e.message.contains(&format!("{w:.2} m × {l:.2} m")),
                "{}",
                e.message
            );
        }
    }

    #[test]
    fn six_thousand_spaces_are_checked_for_overlaps_quickly_and_exactly() {
        use crate::model::Zone;
        // 60 rows × 100 spaces sharing edges, plus three spaces shifted into a neighbour.
        let mut resources = Vec::new();
        for row in 0..60 {
            for col in 0..100 {
                let shift =
                    if (row, col) == (3, 7) || (row, col) == (40, 50) || (row, col) == (59, 99) {
                        0.5
                    } else {
                        0.0
                    };
                resources.push(Resource {
                    id: format!("P{row}-{col}"),
                    kind: ResourceKind::ParkingSpace,
                    shape: Shape::Polygon(rect(
                        col as f64 * 2.5 + shift,
                        row as f64 * 6.0,
                        2.5,
                        5.3,
                    )),
                    accessible: false,
                    charger: false,
                    zone: None,
                });
            }
        }
        let site = Site {
            id: None,
            name: None,
            coordinates: crate::model::CoordinateMode::LocalMeters,
            boundary: Some(Zone {
                id: "S".into(),
                reason: None,
                polygon: rect(-10.0, -10.0, 300.0, 400.0),
            }),
            buildings: Vec::new(),
            entrances: Vec::new(),
            gates: Vec::new(),
            walkways: Vec::new(),
            fire_lanes: Vec::new(),
            keep_clear: Vec::new(),
            power_feeds: Vec::new(),
            resources,
            raw: serde_json::Value::Null,
        };
        let t = std::time::Instant::now();
        let report = validate(&site, &Policy::default(), None);
        let secs = t.elapsed().as_secs_f64();
        eprintln!("validate 6000 spaces: {secs:.3} s");
        let pairs: Vec<Vec<String>> = report.errors.iter().map(|p| p.features.clone()).collect();
        assert_eq!(
            pairs,
            vec![
                vec!["P3-7".to_string(), "P3-8".to_string()],
                vec!["P40-50".to_string(), "P40-51".to_string()],
            ],
            "P59-99 is shifted towards nobody: {:?}",
            report.errors
        );
        assert!(report
            .errors
            .iter()
            .all(|p| p.message.ends_with("by 2.65 m²")));
        assert!(secs < 30.0);
    }

    #[test]
    fn three_thousand_copies_of_one_space_give_one_bounded_problem_per_copy() {
        let resources: Vec<Resource> = (0..3000)
            .map(|i| Resource {
                id: format!("P{i}"),
                kind: ResourceKind::ParkingSpace,
                shape: Shape::Polygon(rect(0.0, 0.0, 2.5, 5.3)),
                accessible: false,
                charger: false,
                zone: None,
            })
            .collect();
        let refs: Vec<&Resource> = resources.iter().collect();
        let mut errors = Vec::new();
        rule3_overlaps(&refs, &mut errors);
        assert_eq!(errors.len(), 2999, "the last copy overlaps no later one");
        let first = &errors[0];
        assert_eq!(first.features, ["P0", "P1", "P2", "P3", "P4", "P5"]);
        assert!(
            first
                .message
                .ends_with("(and 2994 more whose extents overlap it, not measured)"),
            "{}",
            first.message
        );
        assert!(errors.iter().all(|p| p.message.len() < 400));
        // The second-to-last copy overlaps only the last: measured, no remainder.
        assert_eq!(
            errors[2998].message,
            "parking space P2998 overlaps parking space P2999 by 13.25 m²"
        );
    }

    #[test]
    fn a_cancelled_validation_stops_early() {
        let resources: Vec<Resource> = (0..200)
            .map(|i| Resource {
                id: format!("P{i}"),
                kind: ResourceKind::ParkingSpace,
                shape: Shape::Polygon(rect(0.0, 0.0, 2.5, 5.3)),
                accessible: false,
                charger: false,
                zone: None,
            })
            .collect();
        let refs: Vec<&Resource> = resources.iter().collect();
        let cancel = crate::cancel::Cancel::new();
        cancel.cancel();
        let mut errors = Vec::new();
        cancel.scope(|| rule3_overlaps(&refs, &mut errors));
        assert!(errors.is_empty());
        rule3_overlaps(&refs, &mut errors);
        assert_eq!(errors.len(), 199);
    }

    #[test]
    fn flat_polygons_and_stray_holes_break_rule_one_and_are_skipped_afterwards() {
        use crate::model::Zone;
        let flat = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 2.0, y: 0.0), (x: 3.0, y: 0.0)];
        let stray_hole = Polygon::new(
            rect(10.0, 10.0, 5.0, 5.0).exterior().clone(),
            vec![rect(20.0, 20.0, 1.0, 1.0).exterior().clone()],
        );
        let mk = |id: &str, p: Polygon<f64>| Resource {
            id: id.into(),
            kind: ResourceKind::GardenPlot,
            shape: Shape::Polygon(p),
            accessible: false,
            charger: false,
            zone: None,
        };
        let site = Site {
            id: None,
            name: None,
            coordinates: crate::model::CoordinateMode::LocalMeters,
            boundary: Some(Zone {
                id: "S".into(),
                reason: None,
                polygon: rect(0.0, 0.0, 5.0, 5.0),
            }),
            buildings: Vec::new(),
            entrances: Vec::new(),
            gates: Vec::new(),
            walkways: Vec::new(),
            fire_lanes: Vec::new(),
            keep_clear: Vec::new(),
            power_feeds: Vec::new(),
            // Both lie (partly) outside S, but only rule 1 may speak about them.
            resources: vec![mk("G1", flat), mk("G2", stray_hole)],
            raw: serde_json::Value::Null,
        };
        let report = validate(&site, &Policy::default(), None);
        let got: Vec<(&str, Option<&str>)> = report
            .errors
            .iter()
            .map(|p| (p.rule.as_str(), p.feature.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("R1-valid-polygon", Some("G1")),
                ("R1-valid-polygon", Some("G2"))
            ]
        );
        assert!(
            report.errors[1].message.contains("interior ring"),
            "{}",
            report.errors[1].message
        );
    }

    #[test]
    fn a_straight_lane_narrower_than_four_metres_is_found() {
        assert!(!fire_lane_narrower_than(&rect(0.0, 0.0, 4.0, 40.0), 3.95));
        assert!(fire_lane_narrower_than(&rect(0.0, 0.0, 3.5, 40.0), 3.95));
        let w = estimated_min_width(&rect(0.0, 0.0, 3.0, 40.0));
        assert!((w - 3.0).abs() < 0.05, "{w}");
    }

    #[test]
    fn rotated_and_curved_lanes_of_ample_width_pass() {
        assert!(!fire_lane_narrower_than(
            &rect(0.0, 0.0, 4.5, 60.0).rotate_around_centroid(33.0),
            3.95
        ));
        assert!(fire_lane_narrower_than(
            &rect(0.0, 0.0, 3.7, 60.0).rotate_around_centroid(33.0),
            3.95
        ));
        // A quarter ring, radii 20 and 26 m, drawn with 2° steps.
        let arc = |r: f64, from: i32, to: i32, step: i32| -> Vec<Coord<f64>> {
            let mut v = Vec::new();
            let mut a = from;
            while (step > 0 && a <= to) || (step < 0 && a >= to) {
                let t = (a as f64).to_radians();
                v.push(Coord {
                    x: r * t.cos(),
                    y: r * t.sin(),
                });
                a += step;
            }
            v
        };
        let mut ring = arc(26.0, 0, 90, 2);
        ring.extend(arc(20.0, 90, 0, -2));
        let lane = Polygon::new(geo::LineString::new(ring), vec![]);
        assert!(!fire_lane_narrower_than(&lane, 3.95));
        let w = estimated_min_width(&lane);
        assert!(w > 3.9, "{w}");
    }

    #[test]
    fn an_l_shaped_lane_passes_but_a_neck_or_a_thin_spur_does_not() {
        let l_shape = polygon![(x: 0.0, y: 0.0), (x: 30.0, y: 0.0), (x: 30.0, y: 5.0), (x: 5.0, y: 5.0), (x: 5.0, y: 30.0), (x: 0.0, y: 30.0)];
        assert!(!fire_lane_narrower_than(&l_shape, 3.95));
        // 6 m wide with a 3 m neck in the middle.
        let neck = polygon![(x: 0.0, y: 0.0), (x: 20.0, y: 0.0), (x: 20.0, y: 3.0), (x: 25.0, y: 3.0), (x: 25.0, y: 0.0), (x: 45.0, y: 0.0),
            (x: 45.0, y: 6.0), (x: 0.0, y: 6.0)];
        assert!(fire_lane_narrower_than(&neck, 3.95));
        let w = estimated_min_width(&neck);
        assert!((w - 3.0).abs() < 0.05, "{w}");
        // 6 m wide, pinched to 3 m between two opposite notches.
        let pinch = polygon![(x: 0.0, y: 0.0), (x: 20.0, y: 0.0), (x: 21.0, y: 1.5), (x: 22.0, y: 0.0), (x: 40.0, y: 0.0),
            (x: 40.0, y: 6.0), (x: 22.0, y: 6.0), (x: 21.0, y: 4.5), (x: 20.0, y: 6.0), (x: 0.0, y: 6.0)];
        assert!(fire_lane_narrower_than(&pinch, 3.95));
        assert!((estimated_min_width(&pinch) - 3.0).abs() < 0.05);
        // 6 m lane with a 2 m wide, 10 m long spur.
        let spur = polygon![(x: 0.0, y: 0.0), (x: 40.0, y: 0.0), (x: 40.0, y: 6.0), (x: 21.0, y: 6.0), (x: 21.0, y: 16.0), (x: 19.0, y: 16.0),
            (x: 19.0, y: 6.0), (x: 0.0, y: 6.0)];
        assert!(fire_lane_narrower_than(&spur, 3.95));
    }
}
