//! Threads.
//!
//! Tokens: the code (POST graph.threads.net, credentials in the body) gives a 1 h token,
//! exchanged (`th_exchange_token`) for a 60-day one, extended in place (`th_refresh_token`)
//! once at least 24 h old and still valid. A token not extended within its 60 days is dead.
//! Consent is all or nothing. Errors are Graph `OAuthException`s. No revocation call.
//! Consent from a private profile ends after 90 days, from a public one not; which one a
//! profile is, the API does not say.
//! Followers come from the account's insights.

use super::call::{ApiCall, NetworkFailure};
use super::{
    instagram, json, Adapter, ChannelKind, ClientAuth, Discovery, ExchangeCall, FailureClass,
    Hosts, Lifetimes, NetworkProfile, NetworkSettings, Renewal, Scopes, TokenMethod,
};
use chrono::TimeDelta;

pub const ID: &str = "threads";
pub const DISPLAY_NAME: &str = "Threads";

const WEB: &str = "https://threads.net";
const GRAPH: &str = "https://graph.threads.net";

const AUTHORIZE: &str = "/oauth/authorize";
const TOKEN: &str = "/oauth/access_token";
const EXCHANGE: &str = "/access_token";
const EXTEND: &str = "/refresh_access_token";
const ME: &str = "/v1.0/me";
const INSIGHTS: &str = "/v1.0/me/threads_insights";

const LONG_LIVED: TimeDelta = TimeDelta::days(60);
const MIN_AGE_TO_EXTEND: TimeDelta = TimeDelta::hours(24);
/// "Permissions granted to apps by app users with private profiles are now valid for 90
/// days" (long-lived tokens). The profile API has no field that says a profile is private
/// (profiles: `id`, `username`, `name`, `threads_profile_picture_url`,
/// `threads_biography`, `is_verified`), so each channel shows it as a possibility; it is
/// the channel's deadline only once a person who knows says the profile is private.
const PRIVATE_PROFILE_CONSENT: TimeDelta = TimeDelta::days(90);

const SCOPE_WORDS: &[(&str, &str)] = &[
    ("threads_basic", "See your Threads profile and posts"),
    ("threads_manage_insights", "Read your Threads insights"),
    ("threads_content_publish", "Publish posts for you"),
];

const KINDS: &[ChannelKind] = &[ChannelKind {
    id: "profile",
    label: "Threads profile",
    picked: false,
    personal: true,
    extra_required: &[],
}];

pub fn profile(hosts: &Hosts, _: &NetworkSettings) -> NetworkProfile {
    NetworkProfile {
        id: ID.into(),
        display_name: DISPLAY_NAME.into(),
        adapter: Adapter::Threads,
        kinds: KINDS,
        authorize_url: hosts.browser(ID, WEB, AUTHORIZE),
        authorize_params: &[],
        refresh_params: &[],
        client_id_param: "client_id",
        scope_separator: ",",
        token_url: hosts.server(ID, GRAPH, TOKEN),
        token_method: TokenMethod::Post,
        client_auth: ClientAuth::Body,
        pkce_s256: false,
        partial_consent: false,
        scopes: Scopes::from_static(
            &["threads_basic", "threads_manage_insights"],
            &["threads_content_publish"],
            &[],
        ),
        scope_words: SCOPE_WORDS,
        long_lived: Some(ExchangeCall {
            url: hosts.server(ID, GRAPH, EXCHANGE),
            grant_type: "th_exchange_token",
            token_param: "access_token",
            // Documented as a GET with the app secret in the query; POST is not verified.
            method: TokenMethod::Get,
        }),
        renewal: Renewal::ExtendInPlace {
            url: hosts.server(ID, GRAPH, EXTEND),
            grant_type: "th_refresh_token",
            min_age: MIN_AGE_TO_EXTEND,
        },
        lifetimes: Lifetimes {
            access: Some(LONG_LIVED),
            private_profile_consent: Some(PRIVATE_PROFILE_CONSENT),
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
    let fields = "id,username,name,threads_profile_picture_url";
    let me = call.get(ME, &[("fields", fields)]).await?;
    let mut account = instagram::professional_account(&me)?;
    account.kind = "profile";
    // Followers need the insights permission; without it the count is simply unknown.
    account.followers = match call.get(INSIGHTS, &[("metric", "followers_count")]).await {
        Ok(insights) => json::count_at(&insights, "/data/0/total_value/value"),
        Err(failure) if failure.class() == FailureClass::MissingPermission => None,
        Err(failure) => return Err(failure),
    };
    Ok(Discovery {
        accounts: vec![account],
        granted_scopes: None,
        subject: None,
        app_accepted: false,
    })
}
