//! The allocation: the engine's output (FORMAT.md §4).

use super::basis::Basis;
use super::draw::DrawRecord;
use super::kind::ResourceKind;
use super::policy::Policy;
use super::problem::Problem;
use super::reason::Reason;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Per kind, household id → `waited` (FORMAT.md §3 "Rounds").
pub type Ledger = BTreeMap<ResourceKind, BTreeMap<String, u32>>;

/// One resource given to one household.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub household: String,
    pub kind: ResourceKind,
    pub resource: String,
    /// Walking distance, rounded to 0.1 m.
    pub walk_m: f64,
    /// Empty (and left out of the JSON) in the public view (`report::public`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub why: String,
    /// How the resource was given: `pin`, `incumbent` (kept from the
    /// previous allocation), `reserved` (accessible/charger space to its
    /// class), `priority`, `lottery` (in the kind's draw order), `swap`
    /// (a `trade_up` cycle).
    #[serde(default)]
    pub basis: Basis,
    /// The structured reason (docs/reasons.md); `None` only in allocations
    /// made before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
}

/// A household still short of its demand for a kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unserved {
    pub household: String,
    pub kind: ResourceKind,
    pub units: u32,
    /// 1-based place in the kind's queue; `None` when nothing is within reach.
    pub waitlist: Option<u32>,
    /// Empty (and left out of the JSON) in the public view (`report::public`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub why: String,
    /// The structured reason (docs/reasons.md); `None` only in allocations
    /// made before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BuildingMetrics {
    pub demand: u32,
    pub entitled: u32,
    pub served: u32,
}

/// Walk statistics of the served units, metres rounded to 0.1; `None` when nobody is served.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WalkStats {
    pub mean: Option<f64>,
    pub p90: Option<f64>,
    pub max: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KindMetrics {
    pub demand: u32,
    pub supply: u32,
    pub served: u32,
    pub by_building: BTreeMap<String, BuildingMetrics>,
    pub walk_m: WalkStats,
    pub kept_from_previous: u32,
    pub moved_from_previous: u32,
    /// Households whose resource changed in a `trade_up` swap (FORMAT.md §3 "Swaps").
    #[serde(default)]
    pub swapped: u32,
}

/// How the allocation was computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SolverInfo {
    /// `flow` (exact combinatorial engine), `milp` (good_lp model) or `serial_dictatorship`.
    pub engine: String,
    /// `combinatorial`, `microlp` or `coin_cbc`.
    pub backend: String,
    /// Wall time of the solve. Written as 0 unless timings were asked for,
    /// so that identical inputs give byte-identical allocations.
    pub seconds: f64,
    /// Each stage's optimum, in order, e.g. `parking_space 1c serve all units = 74`.
    pub stages: Vec<String>,
}

/// The allocation document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Allocation {
    pub site: String,
    pub inputs_sha256: String,
    pub seed: String,
    pub policy: Policy,
    pub assignments: Vec<Assignment>,
    pub unserved: Vec<Unserved>,
    pub lottery: Vec<String>,
    pub metrics: BTreeMap<ResourceKind, KindMetrics>,
    pub solver: SolverInfo,
    /// The round (FORMAT.md §3 "Rounds"); always written by this version,
    /// absent in allocations made before version 2 (read as round "1").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<String>,
    /// Per kind, household → rounds in a row ended unserved, values above 0
    /// only; kinds with no entry are left out. Always written.
    #[serde(default)]
    pub ledger: Ledger,
    /// Per kind, every household id in the kind's draw order; written only
    /// when `policy.rotation` is not `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draw_order: Option<BTreeMap<ResourceKind, Vec<String>>>,
    /// Layout warnings (not fatal) found while solving.
    #[serde(default)]
    pub warnings: Vec<Problem>,
    /// The committed draw record (FORMAT.md §5) this allocation revealed, or null.
    #[serde(default)]
    pub draw: Option<DrawRecord>,
}
