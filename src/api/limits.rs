//! What one request may cost: the input limits (checked on the raw body
//! before anything is parsed, 422 naming the limit) and the bound on heavy
//! requests running at once (validate, solve, allocate: a semaphore; a
//! request waits its turn for a while, then gets 503 with `Retry-After`).
//! docs/serve.md "Limits and hardening" lists every limit and its default.

use super::error::{Invalid, Overloaded};
use crate::input::limits::{self, Limits};
use crate::model::Rule;
use serde_json::Value;
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
    pub input: Limits,
    pub max_heavy: usize,
    pub queue_wait: Duration,
    permits: Arc<Semaphore>,
}

impl ServerLimits {
    pub fn new(input: Limits, max_heavy: usize, queue_wait: Duration) -> ServerLimits {
        let max_heavy = max_heavy.max(1);
        ServerLimits {
            input,
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

    /// A layout body against the input limits.
    pub fn layout(&self, layout: &Value) -> Result<(), Invalid> {
        over(
            "The layout is over a limit",
            limits::check_layout(layout, &self.input),
        )
    }

    /// A JSON roster body (a list or `{"households"}`) against the limits.
    pub fn roster_json(&self, roster: &Value) -> Result<(), Invalid> {
        over(
            "The roster is over a limit",
            limits::check_roster_json(roster, &self.input),
        )
    }

    /// A CSV roster body against the limits.
    pub fn roster_csv(&self, bytes: &[u8]) -> Result<(), Invalid> {
        over(
            "The roster is over a limit",
            limits::check_roster_csv(bytes, &self.input),
        )
    }

    /// Parsed households (from any roster format) against the row and id
    /// length limits.
    pub fn households(&self, households: &[crate::model::Household]) -> Result<(), Invalid> {
        let mut problems = Vec::new();
        if households.len() > self.input.max_roster_rows {
            problems.push(crate::model::Problem::new(
                Rule::LimitRosterRows,
                format!(
                    "the roster has {} rows; the limit is {} (max_roster_rows)",
                    households.len(),
                    self.input.max_roster_rows
                ),
            ));
        }
        let max = self.input.max_id_len;
        let long: Vec<String> = households
            .iter()
            .enumerate()
            .filter(|(_, h)| {
                [&h.id, &h.building, &h.unit]
                    .iter()
                    .any(|s| s.chars().count() > max)
            })
            .map(|(i, _)| (i + 1).to_string())
            .collect();
        if !long.is_empty() {
            problems.push(
                crate::model::Problem::new(
                    Rule::LimitIdLength,
                    format!(
                        "{} household(s) have an id, building or unit longer than {max} characters (max_id_len): households {}",
                        long.len(),
                        limits::sample(&long)
                    ),
                )
                .field("id"),
            );
        }
        over("The roster is over a limit", problems)
    }

    /// `PATCH … households`: the upserts count as roster rows.
    pub fn roster_patch(&self, body: &Value) -> Result<(), Invalid> {
        match body.get("upsert") {
            Some(upsert) => self.roster_json(upsert),
            None => Ok(()),
        }
    }

    /// A `POST /v1/validate` body (a layout, or `{"layout", "policy"}`) or a
    /// `POST /v1/solve` body (`{"layout", "households", …}`).
    pub fn request(&self, body: &Value) -> Result<(), Invalid> {
        let layout = match body.get("layout") {
            Some(l) if body.get("type").is_none() => l,
            _ => body,
        };
        let mut problems = limits::check_layout(layout, &self.input);
        if let Some(h) = body.get("households") {
            problems.extend(limits::check_roster_json(h, &self.input));
        }
        over("The request is over a limit", problems)
    }
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits::new(Limits::server(), default_max_heavy(), DEFAULT_QUEUE_WAIT)
    }
}

fn over(title: &'static str, problems: Vec<crate::model::Problem>) -> Result<(), Invalid> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Invalid::new(title, problems))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn a_second_heavy_request_waits_then_is_refused_with_retry_after() {
        let limits = ServerLimits::new(Limits::default(), 1, Duration::from_millis(50));
        let held = limits.admit().await.unwrap();
        let refused = limits.admit().await.unwrap_err();
        assert_eq!(refused.retry_after, 1);
        drop(held);
        assert!(limits.admit().await.is_ok());
    }

    #[test]
    fn a_solve_request_is_checked_for_its_layout_and_roster() {
        let limits = ServerLimits::new(
            Limits {
                max_roster_rows: 1,
                ..Limits::default()
            },
            1,
            DEFAULT_QUEUE_WAIT,
        );
        let body = json!({"layout": {"features": []}, "households": [{}, {}]});
        let err = limits.request(&body).unwrap_err();
        assert_eq!(err.problems[0].rule, "limit-roster-rows");
        assert!(limits.request(&json!({"layout": {"features": []}})).is_ok());
    }
}
