//! What one request may cost: the input limits (`service::limits`, checked
//! on the raw body before anything is parsed, 422 naming the limit) and the
//! bound on heavy requests running at once (validate, solve, allocate: a
//! semaphore; a request waits its turn for a while, then gets 503 with
//! `Retry-After`). docs/serve.md "Limits and hardening" lists every limit
//! and its default.

use super::error::Overloaded;
use crate::input::limits::Limits;
pub use crate::service::limits::InputLimits;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Default wait for a heavy-work permit before answering 503.
pub const DEFAULT_QUEUE_WAIT: Duration = Duration::from_secs(5);

/// The default number of heavy requests at once: one per core.
pub fn default_max_heavy() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// The server's limits, shared by every worker.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    pub input: InputLimits,
    pub max_heavy: usize,
    pub queue_wait: Duration,
    permits: Arc<Semaphore>,
}

impl ServerLimits {
    pub fn new(input: Limits, max_heavy: usize, queue_wait: Duration) -> ServerLimits {
        let max_heavy = max_heavy.max(1);
        ServerLimits {
            input: InputLimits { input },
            max_heavy,
            queue_wait,
            permits: Arc::new(Semaphore::new(max_heavy)),
        }
    }

    /// A permit for heavy work, waiting at most `queue_wait` for one.
    pub async fn admit(&self) -> Result<OwnedSemaphorePermit, Overloaded> {
        let busy = || Overloaded {
            running: self.max_heavy,
            retry_after: self.queue_wait.as_secs().max(1),
        };
        match tokio::time::timeout(self.queue_wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(busy()),
        }
    }
}

/// The input checks of [`InputLimits`], on the server's limits.
impl std::ops::Deref for ServerLimits {
    type Target = InputLimits;

    fn deref(&self) -> &InputLimits {
        &self.input
    }
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits::new(Limits::server(), default_max_heavy(), DEFAULT_QUEUE_WAIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_heavy_request_waits_then_is_refused_with_retry_after() {
        let limits = ServerLimits::new(Limits::default(), 1, Duration::from_millis(50));
        let held = limits.admit().await.unwrap();
        let refused = limits.admit().await.unwrap_err();
        assert_eq!(refused.retry_after, 1);
        drop(held);
        assert!(limits.admit().await.is_ok());
    }
}
