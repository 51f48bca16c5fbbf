//! TikTok (Login Kit for web, API v2).
//!
//! The client id is called `client_key`, in the consent URL and the token request; scopes
//! are comma-separated. Tokens: access tokens of 24 h (the docs also say 2 h: the value is
//! kept here, and `expires_in` wins); refresh tokens of 365 days (`refresh_expires_in`)
//! that rotate. No PKCE for web apps; credentials in the body. Consent is partial. Errors:
//! the token endpoint answers `{"error", "error_description", "log_id"}`; the API
//! `{"error": {"code", "message", "log_id"}}` with `access_token_invalid`,
//! `scope_not_authorized`, `rate_limit_exceeded`, `internal_error`. Revocation at
//! `/v2/oauth/revoke/`.

use super::{
    json, Adapter, ChannelKind, ClientAuth, DeadReason, DiscoveredAccount, Discovery, FailureClass,
    Hosts, Lifetimes, NetworkProfile, Renewal, RevokeStyle, Scopes, TokenMethod,
};
use crate::oauth::{ApiCall, NetworkFailure};
use crate::sandbox::{
    consent_decision, consent_page, revoke_endpoint, token_endpoint, Issued, Pkce, SandboxError,
    SandboxPerson, SandboxProvider, SandboxRefresh, SandboxSpec,
};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::TimeDelta;
use reqwest::header::HeaderMap as ClientHeaders;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

pub const ID: &str = "tiktok";
pub const DISPLAY_NAME: &str = "TikTok";

const WEB: &str = "https://www.tiktok.com";
const API: &str = "https://open.tiktokapis.com";

const AUTHORIZE: &str = "/v2/auth/authorize/";
const TOKEN: &str = "/v2/oauth/token/";
const REVOKE: &str = "/v2/oauth/revoke/";
const USER_INFO: &str = "/v2/user/info/";

/// The docs disagree (24 h or 2 h); `expires_in` from the response is what counts.
const ACCESS: TimeDelta = TimeDelta::hours(24);
const REFRESH: TimeDelta = TimeDelta::days(365);

const SCOPE_WORDS: &[(&str, &str)] = &[
    ("user.info.basic", "See your profile name and avatar"),
    ("user.info.stats", "See your follower and like counts"),
    ("video.list", "See your public videos and their metrics"),
    ("video.publish", "Post videos for you"),
];

const KINDS: &[ChannelKind] = &[ChannelKind {
    id: "profile",
    label: "TikTok account",
    picked: false,
    personal: true,
    extra_required: &[],
}];

pub fn profile(hosts: &Hosts) -> NetworkProfile {
    NetworkProfile {
        id: ID.into(),
        display_name: DISPLAY_NAME.into(),
        adapter: Adapter::TikTok,
        kinds: KINDS,
        authorize_url: hosts.browser(ID, WEB, AUTHORIZE),
        authorize_params: &[],
        client_id_param: "client_key",
        scope_separator: ",",
        token_url: hosts.server(ID, API, TOKEN),
        token_method: TokenMethod::Post,
        client_auth: ClientAuth::Body,
        pkce_s256: false,
        partial_consent: true,
        scopes: Scopes::from_static(
            &["user.info.basic", "video.list"],
            &["video.publish"],
            &["user.info.stats"],
        ),
        scope_words: SCOPE_WORDS,
        long_lived: None,
        renewal: Renewal::RotatingRefresh,
        lifetimes: Lifetimes {
            access: Some(ACCESS),
            refresh: Some(REFRESH),
            reconsent: None,
        },
        revoke: Some((hosts.server(ID, API, REVOKE), RevokeStyle::Rfc7009)),
        api_base: hosts.server(ID, API, "/"),
        sandboxed: hosts.is_sandbox(),
    }
}

pub(super) async fn discover(call: &ApiCall<'_>) -> Result<Discovery, NetworkFailure> {
    let bad = ApiCall::malformed;
    let fields = "open_id,avatar_url,display_name,username,follower_count";
    let info = call.get(USER_INFO, &[("fields", fields)]).await?;
    let user = info
        .pointer("/data/user")
        .ok_or_else(|| bad("user info has no data.user".into()))?;
    let username = json::required(user, "/username").map_err(bad)?;
    let account = DiscoveredAccount {
        kind: "profile",
        id: json::required(user, "/open_id").map_err(bad)?,
        handle: format!("@{username}"),
        name: json::str_at(user, "/display_name").unwrap_or(username),
        avatar_url: json::str_at(user, "/avatar_url"),
        followers: json::count_at(user, "/follower_count"),
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

pub fn classify(status: u16, headers: &ClientHeaders, body: &[u8]) -> FailureClass {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let code = json::str_at(&value, "/error/code").or_else(|| json::str_at(&value, "/error"));
    match code.as_deref() {
        Some("access_token_invalid") => FailureClass::dead(DeadReason::Invalid),
        Some("invalid_grant") => FailureClass::dead(DeadReason::Invalid),
        Some("scope_not_authorized") => FailureClass::MissingPermission,
        Some("rate_limit_exceeded") => FailureClass::RateLimited {
            retry_after: super::retry_after(headers),
            reset_at: None,
        },
        Some("internal_error") => FailureClass::Transient,
        _ => FailureClass::from_status(status, headers),
    }
}

fn tiktok_error(error: &SandboxError) -> Response {
    let api = |status: StatusCode, code: &str, message: String| {
        (
            status,
            Json(json!({"data": {}, "error": {"code": code, "message": message, "log_id": "sandbox"}})),
        )
            .into_response()
    };
    let oauth = |code: &str, description: String| {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": code, "error_description": description, "log_id": "sandbox"})),
        )
            .into_response()
    };
    match error {
        SandboxError::InvalidClient => oauth("invalid_client", "Client key or secret is incorrect.".into()),
        SandboxError::InvalidRequest(d) => oauth("invalid_request", d.clone()),
        SandboxError::InvalidGrant(d) => oauth("invalid_grant", d.clone()),
        SandboxError::InvalidToken(_) => api(
            StatusCode::UNAUTHORIZED,
            "access_token_invalid",
            "The access token is invalid or not found in the request.".into(),
        ),
        SandboxError::MissingScope(scope) => api(
            StatusCode::UNAUTHORIZED,
            "scope_not_authorized",
            format!("The user did not authorize the scope required for completing this request: {scope}"),
        ),
        SandboxError::RateLimited { .. } => api(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_exceeded",
            "The API rate limit was exceeded.".into(),
        ),
        SandboxError::ServerError => api(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "There was an internal error.".into(),
        ),
    }
}

/// TikTok names the user (`open_id`), joins scopes with commas and calls the refresh
/// token's lifetime `refresh_expires_in`.
fn tiktok_token(body: &mut Value, issued: &Issued) {
    let Some(fields) = body.as_object_mut() else {
        return;
    };
    fields.insert("open_id".into(), json!(issued.person.id));
    fields.insert("scope".into(), json!(issued.scopes.join(",")));
    if let Some(lifetime) = fields.remove("refresh_token_expires_in") {
        fields.insert("refresh_expires_in".into(), lifetime);
    }
}

const PEOPLE: &[SandboxPerson] = &[
    SandboxPerson {
        id: "-000Tx7aWqK3lP",
        name: "Juno Park",
        handle: "juno.makes",
        followers: 120_400,
        pages: &[],
    },
    SandboxPerson {
        id: "-000Tx9bYmR5nQ",
        name: "Lind Bakery",
        handle: "lindbakery",
        followers: 6_730,
        pages: &[],
    },
];

pub fn sandbox_spec() -> SandboxSpec {
    SandboxSpec {
        network: ID,
        display_name: DISPLAY_NAME,
        client_auth: ClientAuth::Body,
        client_id_param: "client_key",
        pkce: Pkce::Unsupported,
        partial_consent: true,
        scopes: SCOPE_WORDS,
        fixed_scopes: &["user.info.basic"],
        incremental: true,
        code_token_lifetime: ACCESS,
        long_lived_lifetime: None,
        refresh: SandboxRefresh::Rotating {
            lifetime: Some(REFRESH),
        },
        offline_scope: None,
        consent_lifetime: None,
        exchanges: &[],
        people: PEOPLE,
        error_response: tiktok_error,
        shape_token: tiktok_token,
    }
}

pub fn sandbox_routes() -> Router<Arc<SandboxProvider>> {
    Router::new()
        .route(AUTHORIZE, get(consent_page).post(consent_decision))
        .route(TOKEN, post(token_endpoint))
        .route(REVOKE, post(revoke_endpoint))
        .route(USER_INFO, get(user_info))
}

async fn user_info(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let issued = match p.authenticate_with(&headers, &q, "user.info.basic") {
        Ok(issued) => issued,
        Err(error) => return p.error(error),
    };
    let mut user = json!({
        "open_id": issued.person.id,
        "display_name": issued.person.name,
        "username": issued.person.handle,
    });
    // Counts need user.info.stats; without it TikTok leaves them out.
    if issued.scopes.iter().any(|s| s == "user.info.stats") {
        user["follower_count"] = json!(issued.person.followers);
    }
    Json(json!({"data": {"user": user}, "error": {"code": "ok", "message": "", "log_id": "sandbox"}}))
        .into_response()
}
