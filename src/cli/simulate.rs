//! `allot simulate`: R redraws of a site under each rotation mode.

use super::{invalid, read, read_json, write_out, CliError, LangArg};
use crate::model::{Rotation, Stability};
use crate::pipeline::{Inputs, Options, PipelineError, RosterInput};
use crate::simulate::{self, render, Settings, SimulateError};
use clap::ValueEnum;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct SimulateArgs {
    #[arg(long)]
    layout: PathBuf,
    /// The roster: JSON, CSV, tab-separated text or an `.xlsx` workbook
    /// (its first sheet), told by its content.
    #[arg(long)]
    households: PathBuf,
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Rounds to run (1–200).
    #[arg(long, default_value_t = 10)]
    rounds: u32,
    /// Rotation modes to compare, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [RotationArg::None, RotationArg::WaitedFirst, RotationArg::Tickets])]
    modes: Vec<RotationArg>,
    /// Stability of the yearly redraws (default `none`: everything is redrawn).
    #[arg(long, value_enum)]
    stability: Option<StabilityArg>,
    /// Overrides the policy's seed.
    #[arg(long)]
    seed: Option<String>,
    /// The table's format.
    #[arg(long, value_enum, default_value_t = TableFormat::Text)]
    format: TableFormat,
    /// Write `simulation.{txt,csv,json}` and `simulation.svg` into this
    /// folder instead of printing the table.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Chart label language.
    #[arg(long, value_enum, default_value_t = LangArg::Zh)]
    lang: LangArg,
}

#[derive(Clone, Copy, ValueEnum)]
enum RotationArg {
    None,
    #[value(name = "waited_first", alias = "waited-first")]
    WaitedFirst,
    Tickets,
}

#[derive(Clone, Copy, ValueEnum)]
enum StabilityArg {
    None,
    Protect,
    #[value(name = "keep_incumbents", alias = "keep-incumbents")]
    KeepIncumbents,
}

#[derive(Clone, Copy, ValueEnum)]
enum TableFormat {
    Text,
    Csv,
    Json,
}

/// Runs the rounds and writes the table (and the chart with `--out`).
pub fn run(args: SimulateArgs) -> Result<u8, CliError> {
    let inputs = Inputs {
        layout: read_json(&args.layout)?,
        households: RosterInput::File {
            bytes: read(&args.households)?,
            sheet: None,
        },
        policy: args.policy.as_deref().map(read_json).transpose()?,
        previous: None,
        seed: args.seed,
        round: None,
    };
    let settings = Settings {
        rounds: args.rounds,
        modes: args
            .modes
            .iter()
            .map(|m| match m {
                RotationArg::None => Rotation::None,
                RotationArg::WaitedFirst => Rotation::WaitedFirst,
                RotationArg::Tickets => Rotation::Tickets,
            })
            .collect(),
        stability: args.stability.map(|s| match s {
            StabilityArg::None => Stability::None,
            StabilityArg::Protect => Stability::Protect,
            StabilityArg::KeepIncumbents => Stability::KeepIncumbents,
        }),
        options: Options::default(),
    };
    let sim = match simulate::simulate(&inputs, &settings) {
        Ok(s) => s,
        Err(SimulateError::Pipeline(PipelineError::Input(problems))) => return invalid(&problems),
        Err(e) => return Err(e.into()),
    };
    let (table, ext) = match args.format {
        TableFormat::Text => (render::text(&sim).into_bytes(), "txt"),
        TableFormat::Csv => (render::csv(&sim), "csv"),
        TableFormat::Json => (render::json(&sim), "json"),
    };
    match &args.out {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|source| CliError::CreateDir {
                path: dir.clone(),
                source,
            })?;
            write_out(Some(&dir.join(format!("simulation.{ext}"))), &table)?;
            let svg = render::svg(&sim, args.lang.into());
            write_out(Some(&dir.join("simulation.svg")), svg.as_bytes())?;
        }
        None => write_out(None, &table)?,
    }
    Ok(0)
}
