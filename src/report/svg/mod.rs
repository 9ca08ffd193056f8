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
//!
//! One module per map layer, drawn in this order: [`frame`] (the frame and
//! drawing helpers), [`plan`] (areas, then point features), [`resources`],
//! [`problems`] (markers and the list under the map), [`legend`].

mod frame;
mod legend;
mod plan;
mod problems;
mod resources;

use self::frame::{bounds, num, text_at, Frame};
use self::legend::Legend;
use super::i18n::{t, Lang};
use crate::model::{Allocation, Assignment, Basis, Problem, Resource, ResourceKind, Site};
use std::collections::{BTreeMap, BTreeSet};

pub use self::frame::nice_length;
pub use super::markup::escape as escape_xml;

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
            Some(a) if pinned || a.basis == Basis::Pin => ResourceState::Pinned,
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
    let problem_lines = problems::panel_lines(opts);
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
    plan::areas(&mut o, site, lang, &frame, hair, u);
    resources::draw(&mut o, site, opts, &frame, u, &holders, &pins);
    plan::points(&mut o, site, lang, &frame, hair, u);
    o.push_str("</g>\n");

    // Problems: warnings first so that errors lie on top.
    problems::markers(&mut o, site, opts, &frame, u);

    legend.write(&mut o, pad + w + pad, frame.top);

    let at = problems::Panel {
        pad,
        top: frame.top + body_h + pad,
        width: total_w,
        u,
    };
    problems::panel(&mut o, lang, &problem_lines, &at);
    o.push_str("</svg>\n");
    o
}

/// A walk in metres with one decimal, as reports round it.
pub fn format_walk(m: f64) -> String {
    if m.is_finite() {
        format!("{:.1}", m)
    } else {
        "–".to_string()
    }
}

#[cfg(test)]
mod tests;
