//! The one source of "now" for the engine, the sandbox networks and the UI.
//!
//! Every component receives a [`Clock`] instead of calling the system time, so tests can pin
//! time and the sandbox can move a whole instance forward to show a token expiring.

use chrono::{DateTime, TimeDelta, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// A time as people read it in mail and on pages: "2026-11-23 08:00 UTC".
pub fn utc_words(at: i64) -> String {
    DateTime::from_timestamp(at, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "an unknown time".into())
}

#[derive(Clone, Debug)]
pub struct Clock {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// `None` follows the system time; `Some` is a frozen instant (milliseconds since the epoch).
    frozen_at_ms: Option<AtomicI64>,
    /// Added to whatever the base time is; the sandbox control moves it forward.
    offset_ms: AtomicI64,
}

impl Clock {
    /// Follows the system time.
    pub fn system() -> Self {
        Self::from_inner(None)
    }

    /// Stands still at `at` until moved with [`Clock::advance`]; for tests.
    pub fn frozen(at: DateTime<Utc>) -> Self {
        Self::from_inner(Some(AtomicI64::new(at.timestamp_millis())))
    }

    fn from_inner(frozen_at_ms: Option<AtomicI64>) -> Self {
        Self {
            inner: Arc::new(Inner {
                frozen_at_ms,
                offset_ms: AtomicI64::new(0),
            }),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        let base_ms = match &self.inner.frozen_at_ms {
            Some(frozen) => frozen.load(Ordering::SeqCst),
            None => Utc::now().timestamp_millis(),
        };
        let ms = base_ms + self.inner.offset_ms.load(Ordering::SeqCst);
        DateTime::from_timestamp_millis(ms).expect("clock stays within chrono's range")
    }

    /// Moves this clock, and every clone of it, forward (or back, with a negative delta).
    pub fn advance(&self, by: TimeDelta) {
        self.inner
            .offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }

    /// How far the clock has been moved away from its base time.
    pub fn offset(&self) -> TimeDelta {
        TimeDelta::milliseconds(self.inner.offset_ms.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_clock_stands_still_until_advanced() {
        let start = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let clock = Clock::frozen(start);
        assert_eq!(clock.now(), start);
        let shared = clock.clone();
        shared.advance(TimeDelta::hours(2));
        assert_eq!(clock.now(), start + TimeDelta::hours(2));
        assert_eq!(clock.offset(), TimeDelta::hours(2));
    }

    #[test]
    fn system_clock_moves_with_its_offset() {
        let clock = Clock::system();
        clock.advance(TimeDelta::days(3));
        let drift = clock.now() - Utc::now() - TimeDelta::days(3);
        assert!(drift.num_seconds().abs() < 5, "drift was {drift}");
    }
}
