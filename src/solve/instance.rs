//! The optimisation problem of one resource kind, stripped of geometry and
//! I/O: who wants how many units, which resources exist, how far each is.
//! Built by `pipeline`, solved by an engine, explained by `solve::explain`.

use crate::model::{BuildingShare, PriorityClass, ResourceKind, Stability};

/// One household's demand for this kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Demand {
    pub id: String,
    pub building: String,
    /// Row of `Instance::walk`: the household's unit (building, unit).
    pub group: usize,
    /// Units wanted, pins included (FORMAT.md §3 "Demand").
    pub demand: u32,
    /// Place in the kind's draw order (the lottery unless rotation says
    /// otherwise), 0 = drawn first.
    pub lottery_rank: usize,
    /// Holds a disability parking permit (class `accessible`).
    pub permit: bool,
    /// Class `elderly`.
    pub elderly: bool,
    /// EVs owned (class `ev` when > 0); claims at most `min(evs, demand)` charger spaces.
    pub evs: u32,
    /// Resources held before that still exist (empty when stability is
    /// `none`). Under `protect` the engines see them as pins.
    pub incumbents: Vec<usize>,
    /// Preferences best first; each entry is a set of resource indices (an id
    /// gives one, a zone name all of that zone's resources).
    pub preferences: Vec<Vec<usize>>,
    /// Rounds in a row ended unserved (the ledger's `waited`, FORMAT.md §3
    /// "Rounds"); `lottery_rank` is already the kind's draw order.
    pub waited: u32,
}

impl Demand {
    /// Whether the household belongs to a priority class.
    pub fn in_class(&self, class: PriorityClass) -> bool {
        match class {
            PriorityClass::Accessible => self.permit,
            PriorityClass::Elderly => self.elderly,
            PriorityClass::Ev => self.evs > 0,
        }
    }
}

/// One allocatable resource of this kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    pub id: String,
    /// Reserved for permit holders (parking only).
    pub accessible: bool,
    /// Has a charger; reserved for EV owners unless also accessible.
    pub charger: bool,
    pub zone: Option<String>,
}

/// Who a reserved resource is reserved for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    None,
    Permit,
    Ev,
}

impl Slot {
    /// FORMAT.md §3: an accessible space is reserved for permit holders, a
    /// charger space for EV owners; a space that is both counts as accessible.
    pub fn reservation(&self) -> Reservation {
        if self.accessible {
            Reservation::Permit
        } else if self.charger {
            Reservation::Ev
        } else {
            Reservation::None
        }
    }
}

/// The problem of one kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub kind: ResourceKind,
    pub households: Vec<Demand>,
    pub resources: Vec<Slot>,
    /// `walk[group][resource]`: unrounded walking distance in metres.
    pub walk: Vec<Vec<f64>>,
    pub max_walk_m: f64,
    pub priority: Vec<PriorityClass>,
    pub building_share: BuildingShare,
    pub stability: Stability,
    /// `(household, resource)` pairs that hold before everything.
    pub pins: Vec<(usize, usize)>,
}

impl Instance {
    /// Walking distance from household `h` to resource `r`.
    pub fn walk_of(&self, h: usize, r: usize) -> f64 {
        self.walk[self.households[h].group][r]
    }

    /// Eligible: within `max_walk_m`, compared unrounded.
    pub fn eligible(&self, h: usize, r: usize) -> bool {
        self.walk_of(h, r) <= self.max_walk_m
    }
}
