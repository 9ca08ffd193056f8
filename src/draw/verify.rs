//! `allot verify` (FORMAT.md §6): the three checks of a bundle, each
//! failure named in English and Chinese.
//!
//! 1. the inputs' `inputs_sha256` equals the allocation's (and the draw's),
//!    and the previous allocation's SHA-256 the draw's `previous_sha256`;
//! 2. for a drand draw, the signature verifies for the committed round, the
//!    seed is its SHA-256, and the round was published at least 60 s after
//!    `committed_at` (for a ceremony, the seed entered is the one used);
//! 3. recomputing from the inputs, the previous allocation and the seed gives
//!    the same allocation (as JSON values, `solver.seconds` aside) and, for a
//!    revealed draw, its `allocation_sha256`.

use super::bundle::{canonical_sha256, Bundle, BundleError};
use super::clock::{parse_rfc3339, rfc3339};
use super::drand::{self, BeaconError};
use crate::model::{Allocation, DrawRecord, ResourceKind, SeedSource};
use crate::pipeline::{self, Inputs, Options, PipelineError, RosterInput};
use crate::solve::{Engine, MilpBackend};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// One reason a bundle is not verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Failure {
    /// Check 1: the inputs hash to something else than the allocation says.
    InputsHash {
        computed: String,
        allocation: String,
    },
    /// Check 1: the draw committed to other inputs.
    DrawInputsHash { computed: String, draw: String },
    /// Check 1: the previous allocation is not the one the draw committed to.
    PreviousHash {
        computed: Option<String>,
        draw: Option<String>,
    },
    /// Check 2: the draw has no reveal.
    NotRevealed,
    /// Check 2: a drand draw revealed without a signature.
    NoSignature,
    /// Check 2: the chain is not quicknet.
    UnknownChain { chain: String },
    /// Check 2: the signature does not give a seed for the round.
    Signature { round: u64, reason: String },
    /// Check 2: the revealed seed is not the signature's randomness.
    SeedNotRandomness { seed: String, randomness: String },
    /// Check 2: the record's `published_at` is not the round's publish time.
    PublishTime {
        round: u64,
        stated: String,
        actual: String,
    },
    /// Check 2: the round was published less than 60 s after the commit.
    RoundTooEarly {
        round: u64,
        published_at: String,
        committed_at: String,
    },
    /// Check 2: the seed was entered before the draw was committed.
    RevealedBeforeCommit {
        revealed_at: String,
        committed_at: String,
    },
    /// Check 2: a timestamp that is not RFC 3339.
    BadTime { field: &'static str, value: String },
    /// Check 2: the allocation was made with another seed than the draw's.
    AllocationSeed { allocation: String, seed: String },
    /// Check 3: the recomputed allocation differs.
    AllocationDiffers {
        path: String,
        bundle: String,
        recomputed: String,
    },
    /// Check 3: the allocation does not hash to the draw's `allocation_sha256`.
    AllocationHash { computed: String, draw: String },
}

fn short(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("null")
}

impl Failure {
    /// Which of the three checks it belongs to.
    pub fn check(&self) -> u8 {
        match self {
            Failure::InputsHash { .. }
            | Failure::DrawInputsHash { .. }
            | Failure::PreviousHash { .. } => 1,
            Failure::AllocationDiffers { .. } | Failure::AllocationHash { .. } => 3,
            _ => 2,
        }
    }

    /// The failure in English and in Chinese, in one place so that the two
    /// cannot drift apart.
    fn texts(&self) -> (String, String) {
        match self {
            Failure::InputsHash { computed, allocation } => (
                format!(
                    "the inputs hash to {computed}, but the allocation says inputs_sha256 {allocation}: layout, roster or policy differ from those allocated"
                ),
                format!(
                    "输入数据的哈希为 {computed}，但分配结果记载的 inputs_sha256 为 {allocation}：布局、住户名册或规则与分配时不同"
                ),
            ),
            Failure::DrawInputsHash { computed, draw } => (
                format!(
                    "the inputs hash to {computed}, but the draw committed to inputs_sha256 {draw}: layout, roster or policy differ from those committed"
                ),
                format!(
                    "输入数据的哈希为 {computed}，但抽签承诺的 inputs_sha256 为 {draw}：布局、住户名册或规则与承诺时不同"
                ),
            ),
            Failure::PreviousHash { computed, draw } => (
                format!(
                    "the previous allocation hashes to {}, but the draw committed to previous_sha256 {}: the previous allocation was swapped",
                    short(computed),
                    short(draw)
                ),
                format!(
                    "上一次分配的哈希为 {}，但抽签承诺的 previous_sha256 为 {}：上一次分配被替换",
                    short(computed),
                    short(draw)
                ),
            ),
            Failure::NotRevealed => (
                "the draw has not been revealed".into(),
                "抽签尚未揭晓".into(),
            ),
            Failure::NoSignature => (
                "the drand draw was revealed without the round's signature".into(),
                "drand 抽签揭晓时没有该轮的签名".into(),
            ),
            Failure::UnknownChain { chain } => (
                format!("drand chain `{chain}` is not supported; only quicknet is"),
                format!("不支持 drand 链 `{chain}`，仅支持 quicknet"),
            ),
            Failure::Signature { round, reason } => (
                format!("the signature does not verify for quicknet round {round}: {reason}"),
                format!("签名未能通过 quicknet 第 {round} 轮的验证：{reason}"),
            ),
            Failure::SeedNotRandomness { seed, randomness } => (
                format!(
                    "the seed {seed} is not SHA-256 of the signature ({randomness}): the seed was changed"
                ),
                format!(
                    "种子 {seed} 不是签名的 SHA-256（{randomness}）：种子被改动"
                ),
            ),
            Failure::PublishTime { round, stated, actual } => (
                format!(
                    "the record says round {round} is published at {stated}, but it is published at {actual}"
                ),
                format!(
                    "记录称第 {round} 轮发布于 {stated}，实际发布于 {actual}"
                ),
            ),
            Failure::RoundTooEarly { round, published_at, committed_at } => (
                format!(
                    "round {round} was published at {published_at}, less than 60 s after the commit at {committed_at}: its randomness could have been known before the inputs were fixed"
                ),
                format!(
                    "第 {round} 轮发布于 {published_at}，距承诺时间 {committed_at} 不足 60 秒：其随机数可能在输入固定前已为人所知"
                ),
            ),
            Failure::RevealedBeforeCommit { revealed_at, committed_at } => (
                format!(
                    "the seed was entered at {revealed_at}, before the commit at {committed_at}"
                ),
                format!(
                    "种子录入时间 {revealed_at} 早于承诺时间 {committed_at}"
                ),
            ),
            Failure::BadTime { field, value } => (
                format!("`{field}` {value} is not an RFC 3339 time"),
                format!("`{field}` 的值 {value} 不是 RFC 3339 时间"),
            ),
            Failure::AllocationSeed { allocation, seed } => (
                format!(
                    "the allocation was made with seed {allocation}, not the draw's seed {seed}"
                ),
                format!(
                    "分配结果使用的种子为 {allocation}，而非抽签的种子 {seed}"
                ),
            ),
            Failure::AllocationDiffers { path, bundle, recomputed } => (
                format!(
                    "recomputing gives another allocation: at {path} the bundle has {bundle}, recomputation gives {recomputed}"
                ),
                format!(
                    "重新计算得到不同的分配：{path} 处文件为 {bundle}，重算为 {recomputed}"
                ),
            ),
            Failure::AllocationHash { computed, draw } => (
                format!(
                    "the allocation hashes to {computed}, but the draw's reveal recorded allocation_sha256 {draw}"
                ),
                format!(
                    "分配结果的哈希为 {computed}，但揭晓时记录的 allocation_sha256 为 {draw}"
                ),
            ),
        }
    }

    pub fn en(&self) -> String {
        self.texts().0
    }

    pub fn zh(&self) -> String {
        self.texts().1
    }
}

/// Served and demanded units of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Served {
    pub served: u32,
    pub demand: u32,
}

/// The outcome of `allot verify`: what the certificate prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    pub verified: bool,
    pub site: String,
    /// The draw record as given in the bundle (with `revealed`), if any.
    pub draw: Option<DrawRecord>,
    /// The seed the recomputation used.
    pub seed: String,
    /// The inputs' hash as recomputed from the bundle.
    pub inputs_sha256: String,
    pub previous_sha256: Option<String>,
    /// The bundle's allocation's canonical hash.
    pub allocation_sha256: String,
    /// The first ten of the lottery (the bundle's allocation).
    pub lottery_head: Vec<String>,
    pub households: usize,
    pub served: BTreeMap<ResourceKind, Served>,
    /// Per check (1, 2, 3), whether it ran and passed.
    pub checks: Vec<CheckOutcome>,
    pub failures: Vec<Failure>,
}

/// One of the three checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckOutcome {
    pub number: u8,
    /// False when it does not apply (check 2 without a draw).
    pub applies: bool,
    pub passed: bool,
}

/// The first place two JSON values differ, as a JSON pointer, with both sides.
pub fn first_difference(a: &Value, b: &Value) -> Option<(String, Value, Value)> {
    fn walk(path: &mut String, a: &Value, b: &Value) -> Option<(String, Value, Value)> {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
                keys.sort();
                keys.dedup();
                for k in keys {
                    let (va, vb) = (
                        x.get(k).unwrap_or(&Value::Null),
                        y.get(k).unwrap_or(&Value::Null),
                    );
                    if x.contains_key(k) != y.contains_key(k) || va != vb {
                        let len = path.len();
                        path.push('/');
                        path.push_str(&k.replace('~', "~0").replace('/', "~1"));
                        if let Some(found) = walk(path, va, vb) {
                            return Some(found);
                        }
                        let found = (path.clone(), va.clone(), vb.clone());
                        path.truncate(len);
                        return Some(found);
                    }
                }
                None
            }
            (Value::Array(x), Value::Array(y)) => {
                for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                    if va != vb {
                        let len = path.len();
                        path.push_str(&format!("/{i}"));
                        let found = walk(path, va, vb)
                            .unwrap_or_else(|| (path.clone(), va.clone(), vb.clone()));
                        path.truncate(len);
                        return Some(found);
                    }
                }
                (x.len() != y.len()).then(|| {
                    let i = x.len().min(y.len());
                    (
                        format!("{path}/{i}"),
                        x.get(i).cloned().unwrap_or(Value::Null),
                        y.get(i).cloned().unwrap_or(Value::Null),
                    )
                })
            }
            _ => (a != b).then(|| (path.clone(), a.clone(), b.clone())),
        }
    }
    walk(&mut String::new(), a, b)
}

fn clip(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 120 {
        format!("{}…", text.chars().take(120).collect::<String>())
    } else {
        text
    }
}

fn engine_of(allocation: &Allocation) -> Engine {
    match (
        allocation.solver.engine.as_str(),
        allocation.solver.backend.as_str(),
    ) {
        ("milp", "microlp") => Engine::Milp(MilpBackend::Microlp),
        ("milp", "coin_cbc") => Engine::Milp(MilpBackend::CoinCbc),
        _ => Engine::Flow,
    }
}

/// Check 2 for a draw: the seed it gives, and what is wrong with it.
fn check_seed(draw: &DrawRecord, failures: &mut Vec<Failure>) -> Option<String> {
    let Some(revealed) = &draw.revealed else {
        failures.push(Failure::NotRevealed);
        return None;
    };
    match (
        parse_rfc3339(&revealed.revealed_at),
        parse_rfc3339(&draw.committed_at),
    ) {
        (Some(r), Some(c)) if r < c => failures.push(Failure::RevealedBeforeCommit {
            revealed_at: revealed.revealed_at.clone(),
            committed_at: draw.committed_at.clone(),
        }),
        (None, _) => failures.push(Failure::BadTime {
            field: "revealed.revealed_at",
            value: revealed.revealed_at.clone(),
        }),
        _ => {}
    }
    if let SeedSource::Drand(d) = &draw.seed_source {
        if d.chain != drand::CHAIN {
            failures.push(Failure::UnknownChain {
                chain: d.chain.clone(),
            });
        }
        let actual = drand::published_at(d.round).and_then(rfc3339);
        match (&actual, parse_rfc3339(&d.published_at)) {
            (Some(actual), Some(stated)) => {
                if drand::published_at(d.round) != Some(stated) {
                    failures.push(Failure::PublishTime {
                        round: d.round,
                        stated: d.published_at.clone(),
                        actual: actual.clone(),
                    });
                }
            }
            (_, None) => failures.push(Failure::BadTime {
                field: "seed_source.drand.published_at",
                value: d.published_at.clone(),
            }),
            (None, _) => failures.push(Failure::Signature {
                round: d.round,
                reason: BeaconError::NoRound(d.round).to_string(),
            }),
        }
        match (
            parse_rfc3339(&draw.committed_at),
            drand::published_at(d.round),
        ) {
            (Some(committed), Some(published)) => {
                if published - committed < drand::MIN_LEAD_SECS {
                    failures.push(Failure::RoundTooEarly {
                        round: d.round,
                        published_at: actual.clone().unwrap_or_default(),
                        committed_at: draw.committed_at.clone(),
                    });
                }
            }
            (None, _) => failures.push(Failure::BadTime {
                field: "committed_at",
                value: draw.committed_at.clone(),
            }),
            (Some(_), None) => {}
        }
        match &revealed.signature {
            None => failures.push(Failure::NoSignature),
            Some(signature) => match drand::verify(d.round, signature) {
                Ok(randomness) => {
                    if randomness != revealed.seed {
                        failures.push(Failure::SeedNotRandomness {
                            seed: revealed.seed.clone(),
                            randomness,
                        });
                    }
                }
                Err(e) => failures.push(Failure::Signature {
                    round: d.round,
                    reason: e.to_string(),
                }),
            },
        }
    }
    Some(revealed.seed.clone())
}

/// Runs the three checks. `Err` is a bundle that breaks a rule of the
/// contract (exit 3); a bundle that is well-formed but wrong is `Ok` with
/// `verified: false` and the failures named.
pub fn verify(bundle: &Bundle) -> Result<Verification, BundleError> {
    let allocation = bundle.allocation()?;
    let previous = bundle.previous()?;
    let mut failures = Vec::new();

    // Check 2 first: it decides the seed the recomputation uses.
    let seed = match &bundle.draw {
        Some(draw) => check_seed(draw, &mut failures),
        None => None,
    };
    if let Some(seed) = &seed {
        if *seed != allocation.seed {
            failures.push(Failure::AllocationSeed {
                allocation: allocation.seed.clone(),
                seed: seed.clone(),
            });
        }
    }

    // Recompute: the draw's seed when there is one, else the policy's.
    let inputs = Inputs {
        layout: bundle.layout.clone(),
        households: RosterInput::Json(bundle.households.clone()),
        policy: Some(bundle.policy.clone()),
        previous: previous.clone(),
        seed: seed.clone(),
        round: None,
    };
    let options = Options {
        engine: engine_of(&allocation),
        timings: false,
        ..Options::default()
    };
    let mut recomputed = pipeline::solve(&inputs, &options).map_err(|e| match e {
        PipelineError::Input(problems) => BundleError::Inputs(problems),
        PipelineError::Cancelled => BundleError::Solver("the recomputation was cancelled".into()),
        e => BundleError::Solver(e.solver_message()),
    })?;
    recomputed.draw = bundle.draw.as_ref().map(DrawRecord::committed);

    // Check 1.
    let inputs_sha256 = recomputed.inputs_sha256.clone();
    if inputs_sha256 != allocation.inputs_sha256 {
        failures.push(Failure::InputsHash {
            computed: inputs_sha256.clone(),
            allocation: allocation.inputs_sha256.clone(),
        });
    }
    let previous_sha256 = match &bundle.previous {
        None | Some(Value::Null) => None,
        Some(v) => Some(canonical_sha256(v)),
    };
    if let Some(draw) = &bundle.draw {
        if inputs_sha256 != draw.inputs_sha256 {
            failures.push(Failure::DrawInputsHash {
                computed: inputs_sha256.clone(),
                draw: draw.inputs_sha256.clone(),
            });
        }
        if previous_sha256 != draw.previous_sha256 {
            failures.push(Failure::PreviousHash {
                computed: previous_sha256.clone(),
                draw: draw.previous_sha256.clone(),
            });
        }
    }

    // Check 3.
    let mut given = bundle.allocation.clone();
    let mut again = serde_json::to_value(&recomputed).unwrap_or(Value::Null);
    for v in [&mut given, &mut again] {
        if let Some(s) = v.pointer_mut("/solver/seconds") {
            *s = Value::from(0);
        }
    }
    if let Some((path, a, b)) = first_difference(&given, &again) {
        failures.push(Failure::AllocationDiffers {
            path: if path.is_empty() { "/".into() } else { path },
            bundle: clip(&a),
            recomputed: clip(&b),
        });
    }
    let allocation_sha256 = canonical_sha256(&bundle.allocation);
    if let Some(revealed) = bundle.draw.as_ref().and_then(|d| d.revealed.as_ref()) {
        if revealed.allocation_sha256 != allocation_sha256 {
            failures.push(Failure::AllocationHash {
                computed: allocation_sha256.clone(),
                draw: revealed.allocation_sha256.clone(),
            });
        }
    }

    failures.sort_by_key(Failure::check);
    let checks = (1..=3)
        .map(|n| CheckOutcome {
            number: n,
            applies: n != 2 || bundle.draw.is_some(),
            passed: !failures.iter().any(|f| f.check() == n),
        })
        .collect();
    let served = allocation
        .metrics
        .iter()
        .map(|(k, m)| {
            (
                *k,
                Served {
                    served: m.served,
                    demand: m.demand,
                },
            )
        })
        .collect();
    Ok(Verification {
        verified: failures.is_empty(),
        site: allocation.site.clone(),
        draw: bundle.draw.clone(),
        seed: seed.unwrap_or_else(|| recomputed.seed.clone()),
        inputs_sha256,
        previous_sha256,
        allocation_sha256,
        lottery_head: allocation.lottery.iter().take(10).cloned().collect(),
        households: allocation.lottery.len(),
        served,
        checks,
        failures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_first_difference_is_named_by_its_json_pointer() {
        let a = json!({"assignments": [{"resource": "P1"}, {"resource": "P2"}], "seed": "x"});
        let b = json!({"assignments": [{"resource": "P1"}, {"resource": "P9"}], "seed": "x"});
        let (path, x, y) = first_difference(&a, &b).unwrap();
        assert_eq!(path, "/assignments/1/resource");
        assert_eq!((x, y), (json!("P2"), json!("P9")));
        assert_eq!(first_difference(&a, &a.clone()), None);
        let (path, _, y) = first_difference(&json!([1]), &json!([1, 2])).unwrap();
        assert_eq!((path.as_str(), y), ("/1", json!(2)));
        let (path, _, _) = first_difference(&json!({"a": 1}), &json!({"a": 1, "b": null})).unwrap();
        assert_eq!(path, "/b");
    }

    #[test]
    fn every_failure_names_its_check_in_both_languages() {
        let f = Failure::RoundTooEarly {
            round: 123,
            published_at: "2023-08-23T15:15:33Z".into(),
            committed_at: "2023-08-23T15:15:00Z".into(),
        };
        assert_eq!(f.check(), 2);
        assert!(f
            .en()
            .contains("round 123 was published at 2023-08-23T15:15:33Z"));
        assert!(f.zh().contains("第 123 轮发布于 2023-08-23T15:15:33Z"));
        assert_eq!(
            Failure::PreviousHash {
                computed: None,
                draw: Some("ab".into())
            }
            .check(),
            1
        );
    }
}
