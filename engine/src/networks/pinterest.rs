//! Pinterest (API v5).
//!
//! Tokens: access tokens of about 30 days; refresh tokens of about a year with "continuous
//! refresh": each refresh returns a new refresh token (both unconfirmed). HTTP Basic at the
//! token endpoint; no PKCE; all-or-nothing consent; no revocation call. Errors are
//! `{"code", "message"}` with the HTTP status saying the class.

use super::{
    json, Adapter, ChannelKind, ClientAuth, DiscoveredAccount, Discovery, Hosts, Lifetimes,
    NetworkProfile, Renewal, Scopes, TokenMethod,
};
use crate::oauth::{ApiCall, NetworkFailure};
use crate::sandbox::{
    consent_decision, consent_page, standard_token, token_endpoint, Pkce, SandboxError,
    SandboxPerson, SandboxProvider, SandboxRefresh, SandboxSpec,
};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::TimeDelta;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

pub const ID: &str = "pinterest";
pub const DISPLAY_NAME: &str = "Pinterest";

const WEB: &str = "https://www.pinterest.com";
const API: &str = "https://api.pinterest.com";

const AUTHORIZE: &str = "/oauth/";
const TOKEN: &str = "/v5/oauth/token";
const ME: &str = "/v5/user_account";

/// Both unconfirmed; kept here so they can be changed in one place.
const ACCESS: TimeDelta = TimeDelta::days(30);
const REFRESH: TimeDelta = TimeDelta::days(365);

const SCOPE_WORDS: &[(&str, &str)] = &[
    ("user_accounts:read", "See your account and follower count"),
    ("pins:read", "See your Pins and their analytics"),
    ("boards:read", "See your boards"),
    ("pins:write", "Create Pins for you"),
];

const KINDS: &[ChannelKind] = &[ChannelKind {
    id: "profile",
    label: "Pinterest account",
    picked: false,
    personal: true,
    extra_required: &[],
}];

pub fn profile(hosts: &Hosts) -> NetworkProfile {
    NetworkProfile {
        id: ID.into(),
        display_name: DISPLAY_NAME.into(),
        adapter: Adapter::Pinterest,
        kinds: KINDS,
        authorize_url: hosts.browser(ID, WEB, AUTHORIZE),
        authorize_params: &[],
        client_id_param: "client_id",
        scope_separator: ",",
        token_url: hosts.server(ID, API, TOKEN),
        token_method: TokenMethod::Post,
        client_auth: ClientAuth::Basic,
        pkce_s256: false,
        partial_consent: false,
        scopes: Scopes::from_static(
            &["user_accounts:read", "pins:read", "boards:read"],
            &["pins:write"],
            &[],
        ),
        scope_words: SCOPE_WORDS,
        long_lived: None,
        renewal: Renewal::RotatingRefresh,
        lifetimes: Lifetimes {
            access: Some(ACCESS),
            refresh: Some(REFRESH),
            reconsent: None,
        },
        revoke: None,
        api_base: hosts.server(ID, API, "/"),
        sandboxed: hosts.is_sandbox(),
    }
}

pub(super) async fn discover(call: &ApiCall<'_>) -> Result<Discovery, NetworkFailure> {
    let bad = ApiCall::malformed;
    let me = call.get(ME, &[]).await?;
    let username = json::required(&me, "/username").map_err(bad)?;
    let account = DiscoveredAccount {
        kind: "profile",
        id: json::str_at(&me, "/id").unwrap_or_else(|| username.clone()),
        handle: username.clone(),
        name: json::str_at(&me, "/business_name").unwrap_or(username),
        avatar_url: json::str_at(&me, "/profile_image"),
        followers: json::count_at(&me, "/follower_count"),
        token: None,
        linked_to: None,
    }
    .validated()
    .map_err(bad)?;
    Ok(Discovery {
        accounts: vec![account],
        granted_scopes: None,
    })
}

fn pinterest_error(error: &SandboxError) -> Response {
    let (status, code, message) = match error {
        SandboxError::InvalidToken(_) => (StatusCode::UNAUTHORIZED, 2, "Authentication failed.".to_owned()),
        SandboxError::MissingScope(scope) => (
            StatusCode::FORBIDDEN,
            3,
            format!("Not authorized to access the user account: {scope} is missing."),
        ),
        SandboxError::RateLimited { retry_after, .. } => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", retry_after.to_string())],
                Json(json!({"code": 8, "message": "You have exceeded your rate limit. Try again later."})),
            )
                .into_response()
        }
        other => return crate::sandbox::standard_error(other),
    };
    (status, Json(json!({"code": code, "message": message}))).into_response()
}

const PEOPLE: &[SandboxPerson] = &[
    SandboxPerson {
        id: "549755885175",
        name: "Lind Bakery",
        handle: "lindbakery",
        followers: 2_310,
        pages: &[],
    },
    SandboxPerson {
        id: "549755885176",
        name: "Juno Park",
        handle: "junomakes",
        followers: 14_050,
        pages: &[],
    },
];

pub fn sandbox_spec() -> SandboxSpec {
    SandboxSpec {
        network: ID,
        display_name: DISPLAY_NAME,
        client_auth: ClientAuth::Basic,
        client_id_param: "client_id",
        pkce: Pkce::Unsupported,
        partial_consent: false,
        scopes: SCOPE_WORDS,
        fixed_scopes: &[],
        incremental: false,
        code_token_lifetime: ACCESS,
        long_lived_lifetime: None,
        refresh: SandboxRefresh::Rotating {
            lifetime: Some(REFRESH),
        },
        offline_scope: None,
        consent_lifetime: None,
        exchanges: &[],
        people: PEOPLE,
        error_response: pinterest_error,
        shape_token: standard_token,
    }
}

pub fn sandbox_routes() -> Router<Arc<SandboxProvider>> {
    Router::new()
        .route(AUTHORIZE, get(consent_page).post(consent_decision))
        .route(TOKEN, post(token_endpoint))
        .route(ME, get(me))
}

async fn me(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    p.answer(&headers, &q, "user_accounts:read", |issued| {
        json!({
            "id": issued.person.id,
            "username": issued.person.handle,
            "business_name": issued.person.name,
            "account_type": "BUSINESS",
            "follower_count": issued.person.followers,
        })
    })
}
