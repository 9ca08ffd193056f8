//! Rules 3 and 4 of FORMAT.md §1: resources overlapping one another or a
//! building, fire lane or keep-clear zone. Candidates come from an R-tree of
//! bounding boxes; each resource is one problem naming the first
//! [`OVERLAPS_MEASURED`] overlaps (measured) and counting the rest, so that
//! thousands of copies of one space cost linear work and a bounded answer.

use super::measure::dist;
use super::validate::{kind_words, AREA_TOLERANCE_M2, POINT_TOLERANCE_M};
use crate::model::{Problem, Resource, Rule, Shape, Site};
use geo::{Area, BooleanOps, BoundingRect, Contains, Point, Rect};
use rstar::primitives::GeomWithData;
use rstar::{RTree, RTreeObject, AABB};
use std::collections::{BTreeMap, BTreeSet};

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
            // A copy overlaps by its whole area (no clipping needed).
            let area = if p == q {
                p.unsigned_area()
            } else {
                p.intersection(q).unsigned_area()
            };
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
/// an overlap, used to count the overlaps that are not measured);
/// `b_point`: the second shape is a point.
fn envelopes_overlap(a: &Shape, ea: &Rect<f64>, b_point: bool, eb: &Rect<f64>) -> bool {
    let w = ea.max().x.min(eb.max().x) - ea.min().x.max(eb.min().x);
    let h = ea.max().y.min(eb.max().y) - ea.min().y.max(eb.min().y);
    match (a, b_point) {
        (Shape::Polygon(_), false) => w > 0.0 && h > 0.0 && w * h > AREA_TOLERANCE_M2,
        _ => w >= -POINT_TOLERANCE_M && h >= -POINT_TOLERANCE_M,
    }
}

/// One overlap found: the other feature's id, what it is and the measure.
struct Found<'a> {
    id: &'a str,
    what: &'a str,
    measure: String,
}

/// How many of the lowest-numbered candidates are kept, in order, for
/// measuring (more only when fewer than [`OVERLAPS_MEASURED`] of them
/// overlap for real).
const KEPT: usize = 64;

/// At most this many distinct envelopes are looked at per resource: beyond
/// it (thousands of distinct shapes piled on one spot) the overlaps named
/// are the first found in the R-tree and the count is a lower bound.
const ENVELOPES_VISITED: usize = 1000;

/// Candidates sharing one envelope (copies of one shape): their numbers in
/// increasing order, and whether they are points.
struct Group {
    members: Vec<usize>,
    point: bool,
}

/// An R-tree of envelopes, each once with the candidates that have it, so
/// that a resource copied thousands of times is one entry.
struct Index {
    tree: RTree<GeomWithData<Rect<f64>, usize>>,
    groups: Vec<Group>,
}

impl Index {
    /// Indexes `shapes` (numbered by position) by envelope.
    fn new<'s>(shapes: impl Iterator<Item = &'s Shape>) -> Index {
        let mut by_envelope: BTreeMap<([u64; 4], bool), usize> = BTreeMap::new();
        let mut groups: Vec<Group> = Vec::new();
        let mut items = Vec::new();
        for (k, shape) in shapes.enumerate() {
            let Some(e) = envelope(shape) else {
                continue;
            };
            let point = matches!(shape, Shape::Point(_));
            let key = (
                [e.min().x, e.min().y, e.max().x, e.max().y].map(f64::to_bits),
                point,
            );
            let g = *by_envelope.entry(key).or_insert_with(|| {
                items.push(GeomWithData::new(e, groups.len()));
                groups.push(Group {
                    members: Vec::new(),
                    point,
                });
                groups.len() - 1
            });
            if let Some(group) = groups.get_mut(g) {
                group.members.push(k);
            }
        }
        Index {
            tree: RTree::bulk_load(items),
            groups,
        }
    }

    /// The envelopes meeting `query`, each with whether its shapes are
    /// points and the numbers above `after` that have it, in order (empty
    /// when none: every envelope visited is yielded, so a bound on the
    /// visits bounds the work).
    fn near<'i>(
        &'i self,
        query: &AABB<Point<f64>>,
        after: Option<usize>,
    ) -> impl Iterator<Item = (Rect<f64>, bool, &'i [usize])> + 'i {
        self.tree
            .locate_in_envelope_intersecting(query)
            .map(move |item| match self.groups.get(item.data) {
                Some(g) => {
                    let from = after.map_or(0, |a| g.members.partition_point(|&m| m <= a));
                    (*item.geom(), g.point, g.members.get(from..).unwrap_or(&[]))
                }
                None => (*item.geom(), false, &[][..]),
            })
    }
}

/// Measures `shape` against the candidates `near` yields, lowest number
/// first: names the first [`OVERLAPS_MEASURED`] overlaps and counts the
/// further candidates whose envelopes overlap it. Copies of one shape are
/// one group (counted at once), and only the [`KEPT`] lowest numbers are
/// ordered, so thousands of copies of one resource stay cheap.
fn overlaps_of<'a, 'i, I>(
    shape: &Shape,
    env: &Rect<f64>,
    near: impl Fn() -> I,
    lookup: impl Fn(usize) -> Option<(&'a str, &'a str, &'a Shape)>,
) -> (Vec<Found<'a>>, More)
where
    I: Iterator<Item = (Rect<f64>, bool, &'i [usize])>,
{
    // The candidates in order, with whether their envelopes overlap
    // `shape`'s; all of them (`keep` None) or the `keep` lowest.
    let gather = |keep: Option<usize>| {
        let mut wide = 0usize;
        let mut list: Vec<(usize, bool)> = Vec::new();
        let mut dropped = false;
        let mut capped = false;
        for (n, (other_env, point, members)) in near().enumerate() {
            if n >= ENVELOPES_VISITED {
                capped = true;
                break;
            }
            let eo = envelopes_overlap(shape, env, point, &other_env);
            wide += if eo { members.len() } else { 0 };
            let take = keep.unwrap_or(members.len());
            dropped |= members.len() > take;
            list.extend(members.iter().take(take).map(|&m| (m, eo)));
            if let Some(k) = keep.filter(|&k| list.len() > 4 * k) {
                list.sort_unstable();
                list.truncate(k);
                dropped = true;
            }
        }
        list.sort_unstable();
        if let Some(k) = keep {
            dropped |= list.len() > k;
            list.truncate(k);
        }
        (list, wide, dropped, capped)
    };
    let measure = |list: &[(usize, bool)]| {
        let mut found = Vec::new();
        let mut counted = 0usize;
        for &(j, eo) in list {
            if found.len() >= OVERLAPS_MEASURED {
                break;
            }
            counted += usize::from(eo);
            if let Some((id, what, other)) = lookup(j) {
                if let Some(measure) = overlap(shape, other) {
                    found.push(Found { id, what, measure });
                }
            }
        }
        (found, counted)
    };
    let (list, wide, dropped, capped) = gather(Some(KEPT));
    let (mut found, mut counted) = measure(&list);
    if found.len() < OVERLAPS_MEASURED && dropped {
        // Too few real overlaps among the lowest: every candidate, in order.
        (found, counted) = measure(&gather(None).0);
    }
    let more = wide.saturating_sub(counted);
    (
        found,
        if capped {
            More::AtLeast(more)
        } else {
            More::Exactly(more)
        },
    )
}

/// How many further candidates' envelopes overlap a resource.
#[derive(Debug, Clone, Copy, PartialEq)]
enum More {
    Exactly(usize),
    /// Counting stopped at [`ENVELOPES_VISITED`] envelopes.
    AtLeast(usize),
}

fn overlap_message(subject: String, found: &[Found<'_>], more: More) -> String {
    let list = found
        .iter()
        .map(|f| format!("{} {} {}", f.what, f.id, f.measure))
        .collect::<Vec<_>>()
        .join(", ");
    let mut message = format!("{subject} overlaps {list}");
    let at_least = match more {
        More::Exactly(0) => None,
        More::Exactly(n) => Some(("", n)),
        More::AtLeast(n) => Some(("at least ", n)),
    };
    if let Some((words, n)) = at_least {
        message.push_str(&format!(
            " (and {words}{n} more whose extents overlap it, not measured)"
        ));
    }
    message
}

/// One problem of `rule` for `subject`, when it overlaps anything.
fn push_overlaps(
    errors: &mut Vec<Problem>,
    rule: Rule,
    subject: &Resource,
    found: &[Found<'_>],
    more: More,
) {
    if found.is_empty() {
        return;
    }
    let ids = found.iter().map(|f| f.id);
    errors.push(
        Problem::new(
            rule,
            overlap_message(
                format!("{} {}", kind_words(subject.kind), subject.id),
                found,
                more,
            ),
        )
        .features(std::iter::once(subject.id.as_str()).chain(ids)),
    );
}

/// Rule 3, one problem per resource: the later resources (in layout order)
/// it overlaps, found with an R-tree.
pub(super) fn rule3_overlaps(res: &[&Resource], errors: &mut Vec<Problem>) {
    let index = Index::new(res.iter().map(|r| &r.shape));
    let lookup = |j: usize| {
        res.get(j)
            .map(|b| (b.id.as_str(), kind_words(b.kind), &b.shape))
    };
    for (i, a) in res.iter().enumerate() {
        if crate::cancel::cancelled() {
            return;
        }
        let Some(e) = envelope(&a.shape) else {
            continue;
        };
        let query = padded(&e, POINT_TOLERANCE_M);
        let (found, more) = overlaps_of(&a.shape, &e, || index.near(&query, Some(i)), lookup);
        push_overlaps(errors, Rule::R3Overlap, a, &found, more);
    }
}

pub(super) fn rule4_forbidden(
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
    let index = Index::new(zones.iter().map(|(_, _, shape)| shape));
    let lookup = |k: usize| zones.get(k).map(|(what, id, shape)| (*id, *what, shape));
    for r in res {
        if crate::cancel::cancelled() {
            return;
        }
        let Some(e) = envelope(&r.shape) else {
            continue;
        };
        let query = e.envelope();
        let (found, more) = overlaps_of(&r.shape, &e, || index.near(&query, None), lookup);
        push_overlaps(errors, Rule::R4ForbiddenZone, r, &found, more);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ResourceKind;
    use geo::{polygon, Polygon};

    fn rect(x0: f64, y0: f64, w: f64, h: f64) -> Polygon<f64> {
        polygon![(x: x0, y: y0), (x: x0 + w, y: y0), (x: x0 + w, y: y0 + h), (x: x0, y: y0 + h)]
    }

    /// `n` parking spaces `P0`, `P1`, … of 2.5 × 5.3 m, each `shift` metres
    /// right of the one before (0: copies of one space).
    fn spaces(n: u32, shift: f64) -> Vec<Resource> {
        (0..n)
            .map(|i| Resource {
                id: format!("P{i}"),
                kind: ResourceKind::ParkingSpace,
                shape: Shape::Polygon(rect(f64::from(i) * shift, 0.0, 2.5, 5.3)),
                accessible: false,
                charger: false,
                zone: None,
            })
            .collect()
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

    #[test]
    fn three_thousand_copies_of_one_space_give_one_bounded_problem_per_copy() {
        let resources = spaces(3000, 0.0);
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
        let resources = spaces(200, 0.0);
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
    fn distinct_shapes_piled_on_one_spot_are_counted_up_to_a_bound() {
        // `n` spaces each 1 mm right of the one before: every pair overlaps.
        let piled = |n: u32| -> Vec<Problem> {
            let resources = spaces(n, 0.001);
            let refs: Vec<&Resource> = resources.iter().collect();
            let mut errors = Vec::new();
            rule3_overlaps(&refs, &mut errors);
            errors
        };
        // Under the bound: counted exactly, the first five in layout order.
        let errors = piled(900);
        assert_eq!(errors.len(), 899);
        assert_eq!(errors[0].features, ["P0", "P1", "P2", "P3", "P4", "P5"]);
        assert!(
            errors[0]
                .message
                .ends_with("(and 894 more whose extents overlap it, not measured)"),
            "{}",
            errors[0].message
        );
        // Over it: five named, a lower bound, every problem short.
        let errors = piled(1500);
        assert!(!errors.is_empty() && errors.len() < 1500);
        assert_eq!(errors[0].features.len(), 1 + OVERLAPS_MEASURED);
        assert!(
            errors[0].message.contains("(and at least "),
            "{}",
            errors[0].message
        );
        assert!(errors.iter().all(|p| p.message.len() < 400));
    }
}
