//! Renderings of a [`Simulation`]: a table (text, CSV, JSON) and an SVG
//! chart of rounds served per household, one line per rotation mode, with
//! zh/en labels. Every user-supplied string (site name, household ids) is
//! escaped in SVG and neutralised in CSV.

use super::{mode_name, Simulation};
use crate::model::ResourceKind;
use crate::report::i18n::Lang;
use crate::report::svg::escape_xml;
use std::fmt::Write as _;

fn kind_label(kind: ResourceKind, lang: Lang) -> &'static str {
    match (kind, lang) {
        (ResourceKind::ParkingSpace, Lang::Zh) => "车位",
        (ResourceKind::ChargingBay, Lang::Zh) => "电动自行车充电位",
        (ResourceKind::GardenPlot, Lang::Zh) => "菜园地块",
        (ResourceKind::ParkingSpace, Lang::En) => "parking spaces",
        (ResourceKind::ChargingBay, Lang::En) => "charging bays",
        (ResourceKind::GardenPlot, Lang::En) => "garden plots",
    }
}

fn mode_label(mode: &str, lang: Lang) -> &'static str {
    match (mode, lang) {
        ("waited_first", Lang::Zh) => "久等者优先 waited_first",
        ("tickets", Lang::Zh) => "阶梯摇号 tickets",
        (_, Lang::Zh) => "普通摇号 none",
        ("waited_first", Lang::En) => "waited_first (longest wait first)",
        ("tickets", Lang::En) => "tickets (one more ticket per round waited)",
        (_, Lang::En) => "none (plain lottery)",
    }
}

/// The summary and per-household table as plain text (English headers, ids as given).
pub fn text(sim: &Simulation) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "site {}: {} rounds, seed {}, stability {}",
        sim.site,
        sim.rounds,
        sim.seed,
        super::stability_name(sim.stability)
    );
    let _ = writeln!(
        s,
        "\n{:<14} {:<14} {:>10} {:>10} {:>6} {:>10}",
        "kind", "mode", "households", "mean share", "gini", "worst wait"
    );
    for m in &sim.modes {
        for (kind, k) in &m.kinds {
            let _ = writeln!(
                s,
                "{:<14} {:<14} {:>10} {:>10.3} {:>6.3} {:>10}",
                kind.to_string(),
                mode_name(m.mode),
                k.households,
                k.mean_share,
                k.gini,
                k.worst_wait
            );
        }
    }
    let _ = writeln!(
        s,
        "\nper household: rounds served / longest run unserved, by mode"
    );
    let kinds: Vec<ResourceKind> = sim
        .modes
        .first()
        .map(|m| m.kinds.keys().copied().collect())
        .unwrap_or_default();
    for kind in kinds {
        let mut head = format!("\n{:<16} {:<14}", "household", "kind");
        for m in &sim.modes {
            let _ = write!(head, " {:>14}", mode_name(m.mode));
        }
        let _ = writeln!(s, "{head}");
        let Some(first) = sim.modes.first().and_then(|m| m.kinds.get(&kind)) else {
            continue;
        };
        for (i, r) in first.records.iter().enumerate() {
            let mut line = format!("{:<16} {:<14}", r.household, kind.to_string());
            for m in &sim.modes {
                if let Some(x) = m.kinds.get(&kind).and_then(|k| k.records.get(i)) {
                    let _ = write!(
                        line,
                        " {:>14}",
                        format!("{}/{}", x.served, x.longest_unserved)
                    );
                }
            }
            let _ = writeln!(s, "{line}");
        }
    }
    s
}

/// A cell a spreadsheet will not run as a formula.
fn neutral(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

/// CSV (UTF-8 with BOM, for Excel): one row per mode, kind and household,
/// then one summary row per mode and kind (household `*`).
pub fn csv(sim: &Simulation) -> Vec<u8> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "mode",
        "kind",
        "household",
        "rounds",
        "served",
        "share",
        "longest_unserved",
        "mean_share",
        "gini",
        "worst_wait",
    ]);
    let rounds = sim.rounds.to_string();
    for m in &sim.modes {
        for (kind, k) in &m.kinds {
            for r in &k.records {
                let _ = w.write_record([
                    mode_name(m.mode).to_string(),
                    kind.to_string(),
                    neutral(&r.household),
                    rounds.clone(),
                    r.served.to_string(),
                    format!("{:.3}", r.share),
                    r.longest_unserved.to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
            }
            let _ = w.write_record([
                mode_name(m.mode).to_string(),
                kind.to_string(),
                "*".to_string(),
                rounds.clone(),
                String::new(),
                String::new(),
                String::new(),
                format!("{:.3}", k.mean_share),
                format!("{:.3}", k.gini),
                k.worst_wait.to_string(),
            ]);
        }
    }
    let mut out = vec![0xEF, 0xBB, 0xBF];
    out.extend(w.into_inner().unwrap_or_default());
    out
}

/// Pretty JSON with a trailing newline (keys in a fixed order).
pub fn json(sim: &Simulation) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(sim).unwrap_or_default();
    v.push(b'\n');
    v
}

const COLOURS: [&str; 3] = ["#7f7f7f", "#d62728", "#1f77b4"];
const DASHES: [&str; 3] = ["", "6 4", "2 3"];

/// An SVG chart: per kind with demand, a panel whose x axis is the
/// households sorted by rounds served (fewest first) and whose y axis is
/// rounds served; one line per mode. A flat line means everyone is served
/// equally often.
pub fn svg(sim: &Simulation, lang: Lang) -> String {
    let kinds: Vec<ResourceKind> = sim
        .modes
        .first()
        .map(|m| m.kinds.keys().copied().collect())
        .unwrap_or_default();
    let (w, panel_h, left, right, top) = (760.0f64, 260.0f64, 56.0f64, 20.0f64, 64.0f64);
    let legend_h = 22.0 * sim.modes.len() as f64 + 10.0;
    let height = top + kinds.len() as f64 * (panel_h + 60.0) + legend_h + 10.0;
    let (title, x_label, y_label) = match lang {
        Lang::Zh => (
            format!(
                "{}：{} 轮摇号中每户获配的轮数（各轮换规则一条线）",
                sim.site, sim.rounds
            ),
            "住户（按获配轮数从少到多排列）",
            "获配轮数",
        ),
        Lang::En => (
            format!(
                "{}: rounds served per household over {} rounds, one line per rotation rule",
                sim.site, sim.rounds
            ),
            "households, sorted by rounds served (fewest first)",
            "rounds served",
        ),
    };
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{height}" viewBox="0 0 {w} {height}" font-family="Noto Sans CJK SC, Noto Sans SC, sans-serif" lang="{}">"#,
        lang.tag()
    );
    let _ = write!(
        s,
        r##"<rect width="100%" height="100%" fill="#ffffff"/><text x="{left}" y="28" font-size="16" font-weight="bold">{}</text>"##,
        escape_xml(&title)
    );
    let rounds = f64::from(sim.rounds.max(1));
    for (p, kind) in kinds.iter().enumerate() {
        let y0 = top + p as f64 * (panel_h + 60.0);
        let (x1, y1) = (left, y0 + panel_h);
        let pw = w - left - right;
        let figures: Vec<String> = sim
            .modes
            .iter()
            .filter_map(|m| {
                m.kinds
                    .get(kind)
                    .map(|k| format!("{} {:.2}/{}", mode_name(m.mode), k.gini, k.worst_wait))
            })
            .collect();
        let heading = match lang {
            Lang::Zh => format!(
                "{}（基尼系数/最长连续未获配轮数：{}）",
                kind_label(*kind, lang),
                figures.join("，")
            ),
            Lang::En => format!(
                "{} (Gini / worst wait: {})",
                kind_label(*kind, lang),
                figures.join(", ")
            ),
        };
        let _ = write!(
            s,
            r##"<text x="{left}" y="{}" font-size="13">{}</text>"##,
            y0 - 6.0,
            escape_xml(&heading)
        );
        let _ = write!(
            s,
            r##"<rect x="{x1}" y="{y0}" width="{pw}" height="{panel_h}" fill="none" stroke="#333333"/>"##
        );
        // y ticks: 0, R/2, R.
        for t in [0.0, rounds / 2.0, rounds] {
            let y = y1 - t / rounds * panel_h;
            let _ = write!(
                s,
                r##"<line x1="{x1}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#dddddd"/><text x="{}" y="{:.1}" font-size="11" text-anchor="end">{}</text>"##,
                x1 + pw,
                x1 - 6.0,
                y + 4.0,
                (t * 10.0).round() / 10.0
            );
        }
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" font-size="11" text-anchor="middle">{}</text><text x="14" y="{:.1}" font-size="11" transform="rotate(-90 14 {:.1})" text-anchor="middle">{}</text>"##,
            x1 + pw / 2.0,
            y1 + 18.0,
            escape_xml(x_label),
            y0 + panel_h / 2.0,
            y0 + panel_h / 2.0,
            escape_xml(y_label)
        );
        for (i, m) in sim.modes.iter().enumerate() {
            let Some(k) = m.kinds.get(kind) else { continue };
            let mut served: Vec<u32> = k.records.iter().map(|r| r.served).collect();
            served.sort_unstable();
            let n = served.len().max(2) - 1;
            let points: Vec<String> = served
                .iter()
                .enumerate()
                .map(|(j, &v)| {
                    format!(
                        "{:.1},{:.1}",
                        x1 + j as f64 / n as f64 * pw,
                        y1 - f64::from(v) / rounds * panel_h
                    )
                })
                .collect();
            let dash = DASHES[i % DASHES.len()];
            let _ = write!(
                s,
                r##"<polyline fill="none" stroke="{}" stroke-width="2"{} points="{}"/>"##,
                COLOURS[i % COLOURS.len()],
                if dash.is_empty() {
                    String::new()
                } else {
                    format!(r#" stroke-dasharray="{dash}""#)
                },
                points.join(" ")
            );
        }
    }
    let ly = top + kinds.len() as f64 * (panel_h + 60.0);
    for (i, m) in sim.modes.iter().enumerate() {
        let y = ly + 22.0 * i as f64;
        let dash = DASHES[i % DASHES.len()];
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{y}" x2="{}" y2="{y}" stroke="{}" stroke-width="2"{}/><text x="{}" y="{}" font-size="12">{}</text>"##,
            left + 30.0,
            COLOURS[i % COLOURS.len()],
            if dash.is_empty() {
                String::new()
            } else {
                format!(r#" stroke-dasharray="{dash}""#)
            },
            left + 38.0,
            y + 4.0,
            escape_xml(mode_label(mode_name(m.mode), lang))
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::super::{HouseholdRecord, KindResult, ModeResult, Simulation};
    use super::*;
    use crate::model::{Rotation, Stability};
    use std::collections::BTreeMap;

    fn sim() -> Simulation {
        let rec = |h: &str, served| HouseholdRecord {
            household: h.into(),
            served,
            share: f64::from(served) / 4.0,
            longest_unserved: 4 - served,
        };
        let kind = KindResult {
            households: 2,
            mean_share: 0.5,
            gini: 0.25,
            worst_wait: 3,
            records: vec![rec("=HYPERLINK(\"x\")", 1), rec("<b>&", 3)],
        };
        Simulation {
            site: "<site & \"x\">".into(),
            seed: "s".into(),
            rounds: 4,
            stability: Stability::None,
            modes: vec![ModeResult {
                mode: Rotation::Tickets,
                kinds: BTreeMap::from([(ResourceKind::ParkingSpace, kind)]),
            }],
        }
    }

    #[test]
    fn the_svg_escapes_the_site_name_and_labels_in_both_languages() {
        for lang in [Lang::Zh, Lang::En] {
            let svg = svg(&sim(), lang);
            assert!(
                svg.contains("&lt;site &amp; &quot;x&quot;&gt;") || svg.contains("&lt;site &amp;")
            );
            assert!(!svg.contains("<site"));
            assert!(svg.contains("<polyline"));
        }
        assert!(svg(&sim(), Lang::Zh).contains("获配轮数"));
        assert!(svg(&sim(), Lang::En).contains("rounds served"));
    }

    #[test]
    fn the_csv_neutralises_formulas_and_starts_with_a_byte_order_mark() {
        let bytes = csv(&sim());
        assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF]);
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert!(text.contains("'=HYPERLINK"), "{text}");
        assert!(
            text.contains("tickets,parking_space,*,4,,,,0.500,0.250,3"),
            "{text}"
        );
    }
}
