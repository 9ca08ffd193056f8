//! The site page, as a pure function from data to HTML (no I/O): the map,
//! household lookup, metrics, assignments and waitlists, staff actions, the
//! diff and revisions (the last three in [`super::changes`]). Every
//! user-facing string comes from the message catalogue (`report::i18n`).

use super::changes::{diff_section, revisions_section, staff_section};
use super::{esc, page, url, Frame};
use crate::model::{Allocation, ResourceKind};
use crate::report::i18n::{kind_name, kinds_name, t, tf, Lang};
use crate::report::reasons::{assignment_reason, unserved_reason};
use crate::report::svg::format_walk;
use crate::service::allocations::Overview;
use crate::service::diff::DiffView;
use crate::store::{AllocationMeta, SiteState};

/// A household looked up on the site page.
#[derive(Debug, Clone, PartialEq)]
pub struct Lookup {
    /// As typed.
    pub query: String,
}

/// Everything the site page shows.
pub struct SitePage<'a> {
    pub head: &'a SiteState,
    /// Allocations, newest first.
    pub allocations: &'a [AllocationMeta],
    /// The allocation shown (the latest unless `?allocation=` picked another).
    pub shown: Option<(&'a AllocationMeta, &'a Allocation)>,
    /// The change from the allocation before the shown one.
    pub diff: Option<&'a DiffView>,
    /// The map, an SVG document (its XML declaration is dropped).
    pub map_svg: &'a str,
    pub lookup: Option<&'a Lookup>,
    /// Staff may run allocations.
    pub staff: bool,
    /// The server checks tokens (else the page runs without one).
    pub tokens: bool,
    /// The page of the assignments table (`?rows=`, 0-based; [`TABLE_ROWS`] a page).
    pub table_page: usize,
    /// Over time (`rounds_page::section`), already rendered; empty below staff.
    pub over_time: &'a str,
}

/// Rows of the assignments table per page: a site of 125,000 households
/// is many pages, never one page of 150 MB.
pub const TABLE_ROWS: usize = 1000;

/// The page of a site's overview (`service::allocations::overview`); with
/// `staff`, the over-time section too (the new-round form, the chart link,
/// the looked-up household's history).
pub fn overview_page(
    frame: &Frame<'_>,
    data: &Overview,
    lookup: Option<String>,
    staff: bool,
    tokens: bool,
    table_page: usize,
) -> String {
    let over_time = if staff {
        let round = data.shown.as_ref().and_then(|(_, a)| a.round.as_deref());
        super::rounds::section(frame.lang, &data.head.id, round, data.history.as_ref())
    } else {
        String::new()
    };
    let lookup = lookup.map(|query| Lookup { query });
    let page = SitePage {
        head: &data.head,
        allocations: &data.metas,
        shown: data.shown.as_ref().map(|(m, a)| (m, a)),
        diff: data.diff.as_ref(),
        map_svg: &data.svg,
        lookup: lookup.as_ref(),
        staff,
        tokens,
        table_page,
        over_time: &over_time,
    };
    site_page(frame, &page)
}

/// The site page.
pub fn site_page(frame: &Frame<'_>, p: &SitePage<'_>) -> String {
    let lang = frame.lang;
    let head = p.head;
    let site_name = head.name.clone().unwrap_or_else(|| head.id.clone());
    let shown_id = p.shown.map(|(m, _)| m.id.to_string()).unwrap_or_default();
    let mut b = String::with_capacity(p.map_svg.len() + 64 * 1024);
    b.push_str(&format!(
        "<p class=\"muted\"><a href=\"{}\">{}</a> · {} <code>{}</code> · <a id=\"draws-link\" href=\"{}\">{}</a></p>\n",
        esc(&url("/", &[("lang", lang.code())])),
        esc(t(lang, "web.back")),
        esc(t(lang, "web.site")),
        esc(&head.id),
        esc(&url(
            &format!("/sites/{}/draws", head.id),
            &[("lang", lang.code())]
        )),
        esc(t(lang, "web.draws"))
    ));

    // Household lookup first: it is what most visitors come for.
    b.push_str(&lookup_section(frame, p, &shown_id));

    // The map.
    b.push_str(&format!(
        "<section id=\"map\"><h2>{}</h2><div class=\"map\">{}</div></section>\n",
        esc(t(lang, "web.map")),
        strip_xml_declaration(p.map_svg)
    ));

    match p.shown {
        None => b.push_str(&format!(
            "<p id=\"no-allocation\">{}</p>\n",
            esc(t(lang, "web.no_allocation"))
        )),
        Some((meta, a)) => {
            b.push_str(&format!(
                "<section id=\"shown-allocation\" data-id=\"{}\"><h2>{} #{}</h2><p class=\"muted\">{}: {} · seed <code>{}</code></p></section>\n",
                meta.id,
                esc(t(lang, "web.allocation")),
                meta.id,
                esc(t(lang, "web.created")),
                esc(&meta.created),
                esc(&a.seed)
            ));
            b.push_str(&metrics_section(lang, a));
            b.push_str(&assignments_section(frame, a, p.table_page));
        }
    }
    b.push_str(&staff_section(lang, p));
    b.push_str(p.over_time);
    b.push_str(&diff_section(lang, p.diff));
    b.push_str(&revisions_section(lang, p));

    let body_attrs = format!(
        " data-site=\"{}\" data-tokens=\"{}\" data-msg-running=\"{}\" data-msg-failed=\"{}\" data-msg-login=\"{}\"",
        esc(&head.id),
        p.tokens,
        esc(t(lang, "web.running")),
        esc(t(lang, "web.run_failed")),
        esc(t(lang, "web.login_again"))
    );
    page(frame, &site_name, &body_attrs, &b)
}

/// The SVG without its `<?xml …?>` line, for inlining in HTML.
fn strip_xml_declaration(svg: &str) -> &str {
    let s = svg.trim_start();
    if s.starts_with("<?xml") {
        s.find("?>").map(|i| s[i + 2..].trim_start()).unwrap_or(s)
    } else {
        s
    }
}

fn lookup_section(frame: &Frame<'_>, p: &SitePage<'_>, shown_id: &str) -> String {
    let lang = frame.lang;
    let query = p.lookup.map(|l| l.query.as_str()).unwrap_or_default();
    let mut b = format!(
        "<section id=\"lookup\" class=\"card\"><h2>{}</h2>\
<form id=\"lookup-form\" method=\"get\" action=\"/sites/{}\">\
<input id=\"lookup-input\" name=\"household\" value=\"{}\" placeholder=\"{}\" aria-label=\"{}\" required> \
<input type=\"hidden\" name=\"lang\" value=\"{}\">",
        esc(t(lang, "web.lookup")),
        esc(&p.head.id),
        esc(query),
        esc(t(lang, "web.lookup_placeholder")),
        esc(t(lang, "web.household")),
        lang.code()
    );
    if !shown_id.is_empty()
        && p.allocations
            .first()
            .is_some_and(|m| m.id.to_string() != shown_id)
    {
        b.push_str(&format!(
            "<input type=\"hidden\" name=\"allocation\" value=\"{}\">",
            esc(shown_id)
        ));
    }
    b.push_str(&format!(
        "<button id=\"lookup-button\" type=\"submit\">{}</button></form>",
        esc(t(lang, "web.lookup_button"))
    ));
    if let Some(lookup) = p.lookup {
        b.push_str("<div id=\"lookup-result\">");
        let id = lookup.query.trim();
        match p.shown {
            None => b.push_str(&format!("<p>{}</p>", esc(t(lang, "web.no_allocation")))),
            Some((_, a)) if !a.lottery.iter().any(|h| h == id) => b.push_str(&format!(
                "<p class=\"error\" id=\"lookup-none\">{}</p>",
                esc(t(lang, "web.lookup_none"))
            )),
            Some((_, a)) => {
                let held: Vec<_> = a.assignments.iter().filter(|x| x.household == id).collect();
                let waiting: Vec<_> = a.unserved.iter().filter(|x| x.household == id).collect();
                b.push_str(&format!("<h3><code>{}</code></h3>", esc(id)));
                if held.is_empty() && waiting.is_empty() {
                    b.push_str(&format!("<p>{}</p>", esc(t(lang, "web.lookup_nothing"))));
                }
                if !held.is_empty() {
                    b.push_str("<ul class=\"lookup-list\">");
                    for x in held {
                        b.push_str(&format!(
                            "<li class=\"lookup-assignment\" data-kind=\"{}\" data-resource=\"{}\">{}: <strong>{}</strong> · {} {} {} · {}</li>",
                            x.kind.as_str(),
                            esc(&x.resource),
                            esc(kind_name(lang, x.kind)),
                            esc(&x.resource),
                            esc(t(lang, "map.walk")),
                            format_walk(x.walk_m),
                            esc(t(lang, "map.metres")),
                            esc(&assignment_reason(x, lang))
                        ));
                    }
                    b.push_str("</ul>");
                }
                if !waiting.is_empty() {
                    b.push_str("<ul class=\"lookup-list\">");
                    for u in waiting {
                        let place = match u.waitlist {
                            Some(n) => tf(lang, "web.waitlist_place", &[("n", &n.to_string())]),
                            None => t(lang, "web.not_reachable").to_string(),
                        };
                        b.push_str(&format!(
                            "<li class=\"lookup-waitlist\" data-kind=\"{}\" data-place=\"{}\">{}: <strong>{}</strong> · {}</li>",
                            u.kind.as_str(),
                            u.waitlist.map(|n| n.to_string()).unwrap_or_default(),
                            esc(kind_name(lang, u.kind)),
                            esc(&place),
                            esc(&unserved_reason(u, lang))
                        ));
                    }
                    b.push_str("</ul>");
                }
            }
        }
        b.push_str("</div>");
    }
    b.push_str("</section>\n");
    b
}

fn opt(v: Option<f64>) -> String {
    v.map(format_walk).unwrap_or_else(|| "–".to_string())
}

fn metrics_section(lang: Lang, a: &Allocation) -> String {
    let mut b = format!(
        "<section id=\"metrics\"><h2>{}</h2><table class=\"metrics\"><thead><tr>",
        esc(t(lang, "web.metrics"))
    );
    for key in [
        "web.kind",
        "web.demand",
        "web.supply",
        "web.served",
        "web.walk_mean",
        "web.walk_p90",
        "web.walk_max",
        "web.kept",
        "web.moved",
    ] {
        b.push_str(&format!("<th>{}</th>", esc(t(lang, key))));
    }
    b.push_str("</tr></thead><tbody>");
    for (kind, m) in &a.metrics {
        b.push_str(&format!(
            "<tr data-kind=\"{}\"><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num served\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            kind.as_str(),
            esc(kinds_name(lang, *kind)),
            m.demand,
            m.supply,
            m.served,
            opt(m.walk_m.mean),
            opt(m.walk_m.p90),
            opt(m.walk_m.max),
            m.kept_from_previous,
            m.moved_from_previous
        ));
    }
    b.push_str("</tbody></table>");
    b.push_str(&format!(
        "<h3>{}</h3><div class=\"by-building\">",
        esc(t(lang, "web.by_building"))
    ));
    for (kind, m) in &a.metrics {
        if m.by_building.is_empty() {
            continue;
        }
        b.push_str(&format!(
            "<table class=\"buildings\" data-kind=\"{}\"><caption>{}</caption><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            kind.as_str(),
            esc(kinds_name(lang, *kind)),
            esc(t(lang, "web.building")),
            esc(t(lang, "web.demand")),
            esc(t(lang, "web.entitled")),
            esc(t(lang, "web.served"))
        ));
        for (building, bm) in &m.by_building {
            b.push_str(&format!(
                "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(building),
                bm.demand,
                bm.entitled,
                bm.served
            ));
        }
        b.push_str("</tbody></table>");
    }
    b.push_str("</div></section>\n");
    b
}

fn assignments_section(frame: &Frame<'_>, a: &Allocation, page: usize) -> String {
    let lang = frame.lang;
    let total = a.assignments.len() + a.unserved.len();
    let first = page.saturating_mul(TABLE_ROWS).min(total);
    let shown = first..(first + TABLE_ROWS).min(total);
    let mut b = format!(
        "<section id=\"assignments\"><h2>{} / {}</h2><div class=\"filters\">\
<label for=\"filter\">{}</label> <input id=\"filter\" type=\"search\" placeholder=\"{}\"> \
<select id=\"filter-kind\" aria-label=\"{}\"><option value=\"\">{}</option>",
        esc(t(lang, "web.assignments")),
        esc(t(lang, "web.waitlist")),
        esc(t(lang, "web.filter")),
        esc(t(lang, "web.filter_placeholder")),
        esc(t(lang, "web.kind")),
        esc(t(lang, "web.all_kinds"))
    );
    for kind in ResourceKind::ALL {
        b.push_str(&format!(
            "<option value=\"{}\">{}</option>",
            kind.as_str(),
            esc(kinds_name(lang, kind))
        ));
    }
    b.push_str(
        "</select> <span id=\"filter-count\" class=\"muted\"></span></div>\
<table id=\"assignment-table\"><thead><tr>",
    );
    for key in [
        "web.kind",
        "web.household",
        "web.resource",
        "web.walk_m",
        "web.status",
        "web.why",
    ] {
        b.push_str(&format!("<th>{}</th>", esc(t(lang, key))));
    }
    b.push_str("</tr></thead><tbody>");
    let skip_unserved = first.saturating_sub(a.assignments.len());
    for x in a.assignments.iter().skip(first).take(shown.len()) {
        let search = format!(
            "{} {} {}",
            x.household,
            x.resource,
            assignment_reason(x, lang)
        )
        .to_lowercase();
        b.push_str(&format!(
            "<tr class=\"row assigned\" data-kind=\"{}\" data-household=\"{}\" data-search=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            x.kind.as_str(),
            esc(&x.household),
            esc(&search),
            esc(kind_name(lang, x.kind)),
            esc(&x.household),
            esc(&x.resource),
            format_walk(x.walk_m),
            esc(t(lang, "state.assigned")),
            esc(&assignment_reason(x, lang))
        ));
    }
    let left = shown
        .len()
        .saturating_sub(a.assignments.len().saturating_sub(first));
    for u in a.unserved.iter().skip(skip_unserved).take(left) {
        let place = match u.waitlist {
            Some(n) => tf(lang, "web.waitlist_place", &[("n", &n.to_string())]),
            None => t(lang, "web.not_reachable").to_string(),
        };
        let search = format!("{} {}", u.household, unserved_reason(u, lang)).to_lowercase();
        b.push_str(&format!(
            "<tr class=\"row waiting\" data-kind=\"{}\" data-household=\"{}\" data-search=\"{}\"><td>{}</td><td>{}</td><td>–</td><td></td><td>{}</td><td>{}</td></tr>",
            u.kind.as_str(),
            esc(&u.household),
            esc(&search),
            esc(kind_name(lang, u.kind)),
            esc(&u.household),
            esc(&place),
            esc(&unserved_reason(u, lang))
        ));
    }
    b.push_str("</tbody></table>");
    if total > TABLE_ROWS {
        let link = |to: usize, text: &str| {
            let mut params: Vec<(&str, String)> = frame.params.clone();
            params.retain(|(k, _)| *k != "rows");
            params.push(("rows", to.to_string()));
            params.push(("lang", lang.code().to_string()));
            let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            format!(
                " <a href=\"{}#assignments\">{}</a>",
                esc(&url(frame.path, &params)),
                esc(text)
            )
        };
        b.push_str(&format!(
            "<nav id=\"table-pager\" class=\"pager\">{}–{} / {}",
            shown.start + 1,
            shown.end,
            total
        ));
        if page > 0 {
            b.push_str(&link(page - 1, "‹"));
        }
        if shown.end < total {
            b.push_str(&link(page + 1, "›"));
        }
        b.push_str("</nav>");
    }
    b.push_str("</section>\n");
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{allocation as empty, assignment, unserved};
    use crate::model::{Assignment, Basis, KindMetrics, Unserved, WalkStats};
    use crate::store::{AllocationInputs, PartRevisions};
    use std::collections::BTreeMap;

    fn head() -> SiteState {
        SiteState {
            id: "s1".into(),
            name: Some("一心桥 <b>".into()),
            revision: 3,
            parts: PartRevisions {
                layout: 1,
                roster: Some(2),
                policy: None,
            },
            households: 2,
            latest_allocation: Some(1),
            created: "2026-11-29T00:00:00Z".into(),
            updated: "2026-11-29T00:00:00Z".into(),
        }
    }

    fn meta() -> AllocationMeta {
        let base = crate::service::fixtures::allocation_meta("s1", 1);
        AllocationMeta {
            created: "2026-11-29T00:00:00Z".into(),
            inputs: AllocationInputs {
                revision: 3,
                parts: PartRevisions {
                    roster: Some(2),
                    ..base.inputs.parts
                },
                ..base.inputs
            },
            seed: "seed".into(),
            summary: serde_json::json!({"parking_space": {"demand": 2, "supply": 1, "served": 1}}),
            ..base
        }
    }

    fn allocation() -> Allocation {
        let mut metrics = BTreeMap::new();
        metrics.insert(
            ResourceKind::ParkingSpace,
            KindMetrics {
                demand: 2,
                supply: 1,
                served: 1,
                by_building: BTreeMap::new(),
                walk_m: WalkStats {
                    mean: Some(10.0),
                    p90: Some(10.0),
                    max: Some(10.0),
                },
                kept_from_previous: 0,
                moved_from_previous: 0,
                swapped: 0,
            },
        );
        Allocation {
            assignments: vec![Assignment {
                why: "lottery rank 1 & nearest".into(),
                ..assignment(
                    "<script>alert(1)</script>",
                    ResourceKind::ParkingSpace,
                    "P1",
                    Basis::Lottery,
                )
            }],
            unserved: vec![
                Unserved {
                    why: "all taken".into(),
                    ..unserved("H2", ResourceKind::ParkingSpace, Some(1))
                },
                Unserved {
                    why: "nothing within 300 m".into(),
                    ..unserved("H2", ResourceKind::GardenPlot, None)
                },
            ],
            lottery: vec!["<script>alert(1)</script>".into(), "H2".into()],
            metrics,
            ..empty("s1")
        }
    }

    fn render(lang: Lang, lookup: Option<&str>) -> String {
        let (h, m, a) = (head(), [meta()], allocation());
        let lookup = lookup.map(|q| Lookup { query: q.into() });
        let frame = Frame {
            lang,
            path: "/sites/s1",
            params: vec![],
            logged_in: true,
            csrf: None,
        };
        site_page(
            &frame,
            &SitePage {
                head: &h,
                allocations: &m,
                shown: Some((&m[0], &a)),
                diff: None,
                map_svg:
                    "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>",
                lookup: lookup.as_ref(),
                staff: false,
                tokens: true,
                table_page: 0,
                over_time: "",
            },
        )
    }

    #[test]
    fn everything_from_the_data_is_escaped() {
        let html = render(Lang::En, None);
        assert!(
            !html.contains("<script>alert"),
            "raw household id in the page"
        );
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("一心桥 &lt;b&gt;"));
        assert!(html.contains("lottery rank 1 &amp; nearest"));
    }

    #[test]
    fn the_map_is_inlined_without_its_xml_declaration() {
        let html = render(Lang::Zh, None);
        assert!(!html.contains("<?xml"));
        assert!(html.contains("<div class=\"map\"><svg xmlns="));
    }

    #[test]
    fn a_lookup_shows_waitlist_places_and_unreachable_kinds() {
        let html = render(Lang::Zh, Some(" H2 "));
        assert!(html.contains("data-place=\"1\""));
        assert!(html.contains("候补第 1 位"));
        assert!(html.contains("步行范围内没有"));
        let html = render(Lang::En, Some("nobody"));
        assert!(html.contains("id=\"lookup-none\"") && html.contains("No such household."));
    }

    #[test]
    fn the_table_has_one_row_per_assignment_and_unserved_entry() {
        let html = render(Lang::En, None);
        assert_eq!(html.matches("<tr class=\"row ").count(), 3);
        assert_eq!(html.matches("<tr class=\"row waiting\"").count(), 2);
        assert!(html.contains("No previous allocation to compare with."));
        assert!(!html.contains("id=\"run-allocation\""));
    }
}
