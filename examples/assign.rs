//! The plain assignment stage on an instance written by `benches/compare.py`:
//! serve as many households as possible at least total walk, with allot's
//! network simplex (households grouped behind their unit door, as the engine
//! does; the two tiers "served" and "walk" packed into one scalar `i64`
//! cost, as `mcf::Packing` does whenever the packed tiers fit one). Prints
//! one JSON line like compare.py's solvers.
//!
//! `cargo run --release --example assign -- instance.json [repeats]`

use allot::solve::flow::simplex;
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

    // The cost matrix is input, as it is for scipy and OR-Tools (compare.py
    // builds theirs before starting the clock).
    let dist: Vec<Vec<i64>> = doors
        .iter()
        .map(|door| spaces.iter().map(|space| cost_cm(door, space)).collect())
        .collect();
    let mut times = Vec::new();
    let mut result = (0i64, 0i64);
    for _ in 0..repeats {
        let started = Instant::now();
        // source → door (one unit per household, rewarded) → space (walk) → sink.
        let (s, t) = (0u32, 1u32);
        let nodes = 2 + doors.len() + spaces.len();
        let mut tail = Vec::new();
        let mut head = Vec::new();
        let mut cap = Vec::new();
        let mut walk = Vec::new();
        for (d, &n) in behind.iter().enumerate() {
            tail.push(s);
            head.push(2 + d as u32);
            cap.push(n);
            walk.push(0i64);
        }
        let first_space_arc = tail.len();
        for (d, row) in dist.iter().enumerate() {
            for (j, &w) in row.iter().enumerate() {
                tail.push(2 + d as u32);
                head.push((2 + doors.len() + j) as u32);
                cap.push(1);
                walk.push(w);
            }
        }
        let space_arcs = first_space_arc..tail.len();
        for j in 0..spaces.len() {
            tail.push((2 + doors.len() + j) as u32);
            head.push(t);
            cap.push(1);
            walk.push(0);
        }
        // Serving one more unit outweighs any change of total walk.
        let longest = walk.iter().copied().max().unwrap_or(0);
        let served_weight = 16 * nodes as i64 * longest + 1;
        let cost: Vec<i64> = (0..tail.len())
            .map(|a| {
                if a < first_space_arc {
                    -served_weight
                } else {
                    walk[a]
                }
            })
            .collect();
        let out = simplex::solve(&simplex::Problem {
            nodes,
            tail: &tail,
            head: &head,
            cap: &cap,
            cost: &cost,
            s: s as usize,
            t: t as usize,
        })
        .expect("a bounded problem");
        let (mut total, mut served) = (0, 0);
        for a in space_arcs {
            total += out.flow[a] * walk[a];
            served += out.flow[a];
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
