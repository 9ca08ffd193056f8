//! The plain assignment stage on an instance written by `benches/compare.py`:
//! serve as many households as possible at least total walk, with allot's
//! min-cost flow (households grouped behind their unit door, as the engine
//! does). Prints one JSON line like compare.py's solvers.
//!
//! `cargo run --release --example assign -- instance.json [repeats]`

use allot::solve::flow::mcf::{Mcf, ZERO};
use std::time::Instant;

fn cost_cm(a: &[f64], b: &[f64]) -> i64 {
    ((a[0] - b[0]).hypot(a[1] - b[1]) * 100.0 + 0.5).floor() as i64
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: assign instance.json [repeats]");
        std::process::exit(2);
    };
    let repeats: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(5);
    let text = std::fs::read_to_string(path).expect("read instance");
    let v: serde_json::Value = serde_json::from_str(&text).expect("instance JSON");
    let points = |key: &str| -> Vec<Vec<f64>> {
        v[key]
            .as_array()
            .expect("points")
            .iter()
            .map(|p| {
                p.as_array()
                    .expect("point")
                    .iter()
                    .map(|x| x.as_f64().unwrap_or(0.0))
                    .collect()
            })
            .collect()
    };
    let doors = points("entrances");
    let spaces = points("spaces");
    let mut behind = vec![0i64; doors.len()];
    for h in v["households"].as_array().expect("households") {
        behind[h.as_u64().expect("door index") as usize] += 1;
    }

    let mut times = Vec::new();
    let mut result = (0i64, 0i64);
    for _ in 0..repeats {
        let started = Instant::now();
        // source → door (one unit per household, rewarded) → space (walk) → sink.
        let (s, t) = (0, 1);
        let mut g = Mcf::new(2 + doors.len() + spaces.len());
        let mut serve = ZERO;
        serve[0] = -1;
        for (d, &n) in behind.iter().enumerate() {
            g.add_edge(s, 2 + d, n, serve);
        }
        let mut space_edges = Vec::new();
        for (d, door) in doors.iter().enumerate() {
            for (j, space) in spaces.iter().enumerate() {
                let mut c = ZERO;
                c[1] = cost_cm(door, space);
                space_edges.push((g.add_edge(2 + d, 2 + doors.len() + j, 1, c), c[1]));
            }
        }
        for j in 0..spaces.len() {
            g.add_edge(2 + doors.len() + j, t, 1, ZERO);
        }
        g.run(s, t);
        let (mut total, mut served) = (0, 0);
        for &(e, c) in &space_edges {
            let f = g.flow(e);
            total += f * c;
            served += f;
        }
        times.push(started.elapsed().as_secs_f64());
        result = (total, served);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{{\"solver\": \"allot\", \"seconds\": {}, \"total_cost\": {}, \"served\": {}}}",
        times[times.len() / 2],
        result.0,
        result.1
    );
}
