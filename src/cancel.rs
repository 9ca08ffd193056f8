//! Cooperative cancellation: work that its request has given up on stops.
//!
//! A [`Cancel`] is a shared flag. The HTTP layer makes one per heavy request
//! and sets it when the time limit passes or the client goes away; the work
//! runs inside [`Cancel::scope`], which makes the flag the current thread's
//! ambient one, so geometry validation, walking distances and the solver's
//! loops can ask [`cancelled`] without every signature carrying it. Threads
//! the work spawns take it along with [`current`] and [`Cancel::scope`].
//! Outside any scope nothing is ever cancelled (the CLI, tests).
//!
//! Checks are cheap (a thread-local read and a relaxed atomic load), so the
//! loops ask once per iteration of their outer loops.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A cancellation flag shared between the request and its work.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

/// The work was cancelled before it finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the work was cancelled (its request gave up: time limit or client gone)")]
pub struct Cancelled;

thread_local! {
    static CURRENT: RefCell<Option<Cancel>> = const { RefCell::new(None) };
}

impl Cancel {
    /// A flag not yet set.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Sets the flag: every check from now on answers "cancelled".
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Runs `f` with this flag as the current thread's ambient one (the
    /// previous one is restored afterwards, even if `f` panics).
    pub fn scope<T>(&self, f: impl FnOnce() -> T) -> T {
        struct Restore(Option<Cancel>);
        impl Drop for Restore {
            fn drop(&mut self) {
                let previous = self.0.take();
                CURRENT.with(|c| *c.borrow_mut() = previous);
            }
        }
        let previous = CURRENT.with(|c| c.borrow_mut().replace(self.clone()));
        let _restore = Restore(previous);
        f()
    }
}

/// The current thread's ambient flag, to hand to threads the work spawns.
pub fn current() -> Option<Cancel> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Runs `f` under `cancel` when there is one, else as is.
pub fn scoped<T>(cancel: Option<&Cancel>, f: impl FnOnce() -> T) -> T {
    match cancel {
        Some(c) => c.scope(f),
        None => f(),
    }
}

/// Whether the current work has been cancelled.
pub fn cancelled() -> bool {
    CURRENT.with(|c| c.borrow().as_ref().is_some_and(Cancel::is_cancelled))
}

/// `Err(Cancelled)` once the current work has been cancelled.
pub fn check() -> Result<(), Cancelled> {
    if cancelled() {
        Err(Cancelled)
    } else {
        Ok(())
    }
}

/// Sets its flag when dropped unless [`CancelOnDrop::disarm`]ed: a request
/// future dropped because its client went away cancels its work.
#[derive(Debug)]
pub struct CancelOnDrop(Option<Cancel>);

impl CancelOnDrop {
    pub fn new(cancel: Cancel) -> CancelOnDrop {
        CancelOnDrop(Some(cancel))
    }

    /// The work finished: dropping no longer cancels anything.
    pub fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            c.cancel();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_a_scope_nothing_is_cancelled() {
        assert!(!cancelled());
        assert_eq!(check(), Ok(()));
    }

    #[test]
    fn inside_a_scope_the_flag_is_seen_once_set_and_forgotten_afterwards() {
        let c = Cancel::new();
        c.scope(|| {
            assert!(!cancelled());
            c.cancel();
            assert_eq!(check(), Err(Cancelled));
        });
        assert!(!cancelled(), "the scope ends with the call");
    }

    #[test]
    fn a_spawned_thread_sees_the_flag_it_was_handed() {
        let c = Cancel::new();
        c.cancel();
        let seen = c.scope(|| {
            let handed = current();
            std::thread::spawn(move || scoped(handed.as_ref(), cancelled))
                .join()
                .unwrap()
        });
        assert!(seen);
    }

    #[test]
    fn a_dropped_guard_cancels_and_a_disarmed_one_does_not() {
        let (a, b) = (Cancel::new(), Cancel::new());
        drop(CancelOnDrop::new(a.clone()));
        CancelOnDrop::new(b.clone()).disarm();
        assert!(a.is_cancelled());
        assert!(!b.is_cancelled());
    }
}
