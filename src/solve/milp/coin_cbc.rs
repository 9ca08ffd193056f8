//! COIN-OR CBC through good_lp (feature `coin_cbc`; Debian
//! `coinor-libcbc-dev`). CBC is not thread-safe: the feature also turns on
//! good_lp's `singlethread-cbc` lock.

use good_lp::variable::UnsolvedProblem;
use good_lp::{Constraint, Variable};

/// Solves with CBC, quietly; returns every variable's value.
pub(super) fn solve(
    problem: UnsolvedProblem,
    rows: Vec<Constraint>,
    handles: &[Variable],
) -> Result<Vec<f64>, String> {
    let mut model = problem.using(good_lp::solvers::coin_cbc::coin_cbc);
    model.set_parameter("log", "0");
    model.set_parameter("slogLevel", "0");
    super::lp::run(model, rows, handles)
}
