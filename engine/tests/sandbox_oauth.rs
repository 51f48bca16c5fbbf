//! The OAuth client against the sandbox provider over real HTTP, without the web app:
//! PKCE, single-use codes, client authentication, rotating refresh tokens, identity.

use chrono::{DateTime, TimeDelta};
use engine::clock::Clock;
use engine::crypto::Secret;
use engine::networks::{sandbox, ConfiguredNetwork};
use engine::oauth::{self, NetworkFailure};
use engine::sandbox::{RegisteredClient, SandboxProvider};
use std::collections::HashMap;
use url::Url;

struct Fixture {
    network: ConfiguredNetwork,
    redirect_uri: Url,
    clock: Clock,
    http: reqwest::Client,
}

async fn start_sandbox() -> Fixture {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    let redirect_uri = Url::parse("http://tether.test/oauth/callback/sandbox").unwrap();
    let secret = Secret::new("sandbox-client-secret");
    let clock = Clock::frozen(DateTime::from_timestamp(1_900_000_000, 0).unwrap());
    let provider = SandboxProvider::new(
        sandbox::provider_spec(),
        RegisteredClient {
            client_id: "tether".into(),
            client_secret: secret.clone(),
            redirect_uri: redirect_uri.clone(),
        },
        clock.clone(),
    );
    let router = axum::Router::new().nest("/sandbox", provider.router());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Fixture {
        network: ConfiguredNetwork {
            profile: sandbox::profile(&base.join("sandbox/").unwrap()),
            client_id: "tether".into(),
            client_secret: secret,
        },
        redirect_uri,
        clock,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    }
}

impl Fixture {
    /// Plays the person on the consent page; returns the code from the redirect.
    async fn approve(&self, authorize_url: &Url) -> String {
        let mut form: HashMap<String, String> = authorize_url.query_pairs().into_owned().collect();
        form.insert("decision".into(), "approve".into());
        form.insert("account".into(), "sbx-1001".into());
        let mut target = authorize_url.clone();
        target.set_query(None);
        let response = self.http.post(target).form(&form).send().await.unwrap();
        assert_eq!(response.status(), 303);
        let location = Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
        assert!(location.as_str().starts_with(self.redirect_uri.as_str()));
        location
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .expect("an approved consent carries a code")
    }

    async fn exchange(
        &self,
        network: &ConfiguredNetwork,
        code: &str,
        verifier: &Secret,
    ) -> Result<oauth::TokenGrant, NetworkFailure> {
        oauth::exchange_code(&self.http, network, &self.redirect_uri, code, verifier).await
    }

    async fn refresh(&self, refresh_token: &str) -> reqwest::Response {
        self.http
            .post(self.network.profile.token_url.clone())
            .basic_auth("tether", Some("sandbox-client-secret"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ])
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn code_exchange_with_pkce_gives_working_tokens() {
    let f = start_sandbox().await;
    let request = oauth::authorization_request(&f.network, &f.redirect_uri);
    let query: HashMap<_, _> = request.url.query_pairs().into_owned().collect();
    assert_eq!(query["state"], request.state.expose());
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["scope"], "profile.read metrics.read offline_access");

    let code = f.approve(&request.url).await;
    let grant = f
        .exchange(&f.network, &code, &request.pkce_verifier)
        .await
        .unwrap();
    assert_eq!(grant.expires_in, Some(sandbox::ACCESS_TOKEN_LIFETIME));
    assert!(grant.refresh_token.is_some());
    assert_eq!(
        grant.granted_scopes,
        ["profile.read", "metrics.read", "offline_access"]
    );
    let account = oauth::fetch_identity(&f.http, &f.network, &grant.access_token)
        .await
        .unwrap();
    assert_eq!(account.id, "sbx-1001");
    assert_eq!(account.handle, "@sandbox.studio");

    // Codes are single use.
    let again = f.exchange(&f.network, &code, &request.pkce_verifier).await;
    assert!(
        matches!(again, Err(NetworkFailure::Refused { ref code, .. }) if code == "invalid_grant")
    );
}

#[tokio::test]
async fn a_wrong_pkce_verifier_or_client_secret_is_refused() {
    let f = start_sandbox().await;
    let request = oauth::authorization_request(&f.network, &f.redirect_uri);
    let code = f.approve(&request.url).await;
    let wrong = Secret::new("x".repeat(43));
    let refused = f.exchange(&f.network, &code, &wrong).await;
    assert!(
        matches!(refused, Err(NetworkFailure::Refused { ref description, .. }) if description.contains("PKCE"))
    );

    let request = oauth::authorization_request(&f.network, &f.redirect_uri);
    let code = f.approve(&request.url).await;
    let impostor = ConfiguredNetwork {
        client_secret: Secret::new("guessed"),
        ..f.network.clone()
    };
    let refused = f.exchange(&impostor, &code, &request.pkce_verifier).await;
    assert!(
        matches!(refused, Err(NetworkFailure::Refused { ref code, .. }) if code == "invalid_client")
    );
}

#[tokio::test]
async fn codes_expire_after_a_minute() {
    let f = start_sandbox().await;
    let request = oauth::authorization_request(&f.network, &f.redirect_uri);
    let code = f.approve(&request.url).await;
    f.clock.advance(TimeDelta::seconds(61));
    let refused = f.exchange(&f.network, &code, &request.pkce_verifier).await;
    assert!(
        matches!(refused, Err(NetworkFailure::Refused { ref code, .. }) if code == "invalid_grant")
    );
}

#[tokio::test]
async fn refresh_tokens_rotate_and_access_tokens_expire() {
    let f = start_sandbox().await;
    let request = oauth::authorization_request(&f.network, &f.redirect_uri);
    let code = f.approve(&request.url).await;
    let grant = f
        .exchange(&f.network, &code, &request.pkce_verifier)
        .await
        .unwrap();
    let first_refresh = grant.refresh_token.unwrap();

    f.clock.advance(TimeDelta::hours(1));
    assert!(
        oauth::fetch_identity(&f.http, &f.network, &grant.access_token)
            .await
            .is_err()
    );

    let rotated = f.refresh(first_refresh.expose()).await;
    assert_eq!(rotated.status(), 200);
    let body: serde_json::Value = rotated.json().await.unwrap();
    let second_refresh = body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_refresh, first_refresh.expose());
    let fresh_access = Secret::new(body["access_token"].as_str().unwrap());
    assert!(oauth::fetch_identity(&f.http, &f.network, &fresh_access)
        .await
        .is_ok());

    // The spent refresh token is dead; the new one works once.
    let replay = f.refresh(first_refresh.expose()).await;
    assert_eq!(replay.status(), 400);
    let error: serde_json::Value = replay.json().await.unwrap();
    assert_eq!(error["error"], "invalid_grant");
    assert_eq!(f.refresh(&second_refresh).await.status(), 200);
}

#[tokio::test]
async fn unregistered_redirects_and_missing_pkce_are_refused_on_the_providers_page() {
    let f = start_sandbox().await;
    let request = oauth::authorization_request(&f.network, &f.redirect_uri);
    let mut evil = request.url.clone();
    let pairs: Vec<(String, String)> = request
        .url
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "redirect_uri" {
                (k, "https://evil.example/cb".into())
            } else {
                (k, v)
            }
        })
        .collect();
    evil.query_pairs_mut().clear().extend_pairs(pairs);
    let page = f.http.get(evil).send().await.unwrap();
    assert_eq!(
        page.status(),
        400,
        "an unregistered redirect_uri must not be redirected to"
    );
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("redirect_uri is not registered"));

    let mut no_pkce = request.url.clone();
    let pairs: Vec<(String, String)> = request
        .url
        .query_pairs()
        .into_owned()
        .filter(|(k, _)| !k.starts_with("code_challenge"))
        .collect();
    no_pkce.query_pairs_mut().clear().extend_pairs(pairs);
    let page = f.http.get(no_pkce).send().await.unwrap();
    assert_eq!(page.status(), 400);
}
