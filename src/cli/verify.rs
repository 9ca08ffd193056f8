//! `allot verify`: checks a verification bundle (FORMAT.md §6) offline and
//! prints its certificate.

use super::{err, pretty, write_out, CliError, EXIT_INVALID};
use crate::draw::bundle::{Bundle, BundleError};
use crate::draw::{certificate, verify};
use clap::ValueEnum;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The bundle JSON (`GET …/allocations/{id}/bundle`, `allot solve --bundle-out`).
    bundle: PathBuf,
    #[arg(long, value_enum, default_value_t = CertificateFormat::Text)]
    format: CertificateFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum CertificateFormat {
    /// Chinese and English, line by line.
    Text,
    Json,
}

/// Exit 0 verified, 1 not verified, 2 an unreadable file, [`EXIT_INVALID`]
/// a bundle breaking a rule.
pub fn run(args: VerifyArgs) -> Result<u8, CliError> {
    let path = &args.bundle;
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            err(format_args!("error: cannot read {}: {e}", path.display()))?;
            return Ok(2);
        }
    };
    let v = match Bundle::parse(&bytes).and_then(|b| verify::verify(&b)) {
        Ok(v) => v,
        Err(e) => {
            err(format_args!("error: {e}"))?;
            if let BundleError::Inputs(problems) = &e {
                for p in problems {
                    err(format_args!("error: {p}"))?;
                }
            }
            return Ok(EXIT_INVALID);
        }
    };
    let out = match args.format {
        CertificateFormat::Text => certificate::text(&v).into_bytes(),
        CertificateFormat::Json => pretty(&certificate::json(&v))?,
    };
    write_out(None, &out)?;
    Ok(if v.verified { 0 } else { 1 })
}
