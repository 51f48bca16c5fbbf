//! YouTube, through Google's OAuth 2.0.
//!
//! Tokens: 1 h access tokens; a refresh token with `access_type=offline` (and
//! `prompt=consent`, so Google sends one again on reconsent) that does not rotate and has
//! no fixed expiry, but dies when revoked, after 6 months unused, or when too many exist.
//! Apps in "Testing" status: everything expires 7 days after consent — Tether's sandbox
//! behaves as such an app, so that wall can be watched. PKCE S256; credentials in the
//! body. Consent is partial (`include_granted_scopes`). Errors: refresh `invalid_grant`
//! "Token has been expired or revoked."; API 401; 403 `quotaExceeded` is a rate limit,
//! `insufficientPermissions` a missing scope. Revocation at oauth2.googleapis.com/revoke.

use super::call::{ApiCall, NetworkFailure};
use super::{
    json, Adapter, ChannelKind, ClientAuth, DeadReason, DiscoveredAccount, Discovery, FailureClass,
    Hosts, Lifetimes, NetworkProfile, NetworkSettings, Renewal, RevokeStyle, Scopes, TokenMethod,
};
use chrono::TimeDelta;
use reqwest::header::HeaderMap as ClientHeaders;
use serde_json::Value;

pub const ID: &str = "youtube";
pub const DISPLAY_NAME: &str = "YouTube";

const ACCOUNTS: &str = "https://accounts.google.com";
const OAUTH: &str = "https://oauth2.googleapis.com";
const API: &str = "https://www.googleapis.com";

const AUTHORIZE: &str = "/o/oauth2/v2/auth";
const TOKEN: &str = "/token";
const REVOKE: &str = "/revoke";
const CHANNELS: &str = "/youtube/v3/channels";

const ACCESS: TimeDelta = TimeDelta::hours(1);
/// Apps in Google's "Testing" publishing status.
const TESTING_APP_CONSENT: TimeDelta = TimeDelta::days(7);

const READONLY: &str = "https://www.googleapis.com/auth/youtube.readonly";
const ANALYTICS: &str = "https://www.googleapis.com/auth/yt-analytics.readonly";
const UPLOAD: &str = "https://www.googleapis.com/auth/youtube.upload";

const SCOPE_WORDS: &[(&str, &str)] = &[
    (READONLY, "View your YouTube account"),
    (ANALYTICS, "View YouTube Analytics reports for your content"),
    (UPLOAD, "Manage your YouTube videos"),
];

const KINDS: &[ChannelKind] = &[ChannelKind {
    id: "channel",
    label: "YouTube channel",
    picked: false,
    personal: true,
    extra_required: &[],
}];

pub fn profile(hosts: &Hosts, settings: &NetworkSettings) -> NetworkProfile {
    NetworkProfile {
        id: ID.into(),
        display_name: DISPLAY_NAME.into(),
        adapter: Adapter::YouTube,
        kinds: KINDS,
        authorize_url: hosts.browser(ID, ACCOUNTS, AUTHORIZE),
        authorize_params: &[
            ("access_type", "offline"),
            ("prompt", "consent"),
            ("include_granted_scopes", "true"),
        ],
        refresh_params: &[],
        client_id_param: "client_id",
        scope_separator: " ",
        token_url: hosts.server(ID, OAUTH, TOKEN),
        token_method: TokenMethod::Post,
        client_auth: ClientAuth::Body,
        pkce_s256: true,
        partial_consent: true,
        scopes: Scopes::from_static(&[READONLY, ANALYTICS], &[UPLOAD], &[]),
        scope_words: SCOPE_WORDS,
        long_lived: None,
        renewal: Renewal::ReusableRefresh,
        lifetimes: Lifetimes {
            access: Some(ACCESS),
            refresh: None,
            // A production app has no such wall; the sandbox is a testing app.
            reconsent: settings
                .google_app_in_testing
                .then_some(TESTING_APP_CONSENT),
            ..Lifetimes::default()
        },
        revoke: Some((hosts.server(ID, OAUTH, REVOKE), RevokeStyle::Rfc7009)),
        api_base: hosts.server(ID, API, "/"),
        api_version: None,
        app_secret_proof: false,
        sandboxed: hosts.is_sandbox(),
    }
}

pub(super) async fn discover(call: &ApiCall<'_>) -> Result<Discovery, NetworkFailure> {
    let bad = ApiCall::malformed;
    let list = call
        .get(
            CHANNELS,
            &[("part", "snippet,statistics"), ("mine", "true")],
        )
        .await?;
    let channel = list
        .pointer("/items/0")
        .ok_or_else(|| bad("this Google account has no YouTube channel".into()))?;
    let title = json::required(channel, "/snippet/title").map_err(bad)?;
    let account = DiscoveredAccount {
        kind: "channel",
        id: json::required(channel, "/id").map_err(bad)?,
        handle: json::str_at(channel, "/snippet/customUrl").unwrap_or_else(|| title.clone()),
        name: title,
        avatar_url: json::str_at(channel, "/snippet/thumbnails/default/url"),
        followers: json::count_at(channel, "/statistics/subscriberCount"),
        token: None,
        linked_to: None,
    }
    .validated()
    .map_err(bad)?;
    Ok(Discovery {
        accounts: vec![account],
        granted_scopes: None,
        subject: None,
        app_accepted: false,
    })
}

pub fn classify(status: u16, headers: &ClientHeaders, body: &[u8]) -> FailureClass {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let reason = json::str_at(&value, "/error/errors/0/reason");
    match (status, reason.as_deref()) {
        (400, _) if json::str_at(&value, "/error").as_deref() == Some("invalid_grant") => {
            FailureClass::dead(DeadReason::Revoked)
        }
        (403, Some("quotaExceeded" | "rateLimitExceeded" | "userRateLimitExceeded")) => {
            FailureClass::RateLimited {
                retry_after: super::retry_after(headers),
                reset_at: None,
            }
        }
        _ => FailureClass::from_status(status, headers),
    }
}
