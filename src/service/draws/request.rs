//! The draw workflow's requests: the JSON bodies as posted, and what the
//! workflow takes from them.

use crate::model::{DrawRecord, Problem, Rule};
use crate::service::Rejected;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where the seed will come from, as staff ask for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedSourceRequest {
    Drand { chain: String, round: u64 },
    Ceremony(String),
}

/// `POST …/draws`: the seed source and optional policy overrides (members
/// replacing the stored policy's, top level).
#[derive(Debug, Clone, PartialEq)]
pub struct CommitRequest {
    pub seed_source: SeedSourceRequest,
    pub policy: Option<Value>,
}

/// `POST …/draws/{draw}/reveal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevealRequest {
    /// The drand round's BLS signature, hex.
    Signature(String),
    /// The seed a ceremony produced.
    Seed(String),
}

impl RevealRequest {
    /// The one of a drand `signature` and a ceremony's `seed` given;
    /// `None` when both or neither are.
    pub fn one_of(signature: Option<String>, seed: Option<String>) -> Option<Self> {
        match (signature, seed) {
            (Some(signature), None) => Some(RevealRequest::Signature(signature)),
            (None, Some(seed)) => Some(RevealRequest::Seed(seed)),
            _ => None,
        }
    }
}

/// `{"drand": {"chain": "quicknet", "round": R}}` or `{"ceremony": "…"}`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SeedSourceBody {
    Drand(DrandBody),
    Ceremony(String),
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrandBody {
    /// Only `quicknet`.
    #[serde(default = "quicknet")]
    pub chain: String,
    pub round: u64,
}

fn quicknet() -> String {
    crate::draw::drand::CHAIN.to_string()
}

/// `POST /v1/sites/{site}/draws`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitBody {
    pub seed_source: SeedSourceBody,
    /// Members replacing the stored policy's for this draw (no `seed`).
    #[schema(value_type = Option<Object>)]
    pub policy: Option<Value>,
}

/// `POST …/reveal`: `{"signature": "hex"}` (drand) or `{"seed": "…"}` (ceremony).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealBody {
    pub signature: Option<String>,
    pub seed: Option<String>,
}

/// A page of draw records.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DrawPage {
    #[schema(value_type = Vec<Object>)]
    pub draws: Vec<DrawRecord>,
    /// Pass as `before` for the next page; null on the last.
    pub next: Option<u64>,
}

/// What a commit body must look like, the title of its shape's problem.
pub const COMMIT_SHAPE: &str = "The request is not {\"seed_source\": {\"drand\": {\"chain\", \"round\"}} or {\"ceremony\": \"…\"}, \"policy\"?: …}";
/// What a reveal body must look like, the title of its shape's problem.
pub const REVEAL_SHAPE: &str = "The request is not {\"signature\": \"hex\"} or {\"seed\": \"…\"}";

impl From<CommitBody> for CommitRequest {
    fn from(body: CommitBody) -> CommitRequest {
        CommitRequest {
            seed_source: match body.seed_source {
                SeedSourceBody::Drand(d) => SeedSourceRequest::Drand {
                    chain: d.chain,
                    round: d.round,
                },
                SeedSourceBody::Ceremony(how) => SeedSourceRequest::Ceremony(how),
            },
            policy: body.policy,
        }
    }
}

impl RevealBody {
    /// The reveal asked for: exactly one of `signature` and `seed`.
    pub fn request(self) -> Result<RevealRequest, Rejected> {
        RevealRequest::one_of(self.signature, self.seed).ok_or_else(|| {
            Rejected::new(
                REVEAL_SHAPE,
                vec![Problem::new(
                    Rule::DrawShape,
                    "give exactly one of `signature` and `seed`",
                )],
            )
        })
    }
}
