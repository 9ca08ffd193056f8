//! How an assignment's resource was given (FORMAT.md §4 `basis`), written
//! in the JSON as its code.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An assignment's `basis`; serialised as its code (`"pin"`, `"incumbent"`, …).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Given by a pin of the policy.
    Pin,
    /// Kept from the previous allocation.
    Incumbent,
    /// An accessible or charger space given to its class.
    Reserved,
    /// Given by the household's priority class.
    Priority,
    /// Given in the kind's draw order.
    Lottery,
    /// Traded in a `trade_up` cycle.
    Swap,
    /// The public view's basis for every basis that is not public (`report::public`).
    Allocated,
    /// None recorded: an allocation from before `basis` existed (`""`).
    #[default]
    #[serde(rename = "")]
    Unstated,
}

impl Basis {
    /// Every basis, in the order above.
    pub const ALL: [Basis; 8] = [
        Basis::Pin,
        Basis::Incumbent,
        Basis::Reserved,
        Basis::Priority,
        Basis::Lottery,
        Basis::Swap,
        Basis::Allocated,
        Basis::Unstated,
    ];

    /// The code, as written in the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Pin => "pin",
            Basis::Incumbent => "incumbent",
            Basis::Reserved => "reserved",
            Basis::Priority => "priority",
            Basis::Lottery => "lottery",
            Basis::Swap => "swap",
            Basis::Allocated => "allocated",
            Basis::Unstated => "",
        }
    }

    /// The basis of a code, if it is one.
    pub fn from_code(code: &str) -> Option<Basis> {
        Basis::ALL.into_iter().find(|b| b.as_str() == code)
    }

    /// Whether the public may see this basis as it is: it follows from
    /// public documents alone (the policy's pins, the previous allocation).
    pub fn is_public(self) -> bool {
        matches!(self, Basis::Pin | Basis::Incumbent)
    }
}

impl fmt::Display for Basis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_basis_is_written_as_its_code_and_read_back() {
        for b in Basis::ALL {
            let json = serde_json::to_string(&b).unwrap();
            assert_eq!(json, format!("\"{}\"", b.as_str()));
            assert_eq!(serde_json::from_str::<Basis>(&json).unwrap(), b);
            assert_eq!(Basis::from_code(b.as_str()), Some(b));
            assert_eq!(b.to_string(), b.as_str());
        }
        assert_eq!(Basis::from_code("kept"), None);
        assert!(serde_json::from_str::<Basis>("\"kept\"").is_err());
    }
}
