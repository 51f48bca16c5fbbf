//! Networks Tether connects. Each network has one file that says everything it does: its
//! endpoints, scopes, how tokens are obtained and kept alive, how its answers are read and
//! its errors classified, and how its sandbox behaves. This module holds the shape those
//! files fill in, the failure classes, and the registry of configured networks.

pub mod call;
pub mod demo;
pub mod facebook;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod generic;
pub mod instagram;
pub mod linkedin;
pub mod linkedin_ads;
pub mod linkedin_member;
pub mod pinterest;
pub mod threads;
pub mod tiktok;
pub mod x;
pub mod youtube;

use crate::crypto::Secret;
use call::{ApiCall, NetworkFailure};
use chrono::TimeDelta;
use reqwest::header::HeaderMap;
use serde::Serialize;
use std::sync::Arc;
use url::Url;

/// How the client proves itself at the token endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    /// HTTP Basic with client id and secret.
    Basic,
    /// Client id and secret in the form body (or the query, for GET token endpoints).
    Body,
}

/// How the token endpoint is called.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenMethod {
    Post,
    /// Parameters in the query string (Facebook's Graph API).
    Get,
}

/// How a connection is kept alive without a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Renewal {
    /// A refresh token that is single use: every refresh returns a new one.
    RotatingRefresh,
    /// A refresh token that stays the same across refreshes.
    ReusableRefresh,
    /// A refresh token that lives a fixed time from the first consent; refreshing never
    /// extends it (LinkedIn's 365 days).
    FixedWindowRefresh,
    /// The access token itself is extended at `url` once at least `min_age` old and still
    /// valid (Instagram, Threads).
    ExtendInPlace {
        url: Url,
        grant_type: &'static str,
        min_age: TimeDelta,
    },
    /// A still-valid long-lived token is exchanged again for a fresh one (Facebook).
    ReExchange,
    /// Nothing keeps it alive: a person is reminded before it lapses.
    Nothing,
}

impl Renewal {
    /// The semantics in words, for `tether networks` and the API.
    pub fn describe(&self) -> String {
        match self {
            Renewal::RotatingRefresh => "refresh token, single use, rotates on every refresh".into(),
            Renewal::ReusableRefresh => "refresh token, reused across refreshes".into(),
            Renewal::FixedWindowRefresh => {
                "refresh token with a fixed window from first consent; refreshing does not extend it"
                    .into()
            }
            Renewal::ExtendInPlace {
                grant_type,
                min_age,
                ..
            } => format!(
                "token extended in place ({grant_type}) once at least {} h old and still valid",
                min_age.num_hours()
            ),
            Renewal::ReExchange => "long-lived token re-exchanged while still valid".into(),
            Renewal::Nothing => "no refresh: a person reconnects before it lapses".into(),
        }
    }
}

/// A call that trades one token for another (Facebook's long-lived exchange,
/// Instagram's and Threads' short-to-long exchange).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExchangeCall {
    pub url: Url,
    pub grant_type: &'static str,
    /// The parameter that carries the token being exchanged.
    pub token_param: &'static str,
    /// POST keeps the app secret out of the URL; GET only where that is all the network
    /// documents.
    pub method: TokenMethod,
}

/// How a network takes a revocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevokeStyle {
    /// RFC 7009: POST the token with the client's credentials; the refresh token where
    /// there is one, since revoking it ends the whole grant.
    Rfc7009,
    /// As RFC 7009, but the network takes the access token (TikTok: `token` is "the user
    /// access token to revoke").
    AccessToken,
    /// Graph API: `DELETE /{user-id}/permissions` with the app's token, which
    /// de-authorizes the app for everything that person connected.
    DeleteUserPermissions,
}

/// What kind of account a channel on this network is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ChannelKind {
    pub id: &'static str,
    pub label: &'static str,
    /// True when the account is chosen after consent from a list (pages, organizations,
    /// ads accounts); false when the consenting account itself is the channel.
    pub picked: bool,
    /// True when the account is a person's own (a profile, a member), not something they
    /// manage (a page, an ads account): only such a channel can be handed over to another
    /// person's account.
    pub personal: bool,
    /// Scopes this kind needs beyond the network's set (an Instagram account reached
    /// through a Facebook Page needs the Instagram scopes).
    pub extra_required: &'static [&'static str],
}

/// Which permissions a channel asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Read-only metrics: what creators are asked for.
    #[default]
    Metrics,
    /// Metrics plus publishing.
    Publishing,
}

impl Access {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "metrics" => Some(Access::Metrics),
            "publishing" => Some(Access::Publishing),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Access::Metrics => "metrics",
            Access::Publishing => "publishing",
        }
    }
}

/// The network's scopes: the read-only set, what publishing adds, and words for each.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Scopes {
    pub metrics: Vec<String>,
    /// Added to `metrics` when publishing is asked for.
    pub publishing: Vec<String>,
    /// Scopes asked for but not needed by the channel (identity, offline access).
    pub supporting: Vec<String>,
}

impl Scopes {
    pub fn from_static(metrics: &[&str], publishing: &[&str], supporting: &[&str]) -> Self {
        let own = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect();
        Self {
            metrics: own(metrics),
            publishing: own(publishing),
            supporting: own(supporting),
        }
    }

    /// Scopes a channel cannot work without.
    pub fn required(&self, access: Access) -> Vec<String> {
        let mut scopes = self.metrics.clone();
        if access == Access::Publishing {
            scopes.extend(self.publishing.iter().cloned());
        }
        scopes
    }

    /// Scopes asked for at consent.
    pub fn requested(&self, access: Access) -> Vec<String> {
        let mut scopes = self.supporting.clone();
        for scope in self.required(access) {
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        scopes
    }
}

/// Documented lifetimes, used where a response does not say (`expires_in` wins).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lifetimes {
    /// The access token a channel keeps (after any long-lived exchange).
    pub access: Option<TimeDelta>,
    pub refresh: Option<TimeDelta>,
    /// Fresh consent is needed this long after the first one, whatever Tether does.
    pub reconsent: Option<TimeDelta>,
    /// A consent given from a private profile ends this long after it (Threads: 90 days),
    /// one from a public profile does not; the network does not say which a profile is.
    pub private_profile_consent: Option<TimeDelta>,
}

/// Whose code reads this network's answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Adapter {
    Demo,
    Facebook,
    Instagram,
    LinkedIn,
    LinkedInMember,
    LinkedInAds,
    X,
    TikTok,
    YouTube,
    Pinterest,
    Threads,
    Generic,
}

/// The facts about one network that the client code path needs. A sandbox network and a
/// real one differ only in their URLs.
#[derive(Clone, Debug)]
pub struct NetworkProfile {
    /// Stable identifier used in URLs and the database.
    pub id: String,
    pub display_name: String,
    pub adapter: Adapter,
    pub kinds: &'static [ChannelKind],
    pub authorize_url: Url,
    /// Extra query parameters the consent URL needs (`access_type=offline`…).
    pub authorize_params: &'static [(&'static str, &'static str)],
    /// Extra parameters every refresh request carries (Pinterest's `continuous_refresh`).
    pub refresh_params: &'static [(&'static str, &'static str)],
    /// The name the network gives the client id (`client_key` on TikTok).
    pub client_id_param: &'static str,
    /// How scopes are joined in the consent URL.
    pub scope_separator: &'static str,
    pub token_url: Url,
    pub token_method: TokenMethod,
    pub client_auth: ClientAuth,
    pub pkce_s256: bool,
    /// Whether a person may untick permissions at consent.
    pub partial_consent: bool,
    pub scopes: Scopes,
    /// Words for each scope, for the consent page and "missing permissions".
    pub scope_words: &'static [(&'static str, &'static str)],
    /// The short-lived token from the code is traded for a long-lived one here.
    pub long_lived: Option<ExchangeCall>,
    pub renewal: Renewal,
    pub lifetimes: Lifetimes,
    /// Where a token is revoked, if anywhere, and how.
    pub revoke: Option<(Url, RevokeStyle)>,
    /// The base of the network's API calls (identity, pages, checks).
    pub api_base: Url,
    /// The API version the network wants in a header (`LinkedIn-Version`).
    pub api_version: Option<String>,
    /// Whether API calls carry `appsecret_proof` (Graph API: securing requests), which an
    /// app set to "Require App Secret" refuses calls without.
    pub app_secret_proof: bool,
    pub sandboxed: bool,
}

/// A network as `tether networks` prints it and `GET /api/v1/networks` returns it.
#[derive(Clone, Debug, Serialize)]
pub struct NetworkSummary {
    pub id: String,
    pub name: String,
    /// "real" or "sandbox".
    pub mode: &'static str,
    pub kinds: Vec<ChannelKind>,
    pub scopes: Scopes,
    pub access_token_lifetime_secs: Option<i64>,
    pub refresh_token_lifetime_secs: Option<i64>,
    pub reconsent_after_secs: Option<i64>,
    /// Consent given from a private profile ends after this long; from a public one, not.
    pub private_profile_consent_secs: Option<i64>,
    pub renewal: String,
    pub long_lived_exchange: Option<&'static str>,
    pub pkce_s256: bool,
    pub partial_consent: bool,
    pub client_auth: ClientAuth,
    pub revocable: bool,
}

impl NetworkProfile {
    pub fn summary(&self) -> NetworkSummary {
        NetworkSummary {
            id: self.id.clone(),
            name: self.display_name.clone(),
            mode: if self.sandboxed { "sandbox" } else { "real" },
            kinds: self.kinds.to_vec(),
            scopes: self.scopes.clone(),
            access_token_lifetime_secs: self.lifetimes.access.map(|d| d.num_seconds()),
            refresh_token_lifetime_secs: self.lifetimes.refresh.map(|d| d.num_seconds()),
            reconsent_after_secs: self.lifetimes.reconsent.map(|d| d.num_seconds()),
            private_profile_consent_secs: self
                .lifetimes
                .private_profile_consent
                .map(|d| d.num_seconds()),
            renewal: self.renewal.describe(),
            long_lived_exchange: self.long_lived.as_ref().map(|e| e.grant_type),
            pkce_s256: self.pkce_s256,
            partial_consent: self.partial_consent,
            client_auth: self.client_auth,
            revocable: self.revoke.is_some(),
        }
    }

    /// The sandbox's control page, for a sandboxed network.
    pub fn sandbox_control_url(&self) -> Option<Url> {
        if !self.sandboxed {
            return None;
        }
        let mount = format!("/{}/", sandbox_mount(&self.id));
        let url = self.authorize_url.as_str();
        let end = url.find(&mount)? + mount.len();
        Url::parse(&format!("{}_control", &url[..end])).ok()
    }

    pub fn kind(&self, id: &str) -> Option<&'static ChannelKind> {
        self.kinds.iter().find(|k| k.id == id)
    }

    /// Scopes a channel of `kind` cannot work without.
    pub fn required_scopes(&self, kind: &ChannelKind, access: Access) -> Vec<String> {
        let mut scopes = self.scopes.required(access);
        scopes.extend(kind.extra_required.iter().map(|s| (*s).to_owned()));
        scopes
    }

    /// A scope in words, or the scope itself when the network file has no words for it.
    pub fn scope_in_words(&self, scope: &str) -> String {
        self.scope_words
            .iter()
            .find(|(s, _)| *s == scope)
            .map(|(_, words)| (*words).to_owned())
            .unwrap_or_else(|| scope.to_owned())
    }

    /// A URL on the network's API.
    pub fn api(&self, path: &str) -> Url {
        self.api_base
            .join(path.trim_start_matches('/'))
            .expect("API paths are valid URL paths")
    }
}

/// What an operator sets about the networks for one deployment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetworkSettings {
    pub graph_version: GraphVersion,
    pub linkedin_version: LinkedInVersion,
    /// The Google app is in "Testing" publishing status: every consent's refresh token
    /// ends 7 days after it (Google OAuth 2.0: refresh token expiration).
    pub google_app_in_testing: bool,
}

/// A LinkedIn API version, `YYYYMM`. Each is "supported and stable for a minimum of one
/// year before sunset" (LinkedIn versioning), so it is a setting with a current default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkedInVersion(String);

impl LinkedInVersion {
    /// The newest version in LinkedIn's documentation when this was written.
    pub const DEFAULT: &'static str = "202608";

    pub fn parse(raw: &str) -> Result<Self, String> {
        let month = raw.get(4..).and_then(|m| m.parse::<u32>().ok());
        if raw.len() == 6
            && raw.chars().all(|c| c.is_ascii_digit())
            && month.is_some_and(|m| (1..=12).contains(&m))
        {
            Ok(Self(raw.to_owned()))
        } else {
            Err(format!(
                "must be a LinkedIn API version YYYYMM such as {}",
                Self::DEFAULT
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for LinkedInVersion {
    fn default() -> Self {
        Self(Self::DEFAULT.to_owned())
    }
}

/// A Graph API version (`v25.0`). Meta retires each version about two years after its
/// release (Graph API changelog), so it is a setting with a current default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphVersion(String);

impl GraphVersion {
    /// The newest version named in the Graph API reference when this was written.
    pub const DEFAULT: &'static str = "v25.0";

    pub fn parse(raw: &str) -> Result<Self, String> {
        let valid = raw
            .strip_prefix('v')
            .and_then(|rest| rest.split_once('.'))
            .is_some_and(|(major, minor)| {
                (1..=3).contains(&major.len())
                    && minor.len() == 1
                    && major
                        .chars()
                        .chain(minor.chars())
                        .all(|c| c.is_ascii_digit())
            });
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(format!(
                "must be a Graph API version such as {}",
                Self::DEFAULT
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for GraphVersion {
    fn default() -> Self {
        Self(Self::DEFAULT.to_owned())
    }
}

/// Where a network's endpoints live: at the network itself, or at Tether's sandbox of it
/// (the browser reaches it at the public URL, the server over loopback).
#[derive(Clone, Debug)]
pub enum Hosts {
    Real,
    Sandbox { browser: Url, server: Url },
}

impl Hosts {
    /// A URL the person's browser visits (consent pages).
    pub fn browser(&self, network: &str, real_origin: &str, path: &str) -> Url {
        self.resolve(network, real_origin, path, |b, _| b)
    }

    /// A URL Tether's server calls (token, API).
    pub fn server(&self, network: &str, real_origin: &str, path: &str) -> Url {
        self.resolve(network, real_origin, path, |_, s| s)
    }

    pub fn is_sandbox(&self) -> bool {
        matches!(self, Hosts::Sandbox { .. })
    }

    fn resolve(
        &self,
        network: &str,
        real_origin: &str,
        path: &str,
        pick: impl for<'a> Fn(&'a Url, &'a Url) -> &'a Url,
    ) -> Url {
        let url = match self {
            Hosts::Real => format!("{real_origin}{path}"),
            Hosts::Sandbox { browser, server } => {
                format!("{}{}{path}", pick(browser, server), sandbox_mount(network))
            }
        };
        Url::parse(&url).expect("network endpoints are valid URLs")
    }
}

/// Where a network's sandbox is mounted under Tether's base URL (no trailing slash).
pub fn sandbox_mount(network: &str) -> String {
    format!("sandbox/{network}")
}

/// Why a network refused a token for good: it needs a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadReason {
    Expired,
    Revoked,
    PasswordChanged,
    Checkpoint,
    AppRemoved,
    LostRole,
    Restricted,
    Unconfirmed,
    DataAccessExpired,
    /// The network's fixed consent period ended (LinkedIn's 365 days, Google's 7 days for
    /// apps in testing): a deadline Tether counted down to, not a revocation.
    ConsentLapsed,
    Invalid,
}

impl DeadReason {
    const ALL: [DeadReason; 11] = [
        DeadReason::Expired,
        DeadReason::Revoked,
        DeadReason::PasswordChanged,
        DeadReason::Checkpoint,
        DeadReason::AppRemoved,
        DeadReason::LostRole,
        DeadReason::Restricted,
        DeadReason::Unconfirmed,
        DeadReason::DataAccessExpired,
        DeadReason::ConsentLapsed,
        DeadReason::Invalid,
    ];

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == code)
    }

    /// The words for a stored reason: a known code, or text kept as it was written.
    pub fn words_for(stored: &str) -> String {
        Self::parse(stored).map_or_else(|| stored.to_owned(), |r| r.words().to_owned())
    }

    /// What happened and what the person must do, in words.
    pub fn words(self) -> &'static str {
        match self {
            DeadReason::Expired => "The access expired. Reconnect to continue.",
            DeadReason::Revoked => "Access was revoked at the network. Reconnect to continue.",
            DeadReason::PasswordChanged => {
                "The account's password was changed, which ended the connection. Reconnect."
            }
            DeadReason::Checkpoint => {
                "The network wants the account holder to log in on its site to pass a security check, then reconnect."
            }
            DeadReason::AppRemoved => "Tether was removed from the account's apps. Reconnect.",
            DeadReason::LostRole => {
                "The person who connected lost their role on the page. Someone with the role must reconnect."
            }
            DeadReason::Restricted => {
                "The network restricted the account. Resolve it on the network, then reconnect."
            }
            DeadReason::Unconfirmed => {
                "The network wants the account holder to confirm their account on its site, then reconnect."
            }
            DeadReason::DataAccessExpired => {
                "The network's data access period lapsed. The account holder must reconnect."
            }
            DeadReason::ConsentLapsed => {
                "The network's consent period ended. The account holder must reconnect to give consent again."
            }
            DeadReason::Invalid => "The network no longer accepts the token. Reconnect.",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DeadReason::Expired => "expired",
            DeadReason::Revoked => "revoked",
            DeadReason::PasswordChanged => "password_changed",
            DeadReason::Checkpoint => "checkpoint",
            DeadReason::AppRemoved => "app_removed",
            DeadReason::LostRole => "lost_role",
            DeadReason::Restricted => "restricted",
            DeadReason::Unconfirmed => "unconfirmed",
            DeadReason::DataAccessExpired => "data_access_expired",
            DeadReason::ConsentLapsed => "consent_lapsed",
            DeadReason::Invalid => "invalid",
        }
    }
}

/// What a failed call to a network means for the channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "class")]
pub enum FailureClass {
    /// The token is dead: a person must reconnect.
    Dead { reason: DeadReason },
    /// The token works but lacks a permission: ask again for it.
    MissingPermission,
    /// Try again later: after `retry_after` seconds, or at `reset_at` (Unix seconds),
    /// whichever the network said.
    RateLimited {
        retry_after: Option<i64>,
        reset_at: Option<i64>,
    },
    /// Try again with backoff; the channel is not dead.
    Transient,
    /// The network refused in words no rule reads (a 4xx outside its documented codes).
    /// Not silence, and no proof of death either: a check asks the network's authority on
    /// the grant (a renewal) before the channel is called dead or healthy.
    Unclear,
    /// The network refused Tether's own app credentials (RFC 6749 5.2 `invalid_client`,
    /// `unauthorized_client`, or the network's own word for it): wrong or rotated, an
    /// operator's fault for every channel of the network, never one channel's death.
    Misconfigured,
}

impl FailureClass {
    pub fn dead(reason: DeadReason) -> Self {
        FailureClass::Dead { reason }
    }

    /// The usual reading of an HTTP status when the body says nothing more specific.
    pub fn from_status(status: u16, headers: &HeaderMap) -> Self {
        match status {
            401 => FailureClass::dead(DeadReason::Invalid),
            403 => FailureClass::MissingPermission,
            429 => FailureClass::RateLimited {
                retry_after: retry_after(headers),
                reset_at: None,
            },
            408 | 500.. => FailureClass::Transient,
            _ => FailureClass::Unclear,
        }
    }
}

/// `Retry-After` in seconds, when a network sends it.
pub fn retry_after(headers: &HeaderMap) -> Option<i64> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// An account a consent gave access to, as the network described it.
#[derive(Clone, Debug)]
pub struct DiscoveredAccount {
    pub kind: &'static str,
    pub id: String,
    pub handle: String,
    pub name: String,
    pub avatar_url: Option<String>,
    pub followers: Option<i64>,
    /// The account's own token (a Facebook Page token); `None` uses the consent's token.
    pub token: Option<Secret>,
    /// The account this one hangs off (an Instagram business account's Facebook Page).
    pub linked_to: Option<String>,
}

impl DiscoveredAccount {
    /// Refuses accounts a network should never send: empty, overlong or with control
    /// characters, so nothing odd is stored or shown.
    pub fn validated(self) -> Result<Self, String> {
        let ok = |value: &str| {
            !value.trim().is_empty() && value.len() <= 200 && !value.chars().any(char::is_control)
        };
        let avatar_ok = self.avatar_url.as_deref().is_none_or(|u| {
            u.len() <= 2000 && Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "https" | "http"))
        });
        if ok(&self.id) && ok(&self.handle) && ok(&self.name) && avatar_ok {
            Ok(self)
        } else {
            Err(format!(
                "the network sent a {} account whose id, name, handle or picture is empty or malformed",
                self.kind
            ))
        }
    }
}

/// What one consent gave access to.
#[derive(Debug)]
pub struct Discovery {
    pub accounts: Vec<DiscoveredAccount>,
    /// Granted scopes read from the network when its token response does not say them.
    pub granted_scopes: Option<Vec<String>>,
    /// The network's id for the person who consented, where it differs from the
    /// accounts' own (a Facebook user behind their Pages): channels with the same subject
    /// share one grant, which is revoked only when the last of them goes.
    pub subject: Option<String>,
    /// The reading spoke as Tether's app (an app token) and was accepted: the app's
    /// credentials work, whatever fault was noted before.
    pub app_accepted: bool,
}

impl Adapter {
    /// Reads the accounts a fresh token gives access to (the person, their pages,
    /// organizations, ads accounts) with their handles, avatars and follower counts.
    pub async fn discover(self, call: &ApiCall<'_>) -> Result<Discovery, NetworkFailure> {
        match self {
            Adapter::Demo => demo::discover(call).await,
            Adapter::Facebook => facebook::discover(call).await,
            Adapter::Instagram => instagram::discover(call).await,
            Adapter::LinkedIn => linkedin::discover(call).await,
            Adapter::LinkedInMember => linkedin_member::discover(call).await,
            Adapter::LinkedInAds => linkedin_ads::discover(call).await,
            Adapter::X => x::discover(call).await,
            Adapter::TikTok => tiktok::discover(call).await,
            Adapter::YouTube => youtube::discover(call).await,
            Adapter::Pinterest => pinterest::discover(call).await,
            Adapter::Threads => threads::discover(call).await,
            Adapter::Generic => generic::discover(call).await,
        }
    }

    /// A channel's health check with its own token: by default the same reading as at
    /// consent, which must still reach the channel's account.
    pub async fn check(
        self,
        call: &ApiCall<'_>,
        kind: &str,
        account_id: &str,
    ) -> Result<Discovery, NetworkFailure> {
        match self {
            Adapter::Facebook => facebook::check(call, kind, account_id).await,
            // Member and ads channels connected on the pages app before they had apps of
            // their own are checked the way those apps' channels are.
            Adapter::LinkedIn if kind == "member" => linkedin_member::discover(call).await,
            Adapter::LinkedIn if kind == "ads_account" => {
                linkedin_ads::check(call, kind, account_id).await
            }
            Adapter::LinkedIn => linkedin::check(call, kind, account_id).await,
            Adapter::LinkedInAds => linkedin_ads::check(call, kind, account_id).await,
            _ => self.discover(call).await,
        }
    }

    /// Whether a refused call that authenticated as Tether's app (a token endpoint,
    /// revocation, an app-token call) refused the app's credentials themselves.
    pub fn app_refused(self, status: u16, body: &[u8]) -> bool {
        let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let oauth_error = json::str_at(&value, "/error");
        if matches!(
            oauth_error.as_deref(),
            Some("invalid_client" | "unauthorized_client")
        ) {
            return true;
        }
        match self {
            // Code 101 "Error validating application"; code 1 "Error validating client
            // secret." (seen in reports, not documented).
            Adapter::Facebook | Adapter::Instagram | Adapter::Threads => {
                let code = json::count_at(&value, "/error/code");
                let message = json::str_at(&value, "/error/message")
                    .unwrap_or_default()
                    .to_lowercase();
                code == Some(101) || (code == Some(1) && message.contains("client secret"))
            }
            // 401 code 2 "Authentication failed." is the client authentication error of
            // the `basic` scheme (OpenAPI, /oauth/token/revoke).
            Adapter::Pinterest => status == 401 && json::count_at(&value, "/code") == Some(2),
            _ => false,
        }
    }

    /// What the end of the network's fixed consent period is called: Meta's is the 90-day
    /// data access period (Graph API: data access expiration); elsewhere it is consent.
    pub fn reconsent_lapse(self) -> DeadReason {
        match self {
            Adapter::Facebook => DeadReason::DataAccessExpired,
            _ => DeadReason::ConsentLapsed,
        }
    }

    /// Classifies a failed call by the network's own error codes.
    pub fn classify(self, status: u16, headers: &HeaderMap, body: &[u8]) -> FailureClass {
        match self {
            Adapter::Facebook | Adapter::Instagram | Adapter::Threads => {
                facebook::classify(status, headers, body)
            }
            Adapter::LinkedIn | Adapter::LinkedInMember | Adapter::LinkedInAds => {
                linkedin::classify(status, headers, body)
            }
            Adapter::X => x::classify(status, headers, body),
            Adapter::TikTok => tiktok::classify(status, headers, body),
            Adapter::YouTube => youtube::classify(status, headers, body),
            Adapter::Pinterest => pinterest::classify(status, headers, body),
            Adapter::Demo | Adapter::Generic => generic::classify(status, headers, body),
        }
    }
}

/// A network this instance can connect: its profile and the app credentials registered
/// with it.
#[derive(Clone, Debug)]
pub struct ConfiguredNetwork {
    pub profile: NetworkProfile,
    pub client_id: String,
    pub client_secret: Secret,
    /// Where an operator sets the credentials, in words ("TETHER_X_CLIENT_ID and
    /// TETHER_X_CLIENT_SECRET"), for when the network refuses them.
    pub credentials_setting: String,
}

#[derive(Clone, Debug, Default)]
pub struct Networks {
    /// Shared: every engine clone (one per piece of background work) holds the registry.
    configured: Arc<[ConfiguredNetwork]>,
}

impl Networks {
    pub fn new(configured: Vec<ConfiguredNetwork>) -> Self {
        Self {
            configured: configured.into(),
        }
    }

    pub fn get(&self, id: &str) -> Option<&ConfiguredNetwork> {
        self.configured.iter().find(|n| n.profile.id == id)
    }

    /// The network's name for people; its id when it is no longer configured.
    pub fn display_name(&self, id: &str) -> String {
        self.get(id)
            .map_or_else(|| id.to_owned(), |n| n.profile.display_name.clone())
    }

    pub fn all(&self) -> &[ConfiguredNetwork] {
        &self.configured
    }
}

/// A built-in network: its id and its profile at given hosts and settings.
pub struct Builtin {
    pub id: &'static str,
    pub profile: fn(&Hosts, &NetworkSettings) -> NetworkProfile,
}

/// Every built-in network (the generic one is configured apart, from its issuer). The
/// demo network has no real counterpart and is offered only in sandbox mode.
pub const BUILTIN: &[Builtin] = &[
    Builtin {
        id: facebook::ID,
        profile: facebook::profile,
    },
    Builtin {
        id: instagram::ID,
        profile: instagram::profile,
    },
    Builtin {
        id: linkedin::ID,
        profile: linkedin::profile,
    },
    Builtin {
        id: linkedin_member::ID,
        profile: linkedin_member::profile,
    },
    Builtin {
        id: linkedin_ads::ID,
        profile: linkedin_ads::profile,
    },
    Builtin {
        id: x::ID,
        profile: x::profile,
    },
    Builtin {
        id: tiktok::ID,
        profile: tiktok::profile,
    },
    Builtin {
        id: youtube::ID,
        profile: youtube::profile,
    },
    Builtin {
        id: pinterest::ID,
        profile: pinterest::profile,
    },
    Builtin {
        id: threads::ID,
        profile: threads::profile,
    },
    Builtin {
        id: demo::ID,
        profile: demo::profile,
    },
];

/// Small readers for JSON answers, shared by the network files.
pub(crate) mod json {
    use serde_json::Value;

    pub fn str_at(value: &Value, pointer: &str) -> Option<String> {
        match value.pointer(pointer)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// A count that some networks send as a number and others as a string.
    pub fn count_at(value: &Value, pointer: &str) -> Option<i64> {
        match value.pointer(pointer)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    pub fn required(value: &Value, pointer: &str) -> Result<String, String> {
        str_at(value, pointer).ok_or_else(|| format!("the response has no {pointer}"))
    }
}
