//! X (OAuth 2.0 Authorization Code with PKCE, API v2), emulated as X documents it
//! (docs.x.com: OAuth 2.0 authorization code flow with PKCE; rate limits).

use crate::provider::{
    consent_decision, consent_page, revoke_endpoint, standard_error, standard_token,
    token_endpoint, ClientAuth, Pkce, SandboxError, SandboxPerson, SandboxProvider, SandboxRefresh,
    SandboxSpec,
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

const AUTHORIZE: &str = "/i/oauth2/authorize";
const TOKEN: &str = "/2/oauth2/token";
const REVOKE: &str = "/2/oauth2/revoke";
const ME: &str = "/2/users/me";

/// "By default, the access token you create through the Authorization Code Flow with PKCE
/// will only stay valid for two hours unless you've used the offline.access scope."
const ACCESS: TimeDelta = TimeDelta::hours(2);
const OFFLINE: &str = "offline.access";

/// X OAuth 2.0 scopes (docs.x.com: scopes).
const SCOPES: &[(&str, &str)] = &[
    ("tweet.read", "All the posts you can view"),
    ("users.read", "Any account you can view"),
    ("tweet.write", "Post and repost for you"),
    ("like.read", "Posts you have liked"),
    (
        OFFLINE,
        "Stay connected to your account until you revoke access",
    ),
];

fn x_error(error: &SandboxError) -> Response {
    match error {
        SandboxError::InvalidGrant(_) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_request", "error_description": "Value passed for the token was invalid."})),
        )
            .into_response(),
        SandboxError::InvalidToken(_) => (
            StatusCode::UNAUTHORIZED,
            Json(json!({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})),
        )
            .into_response(),
        SandboxError::MissingScope(scope) => (
            StatusCode::FORBIDDEN,
            Json(json!({"title": "Forbidden", "type": "about:blank", "status": 403, "detail": format!("Missing scope {scope}")})),
        )
            .into_response(),
        SandboxError::RateLimited { reset_at, .. } => {
            // x-rate-limit-reset is a Unix time, stated on the clock Tether compares it with.
            (
                StatusCode::TOO_MANY_REQUESTS,
                [
                    ("x-rate-limit-limit", "75".to_owned()),
                    ("x-rate-limit-remaining", "0".to_owned()),
                    ("x-rate-limit-reset", reset_at.to_string()),
                ],
                Json(json!({"title": "Too Many Requests", "type": "about:blank", "status": 429, "detail": "Too Many Requests"})),
            )
                .into_response()
        }
        other => standard_error(other),
    }
}

const PEOPLE: &[SandboxPerson] = &[
    SandboxPerson {
        id: "1460000000000000001",
        name: "Lind Bakery",
        handle: "lindbakery",
        followers: 9_870,
        pages: &[],
    },
    SandboxPerson {
        id: "1460000000000000002",
        name: "Omar Haddad",
        handle: "omarrides",
        followers: 1_204,
        pages: &[],
    },
];

pub fn spec() -> SandboxSpec {
    SandboxSpec {
        network: "x",
        display_name: "X",
        client_auth: ClientAuth::Basic,
        client_id_param: "client_id",
        pkce: Pkce::Required,
        partial_consent: false,
        scopes: SCOPES,
        fixed_scopes: &[],
        app_scopes: None,
        incremental: false,
        code_token_lifetime: ACCESS,
        long_lived_lifetime: None,
        refresh: SandboxRefresh::Rotating { lifetime: None },
        offline_scope: Some(OFFLINE),
        testing_consent_lifetime: None,
        exchanges: &[],
        refresh_requires: None,
        people: PEOPLE,
        error_response: x_error,
        shape_token: standard_token,
    }
}

pub fn routes() -> Router<Arc<SandboxProvider>> {
    Router::new()
        .route(AUTHORIZE, get(consent_page).post(consent_decision))
        .route(TOKEN, post(token_endpoint))
        .route(REVOKE, post(revoke_endpoint))
        .route(ME, get(me))
}

async fn me(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    p.answer(&headers, &q, "users.read", |issued| {
        json!({"data": {
            "id": issued.person.id,
            "name": issued.person.name,
            "username": issued.person.handle,
            "public_metrics": {"followers_count": issued.person.followers, "following_count": 120},
        }})
    })
}
