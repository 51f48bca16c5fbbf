//! When to renew, check and retry: pure rules over times (Unix seconds), so they are tested
//! without a database or a network. Randomness comes in as `spread` in [0, 1).

use crate::networks::Renewal;
use chrono::TimeDelta;

/// How Tether paces its background work. The defaults suit production; tests and the
/// benchmark shorten them.
#[derive(Clone, Debug)]
pub struct Pacing {
    /// Every live credential is checked about this often (spread ±25 %).
    pub check_every: TimeDelta,
    /// How long a claimed credential stays with the process that claimed it; longer than
    /// any network call, so a lease only lapses when its process died.
    pub lease: TimeDelta,
    /// The first retry after a transient failure; doubled per failure up to `max_retry`.
    pub first_retry: TimeDelta,
    pub max_retry: TimeDelta,
    /// After this many transient failures in a row (outside an outage) a person is asked.
    pub give_up_after: i64,
    /// This many transient failures of one network's calls in a row, with no success in
    /// between, make an outage; it lasts while the retries keep failing.
    pub outage_failures: i64,
    /// A network's trouble is current while its last failure is at most this old: longer
    /// than the longest retry, so the backoff between tries never breaks a run of failures.
    pub outage_memory: TimeDelta,
    /// How many credentials one process works on at once.
    pub concurrency: usize,
    /// How long the scheduler sleeps when nothing is due.
    pub idle_poll: std::time::Duration,
    /// The longest any call to a network may take.
    pub call_timeout: std::time::Duration,
    /// How often reminders and notifications are swept (wall-clock time).
    pub notify_every: std::time::Duration,
}

impl Default for Pacing {
    fn default() -> Self {
        Self {
            check_every: TimeDelta::hours(6),
            lease: TimeDelta::minutes(2),
            first_retry: TimeDelta::minutes(1),
            max_retry: TimeDelta::hours(1),
            give_up_after: 12,
            outage_failures: 3,
            outage_memory: TimeDelta::minutes(75),
            concurrency: 32,
            idle_poll: std::time::Duration::from_secs(5),
            call_timeout: std::time::Duration::from_secs(20),
            notify_every: std::time::Duration::from_secs(60),
        }
    }
}

/// A token handed out must stay valid at least this long; a shorter one is renewed first.
pub const FRESH_FOR: TimeDelta = TimeDelta::minutes(5);

/// How long before expiry a token is renewed: a sixth of its life, at least 5 minutes, at
/// most 3 days (a 2 h X token: 20 min; a 60-day token: 3 days).
fn margin(lifetime: i64) -> i64 {
    (lifetime / 6).clamp(300, 3 * 86_400).min(lifetime / 2)
}

/// When a credential should be renewed, or `None` when Tether cannot renew it on its own
/// (no expiry, no refresh, or a token too young to extend before it expires).
///
/// Single-use refresh tokens are spent only inside the margin before expiry; tokens that
/// are extended or re-exchanged are renewed at half their life, once old enough, leaving
/// the other half for retries. The re-consent deadline is not a renewal time: it is fixed.
pub fn renew_at(
    renewal: &Renewal,
    issued_at: i64,
    expires_at: Option<i64>,
    has_refresh_token: bool,
    spread: f64,
) -> Option<i64> {
    let expires_at = expires_at?;
    let lifetime = (expires_at - issued_at).max(1);
    match renewal {
        Renewal::RotatingRefresh | Renewal::ReusableRefresh | Renewal::FixedWindowRefresh
            if has_refresh_token =>
        {
            let margin = margin(lifetime);
            // Jitter inside the last quarter of the margin's start, never earlier.
            Some(expires_at - margin + jitter(margin / 4, spread))
        }
        Renewal::ExtendInPlace { min_age, .. } => {
            let old_enough = issued_at + min_age.num_seconds();
            let half_life = expires_at - lifetime / 2 + jitter(lifetime / 20, spread);
            let at = old_enough.max(half_life);
            (at < expires_at - 60).then_some(at)
        }
        Renewal::ReExchange => Some(expires_at - lifetime / 2 + jitter(lifetime / 20, spread)),
        _ => None,
    }
}

/// The next health check: `check_every` from now, spread ±25 % so checks do not bunch.
pub fn next_check(now: i64, check_every: TimeDelta, spread: f64) -> i64 {
    let every = check_every.num_seconds().max(1);
    now + every * 3 / 4 + jitter(every / 2, spread)
}

/// The next attempt after `failures` transient failures in a row: doubling from
/// `first_retry`, capped at `max_retry`, with half of it random ("equal jitter").
pub fn retry_at(now: i64, failures: i64, pacing: &Pacing, spread: f64) -> i64 {
    let first = pacing.first_retry.num_seconds().max(1);
    let cap = pacing.max_retry.num_seconds().max(first);
    let exponent = (failures - 1).clamp(0, 30) as u32;
    let delay = first.saturating_mul(1_i64 << exponent).min(cap);
    now + delay / 2 + jitter(delay / 2, spread)
}

/// When the credential is next worked on: its renewal or its next check, whichever comes
/// first, and never in the past.
pub fn due_at(now: i64, renew_at: Option<i64>, next_check: i64) -> i64 {
    renew_at.map_or(next_check, |r| r.min(next_check)).max(now)
}

fn jitter(window: i64, spread: f64) -> i64 {
    (window.max(0) as f64 * spread.clamp(0.0, 1.0)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    const HOUR: i64 = 3600;
    const DAY: i64 = 86_400;

    fn extend() -> Renewal {
        Renewal::ExtendInPlace {
            url: Url::parse("https://graph.example/refresh").unwrap(),
            grant_type: "ig_refresh_token",
            min_age: TimeDelta::hours(24),
        }
    }

    #[test]
    fn rotating_tokens_are_renewed_only_inside_the_margin() {
        // An X token: 2 h life, 20 min margin; jitter stays inside the margin.
        for spread in [0.0, 0.5, 0.999] {
            let at = renew_at(&Renewal::RotatingRefresh, 0, Some(2 * HOUR), true, spread).unwrap();
            assert!(at >= 2 * HOUR - 20 * 60, "{at} is earlier than the margin");
            assert!(at < 2 * HOUR - 10 * 60, "{at} leaves too little time");
        }
    }

    #[test]
    fn without_a_refresh_token_or_an_expiry_nothing_is_renewed() {
        assert_eq!(
            renew_at(&Renewal::RotatingRefresh, 0, Some(HOUR), false, 0.0),
            None
        );
        assert_eq!(renew_at(&Renewal::ReExchange, 0, None, false, 0.0), None);
        assert_eq!(
            renew_at(&Renewal::Nothing, 0, Some(60 * DAY), false, 0.0),
            None
        );
    }

    #[test]
    fn long_tokens_keep_a_margin_of_three_days_at_most() {
        let at = renew_at(&Renewal::FixedWindowRefresh, 0, Some(60 * DAY), true, 0.0).unwrap();
        assert_eq!(at, 57 * DAY);
    }

    #[test]
    fn extension_in_place_waits_for_the_minimum_age_and_takes_half_the_life() {
        // A 60-day Instagram token is extended around day 30.
        let at = renew_at(&extend(), 0, Some(60 * DAY), false, 0.0).unwrap();
        assert_eq!(at, 30 * DAY);
        // A token living 30 h can only be extended from its 24th hour on.
        let at = renew_at(&extend(), 0, Some(30 * HOUR), false, 0.0).unwrap();
        assert_eq!(at, 24 * HOUR);
        // One that expires before it is a day old cannot be extended at all.
        assert_eq!(renew_at(&extend(), 0, Some(20 * HOUR), false, 0.0), None);
    }

    #[test]
    fn long_lived_facebook_tokens_are_re_exchanged_while_still_valid() {
        let at = renew_at(&Renewal::ReExchange, 0, Some(60 * DAY), false, 0.99).unwrap();
        assert!((30 * DAY..33 * DAY).contains(&at), "{at}");
    }

    #[test]
    fn checks_are_spread_around_their_interval() {
        let every = TimeDelta::hours(6);
        assert_eq!(next_check(0, every, 0.0), 4 * HOUR + 30 * 60);
        assert_eq!(next_check(0, every, 0.999_999), 7 * HOUR + 29 * 60 + 59);
    }

    #[test]
    fn retries_double_up_to_the_cap() {
        let pacing = Pacing::default();
        let delays: Vec<i64> = (1..=9)
            .map(|n| retry_at(0, n, &pacing, 0.999_999))
            .collect();
        assert_eq!(delays[..7], [59, 119, 239, 479, 959, 1919, 3599]);
        assert_eq!(delays[8], 3599, "capped at an hour");
        assert_eq!(retry_at(0, 1, &pacing, 0.0), 30, "half is random");
    }

    #[test]
    fn due_is_the_earlier_of_renewal_and_check_and_never_past() {
        assert_eq!(due_at(100, Some(500), 1_000), 500);
        assert_eq!(due_at(100, None, 1_000), 1_000);
        assert_eq!(due_at(100, Some(50), 1_000), 100);
    }
}
