//! Plain data types shared by every layer: the site, the households, the
//! policy and the allocation. No I/O and no algorithms live here; parsing
//! helpers that turn untyped input into these types are in the submodules
//! next to the types they produce.

pub mod allocation;
pub mod basis;
pub mod canonical;
pub mod draw;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod household;
pub mod kind;
pub mod policy;
pub mod problem;
pub mod reason;
pub mod rule;
pub mod site;

pub use allocation::{
    Allocation, Assignment, BuildingMetrics, KindMetrics, Ledger, SolverInfo, Unserved, WalkStats,
};
pub use basis::Basis;
pub use draw::{DrandRound, DrawRecord, Revealed, SeedSource};
pub use household::{demand, Household};
pub use kind::ResourceKind;
pub use policy::{
    BuildingShare, KindPolicy, Mechanism, Pin, Policy, PriorityClass, Rotation, Stability, Swaps,
};
pub use problem::{Problem, Problems};
pub use reason::{Drawn, LostToPin, Place, Reason, Taken, Turn};
pub use rule::Rule;
pub use site::{
    Building, CoordinateMode, Entrance, NamedPoint, Resource, Shape, Site, Walkway, Zone,
};
