//! Allocates a site and draws its SVG map, for the README's picture
//! (`scripts/readme-png.sh` turns the SVG into `docs/yixinqiao.png`).
//!
//! ```text
//! cargo run --example render_map -- <layout.geojson> <households.csv|json> <policy.json> <zh|en> <width-px> <out.svg>
//! ```

use allot::pipeline::{self, Inputs, Options, RosterInput};
use allot::report::i18n::Lang;
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
    let site = allot::geometry::load_layout(&layout_json).map_err(|e| e.to_string())?;
    let mut opts = RenderOptions::new(Lang::parse(lang).ok_or("lang is zh or en")?);
    opts.allocation = Some(&allocation);
    opts.width_px = width.parse().map_err(|_| "width is a number of pixels")?;
    std::fs::write(out, render_svg_with(&site, &opts)).map_err(|e| format!("{out}: {e}"))
}
