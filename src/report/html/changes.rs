//! The site page's lower sections: staff actions (downloads, the run
//! button), the diff against the previous allocation and the revisions.

use super::site::SitePage;
use super::{esc, url};
use crate::model::ResourceKind;
use crate::report::i18n::{kind_name, kinds_name, t, Lang};
use crate::service::diff::DiffView;

pub(super) fn staff_section(lang: Lang, p: &SitePage<'_>) -> String {
    let mut b = format!(
        "<section id=\"staff\" class=\"card\"><h2>{}</h2>",
        esc(t(lang, "web.staff"))
    );
    if let Some((meta, _)) = p.shown {
        b.push_str(&format!(
            "<p id=\"downloads\">{}: ",
            esc(t(lang, "web.downloads"))
        ));
        for (format, key) in [
            ("csv", "web.download_csv"),
            ("xlsx", "web.download_xlsx"),
            ("geojson", "web.download_geojson"),
            ("svg", "web.download_svg"),
            ("json", "web.download_json"),
        ] {
            b.push_str(&format!(
                "<a class=\"download\" data-format=\"{format}\" download href=\"{}\">{}</a> ",
                esc(&url(
                    &format!(
                        "/sites/{}/allocations/{}/download/{format}",
                        p.head.id, meta.id
                    ),
                    &[("lang", lang.code())]
                )),
                esc(t(lang, key))
            ));
        }
        b.push_str("</p>");
    }
    if p.staff {
        b.push_str(&format!(
            "<p><button id=\"run-allocation\" type=\"button\">{}</button> <span id=\"run-status\" role=\"status\"></span></p>",
            esc(t(lang, "web.run"))
        ));
    }
    b.push_str("</section>\n");
    b
}

pub(super) fn diff_section(lang: Lang, diff: Option<&DiffView>) -> String {
    let mut b = format!("<section id=\"diff\"><h2>{}</h2>", esc(t(lang, "web.diff")));
    let Some(d) = diff else {
        b.push_str(&format!(
            "<p>{}</p></section>\n",
            esc(t(lang, "web.no_diff"))
        ));
        return b;
    };
    b.push_str(&format!("<p class=\"muted\">#{} → #{}</p>", d.from, d.to));
    if d.moved.is_empty() && d.gained.is_empty() && d.lost.is_empty() {
        b.push_str(&format!(
            "<p id=\"no-changes\">{}</p></section>\n",
            esc(t(lang, "web.no_changes"))
        ));
        return b;
    }
    b.push_str(&format!(
        "<table id=\"diff-table\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(t(lang, "web.change")),
        esc(t(lang, "web.household")),
        esc(t(lang, "web.kind")),
        esc(t(lang, "web.diff.from")),
        esc(t(lang, "web.diff.to"))
    ));
    for m in &d.moved {
        b.push_str(&diff_row(
            lang,
            "moved",
            "web.diff.moved",
            &m.household,
            m.kind,
            &m.from,
            &m.to,
        ));
    }
    for c in &d.gained {
        b.push_str(&diff_row(
            lang,
            "gained",
            "web.diff.gained",
            &c.household,
            c.kind,
            &[],
            &c.resources,
        ));
    }
    for c in &d.lost {
        b.push_str(&diff_row(
            lang,
            "lost",
            "web.diff.lost",
            &c.household,
            c.kind,
            &c.resources,
            &[],
        ));
    }
    b.push_str("</tbody></table></section>\n");
    b
}

fn diff_row(
    lang: Lang,
    class: &str,
    key: &'static str,
    household: &str,
    kind: ResourceKind,
    from: &[String],
    to: &[String],
) -> String {
    let list = |v: &[String]| {
        if v.is_empty() {
            "–".to_string()
        } else {
            v.join(", ")
        }
    };
    format!(
        "<tr class=\"{class}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        esc(t(lang, key)),
        esc(household),
        esc(kind_name(lang, kind)),
        esc(&list(from)),
        esc(&list(to))
    )
}

pub(super) fn revisions_section(lang: Lang, p: &SitePage<'_>) -> String {
    let h = p.head;
    let none = t(lang, "web.none");
    let rev = |r: Option<u64>| r.map(|r| r.to_string()).unwrap_or_else(|| none.to_string());
    let mut b = format!(
        "<section id=\"revisions\"><h2>{}</h2><table class=\"kv\"><tbody>\
<tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{} ({} {})</td></tr>\
<tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr></tbody></table>",
        esc(t(lang, "web.revisions")),
        esc(t(lang, "web.revision.site")),
        h.revision,
        esc(t(lang, "web.revision.layout")),
        h.parts.layout,
        esc(t(lang, "web.revision.households")),
        rev(h.parts.roster),
        h.households,
        esc(t(lang, "web.households")),
        esc(t(lang, "web.revision.policy")),
        rev(h.parts.policy),
        esc(t(lang, "web.updated")),
        esc(&h.updated)
    );
    if !p.allocations.is_empty() {
        b.push_str(&format!(
            "<h3>{}</h3><table id=\"allocation-list\"><thead><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            esc(t(lang, "web.allocations")),
            esc(t(lang, "web.created")),
            esc(t(lang, "web.revisions")),
            esc(t(lang, "web.served"))
        ));
        let shown = p.shown.map(|(m, _)| m.id);
        for m in p.allocations {
            let served: Vec<String> = ResourceKind::ALL
                .iter()
                .filter_map(|k| {
                    let s = m.summary.get(k.as_str())?;
                    Some(format!(
                        "{} {}/{}",
                        kinds_name(lang, *k),
                        s.get("served")?.as_u64()?,
                        s.get("demand")?.as_u64()?
                    ))
                })
                .collect();
            b.push_str(&format!(
                "<tr{}><td><a href=\"{}\">#{}</a></td><td>{}</td><td>{} {} · {} {} · {} {}</td><td>{}</td></tr>",
                if shown == Some(m.id) { " class=\"shown\"" } else { "" },
                esc(&url(
                    &format!("/sites/{}", h.id),
                    &[("allocation", &m.id.to_string()), ("lang", lang.code())]
                )),
                m.id,
                esc(&m.created),
                esc(t(lang, "web.revision.layout")),
                m.inputs.parts.layout,
                esc(t(lang, "web.revision.households")),
                rev(m.inputs.parts.roster),
                esc(t(lang, "web.revision.policy")),
                rev(m.inputs.parts.policy),
                esc(&served.join(" · "))
            ));
        }
        b.push_str("</tbody></table>");
    }
    b.push_str("</section>\n");
    b
}
