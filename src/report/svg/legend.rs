//! The legend column: states, features, metrics, north arrow, scale bar.

use super::frame::{nice_length, truncate_em};
use super::frame::{num, text_at};
use super::resources::{ACCESSIBLE_STROKE, CHARGER_STROKE};
use super::{RenderOptions, ResourceState, PROBLEM_RED, WARNING_ORANGE};
use crate::model::Site;
use crate::report::i18n::{t, tf, Lang};

/// The legend column: states, features, metrics, north arrow, scale bar.
pub(super) struct Legend {
    lang: Lang,
    u: f64,
    width: f64,
    pub(super) height: f64,
    summary: Vec<String>,
}

/// A legend row's symbol.
pub(super) enum Swatch {
    Fill(&'static str, &'static str, f64, &'static str),
    Dot(&'static str),
    Square,
    Line,
    Diamond,
}

impl Legend {
    const ROWS: usize = 16;

    pub(super) fn new(site: &Site, opts: &RenderOptions<'_>, u: f64, width: f64) -> Legend {
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
                        ("kind", crate::report::i18n::kinds_name(lang, *kind)),
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

    pub(super) fn write(&self, o: &mut String, x0: f64, y0: f64) {
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
        // The fixed rows after the states: swatch, label key, CSS class.
        let fixed: [(Swatch, &str, &'static str); 11] = [
            (
                Swatch::Fill("#ffffff", ACCESSIBLE_STROKE, 0.35, ""),
                "legend.accessible",
                "accessible",
            ),
            (
                Swatch::Fill("#ffffff", CHARGER_STROKE, 0.35, "0.8 0.4"),
                "legend.charger",
                "has-charger",
            ),
            (
                Swatch::Fill("#d4d4d4", "#666666", 0.1, ""),
                "feature.building",
                "building",
            ),
            (Swatch::Dot("#222222"), "feature.entrance", "entrance"),
            (Swatch::Square, "feature.gate", "gate"),
            (Swatch::Line, "feature.walkway", "walkway"),
            (
                Swatch::Fill("url(#hatch-fire-lane)", "#f16913", 0.1, ""),
                "feature.fire_lane",
                "fire_lane",
            ),
            (
                Swatch::Fill("#cfe8c4", "#41ab5d", 0.1, ""),
                "feature.keep_clear",
                "keep_clear",
            ),
            (Swatch::Diamond, "feature.power_feed", "power_feed"),
            (
                Swatch::Fill(PROBLEM_RED, PROBLEM_RED, 0.3, ""),
                "state.problem",
                "error",
            ),
            (
                Swatch::Fill(WARNING_ORANGE, WARNING_ORANGE, 0.3, ""),
                "state.warning",
                "warning",
            ),
        ];
        rows.extend(
            fixed
                .into_iter()
                .map(|(swatch, key, class)| (swatch, t(lang, key).to_string(), class)),
        );
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
