//! LinkedIn member profiles, on an app of their own with the self-serve products "Sign In
//! with LinkedIn using OpenID Connect" (`openid`, `profile`) and "Share on LinkedIn"
//! (`w_member_social`). They cannot live on the Community Management app of
//! [`super::linkedin`], which must be the only product on its app, and asking one member
//! for a different scope set on the same app "invalidates all the previous access tokens"
//! (authorization code flow), so a member channel and a page channel never share an app.
//!
//! Tokens: 60-day access tokens. Programmatic refresh tokens are given only to approved
//! partners; when one comes back it lives 365 days from the first consent and refreshing
//! never extends it (programmatic refresh tokens), otherwise the member reconnects before
//! the 60 days end. The member is read from the OpenID Connect userinfo endpoint
//! (`/v2/userinfo`, unversioned: `sub`, `name`, `picture`). Errors are LinkedIn's, read as
//! in [`super::linkedin`]. Revocation at `/oauth/v2/revoke` (not verified).

use super::call::{ApiCall, NetworkFailure};
use super::linkedin::{ACCESS, API, AUTHORIZE, REFRESH_WINDOW, REVOKE, TOKEN, WEB};
use super::{
    json, linkedin, Adapter, ChannelKind, ClientAuth, DiscoveredAccount, Discovery, Hosts,
    Lifetimes, NetworkProfile, NetworkSettings, Renewal, RevokeStyle, Scopes, TokenMethod,
};

pub const ID: &str = "linkedin_member";
pub const DISPLAY_NAME: &str = "LinkedIn profile";

const USERINFO: &str = "v2/userinfo";

const SCOPE_WORDS: &[(&str, &str)] = &[
    ("openid", "Know who you are on LinkedIn"),
    ("profile", "See your name and photo"),
    ("w_member_social", "Publish posts for you"),
];

const KINDS: &[ChannelKind] = &[ChannelKind {
    id: "member",
    label: "Member profile",
    picked: false,
    personal: true,
    extra_required: &[],
}];

pub fn profile(hosts: &Hosts, _: &NetworkSettings) -> NetworkProfile {
    NetworkProfile {
        id: ID.into(),
        display_name: DISPLAY_NAME.into(),
        adapter: Adapter::LinkedInMember,
        kinds: KINDS,
        authorize_url: hosts.browser(ID, WEB, AUTHORIZE),
        authorize_params: &[],
        refresh_params: &[],
        client_id_param: "client_id",
        scope_separator: " ",
        token_url: hosts.server(ID, WEB, TOKEN),
        token_method: TokenMethod::Post,
        client_auth: ClientAuth::Body,
        pkce_s256: false,
        partial_consent: false,
        // The identity the channel is checked with needs both; publishing adds Share on
        // LinkedIn's one scope.
        scopes: Scopes::from_static(&["openid", "profile"], &["w_member_social"], &[]),
        scope_words: SCOPE_WORDS,
        long_lived: None,
        renewal: Renewal::FixedWindowRefresh,
        lifetimes: Lifetimes {
            access: Some(ACCESS),
            refresh: Some(REFRESH_WINDOW),
            reconsent: Some(REFRESH_WINDOW),
            ..Lifetimes::default()
        },
        revoke: Some((hosts.server(ID, WEB, REVOKE), RevokeStyle::Rfc7009)),
        api_base: hosts.server(ID, API, "/"),
        // Userinfo is not a versioned (`/rest`) call.
        api_version: None,
        app_secret_proof: false,
        sandboxed: hosts.is_sandbox(),
    }
}

pub(super) async fn discover(call: &ApiCall<'_>) -> Result<Discovery, NetworkFailure> {
    let bad = ApiCall::malformed;
    let me = linkedin::settled(call.get(USERINFO, &[]).await, || call.get(USERINFO, &[])).await?;
    let id = json::required(&me, "/sub").map_err(bad)?;
    let name = json::required(&me, "/name").map_err(bad)?;
    let account = DiscoveredAccount {
        kind: "member",
        // Members have no handle Tether can read without a partner scope: the name is it.
        handle: name.clone(),
        id: id.clone(),
        name,
        avatar_url: json::str_at(&me, "/picture"),
        // A member's connection count needs `r_1st_connections_size` (Advertising API).
        followers: None,
        token: None,
        linked_to: None,
    }
    .validated()
    .map_err(bad)?;
    Ok(Discovery {
        accounts: vec![account],
        granted_scopes: None,
        subject: Some(id),
        app_accepted: false,
    })
}
