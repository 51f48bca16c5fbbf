//! The demo network (id `sandbox`): a plain OAuth 2.0 network with PKCE and rotating
//! refresh tokens, for trying Tether without any real network. It exists only as an
//! emulation (the sandbox crate serves it), so this file is the client's view alone.

use super::call::{ApiCall, NetworkFailure};
use super::{
    json, Adapter, ChannelKind, ClientAuth, DiscoveredAccount, Discovery, Hosts, Lifetimes,
    NetworkProfile, NetworkSettings, Renewal, RevokeStyle, Scopes, TokenMethod,
};
use chrono::TimeDelta;

pub const ID: &str = "sandbox";
pub const DISPLAY_NAME: &str = "Sandbox";

/// It has no real counterpart; its "real origin" is never used.
const ORIGIN: &str = "https://sandbox.invalid";
const AUTHORIZE: &str = "/authorize";
const TOKEN: &str = "/token";
const REVOKE: &str = "/revoke";
const ME: &str = "/me";

/// The demo's lifetimes are Tether's own choice: one hour, and a refresh token with the
/// `offline_access` scope that rotates on every use.
pub const ACCESS_TOKEN_LIFETIME: TimeDelta = TimeDelta::hours(1);
pub const OFFLINE_SCOPE: &str = "offline_access";

const SCOPE_WORDS: &[(&str, &str)] = &[
    ("profile.read", "See your profile name and handle"),
    ("metrics.read", "Read your post and audience metrics"),
    ("posts.write", "Publish posts for you"),
    (OFFLINE_SCOPE, "Stay connected while you are away"),
];

const KINDS: &[ChannelKind] = &[ChannelKind {
    id: "profile",
    label: "Profile",
    picked: false,
    personal: true,
    extra_required: &[],
}];

pub fn profile(hosts: &Hosts, _: &NetworkSettings) -> NetworkProfile {
    let server = |path: &str| hosts.server(ID, ORIGIN, path);
    NetworkProfile {
        id: ID.into(),
        display_name: DISPLAY_NAME.into(),
        adapter: Adapter::Demo,
        kinds: KINDS,
        authorize_url: hosts.browser(ID, ORIGIN, AUTHORIZE),
        authorize_params: &[],
        refresh_params: &[],
        client_id_param: "client_id",
        scope_separator: " ",
        token_url: server(TOKEN),
        token_method: TokenMethod::Post,
        client_auth: ClientAuth::Basic,
        pkce_s256: true,
        partial_consent: true,
        scopes: Scopes::from_static(
            &["profile.read", "metrics.read"],
            &["posts.write"],
            &[OFFLINE_SCOPE],
        ),
        scope_words: SCOPE_WORDS,
        long_lived: None,
        renewal: Renewal::RotatingRefresh,
        lifetimes: Lifetimes {
            access: Some(ACCESS_TOKEN_LIFETIME),
            ..Lifetimes::default()
        },
        revoke: Some((server(REVOKE), RevokeStyle::Rfc7009)),
        api_base: server("/"),
        api_version: None,
        app_secret_proof: false,
        sandboxed: true,
    }
}

/// How the sandbox provider behaves.
pub(super) async fn discover(call: &ApiCall<'_>) -> Result<Discovery, NetworkFailure> {
    let me = call.get(ME, &[]).await?;
    let account = DiscoveredAccount {
        kind: "profile",
        id: json::required(&me, "/id").map_err(ApiCall::malformed)?,
        handle: json::required(&me, "/handle").map_err(ApiCall::malformed)?,
        name: json::required(&me, "/name").map_err(ApiCall::malformed)?,
        avatar_url: json::str_at(&me, "/avatar_url"),
        followers: json::count_at(&me, "/followers"),
        token: None,
        linked_to: None,
    }
    .validated()
    .map_err(ApiCall::malformed)?;
    Ok(Discovery {
        accounts: vec![account],
        granted_scopes: None,
        subject: None,
        app_accepted: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    #[test]
    fn endpoints_hang_off_the_mount_point() {
        let hosts = Hosts::Sandbox {
            browser: Url::parse("https://tether.example/").unwrap(),
            server: Url::parse("http://127.0.0.1:3000/").unwrap(),
        };
        let p = profile(&hosts, &NetworkSettings::default());
        assert_eq!(
            p.authorize_url.as_str(),
            "https://tether.example/sandbox/sandbox/authorize"
        );
        assert_eq!(
            p.token_url.as_str(),
            "http://127.0.0.1:3000/sandbox/sandbox/token"
        );
        assert_eq!(
            p.api(ME).as_str(),
            "http://127.0.0.1:3000/sandbox/sandbox/me"
        );
        let requested = p.scopes.requested(super::super::Access::Metrics);
        assert!(requested.contains(&OFFLINE_SCOPE.to_owned()));
        assert!(!requested.contains(&"posts.write".to_owned()));
        assert!(p
            .scopes
            .requested(super::super::Access::Publishing)
            .contains(&"posts.write".to_owned()));
    }
}
