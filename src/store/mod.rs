//! Persistence of sites, revisions and allocations. The only layer that knows the database.
//!
//! [`Store`] is the interface the HTTP layer talks to; [`sqlite::SqliteStore`]
//! is the embedded implementation (one file, nothing to install). A
//! PostgreSQL implementation for several servers sharing one database would
//! implement the same trait: every write below is a compare-and-swap on the
//! site's revision (`UPDATE … WHERE revision = expected`), which is correct
//! across processes, not only inside one.
//!
//! Invariants every implementation keeps:
//! - a site has one revision counter; every write of its layout, roster or
//!   policy increments it by one and records the new document under that
//!   number, so any older revision can be read back whole;
//! - a write names the revision it was based on and fails with
//!   [`StoreError::Stale`] (changing nothing) when the site has moved on;
//! - allocations are append-only rows that are never updated; each names the
//!   revisions it was computed from and the allocation it took as `previous`;
//! - draws (FORMAT.md §5) are append-only rows too: a commit freezes the
//!   revisions, the policy and the previous allocation; the one change a
//!   draw ever gets is its reveal, a compare-and-swap from "not revealed"
//!   that also appends the allocation it made, in the same transaction.

pub mod postgres;
mod record;
pub mod sqlite;
pub mod transfer;

use crate::model::{DrawRecord, Household, SeedSource};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// Opens the store a `--db` / `ALLOT_DB` value names: a `postgres://` or
/// `postgresql://` URL is a PostgreSQL database ([`PgStore`]), anything else
/// a SQLite file ([`SqliteStore`], created if missing). Both migrate the
/// schema to this program's version.
pub fn open(location: &str) -> Result<Arc<dyn Store>, StoreError> {
    if postgres::is_url(location) {
        Ok(Arc::new(PgStore::open(location)?))
    } else {
        Ok(Arc::new(SqliteStore::open(std::path::Path::new(location))?))
    }
}

/// A `--db` value fit for logs: a URL's password is hidden.
pub fn describe(location: &str) -> String {
    if postgres::is_url(location) {
        postgres::redact(location)
    } else {
        location.to_string()
    }
}

/// What went wrong in the store. Only [`StoreError::Database`] is a fault of
/// the server; the others are answers about the data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no site `{0}`")]
    NoSite(String),
    #[error("site `{site}` has no revision {revision}")]
    NoRevision { site: String, revision: u64 },
    #[error("site `{site}` has no allocation {id}")]
    NoAllocation { site: String, id: u64 },
    /// Optimistic concurrency: the write was based on an older revision.
    #[error("site `{site}` is at revision {current}, not {expected}")]
    Stale {
        site: String,
        expected: u64,
        current: u64,
    },
    /// A site with this id exists already.
    #[error("a site `{0}` exists already")]
    SiteExists(String),
    /// Another allocation of the site was stored since the caller read the latest one.
    #[error(
        "site `{site}` got allocation {current:?} since this one was started from {expected:?}"
    )]
    AllocationRace {
        site: String,
        expected: Option<u64>,
        current: Option<u64>,
    },
    #[error("site `{site}` has no draw {id}")]
    NoDraw { site: String, id: u64 },
    /// The draw was revealed already (a draw is revealed at most once).
    #[error("draw {draw} of site `{site}` was revealed already (allocation {allocation})")]
    AlreadyRevealed {
        site: String,
        draw: u64,
        allocation: u64,
    },
    /// The database is busy beyond the wait limit (another process holds the write lock).
    #[error("the database is busy: {0}")]
    Busy(String),
    /// The database server cannot be reached (connection lost or refused);
    /// the pool reconnects on the next request.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// A stored document could not be read back (written by another version?).
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(String),
}

/// One part of a site that a write replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Layout,
    Roster,
    Policy,
}

impl Part {
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Layout => "layout",
            Part::Roster => "roster",
            Part::Policy => "policy",
        }
    }
}

/// A write of one part; the documents are already validated by the caller.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Layout(Value),
    /// The normalised households.
    Roster(Vec<Household>),
    /// The policy as posted (defaults not filled in, so later defaults apply).
    Policy(Value),
}

impl Change {
    pub fn part(&self) -> Part {
        match self {
            Change::Layout(_) => Part::Layout,
            Change::Roster(_) => Part::Roster,
            Change::Policy(_) => Part::Policy,
        }
    }
}

/// Which site revision last wrote each part: of a site's head, or of the
/// documents an allocation or draw was computed from.
// Flattened wherever it is serialised: the JSON keeps its three
// `*_revision` fields, in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PartRevisions {
    #[serde(rename = "layout_revision")]
    pub layout: u64,
    /// `null` until a roster is uploaded (the roster is then empty).
    #[serde(rename = "roster_revision")]
    pub roster: Option<u64>,
    /// `null` until a policy is stored (the defaults apply).
    #[serde(rename = "policy_revision")]
    pub policy: Option<u64>,
}

/// A site's head: its revision counter and which revision last wrote each part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteState {
    pub id: String,
    pub name: Option<String>,
    /// The site revision: the number of writes so far (1 after creation).
    pub revision: u64,
    #[serde(flatten)]
    pub parts: PartRevisions,
    /// Households in the current roster.
    pub households: u64,
    pub latest_allocation: Option<u64>,
    /// RFC 3339 UTC timestamps.
    pub created: String,
    pub updated: String,
}

/// A site's documents as they stood at one revision.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteDocuments {
    pub site: String,
    pub revision: u64,
    pub parts: PartRevisions,
    pub layout: Value,
    pub roster: Vec<Household>,
    pub policy: Option<Value>,
}

/// A new site: its id (unique) and first layout.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSite {
    pub id: String,
    pub name: Option<String>,
    pub layout: Value,
}

/// What an allocation was computed from: the site revision, the revision
/// of each part it used, and the allocation it took as `previous`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AllocationInputs {
    /// The allocation taken as `previous`.
    pub previous: Option<u64>,
    pub revision: u64,
    #[serde(flatten)]
    pub parts: PartRevisions,
}

impl AllocationInputs {
    /// The inputs of an allocation made on a site as created: revision 1,
    /// its layout only.
    pub fn at_creation(previous: Option<u64>) -> AllocationInputs {
        AllocationInputs {
            previous,
            revision: 1,
            parts: PartRevisions {
                layout: 1,
                roster: None,
                policy: None,
            },
        }
    }
}

/// An allocation to append. `previous` must be the site's latest allocation
/// at the time of the insert, else [`StoreError::AllocationRace`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewAllocation {
    pub inputs: AllocationInputs,
    /// The policy with every default filled in, as used.
    pub policy: Value,
    pub seed: String,
    /// Headline figures shown in lists (per-kind demand, supply, served).
    pub summary: Value,
    /// The allocation JSON document, byte for byte.
    pub body: Vec<u8>,
}

/// A stored allocation's record without its document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllocationMeta {
    pub site: String,
    pub id: u64,
    pub created: String,
    #[serde(flatten)]
    pub inputs: AllocationInputs,
    pub seed: String,
    pub summary: Value,
}

/// A stored allocation with its resolved policy and document.
#[derive(Debug, Clone, PartialEq)]
pub struct AllocationRecord {
    pub meta: AllocationMeta,
    pub policy: Value,
    pub body: Vec<u8>,
}

/// What a draw froze at its commit: the inputs its reveal allocates from,
/// whatever is written to the site afterwards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrawInputs {
    /// The site revision at the commit.
    pub revision: u64,
    #[serde(flatten)]
    pub parts: PartRevisions,
    /// The site's latest allocation at the commit (the reveal's `previous`).
    pub previous: Option<u64>,
    /// The policy the reveal uses (stored policy with the commit's
    /// overrides, every default filled in, without `seed`).
    pub policy: Value,
}

/// A draw to commit. `inputs.previous` must be the site's latest allocation
/// at the time of the insert, else [`StoreError::AllocationRace`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewDraw {
    pub inputs: DrawInputs,
    pub inputs_sha256: String,
    pub previous_sha256: Option<String>,
    /// RFC 3339 UTC, from the service's clock.
    pub committed_at: String,
    pub seed_source: SeedSource,
}

/// The reveal of a draw and the allocation it made (whose id the store assigns).
#[derive(Debug, Clone, PartialEq)]
pub struct DrawReveal {
    /// The draw's id.
    pub draw: u64,
    pub seed: String,
    pub signature: Option<String>,
    /// RFC 3339 UTC, from the service's clock.
    pub revealed_at: String,
    /// SHA-256 of the allocation document's canonical JSON.
    pub allocation_sha256: String,
    pub allocation: NewAllocation,
}

/// A stored draw: the public record and what it froze.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDraw {
    /// The public record; `revealed` is set once the draw is revealed.
    pub record: DrawRecord,
    pub inputs: DrawInputs,
}

/// One stored revision as written: the part it replaced and its document text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevisionRecord {
    pub revision: u64,
    pub part: Part,
    pub created: String,
    /// The document exactly as stored (JSON text).
    pub body: String,
}

/// One stored allocation as written, every text byte for byte.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllocationRow {
    pub id: u64,
    pub created: String,
    #[serde(flatten)]
    pub inputs: AllocationInputs,
    pub seed: String,
    /// JSON text of the resolved policy.
    pub policy: String,
    /// JSON text of the summary.
    pub summary: String,
    /// The allocation document (JSON text).
    pub body: String,
}

/// One stored draw as written (FORMAT.md §5), JSON columns as text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrawRow {
    pub id: u64,
    pub revision: u64,
    #[serde(flatten)]
    pub parts: PartRevisions,
    pub previous: Option<u64>,
    /// JSON text of the frozen policy.
    pub policy: String,
    pub inputs_sha256: String,
    pub previous_sha256: Option<String>,
    pub committed_at: String,
    /// JSON text of the seed source.
    pub seed_source: String,
    pub seed: Option<String>,
    pub signature: Option<String>,
    pub revealed_at: Option<String>,
    pub allocation: Option<u64>,
    pub allocation_sha256: Option<String>,
}

/// A site's whole history: its head, every revision, allocation and draw.
/// What `allot export` writes and `allot import` / `allot migrate` read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteHistory {
    pub site: SiteState,
    pub revisions: Vec<RevisionRecord>,
    pub allocations: Vec<AllocationRow>,
    #[serde(default)]
    pub draws: Vec<DrawRow>,
}

/// A page of a list kept newest first: the items older than `before` (from
/// the newest when `None`), at most `limit` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub before: Option<u64>,
    pub limit: u32,
}

impl Page {
    /// The newest `limit` items.
    pub fn newest(limit: u32) -> Page {
        Page {
            before: None,
            limit,
        }
    }
}

/// Persistence of sites, their revisions and allocations. Implementations are
/// blocking; the HTTP layer calls them off its async workers.
pub trait Store: Send + Sync + 'static {
    /// Creates a site at revision 1 with its layout.
    fn create_site(&self, new: NewSite) -> Result<SiteState, StoreError>;
    /// Sites ordered by id, those after `after`, at most `limit`.
    fn list_sites(&self, after: Option<&str>, limit: u32) -> Result<Vec<SiteState>, StoreError>;
    fn site(&self, site: &str) -> Result<SiteState, StoreError>;
    /// The documents at `revision` (the latest when `None`).
    fn documents(&self, site: &str, revision: Option<u64>) -> Result<SiteDocuments, StoreError>;
    /// Writes one part if the site is still at `expected`; the new head on success.
    fn write(&self, site: &str, expected: u64, change: Change) -> Result<SiteState, StoreError>;
    fn add_allocation(&self, site: &str, new: NewAllocation) -> Result<AllocationMeta, StoreError>;
    /// Allocations newest first, a page at a time.
    fn allocations(&self, site: &str, page: Page) -> Result<Vec<AllocationMeta>, StoreError>;
    fn allocation(&self, site: &str, id: u64) -> Result<AllocationRecord, StoreError>;
    /// Commits a draw: numbered 1, 2, … per site; the stored record on success.
    fn add_draw(&self, site: &str, new: NewDraw) -> Result<StoredDraw, StoreError>;
    /// Draws newest first, a page at a time.
    fn draws(&self, site: &str, page: Page) -> Result<Vec<StoredDraw>, StoreError>;
    fn draw(&self, site: &str, id: u64) -> Result<StoredDraw, StoreError>;
    /// Reveals a draw once: in one transaction, appends `reveal.allocation`
    /// (its `previous` is the draw's frozen one and is not compared with the
    /// site's latest; the new allocation becomes the latest) and records the
    /// reveal with the new allocation's id. A draw revealed already fails with
    /// [`StoreError::AlreadyRevealed`] and changes nothing.
    fn reveal_draw(
        &self,
        site: &str,
        reveal: DrawReveal,
    ) -> Result<(StoredDraw, AllocationMeta), StoreError>;
    /// The site's whole history, read in one snapshot (for export and migrate).
    fn export_site(&self, site: &str) -> Result<SiteHistory, StoreError>;
    /// Stores a history exported elsewhere, unchanged (timestamps included),
    /// in one transaction; [`StoreError::SiteExists`] when the id is taken.
    /// The caller checks the history first ([`transfer::check_history`]).
    fn import_site(&self, history: &SiteHistory) -> Result<SiteState, StoreError>;
}
