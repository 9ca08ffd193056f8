//! `allot simulate`: the evidence a residents' meeting needs to pick a
//! rotation rule (FORMAT.md §3 "Over time", issue 10).
//!
//! One site, R rounds, once per rotation mode. Round k (1-based) is a redraw
//! named `"k"` from round k − 1's allocation, with the seed
//! hex(SHA-256(seed ‖ "\nround\n" ‖ k)); `seed` is the policy's, or the
//! `inputs_sha256` of the inputs as given. The roster's `previous` and
//! `waited` hold for round 1 only; later rounds take the previous round's
//! allocation and ledger. The stability of the redraws is `none` unless the
//! caller chooses another (under `protect` nobody's holding ever changes, so
//! rotation would have nothing to rotate).
//!
//! Per household and kind it reports the share of rounds served (in full)
//! and the longest run of rounds unserved; per mode and kind the mean share,
//! the Gini coefficient of rounds served and the worst wait. Households
//! without demand for a kind, or with nothing of it within reach in any
//! round (never served, never on the waitlist), are left out of that kind. No I/O: the CLI
//! reads and writes.

pub mod render;

use crate::model::canonical::inputs_sha256;
use crate::model::{Allocation, ResourceKind, Rotation, Stability};
use crate::pipeline::{self, Checked, Inputs, Options, PipelineError};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// At most this many rounds (a simulation's time is bounded).
pub const MAX_ROUNDS: u32 = 200;

/// What to simulate.
#[derive(Debug, Clone)]
pub struct Settings {
    pub rounds: u32,
    /// Rotation modes, in the order to report them (duplicates dropped).
    pub modes: Vec<Rotation>,
    /// Stability of the redraws; `None` means `none` (see the module docs).
    pub stability: Option<Stability>,
    pub options: Options,
}

/// Why a simulation could not run.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SimulateError {
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error("rounds must be between 1 and {MAX_ROUNDS}, not {0}")]
    Rounds(u32),
    #[error("name at least one rotation mode")]
    NoModes,
}

/// One household's record for one kind under one mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HouseholdRecord {
    pub household: String,
    /// Rounds served in full.
    pub served: u32,
    /// `served / rounds`, rounded to 0.001.
    pub share: f64,
    /// The longest run of rounds in a row unserved.
    pub longest_unserved: u32,
}

/// One kind under one mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindResult {
    /// Households with demand for the kind.
    pub households: u32,
    /// Mean share of rounds served, rounded to 0.001.
    pub mean_share: f64,
    /// Gini coefficient of rounds served (0 = everyone equally often), rounded to 0.001.
    pub gini: f64,
    /// The longest run unserved of any household.
    pub worst_wait: u32,
    /// Households in id order.
    pub records: Vec<HouseholdRecord>,
}

/// One rotation mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModeResult {
    pub mode: Rotation,
    /// Kinds with any demand.
    pub kinds: BTreeMap<ResourceKind, KindResult>,
}

/// The whole simulation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Simulation {
    pub site: String,
    pub seed: String,
    pub rounds: u32,
    pub stability: Stability,
    pub modes: Vec<ModeResult>,
}

/// Round k's seed: hex(SHA-256(seed ‖ "\nround\n" ‖ k)), k in decimal.
pub fn round_seed(seed: &str, k: u32) -> String {
    let mut h = Sha256::new();
    h.update(seed.as_bytes());
    h.update(b"\nround\n");
    h.update(k.to_string().as_bytes());
    hex::encode(h.finalize())
}

/// Gini coefficient of non-negative values: Σ|xᵢ − xⱼ| / (2 n² mean); 0 when all are 0.
pub fn gini(values: &[u32]) -> f64 {
    let n = values.len();
    let total: u64 = values.iter().map(|&v| u64::from(v)).sum();
    if n == 0 || total == 0 {
        return 0.0;
    }
    let mut sorted: Vec<u64> = values.iter().map(|&v| u64::from(v)).collect();
    sorted.sort_unstable();
    // Σ_i Σ_j |x_i − x_j| = 2 Σ_i (2i − n + 1) x_(i), 0-based on sorted values.
    let mut acc: i128 = 0;
    for (i, &x) in sorted.iter().enumerate() {
        acc += (2 * i as i128 - n as i128 + 1) * i128::from(x);
    }
    (2 * acc) as f64 / (2.0 * (n as f64) * (total as f64))
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The rounds of one mode: the allocations in order.
pub fn run_mode(
    checked: &Checked,
    base_seed: &str,
    rounds: u32,
    mode: Rotation,
    stability: Stability,
    options: &Options,
) -> Result<Vec<Allocation>, SimulateError> {
    let mut state = checked.clone();
    state.policy.rotation = mode;
    state.policy.stability = stability;
    let mut out: Vec<Allocation> = Vec::with_capacity(rounds as usize);
    for k in 1..=rounds {
        if k == 2 {
            for h in &mut state.households {
                h.previous.clear();
                h.waited.clear();
            }
        }
        state.policy.seed = Some(round_seed(base_seed, k));
        state.policy.round = Some(k.to_string());
        let a = pipeline::allocate(&state, out.last(), options)?;
        out.push(a);
    }
    Ok(out)
}

/// Summarises the rounds of one mode.
pub fn summarise(checked: &Checked, mode: Rotation, allocations: &[Allocation]) -> ModeResult {
    let rounds = allocations.len() as u32;
    let mut kinds = BTreeMap::new();
    for kind in ResourceKind::ALL {
        let wanting: Vec<&str> = checked
            .households
            .iter()
            .filter(|h| h.demand(kind, &checked.policy) > 0)
            .map(|h| h.id.as_str())
            .collect();
        if wanting.is_empty() {
            continue;
        }
        let unserved: Vec<BTreeSet<&str>> = allocations
            .iter()
            .map(|a| {
                a.unserved
                    .iter()
                    .filter(|u| u.kind == kind)
                    .map(|u| u.household.as_str())
                    .collect()
            })
            .collect();
        // Households with nothing of the kind within reach (never served,
        // never on the waitlist) are not in the draw: left out.
        let out_of_reach: BTreeSet<&str> = wanting
            .iter()
            .copied()
            .filter(|id| {
                allocations.iter().all(|a| {
                    a.unserved
                        .iter()
                        .any(|u| u.kind == kind && u.household == *id && u.waitlist.is_none())
                })
            })
            .collect();
        let mut records: Vec<HouseholdRecord> = wanting
            .iter()
            .filter(|id| !out_of_reach.contains(*id))
            .map(|&id| {
                let (mut served, mut run, mut longest) = (0u32, 0u32, 0u32);
                for u in &unserved {
                    if u.contains(id) {
                        run += 1;
                        longest = longest.max(run);
                    } else {
                        served += 1;
                        run = 0;
                    }
                }
                HouseholdRecord {
                    household: id.to_string(),
                    served,
                    share: round3(f64::from(served) / f64::from(rounds.max(1))),
                    longest_unserved: longest,
                }
            })
            .collect();
        records.sort_by(|a, b| a.household.as_bytes().cmp(b.household.as_bytes()));
        if records.is_empty() {
            continue;
        }
        let served: Vec<u32> = records.iter().map(|r| r.served).collect();
        let n = records.len() as f64;
        let mean = served.iter().map(|&s| f64::from(s)).sum::<f64>() / n / f64::from(rounds.max(1));
        kinds.insert(
            kind,
            KindResult {
                households: records.len() as u32,
                mean_share: round3(mean),
                gini: round3(gini(&served)),
                worst_wait: records
                    .iter()
                    .map(|r| r.longest_unserved)
                    .max()
                    .unwrap_or(0),
                records,
            },
        );
    }
    ModeResult { mode, kinds }
}

/// Runs the whole simulation.
pub fn simulate(inputs: &Inputs, settings: &Settings) -> Result<Simulation, SimulateError> {
    if settings.rounds == 0 || settings.rounds > MAX_ROUNDS {
        return Err(SimulateError::Rounds(settings.rounds));
    }
    let mut modes: Vec<Rotation> = Vec::new();
    for &m in &settings.modes {
        if !modes.contains(&m) {
            modes.push(m);
        }
    }
    if modes.is_empty() {
        return Err(SimulateError::NoModes);
    }
    let checked = pipeline::check(inputs)?;
    let base_seed = match &checked.policy.seed {
        Some(s) => s.clone(),
        None => {
            let mut p = checked.policy.clone();
            p.round = Some(pipeline::rounds::resolve_round(
                p.round.as_deref(),
                inputs.previous.as_ref(),
            ));
            inputs_sha256(&checked.site.raw, &checked.households, &p)
        }
    };
    let stability = settings.stability.unwrap_or(Stability::None);
    let mut results = Vec::with_capacity(modes.len());
    for &mode in &modes {
        let allocations = run_mode(
            &checked,
            &base_seed,
            settings.rounds,
            mode,
            stability,
            &settings.options,
        )?;
        results.push(summarise(&checked, mode, &allocations));
    }
    Ok(Simulation {
        site: checked.site.display_id(),
        seed: base_seed,
        rounds: settings.rounds,
        stability,
        modes: results,
    })
}

/// The name of a stability in policy JSON.
pub fn stability_name(s: Stability) -> &'static str {
    match s {
        Stability::Protect => "protect",
        Stability::KeepIncumbents => "keep_incumbents",
        Stability::None => "none",
    }
}

/// The name of a rotation mode in policy JSON.
pub fn mode_name(m: Rotation) -> &'static str {
    match m {
        Rotation::None => "none",
        Rotation::WaitedFirst => "waited_first",
        Rotation::Tickets => "tickets",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_round_seed_is_the_sha256_of_seed_round_and_k() {
        // python3 -c "import hashlib;print(hashlib.sha256(b'draw\nround\n3').hexdigest())"
        assert_eq!(
            round_seed("draw", 3),
            "2ae241fc1613e4e582270f98d70dcdd5ca854d3a1e9ebb0cd1a23c4396c36f93"
        );
    }

    #[test]
    fn gini_is_zero_for_equals_and_grows_with_inequality() {
        assert_eq!(gini(&[3, 3, 3]), 0.0);
        assert_eq!(gini(&[0, 0, 0]), 0.0);
        // One of two holds everything: Σ|x_i − x_j| = 2·4, 2·n²·mean = 2·4·2 → 0.5.
        assert!((gini(&[0, 4]) - 0.5).abs() < 1e-12);
        // [1, 2, 3]: Σ|x_i − x_j| = 8, 2·9·2 = 36 → 0.2222…
        assert!((gini(&[3, 1, 2]) - 8.0 / 36.0).abs() < 1e-12);
    }

    fn lottery_site() -> Inputs {
        let read = |name: &str| -> serde_json::Value {
            let text = match name {
                "layout" => include_str!("../../fixtures/small/lottery_decides/layout.geojson"),
                "households" => {
                    include_str!("../../fixtures/small/lottery_decides/households.json")
                }
                _ => include_str!("../../fixtures/small/lottery_decides/policy.json"),
            };
            serde_json::from_str(text).unwrap()
        };
        Inputs {
            layout: read("layout"),
            households: pipeline::RosterInput::Json(read("households")),
            policy: Some(read("policy")),
            previous: None,
            seed: None,
            round: None,
        }
    }

    #[test]
    fn waited_first_never_waits_longer_than_the_plain_lottery_and_reruns_are_identical() {
        let settings = Settings {
            rounds: 8,
            modes: vec![Rotation::None, Rotation::WaitedFirst, Rotation::None],
            stability: None,
            options: Options::default(),
        };
        let sim = simulate(&lottery_site(), &settings).unwrap();
        assert_eq!(sim.modes.len(), 2, "duplicates dropped");
        let park = |m: usize| &sim.modes[m].kinds[&ResourceKind::ParkingSpace];
        assert!(park(1).worst_wait <= park(0).worst_wait);
        // Two households, one space: waited_first alternates them exactly.
        assert_eq!(park(1).worst_wait, 1);
        assert!(park(1).records.iter().all(|r| r.served == 4));
        assert_eq!(park(1).gini, 0.0);
        assert_eq!(sim, simulate(&lottery_site(), &settings).unwrap());
    }

    #[test]
    fn each_round_is_named_by_its_number_and_carries_the_ledger_forward() {
        let inputs = lottery_site();
        let checked = pipeline::check(&inputs).unwrap();
        let rounds = run_mode(
            &checked,
            "seed",
            3,
            Rotation::WaitedFirst,
            Stability::None,
            &Options::default(),
        )
        .unwrap();
        let names: Vec<_> = rounds.iter().map(|a| a.round.clone().unwrap()).collect();
        assert_eq!(names, ["1", "2", "3"]);
        assert_eq!(rounds[1].seed, round_seed("seed", 2));
        for k in 1..3 {
            let before = &rounds[k - 1];
            for u in before.unserved.iter() {
                let was = before
                    .ledger
                    .get(&u.kind)
                    .and_then(|m| m.get(&u.household))
                    .copied()
                    .unwrap_or(0);
                assert_eq!(rounds[k].ledger[&u.kind][&u.household], was + 1);
            }
        }
    }
}
