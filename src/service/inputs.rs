//! Inputs checked and solved without storing anything (`POST /v1/validate`,
//! `POST /v1/solve`), and the solve every stored allocation goes through.

use super::Rejected;
use crate::geometry::{self, LayoutCheck, ValidationReport};
use crate::input::limits::Limits;
use crate::model::{Allocation, Policy, Problem, Rule, Site};
use crate::pipeline::{self, Inputs, Options, PipelineError, RosterInput};
use crate::report::i18n::Lang;
use crate::report::svg::{render_svg_with, RenderOptions};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// `POST /v1/solve` body.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SolveRequest {
    #[schema(value_type = Object)]
    pub layout: Value,
    /// The roster: an array of households or `{"households": [...]}`.
    #[schema(value_type = Object)]
    pub households: Value,
    #[schema(value_type = Object)]
    pub policy: Option<Value>,
    /// An earlier allocation, whose assignments count as the households' `previous`.
    #[schema(value_type = Object)]
    pub previous: Option<Value>,
    pub seed: Option<String>,
}

/// `POST /v1/validate` answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ValidationView {
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<Problem>,
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<Problem>,
}

/// A `POST /v1/solve` body as the pipeline's inputs: a body of another
/// shape, or a `previous` that is not an allocation, is rejected.
pub fn solve_inputs(body: Value) -> Result<Inputs, Rejected> {
    let request: SolveRequest = serde_json::from_value(body).map_err(|e| {
        Rejected::new(
            "The request is not `{\"layout\", \"households\", \"policy\"?, \"previous\"?, \"seed\"?}`",
            vec![Problem::new(Rule::SolveShape, e.to_string())],
        )
    })?;
    let previous: Option<Allocation> = match request.previous {
        None | Some(Value::Null) => None,
        Some(v) => Some(serde_json::from_value(v).map_err(|e| {
            Rejected::new(
                "`previous` is not an allocation",
                vec![Problem::new(Rule::PreviousShape, e.to_string()).field("previous")],
            )
        })?),
    };
    Ok(Inputs {
        layout: request.layout,
        households: RosterInput::Json(request.households),
        policy: request.policy,
        previous,
        seed: request.seed,
        round: None,
    })
}

/// A `POST /v1/validate` body: a layout, or `{"layout", "policy"}` (a body
/// with no `type` and a `layout`) to check chargers against the policy.
fn layout_and_policy(body: Value) -> (Value, Option<Value>) {
    if body.get("type").is_none() && body.get("layout").is_some() {
        (
            body.get("layout").cloned().unwrap_or(Value::Null),
            body.get("policy").cloned(),
        )
    } else {
        (body, None)
    }
}

/// `POST /v1/validate`: no errors and the warnings, or every error (and
/// warning) found.
pub fn validate_request(body: Value) -> Result<ValidationView, Rejected> {
    let (layout, policy) = layout_and_policy(body);
    let report = validate(&layout, policy.as_ref());
    if report.errors.is_empty() {
        Ok(ValidationView {
            errors: Vec::new(),
            warnings: report.warnings,
        })
    } else {
        Err(Rejected::layout(report.errors, report.warnings))
    }
}

/// `POST /v1/validate?format=svg`: the plan with its problems drawn
/// ([`layout_svg`]); rejected only when the body is not a FeatureCollection.
pub fn layout_svg_request(body: Value, lang: Lang) -> Result<(String, ValidationReport), Rejected> {
    let (layout, policy) = layout_and_policy(body);
    layout_svg(&layout, policy.as_ref(), lang).map_err(|r| Rejected::layout(r.errors, r.warnings))
}

/// Why a solve gave no allocation.
#[derive(Debug, thiserror::Error)]
pub enum SolveFailed {
    /// Inputs that break rules (every problem listed), or a policy nobody can
    /// satisfy (naming the rule): the caller's to fix.
    #[error(transparent)]
    Rejected(#[from] Rejected),
    /// The solver itself failed: the server's fault.
    #[error("the solver failed: {0}")]
    Solver(String),
    /// The request gave up (time limit or client gone) and the work stopped.
    #[error("the solve was cancelled")]
    Cancelled,
}

/// Checks and solves (blocking: run it off the async workers). The server
/// checks its own configured input limits at the door, so none apply here.
pub fn solve(inputs: &Inputs) -> Result<Allocation, SolveFailed> {
    let options = Options {
        limits: Limits::unbounded(),
        ..Options::default()
    };
    pipeline::solve(inputs, &options).map_err(|e| match e {
        PipelineError::Input(problems) => {
            Rejected::new("The inputs cannot be allocated", problems).into()
        }
        PipelineError::Cancelled => SolveFailed::Cancelled,
        e => match e.infeasible() {
            Some(problem) => {
                Rejected::new("No allocation can satisfy the policy", vec![problem]).into()
            }
            None => SolveFailed::Solver(e.solver_message()),
        },
    })
}

/// The layout's errors and warnings, with the policy's limits (or the
/// defaults). The server checks its own configured input limits at the door.
pub fn validate(layout: &Value, policy: Option<&Value>) -> ValidationReport {
    pipeline::validate_layout_with(layout, policy, &Limits::unbounded())
}

/// The plan with its errors in red and warnings in orange, drawn from the
/// features that load (so loading errors such as a duplicate id are marked
/// too), and the report; `Err` with the report when the body is not a
/// FeatureCollection at all (there is no plan to draw).
pub fn layout_svg(
    layout: &Value,
    policy: Option<&Value>,
    lang: Lang,
) -> Result<(String, ValidationReport), ValidationReport> {
    draw(pipeline::check_layout(layout, policy), None, lang)
}

/// What `allot render --layout L [--allocation A] [--lang zh|en]` draws: the
/// layout's features that load, checked under the allocation's policy (or
/// the defaults), every error in red and every warning in orange, resources
/// coloured by `allocation` when given; `Err` with the problems only when
/// the value is not a FeatureCollection at all.
pub fn render_layout(
    layout: &Value,
    allocation: Option<&Allocation>,
    lang: Lang,
) -> Result<String, Vec<Problem>> {
    let default_policy = Policy::default();
    let policy = allocation.map(|a| &a.policy).unwrap_or(&default_policy);
    draw(
        geometry::check_layout(layout, Some(policy)),
        allocation,
        lang,
    )
    .map(|(svg, _)| svg)
    .map_err(|report| report.errors)
}

fn draw(
    check: LayoutCheck,
    allocation: Option<&Allocation>,
    lang: Lang,
) -> Result<(String, ValidationReport), ValidationReport> {
    let report = check.report();
    let Some(site) = &check.site else {
        return Err(report);
    };
    let mut opts = RenderOptions::new(lang);
    opts.allocation = allocation;
    opts.errors = &report.errors;
    opts.warnings = &report.warnings;
    let svg = render_svg_with(site, &opts);
    Ok((svg, report))
}

/// A posted layout, loaded (for renderings of a stateless solve).
pub fn load_site(layout: &Value) -> Result<Site, Rejected> {
    crate::input::load_layout(layout).map_err(|p| Rejected::new("The layout cannot be loaded", p.0))
}
