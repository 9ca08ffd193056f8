//! Geometry rules 1–7 and the layout warnings of FORMAT.md §1.
//!
//! Each problem names the feature id(s), the rule and the measure. A polygon
//! that breaks rule 1 is left out of every later geometric rule (its measures
//! would be nonsense). Readings of the spec chosen here:
//! - Rule 1: geo's OGC validation (checked with an R-tree, [`super::validity`]: closed rings, at least 3 distinct points,
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
use super::overlaps::{rule3_overlaps, rule4_forbidden};
use super::walk::WalkMatrix;
use crate::model::{Policy, Problem, Resource, ResourceKind, Rule, Shape, Site};
use geo::{Area, BooleanOps, BoundingRect, MinimumRotatedRect, Polygon};
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
    super::lane_width::fire_lane_warnings(site, &invalid, &mut report.warnings);
    report
}

pub(super) fn kind_words(kind: ResourceKind) -> &'static str {
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
        let mut reasons: Vec<String> = super::validity::polygon_problems(poly)
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

#[cfg(test)]
mod tests;
