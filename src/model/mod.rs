//! Plain data types shared by every layer: the site, the households, the
//! policy and the allocation. No I/O and no algorithms live here; parsing
//! helpers that turn untyped input into these types are in the submodules
//! next to the types they produce.

pub mod allocation;
pub mod household;
pub mod kind;
pub mod policy;
pub mod problem;
pub mod site;

pub use allocation::{
    Allocation, Assignment, BuildingMetrics, KindMetrics, SolverInfo, Unserved, WalkStats,
};
pub use household::Household;
pub use kind::ResourceKind;
pub use policy::{BuildingShare, KindPolicy, Mechanism, Pin, Policy, PriorityClass, Stability};
pub use problem::{Problem, Problems};
pub use site::{
    Building, CoordinateMode, Entrance, NamedPoint, Resource, Shape, Site, Walkway, Zone,
};
