//! `allot solve`: layout + roster + policy in, allocation out.

use super::{
    err, pretty, print_problems, read, read_allocation, read_json, write_out, CliError, LangArg,
    EXIT_INVALID,
};
use crate::pipeline::{self, Inputs, Options, PipelineError, RosterInput};
use crate::report::i18n::Lang;
use crate::solve::{Engine, MilpBackend};
use clap::ValueEnum;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct SolveArgs {
    /// The layout GeoJSON.
    #[arg(long)]
    layout: PathBuf,
    /// The roster, told by its content: JSON, CSV or tab-separated text
    /// (UTF-8, UTF-16 with BOM, GB18030/GBK), or an `.xlsx` workbook.
    #[arg(long)]
    households: PathBuf,
    /// The worksheet of an `.xlsx` roster to read (default: the first).
    #[arg(long)]
    sheet: Option<String>,
    /// The policy JSON (defaults for everything when omitted).
    #[arg(long)]
    policy: Option<PathBuf>,
    /// The previous allocation JSON: its holders are the incumbents.
    #[arg(long)]
    previous: Option<PathBuf>,
    /// Overrides the policy's lottery seed.
    #[arg(long)]
    seed: Option<String>,
    /// Overrides the policy's round: a rerun keeps the previous
    /// allocation's round (the default), a redraw names a new one.
    #[arg(long)]
    round: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// Headers and reasons of `--format csv` and `--format xlsx` (default: English).
    #[arg(long, value_enum)]
    lang: Option<LangArg>,
    /// `flow`: the exact combinatorial engine; `milp`: the good_lp reference model.
    #[arg(long, value_enum, default_value_t = EngineArg::Flow)]
    engine: EngineArg,
    /// The good_lp backend of `--engine milp`.
    #[arg(long, value_enum, default_value_t = BackendArg::Microlp)]
    backend: BackendArg,
    /// Record the solve time in `solver.seconds` (makes the output differ run to run).
    #[arg(long)]
    timings: bool,
    /// Give up after this many seconds (any engine; the MILP engine stops
    /// between its stages): exit 1, nothing written.
    #[arg(long, value_name = "SECONDS")]
    time_limit: Option<f64>,
    /// Write here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Also write the verification bundle (FORMAT.md §6) here, for `allot verify`.
    #[arg(long)]
    bundle_out: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Csv,
    Geojson,
    /// An Excel workbook: one sheet per kind and a waitlist sheet.
    Xlsx,
}

#[derive(Clone, Copy, ValueEnum)]
enum EngineArg {
    Flow,
    Milp,
}

#[derive(Clone, Copy, ValueEnum)]
enum BackendArg {
    Microlp,
    /// Spelled as the cargo feature and `solver.backend` are; `coin-cbc` also works.
    #[value(name = "coin_cbc", alias = "coin-cbc")]
    CoinCbc,
}

/// Solves and writes the allocation (and the bundle when asked);
/// [`EXIT_INVALID`] for input breaking a rule, an infeasible policy included.
pub fn solve(args: SolveArgs) -> Result<u8, CliError> {
    let layout = read_json(&args.layout)?;
    if matches!(args.format, Format::Xlsx) && args.out.is_none() {
        use std::io::IsTerminal;
        if std::io::stdout().is_terminal() {
            return Err(CliError::BinaryToTerminal);
        }
    }
    let households = RosterInput::File {
        bytes: read(&args.households)?,
        sheet: args.sheet,
    };
    let policy = args.policy.as_deref().map(read_json).transpose()?;
    let previous = args.previous.as_deref().map(read_allocation).transpose()?;
    let engine = match (args.engine, args.backend) {
        (EngineArg::Flow, _) => Engine::Flow,
        (EngineArg::Milp, BackendArg::Microlp) => Engine::Milp(MilpBackend::Microlp),
        (EngineArg::Milp, BackendArg::CoinCbc) => Engine::Milp(MilpBackend::CoinCbc),
    };
    let inputs = Inputs {
        layout,
        households,
        policy,
        previous,
        seed: args.seed,
        round: args.round,
    };
    let options = Options {
        engine,
        timings: args.timings,
        ..Options::default()
    };
    let cancel = crate::cancel::Cancel::new();
    if let Some(secs) = args.time_limit {
        let limit = crate::config::parse_secs(&secs.to_string()).ok_or(CliError::TimeLimit)?;
        let timer = cancel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(limit);
            timer.cancel();
        });
    }
    let (checked, allocation) = match cancel.scope(|| pipeline::solve_checked(&inputs, &options)) {
        Ok(done) => done,
        Err(PipelineError::Input(problems)) => {
            print_problems("error", &problems)?;
            return Ok(EXIT_INVALID);
        }
        Err(PipelineError::Cancelled) => {
            return Err(CliError::TimedOut(args.time_limit.unwrap_or_default()))
        }
        Err(e) => match e.infeasible() {
            // A policy nobody can satisfy is the input's fault, named by its rule.
            Some(problem) => {
                err(format_args!("error: {problem}"))?;
                return Ok(EXIT_INVALID);
            }
            None => return Err(e.into()),
        },
    };
    print_problems("warning", &allocation.warnings)?;
    let lang = args.lang.map_or(Lang::En, Lang::from);
    let bytes = match args.format {
        Format::Json => crate::report::json::allocation_json(&allocation),
        Format::Csv => crate::report::csv::allocation_csv_in(&allocation, lang),
        Format::Geojson => pretty(&crate::report::geojson::allocation_geojson(
            &checked.site,
            &allocation,
        ))?,
        Format::Xlsx => crate::report::xlsx::allocation_xlsx(&allocation, lang)?,
    };
    write_out(args.out.as_deref(), &bytes)?;
    if let Some(path) = &args.bundle_out {
        let bundle = crate::draw::bundle::Bundle::from_inputs(&inputs, &allocation)?;
        std::fs::write(path, bundle.to_json()).map_err(|source| CliError::Write {
            path: path.clone(),
            source,
        })?;
    }
    Ok(0)
}
