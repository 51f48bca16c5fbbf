//! The OAuth client against sandbox providers over real HTTP, without the web app: PKCE,
//! single-use codes, client authentication, each network's way of keeping tokens alive
//! (rotation, extension in place after 24 h, re-exchange, a fixed refresh window), and the
//! network's own error shapes read back as the right failure class.

use chrono::{DateTime, TimeDelta};
use engine::clock::Clock;
use engine::crypto::Secret;
use engine::networks::call::{appsecret_proof, ApiCall, NetworkFailure};
use engine::networks::{
    Access, ConfiguredNetwork, DeadReason, FailureClass, Hosts, NetworkSettings, Renewal, BUILTIN,
};
use engine::oauth::{self, TokenGrant};
use sandbox::{ControlAction, Powers, RegisteredClient, SandboxProvider, Weather};
use std::collections::HashMap;
use std::sync::Arc;
use url::Url;

struct Fixture {
    network: ConfiguredNetwork,
    provider: Arc<SandboxProvider>,
    redirect_uri: Url,
    clock: Clock,
    http: reqwest::Client,
}

/// Serves the sandbox of `network_id` on a loopback port, its app in testing.
async fn start_sandbox(network_id: &str) -> Fixture {
    start_sandbox_with(network_id, true).await
}

async fn start_sandbox_with(network_id: &str, in_testing: bool) -> Fixture {
    let builtin = BUILTIN.iter().find(|b| b.id == network_id).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    let redirect_uri =
        Url::parse(&format!("http://tether.test/oauth/callback/{network_id}")).unwrap();
    let secret = Secret::new("sandbox-client-secret");
    let clock = Clock::frozen(DateTime::from_timestamp(1_900_000_000, 0).unwrap());
    let mounted = sandbox::mount(
        sandbox::emulated(network_id).unwrap(),
        RegisteredClient {
            in_testing,
            client_id: "tether".into(),
            client_secret: secret.clone(),
            redirect_uri: redirect_uri.clone(),
        },
        clock.clone(),
        Powers::default(),
        base.join(&format!("sandbox/{network_id}/")).unwrap(),
    );
    let provider = mounted.provider;
    let router = axum::Router::new().nest(&format!("/sandbox/{network_id}"), mounted.network);
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let hosts = Hosts::Sandbox {
        browser: base.clone(),
        server: base,
    };
    Fixture {
        network: ConfiguredNetwork {
            profile: (builtin.profile)(&hosts, &NetworkSettings::default()),
            client_id: "tether".into(),
            client_secret: secret,
            credentials_setting: "the test's registration".into(),
        },
        provider,
        redirect_uri,
        clock,
        http: oauth::http_client(std::time::Duration::from_secs(20)),
    }
}

impl Fixture {
    fn request(&self) -> oauth::AuthorizationRequest {
        let scopes = self.network.profile.scopes.requested(Access::Metrics);
        oauth::authorization_request(&self.network, &self.redirect_uri, &scopes)
    }

    /// Plays the first person on the consent page; returns the code from the redirect.
    async fn approve(&self, authorize_url: &Url) -> String {
        self.approve_as(authorize_url, self.provider.spec.people[0].id, &[])
            .await
    }

    /// Plays `person` on the consent page, unticking `withheld`.
    async fn approve_as(&self, authorize_url: &Url, person: &str, withheld: &[&str]) -> String {
        let mut form: Vec<(String, String)> = authorize_url.query_pairs().into_owned().collect();
        let scopes: Vec<String> = form
            .iter()
            .find(|(k, _)| k == "scope")
            .map(|(_, v)| v.split([' ', ',']).map(str::to_owned).collect())
            .unwrap_or_default();
        form.extend(
            scopes
                .into_iter()
                .filter(|s| !withheld.contains(&s.as_str()))
                .map(|s| ("granted".to_owned(), s)),
        );
        form.push(("decision".into(), "approve".into()));
        form.push(("person".into(), person.into()));
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
    ) -> Result<TokenGrant, NetworkFailure> {
        oauth::exchange_code(&self.http, network, &self.redirect_uri, code, verifier).await
    }

    /// A consent all the way to the token the channel keeps (long-lived where the network
    /// has that step).
    async fn connect(&self) -> TokenGrant {
        self.connect_as(self.provider.spec.people[0].id, &[]).await
    }

    async fn connect_as(&self, person: &str, withheld: &[&str]) -> TokenGrant {
        let request = self.request();
        let code = self.approve_as(&request.url, person, withheld).await;
        let grant = self
            .exchange(&self.network, &code, &request.pkce_verifier)
            .await
            .unwrap();
        match oauth::exchange_long_lived(&self.http, &self.network, &grant.access_token)
            .await
            .unwrap()
        {
            Some(long) => long,
            None => grant,
        }
    }

    fn call<'a>(&'a self, token: &'a Secret, granted: &'a [String]) -> ApiCall<'a> {
        ApiCall {
            http: &self.http,
            network: &self.network,
            token,
            granted,
        }
    }

    async fn discover(&self, grant: &TokenGrant) -> engine::networks::Discovery {
        let granted = grant.granted_scopes.clone().unwrap_or_default();
        let call = self.call(&grant.access_token, &granted);
        self.network.profile.adapter.discover(&call).await.unwrap()
    }

    /// A channel's health check of `account`, with the account's own token.
    async fn check(
        &self,
        account: &engine::networks::DiscoveredAccount,
    ) -> Result<engine::networks::Discovery, NetworkFailure> {
        let token = account
            .token
            .as_ref()
            .expect("the account has its own token");
        self.network
            .profile
            .adapter
            .check(&self.call(token, &[]), account.kind, &account.id)
            .await
    }

    async fn works(&self, token: &Secret) -> Result<(), FailureClass> {
        let call = ApiCall {
            http: &self.http,
            network: &self.network,
            token,
            granted: &[],
        };
        self.network
            .profile
            .adapter
            .discover(&call)
            .await
            .map(|_| ())
            .map_err(|f| f.class())
    }
}

#[tokio::test]
async fn code_exchange_with_pkce_gives_working_tokens() {
    let f = start_sandbox("sandbox").await;
    let request = f.request();
    let query: HashMap<_, _> = request.url.query_pairs().into_owned().collect();
    assert_eq!(query["state"], request.state.expose());
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["scope"], "offline_access profile.read metrics.read");

    let code = f.approve(&request.url).await;
    let grant = f
        .exchange(&f.network, &code, &request.pkce_verifier)
        .await
        .unwrap();
    assert_eq!(grant.expires_in, Some(TimeDelta::hours(1)));
    assert!(grant.refresh_token.is_some());
    assert_eq!(
        grant.granted_scopes.unwrap(),
        ["offline_access", "profile.read", "metrics.read"]
    );
    assert_eq!(f.works(&grant.access_token).await, Ok(()));

    // Codes are single use.
    let again = f.exchange(&f.network, &code, &request.pkce_verifier).await;
    assert!(
        matches!(again, Err(NetworkFailure::Refused { ref code, .. }) if code == "invalid_grant")
    );
}

#[tokio::test]
async fn a_wrong_pkce_verifier_or_client_secret_is_refused() {
    let f = start_sandbox("x").await;
    let request = f.request();
    let code = f.approve(&request.url).await;
    let wrong = Secret::new("x".repeat(43));
    let refused = f.exchange(&f.network, &code, &wrong).await;
    assert!(matches!(refused, Err(NetworkFailure::Refused { .. })));

    let request = f.request();
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
    let f = start_sandbox("sandbox").await;
    let request = f.request();
    let code = f.approve(&request.url).await;
    f.clock.advance(TimeDelta::seconds(61));
    let refused = f.exchange(&f.network, &code, &request.pkce_verifier).await;
    assert!(
        matches!(refused, Err(NetworkFailure::Refused { ref code, .. }) if code == "invalid_grant")
    );
}

#[tokio::test]
async fn x_refresh_tokens_rotate_and_a_spent_one_is_dead() {
    let f = start_sandbox("x").await;
    assert_eq!(f.network.profile.renewal, Renewal::RotatingRefresh);
    let grant = f.connect().await;
    let first_refresh = grant.refresh_token.unwrap();

    f.clock.advance(TimeDelta::hours(2));
    assert_eq!(
        f.works(&grant.access_token).await,
        Err(FailureClass::dead(DeadReason::Invalid))
    );
    let rotated = oauth::refresh(&f.http, &f.network, &first_refresh)
        .await
        .unwrap();
    let second_refresh = rotated.refresh_token.unwrap();
    assert_ne!(second_refresh.expose(), first_refresh.expose());
    assert_eq!(f.works(&rotated.access_token).await, Ok(()));

    // X's answer to a spent refresh token is read as dead, not as a hiccup.
    let replay = oauth::refresh(&f.http, &f.network, &first_refresh).await;
    assert_eq!(
        replay.unwrap_err().class(),
        FailureClass::dead(DeadReason::Invalid)
    );
    assert!(oauth::refresh(&f.http, &f.network, &second_refresh)
        .await
        .is_ok());
}

#[tokio::test]
async fn instagram_extends_in_place_only_after_a_day() {
    let f = start_sandbox("instagram").await;
    let Renewal::ExtendInPlace {
        url,
        grant_type,
        min_age,
    } = f.network.profile.renewal.clone()
    else {
        panic!("Instagram extends in place");
    };
    assert_eq!(min_age, TimeDelta::hours(24));
    let long = f.connect().await;
    assert_eq!(long.expires_in, Some(TimeDelta::days(60)));

    let early = oauth::extend(&f.http, &f.network, &url, grant_type, &long.access_token).await;
    assert!(
        matches!(early, Err(NetworkFailure::Refused { ref description, .. }) if description.contains("24 hours"))
    );

    f.clock.advance(TimeDelta::hours(25));
    let extended = oauth::extend(&f.http, &f.network, &url, grant_type, &long.access_token)
        .await
        .unwrap();
    assert_eq!(extended.expires_in, Some(TimeDelta::days(60)));
    assert_eq!(f.works(&extended.access_token).await, Ok(()));

    // An expired token cannot be extended: it is dead.
    f.clock.advance(TimeDelta::days(61));
    let late = oauth::extend(
        &f.http,
        &f.network,
        &url,
        grant_type,
        &extended.access_token,
    )
    .await;
    assert_eq!(
        late.unwrap_err().class(),
        FailureClass::dead(DeadReason::Expired)
    );
}

#[tokio::test]
async fn facebook_pages_are_never_renewed_and_the_user_token_is_exchanged_once() {
    let f = start_sandbox("facebook").await;
    assert_eq!(f.network.profile.renewal, Renewal::Nothing);
    let long = f.connect().await;
    assert_eq!(long.expires_in, Some(TimeDelta::seconds(5_183_944)));
    // Re-exchanging a long-lived token is undocumented; the emulator refuses it.
    let again = oauth::exchange_long_lived(&f.http, &f.network, &long.access_token).await;
    assert!(matches!(again, Err(NetworkFailure::Refused { .. })));
}

#[tokio::test]
async fn linkedin_refresh_never_moves_the_365_day_wall() {
    let f = start_sandbox("linkedin").await;
    let grant = f.connect().await;
    assert_eq!(grant.refresh_expires_in, Some(TimeDelta::days(365)));
    let refresh = grant.refresh_token.unwrap();
    f.clock.advance(TimeDelta::days(300));
    let renewed = oauth::refresh(&f.http, &f.network, &refresh).await.unwrap();
    assert_eq!(renewed.refresh_expires_in, Some(TimeDelta::days(65)));
    f.clock.advance(TimeDelta::days(66));
    let refused = oauth::refresh(&f.http, &f.network, &refresh).await;
    assert_eq!(
        refused.unwrap_err().class(),
        FailureClass::dead(DeadReason::Invalid)
    );
}

#[tokio::test]
async fn what_the_control_api_does_to_an_account_is_read_back_with_its_reason() {
    for (network, action, expected) in [
        ("facebook", "password_changed", DeadReason::PasswordChanged),
        ("facebook", "checkpoint", DeadReason::Checkpoint),
        ("facebook", "unconfirmed", DeadReason::Unconfirmed),
        (
            "facebook",
            "data_access_expired",
            DeadReason::DataAccessExpired,
        ),
        ("linkedin", "revoked", DeadReason::Revoked),
    ] {
        let f = start_sandbox(network).await;
        let grant = f.connect().await;
        assert_eq!(f.works(&grant.access_token).await, Ok(()));
        let reason = serde_json::from_value(serde_json::json!(action)).unwrap();
        f.provider
            .control(ControlAction::Account {
                person: f.provider.spec.people[0].id.into(),
                reason,
            })
            .unwrap();
        assert_eq!(
            f.works(&grant.access_token).await,
            Err(FailureClass::dead(expected)),
            "{network} {action}"
        );
    }
}

#[tokio::test]
async fn outages_and_rate_limits_are_never_read_as_dead() {
    for network in [
        "facebook",
        "linkedin",
        "x",
        "tiktok",
        "youtube",
        "pinterest",
    ] {
        let f = start_sandbox(network).await;
        let grant = f.connect().await;
        f.provider
            .control(ControlAction::Weather {
                weather: Weather::Down,
            })
            .unwrap();
        assert_eq!(
            f.works(&grant.access_token).await,
            Err(FailureClass::Transient),
            "{network}"
        );
        f.provider
            .control(ControlAction::Weather {
                weather: Weather::RateLimited,
            })
            .unwrap();
        let limited = f.works(&grant.access_token).await.unwrap_err();
        assert!(
            matches!(limited, FailureClass::RateLimited { .. }),
            "{network}: {limited:?}"
        );
    }
}

#[tokio::test]
async fn unregistered_redirects_and_missing_pkce_are_refused_on_the_providers_page() {
    let f = start_sandbox("sandbox").await;
    let request = f.request();
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

/// A Page token *is* the Page: `me/accounts` and `me/permissions` do not exist on it. A
/// Page channel is checked with `debug_token` (app token) and `GET /{page-id}`.
#[tokio::test]
async fn a_facebook_page_is_checked_with_what_a_page_token_can_do() {
    let f = start_sandbox("facebook").await;
    let grant = f.connect().await;
    let discovery = f.discover(&grant).await;
    assert_eq!(discovery.subject.as_deref(), Some("fb-501"));
    for account in &discovery.accounts {
        let page_token = account
            .token
            .clone()
            .expect("Pages come with their own token");
        // What the old check did: the person's calls with the Page's token.
        let as_person = f.works(&page_token).await;
        assert!(
            !matches!(as_person, Err(FailureClass::Dead { .. })),
            "code 100 on a Page token is not a dead token: {as_person:?}"
        );
        let checked = f.check(account).await.unwrap();
        assert_eq!(checked.accounts[0].id, account.id);
        assert_eq!(checked.accounts[0].followers, account.followers);
        assert!(checked
            .granted_scopes
            .unwrap()
            .contains(&"read_insights".to_owned()));
    }
    // A password change kills the Page tokens; debug_token says why.
    f.provider
        .control(ControlAction::Account {
            person: "fb-501".into(),
            reason: sandbox::Death::PasswordChanged,
        })
        .unwrap();
    let page = &discovery.accounts[0];
    let dead = f.check(page).await.unwrap_err();
    assert_eq!(
        dead.class(),
        FailureClass::dead(DeadReason::PasswordChanged)
    );
}

/// `me/accounts` comes 25 to a page with `paging.next`; a person with more Pages gets all.
#[tokio::test]
async fn facebook_pages_are_listed_page_after_page() {
    let f = start_sandbox("facebook").await;
    let grant = f.connect_as("fb-503", &[]).await;
    let pages = f
        .discover(&grant)
        .await
        .accounts
        .into_iter()
        .filter(|a| a.kind == "page")
        .count();
    assert_eq!(pages, 27);
}

/// `DELETE /{user-id}/permissions` with the app token de-authorizes the person: every Page
/// token of theirs dies with 190/458.
#[tokio::test]
async fn facebook_revocation_ends_every_page_of_the_person() {
    let f = start_sandbox("facebook").await;
    let grant = f.connect().await;
    let discovery = f.discover(&grant).await;
    let page_token = discovery.accounts[0].token.clone().unwrap();
    let revoked = oauth::revoke(
        &f.http,
        &f.network,
        oauth::Revocation {
            access: &page_token,
            refresh: None,
            subject: discovery.subject.as_deref().unwrap(),
        },
    )
    .await
    .unwrap();
    assert!(revoked);
    for account in &discovery.accounts {
        let check = f.check(account).await.unwrap_err();
        assert_eq!(check.class(), FailureClass::dead(DeadReason::AppRemoved));
    }
}

/// Meta advises turning "Require App Secret" on (Graph API: securing requests); the
/// emulated app has it on. Every Graph call with a person's or a Page's token then carries
/// `appsecret_proof`, and the app secret never travels in a URL, where proxies and logs
/// keep it.
#[tokio::test]
async fn graph_calls_prove_the_app_secret_and_keep_it_out_of_urls() {
    use engine::networks::fixtures::documented;
    let f = start_sandbox("facebook").await;
    let grant = f.connect().await;
    let discovery = f.discover(&grant).await;
    for account in &discovery.accounts {
        f.check(account).await.unwrap();
    }
    assert_eq!(f.provider.counters().secrets_in_urls, 0);

    let me = |proof: Option<String>| {
        let mut request = f
            .http
            .get(f.network.profile.api("me"))
            .bearer_auth(grant.access_token.expose());
        if let Some(proof) = proof {
            request = request.query(&[("appsecret_proof", proof)]);
        }
        request.send()
    };
    let another_apps_proof = appsecret_proof(&Secret::new("another app"), &grant.access_token);
    for (proof, fixture) in [
        (None, "error_appsecret_proof_missing"),
        (Some(another_apps_proof), "error_appsecret_proof_invalid"),
    ] {
        let refused = me(proof).await.unwrap();
        let documented_answer = documented("facebook", fixture);
        assert_eq!(
            refused.status().as_u16(),
            documented_answer.status,
            "{fixture}"
        );
        let body: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(
            body["error"]["code"],
            documented_answer.body["error"]["code"]
        );
        assert_eq!(
            body["error"]["message"],
            documented_answer.body["error"]["message"]
        );
    }

    // Unlinking speaks as the app, with its proof too.
    let revoked = oauth::revoke(
        &f.http,
        &f.network,
        oauth::Revocation {
            access: &grant.access_token,
            refresh: None,
            subject: discovery.subject.as_deref().unwrap(),
        },
    )
    .await
    .unwrap();
    assert!(revoked);
    assert_eq!(f.provider.counters().secrets_in_urls, 0);
}

/// A restricted Facebook account is a temporary block (code 368), not a dead channel.
#[tokio::test]
async fn a_restricted_facebook_account_is_not_a_dead_channel() {
    let f = start_sandbox("facebook").await;
    let grant = f.connect().await;
    let discovery = f.discover(&grant).await;
    f.provider
        .control(ControlAction::Account {
            person: "fb-501".into(),
            reason: sandbox::Death::Restricted,
        })
        .unwrap();
    let page = &discovery.accounts[0];
    let check = f.check(page).await.unwrap_err();
    assert_eq!(check.class(), FailureClass::Transient);
}

/// Each TikTok user info field needs its scope, and one field outside the granted scopes
/// fails the whole call: Tether asks only for what was granted.
#[tokio::test]
async fn tiktok_asks_only_for_fields_of_granted_scopes() {
    let f = start_sandbox("tiktok").await;
    let grant = f
        .connect_as("-000Tx7aWqK3lP", &["user.info.profile", "user.info.stats"])
        .await;
    let granted = grant.granted_scopes.clone().unwrap();
    assert!(
        !granted.contains(&"user.info.stats".to_owned()),
        "{granted:?}"
    );
    let account = &f.discover(&grant).await.accounts[0];
    assert_eq!(
        account.handle, "Juno Park",
        "no username without user.info.profile"
    );
    assert_eq!(account.followers, None);

    let everything = f.connect().await;
    let account = &f.discover(&everything).await.accounts[0];
    assert_eq!(account.handle, "@juno.makes");
    assert_eq!(account.followers, Some(120_400));
}

/// TikTok's revoke takes "the user access token to revoke", not the refresh token.
#[tokio::test]
async fn tiktok_revocation_sends_the_access_token() {
    let f = start_sandbox("tiktok").await;
    let grant = f.connect().await;
    let revoked = oauth::revoke(
        &f.http,
        &f.network,
        oauth::Revocation {
            access: &grant.access_token,
            refresh: grant.refresh_token.as_ref(),
            subject: "-000Tx7aWqK3lP",
        },
    )
    .await
    .unwrap();
    assert!(revoked);
    assert_eq!(f.provider.counters().revocations, 1);
    assert_eq!(
        f.works(&grant.access_token).await,
        Err(FailureClass::dead(DeadReason::Invalid))
    );
}

/// Pinterest refresh tokens are continuous: 60 days, renewed by every refresh; an app made
/// before 2025-09-25 must ask for it with `continuous_refresh=true`.
#[tokio::test]
async fn pinterest_refreshes_continuously_for_sixty_days() {
    let f = start_sandbox("pinterest").await;
    let grant = f.connect().await;
    assert_eq!(grant.refresh_expires_in, Some(TimeDelta::days(60)));
    f.clock.advance(TimeDelta::days(50));
    let renewed = oauth::refresh(&f.http, &f.network, grant.refresh_token.as_ref().unwrap())
        .await
        .unwrap();
    assert_eq!(renewed.refresh_expires_in, Some(TimeDelta::days(60)));
    f.clock.advance(TimeDelta::days(50));
    assert!(
        oauth::refresh(&f.http, &f.network, renewed.refresh_token.as_ref().unwrap())
            .await
            .is_ok(),
        "100 days after consent, a continuous refresh token still works"
    );
    // A spent refresh token is answered `{code, message}` and read as dead.
    let spent = oauth::refresh(&f.http, &f.network, grant.refresh_token.as_ref().unwrap()).await;
    assert_eq!(
        spent.unwrap_err().class(),
        FailureClass::dead(DeadReason::Invalid)
    );
}

/// The emulators answer in the documented shapes: the same status and codes as the
/// shared fixtures, so client and emulator answer to the same documents.
#[tokio::test]
async fn the_emulators_answer_as_the_documents_say() {
    use engine::networks::fixtures::documented;
    let f = start_sandbox("facebook").await;
    let grant = f.connect().await;
    let page = f.discover(&grant).await.accounts.remove(0);
    let page_token = page.token.as_ref().unwrap();
    let me_accounts = f
        .http
        .get(f.network.profile.api("me/accounts"))
        .query(&[(
            "appsecret_proof",
            appsecret_proof(&f.network.client_secret, page_token),
        )])
        .bearer_auth(page_token.expose())
        .send()
        .await
        .unwrap();
    let documented_answer = documented("facebook", "error_page_token_me_accounts");
    assert_eq!(me_accounts.status().as_u16(), documented_answer.status);
    let body: serde_json::Value = me_accounts.json().await.unwrap();
    assert_eq!(
        body["error"]["code"],
        documented_answer.body["error"]["code"]
    );
    assert_eq!(
        body["error"]["message"],
        documented_answer.body["error"]["message"]
    );

    let f = start_sandbox("tiktok").await;
    let grant = f.connect_as("-000Tx7aWqK3lP", &["user.info.stats"]).await;
    let refused = f
        .http
        .get(f.network.profile.api("v2/user/info/"))
        .query(&[("fields", "open_id,follower_count")])
        .bearer_auth(grant.access_token.expose())
        .send()
        .await
        .unwrap();
    let documented_answer = documented("tiktok", "error_scope_not_authorized");
    assert_eq!(refused.status().as_u16(), documented_answer.status);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(
        body["error"]["code"],
        documented_answer.body["error"]["code"]
    );

    let f = start_sandbox("pinterest").await;
    let refused = oauth::refresh(&f.http, &f.network, &Secret::new("pinr_unknown")).await;
    let NetworkFailure::Refused { code, .. } = refused.unwrap_err() else {
        panic!("a refusal");
    };
    let documented_answer = documented("pinterest", "error_invalid_refresh");
    assert_eq!(code, documented_answer.body["code"].to_string());
}

/// The clock is the whole instance's: it moves only where the sandbox was given the power
/// (a demo), forward, and never more than about five years in all, however often asked.
#[tokio::test]
async fn the_clock_moves_only_on_a_demo_and_within_bounds() {
    let clock = Clock::frozen(DateTime::from_timestamp(1_900_000_000, 0).unwrap());
    let client = || RegisteredClient {
        in_testing: false,
        client_id: "tether".into(),
        client_secret: Secret::new("secret"),
        redirect_uri: Url::parse("http://tether.test/oauth/callback/x").unwrap(),
    };
    let emulated = sandbox::emulated("x").unwrap();
    let served_at = || Url::parse("http://sandbox.test/sandbox/x/").unwrap();
    let plain = sandbox::mount(
        emulated,
        client(),
        clock.clone(),
        Powers::default(),
        served_at(),
    );
    let refused = plain
        .provider
        .control(ControlAction::MoveClock { seconds: 3600 });
    assert!(refused.unwrap_err().contains("demo"));
    assert!(clock.offset().is_zero());

    let demo = sandbox::mount(
        emulated,
        client(),
        clock.clone(),
        Powers {
            clock: true,
            mint: false,
        },
        served_at(),
    );
    assert!(demo
        .provider
        .control(ControlAction::MoveClock { seconds: -5 })
        .is_err());
    let moves = (0..100)
        .take_while(|_| {
            demo.provider
                .control(ControlAction::MoveClock {
                    seconds: 400 * 86_400,
                })
                .is_ok()
        })
        .count();
    assert_eq!(moves, 4);
    assert!(clock.offset() <= TimeDelta::days(5 * 366));
    demo.provider.control(ControlAction::ResetClock).unwrap();
    assert!(clock.offset().is_zero());
}

/// What happens to an account kills the tokens given until then; a fresh consent works
/// again, as on the real networks (no one has to press "Restore").
#[tokio::test]
async fn a_fresh_consent_after_a_revocation_works() {
    let f = start_sandbox("x").await;
    let before = f.connect().await;
    f.provider
        .control(ControlAction::Account {
            person: f.provider.spec.people[0].id.into(),
            reason: sandbox::Death::Revoked,
        })
        .unwrap();
    assert!(f.works(&before.access_token).await.is_err());
    let after = f.connect().await;
    assert_eq!(f.works(&after.access_token).await, Ok(()));
    assert!(f.works(&before.access_token).await.is_err());
}

/// LinkedIn's versioned API wants `LinkedIn-Version` and Rest.li 2.0 on every `/rest` call;
/// names come from a batch lookup (decoration is deprecated), showcase pages arrive as
/// `organizationBrand` URNs, URNs in paths are encoded, and 65601 on a brand-new token is
/// asked again before it is believed.
#[tokio::test]
async fn linkedin_pages_are_read_as_the_versioned_api_documents() {
    let f = start_sandbox("linkedin").await;
    let grant = f.connect_as("li-aB3x9", &[]).await;
    let discovery = f.discover(&grant).await;
    let mut found: Vec<(&str, &str, Option<i64>)> = discovery
        .accounts
        .iter()
        .map(|a| (a.kind, a.name.as_str(), a.followers))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("organization", "Northwind Analytics", Some(18_900)),
            ("organization", "Northwind Labs", Some(3_450)),
            ("showcase", "Northwind for Retail", None),
        ]
    );
    assert_eq!(discovery.subject.as_deref(), Some("li-aB3x9"));

    // What the emulator refuses, the real API refuses too.
    let acls = f
        .network
        .profile
        .api("rest/organizationAcls?q=roleAssignee");
    let call = |version: Option<&str>, restli: bool| {
        let mut request = f
            .http
            .get(acls.clone())
            .bearer_auth(grant.access_token.expose());
        if let Some(version) = version {
            request = request.header("LinkedIn-Version", version);
        }
        if restli {
            request = request.header("X-Restli-Protocol-Version", "2.0.0");
        }
        request.send()
    };
    let missing = call(None, true).await.unwrap();
    assert_eq!(missing.status(), 400);
    assert_eq!(
        missing.json::<serde_json::Value>().await.unwrap()["code"],
        "VERSION_MISSING"
    );
    let retired = call(Some("202411"), true).await.unwrap();
    assert_eq!(retired.status(), 426);
    let no_restli = call(Some("202608"), false).await.unwrap();
    assert_eq!(no_restli.status(), 400);
}

/// Organization ACLs come `count` at a time; a member with more pages gets them all.
#[tokio::test]
async fn linkedin_acls_are_read_page_after_page() {
    let f = start_sandbox("linkedin").await;
    let grant = f.connect_as("li-Ag3nc", &[]).await;
    assert_eq!(f.discover(&grant).await.accounts.len(), 105);
}

/// A page's check reads the member's roles and that page alone: checking each of an
/// agency's 105 pages costs what checking one does, not what reading all 105 does.
#[tokio::test]
async fn a_linkedin_page_check_reads_only_its_own_page() {
    let f = start_sandbox("linkedin").await;
    let grant = f.connect_as("li-Ag3nc", &[]).await;
    let discovery = f.discover(&grant).await;
    let page = &discovery.accounts[57];
    let before = f.provider.counters().api_calls;
    let checked = f
        .network
        .profile
        .adapter
        .check(&f.call(&grant.access_token, &[]), page.kind, &page.id)
        .await
        .unwrap();
    let calls = f.provider.counters().api_calls - before;
    // Two pages of roles, one name lookup, one follower count.
    assert_eq!(calls, 4, "a check made {calls} calls");
    let [account] = checked.accounts.as_slice() else {
        panic!("the checked page alone: {:?}", checked.accounts);
    };
    assert_eq!(
        (
            account.id.as_str(),
            account.handle.as_str(),
            account.followers
        ),
        (page.id.as_str(), page.handle.as_str(), page.followers)
    );
    assert_eq!(checked.subject.as_deref(), Some("li-Ag3nc"));
}

/// Community Management must be the only product on its app: the consent asks for its
/// scopes alone, and one asking for another product's scope is refused whole.
#[tokio::test]
async fn linkedin_consent_asks_only_for_community_management_scopes() {
    let f = start_sandbox("linkedin").await;
    let request = f.request();
    let scope: String = request
        .url
        .query_pairs()
        .find(|(k, _)| k == "scope")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    for other_product in ["openid", "profile", "r_ads_reporting"] {
        assert!(!scope.split(' ').any(|s| s == other_product), "{scope}");
    }
    let mut mixed = request.url.clone();
    let pairs: Vec<(String, String)> = request
        .url
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "scope" {
                (k, format!("{v} openid"))
            } else {
                (k, v)
            }
        })
        .collect();
    mixed.query_pairs_mut().clear().extend_pairs(pairs);
    let refused = f.http.get(mixed).send().await.unwrap();
    assert_eq!(refused.status(), 303);
    let back = Url::parse(refused.headers()["location"].to_str().unwrap()).unwrap();
    let error: HashMap<_, _> = back.query_pairs().into_owned().collect();
    assert_eq!(error["error"], "unauthorized_scope_error");
}

/// Google's 7-day wall belongs to apps in "Testing" status: a deployment fact, set by the
/// operator, not a sandbox-only one. A production app's refresh token outlives it.
#[tokio::test]
async fn googles_testing_wall_follows_the_apps_publishing_status() {
    let real = |in_testing| {
        engine::networks::youtube::profile(
            &Hosts::Real,
            &NetworkSettings {
                google_app_in_testing: in_testing,
                ..NetworkSettings::default()
            },
        )
        .lifetimes
        .reconsent
    };
    assert_eq!(real(true), Some(TimeDelta::days(7)));
    assert_eq!(real(false), None);

    for in_testing in [true, false] {
        let f = start_sandbox_with("youtube", in_testing).await;
        let grant = f.connect().await;
        f.clock.advance(TimeDelta::days(8));
        let renewed =
            oauth::refresh(&f.http, &f.network, grant.refresh_token.as_ref().unwrap()).await;
        assert_eq!(renewed.is_ok(), !in_testing, "in testing: {in_testing}");
    }
}

/// The emulated accounts' pictures load. A real network names a picture on its image
/// servers; these pointed at `sandbox.invalid`, so every avatar was a broken image. The
/// emulator serves its own.
#[tokio::test]
async fn emulated_accounts_have_pictures_that_load() {
    for network in ["facebook", "tiktok", "sandbox"] {
        let f = start_sandbox(network).await;
        let grant = f.connect().await;
        let found = f.discover(&grant).await;
        let picture = found.accounts[0]
            .avatar_url
            .clone()
            .unwrap_or_else(|| panic!("{network}: no picture"));
        let answer = f.http.get(&picture).send().await.unwrap();
        assert_eq!(answer.status(), 200, "{network}: {picture}");
        assert_eq!(
            answer.headers()["content-type"],
            "image/svg+xml",
            "{network}"
        );
        assert!(
            answer.text().await.unwrap().starts_with("<svg"),
            "{network}"
        );
    }
}

/// The scope parameter of a consent request, split.
fn requested_scopes(request: &oauth::AuthorizationRequest) -> Vec<String> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == "scope")
        .map(|(_, v)| v.split(' ').map(str::to_owned).collect())
        .unwrap_or_default()
}

/// A consent asking for `extra` beside what Tether asks is refused whole, with `error`.
async fn refused_with_extra_scope(f: &Fixture, extra: &str) -> String {
    let request = f.request();
    let pairs: Vec<(String, String)> = request
        .url
        .query_pairs()
        .into_owned()
        .map(|(k, v)| match k.as_str() {
            "scope" => (k, format!("{v} {extra}")),
            _ => (k, v),
        })
        .collect();
    let mut mixed = request.url.clone();
    mixed.query_pairs_mut().clear().extend_pairs(pairs);
    let refused = f.http.get(mixed).send().await.unwrap();
    assert_eq!(refused.status(), 303);
    let back = Url::parse(refused.headers()["location"].to_str().unwrap()).unwrap();
    let error: HashMap<_, _> = back.query_pairs().into_owned().collect();
    error["error"].clone()
}

/// A member profile is a network of its own, on a self-serve app (Sign In with LinkedIn
/// using OpenID Connect, Share on LinkedIn): its consent asks for those products' scopes
/// only, the member comes from the OpenID userinfo endpoint, and without programmatic
/// refresh tokens the code's 60-day token is all there is.
#[tokio::test]
async fn a_linkedin_member_profile_connects_on_an_app_of_its_own() {
    let f = start_sandbox("linkedin_member").await;
    let scopes = requested_scopes(&f.request());
    assert_eq!(scopes, ["openid", "profile"]);
    assert_eq!(
        refused_with_extra_scope(&f, "rw_organization_admin").await,
        "unauthorized_scope_error"
    );
    assert_eq!(
        refused_with_extra_scope(&f, "r_ads_reporting").await,
        "unauthorized_scope_error"
    );

    let grant = f.connect_as("li-aB3x9", &[]).await;
    assert!(grant.refresh_token.is_none(), "self-serve apps get none");
    assert_eq!(grant.expires_in, Some(TimeDelta::days(60)));
    // The brand-new token's first call answers 65601: asked again, it is believed alive.
    let discovery = f.discover(&grant).await;
    let [member] = discovery.accounts.as_slice() else {
        panic!("one member: {:?}", discovery.accounts);
    };
    assert_eq!(
        (member.kind, member.id.as_str(), member.name.as_str()),
        ("member", "li-aB3x9", "Ines Duarte")
    );
    assert!(member.avatar_url.is_some());
    assert_eq!(discovery.subject.as_deref(), Some("li-aB3x9"));
    // Userinfo answers in the documented fields (the address only with `email`).
    let answer: serde_json::Value = f
        .http
        .get(f.network.profile.api("v2/userinfo"))
        .bearer_auth(grant.access_token.expose())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let documented_answer = engine::networks::fixtures::documented("linkedin", "userinfo");
    assert_eq!(
        keys(&answer),
        keys(&documented_answer.body)
            .into_iter()
            .filter(|k| !k.starts_with("email"))
            .collect::<Vec<_>>()
    );

    f.provider
        .control(ControlAction::Account {
            person: "li-aB3x9".into(),
            reason: sandbox::Death::Revoked,
        })
        .unwrap();
    assert_eq!(
        f.works(&grant.access_token).await,
        Err(FailureClass::dead(DeadReason::Revoked))
    );
}

/// Ads accounts are a network of their own, on an Advertising API app: the member's roles
/// come from `adAccountUsers`, names from each account; a channel's check reads the roles
/// only, and a role taken away is a lost role.
#[tokio::test]
async fn linkedin_ads_accounts_are_read_from_the_members_roles() {
    let f = start_sandbox("linkedin_ads").await;
    assert_eq!(requested_scopes(&f.request()), ["r_ads", "r_ads_reporting"]);
    assert_eq!(
        refused_with_extra_scope(&f, "openid").await,
        "unauthorized_scope_error"
    );

    let grant = f.connect_as("li-aB3x9", &[]).await;
    assert!(grant.refresh_token.is_some(), "an MDP partner's app");
    let discovery = f.discover(&grant).await;
    let mut found: Vec<(&str, &str, &str)> = discovery
        .accounts
        .iter()
        .map(|a| (a.kind, a.id.as_str(), a.name.as_str()))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("ads_account", "508871234", "Northwind EMEA ads"),
            ("ads_account", "508871299", "Northwind Americas ads"),
        ]
    );
    assert_eq!(discovery.subject.as_deref(), Some("li-aB3x9"));

    let check = |account: &'static str| {
        let call = f.call(&grant.access_token, &[]);
        async move {
            f.network
                .profile
                .adapter
                .check(&call, "ads_account", account)
                .await
                .unwrap()
                .accounts
                .into_iter()
                .map(|a| a.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(check("508871299").await, ["508871299"]);
    f.provider
        .control(ControlAction::LoseRole {
            person: "li-aB3x9".into(),
            page: "508871299".into(),
        })
        .unwrap();
    assert!(check("508871299").await.is_empty(), "the role is gone");
    assert_eq!(check("508871234").await, ["508871234"]);

    // The roles answer in the documented shape; the versioned API's rules hold here too.
    let users = f
        .network
        .profile
        .api("rest/adAccountUsers?q=authenticatedUser");
    let answer: serde_json::Value = f
        .http
        .get(users.clone())
        .bearer_auth(grant.access_token.expose())
        .header("LinkedIn-Version", "202608")
        .header("X-Restli-Protocol-Version", "2.0.0")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let documented_answer =
        engine::networks::fixtures::documented("linkedin", "ad_account_users_authenticated");
    assert_eq!(keys(&answer), keys(&documented_answer.body));
    assert_eq!(
        keys(&answer["elements"][0]),
        keys(&documented_answer.body["elements"][0])
    );
    let unversioned = f
        .http
        .get(users)
        .bearer_auth(grant.access_token.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(unversioned.status(), 400);
}

/// The field names of a JSON object, sorted.
fn keys(value: &serde_json::Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

/// Member and ads channels connected on the pages app, before they had apps of their own,
/// are checked as those apps' channels are: the member by userinfo, an ads account by the
/// member's roles. Read as pages, every one of them would be called a lost role.
#[tokio::test]
async fn linkedin_channels_connected_before_the_split_are_checked_as_what_they_are() {
    for (network, kind, account) in [
        ("linkedin_member", "member", "li-aB3x9"),
        ("linkedin_ads", "ads_account", "508871234"),
    ] {
        let f = start_sandbox(network).await;
        let grant = f.connect_as("li-aB3x9", &[]).await;
        let mut legacy = f.network.clone();
        legacy.profile.adapter = engine::networks::Adapter::LinkedIn;
        let call = ApiCall {
            http: &f.http,
            network: &legacy,
            token: &grant.access_token,
            granted: &[],
        };
        let checked = legacy
            .profile
            .adapter
            .check(&call, kind, account)
            .await
            .unwrap_or_else(|failure| panic!("{kind}: {failure:?}"));
        assert!(
            checked
                .accounts
                .iter()
                .any(|a| a.kind == kind && a.id == account),
            "{kind}: {:?}",
            checked.accounts
        );
    }
}
