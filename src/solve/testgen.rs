//! Random instances for the solver's property tests.

use super::instance::{Demand, Instance, Slot};
use super::Solution;
use crate::model::{BuildingShare, PriorityClass, ResourceKind, Stability};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// Shape of the random instances.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub max_households: usize,
    pub max_resources: usize,
    pub max_demand: u32,
    /// Allow pins, incumbents, preferences, reservations, priorities.
    pub rich: bool,
}

pub const TINY: Shape = Shape {
    max_households: 6,
    max_resources: 5,
    max_demand: 2,
    rich: true,
};

/// A random instance; distances are multiples of 0.5 m so walk sums are exact.
pub fn instance(seed: u64, shape: Shape) -> Instance {
    let mut rng = StdRng::seed_from_u64(seed);
    let n = rng.random_range(0..=shape.max_households);
    let m = rng.random_range(0..=shape.max_resources);
    let units = rng.random_range(1..=4usize);
    let buildings = rng.random_range(1..=3usize);
    let walk: Vec<Vec<f64>> = (0..units)
        .map(|_| {
            (0..m)
                .map(|_| f64::from(rng.random_range(0..120u32)) * 0.5)
                .collect()
        })
        .collect();
    let resources: Vec<Slot> = (0..m)
        .map(|r| {
            let (accessible, charger) = if shape.rich {
                (rng.random_bool(0.25), rng.random_bool(0.25))
            } else {
                (false, false)
            };
            Slot {
                id: format!("R{:02}", (r * 7 + 3) % 97),
                accessible,
                charger,
                zone: Some(format!("z{}", r % 2)),
            }
        })
        .collect();
    let mut ranks: Vec<usize> = (0..n).collect();
    ranks.shuffle(&mut rng);
    let mut households = Vec::new();
    for (h, &lottery_rank) in ranks.iter().enumerate() {
        let group = rng.random_range(0..units);
        let demand = rng.random_range(0..=shape.max_demand);
        let rich = shape.rich;
        let evs = if rich && rng.random_bool(0.3) {
            rng.random_range(1..=2)
        } else {
            0
        };
        let mut incumbents = Vec::new();
        let mut preferences = Vec::new();
        if rich && m > 0 {
            for _ in 0..rng.random_range(0..=1usize) {
                incumbents.push(rng.random_range(0..m));
            }
            for _ in 0..rng.random_range(0..=2usize) {
                if rng.random_bool(0.7) {
                    preferences.push(vec![rng.random_range(0..m)]);
                } else {
                    let zone = rng.random_range(0..2usize);
                    preferences.push((0..m).filter(|r| r % 2 == zone).collect());
                }
            }
        }
        incumbents.sort_unstable();
        incumbents.dedup();
        households.push(Demand {
            id: format!("H{h:03}"),
            building: format!("B{}", group % buildings),
            group,
            demand,
            lottery_rank,
            permit: rich && rng.random_bool(0.3),
            elderly: rich && rng.random_bool(0.3),
            evs,
            incumbents,
            waited: 0,
            preferences,
        });
    }
    let mut pins = Vec::new();
    if shape.rich && n > 0 && m > 0 {
        let mut used = vec![false; m];
        let mut count = vec![0u32; n];
        for _ in 0..rng.random_range(0..=2usize) {
            let (h, r) = (rng.random_range(0..n), rng.random_range(0..m));
            if !used[r] && count[h] < households[h].demand {
                used[r] = true;
                count[h] += 1;
                pins.push((h, r));
            }
        }
    }
    let mut priority = Vec::new();
    if shape.rich {
        let mut all = [
            PriorityClass::Accessible,
            PriorityClass::Elderly,
            PriorityClass::Ev,
        ];
        all.shuffle(&mut rng);
        priority = all[..rng.random_range(0..=3usize)].to_vec();
    }
    Instance {
        kind: ResourceKind::ParkingSpace,
        households,
        resources,
        walk,
        max_walk_m: 40.0,
        priority,
        building_share: if rng.random_bool(0.6) {
            BuildingShare::Proportional
        } else {
            BuildingShare::None
        },
        stability: match rng.random_range(0..5u32) {
            0 | 1 => Stability::KeepIncumbents,
            2 | 3 => Stability::Protect,
            _ => Stability::None,
        },
        pins,
    }
}

/// The stage values of a solution, `(name, value)` in order.
pub fn stages(sol: &Solution) -> Vec<(String, f64)> {
    sol.stages
        .iter()
        .map(|s| (s.name.clone(), s.value))
        .collect()
}

/// Whether two lists of stage values agree (names equal, values within 1e-6).
pub fn same(a: &[(String, f64)], b: &[(String, f64)]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.0 == y.0 && (x.1 - y.1).abs() <= 1e-6)
}
