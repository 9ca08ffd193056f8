//! Handing freed heap back to the system after heavy work.
//!
//! glibc's allocator keeps what a request freed in its per-thread arenas for
//! later use: after two large solves on the blocking pool a server would
//! hold a gigabyte it no longer uses. [`release_free_heap`] asks glibc to
//! return free pages (`malloc_trim`); elsewhere it does nothing. It costs a
//! walk over the arenas, so the server calls it once after each heavy
//! request (validate, solve, allocate), not on ordinary ones.

/// Returns the allocator's free pages to the system (glibc only).
pub fn release_free_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only reads and releases the allocator's own free
    // lists; it takes no pointer and may be called from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Resident pages of this process (kB), from /proc.
    fn rss_kb() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .expect("/proc/self/status")
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .expect("VmRSS")
    }

    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn heap_freed_by_a_thread_goes_back_to_the_system() {
        // Many small blocks on another thread (its own arena), then one more
        // kept alive above them; all the others freed. The kept block stops
        // glibc from shrinking the arena's top, so the pages stay resident.
        let before = rss_kb();
        let pin = std::thread::spawn(|| {
            let blocks: Vec<Vec<u8>> = (0..200_000).map(|i| vec![i as u8; 512]).collect();
            let pin = vec![1u8; 512];
            drop(blocks);
            pin
        })
        .join()
        .expect("thread");
        let held = rss_kb().saturating_sub(before);
        release_free_heap();
        let after = rss_kb().saturating_sub(before);
        assert!(held > 50_000, "the thread's arena held only {held} kB");
        assert!(after * 4 < held, "{after} kB still held of {held} kB");
        drop(pin);
    }
}
