//! TikTok Login Kit for web and API v2, emulated as TikTok documents them
//! (developers.tiktok.com: Login Kit for web, OAuth user access token management, user
//! info, scopes, revoke access).

use crate::provider::{
    consent_decision, consent_page, token_endpoint, ClientAuth, Issued, Pkce, SandboxError,
    SandboxPerson, SandboxProvider, SandboxRefresh, SandboxSpec,
};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::TimeDelta;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

const AUTHORIZE: &str = "/v2/auth/authorize/";
const TOKEN: &str = "/v2/oauth/token/";
const REVOKE: &str = "/v2/oauth/revoke/";
const USER_INFO: &str = "/v2/user/info/";

/// "Access token | 2 hours | expires_in", "Refresh token | 180 days | refresh_expires_in"
/// (OAuth user access token management, updated 2026-11-05; an older page still says 24 h
/// and 365 days, so a client must read the numbers it is sent).
const ACCESS: TimeDelta = TimeDelta::hours(2);
const REFRESH: TimeDelta = TimeDelta::days(180);

/// Which scope each user info field needs (Display API: get user info, the fields table).
const FIELD_SCOPES: &[(&str, &str)] = &[
    ("open_id", "user.info.basic"),
    ("union_id", "user.info.basic"),
    ("avatar_url", "user.info.basic"),
    ("avatar_url_100", "user.info.basic"),
    ("avatar_large_url", "user.info.basic"),
    ("display_name", "user.info.basic"),
    ("bio_description", "user.info.profile"),
    ("profile_deep_link", "user.info.profile"),
    ("is_verified", "user.info.profile"),
    ("username", "user.info.profile"),
    ("follower_count", "user.info.stats"),
    ("following_count", "user.info.stats"),
    ("likes_count", "user.info.stats"),
    ("video_count", "user.info.stats"),
];

/// Login Kit scopes (developers.tiktok.com: scopes overview).
const SCOPES: &[(&str, &str)] = &[
    (
        "user.info.basic",
        "Read your profile info (avatar, display name)",
    ),
    (
        "user.info.profile",
        "Read your profile details (username, bio, verification)",
    ),
    (
        "user.info.stats",
        "Read your statistics (likes, followers, following, videos)",
    ),
    ("video.list", "Read your public videos"),
    ("video.publish", "Post content to your account"),
    ("video.upload", "Share drafts to your account"),
];

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

pub fn spec() -> SandboxSpec {
    SandboxSpec {
        network: "tiktok",
        display_name: "TikTok",
        client_auth: ClientAuth::Body,
        client_id_param: "client_key",
        pkce: Pkce::Unsupported,
        partial_consent: true,
        scopes: SCOPES,
        fixed_scopes: &["user.info.basic"],
        app_scopes: None,
        incremental: true,
        code_token_lifetime: ACCESS,
        long_lived_lifetime: None,
        refresh: SandboxRefresh::Rotating {
            lifetime: Some(REFRESH),
        },
        offline_scope: None,
        testing_consent_lifetime: None,
        exchanges: &[],
        refresh_requires: None,
        people: PEOPLE,
        error_response: tiktok_error,
        shape_token: tiktok_token,
    }
}

pub fn routes() -> Router<Arc<SandboxProvider>> {
    Router::new()
        .route(AUTHORIZE, get(consent_page).post(consent_decision))
        .route(TOKEN, post(token_endpoint))
        .route(REVOKE, post(revoke))
        .route(USER_INFO, get(user_info))
}

/// `GET /v2/user/info/?fields=…`: every field asked for needs its scope. networks.md
/// (from TikTok's error handling) says a field whose scope was not granted fails the whole
/// call with 401 `scope_not_authorized`; the docs also name `scope_permission_missed`
/// (400) without saying which this endpoint sends: the first is emulated, not verified.
async fn user_info(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let issued = match p.authenticate(&headers, &q) {
        Ok(issued) => issued,
        Err(error) => return p.error(error),
    };
    let asked: Vec<&str> = q
        .get("fields")
        .map(String::as_str)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .collect();
    let mut user = serde_json::Map::new();
    for field in asked {
        let Some((_, scope)) = FIELD_SCOPES.iter().find(|(name, _)| *name == field) else {
            return tiktok_error(&SandboxError::InvalidRequest(format!(
                "Invalid field: {field}"
            )));
        };
        if !issued.scopes.iter().any(|s| s == scope) {
            return p.error(SandboxError::MissingScope((*scope).to_owned()));
        }
        let value = match field {
            "open_id" | "union_id" => json!(issued.person.id),
            "display_name" => json!(issued.person.name),
            "username" => json!(issued.person.handle),
            "avatar_url" | "avatar_url_100" | "avatar_large_url" => {
                json!(p.picture_url(issued.person.id))
            }
            "follower_count" => json!(issued.person.followers),
            "is_verified" => json!(false),
            "bio_description" | "profile_deep_link" => json!(""),
            _ => json!(0),
        };
        user.insert(field.to_owned(), value);
    }
    Json(json!({"data": {"user": user}, "error": {"code": "ok", "message": "", "log_id": "sandbox"}}))
        .into_response()
}

/// `POST /v2/oauth/revoke/` with `client_key`, `client_secret` and `token`, "the user
/// access token to revoke"; success is `{}` (revoke access). What it answers for a token
/// that is not an access token is not documented: an `invalid_request` here.
async fn revoke(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    axum::extract::Form(form): axum::extract::Form<HashMap<String, String>>,
) -> Response {
    if !p.client_authenticated(&headers, &form) {
        return p.error(SandboxError::InvalidClient);
    }
    let token = form.get("token").map(String::as_str).unwrap_or_default();
    if p.inspect(token).is_none() {
        return tiktok_error(&SandboxError::InvalidRequest(
            "token is not a user access token".into(),
        ));
    }
    p.revoke_consent(token);
    Json(json!({})).into_response()
}
