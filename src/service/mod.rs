//! The stored workflow's rules, over any [`Store`](crate::store::Store): what
//! may be written, what a write must still fit, how an allocation is made
//! from the stored documents, what changed between two allocations and where
//! a household stands. No HTTP here: the handlers in `api/` authenticate,
//! read the body, call one function of this layer and map its typed error.
//!
//! One module per resource; the types shared by several of them follow.

pub mod access;
pub mod allocations;
pub mod cache;
pub mod checks;
pub mod diff;
pub mod documents;
pub mod draws;
pub mod history;
pub mod inputs;
pub mod limits;
pub mod rounds;
pub mod sessions;
pub mod sites;

use crate::model::Problem;
use crate::store::StoreError;

/// A well-formed input that breaks rules: every problem found, and the
/// warnings found alongside. Its `Debug` (which the request log records)
/// shows counts and the first problem only, never the whole list.
#[derive(Clone, PartialEq, thiserror::Error)]
#[error("{title}: {} problem(s)", problems.len())]
pub struct Rejected {
    pub title: &'static str,
    pub problems: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

impl Rejected {
    pub fn new(title: &'static str, problems: Vec<Problem>) -> Rejected {
        Rejected {
            title,
            problems,
            warnings: Vec::new(),
        }
    }

    /// A layout with errors, and its warnings.
    pub fn layout(errors: Vec<Problem>, warnings: Vec<Problem>) -> Rejected {
        Rejected {
            title: "The layout breaks the geometry rules",
            problems: errors,
            warnings,
        }
    }
}

impl std::fmt::Debug for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let first = self.problems.first().map(|p| {
            let mut text = p.to_string();
            if text.len() > 300 {
                let mut cut = 300;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text.truncate(cut);
                text.push('…');
            }
            text
        });
        f.debug_struct("Rejected")
            .field("title", &self.title)
            .field("errors", &self.problems.len())
            .field("warnings", &self.warnings.len())
            .field("first", &first)
            .finish()
    }
}

/// One page of a list read with one row more than `limit`: the first
/// `limit` rows, and the key of the last of them when there are more.
pub fn page<T, K>(mut rows: Vec<T>, limit: u32, key: impl Fn(&T) -> K) -> (Vec<T>, Option<K>) {
    let next = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(key)
    } else {
        None
    };
    (rows, next)
}

/// A list's page size when the caller names none.
pub const DEFAULT_PAGE: u32 = 50;
/// The largest page a list read returns.
pub const MAX_PAGE: u32 = 500;

/// A page size outside `1..=MAX_PAGE`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("limit must be between 1 and {MAX_PAGE}, not {0}")]
pub struct BadPageSize(pub u32);

/// The page size of a list read: `limit`, or [`DEFAULT_PAGE`] without one.
pub fn page_size(limit: Option<u32>) -> Result<u32, BadPageSize> {
    match limit {
        None => Ok(DEFAULT_PAGE),
        Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        Some(n) => Err(BadPageSize(n)),
    }
}

/// A stored document that no longer reads: the server's fault, never the caller's.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct Corrupt(pub String);

/// Why reading stored documents failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Corrupt(#[from] Corrupt),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes_outside_one_to_five_hundred_are_refused() {
        assert_eq!(page_size(None), Ok(DEFAULT_PAGE));
        assert_eq!(page_size(Some(500)), Ok(500));
        assert_eq!(page_size(Some(0)), Err(BadPageSize(0)));
        assert_eq!(page_size(Some(501)), Err(BadPageSize(501)));
    }
}

/// Builders for unit tests of the services and their callers.
#[cfg(test)]
pub(crate) mod fixtures {
    use crate::store::{AllocationInputs, AllocationMeta};

    /// Stored allocation `id` of `site`, made at revision 1 with no roster
    /// or policy, with an empty seed and no summary.
    pub fn allocation_meta(site: &str, id: u64) -> AllocationMeta {
        AllocationMeta {
            site: site.into(),
            id,
            created: "2026-12-06T00:00:00Z".into(),
            inputs: AllocationInputs::at_creation(None),
            seed: String::new(),
            summary: serde_json::Value::Null,
        }
    }
}
