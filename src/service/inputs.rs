//! Inputs checked and solved without storing anything (`POST /v1/validate`,
//! `POST /v1/solve`), and the solve every stored allocation goes through.

use super::Rejected;
use crate::geometry::{self, LayoutCheck, ValidationReport};
use crate::input::limits::Limits;
use crate::model::{Allocation, Policy, Problem, Site};
use crate::pipeline::{self, Inputs, Options, PipelineError};
use crate::report::i18n::Lang;
use crate::report::svg::{render_svg_with, RenderOptions};
use serde_json::Value;

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
