//! The flow engine against brute force (`oracle`) on tiny random instances.

use super::super::testgen::{same, stages};
use super::super::{oracle, solve, testgen, Engine};
use crate::model::Mechanism;
use proptest::prelude::*;

fn check_against_oracle(seed: u64, shape: testgen::Shape) -> Result<(), TestCaseError> {
    let inst = testgen::instance(seed, shape);
    let want = oracle::optimal(&inst);
    let sol = solve(&inst, Mechanism::Optimal, Engine::Flow)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let got = stages(&sol);
    let want_stages = want.stages.clone();
    prop_assert!(
        same(&got, &want_stages),
        "seed {seed}: flow {got:?} oracle {want_stages:?}\n{inst:#?}\n{:?}",
        sol.assigned
    );
    let mut served = vec![0u32; inst.households.len()];
    for &(h, _) in &sol.assigned {
        served[h] += 1;
    }
    prop_assert_eq!(&served, &want.served, "seed {}", seed);
    prop_assert_eq!(&sol.entitled, &want.entitled, "seed {}", seed);
    let attained = oracle::score_of(&inst, &sol.assigned);
    prop_assert!(
        same(&attained, &want_stages),
        "seed {seed}: attained {attained:?}"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn the_flow_engine_matches_brute_force_on_tiny_instances(seed in any::<u64>()) {
        check_against_oracle(seed, testgen::TINY)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]
    #[test]
    fn the_flow_engine_matches_brute_force_with_seven_households_and_six_resources(seed in any::<u64>()) {
        let shape = testgen::Shape { max_households: 7, max_resources: 6, ..testgen::TINY };
        check_against_oracle(seed, shape)?;
    }
}
