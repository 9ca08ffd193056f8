//! Inputs in, allocation out: load, validate, measure, solve, explain.
//!
//! This is the one entry point the CLI and the HTTP API call. It does no I/O
//! itself: callers hand it parsed JSON values or CSV bytes.
//!
//! Order of work, and where each step lives:
//! 1. parse the layout (`input::load_layout`), roster (`input::roster`)
//!    and policy (`input::policy`), collecting every problem of every input;
//! 2. walking distances (`geometry::walk`) and the geometry rules
//!    (`geometry::validate`); nothing is solved if any input has an error;
//! 3. per kind, an [`Instance`](crate::solve::instance::Instance) is built
//!    (`build`) and solved by the chosen engine (`solve::solve`);
//! 4. each assignment and unserved unit is explained and the metrics are
//!    measured (`solve::explain`, `solve::metrics`).

mod build;
pub mod rounds;

use crate::geometry::{self, LayoutCheck, ValidationReport};
use crate::input::limits::{self, Limits};
use crate::input::{check_pins, parse_policy};
use crate::input::{check_roster_against_site, parse_roster_csv, parse_roster_json};
use crate::model::canonical::inputs_sha256;
use crate::model::Rule;
use crate::model::{
    Allocation, Household, Mechanism, Policy, Problem, ResourceKind, Rotation, SolverInfo,
    Stability, Swaps,
};
use crate::solve::{self, explain, metrics, rotation, swap, Engine, SolveError};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

pub use build::build_instance;

/// The roster, in whichever form it arrived.
#[derive(Debug, Clone)]
pub enum RosterInput {
    /// An array of objects or `{"households": [...]}`.
    Json(Value),
    /// CSV bytes: UTF-8 (with or without BOM), UTF-16 with BOM or
    /// GB18030/GBK, comma or tab separated (`crate::input::read_roster_text`).
    Csv(Vec<u8>),
    /// A roster file in any format `crate::input::read_roster` tells by its
    /// content (JSON, CSV text, `.xlsx`), with the worksheet to read.
    File {
        bytes: Vec<u8>,
        sheet: Option<String>,
    },
    /// Already parsed and normalised (stored rosters).
    Parsed(Vec<Household>),
}

/// Everything one allocation depends on.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub layout: Value,
    pub households: RosterInput,
    /// The policy JSON; `None` means every default.
    pub policy: Option<Value>,
    /// The allocation this one follows: its assignments are the incumbents of
    /// households whose roster record names no `previous` for that kind.
    pub previous: Option<Allocation>,
    /// Overrides `policy.seed` when given.
    pub seed: Option<String>,
    /// Overrides `policy.round` when given (FORMAT.md §3 "Rounds": a rerun
    /// keeps the previous allocation's round, a redraw names a new one).
    pub round: Option<String>,
}

/// How to solve.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub engine: Engine,
    /// Input limits checked before anything is parsed (defaults for the CLI;
    /// the server checks its configured ones itself and passes unbounded).
    pub limits: Limits,
    /// Record the wall time in `solver.seconds`. Off by default, so that the
    /// same inputs give byte-identical allocations (FORMAT.md §3).
    pub timings: bool,
}

/// Why no allocation could be made.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PipelineError {
    /// The inputs break rules of FORMAT.md: every problem found, in input order
    /// (layout, roster, policy).
    #[error("{} input problem(s); first: {}", .0.len(), .0.first().map(|p| p.to_string()).unwrap_or_default())]
    Input(Vec<Problem>),
    /// The engine refused or failed on one kind: a policy nobody can satisfy
    /// ([`SolveError::Infeasible`], naming its rule), a malformed instance or
    /// a backend failure.
    #[error("solver failed: {kind}: {error}")]
    Solver {
        kind: ResourceKind,
        error: SolveError,
    },
    /// The solver of one kind stopped unexpectedly (its thread panicked).
    #[error("solver failed: {kind}: the solver stopped unexpectedly")]
    Stopped { kind: ResourceKind },
    /// The work was cancelled (see [`crate::cancel`]): its request gave up.
    #[error("cancelled: the request gave up before the allocation was made")]
    Cancelled,
}

impl PipelineError {
    /// The input problems (empty for solver failures).
    pub fn problems(&self) -> &[Problem] {
        match self {
            PipelineError::Input(p) => p,
            PipelineError::Solver { .. }
            | PipelineError::Stopped { .. }
            | PipelineError::Cancelled => &[],
        }
    }

    /// A policy nobody can satisfy, as the one problem of the policy that
    /// names the solver's rule (`policy-infeasible`); `None` for any other
    /// failure.
    pub fn infeasible(&self) -> Option<Problem> {
        match self {
            PipelineError::Solver {
                kind,
                error: error @ SolveError::Infeasible { .. },
            } => Some(
                Problem::new(Rule::PolicyInfeasible, format!("{kind}: {error}")).field("policy"),
            ),
            _ => None,
        }
    }

    /// The engine's message without the "solver failed" prefix.
    pub fn solver_message(&self) -> String {
        match self {
            PipelineError::Input(p) => format!("{} input problem(s)", p.len()),
            PipelineError::Solver { kind, error } => format!("{kind}: {error}"),
            PipelineError::Stopped { kind } => format!("{kind}: the solver stopped unexpectedly"),
            PipelineError::Cancelled => "the request gave up before the allocation was made".into(),
        }
    }
}

/// Inputs that passed every check, ready to be solved.
#[derive(Debug, Clone)]
pub struct Checked {
    pub site: crate::model::Site,
    pub households: Vec<Household>,
    pub policy: Policy,
    pub walks: geometry::WalkMatrix,
    pub warnings: Vec<Problem>,
}

/// The input limits' problems of raw inputs (layout, JSON or CSV roster).
pub fn limit_problems(inputs: &Inputs, limits: &Limits) -> Vec<Problem> {
    let mut problems = limits::check_layout(&inputs.layout, limits);
    problems.extend(match &inputs.households {
        RosterInput::Json(v) => limits::check_roster_json(v, limits),
        RosterInput::Csv(b) => limits::check_roster_csv(b, limits),
        // Workbooks and other encodings are bounded by their decoders.
        RosterInput::File { .. } | RosterInput::Parsed(_) => Vec::new(),
    });
    problems
}

/// Parses and checks all three inputs, collecting every problem, under the
/// default [`Limits`].
pub fn check(inputs: &Inputs) -> Result<Checked, PipelineError> {
    check_with(inputs, &Limits::default())
}

/// [`check`] under the given limits: an input over a limit is refused
/// before it is parsed (only the limits' problems are reported then).
pub fn check_with(inputs: &Inputs, limits: &Limits) -> Result<Checked, PipelineError> {
    let over = limit_problems(inputs, limits);
    if !over.is_empty() {
        return Err(PipelineError::Input(over));
    }
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let default_policy = Policy::default();

    // A layout with loading problems is still validated as far as it
    // loaded, so that every problem is reported at once; it is never solved.
    let households = match &inputs.households {
        RosterInput::Json(v) => parse_roster_json(v).map(|r| (r.households, r.warnings)),
        RosterInput::Csv(b) => parse_roster_csv(b).map(|r| (r.households, r.warnings)),
        RosterInput::File { bytes, sheet } => {
            let options = crate::input::ReadOptions {
                sheet: sheet.clone(),
                charset: None,
            };
            crate::input::read_roster(bytes, &options).map(|r| (r.households, r.warnings))
        }
        RosterInput::Parsed(h) => Ok((h.clone(), Vec::new())),
    };
    let policy = inputs.policy.as_ref().map(parse_policy);
    let layout = geometry::check_layout(
        &inputs.layout,
        match &policy {
            None => Some(&default_policy),
            Some(Ok(p)) => Some(p),
            Some(Err(_)) => None,
        },
    );
    let layout_loaded = layout.load_errors.is_empty();
    errors.extend(layout.load_errors);
    let households = match households {
        Ok((h, w)) => {
            warnings.extend(w);
            Some(h)
        }
        Err(p) => {
            errors.extend(p.0);
            None
        }
    };
    let policy = match policy {
        None => Some(default_policy),
        Some(Ok(p)) => Some(p),
        Some(Err(p)) => {
            errors.extend(p.0);
            None
        }
    };
    errors.extend(layout.errors);
    warnings.extend(layout.warnings);
    let (site, walks) = (layout.site, layout.walks);
    if crate::cancel::cancelled() {
        return Err(PipelineError::Cancelled);
    }
    if let (Some(site), Some(households)) = (&site, &households) {
        errors.extend(check_roster_against_site(households, site));
        if let Some(policy) = &policy {
            errors.extend(check_pins(policy, site, households));
            if policy.stability == Stability::Protect {
                let resolved = with_previous(households, inputs.previous.as_ref());
                errors.extend(rounds::duplicate_previous(&resolved));
            }
        }
    }
    match (site, households, policy, walks) {
        (Some(site), Some(households), Some(mut policy), Some(walks))
            if errors.is_empty() && layout_loaded =>
        {
            if let Some(seed) = &inputs.seed {
                policy.seed = Some(seed.clone());
            }
            if let Some(round) = inputs.round.as_deref().map(str::trim) {
                if !round.is_empty() {
                    policy.round = Some(round.to_string());
                }
            }
            Ok(Checked {
                site,
                households,
                policy,
                walks,
                warnings,
            })
        }
        _ => Err(PipelineError::Input(errors)),
    }
}

/// Validates a layout alone (`allot validate`, `POST /v1/validate`), with the
/// given policy's `max_walk_m`/`max_cable_m` or the defaults. Loading errors
/// and policy errors are reported as errors too. Default [`Limits`].
pub fn validate_layout(layout: &Value, policy: Option<&Value>) -> ValidationReport {
    validate_layout_with(layout, policy, &Limits::default())
}

/// [`validate_layout`] under the given limits (a layout over one is only
/// reported as such, not loaded).
pub fn validate_layout_with(
    layout: &Value,
    policy: Option<&Value>,
    limits: &Limits,
) -> ValidationReport {
    let over = limits::check_layout(layout, limits);
    if !over.is_empty() {
        return ValidationReport {
            errors: over,
            warnings: Vec::new(),
        };
    }
    check_layout(layout, policy).report()
}

/// Checks a layout once under a policy document (`None`: the defaults; a
/// policy with problems: the defaults, its problems first among
/// `load_errors`): the site as far as it loads, walking distances, errors
/// and warnings.
pub fn check_layout(layout: &Value, policy: Option<&Value>) -> LayoutCheck {
    let (policy, policy_errors) = match policy.map(parse_policy) {
        None => (Policy::default(), Vec::new()),
        Some(Ok(p)) => (p, Vec::new()),
        Some(Err(p)) => (Policy::default(), p.0),
    };
    let mut check = geometry::check_layout(layout, Some(&policy));
    check.load_errors.splice(0..0, policy_errors);
    check
}

/// Checks the inputs and computes the allocation.
pub fn solve(inputs: &Inputs, options: &Options) -> Result<Allocation, PipelineError> {
    solve_checked(inputs, options).map(|(_, allocation)| allocation)
}

/// Checks the inputs and computes the allocation; returns what was checked
/// (the site, its walking distances, the parsed roster and policy) with it,
/// so that renderings need not check again.
pub fn solve_checked(
    inputs: &Inputs,
    options: &Options,
) -> Result<(Checked, Allocation), PipelineError> {
    let started = Instant::now();
    let checked = check_with(inputs, &options.limits)?;
    let mut allocation = allocate(&checked, inputs.previous.as_ref(), options)?;
    if options.timings {
        allocation.solver.seconds = (started.elapsed().as_secs_f64() * 1e4).round() / 1e4;
    }
    Ok((checked, allocation))
}

/// Solves checked inputs.
pub fn allocate(
    checked: &Checked,
    previous: Option<&Allocation>,
    options: &Options,
) -> Result<Allocation, PipelineError> {
    let Checked {
        site,
        policy,
        walks,
        warnings,
        ..
    } = checked;
    // The pins are checked again (the one check, `input::check_pins`): a
    // caller may have changed the policy or roster since `check`.
    let pin_problems = check_pins(policy, site, &checked.households);
    if !pin_problems.is_empty() {
        return Err(PipelineError::Input(pin_problems));
    }
    let households = with_previous(&checked.households, previous);

    // The round, then the policy with every default filled in (round
    // included) is what `inputs_sha256` hashes.
    let round = rounds::resolve_round(policy.round.as_deref(), previous);
    let mut policy = policy.clone();
    policy.round = Some(round.clone());
    let policy = &policy;
    let ledger = rounds::ledger(&round, previous, &households);

    let mut unseeded = policy.clone();
    unseeded.seed = None;
    let sha = inputs_sha256(&site.raw, &households, &unseeded);
    let seed = policy.seed.clone().unwrap_or_else(|| sha.clone());
    let mut resolved = policy.clone();
    resolved.seed = Some(seed.clone());

    let ids: Vec<String> = households.iter().map(|h| h.id.clone()).collect();
    let lottery = solve::lottery::lottery_order(&seed, &ids);
    // Each kind's draw order (FORMAT.md §3 "Rotation"): the lottery unless
    // rotation says otherwise; it is what stage 4, the turns and the
    // waitlists see as `lottery_rank`.
    // Tickets 1 are the lottery keys: hashed once for the three kinds.
    let firsts = match policy.rotation {
        Rotation::Tickets => rotation::first_tickets(&seed, &lottery),
        _ => Vec::new(),
    };
    let draw: BTreeMap<ResourceKind, Vec<String>> = ResourceKind::ALL
        .into_iter()
        .map(|kind| {
            let waited = rounds::waited_of(&ledger, kind);
            let order =
                rotation::draw_order_with(policy.rotation, &seed, &lottery, &firsts, &waited);
            (kind, order)
        })
        .collect();

    let engine = match policy.mechanism {
        Mechanism::Optimal => options.engine,
        Mechanism::SerialDictatorship => Engine::Flow,
    };
    let unit_labels: Vec<String> = walks
        .units
        .iter()
        .map(|(b, u)| format!("{b}-{u}"))
        .collect();
    // One kind: build, solve, swap, explain, measure. Kinds share nothing, so
    // the flow engine solves them on threads of their own (results are taken
    // in kind order, so the output does not depend on which finishes first).
    // The MILP backends run one kind at a time: CBC is not thread-safe (the
    // `coin_cbc` feature serialises its calls behind one lock anyway).
    let households = &households;
    let (draw, ledger_ref) = (&draw, &ledger);
    let one_kind = |kind: ResourceKind| -> Result<_, PipelineError> {
        let order = draw.get(&kind).map(Vec::as_slice).unwrap_or(&[]);
        let rank: BTreeMap<&str, usize> = order
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let mut built = build_instance(site, households, policy, walks, kind, &rank);
        if let Some(w) = ledger_ref.get(&kind) {
            for d in &mut built.instance.households {
                d.waited = w.get(&d.id).copied().unwrap_or(0);
            }
        }
        let mut solution = solve::solve(&built.instance, policy.mechanism, engine).map_err(
            |error| match error {
                SolveError::Cancelled => PipelineError::Cancelled,
                error => PipelineError::Solver { kind, error },
            },
        )?;
        let trades = if policy.swaps == Swaps::TradeUp {
            let pins: BTreeSet<(usize, usize)> = built.instance.pins.iter().copied().collect();
            let traded = swap::trade_up(&built.instance, &solution.assigned, &pins);
            solution.assigned = traded.assigned;
            solution.stages.push(solve::StageValue {
                name: solve::stage_names::SWAPPED.into(),
                value: traded.trades.len() as f64,
            });
            traded.trades
        } else {
            BTreeMap::new()
        };
        let explained = explain::explain(
            &built.instance,
            &solution,
            policy,
            &built.pin_reasons,
            &unit_labels,
            &trades,
        );
        let mut measured = metrics::measure(&built.instance, &solution, households, policy);
        measured.swapped = trades.len() as u32;
        Ok((solution.stages, explained, measured))
    };
    // The kinds' threads take the request's cancellation flag along.
    let cancel = crate::cancel::current();
    let per_kind: Vec<Result<_, PipelineError>> = match engine {
        Engine::Flow => std::thread::scope(|scope| {
            let handles: Vec<_> = ResourceKind::ALL
                .into_iter()
                .map(|kind| {
                    let cancel = cancel.clone();
                    let one_kind = &one_kind;
                    (
                        kind,
                        scope.spawn(move || {
                            crate::cancel::scoped(cancel.as_ref(), || one_kind(kind))
                        }),
                    )
                })
                .collect();
            handles
                .into_iter()
                .map(|(kind, h)| h.join().unwrap_or(Err(PipelineError::Stopped { kind })))
                .collect()
        }),
        Engine::Milp(_) => ResourceKind::ALL.into_iter().map(one_kind).collect(),
    };
    let mut assignments = Vec::new();
    let mut unserved = Vec::new();
    let mut metrics_by_kind = BTreeMap::new();
    let mut stages = Vec::new();
    for (kind, result) in ResourceKind::ALL.into_iter().zip(per_kind) {
        let (kind_stages, explained, measured) = result?;
        for s in &kind_stages {
            stages.push(format!("{kind}: {} = {}", s.name, stage_value(s.value)));
        }
        metrics_by_kind.insert(kind, measured);
        assignments.extend(explained.assignments);
        unserved.extend(explained.unserved);
    }

    let (engine_name, backend) = match (policy.mechanism, engine) {
        (Mechanism::SerialDictatorship, _) => ("serial_dictatorship", "combinatorial".to_string()),
        (Mechanism::Optimal, Engine::Flow) => ("flow", "combinatorial".to_string()),
        (Mechanism::Optimal, Engine::Milp(b)) => ("milp", b.as_str().to_string()),
    };
    Ok(Allocation {
        site: site.display_id(),
        inputs_sha256: sha,
        seed,
        policy: resolved,
        assignments,
        unserved,
        lottery,
        metrics: metrics_by_kind,
        solver: SolverInfo {
            engine: engine_name.to_string(),
            backend,
            seconds: 0.0,
            stages,
        },
        round: Some(round),
        ledger,
        draw_order: (policy.rotation != Rotation::None).then(|| draw.clone()),
        warnings: warnings.clone(),
        draw: None,
    })
}

/// A stage value as reported: integers as integers, metres to the millimetre.
fn stage_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.3}")
    }
}

/// Households whose roster names no `previous` for a kind take their
/// assignments of that kind in the previous allocation.
fn with_previous(households: &[Household], previous: Option<&Allocation>) -> Vec<Household> {
    let mut out = households.to_vec();
    let Some(previous) = previous else {
        return out;
    };
    let mut held: BTreeMap<(&str, ResourceKind), Vec<String>> = BTreeMap::new();
    for a in &previous.assignments {
        held.entry((a.household.as_str(), a.kind))
            .or_default()
            .push(a.resource.clone());
    }
    for h in &mut out {
        for kind in ResourceKind::ALL {
            let named = h.previous.get(&kind).is_some_and(|v| !v.is_empty());
            if !named {
                if let Some(ids) = held.get(&(h.id.as_str(), kind)) {
                    h.previous.insert(kind, ids.clone());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(path: &str) -> Value {
        serde_json::from_str(&std::fs::read_to_string(path).expect(path)).expect(path)
    }

    #[test]
    fn a_resource_pinned_twice_after_the_checks_is_refused_under_the_pin_rule() {
        let dir = "fixtures/small/pin";
        let inputs = Inputs {
            layout: read(&format!("{dir}/layout.geojson")),
            households: RosterInput::Json(read(&format!("{dir}/households.json"))),
            policy: Some(read(&format!("{dir}/policy.json"))),
            previous: None,
            seed: None,
            round: None,
        };
        let mut checked = check(&inputs).expect("the fixture is valid");
        // A policy changed after `check` meets the same pin rule, under the
        // same code, before anything is built or solved.
        let twice = checked.policy.pins[0].clone();
        checked.policy.pins.push(twice);
        let err = allocate(&checked, None, &Options::default()).expect_err("refused");
        let rules: Vec<&str> = err.problems().iter().map(|p| p.rule.as_str()).collect();
        // The second pin gives the same household a second space too.
        assert_eq!(
            rules,
            [
                "pin-duplicate-resource",
                "pin-beyond-demand",
                "pin-duplicate-resource"
            ]
        );
        assert_eq!(err.problems()[2].field.as_deref(), Some("pins[1]"));
        assert!(err.infeasible().is_none());
    }

    #[test]
    fn an_infeasible_solve_is_the_one_policy_problem_naming_the_solvers_rule() {
        let err = PipelineError::Solver {
            kind: ResourceKind::ParkingSpace,
            error: SolveError::Infeasible {
                rule: "pin-twice".into(),
                message: "resource P1 is pinned twice".into(),
            },
        };
        let problem = err.infeasible().expect("a problem of the policy");
        assert_eq!(problem.rule, "policy-infeasible");
        assert_eq!(problem.field.as_deref(), Some("policy"));
        assert!(problem.message.contains("(pin-twice)"), "{problem}");
        assert_eq!(json!(err.problems()), json!([]));
        assert!(PipelineError::Input(Vec::new()).infeasible().is_none());
    }
}
