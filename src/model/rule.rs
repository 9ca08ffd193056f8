//! The stable codes of [`Problem::rule`](super::Problem::rule): one variant
//! per rule an input can break, serialised as the code API clients and the
//! CLI see (`R3-overlap`, `roster-type`, `pin-beyond-demand`…). Codes never
//! change; new rules add variants.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

macro_rules! rules {
    ($($(#[$doc:meta])* $variant:ident = $code:literal,)*) => {
        /// A rule an input can break, by its stable code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $($(#[$doc])* $variant,)*
        }

        impl Rule {
            /// Every rule, in declaration order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            /// The stable code.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Rule::$variant => $code,)*
                }
            }

            /// The rule of a code; `None` for a code no rule has.
            pub fn from_code(code: &str) -> Option<Rule> {
                match code {
                    $($code => Some(Rule::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

rules! {
    // The layout as GeoJSON (FORMAT.md §1, `input::layout`).
    /// Not a FeatureCollection, or a member of the wrong shape.
    LayoutJson = "layout-json",
    /// A position that is not a usable coordinate.
    Coordinates = "coordinates",
    /// A `crs` member that cannot be used.
    Crs = "crs",
    /// Not exactly one boundary.
    BoundaryCount = "boundary-count",
    /// Two features sharing an id.
    DuplicateId = "duplicate-id",
    /// A missing or unusable `properties.id`.
    FeatureId = "feature-id",
    /// An unknown `properties.kind`.
    FeatureKind = "feature-kind",
    /// A geometry type the kind does not allow.
    GeometryType = "geometry-type",
    /// A property of the wrong type.
    Property = "property",
    // The geometry rules and warnings (FORMAT.md §1, `geometry::validate`).
    /// Rule 1: every polygon is valid.
    R1ValidPolygon = "R1-valid-polygon",
    /// Rule 2: every resource lies inside the boundary.
    R2InsideBoundary = "R2-inside-boundary",
    /// Rule 3: no two resources overlap.
    R3Overlap = "R3-overlap",
    /// Rule 4: no resource overlaps a building or a forbidden zone.
    R4ForbiddenZone = "R4-forbidden-zone",
    /// Rule 5: parking spaces are large enough.
    R5ParkingSize = "R5-parking-size",
    /// Rule 6: every entrance names a building and lies near it.
    R6Entrance = "R6-entrance",
    /// Rule 7: every charger is within cable reach of a power feed.
    R7ChargerCable = "R7-charger-cable",
    /// Warning: fewer accessible spaces than GB 50763 asks.
    WAccessibleShare = "W-accessible-share",
    /// Warning: a fire lane narrower than 4 m.
    WFireLaneWidth = "W-fire-lane-width",
    /// Warning: a resource nobody can reach within `max_walk_m`.
    WUnreachableByWalk = "W-unreachable-by-walk",
    /// Warning: the walkway network leaves something unreachable.
    WWalkwayNetwork = "W-walkway-network",
    // The roster (FORMAT.md §2, `input::roster`, `input::cross`).
    /// A file or row that cannot be read as a roster.
    RosterFormat = "roster-format",
    /// Warning: the text encoding the roster was read in.
    RosterEncoding = "roster-encoding",
    /// A worksheet that cannot be used (or, as a warning, the one read).
    RosterSheet = "roster-sheet",
    /// Warning: rows of a workbook passed over.
    RosterSkippedRows = "roster-skipped-rows",
    /// A value of the wrong type.
    RosterType = "roster-type",
    /// A number out of range.
    RosterRange = "roster-range",
    /// A required field or column missing.
    RosterRequired = "roster-required",
    /// An id holding control characters.
    RosterIdCharacters = "roster-id-characters",
    /// Warning: a field or column that is not a roster field.
    RosterUnknownField = "roster-unknown-field",
    /// A per-kind key that is not a resource kind.
    RosterUnknownKind = "roster-unknown-kind",
    /// Two households sharing an id.
    RosterDuplicateId = "roster-duplicate-id",
    /// More EVs than cars.
    RosterEvsExceedCars = "roster-evs-exceed-cars",
    /// A building or unit with no entrance in the layout.
    RosterUnknownEntrance = "roster-unknown-entrance",
    /// A preference that names no resource or zone of its kind.
    RosterUnknownPreference = "roster-unknown-preference",
    /// Two households giving the same resource as `previous`.
    RosterPreviousDuplicate = "roster-previous-duplicate",
    // The policy (FORMAT.md §3, `input::policy`).
    /// Not a policy object.
    PolicyFormat = "policy-format",
    /// A value of the wrong type.
    PolicyType = "policy-type",
    /// A number out of range.
    PolicyRange = "policy-range",
    /// A required field missing.
    PolicyRequired = "policy-required",
    /// A value listed twice.
    PolicyDuplicate = "policy-duplicate",
    /// A field the format does not define.
    PolicyUnknownField = "policy-unknown-field",
    /// A value the format does not define.
    PolicyUnknownValue = "policy-unknown-value",
    /// A policy nobody can satisfy (the solver's rule in the message).
    PolicyInfeasible = "policy-infeasible",
    /// A policy document of the wrong shape in a request.
    PolicyShape = "policy-shape",
    // The pins against the layout and roster (FORMAT.md §3 "Pins", `input::cross`).
    /// A pin naming a household not in the roster.
    PinUnknownHousehold = "pin-unknown-household",
    /// A pin naming no resource of the layout.
    PinUnknownResource = "pin-unknown-resource",
    /// A resource pinned more than once.
    PinDuplicateResource = "pin-duplicate-resource",
    /// A household pinned beyond its demand.
    PinBeyondDemand = "pin-beyond-demand",
    // Input limits (`input::limits`).
    /// Too many features.
    LimitFeatures = "limit-features",
    /// Too many vertices in one feature.
    LimitVertices = "limit-vertices",
    /// Too many vertices in all.
    LimitTotalVertices = "limit-total-vertices",
    /// Too many roster rows.
    LimitRosterRows = "limit-roster-rows",
    /// Too many roster columns.
    LimitColumns = "limit-columns",
    /// An id too long.
    LimitIdLength = "limit-id-length",
    // Requests of the API and the stored workflow.
    /// A create-allocation body of the wrong shape.
    AllocateShape = "allocate-shape",
    /// A stateless solve body of the wrong shape.
    SolveShape = "solve-shape",
    /// A previous allocation of the wrong shape.
    PreviousShape = "previous-shape",
    /// A draw body of the wrong shape.
    DrawShape = "draw-shape",
    /// A roster patch of the wrong shape.
    PatchShape = "patch-shape",
    /// A roster patch removing an unknown household.
    PatchRemoveUnknown = "patch-remove-unknown",
    /// A roster patch removing and upserting the same household.
    PatchRemoveUpsert = "patch-remove-upsert",
    /// A site id that cannot be used.
    SiteId = "site-id",
    /// A simulation request that cannot be run.
    Simulate = "simulate",
    /// A simulation's number of rounds out of range.
    SimulateRounds = "simulate-rounds",
    // Public draws (FORMAT.md §5).
    /// A seed that cannot be used.
    DrawSeed = "draw-seed",
    /// A policy that a draw cannot use.
    DrawPolicy = "draw-policy",
    /// A ceremony that cannot be used.
    DrawCeremony = "draw-ceremony",
    /// A reveal body of the wrong shape.
    DrawRevealShape = "draw-reveal-shape",
    /// A drand chain that is not the one committed to.
    DrandChain = "drand-chain",
    /// A drand round that cannot be used.
    DrandRound = "drand-round",
    /// A drand round not yet published.
    DrandRoundTooSoon = "drand-round-too-soon",
    /// A drand signature that does not verify.
    DrandSignature = "drand-signature",
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Rule, D::Error> {
        let code = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Rule::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown rule code \"{code}\"")))
    }
}

impl PartialEq<str> for Rule {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Rule {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Rule {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_rule_serialises_as_its_code_and_reads_back() {
        for &rule in Rule::ALL {
            let json = serde_json::to_string(&rule).unwrap();
            assert_eq!(json, format!("\"{}\"", rule.as_str()));
            assert_eq!(serde_json::from_str::<Rule>(&json).unwrap(), rule);
            assert_eq!(rule.to_string(), rule.as_str());
        }
    }

    #[test]
    fn no_two_rules_share_a_code() {
        let codes: BTreeSet<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(codes.len(), Rule::ALL.len());
    }

    #[test]
    fn a_code_no_rule_has_does_not_read() {
        assert_eq!(Rule::from_code("R3-overlap"), Some(Rule::R3Overlap));
        assert_eq!(Rule::from_code("r3-overlap"), None);
        assert!(serde_json::from_str::<Rule>("\"no-such-rule\"").is_err());
    }
}
