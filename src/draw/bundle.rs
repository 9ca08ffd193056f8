//! The verification bundle (FORMAT.md §6): one JSON document with
//! everything needed to recompute one allocation.

use crate::model::canonical::canonical_json;
use crate::model::{Allocation, DrawRecord, Household, Problem};
use crate::pipeline::{Inputs, RosterInput};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// `{"layout", "households", "policy", "previous", "draw", "allocation"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    /// The site layout (GeoJSON) as stored.
    pub layout: Value,
    /// The roster: the normalised household records.
    pub households: Value,
    /// The policy as used, every default filled in (with the seed).
    pub policy: Value,
    /// The allocation this one followed, or null.
    #[serde(default)]
    pub previous: Option<Value>,
    /// The draw record (with `revealed`) this allocation revealed, or null.
    #[serde(default)]
    pub draw: Option<DrawRecord>,
    /// The allocation document.
    pub allocation: Value,
}

/// Why a bundle could not be made or read: it breaks a rule of the contract.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BundleError {
    #[error("the bundle is not JSON: {0}")]
    NotJson(String),
    #[error("the bundle is not {{layout, households, policy, previous, draw, allocation}}: {0}")]
    Shape(String),
    #[error("the bundle's `{member}` is not an allocation document: {message}")]
    NotAnAllocation {
        member: &'static str,
        message: String,
    },
    #[error("the bundle's inputs break {} rule(s); first: {}", .0.len(), .0.first().map(|p| p.to_string()).unwrap_or_default())]
    Inputs(Vec<Problem>),
    #[error("the bundle's inputs cannot be allocated: {0}")]
    Solver(String),
}

/// Lowercase hex SHA-256 of a JSON value's canonical form (FORMAT.md §4).
pub fn canonical_sha256(value: &Value) -> String {
    hex::encode(Sha256::digest(canonical_json(value).as_bytes()))
}

/// SHA-256 of an allocation's canonical JSON (`previous_sha256`,
/// `allocation_sha256`).
pub fn allocation_sha256(allocation: &Allocation) -> String {
    canonical_sha256(&to_value(allocation))
}

fn to_value<T: Serialize>(value: &T) -> Value {
    // Plain data with string keys: serialising cannot fail.
    serde_json::to_value(value).unwrap_or(Value::Null)
}

impl Bundle {
    /// The bundle of `allocation`, made from `layout`, the normalised
    /// `households` and the allocation's own (resolved) policy.
    pub fn new(
        layout: &Value,
        households: &[Household],
        previous: Option<&Allocation>,
        draw: Option<&DrawRecord>,
        allocation: &Allocation,
    ) -> Bundle {
        Bundle {
            layout: layout.clone(),
            households: to_value(&households),
            policy: to_value(&allocation.policy),
            previous: previous.map(to_value),
            draw: draw.cloned(),
            allocation: to_value(allocation),
        }
    }

    /// The bundle of an allocation the CLI just made from `inputs`.
    pub fn from_inputs(inputs: &Inputs, allocation: &Allocation) -> Result<Bundle, BundleError> {
        let households = match &inputs.households {
            RosterInput::Json(v) => crate::input::parse_roster_json(v)
                .map(|r| r.households)
                .map_err(|p| BundleError::Inputs(p.0))?,
            RosterInput::Csv(b) => crate::input::parse_roster_csv(b)
                .map(|r| r.households)
                .map_err(|p| BundleError::Inputs(p.0))?,
            RosterInput::File { bytes, sheet } => crate::input::read_roster(
                bytes,
                &crate::input::ReadOptions {
                    sheet: sheet.clone(),
                    charset: None,
                },
            )
            .map(|r| r.households)
            .map_err(|p| BundleError::Inputs(p.0))?,
            RosterInput::Parsed(h) => h.clone(),
        };
        Ok(Bundle::new(
            &inputs.layout,
            &households,
            inputs.previous.as_ref(),
            allocation.draw.as_ref(),
            allocation,
        ))
    }

    /// Reads a bundle; a document of the wrong shape breaks a rule.
    pub fn parse(bytes: &[u8]) -> Result<Bundle, BundleError> {
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| BundleError::NotJson(e.to_string()))?;
        let Value::Object(members) = &value else {
            return Err(BundleError::Shape("it is not a JSON object".into()));
        };
        let missing: Vec<&str> = ["layout", "households", "policy", "allocation"]
            .into_iter()
            .filter(|m| !members.contains_key(*m))
            .collect();
        if !missing.is_empty() {
            return Err(BundleError::Shape(format!(
                "missing {}",
                missing.join(", ")
            )));
        }
        serde_json::from_value(value).map_err(|e| BundleError::Shape(e.to_string()))
    }

    /// The bundle as pretty JSON with a trailing newline.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }

    /// The bundle's allocation, typed.
    pub fn allocation(&self) -> Result<Allocation, BundleError> {
        serde_json::from_value(self.allocation.clone()).map_err(|e| BundleError::NotAnAllocation {
            member: "allocation",
            message: e.to_string(),
        })
    }

    /// The bundle's previous allocation, typed.
    pub fn previous(&self) -> Result<Option<Allocation>, BundleError> {
        match &self.previous {
            None | Some(Value::Null) => Ok(None),
            Some(v) => serde_json::from_value(v.clone()).map(Some).map_err(|e| {
                BundleError::NotAnAllocation {
                    member: "previous",
                    message: e.to_string(),
                }
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_bundle_missing_a_member_or_not_json_breaks_a_rule() {
        assert!(matches!(
            Bundle::parse(b"not json"),
            Err(BundleError::NotJson(_))
        ));
        assert!(matches!(Bundle::parse(b"[1]"), Err(BundleError::Shape(_))));
        let err = Bundle::parse(br#"{"layout": {}, "policy": {}}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the bundle is not {layout, households, policy, previous, draw, allocation}: missing households, allocation"
        );
    }

    #[test]
    fn a_bundle_without_previous_or_draw_reads_them_as_null() {
        let b =
            Bundle::parse(br#"{"layout": {}, "households": [], "policy": {}, "allocation": {}}"#)
                .unwrap();
        assert_eq!((b.previous.clone(), b.draw.clone()), (None, None));
        assert_eq!(b.previous().unwrap(), None);
        assert!(matches!(
            b.allocation(),
            Err(BundleError::NotAnAllocation {
                member: "allocation",
                ..
            })
        ));
    }

    #[test]
    fn the_canonical_hash_ignores_key_order_and_white_space() {
        assert_eq!(
            canonical_sha256(&json!({"b": 1, "a": [1, 2]})),
            canonical_sha256(&serde_json::from_str("{ \"a\" : [1,2], \"b\":1 }").unwrap())
        );
        assert_ne!(
            canonical_sha256(&json!({"a": 1})),
            canonical_sha256(&json!({"a": 2}))
        );
    }
}
