//! `allot migrate`, `allot export` and `allot import`: whole sites moved
//! between stores ([`crate::store::transfer`]).

use super::{err, read, write_out, CliError};
use crate::store::{self, transfer, Store};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct MigrateArgs {
    /// The source: a SQLite file or a `postgres://` URL.
    #[arg(long)]
    from: String,
    /// The target, which must hold no site yet.
    #[arg(long)]
    to: String,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    #[arg(long)]
    site: String,
    /// Write here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    db: DbArg,
}

#[derive(clap::Args)]
pub struct ImportArgs {
    file: PathBuf,
    #[command(flatten)]
    db: DbArg,
}

/// The store an export reads or an import writes.
#[derive(clap::Args)]
pub struct DbArg {
    /// A SQLite file or a `postgres://` URL.
    #[arg(
        long,
        env = "ALLOT_DB",
        hide_env_values = true,
        default_value = "allot.db"
    )]
    db: String,
}

/// A database that must exist already (nothing is created to read from).
fn open_existing(location: &str) -> Result<Arc<dyn Store>, CliError> {
    transfer::open_existing(location).map_err(|source| database(location, source))
}

/// A database to write to, created if missing.
fn open(location: &str) -> Result<Arc<dyn Store>, CliError> {
    store::open(location).map_err(|e| database(location, e.into()))
}

fn database(location: &str, source: transfer::TransferError) -> CliError {
    CliError::Database {
        location: store::describe(location),
        source,
    }
}

/// Copies every site into the empty target; the counts on stderr.
pub fn migrate(args: MigrateArgs) -> Result<u8, CliError> {
    let source = open_existing(&args.from)?;
    let copied = transfer::migrate(&*source, &*open(&args.to)?)?;
    err(format_args!(
        "copied {} site(s), {} revision(s), {} allocation(s), {} draw(s)",
        copied.sites, copied.revisions, copied.allocations, copied.draws
    ))?;
    Ok(0)
}

/// Writes one site's history.
pub fn export(args: ExportArgs) -> Result<u8, CliError> {
    let store = open_existing(&args.db.db)?;
    let bytes = transfer::export(&*store, &args.site)?;
    write_out(args.out.as_deref(), &bytes)?;
    Ok(0)
}

/// Stores a site from an export file.
pub fn import(args: ImportArgs) -> Result<u8, CliError> {
    let state = transfer::import(&*open(&args.db.db)?, &read(&args.file)?)?;
    err(format_args!(
        "imported site {} at revision {}",
        state.id, state.revision
    ))?;
    Ok(0)
}
