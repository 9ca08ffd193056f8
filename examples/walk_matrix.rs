//! Times the walk matrix alone (medians of 5), on the Yixinqiao fixture and
//! on a synthetic site with walkways:
//! `cargo run --release --example walk_matrix -- 20000 6000`.

use allot::geometry::walking_distances;
use allot::input::load_layout;
use allot::synthetic::{synthetic_site, SynthParams};
use std::time::Instant;

fn median_secs(site: &allot::model::Site) -> (f64, usize) {
    let mut times = Vec::new();
    let mut cells = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let m = walking_distances(site);
        times.push(t.elapsed().as_secs_f64());
        cells = m.units.len() * m.resources.len();
    }
    times.sort_by(f64::total_cmp);
    (times[2], cells)
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let households = args.first().copied().unwrap_or(20_000);
    let spaces = args.get(1).copied().unwrap_or(households * 3 / 10);
    let text = std::fs::read_to_string("fixtures/yixinqiao/layout.geojson").expect("fixture");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let site = load_layout(&v).expect("loads");
    let (s, n) = median_secs(&site);
    println!(
        "yixinqiao walk matrix ({n} cells): median {:.2} ms",
        s * 1e3
    );
    for walkways in [true, false] {
        let p = SynthParams {
            walkways,
            ..SynthParams::scaled(households, spaces, 7)
        };
        let site = load_layout(&synthetic_site(&p).0).expect("loads");
        let (s, n) = median_secs(&site);
        println!(
            "synthetic {households} x {spaces}, walkways {walkways}, walk matrix ({n} cells): median {s:.3} s"
        );
    }
}
