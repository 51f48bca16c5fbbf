//! Sandbox: a plain OAuth 2.0 network with PKCE, for trying Tether without any real
//! network. Everything it does is here: the client's view (endpoints, scopes, client
//! authentication) and the provider's behaviour (token lifetimes, rotation, accounts).

use super::{
    json, Adapter, ChannelKind, ClientAuth, DiscoveredAccount, Discovery, Hosts, Lifetimes,
    NetworkProfile, Renewal, RevokeStyle, Scopes, TokenMethod,
};
use crate::oauth::{ApiCall, NetworkFailure};
use crate::sandbox::{
    consent_decision, consent_page, revoke_endpoint, standard_error, standard_token,
    token_endpoint, Pkce, SandboxPerson, SandboxProvider, SandboxRefresh, SandboxSpec,
};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::TimeDelta;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

pub const ID: &str = "sandbox";
pub const DISPLAY_NAME: &str = "Sandbox";

/// It has no real counterpart; its "real origin" is never used.
const ORIGIN: &str = "https://sandbox.invalid";
const AUTHORIZE: &str = "/authorize";
const TOKEN: &str = "/token";
const REVOKE: &str = "/revoke";
const ME: &str = "/me";

/// Access tokens live one hour; a refresh token comes with the `offline_access` scope and
/// rotates on every use (the provider spends it whatever happens next).
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

const PEOPLE: &[SandboxPerson] = &[
    SandboxPerson {
        id: "sbx-1001",
        name: "Sandbox Studio",
        handle: "@sandbox.studio",
        followers: 1_250,
        pages: &[],
    },
    SandboxPerson {
        id: "sbx-1002",
        name: "Other Creator",
        handle: "@other.creator",
        followers: 310,
        pages: &[],
    },
];

/// The client's view of the network at `hosts`.
pub fn profile(hosts: &Hosts) -> NetworkProfile {
    let server = |path: &str| hosts.server(ID, ORIGIN, path);
    NetworkProfile {
        id: ID.into(),
        display_name: DISPLAY_NAME.into(),
        adapter: Adapter::Sandbox,
        kinds: KINDS,
        authorize_url: hosts.browser(ID, ORIGIN, AUTHORIZE),
        authorize_params: &[],
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
        sandboxed: true,
    }
}

/// How the sandbox provider behaves.
pub fn sandbox_spec() -> SandboxSpec {
    SandboxSpec {
        network: ID,
        display_name: DISPLAY_NAME,
        client_auth: ClientAuth::Basic,
        client_id_param: "client_id",
        pkce: Pkce::Required,
        partial_consent: true,
        scopes: SCOPE_WORDS,
        fixed_scopes: &["profile.read"],
        incremental: true,
        code_token_lifetime: ACCESS_TOKEN_LIFETIME,
        long_lived_lifetime: None,
        refresh: SandboxRefresh::Rotating { lifetime: None },
        offline_scope: Some(OFFLINE_SCOPE),
        consent_lifetime: None,
        exchanges: &[],
        people: PEOPLE,
        error_response: standard_error,
        shape_token: standard_token,
    }
}

pub fn sandbox_routes() -> Router<Arc<SandboxProvider>> {
    Router::new()
        .route(AUTHORIZE, get(consent_page).post(consent_decision))
        .route(TOKEN, post(token_endpoint))
        .route(REVOKE, post(revoke_endpoint))
        .route(ME, get(sandbox_me))
}

/// `GET /me`: `{"id", "handle", "name", "followers", "avatar_url"}`.
async fn sandbox_me(
    State(provider): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    provider.answer(&headers, &query, "profile.read", |issued| {
        json!({
            "id": issued.person.id,
            "handle": issued.person.handle,
            "name": issued.person.name,
            "followers": issued.person.followers,
        })
    })
}

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
        let p = profile(&hosts);
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
