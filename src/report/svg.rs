//! The SVG site map: the layout drawn to scale, north up, with every resource
//! coloured by its state in an allocation and labelled with its id and holder,
//! a legend, a scale bar and a north arrow. Layout problems are drawn in red
//! (warnings in orange) on the features they name.
//!
//! The output is SVG 1.1 (`version="1.1"`, presentation attributes only, no
//! CSS, no scripts, no external references), deterministic (layout order,
//! numbers with at most two decimals) and self-contained: Chinese text uses a
//! stack of CJK system fonts and nothing is fetched from the network.
//!
//! Coordinates: the user unit is one metre. `Site` coordinates are planar
//! metres with y north; the map flips y so that north is up. Each feature is
//! one `<g class="feature KIND …" id="f-…">` whose first child is a `<title>`
//! (the tooltip) and whose second is its one shape; resources also carry their
//! state (`assigned`, `free`, `pinned`, `reserved-accessible`, `charger`) as a
//! class. Element ids are [`svg_id`] of the feature id.

use super::i18n::{kind_name, t, tf, Lang};
use crate::model::{Allocation, Assignment, Problem, Resource, ResourceKind, Shape, Site};
use geo::{BoundingRect, Centroid, LineString, MinimumRotatedRect, Point, Polygon};
use std::collections::{BTreeMap, BTreeSet};

/// The font stack for every text: CJK system fonts first, so Chinese labels
/// render on Linux, macOS and Windows without fetching a web font.
pub const FONT_FAMILY: &str = "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', \
'Microsoft YaHei', 'WenQuanYi Micro Hei', 'Noto Sans', 'DejaVu Sans', sans-serif";

/// The default `width` of the drawing in CSS pixels.
pub const DEFAULT_WIDTH_PX: f64 = 1200.0;

/// Colour of errors drawn on the plan.
pub const PROBLEM_RED: &str = "#e31a1c";
/// Colour of warnings drawn on the plan.
pub const WARNING_ORANGE: &str = "#ff7f00";

/// What to draw besides the layout.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions<'a> {
    pub lang: Lang,
    /// Colours resources by their state in this allocation and labels their holders.
    pub allocation: Option<&'a Allocation>,
    /// Drawn in red on the features they name.
    pub errors: &'a [Problem],
    /// Drawn in orange on the features they name.
    pub warnings: &'a [Problem],
    /// The `width` attribute in CSS pixels (the height keeps the aspect ratio).
    pub width_px: f64,
    /// Resource ids to emphasise (a household's spaces on the web page): a
    /// thick dark outline and the class `highlight`.
    pub highlight: &'a [String],
}

impl<'a> RenderOptions<'a> {
    /// A layout-only map in `lang`, nothing else drawn.
    pub fn new(lang: Lang) -> RenderOptions<'a> {
        RenderOptions {
            lang,
            allocation: None,
            errors: &[],
            warnings: &[],
            width_px: DEFAULT_WIDTH_PX,
            highlight: &[],
        }
    }
}

/// The state a resource is drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceState {
    /// Given to a household by the allocation.
    Assigned,
    /// Given to a household by a policy pin.
    Pinned,
    /// Not given; an accessible parking space (reserved for permit holders).
    ReservedAccessible,
    /// Not given; a parking space with an EV charger (reserved for EV owners).
    Charger,
    /// Not given.
    Free,
}

impl ResourceState {
    /// Every state, in legend order.
    pub const ALL: [ResourceState; 5] = [
        ResourceState::Assigned,
        ResourceState::Pinned,
        ResourceState::ReservedAccessible,
        ResourceState::Charger,
        ResourceState::Free,
    ];

    /// The class written on the resource's `<g>`.
    pub fn class(self) -> &'static str {
        match self {
            ResourceState::Assigned => "assigned",
            ResourceState::Pinned => "pinned",
            ResourceState::ReservedAccessible => "reserved-accessible",
            ResourceState::Charger => "charger",
            ResourceState::Free => "free",
        }
    }

    /// The fill colour of the resource's shape.
    pub fn fill(self) -> &'static str {
        match self {
            ResourceState::Assigned => "#8fd175",
            ResourceState::Pinned => "#c9a0dc",
            ResourceState::ReservedAccessible => "#8ec5ef",
            ResourceState::Charger => "#fde68a",
            ResourceState::Free => "#ffffff",
        }
    }

    fn label_key(self) -> &'static str {
        match self {
            ResourceState::Assigned => "state.assigned",
            ResourceState::Pinned => "state.pinned",
            ResourceState::ReservedAccessible => "state.accessible",
            ResourceState::Charger => "state.charger",
            ResourceState::Free => "state.free",
        }
    }

    /// The state of `resource` given its holder's assignment (if any) and
    /// whether a policy pin gave it. A held resource is `Assigned` or
    /// `Pinned`; a free one shows its reservation (accessible wins over
    /// charger, as FORMAT.md counts a space that is both as accessible).
    pub fn of(resource: &Resource, holder: Option<&Assignment>, pinned: bool) -> ResourceState {
        match holder {
            Some(a) if pinned || a.basis == "pin" => ResourceState::Pinned,
            Some(_) => ResourceState::Assigned,
            None if resource.kind == ResourceKind::ParkingSpace && resource.accessible => {
                ResourceState::ReservedAccessible
            }
            None if resource.kind == ResourceKind::ParkingSpace && resource.charger => {
                ResourceState::Charger
            }
            None => ResourceState::Free,
        }
    }
}

/// Stroke of a highlighted resource.
const HIGHLIGHT_STROKE: &str = "#000000";
/// Stroke of an accessible space (whatever its state).
const ACCESSIBLE_STROKE: &str = "#1f5fa8";
/// Stroke of a charger space (whatever its state).
const CHARGER_STROKE: &str = "#b7791f";

/// An XML id for a feature id: ASCII letters, digits, `-` and `.` are kept;
/// every other character (including `_`) becomes `_` and its code point in
/// hex followed by `_`, so distinct feature ids give distinct XML ids.
pub fn svg_id(feature_id: &str) -> String {
    let mut s = String::with_capacity(feature_id.len() + 2);
    for c in feature_id.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
            s.push(c);
        } else {
            s.push('_');
            s.push_str(&format!("{:x}", c as u32));
            s.push('_');
        }
    }
    s
}

/// The element id of a feature's `<g>`.
pub fn feature_element_id(feature_id: &str) -> String {
    format!("f-{}", svg_id(feature_id))
}

/// Escapes text for XML content and attribute values, dropping the control
/// characters XML 1.0 does not allow.
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A number with at most two decimals, without trailing zeros or `-0`.
fn num(v: f64) -> String {
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
fn text_em(s: &str) -> f64 {
    s.chars()
        .map(|c| if (c as u32) >= 0x2e80 { 1.0 } else { 0.6 })
        .sum::<f64>()
        .max(0.6)
}

/// Map coordinates to drawing coordinates.
#[derive(Debug, Clone, Copy)]
struct Frame {
    minx: f64,
    maxy: f64,
    left: f64,
    top: f64,
}

impl Frame {
    fn x(&self, x: f64) -> f64 {
        x - self.minx + self.left
    }
    fn y(&self, y: f64) -> f64 {
        self.maxy - y + self.top
    }
    fn xy(&self, p: geo::Coord<f64>) -> String {
        format!("{} {}", num(self.x(p.x)), num(self.y(p.y)))
    }
}

fn ring_path(frame: &Frame, ring: &LineString<f64>, d: &mut String) {
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

fn polygon_path(frame: &Frame, poly: &Polygon<f64>) -> String {
    let mut d = String::new();
    ring_path(frame, poly.exterior(), &mut d);
    for hole in poly.interiors() {
        ring_path(frame, hole, &mut d);
    }
    d
}

fn line_points(frame: &Frame, line: &LineString<f64>) -> String {
    line.coords()
        .map(|c| format!("{},{}", num(frame.x(c.x)), num(frame.y(c.y))))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Any drawable geometry of a feature, for problem markers.
#[derive(Debug, Clone, Copy)]
enum Geom<'a> {
    Poly(&'a Polygon<f64>),
    Pt(Point<f64>),
    Line(&'a LineString<f64>),
}

fn site_geometries(site: &Site) -> BTreeMap<&str, Geom<'_>> {
    let mut m = BTreeMap::new();
    // The first definition wins (ids are unique in a valid layout).
    for (id, g) in all_geometries(site) {
        m.entry(id).or_insert(g);
    }
    m
}

/// Every geometry of the layout, in drawing order.
fn all_geometries(site: &Site) -> Vec<(&str, Geom<'_>)> {
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
fn bounds(site: &Site) -> Option<(f64, f64, f64, f64)> {
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
struct LabelBox {
    cx: f64,
    cy: f64,
    long: f64,
    short: f64,
    angle: f64,
}

fn label_box(frame: &Frame, poly: &Polygon<f64>) -> Option<LabelBox> {
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
fn centred_lines(
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
fn text_at(out: &mut String, x: f64, y: f64, size: f64, s: &str, attrs: &str) {
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
fn open_feature(out: &mut String, id: &str, class: &str, tooltip: &str) {
    out.push_str(&format!(
        "<g id=\"{}\" class=\"{}\"><title>{}</title>",
        feature_element_id(id),
        escape_xml(class),
        escape_xml(tooltip)
    ));
}

/// Renders the site map of `site`, resources coloured by their state in
/// `allocation` (if any), `problems` drawn in red on the features they name.
pub fn render_svg(
    site: &Site,
    allocation: Option<&Allocation>,
    problems: &[Problem],
    lang: Lang,
) -> String {
    let mut opts = RenderOptions::new(lang);
    opts.allocation = allocation;
    opts.errors = problems;
    render_svg_with(site, &opts)
}

/// What `allot render --layout L [--allocation A] [--lang zh|en] --out map.svg`
/// draws: the layout's features that load, validated against the
/// allocation's policy (or the default policy) with its walking network,
/// every error (loading ones too) in red and every warning in orange,
/// resources coloured by `allocation` when given. `Err` with the problems
/// only when the value is not a FeatureCollection at all (nothing to draw).
pub fn render_layout(
    layout: &serde_json::Value,
    allocation: Option<&Allocation>,
    lang: Lang,
) -> Result<String, crate::model::Problems> {
    let (site, mut errors) = crate::geometry::load_layout_partial(layout);
    let Some(site) = site else {
        return Err(errors);
    };
    let default_policy = crate::model::Policy::default();
    let policy = allocation.map(|a| &a.policy).unwrap_or(&default_policy);
    let walks = crate::geometry::walking_distances(&site);
    let report = crate::geometry::validate(&site, policy, Some(&walks));
    errors.0.extend(report.errors);
    let mut opts = RenderOptions::new(lang);
    opts.allocation = allocation;
    opts.errors = &errors.0;
    opts.warnings = &report.warnings;
    Ok(render_svg_with(&site, &opts))
}

/// Renders the site map with every option.
pub fn render_svg_with(site: &Site, opts: &RenderOptions<'_>) -> String {
    let lang = opts.lang;
    let (mut minx, mut miny, mut maxx, mut maxy) = bounds(site).unwrap_or((0.0, 0.0, 10.0, 10.0));
    // At least 10 m each way, so a degenerate layout still has a frame.
    if maxx - minx < 10.0 {
        let c = (minx + maxx) / 2.0;
        minx = c - 5.0;
        maxx = c + 5.0;
    }
    if maxy - miny < 10.0 {
        let c = (miny + maxy) / 2.0;
        miny = c - 5.0;
        maxy = c + 5.0;
    }
    let (w, h) = (maxx - minx, maxy - miny);
    // The unit of map furniture (text, symbols): 1/80 of the larger side.
    let u = w.max(h) / 80.0;
    let pad = 3.0 * u;
    let title_h = 4.0 * u;
    let legend_w = 26.0 * u;
    let frame = Frame {
        minx,
        maxy,
        left: pad,
        top: pad + title_h,
    };

    // Holders and pins.
    let mut holders: BTreeMap<&str, &Assignment> = BTreeMap::new();
    let mut pins: BTreeSet<(&str, &str)> = BTreeSet::new();
    if let Some(a) = opts.allocation {
        for asg in &a.assignments {
            holders.entry(asg.resource.as_str()).or_insert(asg);
        }
        for p in &a.policy.pins {
            pins.insert((p.household.as_str(), p.resource.as_str()));
        }
    }

    // The legend decides the height together with the map.
    let legend = Legend::new(site, opts, u, legend_w);
    let body_h = h.max(legend.height);
    let problem_lines = problem_panel_lines(opts);
    let panel_h = if problem_lines.is_empty() {
        0.0
    } else {
        (problem_lines.len() as f64 + 1.5) * 1.4 * u + pad
    };
    let total_w = pad + w + pad + legend_w + pad;
    let total_h = frame.top + body_h + pad + panel_h;
    let width_px = if opts.width_px.is_finite() && opts.width_px > 0.0 {
        opts.width_px
    } else {
        DEFAULT_WIDTH_PX
    };

    let mut o = String::with_capacity(64 * 1024);
    o.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    o.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{}\" height=\"{}\" \
viewBox=\"0 0 {} {}\" font-family=\"{}\" xml:lang=\"{}\" class=\"allot-map\">\n",
        num(width_px.round()),
        num((width_px * total_h / total_w).round()),
        num(total_w),
        num(total_h),
        FONT_FAMILY,
        lang.tag()
    ));
    let site_name = site.name.clone().unwrap_or_else(|| site.display_id());
    let heading = format!("{} · {}", site_name, t(lang, "map.title"));
    o.push_str(&format!("<title>{}</title>\n", escape_xml(&heading)));
    // Hatching for fire lanes.
    o.push_str(&format!(
        "<defs><pattern id=\"hatch-fire-lane\" patternUnits=\"userSpaceOnUse\" width=\"{s}\" height=\"{s}\" \
patternTransform=\"rotate(45)\"><rect width=\"{s}\" height=\"{s}\" fill=\"#fde0c5\"/>\
<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"{s}\" stroke=\"#f16913\" stroke-width=\"{sw}\"/></pattern></defs>\n",
        s = num(1.5),
        sw = num(0.6)
    ));
    o.push_str(&format!(
        "<rect id=\"background\" x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n",
        num(total_w),
        num(total_h)
    ));
    text_at(
        &mut o,
        pad,
        pad + 2.6 * u,
        2.2 * u,
        &heading,
        " font-weight=\"bold\" id=\"map-title\"",
    );
    o.push('\n');

    // The plan.
    o.push_str("<g id=\"plan\">\n");
    let hair = (0.15 * u).max(0.05);
    if let Some(b) = &site.boundary {
        open_feature(
            &mut o,
            &b.id,
            "feature boundary",
            &format!("{} {}", t(lang, "feature.boundary"), b.id),
        );
        o.push_str(&format!(
            "<path d=\"{}\" fill=\"#f4f4ee\" stroke=\"#333333\" stroke-width=\"{}\" fill-rule=\"evenodd\"/></g>\n",
            polygon_path(&frame, &b.polygon),
            num(2.0 * hair)
        ));
    }
    for z in &site.keep_clear {
        let mut tip = format!("{} {}", t(lang, "feature.keep_clear"), z.id);
        if let Some(r) = &z.reason {
            tip.push_str(&format!("\n{}: {}", t(lang, "map.reason"), r));
        }
        open_feature(&mut o, &z.id, "feature keep_clear", &tip);
        o.push_str(&format!(
            "<path d=\"{}\" fill=\"#cfe8c4\" stroke=\"#41ab5d\" stroke-width=\"{}\" fill-rule=\"evenodd\"/></g>\n",
            polygon_path(&frame, &z.polygon),
            num(hair)
        ));
    }
    for z in &site.fire_lanes {
        open_feature(
            &mut o,
            &z.id,
            "feature fire_lane",
            &format!("{} {}", t(lang, "feature.fire_lane"), z.id),
        );
        o.push_str(&format!(
            "<path d=\"{}\" fill=\"url(#hatch-fire-lane)\" stroke=\"#f16913\" stroke-width=\"{}\" fill-rule=\"evenodd\"/></g>\n",
            polygon_path(&frame, &z.polygon),
            num(hair)
        ));
    }
    for wk in &site.walkways {
        open_feature(
            &mut o,
            &wk.id,
            "feature walkway",
            &format!("{} {}", t(lang, "feature.walkway"), wk.id),
        );
        o.push_str(&format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#c8b99a\" stroke-width=\"1.5\" \
stroke-linecap=\"round\" stroke-linejoin=\"round\"/></g>\n",
            line_points(&frame, &wk.line)
        ));
    }
    for b in &site.buildings {
        let label = b.name.clone().unwrap_or_else(|| b.id.clone());
        let mut tip = format!("{} {}", t(lang, "feature.building"), b.id);
        if let Some(n) = &b.name {
            tip.push_str(&format!(" {n}"));
        }
        open_feature(&mut o, &b.id, "feature building", &tip);
        o.push_str(&format!(
            "<path d=\"{}\" fill=\"#d4d4d4\" stroke=\"#666666\" stroke-width=\"{}\" fill-rule=\"evenodd\"/>",
            polygon_path(&frame, &b.polygon),
            num(hair)
        ));
        if let Some(lb) = label_box(&frame, &b.polygon) {
            let size = (lb.short * 0.4)
                .min(lb.long * 0.85 / text_em(&label))
                .min(1.8 * u);
            centred_lines(
                &mut o,
                lb.cx,
                lb.cy,
                lb.angle,
                size,
                &[&label],
                " fill=\"#333333\" class=\"label\"",
            );
        }
        o.push_str("</g>\n");
    }

    // Resources.
    let point_radius = point_radii(site);
    // Each resource's state, label lines and the largest text that fits it.
    struct Drawn<'s> {
        state: ResourceState,
        holder: Option<&'s Assignment>,
        lines: Vec<&'s str>,
        fit: f64,
        label: Option<LabelBox>,
    }
    let drawn: Vec<Drawn<'_>> = site
        .resources
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let holder = holders.get(r.id.as_str()).copied();
            let pinned =
                holder.is_some_and(|a| pins.contains(&(a.household.as_str(), r.id.as_str())));
            let state = ResourceState::of(r, holder, pinned);
            let mut lines: Vec<&str> = vec![&r.id];
            if let Some(a) = holder {
                lines.push(&a.household);
            }
            let em = lines.iter().map(|l| text_em(l)).fold(0.6, f64::max);
            let n = lines.len() as f64;
            let (fit, label) = match &r.shape {
                Shape::Polygon(p) => match label_box(&frame, p) {
                    Some(lb) => (
                        (lb.short * 0.8 / (1.15 * n))
                            .min(lb.long * 0.88 / em)
                            .min(1.5 * u),
                        Some(lb),
                    ),
                    None => (0.0, None),
                },
                Shape::Point(_) => {
                    let rad = point_radius.get(i).copied().unwrap_or(0.6);
                    ((rad * 1.6 / (1.15 * n)).min(2.0 * rad * 0.9 / em), None)
                }
            };
            Drawn {
                state,
                holder,
                lines,
                fit,
                label,
            }
        })
        .collect();
    // One text size per kind (the median fit), smaller only where it must be.
    let mut kind_size: BTreeMap<ResourceKind, f64> = BTreeMap::new();
    for kind in ResourceKind::ALL {
        let mut fits: Vec<f64> = site
            .resources
            .iter()
            .zip(&drawn)
            .filter(|(r, d)| r.kind == kind && d.fit > 0.0)
            .map(|(_, d)| d.fit)
            .collect();
        fits.sort_by(f64::total_cmp);
        if let Some(m) = fits.get(fits.len() / 2) {
            kind_size.insert(kind, *m);
        }
    }
    for (i, (r, d)) in site.resources.iter().zip(&drawn).enumerate() {
        let state = d.state;
        let mut class = format!("feature resource {} {}", r.kind.as_str(), state.class());
        if r.accessible {
            class.push_str(" accessible");
        }
        if r.charger {
            class.push_str(" has-charger");
        }
        let highlighted = opts.highlight.contains(&r.id);
        if highlighted {
            class.push_str(" highlight");
        }
        open_feature(
            &mut o,
            &r.id,
            &class,
            &resource_tooltip(lang, r, d.holder, state),
        );
        let (stroke, sw, dash) = if highlighted {
            (HIGHLIGHT_STROKE, 0.6, "")
        } else if r.accessible {
            (ACCESSIBLE_STROKE, 0.35, "")
        } else if r.charger {
            (CHARGER_STROKE, 0.35, " stroke-dasharray=\"0.8 0.4\"")
        } else {
            ("#555555", 0.12, "")
        };
        let size = d.fit.min(kind_size.get(&r.kind).copied().unwrap_or(d.fit));
        match &r.shape {
            Shape::Polygon(p) => {
                o.push_str(&format!(
                    "<path d=\"{}\" fill=\"{}\" stroke=\"{}\" stroke-width=\"{}\"{} fill-rule=\"evenodd\"/>",
                    polygon_path(&frame, p),
                    state.fill(),
                    stroke,
                    num(sw),
                    dash
                ));
                if let Some(lb) = d.label {
                    centred_lines(
                        &mut o,
                        lb.cx,
                        lb.cy,
                        lb.angle,
                        size,
                        &d.lines,
                        " fill=\"#111111\" class=\"label\"",
                    );
                }
            }
            Shape::Point(p) => {
                let rad = point_radius.get(i).copied().unwrap_or(0.6);
                let (cx, cy) = (frame.x(p.x()), frame.y(p.y()));
                o.push_str(&format!(
                    "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\" stroke=\"{}\" stroke-width=\"{}\"{}/>",
                    num(cx),
                    num(cy),
                    num(rad),
                    state.fill(),
                    stroke,
                    num(sw.min(rad * 0.2)),
                    dash
                ));
                centred_lines(
                    &mut o,
                    cx,
                    cy,
                    0.0,
                    size,
                    &d.lines,
                    " fill=\"#111111\" class=\"label\"",
                );
            }
        }
        o.push_str("</g>\n");
    }

    // Point features on top of the areas.
    for e in &site.entrances {
        let tip = format!(
            "{} {}: {} {}",
            t(lang, "feature.entrance"),
            e.id,
            e.building,
            tf(lang, "map.unit_label", &[("unit", &e.unit)])
        );
        open_feature(&mut o, &e.id, "feature entrance", &tip);
        let (x, y) = (frame.x(e.point.x()), frame.y(e.point.y()));
        o.push_str(&format!(
            "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"#222222\" stroke=\"#ffffff\" stroke-width=\"{}\"/>",
            num(x),
            num(y),
            num(0.45 * u),
            num(hair)
        ));
        text_at(
            &mut o,
            x + 0.6 * u,
            y - 0.5 * u,
            0.8 * u,
            &tf(lang, "map.unit_label", &[("unit", &e.unit)]),
            " fill=\"#222222\" class=\"label\"",
        );
        o.push_str("</g>\n");
    }
    for g in &site.gates {
        open_feature(
            &mut o,
            &g.id,
            "feature gate",
            &format!("{} {}", t(lang, "feature.gate"), g.id),
        );
        let (x, y) = (frame.x(g.point.x()), frame.y(g.point.y()));
        o.push_str(&format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#222222\"/>",
            num(x - 0.7 * u),
            num(y - 0.7 * u),
            num(1.4 * u),
            num(1.4 * u)
        ));
        text_at(
            &mut o,
            x + 0.9 * u,
            y + 0.35 * u,
            0.9 * u,
            t(lang, "feature.gate"),
            " fill=\"#222222\" class=\"label\"",
        );
        o.push_str("</g>\n");
    }
    for f in &site.power_feeds {
        open_feature(
            &mut o,
            &f.id,
            "feature power_feed",
            &format!("{} {}", t(lang, "feature.power_feed"), f.id),
        );
        let (x, y) = (frame.x(f.point.x()), frame.y(f.point.y()));
        let d = 0.6 * u;
        o.push_str(&format!(
            "<polygon points=\"{},{} {},{} {},{} {},{}\" fill=\"#ffd92f\" stroke=\"#333333\" stroke-width=\"{}\"/>",
            num(x),
            num(y - d),
            num(x + d),
            num(y),
            num(x),
            num(y + d),
            num(x - d),
            num(y),
            num(hair)
        ));
        text_at(
            &mut o,
            x + 0.9 * u,
            y + 0.3 * u,
            0.7 * u,
            &f.id,
            " fill=\"#333333\" class=\"label\"",
        );
        o.push_str("</g>\n");
    }
    o.push_str("</g>\n");

    // Problems: warnings first so that errors lie on top.
    let geoms = site_geometries(site);
    // Markers: warnings under errors, and within each the larger shapes
    // first, so that a small resource stays visible on a building it overlaps.
    let mut markers: Vec<(u8, f64, usize, String)> = Vec::new();
    for (rank, (severity, colour, list)) in [
        ("warning", WARNING_ORANGE, opts.warnings),
        ("error", PROBLEM_RED, opts.errors),
    ]
    .into_iter()
    .enumerate()
    {
        for (i, p) in list.iter().enumerate() {
            let tip = format!("{}: {}\n{}", t(lang, "map.rule"), p.rule, p.message);
            for fid in problem_features(p) {
                let Some(g) = geoms.get(fid) else { continue };
                let mut m = format!(
                    "<g id=\"{}-{}-{}\" class=\"problem {}\"><title>{}</title>",
                    severity,
                    i,
                    feature_element_id(fid),
                    severity,
                    escape_xml(&tip)
                );
                let area = match g {
                    Geom::Poly(poly) => {
                        m.push_str(&format!(
                            "<path d=\"{}\" fill=\"{c}\" fill-opacity=\"0.3\" stroke=\"{c}\" stroke-width=\"{}\" fill-rule=\"evenodd\"/>",
                            polygon_path(&frame, poly),
                            num(0.5 * u),
                            c = colour
                        ));
                        poly.bounding_rect()
                            .map(|r| r.width() * r.height())
                            .filter(|a| a.is_finite())
                            .unwrap_or(0.0)
                    }
                    Geom::Pt(pt) => {
                        m.push_str(&format!(
                            "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{c}\" fill-opacity=\"0.3\" stroke=\"{c}\" stroke-width=\"{}\"/>",
                            num(frame.x(pt.x())),
                            num(frame.y(pt.y())),
                            num(1.2 * u),
                            num(0.4 * u),
                            c = colour
                        ));
                        0.0
                    }
                    Geom::Line(l) => {
                        m.push_str(&format!(
                            "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-opacity=\"0.7\" stroke-width=\"{}\"/>",
                            line_points(&frame, l),
                            colour,
                            num(0.8 * u)
                        ));
                        0.0
                    }
                };
                m.push_str("</g>\n");
                let seq = markers.len();
                markers.push((rank as u8, area, seq, m));
            }
        }
    }
    markers.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
    o.push_str("<g id=\"problems\">\n");
    for (_, _, _, m) in &markers {
        o.push_str(m);
    }
    o.push_str("</g>\n");

    legend.write(&mut o, pad + w + pad, frame.top);

    if !problem_lines.is_empty() {
        let y0 = frame.top + body_h + pad;
        let size = 0.9 * u;
        o.push_str("<g id=\"problem-list\">");
        text_at(
            &mut o,
            pad,
            y0 + size,
            1.1 * u,
            t(lang, "map.problems"),
            &format!(" font-weight=\"bold\" fill=\"{PROBLEM_RED}\""),
        );
        let max_em = (total_w - 2.0 * pad) / size;
        for (k, (colour, line)) in problem_lines.iter().enumerate() {
            text_at(
                &mut o,
                pad,
                y0 + size + (k as f64 + 1.0) * 1.4 * u,
                size,
                &truncate_em(line, max_em),
                &format!(" fill=\"{colour}\""),
            );
        }
        o.push_str("</g>\n");
    }
    o.push_str("</svg>\n");
    o
}

/// The features a problem names, each once, in order.
fn problem_features(p: &Problem) -> Vec<&str> {
    let mut ids: Vec<&str> = Vec::new();
    for id in p.feature.iter().chain(&p.features) {
        if !ids.contains(&id.as_str()) {
            ids.push(id);
        }
    }
    ids
}

/// Lines of the problem list under the map: at most 12, then a count.
fn problem_panel_lines(opts: &RenderOptions<'_>) -> Vec<(&'static str, String)> {
    const MAX: usize = 12;
    let all: Vec<(&'static str, &Problem)> = opts
        .errors
        .iter()
        .map(|p| (PROBLEM_RED, p))
        .chain(opts.warnings.iter().map(|p| (WARNING_ORANGE, p)))
        .collect();
    let mut lines: Vec<(&'static str, String)> = all
        .iter()
        .take(MAX)
        .map(|(c, p)| (*c, p.to_string()))
        .collect();
    if all.len() > MAX {
        let more = (all.len() - MAX).to_string();
        lines.push((
            "#333333",
            tf(opts.lang, "map.more_problems", &[("n", &more)]),
        ));
    }
    lines
}

/// `s` cut to about `max_em` ems, with an ellipsis when cut.
fn truncate_em(s: &str, max_em: f64) -> String {
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
fn point_radii(site: &Site) -> Vec<f64> {
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

/// The tooltip of a resource: kind, id, attributes, state, holder, walk, why.
fn resource_tooltip(
    lang: Lang,
    r: &Resource,
    holder: Option<&Assignment>,
    state: ResourceState,
) -> String {
    let mut tip = format!("{} {}", kind_name(lang, r.kind), r.id);
    let mut attrs = Vec::new();
    if r.accessible {
        attrs.push(t(lang, "attr.accessible"));
    }
    if r.charger {
        attrs.push(t(lang, "attr.charger"));
    }
    if !attrs.is_empty() {
        tip.push_str(&format!(" ({})", attrs.join(", ")));
    }
    if let Some(z) = &r.zone {
        tip.push_str(&format!("\n{}: {}", t(lang, "map.zone"), z));
    }
    tip.push_str(&format!("\n{}", t(lang, state.label_key())));
    if let Some(a) = holder {
        tip.push_str(&format!(
            "\n{}: {}\n{}: {} {}\n{}: {}",
            t(lang, "map.holder"),
            a.household,
            t(lang, "map.walk"),
            format_walk(a.walk_m),
            t(lang, "map.metres"),
            t(lang, "map.why"),
            a.why
        ));
    }
    tip
}

/// A walk in metres with one decimal, as reports round it.
pub fn format_walk(m: f64) -> String {
    if m.is_finite() {
        format!("{:.1}", m)
    } else {
        "–".to_string()
    }
}

/// The legend column: states, features, metrics, north arrow, scale bar.
struct Legend {
    lang: Lang,
    u: f64,
    width: f64,
    height: f64,
    summary: Vec<String>,
}

/// A legend row's symbol.
enum Swatch {
    Fill(&'static str, &'static str, f64, &'static str),
    Dot(&'static str),
    Square,
    Line,
    Diamond,
}

impl Legend {
    const ROWS: usize = 16;

    fn new(site: &Site, opts: &RenderOptions<'_>, u: f64, width: f64) -> Legend {
        let lang = opts.lang;
        let mut summary = Vec::new();
        if let Some(a) = opts.allocation {
            for (kind, m) in &a.metrics {
                if m.supply == 0 && m.demand == 0 {
                    continue;
                }
                summary.push(tf(
                    lang,
                    "map.summary",
                    &[
                        ("kind", super::i18n::kinds_name(lang, *kind)),
                        ("served", &m.served.to_string()),
                        ("demand", &m.demand.to_string()),
                        ("supply", &m.supply.to_string()),
                    ],
                ));
            }
        }
        let _ = site;
        let rows = Self::ROWS + summary.len();
        let height = 2.5 * u + rows as f64 * 1.8 * u + 1.0 * u + 5.0 * u + 5.0 * u;
        Legend {
            lang,
            u,
            width,
            height,
            summary,
        }
    }

    fn write(&self, o: &mut String, x0: f64, y0: f64) {
        let (lang, u) = (self.lang, self.u);
        o.push_str("<g id=\"legend\">");
        text_at(
            o,
            x0,
            y0 + 1.3 * u,
            1.3 * u,
            t(lang, "map.legend"),
            " font-weight=\"bold\"",
        );
        let mut rows: Vec<(Swatch, String, &'static str)> = ResourceState::ALL
            .iter()
            .map(|s| {
                (
                    Swatch::Fill(s.fill(), "#555555", 0.12, ""),
                    t(lang, s.label_key()).to_string(),
                    s.class(),
                )
            })
            .collect();
        rows.push((
            Swatch::Fill("#ffffff", ACCESSIBLE_STROKE, 0.35, ""),
            t(lang, "legend.accessible").to_string(),
            "accessible",
        ));
        rows.push((
            Swatch::Fill("#ffffff", CHARGER_STROKE, 0.35, "0.8 0.4"),
            t(lang, "legend.charger").to_string(),
            "has-charger",
        ));
        rows.push((
            Swatch::Fill("#d4d4d4", "#666666", 0.1, ""),
            t(lang, "feature.building").to_string(),
            "building",
        ));
        rows.push((
            Swatch::Dot("#222222"),
            t(lang, "feature.entrance").to_string(),
            "entrance",
        ));
        rows.push((Swatch::Square, t(lang, "feature.gate").to_string(), "gate"));
        rows.push((
            Swatch::Line,
            t(lang, "feature.walkway").to_string(),
            "walkway",
        ));
        rows.push((
            Swatch::Fill("url(#hatch-fire-lane)", "#f16913", 0.1, ""),
            t(lang, "feature.fire_lane").to_string(),
            "fire_lane",
        ));
        rows.push((
            Swatch::Fill("#cfe8c4", "#41ab5d", 0.1, ""),
            t(lang, "feature.keep_clear").to_string(),
            "keep_clear",
        ));
        rows.push((
            Swatch::Diamond,
            t(lang, "feature.power_feed").to_string(),
            "power_feed",
        ));
        rows.push((
            Swatch::Fill(PROBLEM_RED, PROBLEM_RED, 0.3, ""),
            t(lang, "state.problem").to_string(),
            "error",
        ));
        rows.push((
            Swatch::Fill(WARNING_ORANGE, WARNING_ORANGE, 0.3, ""),
            t(lang, "state.warning").to_string(),
            "warning",
        ));
        debug_assert_eq!(rows.len(), Self::ROWS);
        let mut y = y0 + 2.5 * u;
        let size = 0.95 * u;
        let max_em = (self.width - 2.6 * u) / size;
        for (swatch, label, key) in &rows {
            o.push_str(&format!("<g class=\"legend-item legend-{key}\">"));
            let (sx, sy, sw, sh) = (x0, y, 1.8 * u, 1.2 * u);
            match swatch {
                Swatch::Fill(fill, stroke, width, dash) => {
                    let dash = if dash.is_empty() {
                        String::new()
                    } else {
                        format!(" stroke-dasharray=\"{dash}\"")
                    };
                    let opacity = if *fill == PROBLEM_RED || *fill == WARNING_ORANGE {
                        " fill-opacity=\"0.3\""
                    } else {
                        ""
                    };
                    o.push_str(&format!(
                        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"{} stroke=\"{}\" stroke-width=\"{}\"{}/>",
                        num(sx),
                        num(sy),
                        num(sw),
                        num(sh),
                        fill,
                        opacity,
                        stroke,
                        num(width * u),
                        dash
                    ));
                }
                Swatch::Dot(fill) => o.push_str(&format!(
                    "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\"/>",
                    num(sx + sw / 2.0),
                    num(sy + sh / 2.0),
                    num(0.45 * u),
                    fill
                )),
                Swatch::Square => o.push_str(&format!(
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#222222\"/>",
                    num(sx + sw / 2.0 - 0.6 * u),
                    num(sy),
                    num(1.2 * u),
                    num(1.2 * u)
                )),
                Swatch::Line => o.push_str(&format!(
                    "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#c8b99a\" stroke-width=\"{}\" stroke-linecap=\"round\"/>",
                    num(sx),
                    num(sy + sh / 2.0),
                    num(sx + sw),
                    num(sy + sh / 2.0),
                    num(0.5 * u)
                )),
                Swatch::Diamond => {
                    let (cx, cy, d) = (sx + sw / 2.0, sy + sh / 2.0, 0.6 * u);
                    o.push_str(&format!(
                        "<polygon points=\"{},{} {},{} {},{} {},{}\" fill=\"#ffd92f\" stroke=\"#333333\" stroke-width=\"{}\"/>",
                        num(cx),
                        num(cy - d),
                        num(cx + d),
                        num(cy),
                        num(cx),
                        num(cy + d),
                        num(cx - d),
                        num(cy),
                        num(0.1 * u)
                    ));
                }
            }
            text_at(
                o,
                x0 + 2.6 * u,
                y + 0.95 * u,
                size,
                &truncate_em(label, max_em),
                "",
            );
            o.push_str("</g>");
            y += 1.8 * u;
        }
        for line in &self.summary {
            text_at(
                o,
                x0,
                y + 0.95 * u,
                size,
                &truncate_em(line, self.width / size),
                " class=\"legend-summary\"",
            );
            y += 1.8 * u;
        }
        o.push_str("</g>\n");

        // North arrow.
        y += 1.0 * u;
        let cx = x0 + 1.5 * u;
        o.push_str("<g id=\"north-arrow\">");
        text_at(
            o,
            cx,
            y + 1.0 * u,
            1.1 * u,
            t(lang, "map.north"),
            " text-anchor=\"middle\" font-weight=\"bold\"",
        );
        o.push_str(&format!(
            "<polygon points=\"{},{} {},{} {},{} {},{}\" fill=\"#222222\"/>",
            num(cx),
            num(y + 1.4 * u),
            num(cx + 1.0 * u),
            num(y + 4.4 * u),
            num(cx),
            num(y + 3.6 * u),
            num(cx - 1.0 * u),
            num(y + 4.4 * u)
        ));
        o.push_str("</g>\n");
        y += 5.0 * u;

        // Scale bar: a round number of metres, two halves.
        let len = nice_length(self.width - 6.0 * u);
        let half = len / 2.0;
        let bar_h = 0.6 * u;
        o.push_str(&format!(
            "<g id=\"scale-bar\" class=\"scale-{}\">",
            num(len)
        ));
        for (k, fill) in [(0.0, "#222222"), (1.0, "#ffffff")] {
            o.push_str(&format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#222222\" stroke-width=\"{}\"/>",
                num(x0 + k * half),
                num(y + 1.6 * u),
                num(half),
                num(bar_h),
                fill,
                num(0.1 * u)
            ));
        }
        text_at(o, x0, y + 1.2 * u, 0.9 * u, "0", " text-anchor=\"middle\"");
        text_at(
            o,
            x0 + len,
            y + 1.2 * u,
            0.9 * u,
            &format!("{} {}", num(len), t(lang, "map.metres")),
            " text-anchor=\"middle\"",
        );
        o.push_str("</g>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Building, CoordinateMode, Entrance, KindMetrics, NamedPoint, Pin, Policy, SolverInfo,
        Unserved, WalkStats, Walkway, Zone,
    };
    use geo::{coord, polygon, LineString};

    fn rect(x: f64, y: f64, w: f64, h: f64) -> Polygon<f64> {
        polygon![(x: x, y: y), (x: x + w, y: y), (x: x + w, y: y + h), (x: x, y: y + h), (x: x, y: y)]
    }

    fn space(id: &str, x: f64, y: f64) -> Resource {
        Resource {
            id: id.into(),
            kind: ResourceKind::ParkingSpace,
            shape: Shape::Polygon(rect(x, y, 2.5, 5.3)),
            accessible: false,
            charger: false,
            zone: None,
        }
    }

    /// A small site with one feature of every kind, 60 m × 40 m.
    fn site() -> Site {
        let mut p3 = space("P3", 26.0, 2.0);
        p3.accessible = true;
        p3.shape = Shape::Polygon(rect(26.0, 2.0, 3.7, 5.3));
        let mut p4 = space("P4", 30.0, 2.0);
        p4.charger = true;
        Site {
            id: Some("test-site".into()),
            name: Some("测试小区 <Test & Co>".into()),
            coordinates: CoordinateMode::LocalMeters,
            boundary: Some(Zone {
                id: "site".into(),
                reason: None,
                polygon: rect(0.0, 0.0, 60.0, 40.0),
            }),
            buildings: vec![
                Building {
                    id: "B1".into(),
                    name: Some("一号楼".into()),
                    polygon: rect(5.0, 25.0, 30.0, 10.0),
                },
                Building {
                    id: "B2".into(),
                    name: None,
                    polygon: rect(40.0, 25.0, 15.0, 10.0),
                },
            ],
            entrances: vec![Entrance {
                id: "E1".into(),
                building: "B1".into(),
                unit: "1".into(),
                point: Point::new(10.0, 25.0),
            }],
            gates: vec![NamedPoint {
                id: "G1".into(),
                point: Point::new(0.0, 20.0),
            }],
            walkways: vec![Walkway {
                id: "W1".into(),
                line: LineString::from(vec![coord! {x: 0.0, y: 20.0}, coord! {x: 60.0, y: 20.0}]),
            }],
            fire_lanes: vec![Zone {
                id: "F1".into(),
                reason: None,
                polygon: rect(0.0, 10.0, 60.0, 4.0),
            }],
            keep_clear: vec![Zone {
                id: "K1".into(),
                reason: Some("manhole".into()),
                polygon: rect(50.0, 2.0, 5.0, 5.0),
            }],
            power_feeds: vec![NamedPoint {
                id: "PF1".into(),
                point: Point::new(34.0, 1.0),
            }],
            resources: vec![
                space("P1", 20.0, 2.0),
                space("P2", 23.0, 2.0),
                p3,
                p4,
                Resource {
                    id: "EB1".into(),
                    kind: ResourceKind::ChargingBay,
                    shape: Shape::Point(Point::new(40.0, 18.0)),
                    accessible: false,
                    charger: false,
                    zone: Some("shed".into()),
                },
                Resource {
                    id: "EB2".into(),
                    kind: ResourceKind::ChargingBay,
                    shape: Shape::Point(Point::new(41.0, 18.0)),
                    accessible: false,
                    charger: false,
                    zone: Some("shed".into()),
                },
                Resource {
                    id: "G 1&\"x\"".into(),
                    kind: ResourceKind::GardenPlot,
                    shape: Shape::Polygon(rect(2.0, 2.0, 6.0, 4.0)),
                    accessible: false,
                    charger: false,
                    zone: None,
                },
            ],
            raw: serde_json::Value::Null,
        }
    }

    fn assignment(h: &str, kind: ResourceKind, r: &str, basis: &str) -> Assignment {
        Assignment {
            household: h.into(),
            kind,
            resource: r.into(),
            walk_m: 12.34,
            why: format!("lottery rank 1; nearest free to {h}"),
            basis: basis.into(),
        }
    }

    fn allocation() -> Allocation {
        let mut policy = Policy::default();
        policy.pins.push(Pin {
            household: "B1-1-101".into(),
            resource: "P2".into(),
            reason: None,
        });
        let mut metrics = BTreeMap::new();
        metrics.insert(
            ResourceKind::ParkingSpace,
            KindMetrics {
                demand: 5,
                supply: 4,
                served: 2,
                by_building: BTreeMap::new(),
                walk_m: WalkStats {
                    mean: Some(12.3),
                    p90: Some(12.3),
                    max: Some(12.3),
                },
                kept_from_previous: 0,
                moved_from_previous: 0,
                swapped: 0,
            },
        );
        Allocation {
            site: "test-site".into(),
            inputs_sha256: "0".repeat(64),
            seed: "seed".into(),
            policy,
            assignments: vec![
                assignment("B1-1-301", ResourceKind::ParkingSpace, "P1", "lottery"),
                assignment("B1-1-101", ResourceKind::ParkingSpace, "P2", "pin"),
                assignment("B1-1-301", ResourceKind::ChargingBay, "EB1", "lottery"),
            ],
            unserved: vec![Unserved {
                household: "B1-1-502".into(),
                kind: ResourceKind::ParkingSpace,
                units: 1,
                waitlist: Some(1),
                why: "all taken".into(),
            }],
            lottery: vec!["B1-1-301".into(), "B1-1-101".into(), "B1-1-502".into()],
            metrics,
            solver: SolverInfo {
                engine: "flow".into(),
                backend: "combinatorial".into(),
                seconds: 0.0,
                stages: vec![],
            },
            round: None,
            ledger: Default::default(),
            draw_order: None,
            warnings: vec![],
            draw: None,
        }
    }

    fn has_class(n: &roxmltree::Node<'_, '_>, class: &str) -> bool {
        n.attribute("class")
            .is_some_and(|c| c.split_whitespace().any(|x| x == class))
    }

    fn feature_group<'a, 'i>(
        doc: &'a roxmltree::Document<'i>,
        id: &str,
    ) -> roxmltree::Node<'a, 'i> {
        let want = feature_element_id(id);
        doc.descendants()
            .find(|n| n.attribute("id") == Some(want.as_str()))
            .unwrap_or_else(|| panic!("no element for feature {id}"))
    }

    fn shapes<'a, 'i>(g: roxmltree::Node<'a, 'i>) -> Vec<roxmltree::Node<'a, 'i>> {
        g.children()
            .filter(|c| {
                ["path", "circle", "rect", "polygon", "polyline", "line"]
                    .contains(&c.tag_name().name())
            })
            .collect()
    }

    fn texts(g: roxmltree::Node<'_, '_>) -> Vec<String> {
        g.descendants()
            .filter(|c| c.has_tag_name("text"))
            .map(|c| c.text().unwrap_or_default().to_string())
            .collect()
    }

    #[test]
    fn every_feature_is_one_group_with_one_shape_and_a_tooltip() {
        let s = site();
        let svg = render_svg(&s, Some(&allocation()), &[], Lang::En);
        let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
        let root = doc.root_element();
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
        assert_eq!(root.attribute("version"), Some("1.1"));
        let groups: Vec<_> = doc
            .descendants()
            .filter(|n| has_class(n, "feature"))
            .collect();
        let ids: Vec<&str> = all_geometries(&s).into_iter().map(|(id, _)| id).collect();
        assert_eq!(groups.len(), ids.len());
        for id in ids {
            let g = feature_group(&doc, id);
            assert_eq!(shapes(g).len(), 1, "feature {id} has not exactly one shape");
            let first = g.first_element_child().expect("a child");
            assert!(
                first.has_tag_name("title"),
                "feature {id} starts without a title"
            );
            assert!(
                first.text().unwrap_or_default().contains(id),
                "tooltip of {id} names it"
            );
        }
        for kind in [
            "building",
            "entrance",
            "gate",
            "walkway",
            "fire_lane",
            "keep_clear",
            "power_feed",
            "boundary",
        ] {
            assert_eq!(
                groups.iter().filter(|g| has_class(g, kind)).count(),
                match kind {
                    "building" => 2,
                    _ => 1,
                },
                "{kind}"
            );
        }
    }

    #[rstest::rstest]
    #[case("P1", ResourceState::Assigned)]
    #[case("P2", ResourceState::Pinned)]
    #[case("P3", ResourceState::ReservedAccessible)]
    #[case("P4", ResourceState::Charger)]
    #[case("EB1", ResourceState::Assigned)]
    #[case("EB2", ResourceState::Free)]
    #[case("G 1&\"x\"", ResourceState::Free)]
    fn each_resource_is_filled_and_classed_by_its_state(
        #[case] id: &str,
        #[case] state: ResourceState,
    ) {
        let svg = render_svg(&site(), Some(&allocation()), &[], Lang::Zh);
        let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
        let g = feature_group(&doc, id);
        assert!(
            has_class(&g, state.class()),
            "{id}: {:?}",
            g.attribute("class")
        );
        for other in ResourceState::ALL.iter().filter(|s| **s != state) {
            assert!(
                !has_class(&g, other.class()),
                "{id} also has {}",
                other.class()
            );
        }
        let shape = shapes(g)[0];
        assert_eq!(shape.attribute("fill"), Some(state.fill()));
    }

    #[test]
    fn highlighted_resources_get_a_dark_outline_and_keep_their_state() {
        let highlight = vec!["P1".to_string()];
        let alloc = allocation();
        let mut opts = RenderOptions::new(Lang::En);
        opts.allocation = Some(&alloc);
        opts.highlight = &highlight;
        let svg = render_svg_with(&site(), &opts);
        let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
        let p1 = feature_group(&doc, "P1");
        assert!(has_class(&p1, "highlight") && has_class(&p1, "assigned"));
        assert_eq!(shapes(p1)[0].attribute("stroke"), Some(HIGHLIGHT_STROKE));
        assert!(!has_class(&feature_group(&doc, "P2"), "highlight"));
    }

    #[test]
    fn the_states_have_distinct_fills() {
        let fills: BTreeSet<_> = ResourceState::ALL.iter().map(|s| s.fill()).collect();
        assert_eq!(fills.len(), ResourceState::ALL.len());
    }

    #[test]
    fn without_an_allocation_only_reservations_show() {
        let svg = render_svg(&site(), None, &[], Lang::En);
        let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
        for (id, state) in [
            ("P1", ResourceState::Free),
            ("P3", ResourceState::ReservedAccessible),
            ("P4", ResourceState::Charger),
        ] {
            assert!(has_class(&feature_group(&doc, id), state.class()), "{id}");
        }
    }

    #[test]
    fn resources_are_labelled_with_id_and_holder_and_tooltips_tell_the_walk_and_why() {
        let svg = render_svg(&site(), Some(&allocation()), &[], Lang::En);
        let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
        let p1 = feature_group(&doc, "P1");
        assert_eq!(texts(p1), vec!["P1", "B1-1-301"]);
        let tip = p1
            .first_element_child()
            .and_then(|t| t.text())
            .unwrap_or_default();
        assert!(tip.contains("Household: B1-1-301"), "{tip}");
        assert!(tip.contains("Walk: 12.3 m"), "{tip}");
        assert!(tip.contains("lottery rank 1"), "{tip}");
        assert_eq!(texts(feature_group(&doc, "P4")), vec!["P4"]);
        // The odd id survives escaping intact.
        assert_eq!(texts(feature_group(&doc, "G 1&\"x\"")), vec!["G 1&\"x\""]);
    }

    #[test]
    fn chinese_names_and_labels_render_with_a_cjk_font_stack() {
        let svg = render_svg(&site(), Some(&allocation()), &[], Lang::Zh);
        let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
        assert!(texts(feature_group(&doc, "B1")).contains(&"一号楼".to_string()));
        assert_eq!(texts(feature_group(&doc, "B2")), vec!["B2"]);
        let fonts = doc
            .root_element()
            .attribute("font-family")
            .unwrap_or_default();
        assert!(fonts.starts_with("'Noto Sans CJK SC'") && fonts.ends_with("sans-serif"));
        assert!(svg.contains(">图例<") && svg.contains(">已分配<") && svg.contains(">北<"));
        let title = doc
            .descendants()
            .find(|n| n.attribute("id") == Some("map-title"))
            .unwrap();
        assert_eq!(title.text(), Some("测试小区 <Test & Co> · 小区平面图"));
        // Nothing is referenced outside the document.
        assert!(!svg
            .replace("http://www.w3.org/2000/svg", "")
            .contains("http"));
    }

    #[test]
    fn identical_inputs_give_identical_bytes() {
        let a = render_svg(&site(), Some(&allocation()), &[], Lang::Zh);
        let b = render_svg(&site(), Some(&allocation()), &[], Lang::Zh);
        assert_eq!(a, b);
        assert_ne!(a, render_svg(&site(), Some(&allocation()), &[], Lang::En));
    }

    #[test]
    fn north_is_up_and_the_map_is_drawn_to_scale() {
        let svg = render_svg(&site(), None, &[], Lang::En);
        let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
        // The entrance (y = 25) is drawn above the gate (y = 20) by 5 units.
        let cy = |id: &str| -> f64 {
            shapes(feature_group(&doc, id))[0]
                .attribute("cy")
                .and_then(|v| v.parse().ok())
                .unwrap_or(f64::NAN)
        };
        let cx = |id: &str| -> f64 {
            shapes(feature_group(&doc, id))[0]
                .attribute("cx")
                .and_then(|v| v.parse().ok())
                .unwrap_or(f64::NAN)
        };
        assert!((cy("EB1") - cy("E1") - 7.0).abs() < 0.01);
        assert!((cx("EB2") - cx("EB1") - 1.0).abs() < 0.01);
        // The scale bar is a round number of metres and as long as it says.
        let bar = doc
            .descendants()
            .find(|n| n.attribute("id") == Some("scale-bar"))
            .unwrap();
        let len: f64 = bar
            .attribute("class")
            .and_then(|c| c.strip_prefix("scale-"))
            .and_then(|v| v.parse().ok())
            .unwrap();
        let widths: f64 = bar
            .children()
            .filter(|c| c.has_tag_name("rect"))
            .filter_map(|c| c.attribute("width")?.parse::<f64>().ok())
            .sum();
        assert!((widths - len).abs() < 0.02, "{widths} vs {len}");
        assert!(texts(bar).contains(&format!("{} m", num(len))));
        let arrow = doc
            .descendants()
            .find(|n| n.attribute("id") == Some("north-arrow"))
            .unwrap();
        assert_eq!(texts(arrow), vec!["N"]);
    }

    #[test]
    fn problems_are_drawn_in_red_on_the_features_they_name() {
        let overlap = Problem::new("R3-overlap", "P1 overlaps F1 by 2.0 m²").features(["P1", "F1"]);
        let lonely = Problem::new("R6-entrance", "E1 is 4.2 m from B1").feature("E1");
        let nowhere = Problem::new("layout-kind", "feature 7 has an unknown kind");
        let warn = Problem::new("W-walk", "EB2 is beyond every max_walk_m").feature("EB2");
        let mut opts = RenderOptions::new(Lang::En);
        let errors = [overlap, lonely, nowhere];
        let warnings = [warn];
        opts.errors = &errors;
        opts.warnings = &warnings;
        let svg = render_svg_with(&site(), &opts);
        let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
        let markers: Vec<_> = doc
            .descendants()
            .filter(|n| has_class(n, "problem"))
            .collect();
        let marked = |sev: &str, fid: &str| {
            markers.iter().find(|m| {
                m.attribute("id")
                    .is_some_and(|id| id.starts_with(sev) && id.ends_with(&feature_element_id(fid)))
            })
        };
        for fid in ["P1", "F1", "E1"] {
            let m = marked("error", fid).unwrap_or_else(|| panic!("no marker on {fid}"));
            assert!(has_class(m, "error"));
            let shape = shapes(*m)[0];
            assert_eq!(shape.attribute("stroke"), Some(PROBLEM_RED));
            let tip = m
                .first_element_child()
                .and_then(|t| t.text())
                .unwrap_or_default();
            assert!(
                tip.contains("R3-overlap") || tip.contains("R6-entrance"),
                "{tip}"
            );
        }
        let w = marked("warning", "EB2").expect("warning marker");
        assert_eq!(shapes(*w)[0].attribute("stroke"), Some(WARNING_ORANGE));
        assert_eq!(
            markers.len(),
            4,
            "no marker for a problem without a feature"
        );
        // All four problems are listed under the map, the featureless one too.
        let list = doc
            .descendants()
            .find(|n| n.attribute("id") == Some("problem-list"))
            .unwrap();
        let lines = texts(list);
        assert_eq!(lines.len(), 5);
        assert!(lines.iter().any(|l| l.contains("layout-kind")));
    }

    #[test]
    fn a_long_problem_list_is_cut_with_a_count() {
        let many: Vec<Problem> = (0..20)
            .map(|i| {
                Problem::new("R2-inside", format!("X{i} lies outside")).feature(format!("X{i}"))
            })
            .collect();
        let svg = render_svg(&site(), None, &many, Lang::En);
        let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
        let list = doc
            .descendants()
            .find(|n| n.attribute("id") == Some("problem-list"))
            .unwrap();
        let lines = texts(list);
        assert_eq!(lines.len(), 1 + 12 + 1);
        assert_eq!(lines.last().map(String::as_str), Some("8 more problems"));
    }

    #[test]
    fn an_empty_layout_still_renders_a_valid_map() {
        let empty = Site {
            id: None,
            name: None,
            coordinates: CoordinateMode::LocalMeters,
            boundary: None,
            buildings: vec![],
            entrances: vec![],
            gates: vec![],
            walkways: vec![],
            fire_lanes: vec![],
            keep_clear: vec![],
            power_feeds: vec![],
            resources: vec![],
            raw: serde_json::Value::Null,
        };
        let svg = render_svg(&empty, None, &[], Lang::Zh);
        let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
        assert!(doc.root_element().attribute("viewBox").is_some());
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }

    #[test]
    fn rotated_spaces_get_labels_along_their_long_side() {
        let mut s = site();
        // A 2.5 × 5.3 m space rotated by 30°: its long side runs at 120° from
        // east, so text along it descends to the right: 60° clockwise on screen.
        let (c, sn) = (30f64.to_radians().cos(), 30f64.to_radians().sin());
        let pts: Vec<(f64, f64)> = [(0.0, 0.0), (2.5, 0.0), (2.5, 5.3), (0.0, 5.3), (0.0, 0.0)]
            .iter()
            .map(|(x, y)| (10.0 + x * c - y * sn, 15.0 + x * sn + y * c))
            .collect();
        s.resources = vec![Resource {
            shape: Shape::Polygon(Polygon::new(LineString::from(pts), vec![])),
            ..space("R1", 0.0, 0.0)
        }];
        let svg = render_svg(&s, None, &[], Lang::En);
        let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
        let label = feature_group(&doc, "R1")
            .children()
            .find(|n| n.has_tag_name("text"))
            .unwrap();
        let transform = label.attribute("transform").unwrap_or_default();
        assert!(transform.starts_with("rotate(60 "), "{transform}");
    }

    #[rstest::rstest]
    #[case(0.5, 1.0)]
    #[case(7.0, 5.0)]
    #[case(37.0, 20.0)]
    #[case(100.0, 100.0)]
    #[case(199.0, 100.0)]
    #[case(1234.0, 1000.0)]
    fn scale_bars_use_round_lengths(#[case] limit: f64, #[case] want: f64) {
        assert_eq!(nice_length(limit), want);
    }

    #[test]
    fn xml_ids_of_distinct_features_are_distinct_and_valid() {
        let ids = ["P 1", "P_1", "P_20_1", "车位1", "a.b-c", "x\"y"];
        let made: BTreeSet<String> = ids.iter().map(|i| svg_id(i)).collect();
        assert_eq!(made.len(), ids.len());
        for id in made {
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c)),
                "{id}"
            );
        }
    }

    #[test]
    fn text_is_escaped_and_control_characters_dropped() {
        assert_eq!(escape_xml("a<b>&\"'\u{1}c"), "a&lt;b&gt;&amp;&quot;&#39;c");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(2.5), "2.5");
        assert_eq!(num(3.0), "3");
        assert_eq!(num(f64::NAN), "0");
    }
}
