//! Unit tests of the min-cost flow solvers (`mcf.rs`).

use super::*;

fn c(tiers: &[(usize, i64)]) -> Cost {
    let mut x = ZERO;
    for &(i, v) in tiers {
        x[i] = v;
    }
    x
}

#[test]
fn flow_stops_when_no_negative_path_is_left() {
    // s -> a -> t with reward, s -> b -> t with a positive cost.
    let mut g = Mcf::new(4);
    let e1 = g.add_edge(0, 1, 2, c(&[(0, -1)]));
    g.add_edge(1, 3, 5, ZERO);
    let e2 = g.add_edge(0, 2, 2, c(&[(0, 1)]));
    g.add_edge(2, 3, 5, ZERO);
    let cost = g.run(0, 3);
    assert_eq!(g.flow(e1), 2);
    assert_eq!(g.flow(e2), 0);
    assert_eq!(cost[0], -2);
}

#[test]
fn a_higher_tier_dominates_any_amount_of_a_lower_one() {
    // Two resources, one household unit: tier 0 reward beats tier 1 penalty.
    let mut g = Mcf::new(4);
    g.add_edge(0, 1, 1, c(&[(0, -1), (1, 1000)]));
    g.add_edge(0, 2, 1, c(&[(1, -5)]));
    let a = g.add_edge(1, 3, 1, ZERO);
    let b = g.add_edge(2, 3, 1, ZERO);
    let _ = g.run(0, 3);
    assert_eq!(g.flow(a), 1);
    assert_eq!(g.flow(b), 1);
}

#[test]
fn rerouting_through_a_reverse_arc_finds_the_optimum() {
    // Classic: greedy path must be undone to serve two units.
    // s->x1, s->x2 ; x1->r1, x1->r2 (cheap r1) ; x2->r1 only ; r->t.
    let mut g = Mcf::new(6);
    g.add_edge(0, 1, 1, c(&[(0, -1)]));
    g.add_edge(0, 2, 1, c(&[(0, -1)]));
    g.add_edge(1, 3, 1, ZERO);
    let x1r2 = g.add_edge(1, 4, 1, c(&[(1, 10)]));
    let x2r1 = g.add_edge(2, 3, 1, ZERO);
    g.add_edge(3, 5, 1, ZERO);
    g.add_edge(4, 5, 1, ZERO);
    let cost = g.run(0, 5);
    assert_eq!(cost[0], -2);
    assert_eq!(g.flow(x1r2), 1);
    assert_eq!(g.flow(x2r1), 1);
}

/// A random layered network (topological node order) with costs on a
/// few tiers, as the engine builds them.
fn random_net(seed: u64, big: i64) -> Mcf {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let (a, b) = (rng.random_range(1..8usize), rng.random_range(1..10usize));
    let mut g = Mcf::new(a + b + 2);
    let t = a + b + 1;
    for i in 0..a {
        g.add_edge(
            0,
            1 + i,
            rng.random_range(1..3),
            c(&[(0, -1), (4, -rng.random_range(0..3))]),
        );
        for j in 0..b {
            if rng.random_bool(0.6) {
                let cost = c(&[
                    (2, rng.random_range(-1..=0)),
                    (8, rng.random_range(0..big)),
                    (10, rng.random_range(0..50)),
                ]);
                g.add_edge(1 + i, 1 + a + j, 1, cost);
            }
        }
    }
    for j in 0..b {
        g.add_edge(1 + a + j, t, 1, ZERO);
    }
    g
}

#[test]
fn packing_round_trips_and_preserves_the_order_within_its_bounds() {
    use rand::{Rng, SeedableRng};
    let costs = [c(&[(0, -1)]), c(&[(3, 7), (8, -300_000)]), c(&[(10, 12)])];
    let p = Packing::new(&costs, 50).expect("fits");
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let draw = |rng: &mut rand::rngs::StdRng| {
        c(&[
            (0, rng.random_range(-150..150)),
            (3, rng.random_range(-1000..1000)),
            (8, rng.random_range(-40_000_000..40_000_000)),
            (10, rng.random_range(-1500..1500)),
        ])
    };
    for _ in 0..2000 {
        let (x, y) = (draw(&mut rng), draw(&mut rng));
        assert_eq!(p.unpack(p.pack(&x)), x);
        assert_eq!(p.pack(&x).cmp(&p.pack(&y)), x.cmp(&y), "{x:?} {y:?}");
    }
}

#[test]
fn costs_too_wide_for_an_i128_are_not_packed() {
    let wide = c(&[(0, 1 << 40), (1, 1 << 40), (2, 1 << 40), (3, 1 << 40)]);
    assert!(Packing::new(&[wide], 1000).is_none());
}

#[test]
fn two_tiers_of_modest_size_pack_into_an_i64_and_solve_alike() {
    // Served units and walks in centimetres, as in the plain assignment.
    use rand::{Rng, SeedableRng};
    for seed in 0..100 {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let (a, b) = (rng.random_range(1..6usize), rng.random_range(1..12usize));
        let mut g = Mcf::new(a + b + 2);
        let t = a + b + 1;
        for i in 0..a {
            g.add_edge(0, 1 + i, rng.random_range(1..4), c(&[(4, -1)]));
            for j in 0..b {
                if rng.random_bool(0.7) {
                    g.add_edge(1 + i, 1 + a + j, 1, c(&[(8, rng.random_range(0..30_000))]));
                }
            }
        }
        for j in 0..b {
            g.add_edge(1 + a + j, t, 1, ZERO);
        }
        let p = Packing::new(&g.cost, g.nodes()).expect("fits");
        assert!(p.fits_i64(), "seed {seed}");
        let mut plain = g.clone();
        plain.augment_all(0, t);
        let mut ssp = g.clone();
        let cost = ssp.run_shortest_paths(0, t);
        assert_eq!(ssp.cap, plain.cap, "seed {seed}");
        assert_eq!(ssp.pot, plain.pot, "seed {seed}");
        assert_eq!(cost, plain.total_cost());
        let mut simplex = g.clone();
        simplex.simplex = true;
        assert_eq!(simplex.run(0, t), plain.total_cost(), "seed {seed}");
    }
    let wide = [
        c(&[(0, -1)]),
        c(&[(4, -1)]),
        c(&[(8, 200_000)]),
        c(&[(10, 100_000_000)]),
    ];
    let p = Packing::new(&wide, 30_000).expect("fits an i128");
    assert!(!p.fits_i64());
}

#[test]
fn packed_and_vector_runs_end_in_the_same_flow_and_potentials() {
    for seed in 0..200 {
        for big in [5, 1_000_000] {
            let mut packed = random_net(seed, big);
            packed.batch = seed % 2 == 0;
            let mut plain = packed.clone();
            assert!(Packing::new(&packed.cost, packed.nodes()).is_some());
            let cost = packed.run_shortest_paths(0, packed.nodes() - 1);
            plain.augment_all(0, plain.nodes() - 1);
            assert_eq!(packed.cap, plain.cap, "seed {seed}");
            assert_eq!(packed.pot, plain.pot, "seed {seed}");
            assert_eq!(cost, plain.total_cost());
        }
    }
}
