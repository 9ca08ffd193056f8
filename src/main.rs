//! The `allot` command line: a thin shell over the library. Each
//! subcommand's arguments and logic live in [`allot::cli`]; this file
//! parses, dispatches and turns a failure into exit status 1 with its
//! message on stderr (a closed stdout or stderr ends quietly with 0, as
//! `head` expects). Clippy's print lints keep output off `println!`, which
//! panics on a closed pipe.
#![deny(clippy::print_stdout, clippy::print_stderr)]

use allot::cli::{self, inspect, simulate, solve, transfer, verify, CliError};
use anyhow::Result;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

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
    Validate(inspect::ValidateArgs),
    /// Allocate: layout + roster + policy in, allocation out.
    Solve(solve::SolveArgs),
    /// Draw the site plan as SVG: layout, geometry problems in red, and an
    /// allocation's holders when given.
    Render(inspect::RenderArgs),
    /// Serve the HTTP API and the staff web page (API.md).
    Serve(allot::config::ServeArgs),
    /// Copy every site with its whole history into an empty database
    /// (e.g. a SQLite file into PostgreSQL).
    Migrate(transfer::MigrateArgs),
    /// Write one site's whole history (revisions, allocations) as JSON.
    Export(transfer::ExportArgs),
    /// Store a site from an `allot export` file (refused if the site exists).
    Import(transfer::ImportArgs),

    /// Run R rounds of a site under each rotation mode and compare who is
    /// served how often (FORMAT.md §3 "Over time").
    Simulate(simulate::SimulateArgs),
    /// Check a verification bundle (FORMAT.md §6) and print a certificate.
    /// Exit 0 verified, 1 not verified, 2 usage, 3 a bundle breaking a rule.
    Verify(verify::VerifyArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = cli::err(format_args!("error: {e:#}"));
            ExitCode::FAILURE
        }
    }
}

/// Whether an error is stdout or stderr closed under us (the reader of a
/// pipe went away).
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.downcast_ref::<CliError>()
        .is_some_and(CliError::is_broken_pipe)
        || e.chain().any(|c| {
            c.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        })
}

fn run(cli: Cli) -> Result<u8> {
    Ok(match cli.command {
        Command::Validate(args) => inspect::validate(args)?,
        Command::Solve(args) => solve::solve(args)?,
        Command::Render(args) => inspect::render(args)?,
        Command::Simulate(args) => simulate::run(args)?,
        Command::Serve(args) => {
            allot::api::startup::serve_blocking(args.into_config()?)?;
            0
        }
        Command::Migrate(args) => transfer::migrate(args)?,
        Command::Export(args) => transfer::export(args)?,
        Command::Import(args) => transfer::import(args)?,
        Command::Verify(args) => verify::run(args)?,
    })
}
