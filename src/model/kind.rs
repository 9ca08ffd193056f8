//! The three resource kinds that get allocated.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A kind of allocatable resource (FORMAT.md §1). The declaration order is the
/// order used everywhere output is sorted by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    ParkingSpace,
    ChargingBay,
    GardenPlot,
}

impl ResourceKind {
    /// Every kind, in output order.
    pub const ALL: [ResourceKind; 3] = [
        ResourceKind::ParkingSpace,
        ResourceKind::ChargingBay,
        ResourceKind::GardenPlot,
    ];

    /// The name used in GeoJSON `properties.kind` and in JSON keys.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::ParkingSpace => "parking_space",
            ResourceKind::ChargingBay => "charging_bay",
            ResourceKind::GardenPlot => "garden_plot",
        }
    }

    /// Parses the JSON / GeoJSON name of a kind.
    pub fn parse(name: &str) -> Option<ResourceKind> {
        ResourceKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in ResourceKind::ALL {
            assert_eq!(ResourceKind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.as_str())
            );
        }
        assert_eq!(ResourceKind::parse("bike_rack"), None);
    }
}
