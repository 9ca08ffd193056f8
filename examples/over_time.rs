//! What protect + rotation + swaps cost, end to end, on a synthetic site:
//! `cargo run --release --example over_time -- 5000 1500 5`.
//!
//! Both runs get the same layout and roster (a third of the households
//! list zone preferences for bays and plots, a quarter carry a `waited`).
//! "off" is `stability: none`, `rotation: none`, `swaps: none`; "on" is
//! `stability: protect`, `rotation: tickets`, `swaps: trade_up`. Two
//! scenarios: a first round (no previous allocation: the cost of the
//! bookkeeping itself), and a rerun in a new round "2" after the previous
//! allocation (the site solved with another seed), where protect keeps
//! every incumbent. Runs alternate off/on; medians are printed with the ratio.
//! `OVER_TIME_PROFILE=on` (or `off`) runs one first-round solve of that side
//! only, for a profiler.

use allot::pipeline::{self, Inputs, Options, RosterInput};
use allot::synthetic::{synthetic_site, SynthParams};
use serde_json::{json, Value};
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let households = args.first().copied().unwrap_or(5_000);
    let spaces = args.get(1).copied().unwrap_or(households * 3 / 10);
    let runs = args.get(2).copied().unwrap_or(5).max(1);
    println!("{households} x {spaces}");
    let (layout, mut roster) = synthetic_site(&SynthParams::scaled(households, spaces, 7));
    if let Value::Array(rows) = &mut roster {
        for (i, h) in rows.iter_mut().enumerate() {
            if i % 4 == 1 {
                h["waited"] = json!({"parking_space": i % 3 + 1, "charging_bay": 1});
            }
            if i % 3 == 0 {
                let b = h["building"].as_str().unwrap_or("").to_string();
                h["preferences"] = json!({
                    "charging_bay": [format!("{b}-shed")],
                    "garden_plot": [format!("{b}-garden")],
                });
            }
        }
    }
    let inputs = |policy: Value, previous| Inputs {
        layout: layout.clone(),
        households: RosterInput::Json(roster.clone()),
        policy: Some(policy),
        previous,
        seed: Some("over time".into()),
        round: None,
    };
    // First round: no previous allocation, so protect has nothing to keep;
    // this is the bookkeeping's own cost (draw orders, tickets, TTC).
    let first_off = inputs(
        json!({"stability": "none", "rotation": "none", "swaps": "none"}),
        None,
    );
    let first_on = inputs(
        json!({"stability": "protect", "rotation": "tickets", "swaps": "trade_up"}),
        None,
    );
    // For a profiler (`valgrind --tool=callgrind`): one first-round solve
    // of one side only, `OVER_TIME_PROFILE=off` or `on`.
    if let Ok(side) = std::env::var("OVER_TIME_PROFILE") {
        let one = if side == "on" { &first_on } else { &first_off };
        let s = Instant::now();
        pipeline::solve(one, &Options::default()).expect("solves");
        println!("{side}: {:.3} s", s.elapsed().as_secs_f64());
        return;
    }
    let previous = pipeline::solve(
        &Inputs {
            seed: Some("previous".into()),
            ..inputs(json!({"round": "1"}), None)
        },
        &Options::default(),
    )
    .expect("previous solves");
    let off = inputs(
        json!({"round": "2", "stability": "none", "rotation": "none", "swaps": "none"}),
        Some(previous.clone()),
    );
    let on = inputs(
        json!({"round": "2", "stability": "protect", "rotation": "tickets", "swaps": "trade_up"}),
        Some(previous),
    );
    compare("first round", runs, &first_off, &first_on);
    compare("rerun", runs, &off, &on);
    let _ = households;
}

fn compare(label: &str, runs: usize, off: &Inputs, on: &Inputs) {
    let (mut t_off, mut t_on) = (Vec::new(), Vec::new());
    let mut swapped = 0;
    for _ in 0..runs {
        let s = Instant::now();
        pipeline::solve(off, &Options::default()).expect("off solves");
        t_off.push(s.elapsed().as_secs_f64());
        let s = Instant::now();
        let a = pipeline::solve(on, &Options::default()).expect("on solves");
        t_on.push(s.elapsed().as_secs_f64());
        swapped = a.metrics.values().map(|m| m.swapped).sum::<u32>();
    }
    let (m_off, m_on) = (median(t_off.clone()), median(t_on.clone()));
    println!(
        "{label}, {runs} runs: off median {m_off:.3} s {t_off:.3?}; on median {m_on:.3} s {t_on:.3?}; on/off {:.3}; swapped {swapped}",
        m_on / m_off
    );
}
