//! Inputs in, allocation out: load, validate, measure, solve, explain.
