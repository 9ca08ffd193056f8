//! Structured reasons (docs/reasons.md): why a household got a resource, or
//! why it is still short of one, as a stable code with its parameters. The
//! solver builds the reason next to the English `why`; `report::reasons`
//! renders it in Chinese or English; [`Reason::public`] decides, on codes
//! alone, what a viewer or the public may read.

use super::basis::Basis;
use super::policy::PriorityClass;
use serde::{Deserialize, Serialize};

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Where the resource is, seen from the household's unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "place", rename_all = "snake_case")]
pub enum Place {
    /// The household's `preference` (1-based) was met.
    Preference {
        preference: u32,
        walk_m: f64,
        unit: String,
    },
    /// The nearest resource of the kind to the unit (ties within 0.05 m).
    Nearest { walk_m: f64, unit: String },
    /// Any other resource in reach.
    Distance { walk_m: f64, unit: String },
}

/// The household's turn in the kind's draw order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    /// 1-based rank in the draw order (the lottery without rotation).
    pub rank: u32,
    /// Rotation `waited_first`: rounds the household had waited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waited: Option<u32>,
    /// Rotation `tickets`: lottery tickets the household held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tickets: Option<u32>,
    /// Serial dictatorship: households chose in this order.
    #[serde(default, skip_serializing_if = "is_false")]
    pub turn_order: bool,
}

/// The household's previous resource, pinned by the policy to another one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LostToPin {
    pub resource: String,
    pub to: String,
}

/// Who holds the resources an unserved household could have had.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taken {
    /// By households earlier in the draw order.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub earlier: u32,
    /// By households of a higher priority class.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub priority: u32,
    /// Reserved for a class (permit, EV) and given to it.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reserved: u32,
    /// Kept by their previous holders.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub kept: u32,
    /// Taken in trade-up swaps.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub swapped: u32,
    /// Pinned by the policy.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pinned: u32,
    /// Already held by this household.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub own: u32,
    /// By households drawn later (more units served, or building shares).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub later: u32,
    /// Free but not open to this household.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub free: u32,
    /// By other households: the public view's sum of `earlier`,
    /// `priority`, `reserved`, `swapped` and `later`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub other: u32,
}

/// A resource given in draw order: the household's turn, where the resource
/// is, and any previous one lost to a pin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drawn {
    #[serde(flatten)]
    pub turn: Turn,
    #[serde(flatten)]
    pub place: Place,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lost: Vec<LostToPin>,
}

/// Why a household holds a resource, or is short of one (docs/reasons.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    /// Pinned by the policy, with the pin's own `reason` as `note`.
    Pin {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        #[serde(flatten)]
        place: Place,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        lost: Vec<LostToPin>,
    },
    /// A `trade_up` swap: took `resource` from `from` in `cycle`.
    Swap {
        resource: String,
        from: String,
        cycle: Vec<String>,
        #[serde(flatten)]
        place: Place,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        lost: Vec<LostToPin>,
    },
    /// Kept from the previous allocation under `stability: protect`.
    IncumbentProtected {
        #[serde(flatten)]
        place: Place,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        lost: Vec<LostToPin>,
    },
    /// Kept from the previous allocation.
    IncumbentKept {
        #[serde(flatten)]
        place: Place,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        lost: Vec<LostToPin>,
    },
    /// An accessible space given to a disability permit holder.
    ReservedAccessible {
        #[serde(flatten)]
        place: Place,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        lost: Vec<LostToPin>,
    },
    /// A charger space given to an EV owner.
    ReservedEv {
        #[serde(flatten)]
        place: Place,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        lost: Vec<LostToPin>,
    },
    /// Served in a priority class, then in draw order.
    Priority {
        class: PriorityClass,
        #[serde(flatten)]
        drawn: Drawn,
    },
    /// Served in draw order.
    Lottery {
        #[serde(flatten)]
        drawn: Drawn,
    },
    /// Public counterpart of every basis that rests on roster fields.
    Allocated {
        #[serde(flatten)]
        place: Place,
    },
    /// Unserved: nothing of the kind within `max_walk_m` of the unit.
    OutOfReach {
        max_walk_m: f64,
        unit: String,
        nearest_m: f64,
    },
    /// Unserved: the site has no resource of the kind.
    NoneOnSite {},
    /// Unserved: all `eligible` resources in reach are taken, as counted.
    AllTaken {
        eligible: u32,
        max_walk_m: f64,
        unit: String,
        taken: Taken,
        /// The draw order is a rotation, not the plain lottery.
        #[serde(default, skip_serializing_if = "is_false")]
        rotation: bool,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        lost: Vec<LostToPin>,
    },
}

impl Reason {
    /// The stable code, as written in the JSON.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Pin { .. } => "pin",
            Reason::Swap { .. } => "swap",
            Reason::IncumbentProtected { .. } => "incumbent_protected",
            Reason::IncumbentKept { .. } => "incumbent_kept",
            Reason::ReservedAccessible { .. } => "reserved_accessible",
            Reason::ReservedEv { .. } => "reserved_ev",
            Reason::Priority { .. } => "priority",
            Reason::Lottery { .. } => "lottery",
            Reason::Allocated { .. } => "allocated",
            Reason::OutOfReach { .. } => "out_of_reach",
            Reason::NoneOnSite {} => "none_on_site",
            Reason::AllTaken { .. } => "all_taken",
        }
    }

    /// The reason as a viewer or the public may read it (FORMAT.md §5: no
    /// roster field shows): pins lose their note; reserved, priority,
    /// lottery and swap become `allocated`; a met preference becomes a
    /// distance; taken counts that rest on classes, swaps or the draw are
    /// summed into `other`. Idempotent.
    pub fn public(&self) -> Reason {
        let place = |p: &Place| match p {
            Place::Preference { walk_m, unit, .. } => Place::Distance {
                walk_m: *walk_m,
                unit: unit.clone(),
            },
            other => other.clone(),
        };
        match self {
            Reason::Pin { place: p, lost, .. } => Reason::Pin {
                note: None,
                place: place(p),
                lost: lost.clone(),
            },
            Reason::IncumbentProtected { place: p, lost } => Reason::IncumbentProtected {
                place: place(p),
                lost: lost.clone(),
            },
            Reason::IncumbentKept { place: p, lost } => Reason::IncumbentKept {
                place: place(p),
                lost: lost.clone(),
            },
            Reason::Swap { place: p, .. }
            | Reason::ReservedAccessible { place: p, .. }
            | Reason::ReservedEv { place: p, .. }
            | Reason::Priority {
                drawn: Drawn { place: p, .. },
                ..
            }
            | Reason::Lottery {
                drawn: Drawn { place: p, .. },
            }
            | Reason::Allocated { place: p } => Reason::Allocated { place: place(p) },
            Reason::OutOfReach { .. } | Reason::NoneOnSite {} => self.clone(),
            Reason::AllTaken {
                eligible,
                max_walk_m,
                unit,
                taken,
                lost,
                ..
            } => Reason::AllTaken {
                eligible: *eligible,
                max_walk_m: *max_walk_m,
                unit: unit.clone(),
                taken: Taken {
                    kept: taken.kept,
                    pinned: taken.pinned,
                    own: taken.own,
                    free: taken.free,
                    other: taken.other
                        + taken.earlier
                        + taken.priority
                        + taken.reserved
                        + taken.swapped
                        + taken.later,
                    ..Taken::default()
                },
                rotation: false,
                lost: lost.clone(),
            },
        }
    }

    /// The assignment `basis` this reason stands for (FORMAT.md §4).
    pub fn basis(&self) -> Basis {
        match self {
            Reason::Pin { .. } => Basis::Pin,
            Reason::Swap { .. } => Basis::Swap,
            Reason::IncumbentProtected { .. } | Reason::IncumbentKept { .. } => Basis::Incumbent,
            Reason::ReservedAccessible { .. } | Reason::ReservedEv { .. } => Basis::Reserved,
            Reason::Priority { .. } => Basis::Priority,
            Reason::Lottery { .. } => Basis::Lottery,
            Reason::Allocated { .. } => Basis::Allocated,
            Reason::OutOfReach { .. } | Reason::NoneOnSite {} | Reason::AllTaken { .. } => {
                Basis::Unstated
            }
        }
    }

    /// A plain lottery reason (rank only, nothing lost to a pin): the
    /// issue's example, in tests of the JSON and of the texts.
    #[cfg(test)]
    pub fn lottery(rank: u32, place: Place) -> Reason {
        Reason::Lottery {
            drawn: Drawn {
                turn: Turn {
                    rank,
                    waited: None,
                    tickets: None,
                    turn_order: false,
                },
                place,
                lost: vec![],
            },
        }
    }

    /// One sample of every code, every optional parameter set: the list the
    /// catalogue tests walk. The `match` has no wildcard, so a new code does
    /// not compile until it has a sample here.
    pub fn samples() -> Vec<Reason> {
        let place = Place::Preference {
            preference: 8,
            walk_m: 75.5,
            unit: "B3-3".into(),
        };
        let turn = Turn {
            rank: 94,
            waited: Some(17),
            tickets: None,
            turn_order: true,
        };
        let lost = vec![LostToPin {
            resource: "P7".into(),
            to: "B1-1-101".into(),
        }];
        let taken = Taken {
            earlier: 61,
            priority: 62,
            reserved: 63,
            kept: 64,
            swapped: 65,
            pinned: 66,
            own: 67,
            later: 68,
            free: 69,
            other: 70,
        };
        let all = [
            Reason::Pin {
                note: Some("wheelchair user".into()),
                place: place.clone(),
                lost: lost.clone(),
            },
            Reason::Swap {
                resource: "P9".into(),
                from: "B2-1-301".into(),
                cycle: vec!["B3-3-404".into(), "B2-1-301".into()],
                place: place.clone(),
                lost: lost.clone(),
            },
            Reason::IncumbentProtected {
                place: place.clone(),
                lost: lost.clone(),
            },
            Reason::IncumbentKept {
                place: place.clone(),
                lost: lost.clone(),
            },
            Reason::ReservedAccessible {
                place: place.clone(),
                lost: lost.clone(),
            },
            Reason::ReservedEv {
                place: place.clone(),
                lost: lost.clone(),
            },
            Reason::Priority {
                class: PriorityClass::Elderly,
                drawn: Drawn {
                    turn: turn.clone(),
                    place: place.clone(),
                    lost: lost.clone(),
                },
            },
            Reason::Lottery {
                drawn: Drawn {
                    turn: Turn {
                        waited: None,
                        tickets: Some(23),
                        ..turn.clone()
                    },
                    place: place.clone(),
                    lost: lost.clone(),
                },
            },
            Reason::Allocated {
                place: place.clone(),
            },
            Reason::OutOfReach {
                max_walk_m: 250.0,
                unit: "B3-3".into(),
                nearest_m: 312.4,
            },
            Reason::NoneOnSite {},
            Reason::AllTaken {
                eligible: 55,
                max_walk_m: 250.0,
                unit: "B3-3".into(),
                taken,
                rotation: true,
                lost,
            },
        ];
        // Exhaustiveness: every variant above, and no other.
        for r in &all {
            match r {
                Reason::Pin { .. }
                | Reason::Swap { .. }
                | Reason::IncumbentProtected { .. }
                | Reason::IncumbentKept { .. }
                | Reason::ReservedAccessible { .. }
                | Reason::ReservedEv { .. }
                | Reason::Priority { .. }
                | Reason::Lottery { .. }
                | Reason::Allocated { .. }
                | Reason::OutOfReach { .. }
                | Reason::NoneOnSite {}
                | Reason::AllTaken { .. } => {}
            }
        }
        all.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_sample_has_its_own_code_and_reads_back_from_json() {
        let samples = Reason::samples();
        let codes: BTreeSet<&str> = samples.iter().map(Reason::code).collect();
        assert_eq!(codes.len(), samples.len());
        for r in &samples {
            let v = serde_json::to_value(r).unwrap();
            assert_eq!(v["code"], r.code());
            let back: Reason = serde_json::from_value(v).unwrap();
            assert_eq!(&back, r);
        }
    }

    #[test]
    fn the_example_of_the_issue_is_flat_json() {
        let r = Reason::lottery(
            94,
            Place::Nearest {
                walk_m: 75.5,
                unit: "B3-3".into(),
            },
        );
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"code":"lottery","rank":94,"place":"nearest","walk_m":75.5,"unit":"B3-3"}"#
        );
    }

    #[test]
    fn the_public_reason_names_no_class_preference_or_pin_note() {
        for r in Reason::samples() {
            let p = r.public();
            assert_eq!(p.public(), p, "idempotent");
            let text = serde_json::to_string(&p).unwrap();
            for word in [
                "reserved",
                "priority",
                "elderly",
                "accessible",
                "\"ev\"",
                "preference",
                "wheelchair",
                "lottery",
                "swap",
                "earlier",
                "later",
                "rank",
                "tickets",
                "waited",
            ] {
                assert!(!text.contains(word), "{word} in public {text}");
            }
        }
    }

    #[test]
    fn public_counts_keep_the_total() {
        let r = &Reason::samples()[11];
        let sum = |r: &Reason| match r {
            Reason::AllTaken { taken: t, .. } => {
                t.earlier
                    + t.priority
                    + t.reserved
                    + t.kept
                    + t.swapped
                    + t.pinned
                    + t.own
                    + t.later
                    + t.free
                    + t.other
            }
            _ => unreachable!(),
        };
        assert_eq!(sum(r), sum(&r.public()));
    }
}
