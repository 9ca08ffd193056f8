//! Hand-built instances for the tests of every engine.

use super::instance::{Demand, Instance, Slot};
use crate::model::{BuildingShare, ResourceKind, Stability};

/// A household of its own unit `group`, drawn at `rank`, wanting one unit.
pub fn hh(id: &str, building: &str, group: usize, rank: usize) -> Demand {
    Demand {
        id: id.into(),
        building: building.into(),
        group,
        demand: 1,
        lottery_rank: rank,
        permit: false,
        elderly: false,
        evs: 0,
        incumbents: Vec::new(),
        preferences: Vec::new(),
        waited: 0,
    }
}

pub fn slot(id: &str) -> Slot {
    Slot {
        id: id.into(),
        accessible: false,
        charger: false,
        zone: None,
    }
}

pub fn instance(households: Vec<Demand>, resources: Vec<Slot>, walk: Vec<Vec<f64>>) -> Instance {
    Instance {
        kind: ResourceKind::ParkingSpace,
        households,
        resources,
        walk,
        max_walk_m: 100.0,
        priority: Vec::new(),
        building_share: BuildingShare::None,
        stability: Stability::None,
        pins: Vec::new(),
    }
}

/// One space, `keep_incumbents`; the later-drawn household ("late") held
/// it before, "early" was drawn first.
pub fn incumbent_drawn_last() -> Instance {
    let mut late = hh("late", "B1", 0, 1);
    late.incumbents = vec![0];
    let mut inst = instance(
        vec![hh("early", "B1", 0, 0), late],
        vec![slot("S")],
        vec![vec![5.0]],
    );
    inst.stability = Stability::KeepIncumbents;
    inst
}

/// `(household id, resource id)` pairs of an assignment, sorted.
pub fn by_id(inst: &Instance, assigned: &[(usize, usize)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = assigned
        .iter()
        .map(|&(h, r)| (inst.households[h].id.clone(), inst.resources[r].id.clone()))
        .collect();
    v.sort();
    v
}
