//! The write side of [`super`]: the values a statement binds, in the
//! order of the columns it names, for either backend.

use super::{to_i64, AllocationText, DrawText};
use crate::store::{
    AllocationInputs, AllocationRow, DrawReveal, DrawRow, NewAllocation, NewDraw, Page,
    PartRevisions, SiteState,
};

/// A page's `before` bound as a column value (no bound: past every id).
pub(in crate::store) fn page_before(page: Page) -> i64 {
    page.before.map(to_i64).unwrap_or(i64::MAX)
}

/// A value for a statement's parameter, whatever the driver: the write-side
/// counterpart of [`Cells`](super::Cells). Each backend binds it as the inner value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(in crate::store) enum Param<'a> {
    Int(Option<i64>),
    Text(Option<&'a str>),
    Bytes(&'a [u8]),
}

impl From<u64> for Param<'_> {
    fn from(n: u64) -> Self {
        Param::Int(Some(to_i64(n)))
    }
}

impl From<Option<u64>> for Param<'_> {
    fn from(n: Option<u64>) -> Self {
        Param::Int(n.map(to_i64))
    }
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(s: &'a str) -> Self {
        Param::Text(Some(s))
    }
}

impl<'a> From<&'a String> for Param<'a> {
    fn from(s: &'a String) -> Self {
        Param::Text(Some(s))
    }
}

impl<'a> From<&'a Option<String>> for Param<'a> {
    fn from(s: &'a Option<String>) -> Self {
        Param::Text(s.as_deref())
    }
}

impl PartRevisions {
    /// The values of `layout_revision, roster_revision, policy_revision`.
    fn params(&self) -> [Param<'static>; 3] {
        [self.layout.into(), self.roster.into(), self.policy.into()]
    }
}

impl AllocationInputs {
    /// The values of `previous, revision` and the part revisions.
    fn params(&self) -> [Param<'static>; 5] {
        let [layout, roster, policy] = self.parts.params();
        [
            self.previous.into(),
            self.revision.into(),
            layout,
            roster,
            policy,
        ]
    }
}

/// The values of a `sites` row, in [`SITE_COLUMNS`](super::SITE_COLUMNS) order.
pub(in crate::store) fn site_params(s: &SiteState) -> Vec<Param<'_>> {
    let [layout, roster, policy] = s.parts.params();
    vec![
        (&s.id).into(),
        (&s.name).into(),
        s.revision.into(),
        layout,
        roster,
        policy,
        s.households.into(),
        s.latest_allocation.into(),
        (&s.created).into(),
        (&s.updated).into(),
    ]
}

/// An `allocations` row to insert, from a new allocation or an exported one.
pub(in crate::store) struct AllocationInsert<'a> {
    pub id: u64,
    /// `None`: the database's time now.
    pub created: Option<&'a str>,
    pub inputs: AllocationInputs,
    pub seed: &'a str,
    pub policy: &'a str,
    pub summary: &'a str,
    pub body: &'a [u8],
}

impl<'a> AllocationInsert<'a> {
    pub fn new(id: u64, new: &'a NewAllocation, text: &'a AllocationText) -> Self {
        AllocationInsert {
            id,
            created: None,
            inputs: new.inputs,
            seed: &new.seed,
            policy: &text.policy,
            summary: &text.summary,
            body: &new.body,
        }
    }

    pub fn copy(row: &'a AllocationRow) -> Self {
        AllocationInsert {
            id: row.id,
            created: Some(&row.created),
            inputs: row.inputs,
            seed: &row.seed,
            policy: &row.policy,
            summary: &row.summary,
            body: row.body.as_bytes(),
        }
    }

    /// The values of `site` and [`ALLOCATION_ROW_COLUMNS`](super::ALLOCATION_ROW_COLUMNS), in order.
    pub fn params(&self, site: &'a str) -> Vec<Param<'a>> {
        let [previous, revision, layout, roster, policy] = self.inputs.params();
        vec![
            site.into(),
            self.id.into(),
            Param::Text(self.created),
            previous,
            revision,
            layout,
            roster,
            policy,
            self.seed.into(),
            self.policy.into(),
            self.summary.into(),
            Param::Bytes(self.body),
        ]
    }
}

/// The `draws` row of a draw just committed as `id`: not revealed.
pub(in crate::store) fn committed_draw(id: u64, new: &NewDraw, text: &DrawText) -> DrawRow {
    DrawRow {
        id,
        revision: new.inputs.revision,
        parts: new.inputs.parts,
        previous: new.inputs.previous,
        policy: text.policy.clone(),
        inputs_sha256: new.inputs_sha256.clone(),
        previous_sha256: new.previous_sha256.clone(),
        committed_at: new.committed_at.clone(),
        seed_source: text.seed_source.clone(),
        seed: None,
        signature: None,
        revealed_at: None,
        allocation: None,
        allocation_sha256: None,
    }
}

/// The values of `site` and [`DRAW_COLUMNS`](super::DRAW_COLUMNS), in order.
pub(in crate::store) fn draw_params<'a>(site: &'a str, d: &'a DrawRow) -> Vec<Param<'a>> {
    let [layout, roster, policy] = d.parts.params();
    vec![
        site.into(),
        d.id.into(),
        d.revision.into(),
        layout,
        roster,
        policy,
        d.previous.into(),
        (&d.policy).into(),
        (&d.inputs_sha256).into(),
        (&d.previous_sha256).into(),
        (&d.committed_at).into(),
        (&d.seed_source).into(),
        (&d.seed).into(),
        (&d.signature).into(),
        (&d.revealed_at).into(),
        d.allocation.into(),
        (&d.allocation_sha256).into(),
    ]
}

/// The values of a reveal's update: `seed, signature, revealed_at,
/// allocation, allocation_sha256`, then the row's `site, id`.
pub(in crate::store) fn reveal_params<'a>(
    site: &'a str,
    reveal: &'a DrawReveal,
    allocation: u64,
) -> Vec<Param<'a>> {
    vec![
        (&reveal.seed).into(),
        (&reveal.signature).into(),
        (&reveal.revealed_at).into(),
        allocation.into(),
        (&reveal.allocation_sha256).into(),
        site.into(),
        reveal.draw.into(),
    ]
}
