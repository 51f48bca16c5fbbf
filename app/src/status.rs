//! The status model: from a channel's stored facts and `now`, the state, the reason in
//! words, the deadline that matters and the next action. Plain Rust compiled for the server
//! and the browser, so the server-rendered badge and the hydrated countdown always agree.
//! Times are Unix seconds.

use serde::{Deserialize, Serialize};

/// A person-facing deadline this close turns a channel to "expiring soon".
pub const EXPIRING_SOON_WINDOW_SECS: i64 = 7 * 24 * 3600;

/// What is stored about a channel that decides its state; never a token. Serialized
/// without its empty and false fields: every row's facts ride in the page for the island
/// that ticks the countdowns, and most of them are empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelFacts {
    /// When the current access token stops working; `None` when it does not expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_expires_at: Option<i64>,
    /// When Tether plans to renew the access token next; `None` when nothing is planned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renew_at: Option<i64>,
    /// Since when the channel has been down (its open disconnection), if it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub down_since: Option<i64>,
    /// When the network demands fresh consent whatever Tether does (LinkedIn's 365 days,
    /// Google testing apps' 7 days, Facebook's data access); refreshing never moves it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconsent_deadline: Option<i64>,
    /// True when Tether can renew the access token without a person (refresh token).
    #[serde(default, skip_serializing_if = "is_false")]
    pub renewable: bool,
    /// Scopes the channel needs that the person did not grant.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_scopes: Vec<String>,
    /// Set when the network said the token is dead (revoked, password changed…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_reason: Option<String>,
    /// Set while the channel's network is failing for everyone (5xx, time-outs, rate limits).
    #[serde(default, skip_serializing_if = "is_false")]
    pub network_outage: bool,
    /// Set while the channel's network refuses Tether's own app credentials: an operator's
    /// fault, not the channel's.
    #[serde(default, skip_serializing_if = "is_false")]
    pub app_refused: bool,
    /// While renewals fail for the network's reasons (not the token's): the next try.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<i64>,
    /// Set when renewals kept failing for this channel alone and Tether stopped retrying.
    #[serde(default, skip_serializing_if = "is_false")]
    pub gave_up: bool,
    /// Since when the network has refused checks in words that do not say whether access
    /// is lost, with nothing to renew that would settle it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unconfirmed_since: Option<i64>,
    /// Set once a person unlinked the channel: no tokens are held, its history is kept.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unlinked: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum State {
    Connected,
    ExpiringSoon,
    MissingPermissions,
    NeedsReauth,
    Expired,
    NetworkOutage,
    Unconfirmed,
    Unlinked,
}

impl State {
    pub fn label(self) -> &'static str {
        match self {
            State::Connected => "Connected",
            State::ExpiringSoon => "Expiring soon",
            State::MissingPermissions => "Missing permissions",
            State::NeedsReauth => "Needs reconnecting",
            State::Expired => "Expired",
            State::NetworkOutage => "Network outage",
            State::Unconfirmed => "Not confirmed",
            State::Unlinked => "Unlinked",
        }
    }

    /// A symbol shown beside the label, so the state never rests on colour alone.
    pub fn icon(self) -> &'static str {
        match self {
            State::Connected => "✓",
            State::ExpiringSoon => "◷",
            State::MissingPermissions => "!",
            State::NeedsReauth => "↻",
            State::Expired => "✕",
            State::NetworkOutage => "≈",
            State::Unconfirmed => "?",
            State::Unlinked => "–",
        }
    }

    /// The name in the API and in metrics.
    pub fn api_name(self) -> &'static str {
        match self {
            State::Connected => "connected",
            State::ExpiringSoon => "expiring_soon",
            State::MissingPermissions => "missing_permissions",
            State::NeedsReauth => "needs_reauth",
            State::Expired => "expired",
            State::NetworkOutage => "network_outage",
            State::Unconfirmed => "unconfirmed",
            State::Unlinked => "unlinked",
        }
    }

    pub const ALL: [State; 8] = [
        State::Connected,
        State::ExpiringSoon,
        State::MissingPermissions,
        State::NeedsReauth,
        State::Expired,
        State::NetworkOutage,
        State::Unconfirmed,
        State::Unlinked,
    ];

    /// The CSS modifier for the badge.
    pub fn slug(self) -> &'static str {
        match self {
            State::Connected => "connected",
            State::ExpiringSoon => "expiring",
            State::MissingPermissions => "missing-permissions",
            State::NeedsReauth => "needs-reauth",
            State::Expired => "expired",
            State::NetworkOutage => "outage",
            State::Unconfirmed => "unconfirmed",
            State::Unlinked => "unlinked",
        }
    }

    /// True when a person has something to do for this channel.
    pub fn needs_attention(self) -> bool {
        matches!(
            self,
            State::ExpiringSoon | State::MissingPermissions | State::NeedsReauth | State::Expired
        )
    }
}

/// Which clock a channel's countdown runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeadlineKind {
    /// Tether renews the access token on its own at this time.
    Renewal,
    /// The access token expires and only a person can renew it.
    AccessExpiry,
    /// The network's fixed consent period ends.
    Reconsent,
    /// The channel went down at this time; the clock counts up.
    Down,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    pub at: i64,
    pub kind: DeadlineKind,
}

impl Deadline {
    /// Words for the countdown line, e.g. "Renews in 59 min 58 s".
    pub fn describe(&self, now: i64) -> String {
        let left = self.at - now;
        let span = duration_words(left.abs());
        match (self.kind, left > 0) {
            (DeadlineKind::Renewal, true) => format!("Renews in {span}"),
            (DeadlineKind::Renewal, false) => format!("Renewal due {span} ago"),
            (DeadlineKind::AccessExpiry, true) => format!("Access ends in {span}"),
            (DeadlineKind::AccessExpiry, false) => format!("Access ended {span} ago"),
            (DeadlineKind::Reconsent, true) => format!("Consent must be renewed in {span}"),
            (DeadlineKind::Reconsent, false) => format!("Consent lapsed {span} ago"),
            (DeadlineKind::Down, _) => format!("Down for {span}"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NextAction {
    Nothing,
    Reconnect,
    GrantPermissions,
    /// Tether keeps retrying; nobody needs to do anything.
    Wait,
}

impl NextAction {
    pub fn label(self) -> Option<&'static str> {
        match self {
            NextAction::Nothing | NextAction::Wait => None,
            NextAction::Reconnect => Some("Reconnect"),
            NextAction::GrantPermissions => Some("Grant permissions"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub state: State,
    pub reason: String,
    /// The time that matters to a person: see [`deadline`].
    pub deadline: Option<Deadline>,
    pub next_action: NextAction,
}

/// What decides a channel's state at a moment, before it is put into words: the dashboard
/// works out thousands of states a render and needs no words for most of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Finding {
    Unlinked,
    Dead,
    ConsentEnded,
    /// Past its expiry, and nothing renews it.
    AccessEnded,
    GaveUp,
    Outage,
    /// Renewing fails for the network's reasons; `ended` once access has ended meanwhile.
    Retrying {
        retry_at: i64,
        ended: bool,
    },
    Unconfirmed {
        since: i64,
    },
    MissingScopes,
    /// A person's deadline within the window: the consent period's end or the access's.
    ExpiringSoon {
        consent: bool,
    },
    Working,
}

impl Finding {
    fn of(facts: &ChannelFacts, now: i64) -> Self {
        let reached = |at: Option<i64>| at.is_some_and(|at| now >= at);
        if facts.unlinked {
            return Finding::Unlinked;
        }
        if facts.dead_reason.is_some() {
            return Finding::Dead;
        }
        if reached(facts.reconsent_deadline) {
            return Finding::ConsentEnded;
        }
        if !facts.renewable && reached(facts.access_expires_at) {
            return Finding::AccessEnded;
        }
        if facts.gave_up {
            return Finding::GaveUp;
        }
        if facts.network_outage {
            return Finding::Outage;
        }
        if let Some(retry_at) = facts.retry_at {
            return Finding::Retrying {
                retry_at,
                ended: reached(facts.access_expires_at),
            };
        }
        if let Some(since) = facts.unconfirmed_since {
            return Finding::Unconfirmed { since };
        }
        if !facts.missing_scopes.is_empty() {
            return Finding::MissingScopes;
        }
        let person_deadline = match (
            facts.renewable,
            facts.access_expires_at,
            facts.reconsent_deadline,
        ) {
            (false, Some(access), Some(consent)) => Some(access.min(consent)),
            (false, Some(access), None) => Some(access),
            (_, _, consent) => consent,
        };
        if let Some(at) = person_deadline.filter(|at| at - now <= EXPIRING_SOON_WINDOW_SECS) {
            return Finding::ExpiringSoon {
                consent: Some(at) == facts.reconsent_deadline,
            };
        }
        Finding::Working
    }

    fn state(self) -> State {
        match self {
            Finding::Unlinked => State::Unlinked,
            Finding::Dead | Finding::GaveUp => State::NeedsReauth,
            Finding::ConsentEnded | Finding::AccessEnded => State::Expired,
            Finding::Retrying { ended: true, .. } => State::Expired,
            Finding::Retrying { ended: false, .. } | Finding::Working => State::Connected,
            Finding::Outage => State::NetworkOutage,
            Finding::Unconfirmed { .. } => State::Unconfirmed,
            Finding::MissingScopes => State::MissingPermissions,
            Finding::ExpiringSoon { .. } => State::ExpiringSoon,
        }
    }

    fn next_action(self) -> NextAction {
        match self {
            Finding::Unlinked
            | Finding::Dead
            | Finding::ConsentEnded
            | Finding::AccessEnded
            | Finding::GaveUp
            | Finding::ExpiringSoon { .. } => NextAction::Reconnect,
            Finding::Outage | Finding::Retrying { .. } | Finding::Unconfirmed { .. } => {
                NextAction::Wait
            }
            Finding::MissingScopes => NextAction::GrantPermissions,
            Finding::Working => NextAction::Nothing,
        }
    }

    fn reason(self, facts: &ChannelFacts, now: i64) -> String {
        match self {
            Finding::Unlinked => "Unlinked on purpose: Tether holds no token for it. Its history is kept; reconnect to use it again.".into(),
            // The reason's words end with what to do.
            Finding::Dead => facts.dead_reason.clone().unwrap_or_default(),
            Finding::ConsentEnded => {
                "The network's consent period has ended; reconnect to give consent again.".into()
            }
            Finding::AccessEnded => {
                "The access token has expired and this network cannot renew it; reconnect.".into()
            }
            Finding::GaveUp => "Tether could not renew access after many tries while the network worked for others. Reconnect to restore it.".into(),
            Finding::Outage => "The network is having trouble right now. Tether keeps retrying; the channel is not disconnected.".into(),
            Finding::Retrying { retry_at, ended } => {
                let next_try = if retry_at > now {
                    format!("next try in {}", duration_words(retry_at - now))
                } else {
                    "trying again now".to_owned()
                };
                let why = if facts.app_refused {
                    "the network refused Tether's app credentials, which an operator must fix"
                } else {
                    "the network did not answer"
                };
                if ended {
                    format!("Access ended while renewing it failed ({why}); Tether keeps trying ({next_try}). No one needs to reconnect.")
                } else {
                    format!("Renewal is failing for now ({why}); {next_try}. The channel works until its access ends.")
                }
            }
            Finding::Unconfirmed { since } => format!(
                "The network has refused checks for {} without saying whether access is lost; nothing is called dead yet. Tether asks again.",
                duration_words(now - since)
            ),
            Finding::MissingScopes => format!(
                "Connected, but without these permissions: {}.",
                facts.missing_scopes.join(", ")
            ),
            Finding::ExpiringSoon { consent } => {
                let what = if consent {
                    "The network's consent period ends soon"
                } else {
                    "The access token expires soon and this network cannot renew it"
                };
                format!("{what}; reconnect before then to stay connected.")
            }
            Finding::Working => match (facts.renewable, facts.access_expires_at) {
                _ if facts.reconsent_deadline.is_some() => {
                    "Working. The network asks for fresh consent by the deadline below, whatever Tether renews; Tether will remind you before then."
                }
                (true, Some(_)) => "Working. Tether renews access automatically before it expires.",
                (true, None) | (false, None) => "Working. This access does not expire on its own.",
                (false, Some(_)) => "Working. Tether will remind you before access ends.",
            }
            .into(),
        }
    }
}

/// The state of a channel with `facts` at `now`, without the words [`status`] adds.
pub fn state(facts: &ChannelFacts, now: i64) -> State {
    Finding::of(facts, now).state()
}

/// The state of a channel with `facts` at `now`.
pub fn status(facts: &ChannelFacts, now: i64) -> Status {
    let finding = Finding::of(facts, now);
    Status {
        state: finding.state(),
        reason: finding.reason(facts, now),
        deadline: deadline(facts),
        next_action: finding.next_action(),
    }
}

/// The time that matters to a person. A dead channel counts how long it has been down.
/// Where nothing renews access (or renewing fails for now, or Tether gave up), the end of
/// access or of the consent period, whichever comes first. Where Tether renews on its own,
/// the consent period's end if the network has one, since no renewal moves it; otherwise
/// the next planned renewal, the only honest thing to count down to.
pub fn deadline(facts: &ChannelFacts) -> Option<Deadline> {
    let at = |at: Option<i64>, kind| at.map(|at| Deadline { at, kind });
    if facts.unlinked {
        return None;
    }
    if facts.dead_reason.is_some() {
        return at(facts.down_since, DeadlineKind::Down);
    }
    let consent = at(facts.reconsent_deadline, DeadlineKind::Reconsent);
    if !facts.renewable || facts.retry_at.is_some() || facts.gave_up {
        let access = at(facts.access_expires_at, DeadlineKind::AccessExpiry);
        return match (access, consent) {
            (Some(a), Some(c)) => Some(if c.at <= a.at { c } else { a }),
            (a, c) => a.or(c),
        };
    }
    consent.or(at(facts.renew_at, DeadlineKind::Renewal))
}

/// "3 days 4 h", "2 h 5 min", "59 min 58 s", "7 s": the two largest units.
pub fn duration_words(secs: i64) -> String {
    let secs = secs.max(0);
    let (days, hours, mins, s) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    let plural = |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    if days > 0 {
        format!("{} {hours} h", plural(days, "day", "days"))
    } else if hours > 0 {
        format!("{hours} h {mins} min")
    } else if mins > 0 {
        format!("{mins} min {s} s")
    } else {
        format!("{s} s")
    }
}

/// The first moment after `now` at which time alone changes the channel's state: one of
/// the only moments a state can change (the end of access or of the consent period, or
/// the week before one) at which it differs from today's. A token that Tether renews stays
/// as it is, however often it is renewed, so it has none; a retry changes the words only.
/// The health sign ticks only the channels with one today, so a thousand settled ones cost
/// the page nothing.
pub fn next_change(facts: &ChannelFacts, now: i64) -> Option<i64> {
    let today = state(facts, now);
    [facts.access_expires_at, facts.reconsent_deadline]
        .into_iter()
        .flatten()
        .flat_map(|at| [at, at.saturating_sub(EXPIRING_SOON_WINDOW_SECS)])
        .filter(|at| *at > now && state(facts, *at) != today)
        .min()
}

/// The dashboard's health sign over every channel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub total: usize,
    pub attention: usize,
    pub outage: usize,
    /// Channels whose renewals fail because their network refuses Tether's app credentials.
    pub app_refused: usize,
}

impl Health {
    pub fn of<'a>(states: impl IntoIterator<Item = &'a State>) -> Self {
        let mut health = Health {
            total: 0,
            attention: 0,
            outage: 0,
            app_refused: 0,
        };
        for state in states {
            health.total += 1;
            health.attention += usize::from(state.needs_attention());
            health.outage += usize::from(*state == State::NetworkOutage);
        }
        health
    }

    /// The two tallies together.
    pub fn plus(self, other: Health) -> Self {
        Health {
            total: self.total + other.total,
            attention: self.attention + other.attention,
            outage: self.outage + other.outage,
            app_refused: self.app_refused + other.app_refused,
        }
    }

    /// Counts the channels whose network refuses Tether's own credentials.
    pub fn with_app_refused(self, app_refused: usize) -> Self {
        Health {
            app_refused,
            ..self
        }
    }

    /// Nothing for anyone to do.
    pub fn all_well(&self) -> bool {
        self.attention == 0 && self.app_refused == 0
    }

    pub fn summary(&self) -> String {
        match (self.total, self.attention) {
            (0, _) => "No channels yet".into(),
            (_, 0) if self.app_refused > 0 => format!(
                "All channels connected; renewing {} fails until an operator fixes the app credentials named above",
                if self.app_refused == 1 { "1 of them".to_owned() } else { format!("{} of them", self.app_refused) }
            ),
            (_, 0) if self.outage > 0 => format!(
                "All channels connected; {} affected by a network outage",
                self.outage
            ),
            (_, 0) => "All well".into(),
            (_, 1) => "1 channel needs attention".into(),
            (_, n) => format!("{n} channels need attention"),
        }
    }
}

#[cfg(test)]
mod renewal_trouble_tests {
    use super::*;

    #[test]
    fn the_next_change_is_the_first_moment_the_state_differs() {
        const DAY: i64 = 86_400;
        let kept_alive = ChannelFacts {
            access_expires_at: Some(3_600),
            renew_at: Some(3_000),
            renewable: true,
            ..ChannelFacts::default()
        };
        assert_eq!(next_change(&kept_alive, 0), None);
        // Nothing renews it: expiring soon from the start of its last week, expired at its end.
        let lapsing = ChannelFacts {
            access_expires_at: Some(30 * DAY),
            ..ChannelFacts::default()
        };
        assert_eq!(next_change(&lapsing, 0), Some(23 * DAY));
        assert_eq!(status(&lapsing, 23 * DAY - 1).state, State::Connected);
        assert_eq!(status(&lapsing, 23 * DAY).state, State::ExpiringSoon);
        assert_eq!(next_change(&lapsing, 23 * DAY), Some(30 * DAY));
        assert_eq!(next_change(&lapsing, 30 * DAY), None);
        // A retry changes the words, not the state: the end of access does.
        let failing = ChannelFacts {
            retry_at: Some(600),
            ..kept_alive
        };
        assert_eq!(next_change(&failing, 0), Some(3_600));
    }

    #[test]
    fn only_channels_that_time_may_change_are_ticked() {
        const DAY: i64 = 86_400;
        let within_a_day = |facts: &ChannelFacts, now: i64| {
            next_change(facts, now).is_some_and(|at| at <= now + DAY)
        };
        let kept_alive = ChannelFacts {
            renewable: true,
            ..ChannelFacts::default()
        };
        assert_eq!(next_change(&kept_alive, 0), None);
        // Renewed every two hours (X), it stays connected: nothing to tick.
        let renews_in_an_hour = ChannelFacts {
            access_expires_at: Some(3_600),
            renew_at: Some(3_000),
            renewable: true,
            ..ChannelFacts::default()
        };
        assert_eq!(next_change(&renews_in_an_hour, 0), None);
        // Renewing it fails for now: it turns expired when its access ends.
        let failing = ChannelFacts {
            retry_at: Some(600),
            ..renews_in_an_hour.clone()
        };
        assert_eq!(next_change(&failing, 0), Some(3_600));
        // Nothing renews it: expiring soon now, expired within the hour.
        let lapsing = ChannelFacts {
            access_expires_at: Some(3_600),
            ..ChannelFacts::default()
        };
        assert_eq!(next_change(&lapsing, 0), Some(3_600));
        // A wall 200 days away is settled for today, not for the day it comes near.
        let wall = ChannelFacts {
            reconsent_deadline: Some(200 * DAY),
            renewable: true,
            ..ChannelFacts::default()
        };
        assert!(!within_a_day(&wall, 0));
        let near = (1..200)
            .map(|day| day * DAY)
            .find(|&at| within_a_day(&wall, at))
            .expect("the wall comes near");
        assert_ne!(
            status(&wall, near).state,
            status(&wall, near + DAY).state,
            "it is ticked from the day before its state changes"
        );
    }

    #[test]
    fn a_check_refused_in_unclear_words_is_not_called_working() {
        let facts = ChannelFacts {
            access_expires_at: Some(100_000),
            unconfirmed_since: Some(400),
            ..ChannelFacts::default()
        };
        let s = status(&facts, 400 + 3_600);
        assert_eq!(s.state, State::Unconfirmed);
        assert!(
            s.reason.contains("refused checks for 1 h 0 min"),
            "{}",
            s.reason
        );
        assert!(!s.reason.starts_with("Working"), "{}", s.reason);
        assert_eq!(s.next_action, NextAction::Wait);
    }

    fn failing(retry_at: i64) -> ChannelFacts {
        ChannelFacts {
            access_expires_at: Some(1_000),
            renewable: true,
            retry_at: Some(retry_at),
            ..ChannelFacts::default()
        }
    }

    #[test]
    fn a_failing_renewal_stays_connected_until_the_real_expiry() {
        let s = status(&failing(700), 400);
        assert_eq!(s.state, State::Connected);
        assert!(s.reason.contains("next try in 5 min 0 s"), "{}", s.reason);
        assert_eq!(s.next_action, NextAction::Wait);
    }

    #[test]
    fn past_its_expiry_it_says_expired_but_asks_no_one_to_reconnect() {
        let s = status(&failing(1_300), 1_200);
        assert_eq!(s.state, State::Expired);
        assert!(s.reason.contains("Tether keeps trying"), "{}", s.reason);
        assert_eq!(s.next_action, NextAction::Wait);
    }

    #[test]
    fn an_outage_outranks_a_failing_renewal() {
        let facts = ChannelFacts {
            network_outage: true,
            ..failing(1_300)
        };
        assert_eq!(status(&facts, 1_200).state, State::NetworkOutage);
    }

    #[test]
    fn giving_up_asks_for_a_person() {
        let facts = ChannelFacts {
            gave_up: true,
            ..failing(1_300)
        };
        let s = status(&facts, 500);
        assert_eq!(s.state, State::NeedsReauth);
        assert_eq!(s.next_action, NextAction::Reconnect);
    }
}

#[cfg(test)]
mod unlinked_tests {
    use super::*;

    #[test]
    fn an_unlinked_channel_is_neither_connected_nor_alarming() {
        let facts = ChannelFacts {
            unlinked: true,
            dead_reason: Some("Revoked.".into()),
            access_expires_at: Some(10),
            ..ChannelFacts::default()
        };
        let s = status(&facts, 100);
        assert_eq!(s.state, State::Unlinked);
        assert!(!s.state.needs_attention());
        assert_eq!(s.deadline, None);
        assert_eq!(s.next_action, NextAction::Reconnect);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_900_000_000;
    const HOUR: i64 = 3600;
    const DAY: i64 = 24 * HOUR;

    /// Renewed by Tether 20 minutes before it expires, as X's two-hour tokens are.
    fn renewable(expires_at: i64) -> ChannelFacts {
        ChannelFacts {
            access_expires_at: Some(expires_at),
            renew_at: Some(expires_at - 20 * 60),
            renewable: true,
            ..Default::default()
        }
    }

    fn fixed(expires_at: i64) -> ChannelFacts {
        ChannelFacts {
            access_expires_at: Some(expires_at),
            renewable: false,
            ..Default::default()
        }
    }

    #[test]
    fn renewable_tokens_count_down_to_the_planned_renewal_not_the_expiry() {
        let facts = renewable(T);
        let renewal = T - 20 * 60;
        for now in [T - 1, T, T + 1] {
            let s = status(&facts, now);
            assert_eq!(s.state, State::Connected, "at {now}");
            assert_eq!(
                s.deadline,
                Some(Deadline {
                    at: renewal,
                    kind: DeadlineKind::Renewal
                })
            );
        }
        assert_eq!(
            status(&facts, T - 3599)
                .deadline
                .unwrap()
                .describe(T - 3599),
            "Renews in 39 min 59 s"
        );
        assert_eq!(
            status(&facts, renewal + 5)
                .deadline
                .unwrap()
                .describe(renewal + 5),
            "Renewal due 5 s ago"
        );
        // Nothing planned, nothing counted.
        let unplanned = ChannelFacts {
            renew_at: None,
            ..renewable(T)
        };
        assert_eq!(status(&unplanned, T - HOUR).deadline, None);
    }

    #[test]
    fn a_consent_period_is_never_called_access_that_does_not_expire() {
        // A Facebook Page: its token does not expire, its data access does.
        let facts = ChannelFacts {
            reconsent_deadline: Some(T + 80 * DAY),
            ..Default::default()
        };
        let s = status(&facts, T);
        assert_eq!(s.state, State::Connected);
        assert!(!s.reason.contains("does not expire"), "{}", s.reason);
        assert!(s.reason.contains("fresh consent"), "{}", s.reason);
        assert_eq!(s.deadline.unwrap().kind, DeadlineKind::Reconsent);
    }

    #[test]
    fn a_failing_renewal_counts_down_to_the_end_of_access() {
        let facts = ChannelFacts {
            retry_at: Some(T - HOUR + 60),
            ..renewable(T)
        };
        let s = status(&facts, T - HOUR);
        assert_eq!(
            s.deadline,
            Some(Deadline {
                at: T,
                kind: DeadlineKind::AccessExpiry
            })
        );
        assert_eq!(
            s.deadline.unwrap().describe(T - HOUR),
            "Access ends in 1 h 0 min"
        );
    }

    #[test]
    fn a_dead_channel_counts_how_long_it_has_been_down_and_says_its_reason_once() {
        let facts = ChannelFacts {
            dead_reason: Some("Access was revoked at the network. Reconnect to continue.".into()),
            down_since: Some(T - 2 * HOUR),
            ..renewable(T + HOUR)
        };
        let s = status(&facts, T);
        assert_eq!(
            s.deadline,
            Some(Deadline {
                at: T - 2 * HOUR,
                kind: DeadlineKind::Down
            })
        );
        assert_eq!(s.deadline.unwrap().describe(T), "Down for 2 h 0 min");
        assert_eq!(s.reason.matches("Reconnect").count(), 1, "{}", s.reason);
    }

    #[test]
    fn fixed_tokens_expire_exactly_at_their_deadline() {
        let facts = fixed(T);
        assert_eq!(status(&facts, T - 1).state, State::ExpiringSoon);
        assert_eq!(status(&facts, T).state, State::Expired);
        assert_eq!(status(&facts, T + 1).state, State::Expired);
        assert_eq!(status(&facts, T).next_action, NextAction::Reconnect);
    }

    #[test]
    fn expiring_soon_starts_exactly_at_the_window() {
        let facts = fixed(T);
        let window_opens = T - EXPIRING_SOON_WINDOW_SECS;
        assert_eq!(status(&facts, window_opens - 1).state, State::Connected);
        assert_eq!(status(&facts, window_opens).state, State::ExpiringSoon);
        assert_eq!(status(&facts, window_opens + 1).state, State::ExpiringSoon);
    }

    #[test]
    fn no_expiry_at_all_is_connected_forever_without_a_deadline() {
        let facts = ChannelFacts::default();
        let s = status(&facts, T);
        assert_eq!(s.state, State::Connected);
        assert_eq!(s.deadline, None);
        assert_eq!(s.next_action, NextAction::Nothing);
    }

    #[test]
    fn reconsent_deadline_wins_when_it_comes_first_and_refresh_does_not_hide_it() {
        let facts = ChannelFacts {
            access_expires_at: Some(T + 60 * DAY),
            reconsent_deadline: Some(T),
            renewable: true,
            ..Default::default()
        };
        let before = status(&facts, T - 1);
        assert_eq!(before.state, State::ExpiringSoon);
        assert_eq!(
            before.deadline,
            Some(Deadline {
                at: T,
                kind: DeadlineKind::Reconsent
            })
        );
        assert_eq!(status(&facts, T).state, State::Expired);
        assert_eq!(status(&facts, T + 1).state, State::Expired);
        assert_eq!(
            status(&facts, T - EXPIRING_SOON_WINDOW_SECS - 1).state,
            State::Connected
        );
    }

    #[test]
    fn access_expiry_wins_when_it_comes_first() {
        let facts = ChannelFacts {
            access_expires_at: Some(T),
            reconsent_deadline: Some(T + 300 * DAY),
            renewable: false,
            ..Default::default()
        };
        let s = status(&facts, T - HOUR);
        assert_eq!(
            s.deadline,
            Some(Deadline {
                at: T,
                kind: DeadlineKind::AccessExpiry
            })
        );
        assert_eq!(s.state, State::ExpiringSoon);
        assert!(s.reason.contains("cannot renew"));
    }

    #[test]
    fn a_dead_token_needs_reauth_with_its_reason_before_anything_else() {
        let facts = ChannelFacts {
            dead_reason: Some("The password of the account was changed.".into()),
            network_outage: true,
            missing_scopes: vec!["metrics.read".into()],
            ..renewable(T + DAY)
        };
        let s = status(&facts, T);
        assert_eq!(s.state, State::NeedsReauth);
        assert!(s
            .reason
            .starts_with("The password of the account was changed."));
    }

    #[test]
    fn an_outage_is_never_shown_as_a_dead_channel() {
        let facts = ChannelFacts {
            network_outage: true,
            ..renewable(T - HOUR)
        };
        let s = status(&facts, T);
        assert_eq!(s.state, State::NetworkOutage);
        assert!(!s.state.needs_attention());
        assert_eq!(s.next_action, NextAction::Wait);
    }

    #[test]
    fn missing_scopes_are_named() {
        let facts = ChannelFacts {
            missing_scopes: vec!["metrics.read".into(), "posts.write".into()],
            ..renewable(T + HOUR)
        };
        let s = status(&facts, T);
        assert_eq!(s.state, State::MissingPermissions);
        assert!(s.reason.contains("metrics.read, posts.write"));
        assert_eq!(s.next_action.label(), Some("Grant permissions"));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_words(0), "0 s");
        assert_eq!(duration_words(59), "59 s");
        assert_eq!(duration_words(60), "1 min 0 s");
        assert_eq!(duration_words(HOUR), "1 h 0 min");
        assert_eq!(duration_words(DAY + 4 * HOUR + 59), "1 day 4 h");
        assert_eq!(duration_words(3 * DAY), "3 days 0 h");
        assert_eq!(duration_words(-5), "0 s");
    }

    #[test]
    fn health_counts_what_needs_a_person() {
        let states = [
            State::Connected,
            State::Expired,
            State::NetworkOutage,
            State::MissingPermissions,
        ];
        let h = Health::of(&states);
        assert_eq!((h.total, h.attention, h.outage), (4, 2, 1));
        assert_eq!(h.summary(), "2 channels need attention");
        assert_eq!(Health::of(&[State::Connected]).summary(), "All well");
        let refused = Health::of(&[State::Connected]).with_app_refused(1);
        assert!(!refused.all_well());
        assert!(
            refused.summary().contains("until an operator fixes"),
            "{}",
            refused.summary()
        );
        assert_eq!(Health::of(&[]).summary(), "No channels yet");
        assert_eq!(
            Health::of(&[State::Connected, State::NetworkOutage]).summary(),
            "All channels connected; 1 affected by a network outage"
        );
        assert_eq!(
            Health::of(&[State::Expired]).summary(),
            "1 channel needs attention"
        );
    }
}

#[cfg(all(test, feature = "ssr"))]
mod wire_tests {
    use super::*;

    /// Every row's facts ride in the page: empty and false fields are left out, and what
    /// is read back is what was sent.
    #[test]
    fn facts_travel_without_their_empty_fields() {
        let refused = ChannelFacts {
            access_expires_at: Some(1_900_000_000),
            renewable: true,
            dead_reason: Some("Access was revoked at the network.".into()),
            ..ChannelFacts::default()
        };
        let wire = serde_json::to_string(&refused).unwrap();
        assert_eq!(
            wire,
            r#"{"access_expires_at":1900000000,"renewable":true,"dead_reason":"Access was revoked at the network."}"#
        );
        assert_eq!(
            serde_json::from_str::<ChannelFacts>(&wire).unwrap(),
            refused
        );
        assert_eq!(
            serde_json::to_string(&ChannelFacts::default()).unwrap(),
            "{}"
        );
        let everything = ChannelFacts {
            missing_scopes: vec!["read".into()],
            network_outage: true,
            app_refused: true,
            gave_up: true,
            unlinked: true,
            unconfirmed_since: Some(5),
            ..refused
        };
        let wire = serde_json::to_string(&everything).unwrap();
        assert_eq!(
            serde_json::from_str::<ChannelFacts>(&wire).unwrap(),
            everything
        );
    }
}
