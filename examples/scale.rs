//! One end-to-end solve of a synthetic site, with its time and peak memory:
//! `cargo run --release --example scale -- 20000 6000`.

use allot::pipeline::{self, Inputs, Options, RosterInput};
use allot::synthetic::{synthetic_site, SynthParams};
use std::time::Instant;

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let households = args.first().copied().unwrap_or(20_000);
    let spaces = args.get(1).copied().unwrap_or(households * 3 / 10);
    let (layout, roster) = synthetic_site(&SynthParams::scaled(households, spaces, 7));
    let inputs = Inputs {
        layout,
        households: RosterInput::Json(roster),
        policy: None,
        previous: None,
        seed: Some("scale".into()),
        round: None,
    };
    let started = Instant::now();
    match pipeline::solve(&inputs, &Options::default()) {
        Ok(a) => {
            let secs = started.elapsed().as_secs_f64();
            println!(
                "{households} households x {spaces} spaces: {secs:.2} s, peak RSS {:.0} MiB",
                peak_rss_mib().unwrap_or(f64::NAN)
            );
            for (kind, m) in &a.metrics {
                println!(
                    "  {kind}: demand {} supply {} served {}",
                    m.demand, m.supply, m.served
                );
            }
        }
        Err(e) => {
            eprintln!("solve failed: {e}");
            std::process::exit(1);
        }
    }
}
