//! What changed between two allocations of a site: who moved, who gained
//! and who lost, per kind.

use super::{documents, ReadError};
use crate::model::{Allocation, Assignment, ResourceKind};
use crate::report;
use crate::store::Store;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;

/// A household that now holds a different set of resources of a kind.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Moved {
    pub household: String,
    #[schema(value_type = String)]
    pub kind: ResourceKind,
    pub from: Vec<String>,
    pub to: Vec<String>,
}

/// A household that gained or lost resources of a kind.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Change {
    pub household: String,
    #[schema(value_type = String)]
    pub kind: ResourceKind,
    pub resources: Vec<String>,
}

/// What changed from one allocation to another.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DiffView {
    pub site: String,
    pub from: u64,
    pub to: u64,
    /// Held some of the kind in both, but not the same resources.
    pub moved: Vec<Moved>,
    /// Held none of the kind before, some now.
    pub gained: Vec<Change>,
    /// Held some of the kind before, none now.
    pub lost: Vec<Change>,
    /// Households whose holdings of every kind are the same.
    pub unchanged: u64,
    /// The later allocation's assignments made by a `trade_up` swap (basis `swap`).
    #[schema(value_type = Vec<Object>)]
    pub swapped: Vec<Assignment>,
}

/// Per household and kind, the resources held.
fn holdings(a: &Allocation) -> BTreeMap<(String, ResourceKind), BTreeSet<String>> {
    let mut out: BTreeMap<(String, ResourceKind), BTreeSet<String>> = BTreeMap::new();
    for x in &a.assignments {
        out.entry((x.household.clone(), x.kind))
            .or_default()
            .insert(x.resource.clone());
    }
    out
}

/// Who moved, gained and lost between two allocations, sorted by household then kind.
pub fn diff(site: &str, from_id: u64, from: &Allocation, to_id: u64, to: &Allocation) -> DiffView {
    let before = holdings(from);
    let after = holdings(to);
    let keys: BTreeSet<&(String, ResourceKind)> = before.keys().chain(after.keys()).collect();
    let empty = BTreeSet::new();
    let mut view = DiffView {
        site: site.to_string(),
        from: from_id,
        to: to_id,
        moved: Vec::new(),
        gained: Vec::new(),
        lost: Vec::new(),
        unchanged: 0,
        swapped: super::history::swaps(to),
    };
    let mut changed_households = BTreeSet::new();
    for key in keys {
        let b = before.get(key).unwrap_or(&empty);
        let a = after.get(key).unwrap_or(&empty);
        if a == b {
            continue;
        }
        let (household, kind) = (key.0.clone(), key.1);
        changed_households.insert(household.clone());
        if b.is_empty() {
            view.gained.push(Change {
                household,
                kind,
                resources: a.iter().cloned().collect(),
            });
        } else if a.is_empty() {
            view.lost.push(Change {
                household,
                kind,
                resources: b.iter().cloned().collect(),
            });
        } else {
            view.moved.push(Moved {
                household,
                kind,
                from: b.iter().cloned().collect(),
                to: a.iter().cloned().collect(),
            });
        }
    }
    let everyone: BTreeSet<&String> = from.lottery.iter().chain(to.lottery.iter()).collect();
    view.unchanged = everyone
        .iter()
        .filter(|h| !changed_households.contains(h.as_str()))
        .count() as u64;
    view
}

/// What changed from stored allocation `id` to stored allocation `other`;
/// `public`: between the public views ([`report::public`]), for viewers
/// (no swap shows, since no basis `swap` does).
pub fn diff_stored(
    store: &dyn Store,
    site: &str,
    id: u64,
    other: u64,
    public: bool,
) -> Result<DiffView, ReadError> {
    let from = documents::allocation(&store.allocation(site, id)?)?;
    let mut to = documents::allocation(&store.allocation(site, other)?)?;
    if public {
        to = report::public::public_view(&to);
    }
    Ok(diff(site, id, &from, other, &to))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{allocation as empty, assignment};
    use crate::model::Basis;

    fn allocation(pairs: &[(&str, &str)], everyone: &[&str]) -> Allocation {
        let parking = ResourceKind::ParkingSpace;
        Allocation {
            assignments: pairs
                .iter()
                .map(|(h, r)| Assignment {
                    walk_m: 1.0,
                    ..assignment(h, parking, r, Basis::Unstated)
                })
                .collect(),
            lottery: everyone.iter().map(|h| h.to_string()).collect(),
            ..empty("s")
        }
    }

    #[test]
    fn a_diff_separates_moves_gains_and_losses() {
        let a = allocation(
            &[("H1", "P1"), ("H2", "P2"), ("H3", "P3")],
            &["H1", "H2", "H3", "H4"],
        );
        let b = allocation(
            &[("H1", "P1"), ("H2", "P4"), ("H4", "P3")],
            &["H1", "H2", "H4"],
        );
        let d = diff("s", 1, &a, 2, &b);
        assert_eq!(d.moved.len(), 1);
        assert_eq!(
            (d.moved[0].household.as_str(), d.moved[0].to.clone()),
            ("H2", vec!["P4".to_string()])
        );
        assert_eq!(d.gained[0].household, "H4");
        assert_eq!(d.lost[0].household, "H3");
        assert_eq!(d.unchanged, 1);
    }
}
