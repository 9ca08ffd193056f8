//! The `allot` command line: a thin shell over the library.
//!
//! Output goes through [`out`] / [`err`] (never `println!`, which panics on a
//! closed pipe: `allot validate … | head`); a closed stdout or stderr ends
//! the command quietly with status 0, as `head` expects. Clippy's print lints
//! keep it that way.
#![deny(clippy::print_stdout, clippy::print_stderr)]

use allot::model::Allocation;
use allot::pipeline::{self, Inputs, Options, PipelineError, RosterInput};
use allot::solve::{Engine, MilpBackend};
use allot::store::transfer;
use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Writes one line to stdout; a closed pipe is an error, not a panic.
fn out(line: std::fmt::Arguments<'_>) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()
}

/// Writes one line to stderr; a closed pipe is an error, not a panic.
fn err(line: std::fmt::Arguments<'_>) -> std::io::Result<()> {
    writeln!(std::io::stderr().lock(), "{line}")
}

/// Whether an error is stdout or stderr closed under us (the reader of a
/// pipe went away).
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Exit status when the input breaks a rule (every problem is on stderr).
const EXIT_INVALID: u8 = 3;

#[derive(Parser)]
#[command(
    name = "allot",
    version,
    about = "Fair, explainable allocation of a compound's parking spaces, e-bike charging bays and garden plots"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a site layout against the geometry rules of FORMAT.md §1.
    Validate {
        /// The layout GeoJSON.
        layout: PathBuf,
        /// A policy whose max_walk_m / max_cable_m to validate with.
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Print the report as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Allocate: layout + roster + policy in, allocation out.
    Solve(SolveArgs),
    /// Draw the site plan as SVG: layout, geometry problems in red, and an
    /// allocation's holders when given.
    Render {
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
    },
    /// Serve the HTTP API and the staff web page (API.md).
    Serve(allot::api::startup::ServeArgs),
    /// Copy every site with its whole history into an empty database
    /// (e.g. a SQLite file into PostgreSQL).
    Migrate {
        /// The source: a SQLite file or a `postgres://` URL.
        #[arg(long)]
        from: String,
        /// The target, which must hold no site yet.
        #[arg(long)]
        to: String,
    },
    /// Write one site's whole history (revisions, allocations) as JSON.
    Export {
        #[arg(long)]
        site: String,
        /// Write here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        /// A SQLite file or a `postgres://` URL.
        #[arg(long, env = "ALLOT_DB", default_value = "allot.db")]
        db: String,
    },
    /// Store a site from an `allot export` file (refused if the site exists).
    Import {
        file: PathBuf,
        /// A SQLite file or a `postgres://` URL.
        #[arg(long, env = "ALLOT_DB", default_value = "allot.db")]
        db: String,
    },

    /// Run R rounds of a site under each rotation mode and compare who is
    /// served how often (FORMAT.md §3 "Over time").
    Simulate(SimulateArgs),
    /// Check a verification bundle (FORMAT.md §6) and print a certificate.
    /// Exit 0 verified, 1 not verified, 2 usage, 3 a bundle breaking a rule.
    Verify {
        /// The bundle JSON (`GET …/allocations/{id}/bundle`, `allot solve --bundle-out`).
        bundle: PathBuf,
        #[arg(long, value_enum, default_value_t = CertificateFormat::Text)]
        format: CertificateFormat,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum CertificateFormat {
    /// Chinese and English, line by line.
    Text,
    Json,
}

#[derive(clap::Args)]
struct SimulateArgs {
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

#[derive(clap::Args)]
struct SolveArgs {
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
enum LangArg {
    Zh,
    En,
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = err(format_args!("error: {e:#}"));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Validate {
            layout,
            policy,
            json,
        } => validate(&layout, policy.as_deref(), json),
        Command::Solve(args) => solve(args),
        Command::Render {
            layout,
            allocation,
            lang,
            out,
        } => render(&layout, allocation.as_deref(), lang, out.as_deref()),
        Command::Simulate(args) => simulate(args),
        Command::Serve(args) => {
            allot::api::startup::serve_blocking(args.into_config()?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate { from, to } => {
            let source = transfer::open_existing(&from)
                .with_context(|| format!("database {}", allot::store::describe(&from)))?;
            let copied = transfer::migrate(&*source, &*open_store(&to)?)?;
            err(format_args!(
                "copied {} site(s), {} revision(s), {} allocation(s), {} draw(s)",
                copied.sites, copied.revisions, copied.allocations, copied.draws
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { site, out, db } => {
            let store = transfer::open_existing(&db)
                .with_context(|| format!("database {}", allot::store::describe(&db)))?;
            let bytes = transfer::export(&*store, &site)?;
            write_out(out.as_deref(), &bytes)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { file, db } => {
            let state = transfer::import(&*open_store(&db)?, &read(&file)?)?;
            err(format_args!(
                "imported site {} at revision {}",
                state.id, state.revision
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify { bundle, format } => verify(&bundle, format),
    }
}

fn verify(path: &Path, format: CertificateFormat) -> Result<ExitCode> {
    use allot::draw::{bundle::Bundle, certificate, verify};
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            err(format_args!("error: cannot read {}: {e}", path.display()))?;
            return Ok(ExitCode::from(2));
        }
    };
    let outcome = Bundle::parse(&bytes).and_then(|b| verify::verify(&b));
    let v = match outcome {
        Ok(v) => v,
        Err(e) => {
            err(format_args!("error: {e}"))?;
            if let allot::draw::bundle::BundleError::Inputs(problems) = &e {
                for p in problems {
                    err(format_args!("error: {p}"))?;
                }
            }
            return Ok(ExitCode::from(EXIT_INVALID));
        }
    };
    let out = match format {
        CertificateFormat::Text => certificate::text(&v).into_bytes(),
        CertificateFormat::Json => {
            let mut b = serde_json::to_vec_pretty(&certificate::json(&v))?;
            b.push(b'\n');
            b
        }
    };
    write_out(None, &out)?;
    Ok(if v.verified {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn open_store(location: &str) -> Result<std::sync::Arc<dyn allot::store::Store>> {
    allot::store::open(location)
        .with_context(|| format!("database {}", allot::store::describe(location)))
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn read_json(path: &Path) -> Result<serde_json::Value> {
    let bytes = read(path)?;
    let text = String::from_utf8_lossy(&bytes);
    serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .with_context(|| format!("{} is not valid JSON", path.display()))
}

fn write_out(out: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match out {
        Some(path) => {
            std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(bytes)
                .and_then(|()| stdout.flush())
                .context("cannot write stdout")
        }
    }
}

fn validate(layout: &Path, policy: Option<&Path>, json: bool) -> Result<ExitCode> {
    let layout = read_json(layout)?;
    let policy = policy.map(read_json).transpose()?;
    let report = pipeline::validate_layout(&layout, policy.as_ref());
    for p in &report.errors {
        err(format_args!("error: {p}"))?;
    }
    for p in &report.warnings {
        err(format_args!("warning: {p}"))?;
    }
    if json {
        let mut bytes = serde_json::to_vec_pretty(&report)?;
        bytes.push(b'\n');
        write_out(None, &bytes)?;
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
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_INVALID)
    })
}

fn roster(path: &Path) -> Result<RosterInput> {
    Ok(RosterInput::File {
        bytes: read(path)?,
        sheet: None,
    })
}

fn simulate(args: SimulateArgs) -> Result<ExitCode> {
    use allot::model::{Rotation, Stability};
    use allot::simulate::{self, render, Settings, SimulateError};
    let inputs = Inputs {
        layout: read_json(&args.layout)?,
        households: roster(&args.households)?,
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
        Err(SimulateError::Pipeline(PipelineError::Input(problems))) => {
            for p in &problems {
                err(format_args!("error: {p}"))?;
            }
            return Ok(ExitCode::from(EXIT_INVALID));
        }
        Err(e) => return Err(e.into()),
    };
    let (table, ext) = match args.format {
        TableFormat::Text => (render::text(&sim).into_bytes(), "txt"),
        TableFormat::Csv => (render::csv(&sim), "csv"),
        TableFormat::Json => (render::json(&sim), "json"),
    };
    match &args.out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            write_out(Some(&dir.join(format!("simulation.{ext}"))), &table)?;
            let svg = render::svg(&sim, lang_of(args.lang));
            write_out(Some(&dir.join("simulation.svg")), svg.as_bytes())?;
        }
        None => write_out(None, &table)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn lang_of(lang: LangArg) -> allot::report::i18n::Lang {
    match lang {
        LangArg::Zh => allot::report::i18n::Lang::Zh,
        LangArg::En => allot::report::i18n::Lang::En,
    }
}

fn solve(args: SolveArgs) -> Result<ExitCode> {
    let layout = read_json(&args.layout)?;
    if matches!(args.format, Format::Xlsx) && args.out.is_none() {
        use std::io::IsTerminal;
        if std::io::stdout().is_terminal() {
            anyhow::bail!("an .xlsx workbook is binary: give --out FILE or redirect stdout");
        }
    }
    let households = RosterInput::File {
        bytes: read(&args.households)?,
        sheet: args.sheet,
    };
    let policy = args.policy.as_deref().map(read_json).transpose()?;
    let previous: Option<Allocation> = match &args.previous {
        Some(path) => Some(
            serde_json::from_value(read_json(path)?)
                .with_context(|| format!("{} is not an allocation", path.display()))?,
        ),
        None => None,
    };
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
    };
    let (checked, allocation) = match pipeline::solve_checked(&inputs, &options) {
        Ok(done) => done,
        Err(PipelineError::Input(problems)) => {
            for p in &problems {
                err(format_args!("error: {p}"))?;
            }
            return Ok(ExitCode::from(EXIT_INVALID));
        }
        Err(e) => match e.infeasible() {
            // A policy nobody can satisfy is the input's fault, named by its rule.
            Some(problem) => {
                err(format_args!("error: {problem}"))?;
                return Ok(ExitCode::from(EXIT_INVALID));
            }
            None => return Err(e.into()),
        },
    };
    for w in &allocation.warnings {
        err(format_args!("warning: {w}"))?;
    }
    let bytes = match args.format {
        Format::Json => allot::report::json::allocation_json(&allocation),
        Format::Csv => allot::report::csv::allocation_csv_in(
            &allocation,
            match args.lang {
                Some(LangArg::Zh) => allot::report::i18n::Lang::Zh,
                Some(LangArg::En) | None => allot::report::i18n::Lang::En,
            },
        ),
        Format::Geojson => {
            let mut v = serde_json::to_vec_pretty(&allot::report::geojson::allocation_geojson(
                &checked.site,
                &allocation,
            ))?;
            v.push(b'\n');
            v
        }
        Format::Xlsx => allot::report::xlsx::allocation_xlsx(
            &allocation,
            match args.lang {
                Some(LangArg::Zh) => allot::report::i18n::Lang::Zh,
                Some(LangArg::En) | None => allot::report::i18n::Lang::En,
            },
        )?,
    };
    write_out(args.out.as_deref(), &bytes)?;
    if let Some(path) = &args.bundle_out {
        let bundle = allot::draw::bundle::Bundle::from_inputs(&inputs, &allocation)?;
        std::fs::write(path, bundle.to_json())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn render(
    layout: &Path,
    allocation: Option<&Path>,
    lang: LangArg,
    out: Option<&Path>,
) -> Result<ExitCode> {
    let layout = read_json(layout)?;
    let allocation: Option<Allocation> = match allocation {
        Some(path) => Some(
            serde_json::from_value(read_json(path)?)
                .with_context(|| format!("{} is not an allocation", path.display()))?,
        ),
        None => None,
    };
    let lang = match lang {
        LangArg::Zh => allot::report::i18n::Lang::Zh,
        LangArg::En => allot::report::i18n::Lang::En,
    };
    match allot::service::inputs::render_layout(&layout, allocation.as_ref(), lang) {
        Ok(svg) => {
            write_out(out, svg.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            for p in &problems {
                err(format_args!("error: {p}"))?;
            }
            Ok(ExitCode::from(EXIT_INVALID))
        }
    }
}
