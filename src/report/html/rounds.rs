//! Over time on the staff page (FORMAT.md §3): the "new round" form and a
//! looked-up household's history.
//!
//! The form is sent by the page's script like the "run" button: `fetch` of
//! `POST /v1/sites/{site}/allocations` with the tab's bearer token and the
//! JSON `{"round", "rotation", "stability"}` (the API never takes the
//! session cookie, so no other site can make a round).

use super::{esc, url};
use crate::report::i18n::Lang;
use crate::service::history::History;

/// This module's words, zh then en.
const WORDS: &[(&str, &str, &str)] = &[
    ("new_round", "新一轮分配", "New round"),
    ("round", "轮次名称", "Round name"),
    (
        "round_help",
        "新名称即重新摇号；与上次相同则只是重算，保留原轮次。",
        "A new name is a redraw; the previous name is only a rerun within the round.",
    ),
    ("rotation", "轮换规则", "Rotation"),
    (
        "rotation.none",
        "普通摇号：每轮都按抽签顺序，与等待无关。",
        "Plain lottery: every round in lottery order, waiting counts for nothing.",
    ),
    (
        "rotation.waited_first",
        "久等者优先：连续落空轮数最多的先抽，同数按抽签顺序。",
        "Longest wait first: most rounds in a row unserved draws first, ties by the lottery.",
    ),
    (
        "rotation.tickets",
        "阶梯签：每多等一轮多一张签（1 + 等待轮数）。",
        "Tickets: one more ticket per round waited (1 + waited).",
    ),
    ("stability", "稳定性", "Stability"),
    (
        "stability.protect",
        "保护现有车位：谁也不因别人的变化而失去已有的。",
        "Protect: nobody loses what they hold because of someone else's change.",
    ),
    (
        "stability.keep_incumbents",
        "尽量保留：先保证各楼份额，再尽量不动现有的（第 1 版）。",
        "Keep incumbents: building shares first, then keep holdings where possible (version 1).",
    ),
    (
        "stability.none",
        "全部重抽：现有持有不算数。",
        "None: a fresh redraw, current holdings count for nothing.",
    ),
    ("submit", "开始新一轮", "Start the round"),
    ("history", "历次分配", "History"),
    ("allocation", "分配", "Allocation"),
    ("kind", "类别", "Kind"),
    ("held", "持有", "Held"),
    ("short", "欠缺 / 候补", "Short / waitlist"),
    ("waited", "连续落空轮数", "Rounds waited"),
    ("tickets", "签数", "Tickets"),
    ("no_history", "尚无分配记录。", "No allocation yet."),
    (
        "chart",
        "模拟：各轮换规则下每户获分配的轮数",
        "Simulation: rounds served per household under each rotation rule",
    ),
    (
        "chart_link",
        "查看 10 轮模拟图（较耗时）",
        "Show a 10-round simulation chart (takes a while)",
    ),
];

/// A word of this module in `lang` (empty for an unknown key).
pub fn w(lang: Lang, key: &str) -> &'static str {
    WORDS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, zh, en)| match lang {
            Lang::Zh => *zh,
            Lang::En => *en,
        })
        .unwrap_or("")
}

/// The over-time part of the site page: the new-round form and the chart
/// link for staff, and the looked-up household's history when given.
pub fn section(lang: Lang, site: &str, round: Option<&str>, history: Option<&History>) -> String {
    let mut b = format!(
        "<section id=\"over-time\" class=\"card\"><h2>{}</h2>",
        esc(w(lang, "new_round"))
    );
    b.push_str(&format!(
        "<form id=\"round-form\" method=\"post\" action=\"{}\">\
<p><label>{} <input id=\"round-name\" name=\"round\" value=\"{}\" maxlength=\"64\" required></label><br><small>{}</small></p>",
        esc(&format!("/v1/sites/{site}/allocations")),
        esc(w(lang, "round")),
        esc(round.unwrap_or("")),
        esc(w(lang, "round_help"))
    ));
    for (field, values) in [
        ("rotation", &["none", "waited_first", "tickets"][..]),
        ("stability", &["protect", "keep_incumbents", "none"][..]),
    ] {
        b.push_str(&format!(
            "<fieldset><legend>{}</legend>",
            esc(w(lang, field))
        ));
        for (i, v) in values.iter().enumerate() {
            let key = format!("{field}.{v}");
            b.push_str(&format!(
                "<label><input type=\"radio\" name=\"{field}\" value=\"{v}\"{}> <code>{v}</code> — {}</label><br>",
                if i == 0 { " checked" } else { "" },
                esc(w(lang, &key))
            ));
        }
        b.push_str("</fieldset>");
    }
    b.push_str(&format!(
        "<p><button type=\"submit\">{}</button> <span id=\"round-status\" role=\"status\"></span></p></form>",
        esc(w(lang, "submit"))
    ));
    b.push_str(&format!(
        "<p><a id=\"simulate-chart\" href=\"{}\">{}</a></p>",
        esc(&url(
            &format!("/sites/{site}/simulate.svg"),
            &[("rounds", "10"), ("lang", lang.code())]
        )),
        esc(w(lang, "chart_link"))
    ));
    if let Some(h) = history {
        b.push_str(&history_table(lang, h));
    }
    b.push_str("</section>\n");
    b
}

/// A household's history as a table, newest allocation first.
pub fn history_table(lang: Lang, h: &History) -> String {
    let mut b = format!(
        "<div id=\"household-history\"><h3>{} <code>{}</code></h3>",
        esc(w(lang, "history")),
        esc(&h.household)
    );
    if h.allocations.is_empty() {
        b.push_str(&format!("<p>{}</p></div>", esc(w(lang, "no_history"))));
        return b;
    }
    b.push_str(&format!(
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(w(lang, "allocation")),
        esc(w(lang, "round")),
        esc(w(lang, "rotation")),
        esc(w(lang, "kind")),
        esc(w(lang, "held")),
        esc(w(lang, "short")),
        esc(w(lang, "waited")),
        esc(w(lang, "tickets")),
    ));
    for e in &h.allocations {
        for (kind, k) in &e.kinds {
            let held: Vec<String> = k
                .held
                .iter()
                .map(|x| {
                    format!(
                        "{} ({})",
                        esc(&x.resource),
                        esc(crate::report::reasons::basis_label(x.basis.as_str(), lang))
                    )
                })
                .collect();
            let short = match (k.unserved, k.waitlist) {
                (0, _) => String::new(),
                (u, Some(p)) => format!("{u} / #{p}"),
                (u, None) => format!("{u} / —"),
            };
            b.push_str(&format!(
                "<tr data-allocation=\"{}\"><td>#{} <small>{}</small></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                e.allocation,
                e.allocation,
                esc(&e.created),
                esc(&e.round),
                crate::simulate::mode_name(e.rotation),
                kind.as_str(),
                held.join(", "),
                short,
                k.waited,
                k.tickets.map(|t| t.to_string()).unwrap_or_default()
            ));
        }
    }
    b.push_str("</tbody></table></div>");
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ResourceKind, Rotation};
    use crate::service::history::{Held, HistoryEntry, KindStanding};
    use std::collections::BTreeMap;

    #[test]
    fn every_word_is_given_in_both_languages() {
        for (k, zh, en) in WORDS {
            assert!(!zh.is_empty() && !en.is_empty(), "{k}");
            assert_ne!(zh, en, "{k}");
        }
    }

    #[test]
    fn the_form_offers_each_rotation_and_stability_with_its_explanation() {
        for lang in [Lang::Zh, Lang::En] {
            let s = section(lang, "s1", Some("2026"), None);
            assert!(s.contains("name=\"round\" value=\"2026\""));
            for v in ["none", "waited_first", "tickets"] {
                assert!(s.contains(&format!("name=\"rotation\" value=\"{v}\"")));
                assert!(s.contains(&esc(w(lang, &format!("rotation.{v}")))));
            }
            for v in ["protect", "keep_incumbents", "none"] {
                assert!(s.contains(&format!("name=\"stability\" value=\"{v}\"")));
                assert!(s.contains(&esc(w(lang, &format!("stability.{v}")))));
            }
        }
    }

    #[test]
    fn a_history_escapes_what_it_shows() {
        let h = History {
            site: "s".into(),
            household: "<H1>".into(),
            allocations: vec![HistoryEntry {
                allocation: 2,
                created: "t".into(),
                round: "<r>".into(),
                rotation: Rotation::Tickets,
                kinds: BTreeMap::from([(
                    ResourceKind::ParkingSpace,
                    KindStanding {
                        held: vec![Held {
                            resource: "<P1>".into(),
                            basis: crate::model::Basis::Swap,
                        }],
                        unserved: 0,
                        waitlist: None,
                        waited: 2,
                        tickets: Some(3),
                    },
                )]),
            }],
        };
        let s = history_table(Lang::En, &h);
        assert!(!s.contains("<H1>") && !s.contains("<r>") && !s.contains("<P1>"));
        assert!(s.contains("&lt;P1&gt; (swap)") && s.contains("<td>3</td>"));
    }
}
