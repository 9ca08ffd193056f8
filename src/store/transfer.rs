//! Moving whole sites between stores: `allot export`, `allot import` and
//! `allot migrate` (SQLite → PostgreSQL, or any store to any other).
//!
//! An export is one site's full history ([`SiteHistory`]): its head, every
//! revision's document text and every allocation's record and document,
//! timestamps included, so an import reads back byte for byte what the
//! source stored. It is checked whole before anything is written, and every
//! problem is listed.

use super::{SiteHistory, SiteState, Store, StoreError};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The `format` of an export file.
pub const FORMAT: &str = "allot-site-history/1";

/// An export file: the format tag, then the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backup {
    pub format: String,
    #[serde(flatten)]
    pub history: SiteHistory,
}

/// Why a transfer failed; nothing was written to the target for the site it names.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the export is not readable: {0}")]
    Unreadable(String),
    #[error("the export of site `{site}` is inconsistent: {}", problems.join("; "))]
    Inconsistent { site: String, problems: Vec<String> },
    #[error("no database file {0}")]
    NoDatabase(String),
    #[error("the target database is not empty (it has site `{first}`); migrate only into an empty database")]
    TargetNotEmpty { first: String },
}

/// What a migration copied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Copied {
    pub sites: u64,
    pub revisions: u64,
    pub allocations: u64,
    pub draws: u64,
}

/// Every way `history` breaks the store's invariants (empty when it is sound):
/// revisions numbered 1… without gaps, the head naming each part's last
/// revision, allocations and draws numbered 1…, each allocation following an
/// earlier one, a draw revealed whole or not at all, every document valid JSON.
pub fn check_history(history: &SiteHistory) -> Vec<String> {
    let mut problems = Vec::new();
    let site = &history.site;
    if site.id.is_empty() {
        problems.push("site.id is empty".to_string());
    }
    for (i, r) in history.revisions.iter().enumerate() {
        let want = i as u64 + 1;
        if r.revision != want {
            problems.push(format!(
                "revisions[{i}] is revision {}, expected {want}",
                r.revision
            ));
        }
        if let Err(e) = serde_json::from_str::<serde_json::Value>(&r.body) {
            problems.push(format!("revision {} body is not JSON: {e}", r.revision));
        }
    }
    if history.revisions.len() as u64 != site.revision {
        problems.push(format!(
            "site.revision is {} but there are {} revisions",
            site.revision,
            history.revisions.len()
        ));
    }
    if history.revisions.first().map(|r| r.part) != Some(super::Part::Layout) {
        problems.push("revision 1 is not a layout".to_string());
    }
    let last_of = |part: super::Part| {
        history
            .revisions
            .iter()
            .rev()
            .find(|r| r.part == part)
            .map(|r| r.revision)
    };
    if last_of(super::Part::Layout) != Some(site.parts.layout) {
        problems.push(format!(
            "site.layout_revision {} is not the last layout revision",
            site.parts.layout
        ));
    }
    if last_of(super::Part::Roster) != site.parts.roster {
        problems.push(format!(
            "site.roster_revision {:?} is not the last roster revision",
            site.parts.roster
        ));
    }
    if last_of(super::Part::Policy) != site.parts.policy {
        problems.push(format!(
            "site.policy_revision {:?} is not the last policy revision",
            site.parts.policy
        ));
    }
    for (i, a) in history.allocations.iter().enumerate() {
        let want = i as u64 + 1;
        if a.id != want {
            problems.push(format!("allocations[{i}] has id {}, expected {want}", a.id));
        }
        // A draw's reveal follows the allocation frozen at its commit,
        // which may be older than the one before.
        if a.inputs.previous.is_some_and(|p| p == 0 || p >= a.id) {
            problems.push(format!(
                "allocation {} has previous {:?}, not an earlier allocation",
                a.id, a.inputs.previous
            ));
        }
        if a.inputs.revision == 0 || a.inputs.revision > site.revision {
            problems.push(format!(
                "allocation {} is of revision {}, which the site does not have",
                a.id, a.inputs.revision
            ));
        }
        for (what, text) in [
            ("policy", &a.policy),
            ("summary", &a.summary),
            ("body", &a.body),
        ] {
            if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
                problems.push(format!("allocation {} {what} is not JSON: {e}", a.id));
            }
        }
    }
    let ids = history.allocations.len() as u64;
    for (i, d) in history.draws.iter().enumerate() {
        let want = i as u64 + 1;
        if d.id != want {
            problems.push(format!("draws[{i}] has id {}, expected {want}", d.id));
        }
        let parts = [
            d.seed.is_some(),
            d.revealed_at.is_some(),
            d.allocation.is_some(),
            d.allocation_sha256.is_some(),
        ];
        if parts.iter().any(|p| *p) && !parts.iter().all(|p| *p) {
            problems.push(format!(
                "draw {} is half revealed (seed, revealed_at, allocation and allocation_sha256 go together)",
                d.id
            ));
        }
        if d.allocation.is_some_and(|a| a == 0 || a > ids) {
            problems.push(format!(
                "draw {} names allocation {:?}, which the site does not have",
                d.id, d.allocation
            ));
        }
        for (what, text) in [("policy", &d.policy), ("seed_source", &d.seed_source)] {
            if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
                problems.push(format!("draw {} {what} is not JSON: {e}", d.id));
            }
        }
    }
    let last = history.allocations.last().map(|a| a.id);
    if last != site.latest_allocation {
        problems.push(format!(
            "site.latest_allocation {:?} is not the last allocation {last:?}",
            site.latest_allocation
        ));
    }
    problems
}

/// Opens a database to read from: unlike [`super::open`], a SQLite file
/// that does not exist is an error rather than created empty.
pub fn open_existing(location: &str) -> Result<Arc<dyn Store>, TransferError> {
    if !super::postgres::is_url(location) && !std::path::Path::new(location).exists() {
        return Err(TransferError::NoDatabase(location.to_string()));
    }
    Ok(super::open(location)?)
}

/// One site's export file (pretty JSON, newline-terminated).
pub fn export(store: &dyn Store, site: &str) -> Result<Vec<u8>, TransferError> {
    let backup = Backup {
        format: FORMAT.to_string(),
        history: store.export_site(site)?,
    };
    let mut bytes =
        serde_json::to_vec_pretty(&backup).map_err(|e| TransferError::Unreadable(e.to_string()))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Reads and checks an export file.
pub fn parse(bytes: &[u8]) -> Result<SiteHistory, TransferError> {
    let backup: Backup =
        serde_json::from_slice(bytes).map_err(|e| TransferError::Unreadable(e.to_string()))?;
    if backup.format != FORMAT {
        return Err(TransferError::Unreadable(format!(
            "format `{}` is not `{FORMAT}`",
            backup.format
        )));
    }
    let problems = check_history(&backup.history);
    if !problems.is_empty() {
        return Err(TransferError::Inconsistent {
            site: backup.history.site.id.clone(),
            problems,
        });
    }
    Ok(backup.history)
}

/// Stores an export file's site; refused (changing nothing) when the site
/// exists in `store` or the file is inconsistent.
pub fn import(store: &dyn Store, bytes: &[u8]) -> Result<SiteState, TransferError> {
    let history = parse(bytes)?;
    Ok(store.import_site(&history)?)
}

/// Copies every site with its whole history from `from` into `to`, which
/// must be empty. Each site is copied in one transaction of the target.
pub fn migrate(from: &dyn Store, to: &dyn Store) -> Result<Copied, TransferError> {
    if let Some(first) = to.list_sites(None, 1)?.into_iter().next() {
        return Err(TransferError::TargetNotEmpty { first: first.id });
    }
    let mut copied = Copied::default();
    let mut after: Option<String> = None;
    loop {
        let page = from.list_sites(after.as_deref(), 100)?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        for site in &page {
            let history = from.export_site(&site.id)?;
            let problems = check_history(&history);
            if !problems.is_empty() {
                return Err(TransferError::Inconsistent {
                    site: site.id.clone(),
                    problems,
                });
            }
            to.import_site(&history)?;
            copied.sites += 1;
            copied.revisions += history.revisions.len() as u64;
            copied.allocations += history.allocations.len() as u64;
            copied.draws += history.draws.len() as u64;
        }
    }
    Ok(copied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{AllocationInputs, AllocationRow, Part, PartRevisions, RevisionRecord};

    fn history() -> SiteHistory {
        let revision = |n: u64, part: Part| RevisionRecord {
            revision: n,
            part,
            created: "2026-01-01T00:00:00.000Z".into(),
            body: "{}".into(),
        };
        let allocation = |id: u64, previous: Option<u64>| AllocationRow {
            id,
            created: "2026-01-01T00:00:00.000Z".into(),
            inputs: AllocationInputs {
                previous,
                revision: 2,
                parts: PartRevisions {
                    layout: 1,
                    roster: Some(2),
                    policy: None,
                },
            },
            seed: "s".into(),
            policy: "{}".into(),
            summary: "{}".into(),
            body: "{\"a\":1}".into(),
        };
        SiteHistory {
            site: SiteState {
                id: "s".into(),
                name: None,
                revision: 2,
                parts: PartRevisions {
                    layout: 1,
                    roster: Some(2),
                    policy: None,
                },
                households: 0,
                latest_allocation: Some(2),
                created: "2026-01-01T00:00:00.000Z".into(),
                updated: "2026-01-01T00:00:00.000Z".into(),
            },
            revisions: vec![revision(1, Part::Layout), revision(2, Part::Roster)],
            allocations: vec![allocation(1, None), allocation(2, Some(1))],
            draws: vec![],
        }
    }

    #[test]
    fn reading_from_a_missing_file_is_refused_without_creating_it() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.db").display().to_string();
        assert!(matches!(
            open_existing(&missing),
            Err(TransferError::NoDatabase(p)) if p == missing
        ));
        assert!(!dir.path().join("nope.db").exists());
    }

    #[test]
    fn a_sound_history_has_no_problems() {
        assert_eq!(check_history(&history()), Vec::<String>::new());
    }

    #[test]
    fn every_broken_invariant_of_a_history_is_listed() {
        let mut h = history();
        h.revisions[1].revision = 3;
        h.allocations[1].inputs.previous = Some(2);
        h.allocations[1].body = "{not json".into();
        h.site.latest_allocation = Some(5);
        let problems = check_history(&h);
        let text = problems.join("\n");
        assert!(text.contains("revisions[1] is revision 3"), "{text}");
        assert!(text.contains("allocation 2 has previous Some(2)"), "{text}");
        assert!(text.contains("allocation 2 body is not JSON"), "{text}");
        assert!(text.contains("site.latest_allocation Some(5)"), "{text}");
        assert!(
            text.contains("site.roster_revision Some(2) is not the last"),
            "{text}"
        );
        assert_eq!(problems.len(), 5, "{text}");
    }

    #[test]
    fn an_export_file_of_another_format_is_refused() {
        let bytes = serde_json::to_vec(&Backup {
            format: "other/9".into(),
            history: history(),
        })
        .unwrap();
        assert!(
            matches!(parse(&bytes), Err(TransferError::Unreadable(m)) if m.contains("other/9"))
        );
        let good = serde_json::to_vec(&Backup {
            format: FORMAT.into(),
            history: history(),
        })
        .unwrap();
        assert_eq!(parse(&good).unwrap(), history());
    }
}
