//! The provider side of a sandbox network: a real OAuth 2.0 authorization server and API
//! over HTTP whose behaviour each network's file describes in a [`SandboxSpec`] (lifetimes,
//! refresh semantics, error shapes, people and their pages) and whose paths that file
//! mounts. Tether's client talks to it exactly as to the real network; only the base URL
//! differs. A control page and JSON API (marked as sandbox) make things happen to an
//! account or to the whole network.

use axum::extract::{Form, Query, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use chrono::{DateTime, TimeDelta, Utc};
use engine::clock::Clock;
use engine::crypto::{random_token, token_hash, Secret};
use html_escape::encode_double_quoted_attribute as attr;
use html_escape::encode_text as text;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use url::Url;

/// How the client proves itself at the token endpoint, as the network documents it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuth {
    /// HTTP Basic with client id and secret (RFC 6749 2.3.1).
    Basic,
    /// Client id and secret as parameters (form body, or the query of a GET endpoint).
    Body,
}

/// Why an emulated token stopped working: something that happened to the account or the
/// token. Each network file renders it as that network documents the error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Death {
    Expired,
    Revoked,
    PasswordChanged,
    Checkpoint,
    AppRemoved,
    LostRole,
    Restricted,
    Unconfirmed,
    DataAccessExpired,
    Invalid,
}

impl Death {
    pub fn as_str(self) -> &'static str {
        match self {
            Death::Expired => "expired",
            Death::Revoked => "revoked",
            Death::PasswordChanged => "password_changed",
            Death::Checkpoint => "checkpoint",
            Death::AppRemoved => "app_removed",
            Death::LostRole => "lost_role",
            Death::Restricted => "restricted",
            Death::Unconfirmed => "unconfirmed",
            Death::DataAccessExpired => "data_access_expired",
            Death::Invalid => "invalid",
        }
    }
}

/// Whether the network checks PKCE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pkce {
    /// S256 must be sent and verified (X, the generic sandbox).
    Required,
    /// Verified when sent (Google).
    Optional,
    /// Not part of the flow (classic Facebook, LinkedIn…): ignored.
    Unsupported,
}

/// How the sandbox's refresh tokens behave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SandboxRefresh {
    /// No refresh tokens.
    None,
    /// Single use: each refresh spends it and returns a new one, living `lifetime`.
    Rotating { lifetime: Option<TimeDelta> },
    /// The same refresh token keeps working.
    Reusable,
    /// Lives `window` from first consent whatever happens (LinkedIn's 365 days).
    FixedWindow { window: TimeDelta },
}

/// Token-for-token grants the token endpoint (or another path) accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exchange {
    pub grant_type: &'static str,
    /// The parameter carrying the presented token.
    pub token_param: &'static str,
    /// The presented token must be at least this old (Instagram, Threads: 24 h).
    pub min_age: Option<TimeDelta>,
    /// Which tokens it takes: short-lived ones (from the code), long-lived ones, or both.
    pub accepts_short: bool,
    pub accepts_long: bool,
}

/// Everything a network's sandbox does, filled in by that network's file.
#[derive(Clone, Debug)]
pub struct SandboxSpec {
    pub network: &'static str,
    pub display_name: &'static str,
    pub client_auth: ClientAuth,
    pub client_id_param: &'static str,
    pub pkce: Pkce,
    pub partial_consent: bool,
    /// Every scope the consent page knows, with the words it shows.
    pub scopes: &'static [(&'static str, &'static str)],
    /// Scopes that cannot be unticked (identity).
    pub fixed_scopes: &'static [&'static str],
    /// The scopes the registered app's products give, and the error a consent asking for
    /// any other is refused with (LinkedIn's `unauthorized_scope_error`); `None`: all.
    pub app_scopes: Option<(&'static [&'static str], &'static str)>,
    /// A new consent adds to what the person granted before instead of replacing it
    /// (Google's `include_granted_scopes`, Facebook's re-request of declined permissions).
    pub incremental: bool,
    /// The token the code gives lives this long.
    pub code_token_lifetime: TimeDelta,
    /// Exchanged or extended tokens live this long.
    pub long_lived_lifetime: Option<TimeDelta>,
    pub refresh: SandboxRefresh,
    /// Refresh tokens are issued only when this scope was granted (X's `offline.access`).
    pub offline_scope: Option<&'static str>,
    /// Every token of a consent dies this long after it while the app is in testing
    /// (Google apps in "Testing" status).
    pub testing_consent_lifetime: Option<TimeDelta>,
    /// Token-for-token grants (long-lived exchange, extension in place).
    pub exchanges: &'static [Exchange],
    /// A parameter every refresh request must carry (Pinterest's `continuous_refresh`).
    pub refresh_requires: Option<(&'static str, &'static str)>,
    pub people: &'static [SandboxPerson],
    /// Renders the network's own error bodies.
    pub error_response: fn(&SandboxError) -> Response,
    /// Reshapes a standard token response into the network's own (field names, scope
    /// separators, extra ids).
    pub shape_token: fn(&mut Value, &Issued),
}

/// For networks whose token responses are standard.
pub fn standard_token(_: &mut Value, _: &Issued) {}

/// A person who can sign in at the sandbox's consent page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SandboxPerson {
    pub id: &'static str,
    pub name: &'static str,
    pub handle: &'static str,
    pub followers: i64,
    pub pages: &'static [SandboxPage],
}

impl SandboxPerson {
    /// A person made at start-up (one with more pages than fit on a page of answers);
    /// leaked once, as a sandbox lives as long as its process.
    pub fn leaked(id: &'static str, name: &'static str, pages: Vec<SandboxPage>) -> Self {
        SandboxPerson {
            id,
            name,
            handle: name,
            followers: 0,
            pages: Box::leak(pages.into_boxed_slice()),
        }
    }
}

/// A string made at start-up, kept for the life of the process.
pub fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// Something a person manages: a page, organization, ads account, channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SandboxPage {
    pub id: &'static str,
    pub kind: &'static str,
    pub name: &'static str,
    pub handle: &'static str,
    pub followers: i64,
    /// An Instagram business account linked to this Facebook Page: (id, username, followers).
    pub instagram: Option<(&'static str, &'static str, i64)>,
}

/// An error the sandbox answers with; each network renders it in its own shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SandboxError {
    /// The client failed to authenticate at the token endpoint.
    InvalidClient,
    /// A malformed request (missing parameter, unknown grant type).
    InvalidRequest(String),
    /// A code or refresh token that is unknown, spent, expired or revoked.
    InvalidGrant(String),
    /// An API call with a dead token.
    InvalidToken(Death),
    /// An API call that needs a scope the person did not grant.
    MissingScope(String),
    /// The network is rate-limiting; retry after this many seconds, that is at `reset_at`
    /// (Unix seconds on the sandbox's clock, which Tether shares).
    RateLimited { retry_after: i64, reset_at: i64 },
    /// The network is down.
    ServerError,
}

/// The one client application registered with a sandbox network: Tether itself.
#[derive(Clone, Debug)]
pub struct RegisteredClient {
    /// The app is in a testing publishing status at the network (Google's "Testing").
    pub in_testing: bool,
    pub client_id: String,
    pub client_secret: Secret,
    pub redirect_uri: Url,
}

/// Trouble a sandbox network can be told to have.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weather {
    #[default]
    Normal,
    /// Every call answers 5xx.
    Down,
    /// Every call hangs past any client's time-out.
    Slow,
    /// Every call answers 429 with the network's headers.
    RateLimited,
}

const CODE_LIFETIME: TimeDelta = TimeDelta::minutes(1);
const RATE_LIMIT_RESET_SECS: i64 = 900;

/// What was issued, keyed by the hash of the token.
#[derive(Clone, Debug)]
pub struct Issued {
    pub person: SandboxPerson,
    /// Set for a page token.
    pub page: Option<SandboxPage>,
    pub scopes: Vec<String>,
    pub issued_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub consented_at: DateTime<Utc>,
    /// Which consent this token came from: an event on the account kills the tokens of
    /// every consent up to then, and a later consent works again, as on the real networks.
    pub consent: u64,
    /// True for a token from an exchange or extension.
    pub long_lived: bool,
}

struct PendingCode {
    redirect_uri: String,
    code_challenge: Option<String>,
    scopes: Vec<String>,
    person: SandboxPerson,
    expires_at: DateTime<Utc>,
}

#[derive(Default)]
struct Grants {
    codes: HashMap<String, PendingCode>,
    access_tokens: HashMap<String, Issued>,
    refresh_tokens: HashMap<String, Issued>,
    /// Access tokens that have been used for an API call.
    used_tokens: HashSet<String>,
    /// People to whom something happened, why, and the last consent it killed.
    dead_people: HashMap<String, (Death, u64)>,
    /// Consents given so far.
    consents: u64,
    /// What each person has granted so far, for networks with incremental consent.
    granted: HashMap<String, Vec<String>>,
    /// (person, page) pairs where the person lost their role.
    lost_roles: HashSet<(String, String)>,
    weather: Weather,
    counters: Counters,
    /// The app's secret after an operator rotated it at the network's developer console.
    rotated_secret: Option<Secret>,
    /// People minted by the control API for load tests, beyond the spec's own.
    crowd: HashMap<String, SandboxPerson>,
}

/// What the sandbox saw, for tests and the control page.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Counters {
    pub codes_redeemed: u64,
    pub refreshes: u64,
    pub exchanges: u64,
    pub revocations: u64,
    /// Token requests that carried the app secret in the URL. Networks take them; they
    /// are counted because a secret in a URL stays in proxies' and servers' logs.
    pub secrets_in_urls: u64,
    /// Calls to the network's API with a person's or a page's token: what a network's
    /// daily call budget counts.
    pub api_calls: u64,
}

/// What a sandbox's controls may do beyond making things happen to its accounts and its
/// weather.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Powers {
    /// Move the clock. The clock is the whole instance's, so only a demo instance may.
    pub clock: bool,
    /// Mint people in bulk, for load tests: only the standalone sandbox process.
    pub mint: bool,
}

/// How far the clock may be moved ahead in total: far enough to show any token's end,
/// never near the end of time.
const MAX_CLOCK_OFFSET: TimeDelta = TimeDelta::days(5 * 366);

pub struct SandboxProvider {
    pub spec: SandboxSpec,
    client: RegisteredClient,
    clock: Clock,
    powers: Powers,
    /// Where browsers reach this network (ending in `/`): its pictures are served there.
    public_url: Url,
    grants: Mutex<Grants>,
}

impl SandboxProvider {
    pub fn new(
        spec: SandboxSpec,
        client: RegisteredClient,
        clock: Clock,
        powers: Powers,
        public_url: Url,
    ) -> Arc<Self> {
        Arc::new(Self {
            spec,
            client,
            clock,
            powers,
            public_url,
            grants: Mutex::new(Grants::default()),
        })
    }

    /// The network's own routes (from its file), behind the weather it was told to have,
    /// and the pictures its accounts have.
    pub fn network_router(self: Arc<Self>, network_routes: Router<Arc<Self>>) -> Router {
        network_routes
            .route("/_avatar/{file}", get(avatar))
            .layer(middleware::from_fn_with_state(self.clone(), weather))
            .with_state(self)
    }

    /// Where an account's picture is, as the network's API names it: a real network
    /// answers with an address on its image servers, so an emulated one serves its own.
    pub fn picture_url(&self, id: &str) -> String {
        let file: String = id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        self.public_url
            .join(&format!("_avatar/{file}.svg"))
            .map(String::from)
            .unwrap_or_default()
    }

    /// The control page and its JSON API. Whoever serves them decides who may reach them.
    pub fn control_router(self: Arc<Self>) -> Router {
        let mut control = Router::new()
            .route("/_control", get(control_page).post(control_form))
            .route("/_control/api", get(control_state).post(control_api));
        if self.powers.mint {
            control = control.route("/_control/api/mint", axum::routing::post(control_mint));
        }
        control.with_state(self)
    }

    fn grants(&self) -> std::sync::MutexGuard<'_, Grants> {
        self.grants
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn counters(&self) -> Counters {
        self.grants().counters.clone()
    }

    pub fn error(&self, error: SandboxError) -> Response {
        (self.spec.error_response)(&error)
    }

    /// The person behind an API call's token (bearer header or `access_token` query), or
    /// the network's error for a dead or unknown one.
    pub fn authenticate(
        &self,
        headers: &HeaderMap,
        query: &HashMap<String, String>,
    ) -> Result<Issued, SandboxError> {
        let presented = presented_token(headers, query);
        let mut grants = self.grants();
        grants.counters.api_calls += 1;
        let issued = grants
            .access_tokens
            .get(&token_hash(&presented))
            .cloned()
            .ok_or(SandboxError::InvalidToken(Death::Invalid))?;
        if let Some(reason) = self.death(&grants, &issued) {
            return Err(SandboxError::InvalidToken(reason));
        }
        Ok(issued)
    }

    /// The JSON `body` makes of the person behind a token that carries `scope`, or the
    /// network's error: what most sandbox API endpoints answer.
    pub fn answer(
        &self,
        headers: &HeaderMap,
        query: &HashMap<String, String>,
        scope: &str,
        body: impl FnOnce(&Issued) -> Value,
    ) -> Response {
        match self.authenticate_with(headers, query, scope) {
            Ok(issued) => Json(body(&issued)).into_response(),
            Err(error) => self.error(error),
        }
    }

    /// Like [`Self::authenticate`], and the token must carry `scope`.
    pub fn authenticate_with(
        &self,
        headers: &HeaderMap,
        query: &HashMap<String, String>,
        scope: &str,
    ) -> Result<Issued, SandboxError> {
        let issued = self.authenticate(headers, query)?;
        if issued.scopes.iter().any(|s| s == scope) {
            Ok(issued)
        } else {
            Err(SandboxError::MissingScope(scope.to_owned()))
        }
    }

    /// Why a token no longer works, if it does not.
    fn death(&self, grants: &Grants, issued: &Issued) -> Option<Death> {
        let now = self.now();
        if let Some((reason, upto)) = grants.dead_people.get(issued.person.id) {
            if issued.consent <= *upto {
                return Some(*reason);
            }
        }
        if let Some(page) = issued.page {
            if grants
                .lost_roles
                .contains(&(issued.person.id.to_owned(), page.id.to_owned()))
            {
                return Some(Death::LostRole);
            }
        }
        if let Some(lifetime) = self
            .spec
            .testing_consent_lifetime
            .filter(|_| self.client.in_testing)
        {
            if issued.consented_at + lifetime <= now {
                return Some(Death::Expired);
            }
        }
        issued
            .expires_at
            .is_some_and(|at| at <= now)
            .then_some(Death::Expired)
    }

    /// Whether this is the first API call with the presented token (marking it used).
    pub fn first_use(&self, headers: &HeaderMap, query: &HashMap<String, String>) -> bool {
        let hash = token_hash(&presented_token(headers, query));
        self.grants().used_tokens.insert(hash)
    }

    /// Whether `token` is the app's own token, `{app-id}|{app-secret}` (Graph API: app
    /// access tokens).
    pub fn is_app_token(&self, token: &str) -> bool {
        token
            .split_once('|')
            .is_some_and(|(id, secret)| self.is_client(id, secret))
    }

    /// Whether `id` and `secret` are the registered app's, after any rotation.
    fn is_client(&self, id: &str, secret: &str) -> bool {
        let grants = self.grants();
        let current = grants
            .rotated_secret
            .as_ref()
            .unwrap_or(&self.client.client_secret);
        id == self.client.client_id && secret == current.expose()
    }

    /// Whether `proof` is `token`'s `appsecret_proof` under the app's current secret: the
    /// HMAC-SHA256 of the token keyed with the secret, in hex (Graph API: securing
    /// requests).
    pub fn proves_app_secret(&self, token: &str, proof: &str) -> bool {
        use hmac::{Hmac, Mac};
        let grants = self.grants();
        let secret = grants
            .rotated_secret
            .as_ref()
            .unwrap_or(&self.client.client_secret);
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()) else {
            return false;
        };
        mac.update(token.as_bytes());
        let expected: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        expected == proof.to_ascii_lowercase()
    }

    /// What a token is and whether it still works, whatever it is (Graph's `debug_token`).
    pub fn inspect(&self, token: &str) -> Option<(Issued, Option<Death>)> {
        let grants = self.grants();
        let issued = grants.access_tokens.get(&token_hash(token))?.clone();
        let death = self.death(&grants, &issued);
        Some((issued, death))
    }

    /// Something happened to a person: every token they were given so far dies with
    /// `reason`; a later consent works again.
    pub fn kill_person(&self, person: &str, reason: Death) {
        let mut grants = self.grants();
        let upto = grants.consents;
        grants.dead_people.insert(person.to_owned(), (reason, upto));
        grants.counters.revocations += 1;
    }

    /// The pages a person still manages (a lost role hides the page).
    pub fn pages_of(&self, person: &SandboxPerson) -> Vec<SandboxPage> {
        let grants = self.grants();
        person
            .pages
            .iter()
            .filter(|p| {
                !grants
                    .lost_roles
                    .contains(&(person.id.to_owned(), p.id.to_owned()))
            })
            .copied()
            .collect()
    }

    /// Issues a page token for `page`, valid as long as the person's consent.
    pub fn issue_page_token(&self, issued: &Issued, page: SandboxPage) -> String {
        let token = random_token();
        let page_token = Issued {
            page: Some(page),
            expires_at: None,
            ..issued.clone()
        };
        self.grants()
            .access_tokens
            .insert(token_hash(token.expose()), page_token);
        token.expose().to_owned()
    }

    /// Issues an access token (and, when the spec says so, a refresh token) and returns
    /// the standard token response body.
    fn issue_tokens(&self, base: Issued, fresh_refresh: bool) -> Value {
        let mut body = self.issue_standard(base.clone(), fresh_refresh);
        (self.spec.shape_token)(&mut body, &base);
        body
    }

    fn issue_standard(&self, base: Issued, fresh_refresh: bool) -> Value {
        let now = self.now();
        let lifetime = if base.long_lived {
            self.spec
                .long_lived_lifetime
                .unwrap_or(self.spec.code_token_lifetime)
        } else {
            self.spec.code_token_lifetime
        };
        let access = random_token();
        let mut grants = self.grants();
        grants.access_tokens.insert(
            token_hash(access.expose()),
            Issued {
                issued_at: now,
                expires_at: Some(now + lifetime),
                ..base.clone()
            },
        );
        let mut body = json!({
            "access_token": access.expose(),
            "token_type": "bearer",
            "expires_in": lifetime.num_seconds(),
            "scope": base.scopes.join(" "),
        });
        let offline = self
            .spec
            .offline_scope
            .is_none_or(|scope| base.scopes.iter().any(|s| s == scope));
        let refresh_expiry = match self.spec.refresh {
            SandboxRefresh::None => return body,
            SandboxRefresh::Rotating { lifetime } => lifetime.map(|l| now + l),
            SandboxRefresh::Reusable => None,
            SandboxRefresh::FixedWindow { window } => Some(base.consented_at + window),
        };
        if offline && fresh_refresh {
            let refresh = random_token();
            grants.refresh_tokens.insert(
                token_hash(refresh.expose()),
                Issued {
                    issued_at: now,
                    expires_at: refresh_expiry,
                    ..base
                },
            );
            body["refresh_token"] = json!(refresh.expose());
        }
        if let Some(at) = refresh_expiry.filter(|_| offline) {
            body["refresh_token_expires_in"] = json!((at - now).num_seconds());
        }
        body
    }

    /// Checks an authorization request; errors are shown on the provider's own page,
    /// never redirected, when the client or redirect URI cannot be trusted (RFC 6749 4.1.2.1).
    fn check_request(&self, params: &HashMap<String, String>) -> Result<AuthRequest, String> {
        let get = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
        if get(self.spec.client_id_param) != self.client.client_id {
            return Err(format!("Unknown {}.", self.spec.client_id_param));
        }
        if get("redirect_uri") != self.client.redirect_uri.as_str() {
            return Err("redirect_uri is not registered for this client.".into());
        }
        if get("response_type") != "code" {
            return Err("response_type must be code.".into());
        }
        let code_challenge = match self.spec.pkce {
            Pkce::Unsupported => None,
            Pkce::Optional if get("code_challenge").is_empty() => None,
            Pkce::Optional | Pkce::Required => {
                if get("code_challenge_method") != "S256" || get("code_challenge").len() != 43 {
                    return Err("PKCE with code_challenge_method=S256 is required.".into());
                }
                Some(get("code_challenge").to_owned())
            }
        };
        let state = get("state");
        if state.is_empty() {
            return Err("state is required.".into());
        }
        let scopes: Vec<String> = get("scope")
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if scopes.is_empty() {
            return Err("scope is required.".into());
        }
        if let Some(unknown) = scopes
            .iter()
            .find(|s| !self.spec.scopes.iter().any(|(known, _)| known == s))
        {
            return Err(format!("Unknown scope {unknown}."));
        }
        Ok(AuthRequest {
            redirect_uri: get("redirect_uri").to_owned(),
            state: state.to_owned(),
            code_challenge,
            scopes,
        })
    }

    pub fn client_authenticated(
        &self,
        headers: &HeaderMap,
        form: &HashMap<String, String>,
    ) -> bool {
        let presented = match self.spec.client_auth {
            ClientAuth::Basic => basic_credentials(headers),
            ClientAuth::Body => form
                .get(self.spec.client_id_param)
                .cloned()
                .zip(form.get("client_secret").cloned()),
        };
        presented.is_some_and(|(id, secret)| self.is_client(&id, &secret))
    }
}

struct AuthRequest {
    redirect_uri: String,
    state: String,
    code_challenge: Option<String>,
    scopes: Vec<String>,
}

/// The consent page (GET on the network's authorize path).
pub async fn consent_page(
    State(provider): State<Arc<SandboxProvider>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let request = match provider.check_request(&params) {
        Ok(request) => request,
        Err(problem) => return provider_error_page(&provider.spec, &problem),
    };
    let spec = &provider.spec;
    if let Some((enabled, error)) = spec.app_scopes {
        if let Some(scope) = request
            .scopes
            .iter()
            .find(|s| !enabled.contains(&s.as_str()))
        {
            // A scope the app's products do not give fails the whole consent, back at the
            // client with the network's error.
            let mut target =
                Url::parse(&request.redirect_uri).expect("registered redirect URI parses");
            target
                .query_pairs_mut()
                .append_pair("error", error)
                .append_pair(
                    "error_description",
                    &format!("Scope \"{scope}\" is not authorized for your application"),
                )
                .append_pair("state", &request.state);
            return Redirect::to(target.as_str()).into_response();
        }
    }
    let hidden: String = params
        .iter()
        .filter(|(name, _)| name.as_str() != "granted")
        .map(|(name, value)| {
            format!(
                r#"<input type="hidden" name="{}" value="{}">"#,
                attr(name),
                attr(value)
            )
        })
        .collect();
    let permissions: String = request
        .scopes
        .iter()
        .filter_map(|s| spec.scopes.iter().find(|(known, _)| known == s))
        .map(|(scope, words)| {
            let fixed = spec.fixed_scopes.contains(scope);
            if spec.partial_consent && !fixed {
                format!(
                    r#"<li><label><input type="checkbox" name="granted" value="{}" checked> {} <code>{}</code></label></li>"#,
                    attr(scope),
                    text(words),
                    text(scope)
                )
            } else {
                format!(
                    r#"<li><input type="hidden" name="granted" value="{}">{} <code>{}</code></li>"#,
                    attr(scope),
                    text(words),
                    text(scope)
                )
            }
        })
        .collect();
    let people: String = spec
        .people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            format!(
                r#"<label class="account"><input type="radio" name="person" value="{}"{}> {} <span>{}</span></label>"#,
                attr(p.id),
                if i == 0 { " checked" } else { "" },
                text(p.name),
                text(p.handle)
            )
        })
        .collect();
    let name = text(spec.display_name);
    let partial = if spec.partial_consent {
        "<p class=\"hint\">You can untick permissions you do not want to give.</p>"
    } else {
        "<p class=\"hint\">All of these permissions are given together.</p>"
    };
    Html(format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name} (sandbox) – authorize Tether</title><link rel="icon" href="data:,">
<style>{CONSENT_CSS}</style></head>
<body><main>
<p class="sandbox" role="note">Sandbox network – simulated by Tether, not the real {name}</p>
<h1>Allow Tether to access your {name} account?</h1>
<form method="post">
{hidden}
<fieldset><legend>Sign in as</legend>{people}</fieldset>
<fieldset><legend>Tether will be able to</legend>{partial}<ul>{permissions}</ul></fieldset>
<div class="actions">
<button type="submit" name="decision" value="approve">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Cancel</button>
</div>
</form></main></body></html>"#
    ))
    .into_response()
}

/// The person's decision on the consent page (POST on the authorize path).
pub async fn consent_decision(
    State(provider): State<Arc<SandboxProvider>>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let granted: Vec<String> = form
        .iter()
        .filter(|(name, _)| name == "granted")
        .map(|(_, v)| v.clone())
        .collect();
    let fields: HashMap<String, String> = form.into_iter().collect();
    let request = match provider.check_request(&fields) {
        Ok(request) => request,
        Err(problem) => return provider_error_page(&provider.spec, &problem),
    };
    let mut target = Url::parse(&request.redirect_uri).expect("registered redirect URI parses");
    if fields.get("decision").map(String::as_str) != Some("approve") {
        target
            .query_pairs_mut()
            .append_pair("error", "access_denied")
            .append_pair("error_description", "The person cancelled the request.")
            .append_pair("state", &request.state);
        return Redirect::to(target.as_str()).into_response();
    }
    let chosen = fields.get("person").map(String::as_str).unwrap_or_default();
    let Some(person) = provider.spec.people.iter().find(|p| p.id == chosen) else {
        return provider_error_page(&provider.spec, "Choose an account to sign in as.");
    };
    // Only what was asked for and left ticked; fixed scopes always.
    let mut scopes: Vec<String> = request
        .scopes
        .into_iter()
        .filter(|s| {
            !provider.spec.partial_consent
                || provider.spec.fixed_scopes.contains(&s.as_str())
                || granted.contains(s)
        })
        .collect();
    if provider.spec.incremental {
        let mut grants = provider.grants();
        let earlier = grants.granted.entry(person.id.to_owned()).or_default();
        for scope in earlier.iter() {
            if !scopes.contains(scope) {
                scopes.push(scope.clone());
            }
        }
        earlier.clone_from(&scopes);
    }
    let code = random_token();
    provider.grants().codes.insert(
        token_hash(code.expose()),
        PendingCode {
            redirect_uri: request.redirect_uri,
            code_challenge: request.code_challenge,
            scopes,
            person: *person,
            expires_at: provider.now() + CODE_LIFETIME,
        },
    );
    target
        .query_pairs_mut()
        .append_pair("code", code.expose())
        .append_pair("state", &request.state);
    Redirect::to(target.as_str()).into_response()
}

/// The token endpoint: authorization code, refresh token, and the network's token-for-token
/// exchanges. Accepts a form body or, for GET endpoints, the query.
pub async fn token_endpoint(
    State(provider): State<Arc<SandboxProvider>>,
    method: Method,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: axum::body::Bytes,
) -> Response {
    if query.contains_key("client_secret") {
        provider.grants().counters.secrets_in_urls += 1;
    }
    let form: HashMap<String, String> = if method == Method::GET {
        query
    } else {
        serde_urlencoded_pairs(&body)
    };
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let grant_type = field("grant_type");
    // Extensions (Instagram's ig_refresh_token) prove themselves with the token alone.
    let exchange = provider
        .spec
        .exchanges
        .iter()
        .find(|e| e.grant_type == grant_type)
        .copied();
    let needs_client = exchange.is_none_or(|e| e.token_param != "access_token");
    if needs_client && !provider.client_authenticated(&headers, &form) {
        return provider.error(SandboxError::InvalidClient);
    }
    let now = provider.now();
    match (grant_type, exchange) {
        ("authorization_code", _) => {
            // Removed whether or not it checks out: a code is good for one attempt only.
            let pending = provider.grants().codes.remove(&token_hash(field("code")));
            let Some(pending) = pending.filter(|p| p.expires_at > now) else {
                return provider.error(SandboxError::InvalidGrant(
                    "The authorization code is invalid, used or expired.".into(),
                ));
            };
            if pending.redirect_uri != field("redirect_uri") {
                return provider.error(SandboxError::InvalidGrant(
                    "redirect_uri does not match the authorization request.".into(),
                ));
            }
            if let Some(challenge) = &pending.code_challenge {
                let computed =
                    URL_SAFE_NO_PAD.encode(Sha256::digest(field("code_verifier").as_bytes()));
                if &computed != challenge {
                    return provider.error(SandboxError::InvalidGrant(
                        "PKCE verification failed.".into(),
                    ));
                }
            }
            let consent = {
                let mut grants = provider.grants();
                grants.counters.codes_redeemed += 1;
                grants.consents += 1;
                grants.consents
            };
            let issued = Issued {
                person: pending.person,
                page: None,
                scopes: pending.scopes,
                issued_at: now,
                expires_at: None,
                consented_at: now,
                consent,
                long_lived: false,
            };
            Json(provider.issue_tokens(issued, true)).into_response()
        }
        ("refresh_token", _) if provider.spec.refresh != SandboxRefresh::None => {
            if let Some((name, value)) = provider.spec.refresh_requires {
                if field(name) != value {
                    return provider.error(SandboxError::InvalidRequest(format!(
                        "{name}={value} is required to refresh"
                    )));
                }
            }
            let hash = token_hash(field("refresh_token"));
            let rotating = matches!(provider.spec.refresh, SandboxRefresh::Rotating { .. });
            let issued = {
                let mut grants = provider.grants();
                // Rotation: the presented refresh token is spent whatever happens next.
                let found = if rotating {
                    grants.refresh_tokens.remove(&hash)
                } else {
                    grants.refresh_tokens.get(&hash).cloned()
                };
                match found {
                    Some(issued) => match provider.death(&grants, &issued) {
                        None => {
                            grants.counters.refreshes += 1;
                            Ok(issued)
                        }
                        Some(reason) => Err(reason),
                    },
                    None => Err(Death::Invalid),
                }
            };
            match issued {
                Ok(issued) => Json(provider.issue_tokens(issued, rotating)).into_response(),
                Err(_) => provider.error(SandboxError::InvalidGrant(
                    "The refresh token is invalid, expired or revoked.".into(),
                )),
            }
        }
        (_, Some(exchange)) => {
            let presented = field(exchange.token_param);
            let issued = {
                let grants = provider.grants();
                grants
                    .access_tokens
                    .get(&token_hash(presented))
                    .cloned()
                    .map(|i| (provider.death(&grants, &i), i))
            };
            let issued = match issued {
                Some((None, issued)) => issued,
                Some((Some(reason), _)) => {
                    return provider.error(SandboxError::InvalidToken(reason))
                }
                None => return provider.error(SandboxError::InvalidToken(Death::Invalid)),
            };
            let accepted = if issued.long_lived {
                exchange.accepts_long
            } else {
                exchange.accepts_short
            };
            if !accepted {
                return provider.error(SandboxError::InvalidRequest(format!(
                    "{} does not accept this kind of token.",
                    exchange.grant_type
                )));
            }
            if let Some(min_age) = exchange.min_age {
                if issued.issued_at + min_age > now {
                    return provider.error(SandboxError::InvalidRequest(format!(
                        "The token must be at least {} hours old to be refreshed.",
                        min_age.num_hours()
                    )));
                }
            }
            provider.grants().counters.exchanges += 1;
            let long = Issued {
                long_lived: true,
                ..issued
            };
            Json(provider.issue_tokens(long, false)).into_response()
        }
        _ => provider.error(SandboxError::InvalidRequest(format!(
            "unsupported grant_type {grant_type}"
        ))),
    }
}

/// RFC 7009 revocation: the token and everything of the same consent stop working.
pub async fn revoke_endpoint(
    State(provider): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !provider.client_authenticated(&headers, &form) {
        return provider.error(SandboxError::InvalidClient);
    }
    let presented = form.get("token").map(String::as_str).unwrap_or_default();
    provider.revoke_consent(presented);
    // RFC 7009 2.2: an unknown token is answered with 200 too.
    StatusCode::OK.into_response()
}

impl SandboxProvider {
    /// Revokes every token of the consent `token` belongs to (the app's access as a whole,
    /// as networks do when a person removes it).
    pub fn revoke_consent(&self, token: &str) {
        let hash = token_hash(token);
        let mut grants = self.grants();
        let found = grants
            .access_tokens
            .get(&hash)
            .or_else(|| grants.refresh_tokens.get(&hash))
            .cloned();
        if let Some(found) = found {
            let same = |i: &Issued| i.consent == found.consent;
            grants.access_tokens.retain(|_, i| !same(i));
            grants.refresh_tokens.retain(|_, i| !same(i));
            grants.granted.remove(found.person.id);
            grants.counters.revocations += 1;
        }
    }
}

/// What the control page and API can make happen.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum ControlAction {
    /// Something happens to a person's account: every token of theirs dies with `reason`.
    Account { person: String, reason: Death },
    /// The person loses their role on a page: its page tokens die; it leaves their list.
    LoseRole { person: String, page: String },
    /// Undo everything that happened to a person.
    Restore { person: String },
    /// The whole network has this weather.
    Weather { weather: Weather },
    /// Moves the sandbox's clock — in-process, Tether's whole instance — forward.
    MoveClock { seconds: i64 },
    /// Puts the clock back to real time.
    ResetClock,
    /// Someone rotates the app's secret in the network's developer console: Tether's
    /// configured secret stops working until the registration is renewed.
    RotateAppSecret,
}

impl SandboxProvider {
    pub fn control(&self, action: ControlAction) -> Result<(), String> {
        let mut grants = self.grants();
        let crowd = &grants.crowd;
        let known = |id: &str| {
            self.spec
                .people
                .iter()
                .find(|p| p.id == id)
                .copied()
                .or_else(|| crowd.get(id).copied())
        };
        match action {
            ControlAction::Account { person, reason } => {
                known(&person).ok_or("no such person")?;
                let upto = grants.consents;
                grants.dead_people.insert(person, (reason, upto));
            }
            ControlAction::LoseRole { person, page } => {
                let who = known(&person).ok_or("no such person")?;
                if !who.pages.iter().any(|p| p.id == page) {
                    return Err("that person does not manage that page".into());
                }
                grants.lost_roles.insert((person, page));
            }
            ControlAction::Restore { person } => {
                known(&person).ok_or("no such person")?;
                grants.dead_people.remove(&person);
                grants.lost_roles.retain(|(p, _)| *p != person);
            }
            ControlAction::Weather { weather } => grants.weather = weather,
            ControlAction::MoveClock { .. } | ControlAction::ResetClock if !self.powers.clock => {
                return Err(
                    "the clock can be moved only on a demo instance (TETHER_SANDBOX=demo)".into(),
                );
            }
            ControlAction::MoveClock { seconds } => {
                if !(1..=400 * 86_400).contains(&seconds) {
                    return Err("the clock moves forward, by at most 400 days at a time".into());
                }
                let by = TimeDelta::seconds(seconds);
                if self.clock.offset() + by > MAX_CLOCK_OFFSET {
                    return Err(format!(
                        "the clock can be moved at most {} days ahead in all",
                        MAX_CLOCK_OFFSET.num_days()
                    ));
                }
                self.clock.advance(by);
            }
            ControlAction::ResetClock => self.clock.advance(-self.clock.offset()),
            ControlAction::RotateAppSecret => grants.rotated_secret = Some(random_token()),
        }
        tracing::info!(
            network = self.spec.network,
            "sandbox control action applied"
        );
        Ok(())
    }
}

async fn weather(
    State(provider): State<Arc<SandboxProvider>>,
    request: Request,
    next: Next,
) -> Response {
    let current = provider.grants().weather;
    match current {
        Weather::Normal => next.run(request).await,
        Weather::Down => provider.error(SandboxError::ServerError),
        Weather::RateLimited => provider.error(SandboxError::RateLimited {
            retry_after: RATE_LIMIT_RESET_SECS,
            reset_at: provider.now().timestamp() + RATE_LIMIT_RESET_SECS,
        }),
        Weather::Slow => {
            // Longer than any client waits; the client's time-out is what is being tested.
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            provider.error(SandboxError::ServerError)
        }
    }
}

#[derive(Serialize)]
struct ControlState {
    network: &'static str,
    clock_offset_secs: i64,
    weather: Weather,
    counters: Counters,
    dead_people: HashMap<String, Death>,
    lost_roles: Vec<(String, String)>,
}

async fn control_state(State(provider): State<Arc<SandboxProvider>>) -> Response {
    let grants = provider.grants();
    Json(ControlState {
        network: provider.spec.network,
        clock_offset_secs: provider.clock.offset().num_seconds(),
        weather: grants.weather,
        counters: grants.counters.clone(),
        dead_people: grants
            .dead_people
            .iter()
            .map(|(person, (reason, _))| (person.clone(), *reason))
            .collect(),
        lost_roles: grants.lost_roles.iter().cloned().collect(),
    })
    .into_response()
}

/// How many people one mint call may create.
const MINT_LIMIT: usize = 200_000;

#[derive(Deserialize)]
struct MintRequest {
    count: usize,
}

impl SandboxProvider {
    /// Creates `count` new people who consented to every scope, and issues each a token
    /// set as the token endpoint would: for load tests that need many distinct accounts
    /// without driving as many consent pages. Returns person id, handle and the tokens.
    pub fn mint(&self, count: usize) -> Result<Vec<Value>, String> {
        if !(1..=MINT_LIMIT).contains(&count) {
            return Err(format!("count must be from 1 to {MINT_LIMIT}"));
        }
        let scopes: Vec<String> = self
            .spec
            .scopes
            .iter()
            .map(|(s, _)| (*s).to_owned())
            .collect();
        let now = self.now();
        Ok((0..count)
            .map(|_| {
                let (person, consent) = {
                    let mut grants = self.grants();
                    grants.consents += 1;
                    let n = grants.crowd.len() + 1;
                    let person = SandboxPerson {
                        id: leak(format!("crowd-{n}")),
                        name: leak(format!("Crowd member {n}")),
                        handle: leak(format!("@crowd.{n}")),
                        followers: 0,
                        pages: &[],
                    };
                    grants.crowd.insert(person.id.to_owned(), person);
                    (person, grants.consents)
                };
                let tokens = self.issue_tokens(
                    Issued {
                        person,
                        page: None,
                        scopes: scopes.clone(),
                        issued_at: now,
                        expires_at: None,
                        consented_at: now,
                        consent,
                        long_lived: false,
                    },
                    true,
                );
                json!({ "person": person.id, "handle": person.handle, "tokens": tokens })
            })
            .collect())
    }
}

async fn control_mint(
    State(provider): State<Arc<SandboxProvider>>,
    Json(request): Json<MintRequest>,
) -> Response {
    match provider.mint(request.count) {
        Ok(minted) => Json(minted).into_response(),
        Err(problem) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({ "error": problem })),
        )
            .into_response(),
    }
}

async fn control_api(
    State(provider): State<Arc<SandboxProvider>>,
    Json(action): Json<ControlAction>,
) -> Response {
    match provider.control(action) {
        Ok(()) => control_state(State(provider)).await,
        Err(problem) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({ "error": problem })),
        )
            .into_response(),
    }
}

async fn control_form(
    State(provider): State<Arc<SandboxProvider>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let action = match field("action").as_str() {
        "account" => serde_json::from_value::<Death>(json!(field("reason")))
            .map(|reason| ControlAction::Account {
                person: field("person"),
                reason,
            })
            .map_err(|_| "unknown reason".to_owned()),
        "lose_role" => Ok(ControlAction::LoseRole {
            person: field("person"),
            page: field("page"),
        }),
        "restore" => Ok(ControlAction::Restore {
            person: field("person"),
        }),
        "weather" => serde_json::from_value::<Weather>(json!(field("weather")))
            .map(|weather| ControlAction::Weather { weather })
            .map_err(|_| "unknown weather".to_owned()),
        "move_clock" => field("seconds")
            .parse()
            .map(|seconds| ControlAction::MoveClock { seconds })
            .map_err(|_| "seconds must be a whole number".to_owned()),
        "reset_clock" => Ok(ControlAction::ResetClock),
        "rotate_app_secret" => Ok(ControlAction::RotateAppSecret),
        _ => Err("unknown action".to_owned()),
    };
    match action.and_then(|a| provider.control(a)) {
        Ok(()) => Redirect::to("_control").into_response(),
        Err(problem) => provider_error_page(&provider.spec, &problem),
    }
}

async fn control_page(State(provider): State<Arc<SandboxProvider>>) -> Response {
    let spec = &provider.spec;
    let (weather, counters, dead, lost) = {
        let g = provider.grants();
        (
            g.weather,
            g.counters.clone(),
            g.dead_people
                .iter()
                .map(|(person, (reason, _))| (person.clone(), *reason))
                .collect::<HashMap<_, _>>(),
            g.lost_roles.clone(),
        )
    };
    let reasons = [
        (Death::PasswordChanged, "Change the password"),
        (Death::Revoked, "Revoke Tether's access"),
        (Death::Checkpoint, "Hit a security checkpoint"),
        (Death::Restricted, "Restrict the account"),
        (Death::DataAccessExpired, "Let data access lapse"),
    ];
    let people: String = spec
        .people
        .iter()
        .map(|p| {
            let status = match dead.get(p.id) {
                Some(reason) => format!(
                    "<strong>Tokens given until then are dead: {}</strong>; a new consent works again",
                    text(reason.as_str())
                ),
                None => "Tokens working".into(),
            };
            let buttons: String = reasons
                .iter()
                .map(|(reason, label)| {
                    format!(
                        r#"<form method="post"><input type="hidden" name="action" value="account"><input type="hidden" name="person" value="{}"><input type="hidden" name="reason" value="{}"><button class="secondary">{}</button></form>"#,
                        attr(p.id),
                        reason.as_str(),
                        text(label)
                    )
                })
                .collect();
            let pages: String = p
                .pages
                .iter()
                .map(|page| {
                    let gone = lost.contains(&(p.id.to_owned(), page.id.to_owned()));
                    format!(
                        r#"<li>{} ({}) {}</li>"#,
                        text(page.name),
                        text(page.kind),
                        if gone {
                            "– <strong>role lost</strong>".to_owned()
                        } else {
                            format!(
                                r#"<form method="post"><input type="hidden" name="action" value="lose_role"><input type="hidden" name="person" value="{}"><input type="hidden" name="page" value="{}"><button class="secondary">Lose the role</button></form>"#,
                                attr(p.id),
                                attr(page.id)
                            )
                        }
                    )
                })
                .collect();
            format!(
                r#"<section><h2>{} <span>{}</span></h2><p>{status}</p><div class="actions">{buttons}<form method="post"><input type="hidden" name="action" value="restore"><input type="hidden" name="person" value="{}"><button>Restore</button></form></div><ul>{pages}</ul></section>"#,
                text(p.name),
                text(p.handle),
                attr(p.id)
            )
        })
        .collect();
    let weathers: String = [
        (Weather::Normal, "Working normally"),
        (Weather::Down, "Down (5xx)"),
        (Weather::Slow, "Slow (time-outs)"),
        (Weather::RateLimited, "Rate-limiting (429)"),
    ]
    .iter()
    .map(|(w, label)| {
        let value = serde_json::to_value(w).expect("weather serializes");
        let value = value.as_str().unwrap_or_default();
        format!(
            r#"<form method="post"><input type="hidden" name="action" value="weather"><input type="hidden" name="weather" value="{value}"><button{}>{label}</button></form>"#,
            if *w == weather { r#" aria-pressed="true""# } else { r#" class="secondary""# }
        )
    })
    .collect();
    let offset = provider.clock.offset();
    let clock_words = if offset.is_zero() {
        "The clock shows real time.".to_owned()
    } else {
        format!(
            "The clock is moved forward by {} days {} hours; Tether's pages say so while it is.",
            offset.num_days(),
            offset.num_hours() % 24
        )
    };
    let clock_buttons: String = [(3_600, "+1 hour"), (86_400, "+1 day"), (7 * 86_400, "+7 days"), (30 * 86_400, "+30 days")]
        .iter()
        .map(|(seconds, label)| {
            format!(
                r#"<form method="post"><input type="hidden" name="action" value="move_clock"><input type="hidden" name="seconds" value="{seconds}"><button class="secondary">{label}</button></form>"#
            )
        })
        .chain(std::iter::once(
            r#"<form method="post"><input type="hidden" name="action" value="reset_clock"><button>Back to real time</button></form>"#.to_owned(),
        ))
        .collect();
    // Moving the clock moves the whole instance: only a demo shows the buttons.
    let time = if provider.powers.clock {
        format!(
            r#"<section><h2>Time</h2><p>{clock_words}</p><div class="actions">{clock_buttons}</div></section>"#
        )
    } else {
        String::new()
    };
    let name = text(spec.display_name);
    Html(format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name} sandbox control</title><link rel="icon" href="data:,"><style>{CONSENT_CSS}</style></head>
<body><main>
<p class="sandbox" role="note">Sandbox control – only for the simulated {name}; nothing here touches a real network</p>
<h1>{name} sandbox control</h1>
<p><a href="/">Back to Tether</a></p>
{time}
<section><h2>The network</h2><div class="actions">{weathers}</div>
<p>Tether's app at the network:</p><div class="actions"><form method="post"><input type="hidden" name="action" value="rotate_app_secret"><button class="secondary">Rotate the app's secret</button></form></div>
<p>Codes redeemed {}, refreshes {}, exchanges {}, revocations {}</p></section>
{people}
</main></body></html>"#,
        counters.codes_redeemed, counters.refreshes, counters.exchanges, counters.revocations
    ))
    .into_response()
}

/// The token an API call presents: `Authorization: Bearer`, or the `access_token` query
/// parameter that Graph-style APIs also take.
pub fn presented_token(headers: &HeaderMap, query: &HashMap<String, String>) -> String {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned)
        .or_else(|| query.get("access_token").cloned())
        .unwrap_or_default()
}

/// An account's picture: its first letter on a colour of its own. Not a network's
/// behaviour; the emulated accounts need pictures that load.
async fn avatar(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let id = file.trim_end_matches(".svg");
    let letter = id
        .chars()
        .find(char::is_ascii_alphanumeric)
        .unwrap_or('?')
        .to_ascii_uppercase();
    let hue = id
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % 360;
    let svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="80" height="80" viewBox="0 0 80 80"><circle cx="40" cy="40" r="40" fill="hsl({hue},45%,38%)"/><text x="40" y="52" font-family="sans-serif" font-size="36" fill="#fff" text-anchor="middle">{letter}</text></svg>"##
    );
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ),
        ],
        svg,
    )
        .into_response()
}

/// A form body as name/value pairs (the last one wins).
fn serde_urlencoded_pairs(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// Client credentials from `Authorization: Basic`, form-url-decoded as RFC 6749 2.3.1 asks.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let encoded = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let decode = |part: &str| {
        percent_encoding::percent_decode_str(&part.replace('+', " "))
            .decode_utf8()
            .ok()
            .map(|s| s.into_owned())
    };
    Some((decode(id)?, decode(secret)?))
}

fn provider_error_page(spec: &SandboxSpec, problem: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Html(format!(
            r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{name} (sandbox) – request refused</title><link rel="icon" href="data:,"><style>{CONSENT_CSS}</style></head>
<body><main><p class="sandbox" role="note">Sandbox network – simulated by Tether</p><h1>This request was refused</h1><p role="alert">{problem}</p></main></body></html>"#,
            name = text(spec.display_name),
            problem = text(problem)
        )),
    )
        .into_response()
}

/// The standard OAuth error responses (RFC 6749 5.2, RFC 6750 3.1), for networks that use
/// them as they are.
pub fn standard_error(error: &SandboxError) -> Response {
    let (status, code, description) = match error {
        SandboxError::InvalidClient => (
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed.".to_owned(),
        ),
        SandboxError::InvalidRequest(d) => (StatusCode::BAD_REQUEST, "invalid_request", d.clone()),
        SandboxError::InvalidGrant(d) => (StatusCode::BAD_REQUEST, "invalid_grant", d.clone()),
        SandboxError::InvalidToken(reason) => (
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            format!("The access token is not valid ({}).", reason.as_str()),
        ),
        SandboxError::MissingScope(scope) => (
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            format!("{scope} was not granted."),
        ),
        SandboxError::RateLimited { retry_after, .. } => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, retry_after.to_string())],
                Json(json!({"error": "rate_limited", "error_description": "Too many requests."})),
            )
                .into_response()
        }
        SandboxError::ServerError => (
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "The service is down.".to_owned(),
        ),
    };
    let mut response = (
        status,
        Json(json!({"error": code, "error_description": description})),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
    }
    response
}

const CONSENT_CSS: &str = "body{font-family:system-ui,sans-serif;background:#f4f1ea;color:#1d1d1b;margin:0}\
main{max-width:36rem;margin:2rem auto;background:#fff;padding:1.5rem;border-radius:12px;box-shadow:0 1px 3px #0002}\
.sandbox{background:#fff3c4;border:1px solid #8a6d00;color:#4d3b00;padding:.4rem .6rem;border-radius:6px;font-size:.9rem}\
h1{font-size:1.3rem}h2{font-size:1rem}h2 span{color:#555;font-weight:normal}fieldset{border:1px solid #ccc;border-radius:8px;margin:0 0 1rem}\
.account{display:block;padding:.3rem 0}.account span{color:#555}.hint{color:#555;font-size:.9rem}ul{padding-left:1.2rem}li{margin:.3rem 0}\
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:1rem}.actions form{display:inline}button{font:inherit;padding:.5rem 1rem;border-radius:8px;border:2px solid #1b4d3e;background:#1b4d3e;color:#fff;cursor:pointer}\
button.secondary{background:#fff;color:#1b4d3e}button:focus-visible,input:focus-visible{outline:3px solid #f2a900;outline-offset:2px}";
