//! Checks of stored layouts, kept: a stored revision never changes, so the
//! check of (site, layout revision, policy revision) — loading, walking
//! distances, rules — is made once and reused by every view of it.

use crate::geometry::LayoutCheck;
use crate::pipeline;
use crate::store::SiteDocuments;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

type Key = (String, u64, Option<u64>);
/// Keys in insertion order, and the checks.
type Kept = (VecDeque<Key>, BTreeMap<Key, Arc<LayoutCheck>>);

/// A FIFO of at most `capacity` checks of stored layouts.
pub struct LayoutChecks {
    capacity: usize,
    inner: Mutex<Kept>,
}

impl LayoutChecks {
    pub fn new(capacity: usize) -> LayoutChecks {
        LayoutChecks {
            capacity,
            inner: Mutex::new(Default::default()),
        }
    }

    /// The check of these documents' layout under their policy, made now
    /// unless it was made before.
    pub fn of(&self, docs: &SiteDocuments) -> Arc<LayoutCheck> {
        let key = (docs.site.clone(), docs.parts.layout, docs.parts.policy);
        if let Some(hit) = self.lock().1.get(&key) {
            return hit.clone();
        }
        let check = Arc::new(pipeline::check_layout(&docs.layout, docs.policy.as_ref()));
        let mut inner = self.lock();
        if self.capacity > 0 && !inner.1.contains_key(&key) {
            while inner.0.len() >= self.capacity {
                let Some(old) = inner.0.pop_front() else {
                    break;
                };
                inner.1.remove(&old);
            }
            inner.0.push_back(key.clone());
            inner.1.insert(key, check.clone());
        }
        check
    }

    /// How many checks are kept.
    pub fn len(&self) -> usize {
        self.lock().1.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::PartRevisions;
    use serde_json::json;

    fn docs(site: &str, layout_revision: u64) -> SiteDocuments {
        SiteDocuments {
            site: site.into(),
            revision: layout_revision,
            parts: PartRevisions {
                layout: layout_revision,
                roster: None,
                policy: None,
            },
            layout: json!({"type": "FeatureCollection", "coordinates": "local_meters", "features": []}),
            roster: Vec::new(),
            policy: None,
        }
    }

    #[test]
    fn a_stored_layout_is_checked_once_and_the_oldest_check_goes_first() {
        let checks = LayoutChecks::new(2);
        let first = checks.of(&docs("a", 1));
        assert!(Arc::ptr_eq(&first, &checks.of(&docs("a", 1))));
        checks.of(&docs("a", 2));
        checks.of(&docs("b", 1));
        assert_eq!(checks.len(), 2);
        assert!(!Arc::ptr_eq(&first, &checks.of(&docs("a", 1))));
    }
}
