//! Helpers shared by the integration tests.

use allot::model::{Allocation, ResourceKind};
use allot::pipeline::{self, Inputs, Options, RosterInput};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The bytes of `fixtures/<dir>/<name>`, from the crate's root.
pub fn fixture_bytes(dir: &str, name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(dir)
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `fixtures/<dir>/<name>` as JSON (a byte-order mark allowed).
pub fn fixture_json(dir: &str, name: &str) -> Value {
    read_json(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(dir)
            .join(name),
    )
}

pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The inputs of a fixture folder: layout.geojson, households.csv|json, policy.json?
pub fn fixture_inputs(dir: &Path) -> Inputs {
    let csv = dir.join("households.csv");
    let households = if csv.exists() {
        RosterInput::Csv(std::fs::read(&csv).expect("read households.csv"))
    } else {
        RosterInput::Json(read_json(&dir.join("households.json")))
    };
    let policy = dir.join("policy.json");
    Inputs {
        layout: read_json(&dir.join("layout.geojson")),
        households,
        policy: policy.exists().then(|| read_json(&policy)),
        previous: None,
        seed: None,
        round: None,
    }
}

pub fn solve(inputs: &Inputs) -> Allocation {
    pipeline::solve(inputs, &Options::default()).unwrap_or_else(|e| {
        panic!(
            "solve failed: {e}\n{}",
            e.problems()
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

/// Checks the invariants every allocation must meet, whatever the inputs:
/// no resource twice, no household above its demand, every non-pinned walk
/// within `max_walk_m`, metrics consistent with the lists, and every entry
/// with a structured reason whose English is its `why` and whose basis is
/// its code's (docs/reasons.md).
pub fn assert_invariants(a: &Allocation, households: &[allot::model::Household]) {
    assert_reasons_agree(a);
    let mut seen = BTreeSet::new();
    let mut got: BTreeMap<(&str, ResourceKind), u32> = BTreeMap::new();
    let pinned: BTreeSet<(&str, &str)> = a
        .policy
        .pins
        .iter()
        .map(|p| (p.household.as_str(), p.resource.as_str()))
        .collect();
    for x in &a.assignments {
        assert!(
            seen.insert(&x.resource),
            "resource {} assigned twice",
            x.resource
        );
        *got.entry((x.household.as_str(), x.kind)).or_default() += 1;
        let max = a.policy.kind(x.kind).max_walk_m;
        if !pinned.contains(&(x.household.as_str(), x.resource.as_str())) {
            assert!(
                x.walk_m <= max + 0.05,
                "{} walks {} m to {}, over {max}",
                x.household,
                x.walk_m,
                x.resource
            );
        }
        assert!(!x.why.is_empty());
    }
    for h in households {
        for kind in ResourceKind::ALL {
            let demand = h.demand(kind, &a.policy);
            let served = got.get(&(h.id.as_str(), kind)).copied().unwrap_or(0);
            assert!(
                served <= demand,
                "{} holds {served} {kind}, demand {demand}",
                h.id
            );
            let short = a
                .unserved
                .iter()
                .find(|u| u.household == h.id && u.kind == kind)
                .map(|u| u.units)
                .unwrap_or(0);
            assert_eq!(
                served + short,
                demand,
                "{} {kind}: served + unserved = demand",
                h.id
            );
        }
    }
    for (kind, m) in &a.metrics {
        let n = a.assignments.iter().filter(|x| x.kind == *kind).count() as u32;
        assert_eq!(m.served, n, "{kind} served metric");
        assert!(m.served <= m.supply);
        let mut places: Vec<u32> = a
            .unserved
            .iter()
            .filter(|u| u.kind == *kind)
            .filter_map(|u| u.waitlist)
            .collect();
        places.sort_unstable();
        assert_eq!(
            places,
            (1..=places.len() as u32).collect::<Vec<_>>(),
            "{kind} waitlist is 1..n"
        );
    }
}

/// Every assignment and unserved entry has a `reason`; its English
/// rendering is the `why` byte for byte and its basis the assignment's.
pub fn assert_reasons_agree(a: &Allocation) {
    use allot::report::i18n::Lang;
    use allot::report::reasons::{assignment_reason, unserved_reason};
    for x in &a.assignments {
        let r = x
            .reason
            .as_ref()
            .unwrap_or_else(|| panic!("{x:?} has no reason"));
        assert_eq!(assignment_reason(x, Lang::En), x.why, "{r:?}");
        assert_eq!(r.basis(), x.basis, "{r:?}");
    }
    for u in &a.unserved {
        let r = u
            .reason
            .as_ref()
            .unwrap_or_else(|| panic!("{u:?} has no reason"));
        assert_eq!(unserved_reason(u, Lang::En), u.why, "{r:?}");
    }
}
