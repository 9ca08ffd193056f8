//! The backend-independent half of the store: how records are encoded for
//! and decoded from their columns, how a row becomes a domain value, the
//! checks every write makes and the errors they give. The backends
//! (`sqlite`, `postgres`) keep only their SQL and driver calls; both read
//! rows through [`Cells`] and bind values through [`Param`] (`params`), so
//! a row means the same thing in either.

use super::{
    AllocationInputs, AllocationMeta, AllocationRecord, AllocationRow, Change, DrawInputs, DrawRow,
    NewAllocation, NewDraw, Part, PartRevisions, RevisionRecord, SiteDocuments, SiteState,
    StoreError, StoredDraw,
};
use crate::model::{DrawRecord, Household, Revealed, SeedSource};
use serde::Serialize;
use serde_json::Value;

mod params;

pub(super) use params::{
    committed_draw, draw_params, page_before, reveal_params, site_params, AllocationInsert, Param,
};

/// A site's columns, in the order [`site_state`] reads them.
pub(super) const SITE_COLUMNS: &str = "id, name, revision, layout_revision, roster_revision, policy_revision, households, latest_allocation, created, updated";

/// An allocation's listed columns, in the order [`allocation_meta`] reads them.
pub(super) const ALLOCATION_COLUMNS: &str = "site, id, created, previous, revision, layout_revision, roster_revision, policy_revision, seed, summary";

/// An allocation's columns as export copies them, in the order
/// [`allocation_row`] reads them.
pub(super) const ALLOCATION_ROW_COLUMNS: &str = "id, created, previous, revision, layout_revision, roster_revision, policy_revision, seed, policy, summary, body";

/// A draw's columns (after `site`), in the order [`draw_row`] reads them.
pub(super) const DRAW_COLUMNS: &str = "id, revision, layout_revision, roster_revision, policy_revision, previous, policy, inputs_sha256, previous_sha256, committed_at, seed_source, seed, signature, revealed_at, allocation, allocation_sha256";

/// A revision's columns as export copies them, in the order [`revision_record`] reads them.
pub(super) const REVISION_COLUMNS: &str = "revision, part, created, body";

/// A count or id as the databases store it (a signed 64-bit integer).
pub(super) fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(super) fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// The cells of one result row, read by position, whatever the driver.
pub(super) trait Cells {
    type Error;
    fn text(&self, i: usize) -> Result<String, Self::Error>;
    fn opt_text(&self, i: usize) -> Result<Option<String>, Self::Error>;
    fn int(&self, i: usize) -> Result<i64, Self::Error>;
    fn opt_int(&self, i: usize) -> Result<Option<i64>, Self::Error>;
    fn bytes(&self, i: usize) -> Result<Vec<u8>, Self::Error>;

    fn num(&self, i: usize) -> Result<u64, Self::Error> {
        self.int(i).map(to_u64)
    }

    fn opt_num(&self, i: usize) -> Result<Option<u64>, Self::Error> {
        Ok(self.opt_int(i)?.map(to_u64))
    }
}

/// Reads a row's cells one after another, in the order of its columns, so
/// no reader counts column positions by hand.
struct Cursor<'r, R> {
    row: &'r R,
    next: usize,
}

impl<'r, R: Cells> Cursor<'r, R> {
    fn new(row: &'r R) -> Self {
        Cursor { row, next: 0 }
    }

    fn take<T>(&mut self, read: impl Fn(&R, usize) -> Result<T, R::Error>) -> Result<T, R::Error> {
        self.next += 1;
        read(self.row, self.next - 1)
    }

    fn text(&mut self) -> Result<String, R::Error> {
        self.take(R::text)
    }

    fn opt_text(&mut self) -> Result<Option<String>, R::Error> {
        self.take(R::opt_text)
    }

    fn num(&mut self) -> Result<u64, R::Error> {
        self.take(R::num)
    }

    fn opt_num(&mut self) -> Result<Option<u64>, R::Error> {
        self.take(R::opt_num)
    }

    fn bytes(&mut self) -> Result<Vec<u8>, R::Error> {
        self.take(R::bytes)
    }

    /// `layout_revision, roster_revision, policy_revision`.
    fn parts(&mut self) -> Result<PartRevisions, R::Error> {
        Ok(PartRevisions {
            layout: self.num()?,
            roster: self.opt_num()?,
            policy: self.opt_num()?,
        })
    }

    /// `previous, revision` and the part revisions.
    fn allocation_inputs(&mut self) -> Result<AllocationInputs, R::Error> {
        Ok(AllocationInputs {
            previous: self.opt_num()?,
            revision: self.num()?,
            parts: self.parts()?,
        })
    }

    /// [`ALLOCATION_COLUMNS`], the summary still text ([`with_summary`] parses it).
    fn allocation_meta(&mut self) -> Result<(AllocationMeta, String), R::Error> {
        Ok((
            AllocationMeta {
                site: self.text()?,
                id: self.num()?,
                created: self.text()?,
                inputs: self.allocation_inputs()?,
                seed: self.text()?,
                summary: Value::Null,
            },
            self.text()?,
        ))
    }
}

/// A row of [`SITE_COLUMNS`].
pub(super) fn site_state<R: Cells>(r: &R) -> Result<SiteState, R::Error> {
    let mut c = Cursor::new(r);
    Ok(SiteState {
        id: c.text()?,
        name: c.opt_text()?,
        revision: c.num()?,
        parts: c.parts()?,
        households: c.num()?,
        latest_allocation: c.opt_num()?,
        created: c.text()?,
        updated: c.text()?,
    })
}

/// A row of [`ALLOCATION_COLUMNS`], its summary still text ([`with_summary`] parses it).
pub(super) fn allocation_meta<R: Cells>(r: &R) -> Result<(AllocationMeta, String), R::Error> {
    Cursor::new(r).allocation_meta()
}

pub(super) fn with_summary(
    (mut meta, summary): (AllocationMeta, String),
) -> Result<AllocationMeta, StoreError> {
    meta.summary = serde_json::from_str(&summary)
        .map_err(|e| StoreError::Corrupt(format!("allocation {} summary: {e}", meta.id)))?;
    Ok(meta)
}

/// A row of [`ALLOCATION_COLUMNS`] followed by `policy, body`.
pub(super) fn allocation_record<R: Cells>(r: &R) -> Result<AllocationRecord, StoreError>
where
    StoreError: From<R::Error>,
{
    let mut c = Cursor::new(r);
    let meta = with_summary(c.allocation_meta()?)?;
    let policy = serde_json::from_str(&c.text()?)
        .map_err(|e| StoreError::Corrupt(format!("allocation {} policy: {e}", meta.id)))?;
    Ok(AllocationRecord {
        meta,
        policy,
        body: c.bytes()?,
    })
}

/// A row of [`ALLOCATION_ROW_COLUMNS`], its document still bytes ([`with_body`] reads them).
pub(super) fn allocation_row<R: Cells>(r: &R) -> Result<(AllocationRow, Vec<u8>), R::Error> {
    let mut c = Cursor::new(r);
    Ok((
        AllocationRow {
            id: c.num()?,
            created: c.text()?,
            inputs: c.allocation_inputs()?,
            seed: c.text()?,
            policy: c.text()?,
            summary: c.text()?,
            body: String::new(),
        },
        c.bytes()?,
    ))
}

pub(super) fn with_body(
    (mut row, body): (AllocationRow, Vec<u8>),
) -> Result<AllocationRow, StoreError> {
    row.body = String::from_utf8(body)
        .map_err(|_| StoreError::Corrupt(format!("allocation {} is not UTF-8 text", row.id)))?;
    Ok(row)
}

/// A row of [`REVISION_COLUMNS`], its part still a name ([`with_part`] reads it).
pub(super) fn revision_record<R: Cells>(r: &R) -> Result<(RevisionRecord, String), R::Error> {
    let mut c = Cursor::new(r);
    let revision = c.num()?;
    let part = c.text()?;
    Ok((
        RevisionRecord {
            revision,
            part: Part::Layout,
            created: c.text()?,
            body: c.text()?,
        },
        part,
    ))
}

pub(super) fn with_part(
    (mut record, part): (RevisionRecord, String),
) -> Result<RevisionRecord, StoreError> {
    record.part = match part.as_str() {
        "layout" => Part::Layout,
        "roster" => Part::Roster,
        "policy" => Part::Policy,
        other => return Err(StoreError::Corrupt(format!("unknown part `{other}`"))),
    };
    Ok(record)
}

/// A row of [`DRAW_COLUMNS`], its JSON columns still text.
pub(super) fn draw_row<R: Cells>(r: &R) -> Result<DrawRow, R::Error> {
    let mut c = Cursor::new(r);
    Ok(DrawRow {
        id: c.num()?,
        revision: c.num()?,
        parts: c.parts()?,
        previous: c.opt_num()?,
        policy: c.text()?,
        inputs_sha256: c.text()?,
        previous_sha256: c.opt_text()?,
        committed_at: c.text()?,
        seed_source: c.text()?,
        seed: c.opt_text()?,
        signature: c.opt_text()?,
        revealed_at: c.opt_text()?,
        allocation: c.opt_num()?,
        allocation_sha256: c.opt_text()?,
    })
}

/// A stored draw of `site` from its row: the public record and what it froze.
pub(super) fn stored_draw(site: &str, row: DrawRow) -> Result<StoredDraw, StoreError> {
    let corrupt = |what: &str, e: serde_json::Error| {
        StoreError::Corrupt(format!("site {site} draw {} {what}: {e}", row.id))
    };
    let policy = serde_json::from_str(&row.policy).map_err(|e| corrupt("policy", e))?;
    let seed_source: SeedSource =
        serde_json::from_str(&row.seed_source).map_err(|e| corrupt("seed source", e))?;
    let revealed = match (
        row.seed,
        row.revealed_at,
        row.allocation,
        row.allocation_sha256,
    ) {
        (Some(seed), Some(revealed_at), Some(allocation), Some(allocation_sha256)) => {
            Some(Revealed {
                seed,
                signature: row.signature,
                revealed_at,
                allocation,
                allocation_sha256,
            })
        }
        _ => None,
    };
    Ok(StoredDraw {
        record: DrawRecord {
            site: site.to_string(),
            draw: row.id,
            committed_at: row.committed_at,
            inputs_sha256: row.inputs_sha256,
            previous_sha256: row.previous_sha256,
            seed_source,
            revealed,
        },
        inputs: DrawInputs {
            revision: row.revision,
            parts: row.parts,
            previous: row.previous,
            policy,
        },
    })
}

/// A document as JSON text for its column.
pub(super) fn encode(value: &impl Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A write of one part, encoded for the `sites` and `revisions` tables.
pub(super) struct Write {
    pub part: Part,
    /// The `sites` column naming the part's last revision.
    pub column: &'static str,
    /// The new household count (a roster write only).
    pub households: Option<i64>,
    /// The document text of the new revision.
    pub body: String,
    /// The site's new name (a layout write only; `Some(None)` clears it).
    pub name: Option<Option<String>>,
}

impl Write {
    pub fn new(change: &Change) -> Result<Write, StoreError> {
        let part = change.part();
        Ok(Write {
            part,
            column: match part {
                Part::Layout => "layout_revision",
                Part::Roster => "roster_revision",
                Part::Policy => "policy_revision",
            },
            households: match change {
                Change::Roster(h) => Some(h.len() as i64),
                _ => None,
            },
            body: match change {
                Change::Layout(v) | Change::Policy(v) => encode(v),
                Change::Roster(h) => encode(h),
            }?,
            name: match change {
                Change::Layout(v) => Some(
                    v.pointer("/site/name")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                ),
                _ => None,
            },
        })
    }
}

/// An allocation's JSON columns: its resolved policy and summary.
pub(super) struct AllocationText {
    pub policy: String,
    pub summary: String,
}

impl AllocationText {
    pub fn new(new: &NewAllocation) -> Result<AllocationText, StoreError> {
        Ok(AllocationText {
            policy: encode(&new.policy)?,
            summary: encode(&new.summary)?,
        })
    }
}

/// A draw's JSON columns at its commit: the frozen policy and the seed source.
pub(super) struct DrawText {
    pub policy: String,
    pub seed_source: String,
}

impl DrawText {
    pub fn new(new: &NewDraw) -> Result<DrawText, StoreError> {
        Ok(DrawText {
            policy: encode(&new.inputs.policy)?,
            seed_source: encode(&new.seed_source)?,
        })
    }
}

/// The revision a read of `revision` (the latest when `None`) resolves to.
pub(super) fn resolve_revision(
    site: &str,
    head: &SiteState,
    revision: Option<u64>,
) -> Result<u64, StoreError> {
    match revision {
        None => Ok(head.revision),
        Some(n) if n >= 1 && n <= head.revision => Ok(n),
        Some(n) => Err(StoreError::NoRevision {
            site: site.to_string(),
            revision: n,
        }),
    }
}

fn parse_json(site: &str, revision: u64, body: &str) -> Result<Value, StoreError> {
    serde_json::from_str(body)
        .map_err(|e| StoreError::Corrupt(format!("site {site} revision {revision}: {e}")))
}

/// The documents of `site` at `revision` (resolved already), from
/// `part_at`: the number and text of a part's newest revision at or before it.
pub(super) fn documents<E: From<StoreError>>(
    site: &str,
    revision: u64,
    mut part_at: impl FnMut(Part) -> Result<Option<(u64, String)>, E>,
) -> Result<SiteDocuments, E> {
    let (layout_revision, layout) = part_at(Part::Layout)?
        .ok_or_else(|| StoreError::Corrupt(format!("site {site} has no layout")))?;
    let layout = parse_json(site, layout_revision, &layout)?;
    let (roster_revision, roster) = match part_at(Part::Roster)? {
        Some((n, body)) => {
            let households: Vec<Household> = serde_json::from_str(&body).map_err(|e| {
                StoreError::Corrupt(format!("site {site} roster revision {n}: {e}"))
            })?;
            (Some(n), households)
        }
        None => (None, Vec::new()),
    };
    let (policy_revision, policy) = match part_at(Part::Policy)? {
        Some((n, body)) => (Some(n), Some(parse_json(site, n, &body)?)),
        None => (None, None),
    };
    Ok(SiteDocuments {
        site: site.to_string(),
        revision,
        parts: PartRevisions {
            layout: layout_revision,
            roster: roster_revision,
            policy: policy_revision,
        },
        layout,
        roster,
        policy,
    })
}

/// A new allocation or draw must follow the site's latest allocation.
pub(super) fn check_previous(
    site: &str,
    head: &SiteState,
    previous: Option<u64>,
) -> Result<(), StoreError> {
    if head.latest_allocation == previous {
        Ok(())
    } else {
        Err(StoreError::AllocationRace {
            site: site.to_string(),
            expected: previous,
            current: head.latest_allocation,
        })
    }
}

/// A write based on `expected` when the site is at `current`.
pub(super) fn stale(site: &str, expected: u64, current: u64) -> StoreError {
    StoreError::Stale {
        site: site.to_string(),
        expected,
        current,
    }
}

pub(super) fn no_allocation(site: &str, id: u64) -> StoreError {
    StoreError::NoAllocation {
        site: site.to_string(),
        id,
    }
}

pub(super) fn no_draw(site: &str, id: u64) -> StoreError {
    StoreError::NoDraw {
        site: site.to_string(),
        id,
    }
}

/// A draw is revealed at most once.
pub(super) fn check_unrevealed(site: &str, row: &DrawRow) -> Result<(), StoreError> {
    match row.allocation {
        Some(allocation) => Err(StoreError::AlreadyRevealed {
            site: site.to_string(),
            draw: row.id,
            allocation,
        }),
        None => Ok(()),
    }
}

/// The reveal's compare-and-swap found the draw revealed under its locks:
/// unreachable, refused rather than guessed at.
pub(super) fn changed_during_reveal(site: &str, id: u64) -> StoreError {
    StoreError::Database(format!(
        "draw {id} of site {site} changed during its reveal"
    ))
}

/// How many of `known` migrations a database at version `done` has run.
pub(super) fn migrations_done(done: Option<i64>, known: usize) -> Result<usize, StoreError> {
    let done = usize::try_from(done.unwrap_or(0)).unwrap_or(0);
    if done > known {
        return Err(StoreError::Corrupt(format!(
            "the database has schema version {done}, newer than this program's {known}"
        )));
    }
    Ok(done)
}
