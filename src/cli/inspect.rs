//! `allot validate` (the geometry rules of a layout) and `allot render`
//! (the site plan as SVG).

use super::{
    invalid, out, pretty, print_problems, read_allocation, read_json, write_out, CliError, LangArg,
    EXIT_INVALID,
};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ValidateArgs {
    /// The layout GeoJSON.
    layout: PathBuf,
    /// A policy whose max_walk_m / max_cable_m to validate with.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    json: bool,
}

/// Prints the layout's problems; [`EXIT_INVALID`] when it has errors.
pub fn validate(args: ValidateArgs) -> Result<u8, CliError> {
    let layout = read_json(&args.layout)?;
    let policy = args.policy.as_deref().map(read_json).transpose()?;
    let report = crate::pipeline::validate_layout(&layout, policy.as_ref());
    print_problems("error", &report.errors)?;
    print_problems("warning", &report.warnings)?;
    if args.json {
        write_out(None, &pretty(&report)?)?;
    } else {
        out(format_args!(
            "{}: {} error(s), {} warning(s)",
            if report.errors.is_empty() {
                "valid"
            } else {
                "invalid"
            },
            report.errors.len(),
            report.warnings.len()
        ))?;
    }
    Ok(if report.errors.is_empty() {
        0
    } else {
        EXIT_INVALID
    })
}

#[derive(clap::Args)]
pub struct RenderArgs {
    #[arg(long)]
    layout: PathBuf,
    /// An allocation JSON (from `allot solve`) to colour and label resources with.
    #[arg(long)]
    allocation: Option<PathBuf>,
    /// Label language.
    #[arg(long, value_enum, default_value_t = LangArg::Zh)]
    lang: LangArg,
    /// Write here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Writes the SVG; [`EXIT_INVALID`] when the layout cannot be drawn.
pub fn render(args: RenderArgs) -> Result<u8, CliError> {
    let layout = read_json(&args.layout)?;
    let allocation = args
        .allocation
        .as_deref()
        .map(read_allocation)
        .transpose()?;
    match crate::service::inputs::render_layout(&layout, allocation.as_ref(), args.lang.into()) {
        Ok(svg) => {
            write_out(args.out.as_deref(), svg.as_bytes())?;
            Ok(0)
        }
        Err(problems) => invalid(&problems),
    }
}
