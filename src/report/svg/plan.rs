//! The plan layer: the areas under the resources (boundary, keep-clear
//! zones, fire lanes, walkways, buildings) and the point features over them
//! (entrances, gates, power feeds).

use super::frame::{
    centred_lines, label_box, line_points, num, open_feature, polygon_path, text_at, text_em, Frame,
};
use crate::model::Site;
use crate::report::i18n::{t, tf, Lang};
use geo::Polygon;

/// One filled polygon (even–odd, so holes stay open), not closing its group.
fn area_path(
    o: &mut String,
    frame: &Frame,
    poly: &Polygon<f64>,
    fill: &str,
    stroke: &str,
    width: f64,
) {
    o.push_str(&format!(
        "<path d=\"{}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{}\" fill-rule=\"evenodd\"/>",
        polygon_path(frame, poly),
        num(width)
    ));
}

/// Opens a feature's group whose tooltip is its kind's name and its id.
fn open_named(o: &mut String, lang: Lang, id: &str, class: &str, key: &'static str) {
    open_feature(o, id, class, &format!("{} {}", t(lang, key), id));
}

/// The areas, in drawing order.
pub(super) fn areas(o: &mut String, site: &Site, lang: Lang, frame: &Frame, hair: f64, u: f64) {
    if let Some(b) = &site.boundary {
        open_named(o, lang, &b.id, "feature boundary", "feature.boundary");
        area_path(o, frame, &b.polygon, "#f4f4ee", "#333333", 2.0 * hair);
        o.push_str("</g>\n");
    }
    for z in &site.keep_clear {
        let mut tip = format!("{} {}", t(lang, "feature.keep_clear"), z.id);
        if let Some(r) = &z.reason {
            tip.push_str(&format!("\n{}: {}", t(lang, "map.reason"), r));
        }
        open_feature(o, &z.id, "feature keep_clear", &tip);
        area_path(o, frame, &z.polygon, "#cfe8c4", "#41ab5d", hair);
        o.push_str("</g>\n");
    }
    for z in &site.fire_lanes {
        open_named(o, lang, &z.id, "feature fire_lane", "feature.fire_lane");
        area_path(
            o,
            frame,
            &z.polygon,
            "url(#hatch-fire-lane)",
            "#f16913",
            hair,
        );
        o.push_str("</g>\n");
    }
    for wk in &site.walkways {
        open_named(o, lang, &wk.id, "feature walkway", "feature.walkway");
        o.push_str(&format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#c8b99a\" stroke-width=\"1.5\" \
stroke-linecap=\"round\" stroke-linejoin=\"round\"/></g>\n",
            line_points(frame, &wk.line)
        ));
    }
    for b in &site.buildings {
        let label = b.name.clone().unwrap_or_else(|| b.id.clone());
        let mut tip = format!("{} {}", t(lang, "feature.building"), b.id);
        if let Some(n) = &b.name {
            tip.push_str(&format!(" {n}"));
        }
        open_feature(o, &b.id, "feature building", &tip);
        area_path(o, frame, &b.polygon, "#d4d4d4", "#666666", hair);
        if let Some(lb) = label_box(frame, &b.polygon) {
            let size = (lb.short * 0.4)
                .min(lb.long * 0.85 / text_em(&label))
                .min(1.8 * u);
            centred_lines(
                o,
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
}

/// The point features, on top of the areas and resources.
pub(super) fn points(o: &mut String, site: &Site, lang: Lang, frame: &Frame, hair: f64, u: f64) {
    // Point features on top of the areas.
    for e in &site.entrances {
        let tip = format!(
            "{} {}: {} {}",
            t(lang, "feature.entrance"),
            e.id,
            e.building,
            tf(lang, "map.unit_label", &[("unit", &e.unit)])
        );
        open_feature(o, &e.id, "feature entrance", &tip);
        let (x, y) = (frame.x(e.point.x()), frame.y(e.point.y()));
        o.push_str(&format!(
            "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"#222222\" stroke=\"#ffffff\" stroke-width=\"{}\"/>",
            num(x),
            num(y),
            num(0.45 * u),
            num(hair)
        ));
        text_at(
            o,
            x + 0.6 * u,
            y - 0.5 * u,
            0.8 * u,
            &tf(lang, "map.unit_label", &[("unit", &e.unit)]),
            " fill=\"#222222\" class=\"label\"",
        );
        o.push_str("</g>\n");
    }
    for g in &site.gates {
        open_named(o, lang, &g.id, "feature gate", "feature.gate");
        let (x, y) = (frame.x(g.point.x()), frame.y(g.point.y()));
        o.push_str(&format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#222222\"/>",
            num(x - 0.7 * u),
            num(y - 0.7 * u),
            num(1.4 * u),
            num(1.4 * u)
        ));
        text_at(
            o,
            x + 0.9 * u,
            y + 0.35 * u,
            0.9 * u,
            t(lang, "feature.gate"),
            " fill=\"#222222\" class=\"label\"",
        );
        o.push_str("</g>\n");
    }
    for f in &site.power_feeds {
        open_named(o, lang, &f.id, "feature power_feed", "feature.power_feed");
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
            o,
            x + 0.9 * u,
            y + 0.3 * u,
            0.7 * u,
            &f.id,
            " fill=\"#333333\" class=\"label\"",
        );
        o.push_str("</g>\n");
    }
}
