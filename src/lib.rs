//! allot: fair, explainable allocation of a residential compound's scarce
//! shared resources — car parking spaces, e-bike charging bays, garden plots.
//!
//! Layers (see ARCHITECTURE.md): [`model`] plain types; [`geometry`] layout
//! loading, projection, validation, walking distances; [`input`] roster
//! files as Excel saves them (GBK/UTF-16 text, `.xlsx`); [`solve`] the
//! optimisation core; [`report`] renderings; [`pipeline`] inputs in,
//! allocation out; [`api`] HTTP; [`store`] persistence.

pub mod api;
pub mod cancel;
pub mod cli;
pub mod config;
pub mod draw;
pub mod geometry;
pub mod input;
pub mod memory;
pub mod model;
pub mod pipeline;
pub mod report;
pub mod service;
pub mod simulate;
pub mod solve;
pub mod store;
pub mod synthetic;
