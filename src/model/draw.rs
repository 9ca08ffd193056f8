//! Public draw records (FORMAT.md §5): what is committed before the seed
//! exists, and what the reveal adds. Plain data; the rules live in
//! `service::draws`, the beacon arithmetic in `draw::drand`.

use serde::{Deserialize, Serialize};

/// The drand round a draw is committed to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrandRound {
    /// The chain's name; only `quicknet` is supported.
    pub chain: String,
    pub round: u64,
    /// When the round is published, RFC 3339 UTC (derived from the round).
    pub published_at: String,
}

/// Where a draw's seed will come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SeedSource {
    /// The randomness of a future drand round.
    Drand(DrandRound),
    /// How the seed will be drawn by people, in words (e.g. six digits drawn
    /// from a box by two resident representatives before a notary).
    Ceremony(String),
}

/// What the reveal adds to a committed record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revealed {
    pub seed: String,
    /// The drand round's BLS signature (lowercase hex); absent for a ceremony.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// When the seed was entered, RFC 3339 UTC.
    pub revealed_at: String,
    /// The id of the allocation the reveal made.
    pub allocation: u64,
    /// SHA-256 of that allocation's canonical JSON.
    pub allocation_sha256: String,
}

/// A draw record as published. The allocation a draw reveals carries the
/// record as committed (without `revealed`); the stored record gains
/// `revealed` once, at the reveal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawRecord {
    pub site: String,
    pub draw: u64,
    /// RFC 3339 UTC.
    pub committed_at: String,
    pub inputs_sha256: String,
    /// SHA-256 of the previous allocation's canonical JSON, or null.
    pub previous_sha256: Option<String>,
    pub seed_source: SeedSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revealed: Option<Revealed>,
}

impl DrawRecord {
    /// The record as it was committed (without `revealed`).
    pub fn committed(&self) -> DrawRecord {
        DrawRecord {
            revealed: None,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_drand_record_serialises_as_format_section_5_shows() {
        let record = DrawRecord {
            site: "yixinqiao".into(),
            draw: 3,
            committed_at: "2026-12-06T02:00:00Z".into(),
            inputs_sha256: "ab".into(),
            previous_sha256: None,
            seed_source: SeedSource::Drand(DrandRound {
                chain: "quicknet".into(),
                round: 15412345,
                published_at: "2026-12-06T03:00:00Z".into(),
            }),
            revealed: None,
        };
        let v = serde_json::to_value(&record).unwrap();
        assert_eq!(
            v,
            json!({"site": "yixinqiao", "draw": 3, "committed_at": "2026-12-06T02:00:00Z",
                   "inputs_sha256": "ab", "previous_sha256": null,
                   "seed_source": {"drand": {"chain": "quicknet", "round": 15412345,
                                             "published_at": "2026-12-06T03:00:00Z"}}})
        );
        let back: DrawRecord = serde_json::from_value(v).unwrap();
        assert_eq!(back, record);
    }

    #[test]
    fn a_ceremony_record_keeps_its_text_and_gains_revealed() {
        let v = json!({"site": "s", "draw": 1, "committed_at": "2026-01-01T00:00:00Z",
                       "inputs_sha256": "ab", "previous_sha256": "cd",
                       "seed_source": {"ceremony": "six digits from a box"},
                       "revealed": {"seed": "123456", "revealed_at": "2026-01-02T00:00:00Z",
                                    "allocation": 4, "allocation_sha256": "ef"}});
        let record: DrawRecord = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(
            record.seed_source,
            SeedSource::Ceremony("six digits from a box".into())
        );
        assert_eq!(serde_json::to_value(&record).unwrap(), v);
        assert!(record.committed().revealed.is_none());
    }
}
