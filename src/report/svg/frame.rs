//! The frame of the map and the drawing helpers every layer uses: numbers,
//! paths, label boxes, text.

use super::{escape_xml, feature_element_id};
use crate::model::{Shape, Site};
use geo::{BoundingRect, Centroid, LineString, MinimumRotatedRect, Point, Polygon};
use std::collections::BTreeMap;

/// A number with at most two decimals, without trailing zeros or `-0`.
pub(super) fn num(v: f64) -> String {
    if !v.is_finite() {
        return "0".to_string();
    }
    let s = format!("{:.2}", v);
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".to_string()
    } else {
        s
    }
}

/// The largest 1, 2 or 5 × 10ⁿ metres not above `limit` (at least 1 m).
pub fn nice_length(limit: f64) -> f64 {
    if !limit.is_finite() || limit <= 1.0 {
        return 1.0;
    }
    let mut exp = 10f64.powi(limit.log10().floor() as i32);
    // Guard against log10 rounding just below a power of ten.
    if exp * 10.0 <= limit {
        exp *= 10.0;
    }
    for m in [5.0, 2.0, 1.0] {
        if m * exp <= limit {
            return m * exp;
        }
    }
    exp
}

/// Approximate width of `s` in ems: CJK and other wide characters count one
/// em, the rest 0.6.
pub(super) fn text_em(s: &str) -> f64 {
    s.chars()
        .map(|c| if (c as u32) >= 0x2e80 { 1.0 } else { 0.6 })
        .sum::<f64>()
        .max(0.6)
}

/// Map coordinates to drawing coordinates.
#[derive(Debug, Clone, Copy)]
pub(super) struct Frame {
    pub(super) minx: f64,
    pub(super) maxy: f64,
    pub(super) left: f64,
    pub(super) top: f64,
}

impl Frame {
    pub(super) fn x(&self, x: f64) -> f64 {
        x - self.minx + self.left
    }
    pub(super) fn y(&self, y: f64) -> f64 {
        self.maxy - y + self.top
    }
    pub(super) fn xy(&self, p: geo::Coord<f64>) -> String {
        format!("{} {}", num(self.x(p.x)), num(self.y(p.y)))
    }
}

pub(super) fn ring_path(frame: &Frame, ring: &LineString<f64>, d: &mut String) {
    let coords: Vec<_> = ring.coords().copied().collect();
    // A closed ring repeats its first point; Z closes it.
    let n = if coords.len() > 1 && coords.first() == coords.last() {
        coords.len() - 1
    } else {
        coords.len()
    };
    for (i, c) in coords.iter().take(n).enumerate() {
        if !d.is_empty() && i == 0 {
            d.push(' ');
        }
        d.push_str(if i == 0 { "M" } else { " L" });
        d.push_str(&frame.xy(*c));
    }
    if n > 0 {
        d.push_str(" Z");
    }
}

pub(super) fn polygon_path(frame: &Frame, poly: &Polygon<f64>) -> String {
    let mut d = String::new();
    ring_path(frame, poly.exterior(), &mut d);
    for hole in poly.interiors() {
        ring_path(frame, hole, &mut d);
    }
    d
}

pub(super) fn line_points(frame: &Frame, line: &LineString<f64>) -> String {
    line.coords()
        .map(|c| format!("{},{}", num(frame.x(c.x)), num(frame.y(c.y))))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Any drawable geometry of a feature, for problem markers.
#[derive(Debug, Clone, Copy)]
pub(super) enum Geom<'a> {
    Poly(&'a Polygon<f64>),
    Pt(Point<f64>),
    Line(&'a LineString<f64>),
}

pub(super) fn site_geometries(site: &Site) -> BTreeMap<&str, Geom<'_>> {
    let mut m = BTreeMap::new();
    // The first definition wins (ids are unique in a valid layout).
    for (id, g) in all_geometries(site) {
        m.entry(id).or_insert(g);
    }
    m
}

/// Every geometry of the layout, in drawing order.
pub(super) fn all_geometries(site: &Site) -> Vec<(&str, Geom<'_>)> {
    let mut all: Vec<(&str, Geom<'_>)> = Vec::new();
    if let Some(b) = &site.boundary {
        all.push((&b.id, Geom::Poly(&b.polygon)));
    }
    all.extend(
        site.buildings
            .iter()
            .map(|b| (b.id.as_str(), Geom::Poly(&b.polygon))),
    );
    all.extend(
        site.entrances
            .iter()
            .map(|e| (e.id.as_str(), Geom::Pt(e.point))),
    );
    all.extend(
        site.gates
            .iter()
            .chain(&site.power_feeds)
            .map(|g| (g.id.as_str(), Geom::Pt(g.point))),
    );
    all.extend(
        site.walkways
            .iter()
            .map(|w| (w.id.as_str(), Geom::Line(&w.line))),
    );
    all.extend(
        site.fire_lanes
            .iter()
            .chain(&site.keep_clear)
            .map(|z| (z.id.as_str(), Geom::Poly(&z.polygon))),
    );
    all.extend(site.resources.iter().map(|r| {
        let g = match &r.shape {
            Shape::Point(p) => Geom::Pt(*p),
            Shape::Polygon(p) => Geom::Poly(p),
        };
        (r.id.as_str(), g)
    }));
    all
}

/// The extent of every finite coordinate of the layout.
pub(super) fn bounds(site: &Site) -> Option<(f64, f64, f64, f64)> {
    let mut b: Option<(f64, f64, f64, f64)> = None;
    let mut add = |x: f64, y: f64| {
        if x.is_finite() && y.is_finite() {
            b = Some(match b {
                None => (x, y, x, y),
                Some((a, c, d, e)) => (a.min(x), c.min(y), d.max(x), e.max(y)),
            });
        }
    };
    for (_, g) in all_geometries(site) {
        match g {
            Geom::Poly(p) => p.exterior().coords().for_each(|c| add(c.x, c.y)),
            Geom::Pt(p) => add(p.x(), p.y()),
            Geom::Line(l) => l.coords().for_each(|c| add(c.x, c.y)),
        }
    }
    b
}

/// Where and how to write a label inside a polygon: its centre in drawing
/// coordinates, its long and short side in metres, and the rotation (degrees,
/// clockwise on screen) that runs text along the long side, kept readable.
#[derive(Debug, Clone, Copy)]
pub(super) struct LabelBox {
    pub(super) cx: f64,
    pub(super) cy: f64,
    pub(super) long: f64,
    pub(super) short: f64,
    pub(super) angle: f64,
}

pub(super) fn label_box(frame: &Frame, poly: &Polygon<f64>) -> Option<LabelBox> {
    if let Some(rect) = poly.minimum_rotated_rect() {
        let c: Vec<_> = rect.exterior().coords().copied().collect();
        if let (Some(a), Some(b), Some(d), Some(centre)) =
            (c.first(), c.get(1), c.get(2), rect.centroid())
        {
            let e1 = (b.x - a.x, b.y - a.y);
            let e2 = (d.x - b.x, d.y - b.y);
            let l1 = e1.0.hypot(e1.1);
            let l2 = e2.0.hypot(e2.1);
            let (long, short, dir) = if l1 >= l2 { (l1, l2, e1) } else { (l2, l1, e2) };
            if long.is_finite() && long > 0.0 && centre.x().is_finite() && centre.y().is_finite() {
                // y is flipped on screen.
                let mut angle = (-dir.1).atan2(dir.0).to_degrees();
                if angle > 90.0 {
                    angle -= 180.0;
                } else if angle <= -90.0 {
                    angle += 180.0;
                }
                // Nearly horizontal or vertical text is written exactly so.
                for snap in [-90.0, 0.0, 90.0] {
                    if (angle - snap).abs() < 0.5 {
                        angle = snap;
                    }
                }
                if angle == -90.0 {
                    angle = 90.0;
                }
                return Some(LabelBox {
                    cx: frame.x(centre.x()),
                    cy: frame.y(centre.y()),
                    long,
                    short,
                    angle,
                });
            }
        }
    }
    let r = poly.bounding_rect()?;
    let (w, h) = (r.width(), r.height());
    Some(LabelBox {
        cx: frame.x(r.center().x),
        cy: frame.y(r.center().y),
        long: w.max(h),
        short: w.min(h),
        angle: if h > w { 90.0 } else { 0.0 },
    })
}

/// Writes centred lines of text around `(cx, cy)`, rotated by `angle`.
pub(super) fn centred_lines(
    out: &mut String,
    cx: f64,
    cy: f64,
    angle: f64,
    size: f64,
    lines: &[&str],
    attrs: &str,
) {
    let n = lines.len() as f64;
    let rotate = if angle == 0.0 {
        String::new()
    } else {
        format!(
            " transform=\"rotate({} {} {})\"",
            num(angle),
            num(cx),
            num(cy)
        )
    };
    for (i, line) in lines.iter().enumerate() {
        let centre = cy + (i as f64 - (n - 1.0) / 2.0) * 1.15 * size;
        out.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"middle\"{}{}>{}</text>",
            num(cx),
            num(centre + 0.35 * size),
            num(size),
            attrs,
            rotate,
            escape_xml(line)
        ));
    }
}

/// A plain left-aligned text line.
pub(super) fn text_at(out: &mut String, x: f64, y: f64, size: f64, s: &str, attrs: &str) {
    out.push_str(&format!(
        "<text x=\"{}\" y=\"{}\" font-size=\"{}\"{}>{}</text>",
        num(x),
        num(y),
        num(size),
        attrs,
        escape_xml(s)
    ));
}

/// Opens a feature group with its tooltip.
pub(super) fn open_feature(out: &mut String, id: &str, class: &str, tooltip: &str) {
    out.push_str(&format!(
        "<g id=\"{}\" class=\"{}\"><title>{}</title>",
        feature_element_id(id),
        escape_xml(class),
        escape_xml(tooltip)
    ));
}

/// `s` cut to about `max_em` ems, with an ellipsis when cut.
pub(super) fn truncate_em(s: &str, max_em: f64) -> String {
    if text_em(s) <= max_em {
        return s.to_string();
    }
    let mut out = String::new();
    let mut em = 0.0;
    for c in s.chars() {
        let ce = if (c as u32) >= 0x2e80 { 1.0 } else { 0.6 };
        if em + ce > max_em - 1.0 {
            break;
        }
        em += ce;
        out.push(c);
    }
    out.push('…');
    out
}

/// The radius of each point resource (by index in `site.resources`): 0.6 m,
/// or less so that neighbouring points do not overlap.
pub(super) fn point_radii(site: &Site) -> Vec<f64> {
    let points: Vec<Option<Point<f64>>> = site
        .resources
        .iter()
        .map(|r| match r.shape {
            Shape::Point(p) => Some(p),
            Shape::Polygon(_) => None,
        })
        .collect();
    points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let Some(p) = p else { return 0.6 };
            let nearest = points
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .filter_map(|(_, q)| q.map(|q| (q.x() - p.x()).hypot(q.y() - p.y())))
                .filter(|d| *d > 1e-6)
                .fold(f64::INFINITY, f64::min);
            (nearest * 0.45).clamp(0.15, 0.6)
        })
        .collect()
}
