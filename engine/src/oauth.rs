//! The OAuth 2.0 client: builds authorization requests and redeems codes with the `oauth2`
//! crate over reqwest, for any network profile. The same code path serves a sandbox network
//! and a real one.

use crate::crypto::{random_token, Secret};
use crate::networks::{ClientAuth, ConfiguredNetwork, ExternalAccount};
use chrono::TimeDelta;
use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use std::time::Duration;
use url::Url;

/// An HTTP client fit to talk to networks: no redirects followed (a token endpoint that
/// redirects is misconfigured or hostile) and bounded time-outs.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(20))
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

/// What a successful code exchange gave.
#[derive(Debug)]
pub struct TokenGrant {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    pub expires_in: Option<TimeDelta>,
    pub granted_scopes: Vec<String>,
}

/// How a call to a network failed.
#[derive(Debug)]
pub enum NetworkFailure {
    /// The network answered with an OAuth error (RFC 6749 5.2); safe to show.
    Refused { code: String, description: String },
    /// The network could not be reached or sent something unreadable; log, don't show.
    Unavailable(String),
}

fn client(
    network: &ConfiguredNetwork,
    redirect_uri: &Url,
) -> BasicClient<
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
> {
    let profile = &network.profile;
    BasicClient::new(ClientId::new(network.client_id.clone()))
        .set_client_secret(ClientSecret::new(network.client_secret.expose().to_owned()))
        .set_auth_uri(AuthUrl::from_url(profile.authorize_url.clone()))
        .set_token_uri(TokenUrl::from_url(profile.token_url.clone()))
        .set_redirect_uri(RedirectUrl::from_url(redirect_uri.clone()))
        .set_auth_type(match profile.client_auth {
            ClientAuth::Basic => AuthType::BasicAuth,
            ClientAuth::Body => AuthType::RequestBody,
        })
}

/// Builds the URL that sends a person to the network's consent page, with a fresh
/// single-use state and, where the network takes it, a PKCE S256 challenge.
pub fn authorization_request(
    network: &ConfiguredNetwork,
    redirect_uri: &Url,
) -> AuthorizationRequest {
    let state = random_token();
    let state_for_url = state.clone();
    let client = client(network, redirect_uri);
    let mut request = client
        .authorize_url(move || CsrfToken::new(state_for_url.expose().to_owned()))
        .add_scopes(
            network
                .profile
                .requested_scopes
                .iter()
                .map(|s| Scope::new((*s).to_owned())),
        );
    let pkce_verifier = if network.profile.pkce_s256 {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        request = request.set_pkce_challenge(challenge);
        Secret::new(verifier.secret().to_owned())
    } else {
        Secret::new("")
    };
    let (url, _) = request.url();
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
    let client = client(network, redirect_uri);
    let mut request = client.exchange_code(AuthorizationCode::new(code.to_owned()));
    if network.profile.pkce_s256 {
        request =
            request.set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.expose().to_owned()));
    }
    let response = request
        .request_async(http)
        .await
        .map_err(|error| match error {
            RequestTokenError::ServerResponse(body) => NetworkFailure::Refused {
                code: body.error().to_string(),
                description: body
                    .error_description()
                    .cloned()
                    .unwrap_or_else(|| "no description given".into()),
            },
            RequestTokenError::Request(cause) => NetworkFailure::Unavailable(cause.to_string()),
            RequestTokenError::Parse(cause, _) => {
                NetworkFailure::Unavailable(format!("unreadable token response: {cause}"))
            }
            RequestTokenError::Other(cause) => NetworkFailure::Unavailable(cause),
        })?;
    // RFC 6749 5.1: when the scope is left out, the requested scopes were granted.
    let granted_scopes = match response.scopes() {
        Some(scopes) => scopes.iter().map(|s| (**s).to_owned()).collect(),
        None => network
            .profile
            .requested_scopes
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
    };
    Ok(TokenGrant {
        access_token: Secret::new(response.access_token().secret().to_owned()),
        refresh_token: response
            .refresh_token()
            .map(|t| Secret::new(t.secret().to_owned())),
        expires_in: response
            .expires_in()
            .and_then(|d| TimeDelta::from_std(d).ok()),
        granted_scopes,
    })
}

/// Asks the network whose account a token belongs to.
pub async fn fetch_identity(
    http: &reqwest::Client,
    network: &ConfiguredNetwork,
    access_token: &Secret,
) -> Result<ExternalAccount, NetworkFailure> {
    let response = http
        .get(network.profile.identity_url.clone())
        .bearer_auth(access_token.expose())
        .send()
        .await
        .map_err(|e| NetworkFailure::Unavailable(e.without_url().to_string()))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| NetworkFailure::Unavailable(e.without_url().to_string()))?;
    if !status.is_success() {
        return Err(NetworkFailure::Unavailable(format!(
            "identity endpoint answered {status}"
        )));
    }
    (network.profile.parse_identity)(&body).map_err(NetworkFailure::Unavailable)
}
