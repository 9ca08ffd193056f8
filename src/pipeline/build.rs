//! Turns a checked site, roster and policy into the solver's [`Instance`] of one kind.

use crate::geometry::WalkMatrix;
use crate::model::{Household, Policy, ResourceKind, Site, Stability};
use crate::solve::instance::{Demand, Instance, Slot};
use std::collections::BTreeMap;

/// An instance plus what is needed to map it back to ids and explain it.
#[derive(Debug, Clone)]
pub struct Built {
    pub instance: Instance,
    /// Pin reasons by (household index, resource index).
    pub pin_reasons: BTreeMap<(usize, usize), Option<String>>,
}

/// Builds the instance of `kind`. Households with no demand for the kind are
/// left out; resources keep layout order. `rank` is the lottery place of
/// every household id.
pub fn build_instance(
    site: &Site,
    households: &[Household],
    policy: &Policy,
    walks: &WalkMatrix,
    kind: ResourceKind,
    rank: &BTreeMap<&str, usize>,
) -> Built {
    let kp = policy.kind(kind);
    let site_indices: Vec<usize> = site
        .resources
        .iter()
        .enumerate()
        .filter(|(_, r)| r.kind == kind)
        .map(|(i, _)| i)
        .collect();
    let resources: Vec<Slot> = site_indices
        .iter()
        .map(|&i| {
            let r = &site.resources[i];
            Slot {
                id: r.id.clone(),
                accessible: kind == ResourceKind::ParkingSpace && r.accessible,
                charger: kind == ResourceKind::ParkingSpace && r.charger,
                zone: r.zone.clone(),
            }
        })
        .collect();
    let by_id: BTreeMap<&str, usize> = resources
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();

    // One walk row per unit of the walk matrix (households share their unit's row).
    let walk: Vec<Vec<f64>> = (0..walks.units.len())
        .map(|u| site_indices.iter().map(|&i| walks.get(u, i)).collect())
        .collect();

    let mut demands = Vec::new();
    let mut index_of: BTreeMap<&str, usize> = BTreeMap::new();
    for h in households {
        let demand = h.demand(kind, policy);
        if demand == 0 {
            continue;
        }
        let Some(group) = walks.unit_index(&h.building, &h.unit) else {
            continue; // rejected earlier by check_roster_against_site
        };
        let incumbents = if policy.stability != Stability::None {
            let mut v: Vec<usize> = h
                .previous
                .get(&kind)
                .into_iter()
                .flatten()
                .filter_map(|id| by_id.get(id.as_str()).copied())
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        } else {
            Vec::new()
        };
        let preferences = h
            .preferences
            .get(&kind)
            .into_iter()
            .flatten()
            .map(|entry| match by_id.get(entry.as_str()) {
                Some(&r) => vec![r],
                None => resources
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.zone.as_deref() == Some(entry.as_str()))
                    .map(|(i, _)| i)
                    .collect(),
            })
            .filter(|set: &Vec<usize>| !set.is_empty())
            .collect();
        index_of.insert(h.id.as_str(), demands.len());
        demands.push(Demand {
            id: h.id.clone(),
            building: h.building.clone(),
            group,
            demand,
            lottery_rank: rank.get(h.id.as_str()).copied().unwrap_or(usize::MAX),
            permit: h.accessible,
            elderly: h.elderly,
            evs: h.evs,
            incumbents,
            preferences,
            waited: 0,
        });
    }

    // Every pin names a roster household and a resource of the layout:
    // `allocate` refuses any other with `input::check_pins` before building,
    // so only the pins of other kinds are passed over here.
    let mut pins = Vec::new();
    let mut pin_reasons = BTreeMap::new();
    for pin in &policy.pins {
        if let (Some(&h), Some(&r)) = (
            index_of.get(pin.household.as_str()),
            by_id.get(pin.resource.as_str()),
        ) {
            pins.push((h, r));
            pin_reasons.insert((h, r), pin.reason.clone());
        }
    }
    pins.sort_unstable();

    Built {
        instance: Instance {
            kind,
            households: demands,
            resources,
            walk,
            max_walk_m: kp.max_walk_m,
            priority: policy.priority.clone(),
            building_share: policy.building_share,
            stability: policy.stability,
            pins,
        },
        pin_reasons,
    }
}
