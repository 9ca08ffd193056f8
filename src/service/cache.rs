//! A small in-memory cache of rendered stored allocations.
//!
//! Allocations never change once stored, so a rendering keyed by (site,
//! allocation id, format, language) can be served again without touching the
//! database or re-rendering. Bounded by total bytes; the oldest entries go
//! first. Access control is checked (by the caller) before the cache is
//! consulted.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

/// The key of one rendering.
pub type Key = (String, u64, &'static str, String);

/// A byte-bounded FIFO cache of immutable renderings (anything that is
/// its bytes).
pub struct RenderCache<V> {
    max_bytes: usize,
    inner: Mutex<Inner<V>>,
}

struct Inner<V> {
    bytes: usize,
    order: VecDeque<Key>,
    map: BTreeMap<Key, Arc<V>>,
}

impl<V: AsRef<[u8]>> RenderCache<V> {
    pub fn new(max_bytes: usize) -> RenderCache<V> {
        RenderCache {
            max_bytes,
            inner: Mutex::new(Inner {
                bytes: 0,
                order: VecDeque::new(),
                map: BTreeMap::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<V>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn get(&self, key: &Key) -> Option<Arc<V>> {
        self.lock().map.get(key).cloned()
    }

    /// Keeps a rendering unless it alone is larger than the whole cache.
    pub fn put(&self, key: Key, body: Arc<V>) {
        let size = body.as_ref().as_ref().len();
        if size > self.max_bytes {
            return;
        }
        let mut inner = self.lock();
        if inner.map.contains_key(&key) {
            return;
        }
        while inner.bytes + size > self.max_bytes {
            let Some(old) = inner.order.pop_front() else {
                break;
            };
            if let Some(b) = inner.map.remove(&old) {
                inner.bytes -= b.as_ref().as_ref().len();
            }
        }
        inner.bytes += size;
        inner.order.push_back(key.clone());
        inner.map.insert(key, body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(n: usize) -> Arc<Vec<u8>> {
        Arc::new(vec![0; n])
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
        assert_eq!(cache.get(&key(2)).map(|b| b.len()), Some(4));
        assert!(cache.get(&key(3)).is_some());
        cache.put(key(4), body(11));
        assert!(cache.get(&key(4)).is_none());
    }
}
