//! TikTok (Login Kit for web, API v2).
//!
//! The client id is called `client_key`, in the consent URL and the token request; scopes
//! are comma-separated. Tokens: access tokens of 2 h and refresh tokens of 180 days
//! (`refresh_expires_in`) that rotate (OAuth user access token management, 2026-11; an
//! older page says 24 h and 365 days, so `expires_in` and `refresh_expires_in` win). No
//! PKCE for web apps; credentials in the body. Consent is partial, and each user info field
//! needs its scope: asking for one whose scope was not granted fails the whole call with
//! `scope_not_authorized`, so only fields of granted scopes are asked for. Errors: the
//! token endpoint answers `{"error", "error_description", "log_id"}`; the API
//! `{"error": {"code", "message", "log_id"}}`. Revocation at `/v2/oauth/revoke/` takes
//! the access token ("the user access token to revoke").

use super::call::{ApiCall, NetworkFailure};
use super::{
    json, Adapter, ChannelKind, ClientAuth, DeadReason, DiscoveredAccount, Discovery, FailureClass,
    Hosts, Lifetimes, NetworkProfile, NetworkSettings, Renewal, RevokeStyle, Scopes, TokenMethod,
};
use chrono::TimeDelta;
use reqwest::header::HeaderMap as ClientHeaders;
use serde_json::Value;

pub const ID: &str = "tiktok";
pub const DISPLAY_NAME: &str = "TikTok";

const WEB: &str = "https://www.tiktok.com";
const API: &str = "https://open.tiktokapis.com";

const AUTHORIZE: &str = "/v2/auth/authorize/";
const TOKEN: &str = "/v2/oauth/token/";
const REVOKE: &str = "/v2/oauth/revoke/";
const USER_INFO: &str = "/v2/user/info/";

/// Used only where a response does not say (`expires_in`, `refresh_expires_in` win).
const ACCESS: TimeDelta = TimeDelta::hours(2);
const REFRESH: TimeDelta = TimeDelta::days(180);

const SCOPE_WORDS: &[(&str, &str)] = &[
    ("user.info.basic", "See your profile name and avatar"),
    ("user.info.profile", "See your username"),
    ("user.info.stats", "See your follower and like counts"),
    ("video.list", "See your public videos and their metrics"),
    ("video.publish", "Post videos for you"),
];

const KINDS: &[ChannelKind] = &[ChannelKind {
    id: "profile",
    label: "TikTok account",
    picked: false,
    personal: true,
    extra_required: &[],
}];

pub fn profile(hosts: &Hosts, _: &NetworkSettings) -> NetworkProfile {
    NetworkProfile {
        id: ID.into(),
        display_name: DISPLAY_NAME.into(),
        adapter: Adapter::TikTok,
        kinds: KINDS,
        authorize_url: hosts.browser(ID, WEB, AUTHORIZE),
        authorize_params: &[],
        refresh_params: &[],
        client_id_param: "client_key",
        scope_separator: ",",
        token_url: hosts.server(ID, API, TOKEN),
        token_method: TokenMethod::Post,
        client_auth: ClientAuth::Body,
        pkce_s256: false,
        partial_consent: true,
        scopes: Scopes::from_static(
            &["user.info.basic", "video.list"],
            &["video.publish"],
            &["user.info.profile", "user.info.stats"],
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
        revoke: Some((hosts.server(ID, API, REVOKE), RevokeStyle::AccessToken)),
        api_base: hosts.server(ID, API, "/"),
        api_version: None,
        app_secret_proof: false,
        sandboxed: hosts.is_sandbox(),
    }
}

pub(super) async fn discover(call: &ApiCall<'_>) -> Result<Discovery, NetworkFailure> {
    let bad = ApiCall::malformed;
    // user.info.basic is always granted (it cannot be unticked); the rest only if given.
    let mut fields = vec!["open_id", "avatar_url", "display_name"];
    if call.granted("user.info.profile") {
        fields.push("username");
    }
    if call.granted("user.info.stats") {
        fields.push("follower_count");
    }
    let info = call
        .get(USER_INFO, &[("fields", &fields.join(","))])
        .await?;
    let user = info
        .pointer("/data/user")
        .ok_or_else(|| bad("user info has no data.user".into()))?;
    let name = json::required(user, "/display_name").map_err(bad)?;
    let account = DiscoveredAccount {
        kind: "profile",
        id: json::required(user, "/open_id").map_err(bad)?,
        handle: json::str_at(user, "/username")
            .map(|username| format!("@{username}"))
            .unwrap_or_else(|| name.clone()),
        name,
        avatar_url: json::str_at(user, "/avatar_url"),
        followers: json::count_at(user, "/follower_count"),
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
    let code = json::str_at(&value, "/error/code").or_else(|| json::str_at(&value, "/error"));
    match code.as_deref() {
        Some("access_token_invalid") => FailureClass::dead(DeadReason::Invalid),
        Some("invalid_grant") => FailureClass::dead(DeadReason::Invalid),
        Some("scope_not_authorized") => FailureClass::MissingPermission,
        Some("rate_limit_exceeded") => FailureClass::RateLimited {
            retry_after: super::retry_after(headers),
            reset_at: None,
        },
        Some("internal_error") => FailureClass::Transient,
        _ => FailureClass::from_status(status, headers),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::documented;
    use super::*;

    fn read(name: &str) -> FailureClass {
        let answer = documented("tiktok", name);
        classify(answer.status, &answer.headers, &answer.bytes())
    }

    #[test]
    fn tiktok_errors_are_read_as_their_class() {
        assert_eq!(
            read("error_access_token_invalid"),
            FailureClass::dead(DeadReason::Invalid)
        );
        assert_eq!(
            read("error_scope_not_authorized"),
            FailureClass::MissingPermission
        );
        assert!(matches!(
            read("error_rate_limit_exceeded"),
            FailureClass::RateLimited { .. }
        ));
        assert_eq!(read("error_internal_error"), FailureClass::Transient);
        assert_eq!(
            read("token_invalid_grant"),
            FailureClass::dead(DeadReason::Invalid)
        );
    }
}
