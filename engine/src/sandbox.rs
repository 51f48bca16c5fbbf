//! A sandbox network's provider side: a real OAuth 2.0 authorization server over HTTP
//! (authorization code with PKCE S256, rotating refresh tokens, an identity endpoint), whose
//! behaviour each network's file describes in a [`ProviderSpec`]. Tether's client talks to it
//! exactly as to the real network; only the base URL differs.

use crate::clock::Clock;
use crate::crypto::{random_token, token_hash};
use crate::networks::ClientAuth;
use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use chrono::{DateTime, TimeDelta, Utc};
use html_escape::encode_double_quoted_attribute as attr;
use html_escape::encode_text as text;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use url::Url;

/// How a sandbox network behaves; each network's file fills one in.
#[derive(Clone, Debug)]
pub struct ProviderSpec {
    pub display_name: &'static str,
    pub access_token_lifetime: TimeDelta,
    /// The scope that makes the token endpoint hand out a refresh token.
    pub offline_scope: &'static str,
    /// Every scope the consent page knows, with the words it shows.
    pub scopes: &'static [(&'static str, &'static str)],
    pub client_auth: ClientAuth,
    pub accounts: &'static [SandboxAccount],
}

#[derive(Clone, Copy, Debug)]
pub struct SandboxAccount {
    pub id: &'static str,
    pub handle: &'static str,
    pub display_name: &'static str,
}

/// The one client application registered with a sandbox network: Tether itself.
#[derive(Clone, Debug)]
pub struct RegisteredClient {
    pub client_id: String,
    pub client_secret: crate::crypto::Secret,
    pub redirect_uri: Url,
}

const CODE_LIFETIME: TimeDelta = TimeDelta::minutes(1);

pub struct SandboxProvider {
    spec: ProviderSpec,
    client: RegisteredClient,
    clock: Clock,
    grants: Mutex<Grants>,
}

/// Everything issued so far, keyed by the hash of the code or token.
#[derive(Default)]
struct Grants {
    codes: HashMap<String, PendingCode>,
    access_tokens: HashMap<String, Issued>,
    refresh_tokens: HashMap<String, Issued>,
}

struct PendingCode {
    redirect_uri: String,
    code_challenge: String,
    scopes: Vec<String>,
    account: SandboxAccount,
    expires_at: DateTime<Utc>,
}

#[derive(Clone)]
struct Issued {
    account: SandboxAccount,
    scopes: Vec<String>,
    expires_at: Option<DateTime<Utc>>,
}

impl SandboxProvider {
    pub fn new(spec: ProviderSpec, client: RegisteredClient, clock: Clock) -> Arc<Self> {
        Arc::new(Self {
            spec,
            client,
            clock,
            grants: Mutex::new(Grants::default()),
        })
    }

    /// The provider's routes, to be nested under its mount point.
    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/authorize", get(consent_page).post(consent_decision))
            .route("/token", post(token))
            .route("/me", get(identity))
            .with_state(self)
    }

    fn grants(&self) -> std::sync::MutexGuard<'_, Grants> {
        self.grants
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Checks an authorization request; errors are shown on the provider's own page,
    /// never redirected, when the client or redirect URI cannot be trusted (RFC 6749 4.1.2.1).
    fn check_request(&self, params: &HashMap<String, String>) -> Result<AuthRequest, String> {
        let get = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
        if get("client_id") != self.client.client_id {
            return Err("Unknown client_id.".into());
        }
        if get("redirect_uri") != self.client.redirect_uri.as_str() {
            return Err("redirect_uri is not registered for this client.".into());
        }
        if get("response_type") != "code" {
            return Err("response_type must be code.".into());
        }
        if get("code_challenge_method") != "S256" || get("code_challenge").len() != 43 {
            return Err("PKCE with code_challenge_method=S256 is required.".into());
        }
        let state = get("state");
        if state.is_empty() {
            return Err("state is required.".into());
        }
        let scopes: Vec<String> = get("scope").split_whitespace().map(str::to_owned).collect();
        if let Some(unknown) = scopes
            .iter()
            .find(|s| !self.spec.scopes.iter().any(|(known, _)| known == s))
        {
            return Err(format!("Unknown scope {unknown}."));
        }
        Ok(AuthRequest {
            redirect_uri: get("redirect_uri").to_owned(),
            state: state.to_owned(),
            code_challenge: get("code_challenge").to_owned(),
            scopes,
        })
    }

    fn issue_tokens(&self, account: SandboxAccount, scopes: Vec<String>) -> serde_json::Value {
        let now = self.clock.now();
        let access = random_token();
        let lifetime = self.spec.access_token_lifetime;
        let mut grants = self.grants();
        grants.access_tokens.insert(
            token_hash(access.expose()),
            Issued {
                account,
                scopes: scopes.clone(),
                expires_at: Some(now + lifetime),
            },
        );
        let mut body = json!({
            "access_token": access.expose(),
            "token_type": "bearer",
            "expires_in": lifetime.num_seconds(),
            "scope": scopes.join(" "),
        });
        if scopes.iter().any(|s| s == self.spec.offline_scope) {
            let refresh = random_token();
            grants.refresh_tokens.insert(
                token_hash(refresh.expose()),
                Issued {
                    account,
                    scopes,
                    expires_at: None,
                },
            );
            body["refresh_token"] = json!(refresh.expose());
        }
        body
    }

    fn client_authenticated(&self, headers: &HeaderMap, form: &HashMap<String, String>) -> bool {
        let presented = match self.spec.client_auth {
            ClientAuth::Basic => basic_credentials(headers),
            ClientAuth::Body => form
                .get("client_id")
                .cloned()
                .zip(form.get("client_secret").cloned()),
        };
        presented.is_some_and(|(id, secret)| {
            id == self.client.client_id && secret == self.client.client_secret.expose()
        })
    }
}

struct AuthRequest {
    redirect_uri: String,
    state: String,
    code_challenge: String,
    scopes: Vec<String>,
}

async fn consent_page(
    State(provider): State<Arc<SandboxProvider>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let request = match provider.check_request(&params) {
        Ok(request) => request,
        Err(problem) => return provider_error_page(&provider.spec, &problem),
    };
    let spec = &provider.spec;
    let hidden: String = [
        "client_id",
        "redirect_uri",
        "response_type",
        "state",
        "code_challenge",
        "code_challenge_method",
        "scope",
    ]
    .iter()
    .map(|name| {
        format!(
            r#"<input type="hidden" name="{name}" value="{}">"#,
            attr(params.get(*name).map(String::as_str).unwrap_or_default())
        )
    })
    .collect();
    let permissions: String = request
        .scopes
        .iter()
        .filter_map(|s| spec.scopes.iter().find(|(known, _)| known == s))
        .map(|(scope, words)| format!("<li>{} <code>{}</code></li>", text(words), text(scope)))
        .collect();
    let accounts: String = spec
        .accounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            format!(
                r#"<label class="account"><input type="radio" name="account" value="{}"{}> {} <span>{}</span></label>"#,
                attr(a.id),
                if i == 0 { " checked" } else { "" },
                text(a.display_name),
                text(a.handle)
            )
        })
        .collect();
    let name = text(spec.display_name);
    Html(format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name} (sandbox) – authorize Tether</title><link rel="icon" href="data:,">
<style>{CONSENT_CSS}</style></head>
<body><main>
<p class="sandbox" role="note">Sandbox network – simulated by Tether, not a real social network</p>
<h1>Allow Tether to access your {name} account?</h1>
<form method="post">
{hidden}
<fieldset><legend>Sign in as</legend>{accounts}</fieldset>
<h2>Tether will be able to</h2><ul>{permissions}</ul>
<div class="actions">
<button type="submit" name="decision" value="approve">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Cancel</button>
</div>
</form></main></body></html>"#
    ))
    .into_response()
}

async fn consent_decision(
    State(provider): State<Arc<SandboxProvider>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let request = match provider.check_request(&form) {
        Ok(request) => request,
        Err(problem) => return provider_error_page(&provider.spec, &problem),
    };
    let mut target = Url::parse(&request.redirect_uri).expect("registered redirect URI parses");
    if form.get("decision").map(String::as_str) != Some("approve") {
        target
            .query_pairs_mut()
            .append_pair("error", "access_denied")
            .append_pair("error_description", "The person cancelled the request.")
            .append_pair("state", &request.state);
        return Redirect::to(target.as_str()).into_response();
    }
    let chosen = form.get("account").map(String::as_str).unwrap_or_default();
    let Some(account) = provider.spec.accounts.iter().find(|a| a.id == chosen) else {
        return provider_error_page(&provider.spec, "Choose an account to sign in as.");
    };
    let code = random_token();
    provider.grants().codes.insert(
        token_hash(code.expose()),
        PendingCode {
            redirect_uri: request.redirect_uri,
            code_challenge: request.code_challenge,
            scopes: request.scopes,
            account: *account,
            expires_at: provider.clock.now() + CODE_LIFETIME,
        },
    );
    target
        .query_pairs_mut()
        .append_pair("code", code.expose())
        .append_pair("state", &request.state);
    Redirect::to(target.as_str()).into_response()
}

async fn token(
    State(provider): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !provider.client_authenticated(&headers, &form) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Basic realm=\"sandbox\"")],
            Json(json!({"error": "invalid_client", "error_description": "Client authentication failed."})),
        )
            .into_response();
    }
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let now = provider.clock.now();
    match field("grant_type") {
        "authorization_code" => {
            // Removed whether or not it checks out: a code is good for one attempt only.
            let pending = provider.grants().codes.remove(&token_hash(field("code")));
            let Some(pending) = pending.filter(|p| p.expires_at > now) else {
                return oauth_error(
                    "invalid_grant",
                    "The authorization code is invalid, used or expired.",
                );
            };
            if pending.redirect_uri != field("redirect_uri") {
                return oauth_error(
                    "invalid_grant",
                    "redirect_uri does not match the authorization request.",
                );
            }
            let challenge =
                URL_SAFE_NO_PAD.encode(Sha256::digest(field("code_verifier").as_bytes()));
            if challenge != pending.code_challenge {
                return oauth_error("invalid_grant", "PKCE verification failed.");
            }
            Json(provider.issue_tokens(pending.account, pending.scopes)).into_response()
        }
        "refresh_token" => {
            // Rotation: the presented refresh token is spent whatever happens next.
            let issued = provider
                .grants()
                .refresh_tokens
                .remove(&token_hash(field("refresh_token")));
            let Some(issued) = issued.filter(|i| i.expires_at.is_none_or(|at| at > now)) else {
                return oauth_error(
                    "invalid_grant",
                    "The refresh token is invalid, expired or revoked.",
                );
            };
            Json(provider.issue_tokens(issued.account, issued.scopes)).into_response()
        }
        _ => oauth_error(
            "unsupported_grant_type",
            "Use authorization_code or refresh_token.",
        ),
    }
}

async fn identity(State(provider): State<Arc<SandboxProvider>>, headers: HeaderMap) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let now = provider.clock.now();
    let issued = bearer.and_then(|token| {
        provider
            .grants()
            .access_tokens
            .get(&token_hash(token))
            .filter(|i| i.expires_at.is_none_or(|at| at > now))
            .cloned()
    });
    match issued {
        Some(issued) if issued.scopes.iter().any(|s| s == "profile.read") => Json(json!({
            "id": issued.account.id,
            "handle": issued.account.handle,
            "name": issued.account.display_name,
        }))
        .into_response(),
        Some(_) => (
            StatusCode::FORBIDDEN,
            Json(json!({"error": "insufficient_scope", "error_description": "profile.read was not granted."})),
        )
            .into_response(),
        None => (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")],
            Json(json!({"error": "invalid_token", "error_description": "The access token is invalid or expired."})),
        )
            .into_response(),
    }
}

fn oauth_error(code: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": code, "error_description": description})),
    )
        .into_response()
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

fn provider_error_page(spec: &ProviderSpec, problem: &str) -> Response {
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

const CONSENT_CSS: &str = "body{font-family:system-ui,sans-serif;background:#f4f1ea;color:#1d1d1b;margin:0}\
main{max-width:32rem;margin:2rem auto;background:#fff;padding:1.5rem;border-radius:12px;box-shadow:0 1px 3px #0002}\
.sandbox{background:#fff3c4;border:1px solid #8a6d00;color:#4d3b00;padding:.4rem .6rem;border-radius:6px;font-size:.9rem}\
h1{font-size:1.3rem}h2{font-size:1rem}fieldset{border:1px solid #ccc;border-radius:8px}\
.account{display:block;padding:.3rem 0}.account span{color:#555}\
.actions{display:flex;gap:.75rem;margin-top:1rem}button{font:inherit;padding:.6rem 1.2rem;border-radius:8px;border:2px solid #1b4d3e;background:#1b4d3e;color:#fff;cursor:pointer}\
button.secondary{background:#fff;color:#1b4d3e}button:focus-visible{outline:3px solid #f2a900;outline-offset:2px}";
