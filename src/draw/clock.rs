//! Where a draw's times come from, and how they are written.
//!
//! The server holds a [`Clock`] in its state (never a global): normally the
//! system clock; for rehearsals and tests `allot serve --dev --now T` runs
//! it from the instant `T`, so that a draw can be committed before a real,
//! already published drand round and revealed with its real signature.

use std::time::Instant;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The current time, as UTC seconds since the Unix epoch.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        OffsetDateTime::now_utc().unix_timestamp()
    }
}

/// A clock that started at a given instant and runs at the real pace.
#[derive(Debug, Clone, Copy)]
pub struct StartedAt {
    start: i64,
    began: Instant,
}

impl StartedAt {
    pub fn new(start: i64) -> StartedAt {
        StartedAt {
            start,
            began: Instant::now(),
        }
    }
}

impl Clock for StartedAt {
    fn now(&self) -> i64 {
        let elapsed = i64::try_from(self.began.elapsed().as_secs()).unwrap_or(i64::MAX);
        self.start.saturating_add(elapsed)
    }
}

/// UTC seconds as RFC 3339 (`2023-08-23T15:00:00Z`); `None` out of range.
pub fn rfc3339(unix: i64) -> Option<String> {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()?
        .format(&Rfc3339)
        .ok()
}

/// An RFC 3339 timestamp as UTC seconds (fractions dropped).
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    OffsetDateTime::parse(text.trim(), &Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_written_and_read_as_rfc_3339_utc() {
        assert_eq!(rfc3339(1692802800).as_deref(), Some("2023-08-23T15:00:00Z"));
        assert_eq!(parse_rfc3339("2023-08-23T15:00:00Z"), Some(1692802800));
        assert_eq!(parse_rfc3339("2023-08-23T17:00:00+02:00"), Some(1692802800));
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn a_clock_started_at_an_instant_runs_from_it() {
        let clock = StartedAt::new(1692802800);
        let now = clock.now();
        assert!((1692802800..1692802800 + 5).contains(&now));
        assert!(SystemClock.now() > 1692802800);
    }
}
