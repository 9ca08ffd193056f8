//! good_lp's pure-Rust microlp backend (feature `microlp`, the default).

use good_lp::variable::UnsolvedProblem;
use good_lp::{Constraint, Variable};

/// Solves with microlp; returns every variable's value.
pub(super) fn solve(
    problem: UnsolvedProblem,
    rows: Vec<Constraint>,
    handles: &[Variable],
) -> Result<Vec<f64>, String> {
    super::lp::run(
        problem.using(good_lp::solvers::microlp::microlp),
        rows,
        handles,
    )
}
