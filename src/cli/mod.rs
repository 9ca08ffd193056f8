//! The subcommands of the `allot` command line, one module each; `main.rs`
//! only parses the arguments and calls [`run`] with them.
//!
//! Output goes through [`out`] / [`err`] (never `println!`, which panics on
//! a closed pipe: `allot validate … | head`); a write to a closed stdout or
//! stderr is [`CliError::is_broken_pipe`], which `main` ends quietly with
//! status 0, as `head` expects. A command answers its exit status: 0 done,
//! 1 not verified, 2 usage, [`EXIT_INVALID`] an input breaking a rule.

pub mod inspect;
pub mod simulate;
pub mod solve;
pub mod transfer;
pub mod verify;

use crate::report::i18n::Lang;
use clap::ValueEnum;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Exit status when the input breaks a rule (every problem is on stderr).
pub const EXIT_INVALID: u8 = 3;

/// At most this many problems are printed; the rest are counted.
const PRINTED_PROBLEMS: usize = 200;

/// Why a subcommand failed (exit status 1, the message on stderr). Input
/// that breaks a rule is not an error here: it is reported, and answered
/// with [`EXIT_INVALID`].
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Writing to stdout or stderr failed (a closed pipe, usually).
    #[error(transparent)]
    Console(#[from] std::io::Error),
    #[error("cannot read {}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write stdout")]
    Stdout(#[source] std::io::Error),
    #[error("cannot create {}", .path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not valid JSON", .path.display())]
    NotJson {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{} is not an allocation", .path.display())]
    NotAllocation {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// A `--db` location that could not be opened (its password hidden).
    #[error("database {location}")]
    Database {
        location: String,
        #[source]
        source: crate::store::transfer::TransferError,
    },
    #[error(transparent)]
    Transfer(#[from] crate::store::transfer::TransferError),
    #[error(transparent)]
    Pipeline(#[from] crate::pipeline::PipelineError),
    #[error(transparent)]
    Simulate(#[from] crate::simulate::SimulateError),
    #[error(transparent)]
    Bundle(#[from] crate::draw::bundle::BundleError),
    #[error(transparent)]
    Xlsx(#[from] crate::report::xlsx::XlsxExportError),
    #[error(transparent)]
    Serve(#[from] crate::config::ConfigError),
    #[error("an .xlsx workbook is binary: give --out FILE or redirect stdout")]
    BinaryToTerminal,
    #[error("--time-limit must be a positive number of seconds")]
    TimeLimit,
    #[error("the time limit of {0} s passed before the allocation was made")]
    TimedOut(f64),
}

impl CliError {
    /// Whether this is stdout or stderr closed under us (the reader of a
    /// pipe went away).
    pub fn is_broken_pipe(&self) -> bool {
        match self {
            CliError::Console(e) | CliError::Stdout(e) => {
                e.kind() == std::io::ErrorKind::BrokenPipe
            }
            _ => false,
        }
    }
}

/// The label language of a rendering.
#[derive(Clone, Copy, ValueEnum)]
pub enum LangArg {
    Zh,
    En,
}

impl From<LangArg> for Lang {
    fn from(lang: LangArg) -> Lang {
        match lang {
            LangArg::Zh => Lang::Zh,
            LangArg::En => Lang::En,
        }
    }
}

/// Writes one line to stdout; a closed pipe is an error, not a panic.
pub fn out(line: std::fmt::Arguments<'_>) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()
}

/// Writes one line to stderr; a closed pipe is an error, not a panic.
pub fn err(line: std::fmt::Arguments<'_>) -> std::io::Result<()> {
    writeln!(std::io::stderr().lock(), "{line}")
}

fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|source| CliError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads JSON strictly, as the server does: invalid UTF-8 anywhere (also
/// inside a string) is an error, not replaced.
fn read_json(path: &Path) -> Result<serde_json::Value, CliError> {
    let bytes = read(path)?;
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    serde_json::from_slice(body).map_err(|source| CliError::NotJson {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads an allocation JSON (from `allot solve`).
fn read_allocation(path: &Path) -> Result<crate::model::Allocation, CliError> {
    serde_json::from_value(read_json(path)?).map_err(|source| CliError::NotAllocation {
        path: path.to_path_buf(),
        source,
    })
}

/// Prints each problem as `label: problem`, at most [`PRINTED_PROBLEMS`].
fn print_problems(label: &str, problems: &[crate::model::Problem]) -> std::io::Result<()> {
    for p in problems.iter().take(PRINTED_PROBLEMS) {
        err(format_args!("{label}: {p}"))?;
    }
    if problems.len() > PRINTED_PROBLEMS {
        err(format_args!(
            "{label}: … and {} more {label}s not shown",
            problems.len() - PRINTED_PROBLEMS
        ))?;
    }
    Ok(())
}

/// Prints every problem as `error: problem` and answers [`EXIT_INVALID`].
fn invalid(problems: &[impl std::fmt::Display]) -> Result<u8, CliError> {
    for p in problems {
        err(format_args!("error: {p}"))?;
    }
    Ok(EXIT_INVALID)
}

/// Writes `bytes` to the file `out`, or to stdout.
fn write_out(out: Option<&Path>, bytes: &[u8]) -> Result<(), CliError> {
    match out {
        Some(path) => std::fs::write(path, bytes).map_err(|source| CliError::Write {
            path: path.to_path_buf(),
            source,
        }),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(bytes)
                .and_then(|()| stdout.flush())
                .map_err(CliError::Stdout)
        }
    }
}

/// Pretty JSON with a final newline.
fn pretty(value: &impl serde::Serialize) -> Result<Vec<u8>, CliError> {
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    Ok(bytes)
}
