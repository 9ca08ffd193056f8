//! Request and response bodies of the HTTP API (besides the FORMAT.md
//! documents themselves, which pass through as JSON).

use super::error::etag;
use crate::model::Problem;
use crate::store::{AllocationInputs, AllocationMeta, PartRevisions, SiteState};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

/// A stored site's head.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SiteView {
    pub id: String,
    pub name: Option<String>,
    /// The site revision; every write of layout, roster or policy adds one.
    pub revision: u64,
    /// `"<site>-r<revision>"`, to send back in `If-Match`.
    pub etag: String,
    #[serde(flatten)]
    pub parts: PartRevisions,
    /// Households in the current roster.
    pub households: u64,
    pub latest_allocation: Option<u64>,
    pub created: String,
    pub updated: String,
}

impl From<SiteState> for SiteView {
    fn from(s: SiteState) -> Self {
        SiteView {
            etag: etag(&s.id, s.revision),
            id: s.id,
            name: s.name,
            revision: s.revision,
            parts: s.parts,
            households: s.households,
            latest_allocation: s.latest_allocation,
            created: s.created,
            updated: s.updated,
        }
    }
}

/// `POST /v1/sites` answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Created {
    pub id: String,
    pub revision: u64,
    pub etag: String,
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<Problem>,
}

/// Answer to a write: the site's new head and any warnings.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Written {
    #[serde(flatten)]
    pub site: SiteView,
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<Problem>,
}

/// A page of sites.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SitePage {
    pub sites: Vec<SiteView>,
    /// Pass as `after` for the next page; `null` on the last page.
    pub next: Option<String>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SiteListQuery {
    /// The last id of the previous page.
    pub after: Option<String>,
    /// Sites per page, 1–500 (default 50).
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevisionQuery {
    /// A site revision to read instead of the latest.
    pub revision: Option<u64>,
}

/// One stored allocation in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AllocationSummary {
    pub id: u64,
    pub created: String,
    #[serde(flatten)]
    pub inputs: AllocationInputs,
    pub seed: String,
    /// Per kind: demand, supply, served, unserved households.
    #[schema(value_type = Object)]
    pub metrics: Value,
}

impl From<AllocationMeta> for AllocationSummary {
    fn from(m: AllocationMeta) -> Self {
        AllocationSummary {
            id: m.id,
            created: m.created,
            inputs: m.inputs,
            seed: m.seed,
            metrics: m.summary,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AllocationPage {
    pub allocations: Vec<AllocationSummary>,
    /// Pass as `before` for the next (older) page; `null` on the last page.
    pub next: Option<u64>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AllocationListQuery {
    /// Only allocations older than this id.
    pub before: Option<u64>,
    /// Allocations per page, 1–500 (default 50).
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// `json` (default), `csv`, `geojson`, `svg` or `xlsx`; overrides `Accept`.
    pub format: Option<String>,
    /// `zh` or `en`: the language of the `xlsx` sheet names and headers and
    /// of the `svg` labels; overrides `Accept-Language`.
    pub lang: Option<String>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RosterQuery {
    /// The worksheet of an `.xlsx` roster to read (default: the first visible one).
    pub sheet: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Health {
    pub status: String,
    pub version: String,
}
