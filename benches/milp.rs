//! The good_lp reference engine by size, both backends (issue 12):
//! `cargo bench --features coin_cbc --bench milp -- [households…]`
//! (default 60 150 308 1000; spaces are 30 % of households). Each size is
//! solved `MILP_BENCH_SAMPLES` times (default 3) per engine; prints medians.
//! microlp runs only up to `MILP_BENCH_MICROLP_MAX` households (default 150).

use allot::pipeline::{self, Inputs, Options, RosterInput};
use allot::solve::{Engine, MilpBackend};
use allot::synthetic::{synthetic_site, SynthParams};
use std::time::Instant;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let mut sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    if sizes.is_empty() {
        sizes = vec![60, 150, 308, 1000];
    }
    let samples = env("MILP_BENCH_SAMPLES", 3).max(1);
    let microlp_max = env("MILP_BENCH_MICROLP_MAX", 150);
    let mut engines = vec![("flow", Engine::Flow)];
    if cfg!(feature = "coin_cbc") {
        engines.push(("milp coin_cbc", Engine::Milp(MilpBackend::CoinCbc)));
    }
    engines.push(("milp microlp", Engine::Milp(MilpBackend::Microlp)));
    println!("| households × spaces | engine | median s (of {samples}) |");
    println!("|---|---|---|");
    for &n in &sizes {
        let spaces = n * 3 / 10;
        let (layout, roster) = synthetic_site(&SynthParams::scaled(n, spaces, 7));
        let inputs = Inputs {
            layout,
            households: RosterInput::Json(roster),
            policy: None,
            previous: None,
            seed: Some("bench".into()),
            round: None,
        };
        let mut reference = None;
        for &(name, engine) in &engines {
            if name == "milp microlp" && n > microlp_max {
                println!("| {n} × {spaces} | {name} | skipped (> {microlp_max}) |");
                continue;
            }
            let mut times = Vec::new();
            for _ in 0..samples {
                let t = Instant::now();
                let a = pipeline::solve(
                    &inputs,
                    &Options {
                        engine,
                        timings: false,
                    },
                )
                .unwrap_or_else(|e| panic!("{name} on {n}: {e}"));
                times.push(t.elapsed().as_secs_f64());
                let stages = a.solver.stages.clone();
                match &reference {
                    None => reference = Some(stages),
                    Some(r) => assert_eq!(r, &stages, "{name} on {n} disagrees with flow"),
                }
            }
            times.sort_by(f64::total_cmp);
            println!(
                "| {n} × {spaces} | {name} | {:.2} |",
                times[times.len() / 2]
            );
        }
    }
}
