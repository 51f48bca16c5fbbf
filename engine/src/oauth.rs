//! The OAuth 2.0 client: consent URLs, code exchange, long-lived exchange, refresh,
//! extension in place and revocation, for any network profile (API calls with a channel's
//! token are `networks::call`). The same code
//! path serves a sandbox network and a real one; only the URLs differ. The quirks (a GET
//! token endpoint, `client_key`, comma-separated scopes) are data in the profile.

use crate::crypto::{random_token, Secret};
use crate::networks::call::{app_token, proof_query, refusal, send, NetworkFailure, Speaker};
use crate::networks::{ClientAuth, ConfiguredNetwork, RevokeStyle, TokenMethod};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::TimeDelta;
use oauth2::PkceCodeChallenge;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::Value;
use std::time::Duration;
use url::Url;

/// An HTTP client fit to talk to networks: no redirects followed (a token endpoint that
/// redirects is misconfigured or hostile) and every call bounded by `timeout`.
pub fn http_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5).min(timeout))
        .timeout(timeout)
        .user_agent(concat!("Tether/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("reqwest client builds with static settings")
}

/// Where to send the person, and what to remember until they come back.
pub struct AuthorizationRequest {
    pub url: Url,
    pub state: Secret,
    pub pkce_verifier: Secret,
}

/// What a token endpoint gave.
#[derive(Debug)]
pub struct TokenGrant {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    pub expires_in: Option<TimeDelta>,
    pub refresh_expires_in: Option<TimeDelta>,
    /// `None` when the response does not say; the network is then asked, or the
    /// requested scopes are taken as granted (RFC 6749 5.1).
    pub granted_scopes: Option<Vec<String>>,
}

/// Builds the URL that sends a person to the network's consent page, with a fresh
/// single-use state and, where the network takes it, a PKCE S256 challenge.
pub fn authorization_request(
    network: &ConfiguredNetwork,
    redirect_uri: &Url,
    scopes: &[String],
) -> AuthorizationRequest {
    let profile = &network.profile;
    let state = random_token();
    let mut url = profile.authorize_url.clone();
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair(profile.client_id_param, &network.client_id)
            .append_pair("redirect_uri", redirect_uri.as_str())
            .append_pair("scope", &scopes.join(profile.scope_separator))
            .append_pair("state", state.expose());
        for (name, value) in profile.authorize_params {
            query.append_pair(name, value);
        }
    }
    let pkce_verifier = if profile.pkce_s256 {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        url.query_pairs_mut()
            .append_pair("code_challenge", challenge.as_str())
            .append_pair("code_challenge_method", "S256");
        Secret::new(verifier.secret().to_owned())
    } else {
        Secret::new("")
    };
    AuthorizationRequest {
        url,
        state,
        pkce_verifier,
    }
}

/// Redeems an authorization code at the network's token endpoint.
pub async fn exchange_code(
    http: &reqwest::Client,
    network: &ConfiguredNetwork,
    redirect_uri: &Url,
    code: &str,
    pkce_verifier: &Secret,
) -> Result<TokenGrant, NetworkFailure> {
    let mut params = vec![
        ("grant_type", "authorization_code".to_owned()),
        ("code", code.to_owned()),
        ("redirect_uri", redirect_uri.to_string()),
    ];
    if network.profile.pkce_s256 {
        params.push(("code_verifier", pkce_verifier.expose().to_owned()));
    }
    token_endpoint_call(http, network, params).await
}

/// Trades a short-lived token for the network's long-lived one (Facebook, Instagram,
/// Threads); returns `None` when the network has no such step.
pub async fn exchange_long_lived(
    http: &reqwest::Client,
    network: &ConfiguredNetwork,
    token: &Secret,
) -> Result<Option<TokenGrant>, NetworkFailure> {
    let Some(exchange) = &network.profile.long_lived else {
        return Ok(None);
    };
    let params = vec![
        ("grant_type", exchange.grant_type.to_owned()),
        (exchange.token_param, token.expose().to_owned()),
    ];
    token_call(http, network, &exchange.url, exchange.method, params)
        .await
        .map(Some)
}

/// Spends a refresh token for a new access token (and, on rotating networks, a new
/// refresh token).
pub async fn refresh(
    http: &reqwest::Client,
    network: &ConfiguredNetwork,
    refresh_token: &Secret,
) -> Result<TokenGrant, NetworkFailure> {
    let mut params = vec![
        ("grant_type", "refresh_token".to_owned()),
        ("refresh_token", refresh_token.expose().to_owned()),
    ];
    for (name, value) in network.profile.refresh_params {
        params.push((name, (*value).to_owned()));
    }
    token_endpoint_call(http, network, params).await
}

/// A call to the profile's token endpoint, the way the network takes it.
async fn token_endpoint_call(
    http: &reqwest::Client,
    network: &ConfiguredNetwork,
    params: Vec<(&str, String)>,
) -> Result<TokenGrant, NetworkFailure> {
    let profile = &network.profile;
    token_call(
        http,
        network,
        &profile.token_url,
        profile.token_method,
        params,
    )
    .await
}

/// Extends a still-valid access token in place (Instagram, Threads).
pub async fn extend(
    http: &reqwest::Client,
    network: &ConfiguredNetwork,
    url: &Url,
    grant_type: &str,
    access_token: &Secret,
) -> Result<TokenGrant, NetworkFailure> {
    let params = vec![
        ("grant_type", grant_type.to_owned()),
        ("access_token", access_token.expose().to_owned()),
    ];
    token_call(http, network, url, TokenMethod::Get, params).await
}

/// The tokens of a grant to revoke, and the network's id of the person who gave it.
pub struct Revocation<'a> {
    pub access: &'a Secret,
    pub refresh: Option<&'a Secret>,
    pub subject: &'a str,
}

/// Revokes a grant at the network, the way its profile says. Returns `Ok(false)` when the
/// network offers no way to revoke.
pub async fn revoke(
    http: &reqwest::Client,
    network: &ConfiguredNetwork,
    grant: Revocation<'_>,
) -> Result<bool, NetworkFailure> {
    let Some((url, style)) = &network.profile.revoke else {
        return Ok(false);
    };
    let request = match style {
        RevokeStyle::Rfc7009 => {
            let (token, hint) = match grant.refresh {
                Some(refresh) => (refresh, "refresh_token"),
                None => (grant.access, "access_token"),
            };
            let params = vec![
                ("token", token.expose().to_owned()),
                ("token_type_hint", hint.to_owned()),
            ];
            with_client_auth(http.post(url.clone()), network, params, TokenMethod::Post)
        }
        RevokeStyle::AccessToken => {
            let params = vec![("token", grant.access.expose().to_owned())];
            with_client_auth(http.post(url.clone()), network, params, TokenMethod::Post)
        }
        RevokeStyle::DeleteUserPermissions => {
            let mut url = url.clone();
            url.path_segments_mut()
                .map_err(|()| NetworkFailure::Unavailable("revoke URL has no path".into()))?
                .pop_if_empty()
                .push(grant.subject)
                .push("permissions");
            let app = app_token(network);
            http.delete(url)
                .query(&proof_query(network, &app))
                .bearer_auth(app.expose())
        }
    };
    send(network, request, Speaker::App).await.map(|_| true)
}

/// Adds the client's credentials the way the network wants them.
fn with_client_auth(
    request: reqwest::RequestBuilder,
    network: &ConfiguredNetwork,
    mut params: Vec<(&str, String)>,
    method: TokenMethod,
) -> reqwest::RequestBuilder {
    let request = match network.profile.client_auth {
        ClientAuth::Basic => {
            // RFC 6749 2.3.1: id and secret are form-urlencoded before Basic encoding.
            let encode = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
            let credentials = format!(
                "{}:{}",
                encode(&network.client_id),
                encode(network.client_secret.expose())
            );
            request.header(
                reqwest::header::AUTHORIZATION,
                format!("Basic {}", STANDARD.encode(credentials)),
            )
        }
        ClientAuth::Body => {
            params.push((network.profile.client_id_param, network.client_id.clone()));
            params.push(("client_secret", network.client_secret.expose().to_owned()));
            request
        }
    };
    match method {
        TokenMethod::Post => request.form(&params),
        TokenMethod::Get => request.query(&params),
    }
}

async fn token_call(
    http: &reqwest::Client,
    network: &ConfiguredNetwork,
    url: &Url,
    method: TokenMethod,
    params: Vec<(&str, String)>,
) -> Result<TokenGrant, NetworkFailure> {
    let request = match method {
        TokenMethod::Post => http.post(url.clone()),
        TokenMethod::Get => http.get(url.clone()),
    };
    let request = with_client_auth(
        request.header(reqwest::header::ACCEPT, "application/json"),
        network,
        params,
        method,
    );
    let body = send(network, request, Speaker::App).await?;
    parse_token_response(&body).map_err(|problem| {
        // A refusal sent with 200 (TikTok's token endpoint, in reports) is still a refusal.
        let refused = serde_json::from_slice::<Value>(&body)
            .ok()
            .is_some_and(|v| v.get("error").is_some_and(Value::is_string));
        if refused {
            let no_headers = reqwest::header::HeaderMap::new();
            refusal(network, 200, &no_headers, &body, Speaker::App)
        } else {
            NetworkFailure::Unavailable(problem)
        }
    })
}

/// The longest token lifetime Tether accepts from a network. The longest any network
/// documents is a year (LinkedIn's and Pinterest's refresh tokens); ten years leaves room
/// for servers Tether does not know while keeping every deadline far inside chrono's range.
pub const LONGEST_LIFETIME: TimeDelta = TimeDelta::days(3650);

/// Reads a token response: RFC 6749 5.1, plus the variants networks send (numbers as
/// strings, comma-separated scopes, Instagram's `permissions`).
pub fn parse_token_response(body: &[u8]) -> Result<TokenGrant, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("token response is not JSON: {e}"))?;
    // Instagram Login documents its code exchange as `{"data": [{...}]}`; well-kept clients
    // also see it flat. Both are read.
    let value = match value.pointer("/data/0") {
        Some(inner) if value.get("access_token").is_none() => inner.clone(),
        _ => value,
    };
    let text = |name: &str| match value.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    };
    let seconds = |name: &str| -> Result<Option<TimeDelta>, String> {
        let secs = match value.get(name) {
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        };
        match secs {
            Some(secs) if secs > LONGEST_LIFETIME.num_seconds() as f64 => Err(format!(
                "{name} of {secs} seconds is longer than any token lifetime a network documents"
            )),
            Some(secs) if secs >= 1.0 => Ok(Some(TimeDelta::seconds(secs as i64))),
            _ => Ok(None),
        }
    };
    let access_token = text("access_token").ok_or("token response has no access_token")?;
    if access_token.len() > 4096 {
        return Err("access_token is implausibly long".into());
    }
    let scopes = |raw: &str| -> Vec<String> {
        raw.split([' ', ','])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let granted_scopes = match (value.get("scope"), value.get("permissions")) {
        (Some(Value::String(s)), _) => Some(scopes(s)),
        (_, Some(Value::String(s))) => Some(scopes(s)),
        (_, Some(Value::Array(list))) => Some(
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        ),
        _ => None,
    };
    Ok(TokenGrant {
        access_token: Secret::new(access_token),
        refresh_token: text("refresh_token").map(Secret::new),
        expires_in: seconds("expires_in")?,
        refresh_expires_in: match seconds("refresh_token_expires_in")? {
            Some(lifetime) => Some(lifetime),
            None => seconds("refresh_expires_in")?,
        },
        granted_scopes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::networks::call::failure;
    use crate::networks::fixtures::documented;
    use crate::networks::{instagram, FailureClass, Hosts, NetworkSettings};

    /// Instagram Login documents its code exchange as `{"data": [{...}]}` with the
    /// permissions as one comma-separated string; clients also see it flat.
    #[test]
    fn instagram_code_exchange_is_read_in_both_shapes() {
        for name in ["code_exchange_documented", "code_exchange_flat"] {
            let answer = documented("instagram", name);
            let grant = parse_token_response(&answer.bytes()).unwrap();
            assert!(!grant.access_token.expose().is_empty(), "{name}");
            let scopes = grant.granted_scopes.unwrap();
            assert!(
                scopes.contains(&"instagram_business_basic".to_owned()),
                "{name}: {scopes:?}"
            );
        }
    }

    /// A lifetime no network documents (the longest is LinkedIn's 365-day refresh token) is
    /// refused in words, however large: it must never panic the callback or a renewal.
    #[test]
    fn an_implausible_lifetime_is_refused_in_words() {
        for secs in [
            "9223372036854775807",
            "1000000000000000",
            "\"99999999999999\"",
        ] {
            for field in ["expires_in", "refresh_token_expires_in"] {
                let body = format!(r#"{{"access_token": "a", "{field}": {secs}}}"#);
                let refused = parse_token_response(body.as_bytes()).unwrap_err();
                assert!(refused.contains(field), "{refused}");
            }
        }
        let year = parse_token_response(br#"{"access_token": "a", "expires_in": 31536000}"#);
        assert_eq!(year.unwrap().expires_in, Some(TimeDelta::days(365)));
    }

    type Profile = fn(&Hosts, &NetworkSettings) -> crate::networks::NetworkProfile;

    fn configured(profile: Profile) -> ConfiguredNetwork {
        ConfiguredNetwork {
            profile: profile(&Hosts::Real, &NetworkSettings::default()),
            client_id: "app".into(),
            client_secret: Secret::new("secret"),
            credentials_setting: "TETHER_X_CLIENT_SECRET".into(),
        }
    }

    /// A token endpoint refusing Tether's own credentials (RFC 6749 5.2 `invalid_client`,
    /// `unauthorized_client`, or the network's own words) is an operator's fault, never a
    /// dead channel; the same words from a channel's own call are not.
    #[test]
    fn a_refused_app_is_a_configuration_fault_not_a_dead_channel() {
        use crate::networks::{facebook, linkedin, pinterest, tiktok, x, youtube};
        let cases: [(&str, &str, Profile); 8] = [
            ("facebook", "error_invalid_client_secret", facebook::profile),
            ("facebook", "error_invalid_client_id", facebook::profile),
            ("tiktok", "token_invalid_client", tiktok::profile),
            ("pinterest", "error_invalid_client", pinterest::profile),
            ("linkedin", "token_invalid_client", linkedin::profile),
            ("youtube", "token_invalid_client", youtube::profile),
            ("youtube", "token_invalid_client_secret", youtube::profile),
            ("x", "token_invalid_client", x::profile),
        ];
        for (network, name, profile) in cases {
            let answer = documented(network, name);
            let refused = refusal(
                &configured(profile),
                answer.status,
                &answer.headers,
                &answer.bytes(),
                Speaker::App,
            );
            assert_eq!(
                refused.class(),
                FailureClass::Misconfigured,
                "{network} {name}"
            );
        }
        // Pinterest's "Authentication failed." on a channel's own call is its dead token.
        let answer = documented("pinterest", "error_auth");
        let on_api = refusal(
            &configured(pinterest::profile),
            answer.status,
            &answer.headers,
            &answer.bytes(),
            Speaker::Channel,
        );
        assert!(matches!(on_api.class(), FailureClass::Dead { .. }));
    }

    #[test]
    fn instagram_login_errors_show_their_message() {
        let network = ConfiguredNetwork {
            profile: instagram::profile(&Hosts::Real, &NetworkSettings::default()),
            client_id: "app".into(),
            client_secret: Secret::new("secret"),
            credentials_setting: "TETHER_INSTAGRAM_CLIENT_ID".into(),
        };
        let answer = documented("instagram", "error_oauth");
        let NetworkFailure::Refused { description, .. } =
            failure(&network, answer.status, &answer.headers, &answer.bytes())
        else {
            panic!("a refusal");
        };
        assert_eq!(
            description,
            "Matching code was not found or was already used"
        );
    }
}
