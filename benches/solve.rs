//! Speed of the optimisation core on synthetic compounds:
//! `cargo bench --bench solve`.

use allot::model::{BuildingShare, Mechanism, PriorityClass, ResourceKind, Stability};
use allot::solve::instance::{Demand, Instance, Slot};
use allot::solve::{solve, Engine};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

/// A compound of `n` households in `units` units competing for `m` spaces;
/// a few households have preferences or incumbents (xorshift, fixed seed).
fn compound(n: usize, m: usize, units: usize) -> Instance {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut rnd = move |k: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % k
    };
    let walk = (0..units)
        .map(|_| (0..m).map(|_| rnd(3000) as f64 / 10.0).collect())
        .collect();
    let resources = (0..m)
        .map(|r| Slot {
            id: format!("P{r}"),
            accessible: r % 25 == 0,
            charger: r % 10 == 3,
            zone: None,
        })
        .collect();
    let households = (0..n)
        .map(|h| {
            let group = h % units;
            Demand {
                id: format!("H{h}"),
                building: format!("B{}", group / 6),
                group,
                demand: u32::from(rnd(10) < 7),
                lottery_rank: (h * 7919) % n,
                permit: rnd(40) == 0,
                elderly: rnd(5) == 0,
                evs: u32::from(rnd(8) == 0),
                incumbents: if rnd(20) == 0 {
                    vec![rnd(m as u64) as usize]
                } else {
                    vec![]
                },
                preferences: if rnd(20) == 0 {
                    vec![vec![rnd(m as u64) as usize]]
                } else {
                    vec![]
                },
            }
        })
        .collect();
    Instance {
        kind: ResourceKind::ParkingSpace,
        households,
        resources,
        walk,
        max_walk_m: 250.0,
        priority: vec![PriorityClass::Accessible, PriorityClass::Elderly],
        building_share: BuildingShare::Proportional,
        stability: Stability::KeepIncumbents,
        pins: vec![],
    }
}

fn bench(c: &mut Criterion) {
    let small = compound(308, 74, 36);
    c.bench_function("optimal flow 308x74", |b| {
        b.iter(|| solve(black_box(&small), Mechanism::Optimal, Engine::Flow))
    });
    c.bench_function("serial 308x74", |b| {
        b.iter(|| {
            solve(
                black_box(&small),
                Mechanism::SerialDictatorship,
                Engine::Flow,
            )
        })
    });
    let mut group = c.benchmark_group("large");
    group.sample_size(10);
    let large = compound(1000, 300, 60);
    group.bench_function("optimal flow 1000x300", |b| {
        b.iter(|| solve(black_box(&large), Mechanism::Optimal, Engine::Flow))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
