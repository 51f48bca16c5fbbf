//! Any standards OAuth 2.0 / OpenID Connect server, configured by its issuer URL.
//!
//! The endpoints come from OpenID Connect discovery (`/.well-known/openid-configuration`)
//! or, failing that, RFC 8414 (`/.well-known/oauth-authorization-server`); the document's
//! `issuer` must equal the configured issuer exactly (RFC 8414 3.3), so a document cannot
//! send Tether's credentials elsewhere. PKCE S256 when the server lists it (or lists no
//! methods at all); HTTP Basic unless the server only takes `client_secret_post`. Refresh
//! tokens are kept and used as sent (rotated when a new one comes back). Identity from the
//! userinfo endpoint (`sub`, `preferred_username`, `name`, `picture`). Revocation by RFC
//! 7009 when the server has a revocation endpoint. Errors are RFC 6749 / 6750.

use super::call::{ApiCall, NetworkFailure};
use super::{
    json, Adapter, ChannelKind, ClientAuth, DeadReason, DiscoveredAccount, Discovery, FailureClass,
    Lifetimes, NetworkProfile, Renewal, RevokeStyle, Scopes, TokenMethod,
};
use reqwest::header::HeaderMap as ClientHeaders;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

pub const ID: &str = "oidc";

const KINDS: &[ChannelKind] = &[ChannelKind {
    id: "account",
    label: "Account",
    picked: false,
    personal: true,
    extra_required: &[],
}];

/// What an administrator configures.
#[derive(Clone, Debug)]
pub struct GenericConfig {
    pub display_name: String,
    pub issuer: Url,
    /// Scopes the channel needs (beyond `openid`, `offline_access`, which are asked for
    /// when the server supports them).
    pub scopes: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Metadata {
    issuer: String,
    authorization_endpoint: Url,
    token_endpoint: Url,
    userinfo_endpoint: Option<Url>,
    revocation_endpoint: Option<Url>,
    #[serde(default)]
    scopes_supported: Vec<String>,
    #[serde(default)]
    code_challenge_methods_supported: Vec<String>,
    #[serde(default)]
    token_endpoint_auth_methods_supported: Vec<String>,
}

/// Reads the server's metadata and builds the network's profile.
pub async fn discover_issuer(
    http: &reqwest::Client,
    config: &GenericConfig,
) -> Result<NetworkProfile, String> {
    let issuer = config.issuer.as_str().trim_end_matches('/');
    let candidates = [
        format!("{issuer}/.well-known/openid-configuration"),
        format!("{issuer}/.well-known/oauth-authorization-server"),
    ];
    let mut problems = Vec::new();
    for candidate in candidates {
        match fetch_metadata(http, &candidate).await {
            Ok(metadata) => return profile_from(config, metadata),
            Err(problem) => problems.push(format!("{candidate}: {problem}")),
        }
    }
    Err(format!(
        "no usable discovery document: {}",
        problems.join("; ")
    ))
}

async fn fetch_metadata(http: &reqwest::Client, url: &str) -> Result<Metadata, String> {
    let response = http
        .get(url)
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    if !response.status().is_success() {
        return Err(format!("answered {}", response.status()));
    }
    response
        .json()
        .await
        .map_err(|e| e.without_url().to_string())
}

fn profile_from(config: &GenericConfig, metadata: Metadata) -> Result<NetworkProfile, String> {
    let configured = config.issuer.as_str().trim_end_matches('/');
    if metadata.issuer.trim_end_matches('/') != configured {
        return Err(format!(
            "the discovery document names issuer {} but {configured} was configured",
            metadata.issuer
        ));
    }
    let userinfo = metadata
        .userinfo_endpoint
        .ok_or("the server has no userinfo endpoint to tell whose account a token is")?;
    let supports = |scope: &str| {
        metadata.scopes_supported.is_empty() || metadata.scopes_supported.iter().any(|s| s == scope)
    };
    let supporting: Vec<&str> = ["openid", "offline_access"]
        .into_iter()
        .filter(|s| supports(s))
        .collect();
    let metrics: Vec<&str> = config.scopes.iter().map(String::as_str).collect();
    let pkce = metadata.code_challenge_methods_supported.is_empty()
        || metadata
            .code_challenge_methods_supported
            .iter()
            .any(|m| m == "S256");
    let methods = &metadata.token_endpoint_auth_methods_supported;
    let client_auth = if !methods.is_empty()
        && !methods.iter().any(|m| m == "client_secret_basic")
        && methods.iter().any(|m| m == "client_secret_post")
    {
        ClientAuth::Body
    } else {
        ClientAuth::Basic
    };
    Ok(NetworkProfile {
        id: ID.into(),
        display_name: config.display_name.clone(),
        adapter: Adapter::Generic,
        kinds: KINDS,
        authorize_url: metadata.authorization_endpoint,
        // OpenID Connect issues a refresh token for offline_access only with a consent
        // prompt (OIDC Core 11).
        authorize_params: &[("prompt", "consent")],
        refresh_params: &[],
        client_id_param: "client_id",
        scope_separator: " ",
        token_url: metadata.token_endpoint,
        token_method: TokenMethod::Post,
        client_auth,
        pkce_s256: pkce,
        partial_consent: false,
        scopes: Scopes::from_static(&metrics, &[], &supporting),
        scope_words: &[],
        long_lived: None,
        renewal: Renewal::RotatingRefresh,
        lifetimes: Lifetimes::default(),
        revoke: metadata
            .revocation_endpoint
            .map(|url| (url, RevokeStyle::Rfc7009)),
        // The identity call is the userinfo endpoint itself.
        api_base: userinfo,
        api_version: None,
        app_secret_proof: false,
        sandboxed: false,
    })
}

pub(super) async fn discover(call: &ApiCall<'_>) -> Result<Discovery, NetworkFailure> {
    let bad = ApiCall::malformed;
    let info = call.get("", &[]).await?;
    let sub = json::required(&info, "/sub").map_err(bad)?;
    let handle = json::str_at(&info, "/preferred_username")
        .or_else(|| json::str_at(&info, "/email"))
        .unwrap_or_else(|| sub.clone());
    let account = DiscoveredAccount {
        kind: "account",
        name: json::str_at(&info, "/name").unwrap_or_else(|| handle.clone()),
        id: sub,
        handle,
        avatar_url: json::str_at(&info, "/picture"),
        followers: None,
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

/// RFC 6749 5.2 and RFC 6750 3.1 errors.
pub fn classify(status: u16, headers: &ClientHeaders, body: &[u8]) -> FailureClass {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    match json::str_at(&value, "/error").as_deref() {
        Some("invalid_grant") | Some("invalid_token") => FailureClass::dead(DeadReason::Invalid),
        Some("insufficient_scope") => FailureClass::MissingPermission,
        Some("temporarily_unavailable") => FailureClass::Transient,
        _ => FailureClass::from_status(status, headers),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(issuer: &str) -> Metadata {
        serde_json::from_value(serde_json::json!({
            "issuer": issuer,
            "authorization_endpoint": "https://id.example/auth",
            "token_endpoint": "https://id.example/token",
            "userinfo_endpoint": "https://id.example/me",
            "revocation_endpoint": "https://id.example/revoke",
            "scopes_supported": ["openid", "offline_access", "metrics"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
        }))
        .unwrap()
    }

    fn config() -> GenericConfig {
        GenericConfig {
            display_name: "Example ID".into(),
            issuer: Url::parse("https://id.example").unwrap(),
            scopes: vec!["metrics".into()],
        }
    }

    #[test]
    fn metadata_becomes_a_profile() {
        let profile = profile_from(&config(), metadata("https://id.example")).unwrap();
        assert!(profile.pkce_s256);
        assert_eq!(profile.client_auth, ClientAuth::Body);
        assert_eq!(
            profile.scopes.requested(super::super::Access::Metrics),
            vec!["openid", "offline_access", "metrics"]
        );
        assert!(profile.revoke.is_some());
    }

    #[test]
    fn a_document_for_another_issuer_is_refused() {
        let problem = profile_from(&config(), metadata("https://evil.example")).unwrap_err();
        assert!(problem.contains("evil.example"), "{problem}");
    }
}
