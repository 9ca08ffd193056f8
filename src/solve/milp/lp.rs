//! The model as plain rows over indexed variables, and one solve of it:
//! each solve builds a good_lp problem and hands it to the backend's file.

use crate::solve::{MilpBackend, SolveError};
use good_lp::variable::UnsolvedProblem;
use good_lp::{
    variable, Constraint, Expression, ProblemVariables, Solution as _, SolverModel, Variable,
};

/// A linear expression over the model's variables: `(variable index, coefficient)`.
pub(super) type Lin = Vec<(usize, f64)>;

#[derive(Clone, Copy)]
pub(super) enum Kind {
    Binary,
    Integer(f64),
    Continuous(f64),
}

pub(super) struct Model {
    pub kinds: Vec<Kind>,
    /// Variables fixed at a value (lower = upper bound).
    pub fixed: Vec<Option<f64>>,
    /// Rows `lin ≤ rhs` (a `≥` row is stored negated).
    pub rows: Vec<(Lin, f64)>,
    /// Solves so far, and how many of them the LP relaxation closed.
    pub solves: usize,
    pub lp_solves: usize,
}

impl Model {
    pub fn var(&mut self, kind: Kind) -> usize {
        self.kinds.push(kind);
        self.fixed.push(None);
        self.kinds.len() - 1
    }

    /// Fixes variable `v` at `value` (both bounds).
    pub fn fix(&mut self, v: usize, value: f64) {
        self.fixed[v] = Some(value);
    }

    pub fn le(&mut self, lin: Lin, rhs: f64) {
        self.rows.push((lin, rhs));
    }

    pub fn ge(&mut self, lin: Lin, rhs: f64) {
        self.rows
            .push((lin.into_iter().map(|(v, c)| (v, -c)).collect(), -rhs));
    }

    /// Maximises (or minimises) `obj`; returns every variable's value.
    pub fn solve(
        &mut self,
        obj: &Lin,
        maximise: bool,
        backend: MilpBackend,
    ) -> Result<Vec<f64>, SolveError> {
        self.solves += 1;
        let t0 = std::time::Instant::now();
        // The LP relaxation first: an integral vertex is the MILP's optimum too.
        let lp = self.solve_with(obj, maximise, backend, true)?;
        let integral = self.integral(&lp);
        let r = if integral {
            self.lp_solves += 1;
            lp
        } else {
            self.solve_with(obj, maximise, backend, false)?
        };
        tracing::trace!(
            vars = self.kinds.len(),
            rows = self.rows.len(),
            lp = integral,
            elapsed = ?t0.elapsed(),
            "milp solve"
        );
        Ok(r)
    }

    /// The maximum of the integer-valued `obj` when an integral solution
    /// worth `known` exists: the LP relaxation's bound settles it when it is
    /// below `known + 1` or its vertex is integral, else the MILP decides.
    pub fn max_from(
        &mut self,
        obj: &Lin,
        known: f64,
        backend: MilpBackend,
    ) -> Result<f64, SolveError> {
        self.solves += 1;
        let lp = self.solve_with(obj, true, backend, true)?;
        let bound = value(obj, &lp);
        if bound < known + 1.0 - 1e-6 {
            self.lp_solves += 1;
            return Ok(known);
        }
        if self.integral(&lp) {
            self.lp_solves += 1;
            return Ok(bound.round());
        }
        Ok(value(obj, &self.solve_with(obj, true, backend, false)?).round())
    }

    /// Whether every integer variable has an integral value.
    fn integral(&self, vals: &[f64]) -> bool {
        self.kinds
            .iter()
            .zip(vals)
            .all(|(k, x)| matches!(k, Kind::Continuous(_)) || (x - x.round()).abs() <= 1e-6)
    }

    fn solve_with(
        &self,
        obj: &Lin,
        maximise: bool,
        backend: MilpBackend,
        relax: bool,
    ) -> Result<Vec<f64>, SolveError> {
        // Every solve first checks the request's flag (crate::cancel).
        crate::cancel::check().map_err(|_| SolveError::Cancelled)?;
        let mut vars = ProblemVariables::new();
        let handles: Vec<Variable> = self
            .kinds
            .iter()
            .zip(&self.fixed)
            .map(|(k, fixed)| {
                let (integer, ub) = match *k {
                    Kind::Binary => (true, 1.0),
                    Kind::Integer(ub) => (true, ub),
                    Kind::Continuous(ub) => (false, ub),
                };
                let (lo, hi) = fixed.map_or((0.0, ub), |v| (v, v));
                let def = variable().min(lo).max(hi);
                vars.add(if integer && !relax {
                    def.integer()
                } else {
                    def
                })
            })
            .collect();
        let expr = |lin: &Lin| -> Expression {
            let mut e = Expression::with_capacity(lin.len());
            for &(v, c) in lin {
                e.add_mul(c, handles[v]);
            }
            e
        };
        let objective = expr(obj);
        let rows: Vec<Constraint> = self
            .rows
            .iter()
            .map(|(lin, rhs)| expr(lin).leq(*rhs))
            .collect();
        let problem = if maximise {
            vars.maximise(objective)
        } else {
            vars.minimise(objective)
        };
        let fail = |message: String| SolveError::Backend {
            backend: backend.as_str().into(),
            message,
        };
        backend_solve(backend, problem, rows, &handles).map_err(fail)
    }
}

/// Hands the problem to the backend's file (one per cargo feature).
fn backend_solve(
    backend: MilpBackend,
    problem: UnsolvedProblem,
    rows: Vec<Constraint>,
    handles: &[Variable],
) -> Result<Vec<f64>, String> {
    match backend {
        #[cfg(feature = "microlp")]
        MilpBackend::Microlp => super::microlp::solve(problem, rows, handles),
        #[cfg(feature = "coin_cbc")]
        MilpBackend::CoinCbc => super::coin_cbc::solve(problem, rows, handles),
        #[allow(unreachable_patterns)]
        other => {
            let _ = (problem, rows, handles);
            Err(format!(
                "not compiled in (enable feature `{}`)",
                other.as_str()
            ))
        }
    }
}

/// Adds the rows to a backend's model, solves, and reads every variable.
pub(super) fn run<M: SolverModel>(
    mut model: M,
    rows: Vec<Constraint>,
    handles: &[Variable],
) -> Result<Vec<f64>, String>
where
    M::Error: std::fmt::Display,
{
    for c in rows {
        model = model.with(c);
    }
    let sol = model.solve().map_err(|e| e.to_string())?;
    Ok(handles.iter().map(|&v| sol.value(v)).collect())
}

pub(super) fn value(lin: &Lin, vals: &[f64]) -> f64 {
    lin.iter()
        .map(|&(v, c)| c * vals.get(v).copied().unwrap_or(0.0))
        .sum()
}

/// An integer value read from a solution.
pub(super) fn int(vals: &[f64], v: usize) -> u32 {
    vals.get(v).copied().unwrap_or(0.0).round().max(0.0) as u32
}
