//! Sandbox: a generic OAuth 2.0 network with PKCE, served by Tether itself, for trying
//! Tether and for tests. Everything it does is here: the client's view (endpoints, scopes,
//! client authentication) and the provider's behaviour (token lifetimes, rotation, accounts).

use super::{ClientAuth, ExternalAccount, NetworkProfile};
use crate::sandbox::{ProviderSpec, SandboxAccount};
use chrono::TimeDelta;
use url::Url;

pub const ID: &str = "sandbox";
pub const DISPLAY_NAME: &str = "Sandbox";

/// Access tokens live one hour; a refresh token comes with the `offline_access` scope and
/// rotates on every use (the provider spends it whatever happens next).
pub const ACCESS_TOKEN_LIFETIME: TimeDelta = TimeDelta::hours(1);
pub const OFFLINE_SCOPE: &str = "offline_access";

/// Scope and the words the consent page shows for it.
pub const SCOPES: &[(&str, &str)] = &[
    ("profile.read", "See your profile name and handle"),
    ("metrics.read", "Read your post and audience metrics"),
    (OFFLINE_SCOPE, "Stay connected while you are away"),
];

const REQUESTED_SCOPES: &[&str] = &["profile.read", "metrics.read", OFFLINE_SCOPE];
const REQUIRED_SCOPES: &[&str] = &["profile.read", "metrics.read"];

const ACCOUNTS: &[SandboxAccount] = &[SandboxAccount {
    id: "sbx-1001",
    handle: "@sandbox.studio",
    display_name: "Sandbox Studio",
}];

/// The client's view of the network whose provider is mounted at `base` (ends with `/`).
pub fn profile(base: &Url) -> NetworkProfile {
    let endpoint = |path: &str| base.join(path).expect("sandbox paths are valid URL paths");
    NetworkProfile {
        id: ID,
        display_name: DISPLAY_NAME,
        channel_kind: "profile",
        authorize_url: endpoint("authorize"),
        token_url: endpoint("token"),
        identity_url: endpoint("me"),
        client_auth: ClientAuth::Basic,
        pkce_s256: true,
        requested_scopes: REQUESTED_SCOPES,
        required_scopes: REQUIRED_SCOPES,
        parse_identity,
    }
}

/// How the sandbox provider behaves.
pub fn provider_spec() -> ProviderSpec {
    ProviderSpec {
        display_name: DISPLAY_NAME,
        access_token_lifetime: ACCESS_TOKEN_LIFETIME,
        offline_scope: OFFLINE_SCOPE,
        scopes: SCOPES,
        client_auth: ClientAuth::Basic,
        accounts: ACCOUNTS,
    }
}

/// `GET /me` answers `{"id": "...", "handle": "...", "name": "..."}`.
fn parse_identity(body: &[u8]) -> Result<ExternalAccount, String> {
    serde_json::from_slice::<ExternalAccount>(body)
        .map_err(|e| format!("identity response is not the expected JSON: {e}"))?
        .validated()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_endpoints_hang_off_the_mount_point() {
        let base = Url::parse("http://127.0.0.1:3000/sandbox/sandbox/").unwrap();
        let p = profile(&base);
        assert_eq!(
            p.token_url.as_str(),
            "http://127.0.0.1:3000/sandbox/sandbox/token"
        );
        assert!(p.requested_scopes.contains(&OFFLINE_SCOPE));
        assert!(p
            .required_scopes
            .iter()
            .all(|s| p.requested_scopes.contains(s)));
    }

    #[test]
    fn identity_is_parsed_and_validated() {
        let ok = parse_identity(br#"{"id":"sbx-1","handle":"@a","name":"A"}"#).unwrap();
        assert_eq!(ok.id, "sbx-1");
        assert!(parse_identity(br#"{"id":"","handle":"@a"}"#).is_err());
        assert!(parse_identity(b"<html>").is_err());
    }
}
