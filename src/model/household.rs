//! A household of the roster, normalised (FORMAT.md §2).

use super::kind::ResourceKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One household with every default filled in. This normalised record is
/// what `inputs_sha256` hashes, so its serialised form is part of the
/// contract: every field is always written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Household {
    pub id: String,
    pub building: String,
    pub unit: String,
    pub floor: Option<i64>,
    pub cars: u32,
    pub evs: u32,
    pub ebikes: u32,
    pub accessible: bool,
    pub elderly: bool,
    pub wants_plot: bool,
    /// Per kind, resource ids or zone names, best first.
    pub preferences: BTreeMap<ResourceKind, Vec<String>>,
    /// Per kind, the resources held now (always a list once normalised).
    pub previous: BTreeMap<ResourceKind, Vec<String>>,
}

impl Household {
    /// A household of a unit with no demand; tests and generators fill the rest.
    pub fn new(id: &str, building: &str, unit: &str) -> Household {
        Household {
            id: id.to_string(),
            building: building.to_string(),
            unit: unit.to_string(),
            floor: None,
            cars: 0,
            evs: 0,
            ebikes: 0,
            accessible: false,
            elderly: false,
            wants_plot: false,
            preferences: BTreeMap::new(),
            previous: BTreeMap::new(),
        }
    }
}
