//! The public draw workflow (FORMAT.md §5): commit, reveal once, read, the
//! public result and the verification bundle of a stored allocation.
//!
//! Blocking functions over a [`Store`] and a [`Clock`]; the HTTP layer
//! calls them off its async workers and maps [`DrawError`] to statuses.

use crate::draw::bundle::{canonical_sha256, Bundle};
use crate::draw::clock::{rfc3339, Clock};
use crate::draw::drand::{self, BeaconError};
use crate::model::Rule;
use crate::model::{Allocation, DrandRound, DrawRecord, Problem, ResourceKind, SeedSource};
use crate::pipeline::{self, Inputs, Options, PipelineError, RosterInput};
use crate::report::json::allocation_json;
use crate::service::Rejected;
use crate::store::{
    AllocationInputs, DrawInputs, DrawReveal, NewAllocation, NewDraw, Page, Store, StoreError,
};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

mod request;
pub use request::*;

/// Longest ceremony description, characters.
pub const MAX_CEREMONY_CHARS: usize = 2000;
/// Longest ceremony seed, characters.
pub const MAX_SEED_CHARS: usize = 200;

/// Why a draw workflow step did nothing.
#[derive(Debug, thiserror::Error)]
pub enum DrawError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The request breaks a rule (422), every problem listed.
    #[error("the request breaks {} rule(s)", .0.len())]
    Request(Vec<Problem>),
    /// The frozen inputs break rules (422).
    #[error("the inputs cannot be allocated: {} problem(s)", .0.len())]
    Inputs(Vec<Problem>),
    /// The round is published too soon after now (422).
    #[error("quicknet round {round} is published at {published_at}, less than 60 s after now ({now}); commit to round {earliest} or later")]
    RoundTooSoon {
        round: u64,
        published_at: String,
        now: String,
        earliest: u64,
    },
    /// The signature gives no seed (422).
    #[error("{0}")]
    Beacon(BeaconError),
    /// Nobody can satisfy the policy (422).
    #[error("no allocation can satisfy the policy: {0}")]
    Infeasible(String),
    /// The server's fault (500): the solver failed or stored data is unreadable.
    #[error("{0}")]
    Internal(String),
}

impl DrawError {
    /// What the caller must fix (a 422), titled; the error itself when it
    /// is the store's or the server's.
    pub fn rejection(self) -> Result<Rejected, DrawError> {
        let title = match &self {
            DrawError::Request(_) => "The draw request breaks a rule",
            DrawError::Inputs(_) => "The inputs cannot be allocated",
            DrawError::RoundTooSoon { .. } => {
                "The round is published less than 60 s after the commit"
            }
            DrawError::Beacon(_) => "The signature does not verify",
            DrawError::Infeasible(_) => "No allocation can satisfy the policy",
            DrawError::Store(_) | DrawError::Internal(_) => return Err(self),
        };
        Ok(Rejected::new(title, self.problems()))
    }

    /// The problems to list in a 422.
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            DrawError::Request(p) | DrawError::Inputs(p) => p.clone(),
            DrawError::RoundTooSoon { .. } => {
                vec![Problem::new(Rule::DrandRoundTooSoon, self.to_string())
                    .field("seed_source.drand.round")]
            }
            DrawError::Beacon(e) => {
                vec![Problem::new(Rule::DrandSignature, e.to_string()).field("signature")]
            }
            DrawError::Infeasible(m) => {
                vec![Problem::new(Rule::PolicyInfeasible, m.clone()).field("policy")]
            }
            _ => Vec::new(),
        }
    }
}

fn pipeline_error(e: PipelineError) -> DrawError {
    match e {
        PipelineError::Input(p) => DrawError::Inputs(p),
        // Only after its request gave up: the answer is never sent.
        PipelineError::Cancelled => DrawError::Internal("the solve was cancelled".into()),
        e => match e.infeasible() {
            Some(_) => DrawError::Infeasible(e.solver_message()),
            None => DrawError::Internal(format!("the solver failed: {}", e.solver_message())),
        },
    }
}

fn parse_allocation(site: &str, id: u64, body: &[u8]) -> Result<Allocation, DrawError> {
    serde_json::from_slice(body).map_err(|e| {
        DrawError::Internal(format!(
            "stored allocation {id} of {site} is unreadable: {e}"
        ))
    })
}

fn now_text(clock: &dyn Clock) -> Result<String, DrawError> {
    rfc3339(clock.now()).ok_or_else(|| DrawError::Internal("the clock is out of range".into()))
}

/// The stored policy with the commit's overrides on top, without `seed`.
fn merged_policy(
    stored: Option<&Value>,
    overrides: Option<&Value>,
) -> Result<Option<Value>, DrawError> {
    let mut problems = Vec::new();
    let mut merged = match stored {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    match overrides {
        None | Some(Value::Null) => {}
        Some(Value::Object(o)) => {
            if o.contains_key("seed") {
                problems.push(
                    Problem::new(
                        Rule::DrawSeed,
                        "a draw's seed comes from its seed source; remove `seed` from the policy",
                    )
                    .field("policy.seed"),
                );
            }
            for (k, v) in o {
                merged.insert(k.clone(), v.clone());
            }
        }
        Some(_) => problems.push(
            Problem::new(
                Rule::DrawPolicy,
                "`policy` must be an object of policy members",
            )
            .field("policy"),
        ),
    }
    if !problems.is_empty() {
        return Err(DrawError::Request(problems));
    }
    merged.remove("seed");
    Ok(
        (stored.is_some() || overrides.is_some_and(|o| !o.is_null()))
            .then_some(Value::Object(merged)),
    )
}

/// The seed source to record, or the problems with the request.
fn seed_source(request: &SeedSourceRequest, now: i64) -> Result<SeedSource, DrawError> {
    match request {
        SeedSourceRequest::Ceremony(how) => {
            let how = how.trim();
            if how.is_empty() || how.chars().count() > MAX_CEREMONY_CHARS {
                return Err(DrawError::Request(vec![Problem::new(
                    Rule::DrawCeremony,
                    format!(
                        "say how the seed will be drawn, in 1 to {MAX_CEREMONY_CHARS} characters"
                    ),
                )
                .field("seed_source.ceremony")]));
            }
            Ok(SeedSource::Ceremony(how.to_string()))
        }
        SeedSourceRequest::Drand { chain, round } => {
            let mut problems = Vec::new();
            if chain != drand::CHAIN {
                problems.push(
                    Problem::new(
                        Rule::DrandChain,
                        format!("drand chain `{chain}` is not supported; use `quicknet`"),
                    )
                    .field("seed_source.drand.chain"),
                );
            }
            let published = drand::published_at(*round).and_then(|t| rfc3339(t).map(|s| (t, s)));
            let Some((published, published_at)) = published else {
                problems.push(
                    Problem::new(Rule::DrandRound, format!("round {round} does not exist"))
                        .field("seed_source.drand.round"),
                );
                return Err(DrawError::Request(problems));
            };
            if !problems.is_empty() {
                return Err(DrawError::Request(problems));
            }
            if published - now < drand::MIN_LEAD_SECS {
                return Err(DrawError::RoundTooSoon {
                    round: *round,
                    published_at,
                    now: rfc3339(now).unwrap_or_default(),
                    earliest: drand::first_round_at_or_after(now + drand::MIN_LEAD_SECS),
                });
            }
            Ok(SeedSource::Drand(DrandRound {
                chain: chain.clone(),
                round: *round,
                published_at,
            }))
        }
    }
}

/// Commits a draw on the site's current revisions and latest allocation.
/// The inputs are allocated once (with a placeholder seed) to fix their
/// `inputs_sha256` and to refuse, now, inputs that could never be revealed.
pub fn commit(
    store: &dyn Store,
    clock: &dyn Clock,
    site: &str,
    request: &CommitRequest,
) -> Result<DrawRecord, DrawError> {
    // Whole seconds, so that the recorded time is the one the rule used.
    let now = clock.now();
    let committed_at = now_text(clock)?;
    let seed_source = seed_source(&request.seed_source, now)?;
    let head = store.site(site)?;
    let docs = store.documents(site, Some(head.revision))?;
    let previous = match head.latest_allocation {
        Some(id) => {
            let record = store.allocation(site, id)?;
            let value: Value = serde_json::from_slice(&record.body).map_err(|e| {
                DrawError::Internal(format!("stored allocation {id} is unreadable: {e}"))
            })?;
            Some((
                id,
                canonical_sha256(&value),
                parse_allocation(site, id, &record.body)?,
            ))
        }
        None => None,
    };
    let policy = merged_policy(docs.policy.as_ref(), request.policy.as_ref())?;
    let inputs = Inputs {
        layout: docs.layout.clone(),
        households: RosterInput::Parsed(docs.roster.clone()),
        policy,
        previous: previous.as_ref().map(|(_, _, a)| a.clone()),
        seed: Some("commit".into()),
        round: None,
    };
    let trial = pipeline::solve(&inputs, &Options::default()).map_err(pipeline_error)?;
    let mut resolved =
        serde_json::to_value(&trial.policy).map_err(|e| DrawError::Internal(e.to_string()))?;
    if let Some(p) = resolved.as_object_mut() {
        p.remove("seed");
    }
    let stored = store.add_draw(
        site,
        NewDraw {
            inputs: DrawInputs {
                revision: docs.revision,
                parts: docs.parts,
                previous: previous.as_ref().map(|(id, _, _)| *id),
                policy: resolved,
            },
            inputs_sha256: trial.inputs_sha256,
            previous_sha256: previous.map(|(_, sha, _)| sha),
            committed_at,
            seed_source,
        },
    )?;
    Ok(stored.record)
}

/// A revealed draw: its record (with `revealed`), and the allocation made.
#[derive(Debug, Clone, PartialEq)]
pub struct RevealOutcome {
    pub record: DrawRecord,
    pub allocation: u64,
    /// The allocation document as stored.
    pub body: Vec<u8>,
}

/// Reveals a draw once: checks the seed, allocates the frozen inputs with
/// it and stores the allocation and the reveal together.
pub fn reveal(
    store: &dyn Store,
    clock: &dyn Clock,
    site: &str,
    draw: u64,
    request: &RevealRequest,
) -> Result<RevealOutcome, DrawError> {
    let stored = store.draw(site, draw)?;
    if let Some(r) = &stored.record.revealed {
        return Err(StoreError::AlreadyRevealed {
            site: site.to_string(),
            draw,
            allocation: r.allocation,
        }
        .into());
    }
    let (seed, signature) = match (&stored.record.seed_source, request) {
        (SeedSource::Drand(d), RevealRequest::Signature(sig)) => {
            let seed = drand::verify(d.round, sig).map_err(DrawError::Beacon)?;
            let bytes = drand::decode_signature(sig).map_err(DrawError::Beacon)?;
            (seed, Some(hex::encode(bytes)))
        }
        (SeedSource::Ceremony(_), RevealRequest::Seed(seed)) => {
            if seed.trim().is_empty() || seed.chars().count() > MAX_SEED_CHARS {
                return Err(DrawError::Request(vec![Problem::new(
                    Rule::DrawSeed,
                    format!("the ceremony's seed must be 1 to {MAX_SEED_CHARS} characters"),
                )
                .field("seed")]));
            }
            (seed.clone(), None)
        }
        (SeedSource::Drand(d), RevealRequest::Seed(_)) => {
            return Err(DrawError::Request(vec![Problem::new(
                Rule::DrawRevealShape,
                format!(
                    "draw {draw} takes its seed from drand quicknet round {}: give {{\"signature\": \"hex\"}}",
                    d.round
                ),
            )
            .field("signature")]))
        }
        (SeedSource::Ceremony(_), RevealRequest::Signature(_)) => {
            return Err(DrawError::Request(vec![Problem::new(
                Rule::DrawRevealShape,
                format!("draw {draw} takes its seed from a ceremony: give {{\"seed\": \"…\"}}"),
            )
            .field("seed")]))
        }
    };
    let frozen = &stored.inputs;
    let docs = store.documents(site, Some(frozen.revision))?;
    let previous = match frozen.previous {
        Some(id) => Some(parse_allocation(
            site,
            id,
            &store.allocation(site, id)?.body,
        )?),
        None => None,
    };
    let inputs = Inputs {
        layout: docs.layout,
        households: RosterInput::Parsed(docs.roster),
        policy: Some(frozen.policy.clone()),
        previous,
        seed: Some(seed.clone()),
        round: None,
    };
    let mut allocation = pipeline::solve(&inputs, &Options::default()).map_err(pipeline_error)?;
    if allocation.inputs_sha256 != stored.record.inputs_sha256 {
        return Err(DrawError::Internal(format!(
            "the frozen inputs of draw {draw} now hash to {}, not the committed {}; this build computes them differently",
            allocation.inputs_sha256, stored.record.inputs_sha256
        )));
    }
    allocation.draw = Some(stored.record.committed());
    let body = allocation_json(&allocation);
    let allocation_sha256 = crate::draw::bundle::allocation_sha256(&allocation);
    let policy =
        serde_json::to_value(&allocation.policy).map_err(|e| DrawError::Internal(e.to_string()))?;
    let (record, meta) = store.reveal_draw(
        site,
        DrawReveal {
            draw,
            seed: seed.clone(),
            signature,
            revealed_at: now_text(clock)?,
            allocation_sha256,
            allocation: NewAllocation {
                inputs: AllocationInputs {
                    previous: frozen.previous,
                    revision: frozen.revision,
                    parts: frozen.parts,
                },
                policy,
                seed,
                summary: super::allocations::summary(&allocation),
                body: body.clone(),
            },
        },
    )?;
    Ok(RevealOutcome {
        record: record.record,
        allocation: meta.id,
        body,
    })
}

/// The site's draws, newest first.
pub fn list(
    store: &dyn Store,
    site: &str,
    before: Option<u64>,
    limit: u32,
) -> Result<Vec<DrawRecord>, DrawError> {
    Ok(store
        .draws(site, Page { before, limit })?
        .into_iter()
        .map(|d| d.record)
        .collect())
}

/// A page of a site's draws, newest first, and the draw to continue before.
pub fn list_page(
    store: &dyn Store,
    site: &str,
    before: Option<u64>,
    limit: u32,
) -> Result<DrawPage, DrawError> {
    let rows = list(store, site, before, limit + 1)?;
    let (draws, next) = super::page(rows, limit, |d| d.draw);
    Ok(DrawPage { draws, next })
}

pub fn get(store: &dyn Store, site: &str, draw: u64) -> Result<DrawRecord, DrawError> {
    Ok(store.draw(site, draw)?.record)
}

/// What anyone may see of a draw: the record and, once revealed, the lottery
/// and who holds what. No roster field, reason or basis (FORMAT.md §5).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicResult {
    pub record: DrawRecord,
    /// Household ids in lottery order; null before the reveal.
    pub lottery: Option<Vec<String>>,
    /// Household id → kind → resource ids; null before the reveal.
    pub holdings: Option<BTreeMap<String, BTreeMap<ResourceKind, Vec<String>>>>,
    /// Per kind, the resources given out; null before the reveal.
    pub assigned: Option<BTreeMap<ResourceKind, usize>>,
}

pub fn result(store: &dyn Store, site: &str, draw: u64) -> Result<PublicResult, DrawError> {
    let record = store.draw(site, draw)?.record;
    let Some(revealed) = &record.revealed else {
        return Ok(PublicResult {
            record,
            lottery: None,
            holdings: None,
            assigned: None,
        });
    };
    let allocation = parse_allocation(
        site,
        revealed.allocation,
        &store.allocation(site, revealed.allocation)?.body,
    )?;
    let mut holdings: BTreeMap<String, BTreeMap<ResourceKind, Vec<String>>> = BTreeMap::new();
    let mut assigned: BTreeMap<ResourceKind, usize> = BTreeMap::new();
    for a in &allocation.assignments {
        holdings
            .entry(a.household.clone())
            .or_default()
            .entry(a.kind)
            .or_default()
            .push(a.resource.clone());
        *assigned.entry(a.kind).or_default() += 1;
    }
    Ok(PublicResult {
        record,
        lottery: Some(allocation.lottery),
        holdings: Some(holdings),
        assigned: Some(assigned),
    })
}

/// The verification bundle of a stored allocation (FORMAT.md §6): the
/// layout and roster revisions it used, its policy, the allocation it
/// followed and the draw it revealed.
pub fn bundle(store: &dyn Store, site: &str, id: u64) -> Result<Bundle, DrawError> {
    let record = store.allocation(site, id)?;
    let allocation = parse_allocation(site, id, &record.body)?;
    let docs = store.documents(site, Some(record.meta.inputs.revision))?;
    let value = |body: &[u8], id: u64| -> Result<Value, DrawError> {
        serde_json::from_slice(body).map_err(|e| {
            DrawError::Internal(format!(
                "stored allocation {id} of {site} is unreadable: {e}"
            ))
        })
    };
    let previous = match record.meta.inputs.previous {
        Some(p) => Some(value(&store.allocation(site, p)?.body, p)?),
        None => None,
    };
    let draw = match &allocation.draw {
        Some(d) => Some(store.draw(site, d.draw)?.record),
        None => None,
    };
    Ok(Bundle {
        layout: docs.layout,
        households: serde_json::to_value(&docs.roster)
            .map_err(|e| DrawError::Internal(e.to_string()))?,
        policy: serde_json::to_value(&allocation.policy)
            .map_err(|e| DrawError::Internal(e.to_string()))?,
        previous,
        draw,
        allocation: value(&record.body, id)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn overrides_replace_stored_members_and_a_seed_is_refused() {
        let stored = json!({"priority": ["elderly"], "seed": "old", "mechanism": "optimal"});
        let merged = merged_policy(Some(&stored), Some(&json!({"priority": []}))).unwrap();
        assert_eq!(
            merged,
            Some(json!({"priority": [], "mechanism": "optimal"}))
        );
        assert_eq!(merged_policy(None, None).unwrap(), None);
        let err = merged_policy(Some(&stored), Some(&json!({"seed": "mine"}))).unwrap_err();
        assert_eq!(err.problems()[0].rule, "draw-seed");
    }

    #[test]
    fn a_reveal_gives_exactly_one_of_a_signature_and_a_seed() {
        let (sig, seed) = (Some("ab".to_string()), Some("s".to_string()));
        assert_eq!(
            RevealRequest::one_of(sig.clone(), None),
            Some(RevealRequest::Signature("ab".into()))
        );
        assert_eq!(
            RevealRequest::one_of(None, seed.clone()),
            Some(RevealRequest::Seed("s".into()))
        );
        assert_eq!(RevealRequest::one_of(sig, seed), None);
        assert_eq!(RevealRequest::one_of(None, None), None);
    }

    #[test]
    fn a_round_must_be_published_a_minute_after_now() {
        let now = drand::published_at(123).unwrap() - 60;
        let ok = seed_source(
            &SeedSourceRequest::Drand {
                chain: "quicknet".into(),
                round: 123,
            },
            now,
        )
        .unwrap();
        assert!(
            matches!(ok, SeedSource::Drand(DrandRound { round: 123, ref published_at, .. }) if published_at == "2023-08-23T15:15:33Z")
        );
        let err = seed_source(
            &SeedSourceRequest::Drand {
                chain: "quicknet".into(),
                round: 123,
            },
            now + 1,
        )
        .unwrap_err();
        assert!(err
            .to_string()
            .contains("published at 2023-08-23T15:15:33Z"));
        assert!(err.to_string().contains("commit to round 124 or later"));
        let chain = seed_source(
            &SeedSourceRequest::Drand {
                chain: "mainnet".into(),
                round: 123,
            },
            now,
        )
        .unwrap_err();
        assert_eq!(chain.problems()[0].rule, "drand-chain");
        assert!(seed_source(&SeedSourceRequest::Ceremony("  ".into()), now).is_err());
    }
}
