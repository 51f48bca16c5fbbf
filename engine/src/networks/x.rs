//! X (OAuth 2.0 with PKCE).
//!
//! Tokens: 2 h access tokens; a refresh token only with `offline.access`, single use and
//! rotating (unconfirmed). PKCE S256 is required; the client authenticates with HTTP Basic
//! (confidential client). Consent is all or nothing. A dead refresh token is answered
//! `400 invalid_request` "Value passed for the token was invalid" (unconfirmed); a dead
//! access token 401. Rate limits: 429 with `x-rate-limit-reset` (Unix seconds). Revocation
//! at `/2/oauth2/revoke`.

use super::call::{ApiCall, NetworkFailure};
use super::{
    json, Adapter, ChannelKind, ClientAuth, DeadReason, DiscoveredAccount, Discovery, FailureClass,
    Hosts, Lifetimes, NetworkProfile, NetworkSettings, Renewal, RevokeStyle, Scopes, TokenMethod,
};
use chrono::TimeDelta;
use reqwest::header::HeaderMap as ClientHeaders;
use serde_json::Value;

pub const ID: &str = "x";
pub const DISPLAY_NAME: &str = "X";

const WEB: &str = "https://x.com";
const API: &str = "https://api.x.com";

const AUTHORIZE: &str = "/i/oauth2/authorize";
const TOKEN: &str = "/2/oauth2/token";
const REVOKE: &str = "/2/oauth2/revoke";
const ME: &str = "/2/users/me";

const ACCESS: TimeDelta = TimeDelta::hours(2);
const OFFLINE: &str = "offline.access";

const SCOPE_WORDS: &[(&str, &str)] = &[
    ("tweet.read", "Read posts you can see"),
    ("users.read", "See your profile and follower count"),
    ("tweet.write", "Post for you"),
    (OFFLINE, "Stay connected when you are not using the app"),
];

const KINDS: &[ChannelKind] = &[ChannelKind {
    id: "profile",
    label: "X profile",
    picked: false,
    personal: true,
    extra_required: &[],
}];

pub fn profile(hosts: &Hosts, _: &NetworkSettings) -> NetworkProfile {
    NetworkProfile {
        id: ID.into(),
        display_name: DISPLAY_NAME.into(),
        adapter: Adapter::X,
        kinds: KINDS,
        authorize_url: hosts.browser(ID, WEB, AUTHORIZE),
        authorize_params: &[],
        refresh_params: &[],
        client_id_param: "client_id",
        scope_separator: " ",
        token_url: hosts.server(ID, API, TOKEN),
        token_method: TokenMethod::Post,
        client_auth: ClientAuth::Basic,
        pkce_s256: true,
        partial_consent: false,
        scopes: Scopes::from_static(&["tweet.read", "users.read"], &["tweet.write"], &[OFFLINE]),
        scope_words: SCOPE_WORDS,
        long_lived: None,
        renewal: Renewal::RotatingRefresh,
        lifetimes: Lifetimes {
            access: Some(ACCESS),
            ..Lifetimes::default()
        },
        revoke: Some((hosts.server(ID, API, REVOKE), RevokeStyle::Rfc7009)),
        api_base: hosts.server(ID, API, "/"),
        api_version: None,
        app_secret_proof: false,
        sandboxed: hosts.is_sandbox(),
    }
}

pub(super) async fn discover(call: &ApiCall<'_>) -> Result<Discovery, NetworkFailure> {
    let bad = ApiCall::malformed;
    let me = call
        .get(ME, &[("user.fields", "profile_image_url,public_metrics")])
        .await?;
    let username = json::required(&me, "/data/username").map_err(bad)?;
    let account = DiscoveredAccount {
        kind: "profile",
        id: json::required(&me, "/data/id").map_err(bad)?,
        handle: format!("@{username}"),
        name: json::required(&me, "/data/name").map_err(bad)?,
        avatar_url: json::str_at(&me, "/data/profile_image_url"),
        followers: json::count_at(&me, "/data/public_metrics/followers_count"),
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
    let error = json::str_at(&value, "/error");
    match status {
        400 if matches!(error.as_deref(), Some("invalid_request" | "invalid_grant")) => {
            FailureClass::dead(DeadReason::Invalid)
        }
        429 => FailureClass::RateLimited {
            retry_after: None,
            reset_at: headers
                .get("x-rate-limit-reset")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok()),
        },
        _ => FailureClass::from_status(status, headers),
    }
}
