//! The resources layer: each parking space, charging bay and garden plot
//! filled by its state, outlined by its reservation, labelled with its id and
//! holder in one text size per kind.

use super::frame::{
    centred_lines, label_box, num, open_feature, point_radii, polygon_path, text_em, Frame,
    LabelBox,
};
use super::{format_walk, RenderOptions, ResourceState};
use crate::model::{Assignment, Resource, ResourceKind, Shape, Site};
use crate::report::i18n::{kind_name, t, Lang};
use std::collections::{BTreeMap, BTreeSet};

/// Stroke of a highlighted resource.
pub(super) const HIGHLIGHT_STROKE: &str = "#000000";
/// Stroke of an accessible space (whatever its state).
pub(super) const ACCESSIBLE_STROKE: &str = "#1f5fa8";
/// Stroke of a charger space (whatever its state).
pub(super) const CHARGER_STROKE: &str = "#b7791f";

/// Draws every resource; `holders` and `pins` from the allocation.
pub(super) fn draw(
    o: &mut String,
    site: &Site,
    opts: &RenderOptions<'_>,
    frame: &Frame,
    u: f64,
    holders: &BTreeMap<&str, &Assignment>,
    pins: &BTreeSet<(&str, &str)>,
) {
    let lang = opts.lang;
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
                Shape::Polygon(p) => match label_box(frame, p) {
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
            o,
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
                    polygon_path(frame, p),
                    state.fill(),
                    stroke,
                    num(sw),
                    dash
                ));
                if let Some(lb) = d.label {
                    centred_lines(
                        o,
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
                    o,
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
            crate::report::reasons::assignment_reason(a, lang)
        ));
    }
    tip
}
