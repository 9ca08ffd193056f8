//! A household of the roster, normalised (FORMAT.md §2).

use super::kind::ResourceKind;
use super::policy::Policy;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The most rounds a roster's `waited` may give (FORMAT.md §2); larger
/// values are a `roster-range` error, and `tickets` counts at most this many.
pub const MAX_WAITED: u32 = 1000;

/// One household with every default filled in. This normalised record is
/// what `inputs_sha256` hashes, so its serialised form is part of the
/// contract: every field is always written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Household {
    pub id: String,
    pub building: String,
    pub unit: String,
    pub floor: Option<i64>,
    pub cars: u32,
    pub evs: u32,
    pub ebikes: u32,
    pub accessible: bool,
    pub elderly: bool,
    pub wants_plot: bool,
    /// Per kind, resource ids or zone names, best first.
    pub preferences: BTreeMap<ResourceKind, Vec<String>>,
    /// Per kind, the resources held now (always a list once normalised).
    pub previous: BTreeMap<ResourceKind, Vec<String>>,
    /// Per kind, rounds in a row ended unserved as kept on paper before
    /// allot; overrides the ledger (FORMAT.md §3 "Rounds"). Only values given.
    #[serde(default)]
    pub waited: BTreeMap<ResourceKind, u32>,
}

impl Household {
    /// A household of a unit with no demand; tests and generators fill the rest.
    pub fn new(id: &str, building: &str, unit: &str) -> Household {
        Household {
            id: id.to_string(),
            building: building.to_string(),
            unit: unit.to_string(),
            floor: None,
            cars: 0,
            evs: 0,
            ebikes: 0,
            accessible: false,
            elderly: false,
            wants_plot: false,
            preferences: BTreeMap::new(),
            previous: BTreeMap::new(),
            waited: BTreeMap::new(),
        }
    }
}

/// Demand of a household for a kind, in units (FORMAT.md §3 "Terms"):
/// parking `min(cars, per_household)`, charging bays
/// `min(ebikes, per_household)`, plots `per_household` if `wants_plot`, else 0.
pub fn demand(h: &Household, kind: ResourceKind, policy: &Policy) -> u32 {
    let per = policy.kind(kind).per_household;
    match kind {
        ResourceKind::ParkingSpace => h.cars.min(per),
        ResourceKind::ChargingBay => h.ebikes.min(per),
        ResourceKind::GardenPlot => {
            if h.wants_plot {
                per
            } else {
                0
            }
        }
    }
}

impl Household {
    /// This household's demand for a kind; see [`demand`].
    pub fn demand(&self, kind: ResourceKind, policy: &Policy) -> u32 {
        demand(self, kind, policy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demand_is_capped_by_per_household_and_plots_need_wants_plot() {
        let mut policy = Policy::default();
        policy.kinds.insert(
            ResourceKind::ChargingBay,
            crate::model::KindPolicy {
                per_household: 2,
                ..Default::default()
            },
        );
        let mut h = Household::new("a", "B1", "1");
        h.cars = 3;
        h.ebikes = 3;
        assert_eq!(h.demand(ResourceKind::ParkingSpace, &policy), 1);
        assert_eq!(h.demand(ResourceKind::ChargingBay, &policy), 2);
        assert_eq!(h.demand(ResourceKind::GardenPlot, &policy), 0);
        h.wants_plot = true;
        h.ebikes = 1;
        assert_eq!(h.demand(ResourceKind::GardenPlot, &policy), 1);
        assert_eq!(demand(&h, ResourceKind::ChargingBay, &policy), 1);
    }
}
