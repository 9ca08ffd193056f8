//! A small in-memory cache of rendered stored allocations.
//!
//! Allocations never change once stored, so a rendering keyed by (site,
//! allocation id, format, language) can be served again without touching the
//! database or re-rendering. Bounded by total bytes; the oldest entries go
//! first. Access control is checked before the cache is consulted.

use super::allocations::Rendered;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

/// The key of one rendering.
pub type Key = (String, u64, &'static str, String);

/// A byte-bounded FIFO cache of immutable renderings.
pub struct RenderCache {
    max_bytes: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    bytes: usize,
    order: VecDeque<Key>,
    map: BTreeMap<Key, Arc<Rendered>>,
}

impl RenderCache {
    pub fn new(max_bytes: usize) -> RenderCache {
        RenderCache {
            max_bytes,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn get(&self, key: &Key) -> Option<Arc<Rendered>> {
        self.lock().map.get(key).cloned()
    }

    /// Keeps a rendering unless it alone is larger than the whole cache.
    pub fn put(&self, key: Key, body: Arc<Rendered>) {
        if body.body.len() > self.max_bytes {
            return;
        }
        let mut inner = self.lock();
        if inner.map.contains_key(&key) {
            return;
        }
        while inner.bytes + body.body.len() > self.max_bytes {
            let Some(old) = inner.order.pop_front() else {
                break;
            };
            if let Some(b) = inner.map.remove(&old) {
                inner.bytes -= b.body.len();
            }
        }
        inner.bytes += body.body.len();
        inner.order.push_back(key.clone());
        inner.map.insert(key, body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::allocations::Format;

    fn body(n: usize) -> Arc<Rendered> {
        Arc::new(Rendered {
            format: Format::Json,
            body: vec![0; n].into(),
            filename: None,
        })
    }

    fn key(id: u64) -> Key {
        ("s".into(), id, "json", String::new())
    }

    #[test]
    fn the_oldest_renderings_are_dropped_to_stay_within_the_byte_bound() {
        let cache = RenderCache::new(10);
        cache.put(key(1), body(4));
        cache.put(key(2), body(4));
        cache.put(key(3), body(4));
        assert!(cache.get(&key(1)).is_none());
        assert_eq!(cache.get(&key(2)).map(|b| b.body.len()), Some(4));
        assert!(cache.get(&key(3)).is_some());
        cache.put(key(4), body(11));
        assert!(cache.get(&key(4)).is_none());
    }
}
