//! The allocation policy (FORMAT.md §3), with every default resolved.

use super::kind::ResourceKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mechanism {
    /// Lexicographic optimisation: serve, building share, stability, lottery, walk.
    Optimal,
    /// 摇号选位: households pick in lottery order.
    SerialDictatorship,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuildingShare {
    Proportional,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stability {
    KeepIncumbents,
    None,
}

/// A priority class name of `policy.priority`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorityClass {
    /// Disability parking permit holders.
    Accessible,
    /// A member is 70 or older.
    Elderly,
    /// EV owners.
    Ev,
}

/// Per-kind parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KindPolicy {
    pub per_household: u32,
    pub max_walk_m: f64,
    pub max_cable_m: f64,
}

impl Default for KindPolicy {
    fn default() -> Self {
        KindPolicy {
            per_household: 1,
            max_walk_m: 300.0,
            max_cable_m: 60.0,
        }
    }
}

/// A resource promised to a household before anything is optimised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    pub household: String,
    pub resource: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A policy with every default filled in. `kinds` always holds all three kinds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub mechanism: Mechanism,
    /// The lottery seed; `None` until resolved (defaults to `inputs_sha256`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<String>,
    pub kinds: BTreeMap<ResourceKind, KindPolicy>,
    pub priority: Vec<PriorityClass>,
    pub building_share: BuildingShare,
    pub stability: Stability,
    pub pins: Vec<Pin>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            mechanism: Mechanism::Optimal,
            seed: None,
            kinds: ResourceKind::ALL
                .into_iter()
                .map(|k| (k, KindPolicy::default()))
                .collect(),
            priority: Vec::new(),
            building_share: BuildingShare::Proportional,
            stability: Stability::KeepIncumbents,
            pins: Vec::new(),
        }
    }
}

impl Policy {
    /// The parameters of one kind (defaults if somehow absent).
    pub fn kind(&self, kind: ResourceKind) -> KindPolicy {
        self.kinds.get(&kind).copied().unwrap_or_default()
    }
}
