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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stability {
    /// Version 2's default (FORMAT.md §3 "Over time"): incumbents keep their
    /// resources as if pinned, before every stage.
    #[default]
    Protect,
    /// Version 1: stage 3 of `optimal`, after building shares.
    KeepIncumbents,
    /// Incumbents count for nothing (a fresh redraw).
    None,
}

/// How `waited` changes the draw (FORMAT.md §3 "Rotation").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rotation {
    /// The lottery.
    #[default]
    None,
    /// Highest `waited` first, then the lottery.
    WaitedFirst,
    /// 1 + `waited` tickets, the smallest ticket is the key (the 阶梯 rule).
    Tickets,
}

/// Trades after the mechanism (FORMAT.md §3 "Swaps").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Swaps {
    #[default]
    None,
    /// Top trading cycles among single-resource holders with preferences.
    TradeUp,
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
    #[serde(default)]
    pub stability: Stability,
    /// The round this allocation belongs to; `None` until resolved (the
    /// previous allocation's round, else `"1"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<String>,
    #[serde(default)]
    pub rotation: Rotation,
    #[serde(default)]
    pub swaps: Swaps,
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
            stability: Stability::Protect,
            round: None,
            rotation: Rotation::None,
            swaps: Swaps::None,
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
