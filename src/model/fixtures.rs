//! Builders of model values for unit tests, so the tests state only what
//! they are about: `Allocation { assignments: …, ..allocation("s") }`.

use super::{
    Allocation, Assignment, Basis, CoordinateMode, Policy, ResourceKind, Site, SolverInfo, Unserved,
};
use serde_json::Value;
use std::collections::BTreeMap;

/// A site in local metres with no features, `raw` its layout document.
pub fn site(raw: Value) -> Site {
    Site {
        id: None,
        name: None,
        coordinates: CoordinateMode::LocalMeters,
        boundary: None,
        buildings: vec![],
        entrances: vec![],
        gates: vec![],
        walkways: vec![],
        fire_lanes: vec![],
        keep_clear: vec![],
        power_feeds: vec![],
        resources: vec![],
        raw,
    }
}

/// An allocation of `site` with nothing assigned (flow engine, the default
/// policy, seed `seed`, inputs hash `ab`).
pub fn allocation(site: &str) -> Allocation {
    Allocation {
        site: site.into(),
        inputs_sha256: "ab".into(),
        seed: "seed".into(),
        policy: Policy::default(),
        assignments: vec![],
        unserved: vec![],
        lottery: vec![],
        metrics: BTreeMap::new(),
        solver: SolverInfo {
            engine: "flow".into(),
            backend: "combinatorial".into(),
            seconds: 0.0,
            stages: vec![],
        },
        round: None,
        ledger: Default::default(),
        draw_order: None,
        warnings: vec![],
        draw: None,
    }
}

/// `resource` to `household` on `basis`, 10 m away, without a `why` or reason.
pub fn assignment(household: &str, kind: ResourceKind, resource: &str, basis: Basis) -> Assignment {
    Assignment {
        household: household.into(),
        kind,
        resource: resource.into(),
        walk_m: 10.0,
        why: String::new(),
        basis,
        reason: None,
    }
}

/// `household` short of one unit of `kind`, at `waitlist`.
pub fn unserved(household: &str, kind: ResourceKind, waitlist: Option<u32>) -> Unserved {
    Unserved {
        household: household.into(),
        kind,
        units: 1,
        waitlist,
        why: String::new(),
        reason: None,
    }
}
