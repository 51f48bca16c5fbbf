//! Pinterest (API v5, as its OpenAPI description says).
//!
//! Tokens: access tokens of about 30 days (`expires_in` wins); continuous refresh tokens of
//! 60 days: each refresh returns a new refresh token with a new 60 days, and apps created
//! before 2025-09-25 must send `continuous_refresh=true` ("Pinterest no longer supports the
//! legacy refresh token"). HTTP Basic at the token endpoint; no PKCE; all-or-nothing
//! consent; the revoke endpoint takes system users' tokens only, so none for Tether. Errors
//! are the `Error` schema `{"code", "message"}`, never RFC 6749 bodies.

use super::call::{ApiCall, NetworkFailure};
use super::{
    json, Adapter, ChannelKind, ClientAuth, DeadReason, DiscoveredAccount, Discovery, FailureClass,
    Hosts, Lifetimes, NetworkProfile, NetworkSettings, Renewal, Scopes, TokenMethod,
};
use chrono::TimeDelta;
use reqwest::header::HeaderMap as ClientHeaders;
use serde_json::Value;

pub const ID: &str = "pinterest";
pub const DISPLAY_NAME: &str = "Pinterest";

const WEB: &str = "https://www.pinterest.com";
const API: &str = "https://api.pinterest.com";

const AUTHORIZE: &str = "/oauth/";
const TOKEN: &str = "/v5/oauth/token";
const ME: &str = "/v5/user_account";

/// Used only where a response does not say (`expires_in`, `refresh_token_expires_in`).
const ACCESS: TimeDelta = TimeDelta::days(30);
const REFRESH: TimeDelta = TimeDelta::days(60);

const SCOPE_WORDS: &[(&str, &str)] = &[
    ("user_accounts:read", "See your account and follower count"),
    ("pins:read", "See your Pins and their analytics"),
    ("boards:read", "See your boards"),
    ("pins:write", "Create Pins for you"),
];

const KINDS: &[ChannelKind] = &[ChannelKind {
    id: "profile",
    label: "Pinterest account",
    picked: false,
    personal: true,
    extra_required: &[],
}];

pub fn profile(hosts: &Hosts, _: &NetworkSettings) -> NetworkProfile {
    NetworkProfile {
        id: ID.into(),
        display_name: DISPLAY_NAME.into(),
        adapter: Adapter::Pinterest,
        kinds: KINDS,
        authorize_url: hosts.browser(ID, WEB, AUTHORIZE),
        authorize_params: &[],
        // Apps created before 2025-09-25 "must set continuous_refresh to true to use the
        // continuous refresh token"; newer apps get it anyway (OpenAPI, /oauth/token).
        refresh_params: &[("continuous_refresh", "true")],
        client_id_param: "client_id",
        scope_separator: ",",
        token_url: hosts.server(ID, API, TOKEN),
        token_method: TokenMethod::Post,
        client_auth: ClientAuth::Basic,
        pkce_s256: false,
        partial_consent: false,
        scopes: Scopes::from_static(
            &["user_accounts:read", "pins:read", "boards:read"],
            &["pins:write"],
            &[],
        ),
        scope_words: SCOPE_WORDS,
        long_lived: None,
        renewal: Renewal::RotatingRefresh,
        lifetimes: Lifetimes {
            access: Some(ACCESS),
            refresh: Some(REFRESH),
            reconsent: None,
            ..Lifetimes::default()
        },
        revoke: None,
        api_base: hosts.server(ID, API, "/"),
        api_version: None,
        app_secret_proof: false,
        sandboxed: hosts.is_sandbox(),
    }
}

pub(super) async fn discover(call: &ApiCall<'_>) -> Result<Discovery, NetworkFailure> {
    let bad = ApiCall::malformed;
    let me = call.get(ME, &[]).await?;
    let username = json::required(&me, "/username").map_err(bad)?;
    let account = DiscoveredAccount {
        kind: "profile",
        id: json::str_at(&me, "/id").unwrap_or_else(|| username.clone()),
        handle: username.clone(),
        name: json::str_at(&me, "/business_name").unwrap_or(username),
        avatar_url: json::str_at(&me, "/profile_image"),
        followers: json::count_at(&me, "/follower_count"),
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

/// `{"code", "message"}` errors. At the API, 401 code 2 "Authentication failed." is a dead
/// token; code 3 (401) and 403 a missing scope; 429 (code 8) a rate limit. At the token
/// endpoint a refused grant is 401 (code 283 in reports: not verified).
pub fn classify(status: u16, headers: &ClientHeaders, body: &[u8]) -> FailureClass {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    match (status, json::count_at(&value, "/code")) {
        (_, Some(3)) | (403, _) => FailureClass::MissingPermission,
        (429, _) | (_, Some(8)) => FailureClass::RateLimited {
            retry_after: super::retry_after(headers),
            reset_at: None,
        },
        (401, _) => FailureClass::dead(DeadReason::Invalid),
        _ => FailureClass::from_status(status, headers),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::documented;
    use super::*;

    fn read(name: &str) -> FailureClass {
        let answer = documented("pinterest", name);
        classify(answer.status, &answer.headers, &answer.bytes())
    }

    /// Pinterest answers `{"code", "message"}`, never RFC 6749 bodies: read as such, a
    /// missing scope (401, code 3) is not a dead token.
    #[test]
    fn pinterest_errors_are_read_from_code_and_message() {
        assert_eq!(
            read("error_invalid_refresh"),
            FailureClass::dead(DeadReason::Invalid)
        );
        assert_eq!(read("error_auth"), FailureClass::dead(DeadReason::Invalid));
        assert_eq!(
            read("error_insufficient_scope"),
            FailureClass::MissingPermission
        );
        assert_eq!(
            read("error_user_account_forbidden"),
            FailureClass::MissingPermission
        );
        assert!(matches!(
            read("error_rate_limit"),
            FailureClass::RateLimited { .. }
        ));
    }
}
