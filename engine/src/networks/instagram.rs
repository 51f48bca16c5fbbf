//! Instagram with Instagram Login (professional accounts without a Facebook Page).
//!
//! Tokens: the code (POST api.instagram.com, credentials in the body) gives a 1 h token,
//! exchanged (`ig_exchange_token`) for a 60-day one; that one is extended in place
//! (`ig_refresh_token` on graph.instagram.com) once at least 24 h old and still valid, for
//! another 60 days. An expired token is dead. Consent is partial; the granted permissions
//! come back in the code response's `permissions`. Errors are Graph `OAuthException`s.
//! No revocation call.

use super::call::{ApiCall, NetworkFailure};
use super::{
    json, Adapter, ChannelKind, ClientAuth, DiscoveredAccount, Discovery, ExchangeCall, Hosts,
    Lifetimes, NetworkProfile, NetworkSettings, Renewal, Scopes, TokenMethod,
};
use chrono::TimeDelta;
use serde_json::Value;

pub const ID: &str = "instagram";
pub const DISPLAY_NAME: &str = "Instagram";

const WEB: &str = "https://www.instagram.com";
const API: &str = "https://api.instagram.com";
const GRAPH: &str = "https://graph.instagram.com";

const AUTHORIZE: &str = "/oauth/authorize";
const TOKEN: &str = "/oauth/access_token";
const EXCHANGE: &str = "/access_token";
const EXTEND: &str = "/refresh_access_token";
const ME: &str = "/me";

const LONG_LIVED: TimeDelta = TimeDelta::days(60);
const MIN_AGE_TO_EXTEND: TimeDelta = TimeDelta::hours(24);

const SCOPE_WORDS: &[(&str, &str)] = &[
    ("instagram_business_basic", "See your profile and media"),
    (
        "instagram_business_manage_insights",
        "Read your account's insights",
    ),
    (
        "instagram_business_content_publish",
        "Publish posts for you",
    ),
];

const KINDS: &[ChannelKind] = &[ChannelKind {
    id: "professional",
    label: "Instagram professional account",
    picked: false,
    personal: true,
    extra_required: &[],
}];

pub fn profile(hosts: &Hosts, _: &NetworkSettings) -> NetworkProfile {
    NetworkProfile {
        id: ID.into(),
        display_name: DISPLAY_NAME.into(),
        adapter: Adapter::Instagram,
        kinds: KINDS,
        authorize_url: hosts.browser(ID, WEB, AUTHORIZE),
        authorize_params: &[],
        refresh_params: &[],
        client_id_param: "client_id",
        scope_separator: ",",
        token_url: hosts.server(ID, API, TOKEN),
        token_method: TokenMethod::Post,
        client_auth: ClientAuth::Body,
        pkce_s256: false,
        partial_consent: true,
        scopes: Scopes::from_static(
            &[
                "instagram_business_basic",
                "instagram_business_manage_insights",
            ],
            &["instagram_business_content_publish"],
            &[],
        ),
        scope_words: SCOPE_WORDS,
        long_lived: Some(ExchangeCall {
            url: hosts.server(ID, GRAPH, EXCHANGE),
            grant_type: "ig_exchange_token",
            token_param: "access_token",
            // Documented as a GET with the app secret in the query; POST is not verified.
            method: TokenMethod::Get,
        }),
        renewal: Renewal::ExtendInPlace {
            url: hosts.server(ID, GRAPH, EXTEND),
            grant_type: "ig_refresh_token",
            min_age: MIN_AGE_TO_EXTEND,
        },
        lifetimes: Lifetimes {
            access: Some(LONG_LIVED),
            ..Lifetimes::default()
        },
        revoke: None,
        api_base: hosts.server(ID, GRAPH, "/"),
        api_version: None,
        app_secret_proof: false,
        sandboxed: hosts.is_sandbox(),
    }
}

pub(super) async fn discover(call: &ApiCall<'_>) -> Result<Discovery, NetworkFailure> {
    let fields = "user_id,username,name,followers_count,profile_picture_url";
    let me = call.get(ME, &[("fields", fields)]).await?;
    Ok(Discovery {
        accounts: vec![professional_account(&me)?],
        granted_scopes: None,
        subject: None,
        app_accepted: false,
    })
}

/// The account behind an Instagram or Threads `/me` answer.
pub(super) fn professional_account(me: &Value) -> Result<DiscoveredAccount, NetworkFailure> {
    let username = json::required(me, "/username").map_err(ApiCall::malformed)?;
    DiscoveredAccount {
        kind: "professional",
        id: json::str_at(me, "/user_id")
            .or_else(|| json::str_at(me, "/id"))
            .ok_or_else(|| ApiCall::malformed("the profile has no id".into()))?,
        handle: format!("@{username}"),
        name: json::str_at(me, "/name").unwrap_or_else(|| username.clone()),
        avatar_url: json::str_at(me, "/profile_picture_url")
            .or_else(|| json::str_at(me, "/threads_profile_picture_url")),
        followers: json::count_at(me, "/followers_count"),
        token: None,
        linked_to: None,
    }
    .validated()
    .map_err(ApiCall::malformed)
}
