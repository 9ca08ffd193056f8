//! Allocates a site and draws its SVG map, for the README's picture
//! (`scripts/readme-png.sh` turns it into `docs/yixinqiao.png`). Next to
//! `out.svg` it writes `out.html`: the map with, below it, a household
//! lookup of the first priority household and the first on a waitlist,
//! their reasons in the map's language (`report::reasons`).
//!
//! ```text
//! cargo run --example render_map -- <layout.geojson> <households.csv|json> <policy.json> <zh|en> <width-px> <out.svg>
//! ```

use allot::model::Allocation;
use allot::pipeline::{self, Inputs, Options, RosterInput};
use allot::report::i18n::{kind_name, Lang};
use allot::report::reasons::{assignment_reason, unserved_reason};
use allot::report::svg::escape_xml;
use allot::report::svg::{render_svg_with, RenderOptions};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [layout, households, policy, lang, width, out] = args.as_slice() else {
        eprintln!("usage: render_map <layout> <households> <policy> <zh|en> <width-px> <out.svg>");
        return ExitCode::from(2);
    };
    match run(layout, households, policy, lang, width, out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("render_map: {e}");
            ExitCode::FAILURE
        }
    }
}

fn read_json(path: &str) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))
}

fn run(
    layout: &str,
    households: &str,
    policy: &str,
    lang: &str,
    width: &str,
    out: &str,
) -> Result<(), String> {
    let layout_json = read_json(layout)?;
    let roster = if households.ends_with(".csv") {
        RosterInput::Csv(std::fs::read(households).map_err(|e| format!("{households}: {e}"))?)
    } else {
        RosterInput::Json(read_json(households)?)
    };
    let inputs = Inputs {
        layout: layout_json.clone(),
        households: roster,
        policy: Some(read_json(policy)?),
        previous: None,
        seed: None,
        round: None,
    };
    let allocation = pipeline::solve(&inputs, &Options::default()).map_err(|e| e.to_string())?;
    let site = allot::input::load_layout(&layout_json).map_err(|e| e.to_string())?;
    let mut opts = RenderOptions::new(Lang::parse(lang).ok_or("lang is zh or en")?);
    opts.allocation = Some(&allocation);
    opts.width_px = width.parse().map_err(|_| "width is a number of pixels")?;
    let svg = render_svg_with(&site, &opts);
    std::fs::write(out, &svg).map_err(|e| format!("{out}: {e}"))?;
    let html_path = format!("{}.html", out.trim_end_matches(".svg"));
    std::fs::write(&html_path, lookup_page(&svg, &allocation, opts.lang))
        .map_err(|e| format!("{html_path}: {e}"))
}

/// The map and, below it, what a household lookup tells two households.
fn lookup_page(svg: &str, a: &Allocation, lang: Lang) -> String {
    let sep = if lang == Lang::Zh { "：" } else { ": " };
    let mut lines = Vec::new();
    if let Some(x) = a
        .assignments
        .iter()
        .find(|x| x.basis == allot::model::Basis::Priority)
    {
        lines.push(format!(
            "<b>{}</b> {} {}{sep}{}",
            escape_xml(&x.household),
            kind_name(lang, x.kind),
            escape_xml(&x.resource),
            escape_xml(&assignment_reason(x, lang))
        ));
    }
    if let Some(u) = a.unserved.iter().find(|u| u.waitlist.is_some()) {
        lines.push(format!(
            "<b>{}</b> {}{sep}{}",
            escape_xml(&u.household),
            kind_name(lang, u.kind),
            escape_xml(&unserved_reason(u, lang))
        ));
    }
    let items: String = lines.iter().map(|l| format!("<li>{l}</li>")).collect();
    format!(
        "<!DOCTYPE html><html lang=\"{}\"><meta charset=\"utf-8\">\
<body style=\"margin:0;font-family:'Noto Sans CJK SC',sans-serif;font-size:18px\">{svg}\
<ul style=\"margin:8px 24px;line-height:1.6\">{items}</ul></body></html>",
        lang.tag()
    )
}
