//! The problems layer: every error (red) and warning (orange) drawn on the
//! features it names, and the list of problems under the map.

use super::frame::{
    line_points, num, polygon_path, site_geometries, text_at, truncate_em, Frame, Geom,
};
use super::{escape_xml, feature_element_id, RenderOptions, PROBLEM_RED, WARNING_ORANGE};
use crate::model::{Problem, Site};
use crate::report::i18n::{t, tf, Lang};
use geo::BoundingRect;

/// The markers of every problem, warnings under errors.
pub(super) fn markers(
    o: &mut String,
    site: &Site,
    opts: &RenderOptions<'_>,
    frame: &Frame,
    u: f64,
) {
    let lang = opts.lang;
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
                            polygon_path(frame, poly),
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
                            line_points(frame, l),
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
}

/// Where the problem list goes and how wide it may be.
pub(super) struct Panel {
    pub(super) pad: f64,
    pub(super) top: f64,
    pub(super) width: f64,
    pub(super) u: f64,
}

/// The list of problems under the map (nothing when there are none).
pub(super) fn panel(
    o: &mut String,
    lang: Lang,
    problem_lines: &[(&'static str, String)],
    at: &Panel,
) {
    let Panel {
        pad,
        top: y0,
        width: total_w,
        u,
    } = *at;
    if !problem_lines.is_empty() {
        let size = 0.9 * u;
        o.push_str("<g id=\"problem-list\">");
        text_at(
            o,
            pad,
            y0 + size,
            1.1 * u,
            t(lang, "map.problems"),
            &format!(" font-weight=\"bold\" fill=\"{PROBLEM_RED}\""),
        );
        let max_em = (total_w - 2.0 * pad) / size;
        for (k, (colour, line)) in problem_lines.iter().enumerate() {
            text_at(
                o,
                pad,
                y0 + size + (k as f64 + 1.0) * 1.4 * u,
                size,
                &truncate_em(line, max_em),
                &format!(" fill=\"{colour}\""),
            );
        }
        o.push_str("</g>\n");
    }
}

/// The features a problem names, each once, in order.
pub(super) fn problem_features(p: &Problem) -> Vec<&str> {
    let mut ids: Vec<&str> = Vec::new();
    for id in p.feature.iter().chain(&p.features) {
        if !ids.contains(&id.as_str()) {
            ids.push(id);
        }
    }
    ids
}

/// Lines of the problem list under the map: at most 12, then a count.
pub(super) fn panel_lines(opts: &RenderOptions<'_>) -> Vec<(&'static str, String)> {
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
