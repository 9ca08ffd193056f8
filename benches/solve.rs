//! End-to-end benchmarks: load, validate, distances, every stage, all three kinds.
//!
//! `cargo bench --bench solve`. Targets (release, 2 cores): the Yixinqiao
//! fixture under 50 ms; a synthetic 5,000 households × 1,500 spaces site
//! under 2 s. The 20,000 × 6,000 case is `cargo run --release --example scale`.

use allot::pipeline::{self, Inputs, Options, RosterInput};
use allot::synthetic::{synthetic_site, SynthParams};
use criterion::{criterion_group, criterion_main, Criterion};
use std::time::Duration;

fn read_json(path: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("fixture");
    serde_json::from_str(text.trim_start_matches('\u{feff}')).expect("json")
}

fn yixinqiao(c: &mut Criterion) {
    let inputs = Inputs {
        layout: read_json("fixtures/yixinqiao/layout.geojson"),
        households: RosterInput::Csv(
            std::fs::read("fixtures/yixinqiao/households.csv").expect("roster"),
        ),
        policy: Some(read_json("fixtures/yixinqiao/policy.json")),
        previous: None,
        seed: None,
        round: None,
    };
    c.bench_function("yixinqiao end to end", |b| {
        b.iter(|| pipeline::solve(&inputs, &Options::default()).expect("solves"))
    });
}

fn synthetic(c: &mut Criterion) {
    let mut group = c.benchmark_group("synthetic");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for (households, spaces) in [(1_000, 300), (5_000, 1_500)] {
        let (layout, roster) = synthetic_site(&SynthParams::scaled(households, spaces, 7));
        let inputs = Inputs {
            layout,
            households: RosterInput::Json(roster),
            policy: None,
            previous: None,
            seed: Some("bench".into()),
            round: None,
        };
        group.bench_function(format!("{households} households x {spaces} spaces"), |b| {
            b.iter(|| pipeline::solve(&inputs, &Options::default()).expect("solves"))
        });
    }
    group.finish();
}

criterion_group!(benches, yixinqiao, synthetic);
criterion_main!(benches);
