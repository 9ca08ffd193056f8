//! A household across a site's allocations (FORMAT.md §3 "Over time"): per
//! allocation, its round, what the household held of each kind and on which
//! basis, what it was short and its waitlist place, its `waited` from the
//! allocation's ledger and, under `tickets` rotation, its tickets (1 +
//! waited); and the swaps an allocation made.

use crate::model::{Allocation, Assignment, Basis, ResourceKind, Rotation};
use crate::pipeline::rounds::FIRST_ROUND;
use crate::store::{AllocationMeta, Page, Store, StoreError};
use serde::Serialize;
use std::collections::BTreeMap;

/// The most allocations one history reads.
pub const MAX_HISTORY: u32 = 100;

/// Why a history cannot be given.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// No such site (404).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The household is in none of the allocations read and not on the roster (404).
    #[error("site `{site}` has no household `{household}`")]
    UnknownHousehold { site: String, household: String },
    /// A stored allocation cannot be read (500).
    #[error("stored allocation {id} of {site} is unreadable: {message}")]
    Unreadable {
        site: String,
        id: u64,
        message: String,
    },
}

/// One resource held, and why.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Held {
    pub resource: String,
    /// `pin`, `incumbent`, `reserved`, `priority`, `lottery` or `swap`.
    #[schema(value_type = String)]
    pub basis: Basis,
}

/// What a household had of one kind in one allocation.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct KindStanding {
    pub held: Vec<Held>,
    /// Units short of its demand (0 when served in full).
    pub unserved: u32,
    /// 1-based waitlist place when short; `null` when nothing is within reach.
    pub waitlist: Option<u32>,
    /// Rounds in a row ended unserved before this allocation (its ledger).
    pub waited: u32,
    /// 1 + `waited`, when the allocation's rotation is `tickets`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tickets: Option<u32>,
}

/// A household in one allocation.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub allocation: u64,
    pub created: String,
    pub round: String,
    /// `none`, `waited_first` or `tickets`.
    #[schema(value_type = String)]
    pub rotation: Rotation,
    /// Per kind the household took part in (held, was short, or waited).
    #[schema(value_type = Object)]
    pub kinds: BTreeMap<ResourceKind, KindStanding>,
}

/// A household's history, newest allocation first.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct History {
    pub site: String,
    pub household: String,
    /// Allocations the household appears in (its lottery), newest first.
    pub allocations: Vec<HistoryEntry>,
}

/// The household's `waited` per kind in an allocation's ledger (kinds where it is 0 left out).
pub fn waited(allocation: &Allocation, household: &str) -> BTreeMap<ResourceKind, u32> {
    allocation
        .ledger
        .iter()
        .filter_map(|(kind, m)| m.get(household).map(|w| (*kind, *w)))
        .filter(|(_, w)| *w > 0)
        .collect()
}

/// Per kind, 1 + waited tickets, when the allocation's rotation is
/// `tickets` (every kind of the draw order is listed: a household that
/// never waited holds 1); `None` under any other rotation.
pub fn tickets(allocation: &Allocation, household: &str) -> Option<BTreeMap<ResourceKind, u32>> {
    if allocation.policy.rotation != Rotation::Tickets {
        return None;
    }
    let w = waited(allocation, household);
    Some(
        allocation
            .draw_order
            .iter()
            .flat_map(BTreeMap::keys)
            .chain(w.keys())
            .map(|k| (*k, 1 + w.get(k).copied().unwrap_or(0)))
            .collect(),
    )
}

/// The household in one allocation; `None` when it is not in its lottery
/// (not on that allocation's roster).
pub fn entry(
    meta: &AllocationMeta,
    allocation: &Allocation,
    household: &str,
) -> Option<HistoryEntry> {
    if !allocation.lottery.iter().any(|h| h == household) {
        return None;
    }
    let mut kinds: BTreeMap<ResourceKind, KindStanding> = BTreeMap::new();
    let blank = || KindStanding {
        held: Vec::new(),
        unserved: 0,
        waitlist: None,
        waited: 0,
        tickets: None,
    };
    for a in allocation
        .assignments
        .iter()
        .filter(|a| a.household == household)
    {
        kinds.entry(a.kind).or_insert_with(blank).held.push(Held {
            resource: a.resource.clone(),
            basis: a.basis,
        });
    }
    for u in allocation
        .unserved
        .iter()
        .filter(|u| u.household == household)
    {
        let k = kinds.entry(u.kind).or_insert_with(blank);
        k.unserved += u.units;
        k.waitlist = u.waitlist;
    }
    for (kind, w) in waited(allocation, household) {
        kinds.entry(kind).or_insert_with(blank).waited = w;
    }
    if allocation.policy.rotation == Rotation::Tickets {
        for k in kinds.values_mut() {
            k.tickets = Some(1 + k.waited);
        }
    }
    Some(HistoryEntry {
        allocation: meta.id,
        created: meta.created.clone(),
        round: allocation
            .round
            .clone()
            .unwrap_or_else(|| FIRST_ROUND.to_string()),
        rotation: allocation.policy.rotation,
        kinds,
    })
}

/// The household across the site's newest `limit` (at most
/// [`MAX_HISTORY`]) allocations, newest first. A household in none of them
/// and not on the current roster is unknown.
pub fn household_history(
    store: &dyn Store,
    site: &str,
    household: &str,
    limit: u32,
) -> Result<History, HistoryError> {
    let metas = store.allocations(site, Page::newest(limit.clamp(1, MAX_HISTORY)))?;
    let mut allocations = Vec::new();
    for meta in metas {
        let record = store.allocation(site, meta.id)?;
        let allocation: Allocation =
            serde_json::from_slice(&record.body).map_err(|e| HistoryError::Unreadable {
                site: site.to_string(),
                id: meta.id,
                message: e.to_string(),
            })?;
        allocations.extend(entry(&meta, &allocation, household));
    }
    if allocations.is_empty()
        && !store
            .documents(site, None)?
            .roster
            .iter()
            .any(|h| h.id == household)
    {
        return Err(HistoryError::UnknownHousehold {
            site: site.to_string(),
            household: household.to_string(),
        });
    }
    Ok(History {
        site: site.to_string(),
        household: household.to_string(),
        allocations,
    })
}

/// The assignments an allocation made by a `trade_up` swap (basis `swap`).
pub fn swaps(allocation: &Allocation) -> Vec<Assignment> {
    allocation
        .assignments
        .iter()
        .filter(|a| a.basis == Basis::Swap)
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{fixtures, Policy};

    fn assignment(h: &str, r: &str, basis: Basis) -> Assignment {
        fixtures::assignment(h, ResourceKind::ParkingSpace, r, basis)
    }

    fn allocation(rotation: Rotation) -> Allocation {
        let mut ledger = crate::model::Ledger::new();
        ledger
            .entry(ResourceKind::ParkingSpace)
            .or_default()
            .insert("H2".into(), 2);
        let order = vec!["H2".to_string(), "H1".into(), "H3".into()];
        Allocation {
            policy: Policy {
                rotation,
                ..Policy::default()
            },
            assignments: vec![
                assignment("H1", "P1", Basis::Incumbent),
                assignment("H3", "P2", Basis::Swap),
            ],
            unserved: vec![fixtures::unserved(
                "H2",
                ResourceKind::ParkingSpace,
                Some(1),
            )],
            lottery: vec!["H1".into(), "H2".into(), "H3".into()],
            round: Some("2027".into()),
            ledger,
            draw_order: (rotation != Rotation::None)
                .then(|| BTreeMap::from([(ResourceKind::ParkingSpace, order)])),
            ..fixtures::allocation("s")
        }
    }

    fn meta(id: u64) -> AllocationMeta {
        crate::service::fixtures::allocation_meta("s", id)
    }

    #[test]
    fn an_entry_lists_holdings_with_their_basis_and_a_short_household_its_place_and_wait() {
        let a = allocation(Rotation::WaitedFirst);
        let held = entry(&meta(3), &a, "H1").unwrap();
        assert_eq!(held.round, "2027");
        let p = &held.kinds[&ResourceKind::ParkingSpace];
        assert_eq!(
            p.held,
            vec![Held {
                resource: "P1".into(),
                basis: Basis::Incumbent
            }]
        );
        assert_eq!(
            (p.unserved, p.waitlist, p.waited, p.tickets),
            (0, None, 0, None)
        );
        let short = entry(&meta(3), &a, "H2").unwrap();
        let p = &short.kinds[&ResourceKind::ParkingSpace];
        assert!(p.held.is_empty());
        assert_eq!(
            (p.unserved, p.waitlist, p.waited, p.tickets),
            (1, Some(1), 2, None)
        );
        assert!(entry(&meta(3), &a, "H9").is_none());
    }

    #[test]
    fn tickets_are_one_plus_waited_only_under_tickets_rotation() {
        let a = allocation(Rotation::Tickets);
        assert_eq!(
            entry(&meta(1), &a, "H2").unwrap().kinds[&ResourceKind::ParkingSpace].tickets,
            Some(3)
        );
        assert_eq!(
            entry(&meta(1), &a, "H1").unwrap().kinds[&ResourceKind::ParkingSpace].tickets,
            Some(1)
        );
        assert_eq!(tickets(&a, "H2").unwrap()[&ResourceKind::ParkingSpace], 3);
        assert_eq!(tickets(&a, "H3").unwrap()[&ResourceKind::ParkingSpace], 1);
        assert_eq!(tickets(&allocation(Rotation::None), "H2"), None);
        assert_eq!(waited(&a, "H1"), BTreeMap::new());
    }

    #[test]
    fn swaps_are_the_assignments_with_basis_swap() {
        let s = swaps(&allocation(Rotation::None));
        assert_eq!(s.len(), 1);
        assert_eq!(
            (s[0].household.as_str(), s[0].resource.as_str()),
            ("H3", "P2")
        );
    }
}
