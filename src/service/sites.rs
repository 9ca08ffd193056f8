//! Stored sites: creation, reads, and the writes of layout, roster and
//! policy.
//!
//! Every stored revision is kept consistent: the layout valid (with the
//! stored policy's cable limit), every household on an existing entrance,
//! every pin naming an existing household and resource. A write that would
//! break this is [`Rejected`] and changes nothing; a write lands only by
//! compare-and-swap on the revision its precondition matched.

use super::{documents, inputs, Corrupt, Rejected};
use crate::input::{check_pins, parse_policy};
use crate::input::{check_roster_against_site, parse_roster_json, Roster};
use crate::model::Rule;
use crate::model::{Household, Problem, Site};
use crate::pipeline;
use crate::store::{Change, NewSite, PartRevisions, SiteDocuments, SiteState, Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Why a site cannot be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// The layout breaks rules, or its `site.id` cannot be used.
    #[error(transparent)]
    Rejected(#[from] Rejected),
    /// A site with this id exists, or the database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a write of layout, roster or policy was not stored.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// No such site, a lost compare-and-swap, or the database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The precondition names another revision than the site's current one.
    #[error("site `{site}` is at revision {current}; the If-Match header names another")]
    Stale { site: String, current: u64 },
    /// The new document breaks rules, or the site would no longer be consistent.
    #[error(transparent)]
    Rejected(#[from] Rejected),
    /// A caller allowed to change the pins only changed more.
    #[error("only the pins may be changed")]
    PinsOnly,
    #[error(transparent)]
    Corrupt(#[from] Corrupt),
}

/// A stored write and the warnings of what was written.
#[derive(Debug, Clone)]
pub struct Written {
    pub state: SiteState,
    pub warnings: Vec<Problem>,
}

/// A roster upload, in whichever form it came.
#[derive(Debug, Clone)]
pub enum RosterUpload {
    Json(Value),
    /// CSV or tab-separated text (UTF-8, UTF-16, GB18030/GBK, or the
    /// declared `charset`) or an `.xlsx` workbook: the content tells which.
    File {
        bytes: Vec<u8>,
        charset: Option<String>,
        sheet: Option<String>,
    },
}

/// `PATCH /v1/sites/{site}/households` body.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RosterPatch {
    /// Households to add, or to replace by id (roster records, FORMAT.md §2).
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub upsert: Vec<Value>,
    /// Ids of households to remove.
    #[serde(default)]
    pub remove: Vec<String>,
}

/// What a policy write may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyScope {
    Everything,
    PinsOnly,
}

/// The store's `site` path segment: 1–64 of `A–Z a–z 0–9 . _ -`, starting alphanumeric.
pub fn valid_site_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && id.len() <= 64
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn generated_id() -> String {
    let n: u64 = rand::random();
    format!("site-{:012x}", n & 0xffff_ffff_ffff)
}

/// Creates a site from a valid layout; `site.id`, if given, becomes its id.
pub fn create(store: &dyn Store, layout: Value) -> Result<Written, CreateError> {
    let report = inputs::validate(&layout, None);
    if !report.errors.is_empty() {
        return Err(Rejected::layout(report.errors, report.warnings).into());
    }
    let id = match layout.pointer("/site/id") {
        None | Some(Value::Null) => generated_id(),
        Some(Value::String(id)) if valid_site_id(id) => id.clone(),
        Some(other) => {
            return Err(Rejected::new(
                "The site id cannot be used",
                vec![Problem::new(
                    Rule::SiteId,
                    format!("site.id {other} must be 1–64 letters, digits, `.`, `_` or `-`, starting with a letter or digit"),
                )
                .field("site.id")],
            )
            .into())
        }
    };
    let name = layout
        .pointer("/site/name")
        .and_then(Value::as_str)
        .map(str::to_string);
    let state = store.create_site(NewSite { id, name, layout })?;
    Ok(Written {
        state,
        warnings: report.warnings,
    })
}

/// A page of sites after `after`, by id, and the id to continue from.
pub fn list(
    store: &dyn Store,
    after: Option<&str>,
    limit: u32,
) -> Result<(Vec<SiteState>, Option<String>), StoreError> {
    let sites = store.list_sites(after, limit + 1)?;
    Ok(super::page(sites, limit, |s| s.id.clone()))
}

/// Whether the database answers (one read).
pub fn ping(store: &dyn Store) -> Result<(), StoreError> {
    store.list_sites(None, 1).map(|_| ())
}

/// A site's head.
pub fn head(store: &dyn Store, site: &str) -> Result<SiteState, StoreError> {
    store.site(site)
}

/// The documents of a revision (the latest when `None`).
pub fn documents(
    store: &dyn Store,
    site: &str,
    revision: Option<u64>,
) -> Result<SiteDocuments, StoreError> {
    store.documents(site, revision)
}

/// The whole site as it stood at one revision.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RevisionView {
    pub site: String,
    pub revision: u64,
    #[serde(flatten)]
    pub parts: PartRevisions,
    #[schema(value_type = Object)]
    pub layout: Value,
    /// The stored policy as posted (`null`: the defaults).
    #[schema(value_type = Object)]
    pub policy: Option<Value>,
    /// The normalised roster; omitted for viewers (personal data).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Vec<Object>)]
    pub households: Option<Vec<Household>>,
}

/// A whole revision of a site as it stood; its roster only `with_roster`
/// (rosters are personal data: staff and planners).
pub fn revision(
    store: &dyn Store,
    site: &str,
    revision: u64,
    with_roster: bool,
) -> Result<RevisionView, StoreError> {
    let docs = store.documents(site, Some(revision))?;
    Ok(RevisionView {
        site: docs.site,
        revision: docs.revision,
        parts: docs.parts,
        layout: docs.layout,
        policy: docs.policy,
        households: with_roster.then_some(docs.roster),
    })
}

/// The shared path of every write: find the site, check the precondition
/// against its head, build the change from the head's documents, and store
/// it if the head has not moved meanwhile.
fn write(
    store: &dyn Store,
    site: &str,
    matches: &dyn Fn(u64) -> bool,
    build: impl FnOnce(&SiteDocuments) -> Result<(Change, Vec<Problem>), WriteError>,
) -> Result<Written, WriteError> {
    let docs = store.documents(site, None)?;
    if !matches(docs.revision) {
        return Err(WriteError::Stale {
            site: site.to_string(),
            current: docs.revision,
        });
    }
    let (change, warnings) = build(&docs)?;
    let state = store.write(site, docs.revision, change)?;
    Ok(Written { state, warnings })
}

/// Problems of pins against a site and roster, given a policy document.
fn pin_problems(policy: Option<&Value>, site: &Site, roster: &[Household]) -> Vec<Problem> {
    match policy {
        None => Vec::new(),
        Some(v) => match parse_policy(v) {
            Ok(p) => check_pins(&p, site, roster),
            Err(problems) => problems.0,
        },
    }
}

/// Refuses a roster that does not fit the site (unknown entrances) or the
/// stored policy's pins, under `title`.
fn must_fit(
    policy: Option<&Value>,
    site: &Site,
    roster: &[Household],
    title: &'static str,
) -> Result<(), WriteError> {
    let mut problems = check_roster_against_site(roster, site);
    problems.extend(pin_problems(policy, site, roster));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Rejected::new(title, problems).into())
    }
}

/// A write of one part of a stored site, as planners and staff make them:
/// each a new revision, refused whole when the site would break a rule.
#[derive(Debug)]
pub enum Edit {
    /// Replaces the layout: it must be valid under the stored policy, name
    /// no other site, and still fit the stored roster and pins.
    Layout(Value),
    /// Replaces the roster; it must fit the stored layout and pins.
    Roster(Roster),
    /// Removes and upserts households; the result must fit as a whole roster.
    Patch(RosterPatch),
    /// Replaces the policy: it must parse, keep the layout valid (cable
    /// limit) and name existing households and resources in its pins. With
    /// [`PolicyScope::PinsOnly`] only the pins may differ from the stored one.
    Policy(Value, PolicyScope),
}

/// Makes `edit` a new revision of `site`, if its head `matches` the
/// caller's precondition (`If-Match`) and nobody wrote meanwhile.
pub fn edit(
    store: &dyn Store,
    site: &str,
    matches: &dyn Fn(u64) -> bool,
    edit: Edit,
) -> Result<Written, WriteError> {
    write(store, site, matches, move |docs| match edit {
        Edit::Layout(layout) => layout_change(docs, layout),
        Edit::Roster(roster) => roster_change(docs, roster),
        Edit::Patch(patch) => roster_change(docs, apply_patch(&docs.roster, &patch)?),
        Edit::Policy(value, scope) => policy_change(docs, value, scope),
    })
}

/// A new layout ([`Edit::Layout`]).
fn layout_change(
    docs: &SiteDocuments,
    layout: Value,
) -> Result<(Change, Vec<Problem>), WriteError> {
    match layout.pointer("/site/id") {
        None | Some(Value::Null) => {}
        Some(Value::String(id)) if *id == docs.site => {}
        Some(other) => {
            return Err(Rejected::new(
                "The layout names another site",
                vec![Problem::new(
                    Rule::SiteId,
                    format!(
                    "site.id {other} differs from this site's id `{}`; create a new site instead",
                    docs.site
                ),
                )
                .field("site.id")],
            )
            .into())
        }
    }
    let check = pipeline::check_layout(&layout, docs.policy.as_ref());
    let report = check.report();
    if !report.errors.is_empty() {
        return Err(Rejected::layout(report.errors, report.warnings).into());
    }
    let Some(site) = check.site else {
        return Err(Rejected::new("The layout cannot be loaded", Vec::new()).into());
    };
    must_fit(
        docs.policy.as_ref(),
        &site,
        &docs.roster,
        "The new layout does not fit the stored roster or pins",
    )?;
    Ok((Change::Layout(layout), report.warnings))
}

/// Parses an uploaded roster, every bad row listed.
pub fn parse_roster(upload: &RosterUpload) -> Result<Roster, Rejected> {
    match upload {
        RosterUpload::File {
            bytes,
            charset,
            sheet,
        } => crate::input::read_roster(
            bytes,
            &crate::input::ReadOptions {
                sheet: sheet.clone(),
                charset: charset.clone(),
            },
        ),
        RosterUpload::Json(value) => parse_roster_json(value),
    }
    .map_err(|p| Rejected::new("The roster has bad rows", p.0))
}

/// Checks a whole new roster against the stored layout and pins.
fn roster_change(
    docs: &SiteDocuments,
    roster: Roster,
) -> Result<(Change, Vec<Problem>), WriteError> {
    let site = documents::site(docs)?;
    must_fit(
        docs.policy.as_ref(),
        &site,
        &roster.households,
        "The roster does not fit the site or its pins",
    )?;
    Ok((Change::Roster(roster.households), roster.warnings))
}

/// Reads a patch body.
pub fn parse_patch(value: Value) -> Result<RosterPatch, Rejected> {
    serde_json::from_value(value).map_err(|e| {
        Rejected::new(
            "The patch is not `{\"upsert\": [...], \"remove\": [...]}`",
            vec![Problem::new(Rule::PatchShape, e.to_string())],
        )
    })
}

/// Applies a patch to a roster: removals, then upserts by id (a replaced
/// household keeps its place; new ones are appended in the given order).
pub fn apply_patch(current: &[Household], patch: &RosterPatch) -> Result<Roster, Rejected> {
    let mut problems = Vec::new();
    let upserts = parse_roster_json(&Value::Array(patch.upsert.clone())).map_err(|p| {
        Rejected::new(
            "The upserted households have bad rows",
            p.0.into_iter()
                .map(|mut q| {
                    q.field = Some(match q.field.take() {
                        Some(f) => format!("upsert.{f}"),
                        None => "upsert".to_string(),
                    });
                    q
                })
                .collect(),
        )
    })?;
    let upsert_ids: BTreeMap<&str, usize> = upserts
        .households
        .iter()
        .enumerate()
        .map(|(i, h)| (h.id.as_str(), i))
        .collect();
    for (i, id) in patch.remove.iter().enumerate() {
        if !current.iter().any(|h| &h.id == id) {
            problems.push(
                Problem::new(
                    Rule::PatchRemoveUnknown,
                    format!("remove[{i}]: there is no household {id} to remove"),
                )
                .field("remove"),
            );
        }
        if upsert_ids.contains_key(id.as_str()) {
            problems.push(
                Problem::new(
                    Rule::PatchRemoveUpsert,
                    format!("household {id} is both upserted and removed"),
                )
                .field("remove"),
            );
        }
    }
    if !problems.is_empty() {
        return Err(Rejected::new("The patch cannot be applied", problems));
    }
    let mut households: Vec<Household> = current
        .iter()
        .filter(|h| !patch.remove.contains(&h.id))
        .cloned()
        .collect();
    for h in upserts.households {
        match households.iter_mut().find(|old| old.id == h.id) {
            Some(old) => *old = h,
            None => households.push(h),
        }
    }
    Ok(Roster {
        households,
        warnings: upserts.warnings,
    })
}

/// A new policy ([`Edit::Policy`]).
fn policy_change(
    docs: &SiteDocuments,
    value: Value,
    scope: PolicyScope,
) -> Result<(Change, Vec<Problem>), WriteError> {
    let policy = parse_policy(&value).map_err(|p| Rejected::new("The policy is not valid", p.0))?;
    if scope == PolicyScope::PinsOnly {
        let mut before = documents::policy(docs)?;
        let mut after = policy.clone();
        before.pins.clear();
        after.pins.clear();
        if before != after {
            return Err(WriteError::PinsOnly);
        }
    }
    let check = pipeline::check_layout(&docs.layout, Some(&value));
    let site = documents::checked_site(docs, &check)?;
    let mut problems = check.report().errors;
    problems.extend(check_pins(&policy, site, &docs.roster));
    if !problems.is_empty() {
        return Err(Rejected::new("The policy does not fit the site or roster", problems).into());
    }
    Ok((Change::Policy(value), Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn roster(ids: &[&str]) -> Vec<Household> {
        ids.iter().map(|id| Household::new(id, "B1", "1")).collect()
    }

    #[test]
    fn a_patch_removes_replaces_in_place_and_appends() {
        let patch = RosterPatch {
            upsert: vec![
                json!({"id": "H2", "building": "B1", "unit": "2"}),
                json!({"id": "H9", "building": "B1", "unit": "1"}),
            ],
            remove: vec!["H1".into()],
        };
        let out = apply_patch(&roster(&["H1", "H2", "H3"]), &patch).unwrap();
        let ids: Vec<_> = out.households.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["H2", "H3", "H9"]);
        assert_eq!(out.households[0].unit, "2");
    }

    #[test]
    fn a_patch_removing_an_unknown_or_upserted_household_lists_both_problems() {
        let patch = RosterPatch {
            upsert: vec![json!({"id": "H2", "building": "B1", "unit": "2"})],
            remove: vec!["H7".into(), "H2".into()],
        };
        match apply_patch(&roster(&["H1", "H2"]), &patch) {
            Err(Rejected { problems, .. }) => {
                let rules: Vec<_> = problems.iter().map(|p| p.rule.as_str()).collect();
                assert_eq!(rules, ["patch-remove-unknown", "patch-remove-upsert"]);
            }
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn upserted_rows_with_problems_are_named_under_upsert() {
        let patch = RosterPatch {
            upsert: vec![json!({"id": "H2", "building": "B1", "unit": "2", "cars": "two"})],
            remove: Vec::new(),
        };
        let err = apply_patch(&roster(&["H1"]), &patch).unwrap_err();
        assert_eq!(err.title, "The upserted households have bad rows");
        assert!(err
            .problems
            .iter()
            .all(|p| p.field.as_deref().is_some_and(|f| f.starts_with("upsert"))));
    }

    #[test]
    fn site_ids_are_short_url_safe_names() {
        assert!(valid_site_id("yixinqiao-180"));
        assert!(valid_site_id("a.b_c"));
        assert!(!valid_site_id(""));
        assert!(!valid_site_id("-x"));
        assert!(!valid_site_id("a/b"));
        assert!(!valid_site_id(&"x".repeat(65)));
    }
}
