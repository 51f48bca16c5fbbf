//! Google OAuth 2.0 and the YouTube Data API v3, emulated as Google documents them
//! (developers.google.com/identity/protocols/oauth2/web-server; YouTube Data API errors).
//! Registered "in testing", the emulated app is in Google's "Testing" publishing status:
//! every token of a consent dies 7 days after it.

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

const AUTHORIZE: &str = "/o/oauth2/v2/auth";
const TOKEN: &str = "/token";
const REVOKE: &str = "/revoke";
const CHANNELS: &str = "/youtube/v3/channels";

/// Access tokens: `expires_in` 3599 in Google's examples.
const ACCESS: TimeDelta = TimeDelta::seconds(3599);
/// "A Google Cloud Platform project with an OAuth consent screen configured for an
/// external user type and a publishing status of 'Testing' is issued a refresh token
/// expiring in 7 days" (OAuth 2.0: refresh token expiration).
const TESTING_APP_CONSENT: TimeDelta = TimeDelta::days(7);

const READONLY: &str = "https://www.googleapis.com/auth/youtube.readonly";
const SCOPES: &[(&str, &str)] = &[
    (READONLY, "View your YouTube account"),
    (
        "https://www.googleapis.com/auth/yt-analytics.readonly",
        "View YouTube Analytics reports for your YouTube content",
    ),
    (
        "https://www.googleapis.com/auth/youtube.upload",
        "Manage your YouTube videos",
    ),
];

fn google_error(error: &SandboxError) -> Response {
    let api = |status: StatusCode, message: &str, reason: &str| {
        (
            status,
            Json(json!({"error": {"code": status.as_u16(), "message": message, "errors": [{"message": message, "domain": "global", "reason": reason}]}})),
        )
            .into_response()
    };
    match error {
        SandboxError::InvalidGrant(_) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."})),
        )
            .into_response(),
        SandboxError::InvalidToken(_) => api(
            StatusCode::UNAUTHORIZED,
            "Request had invalid authentication credentials.",
            "authError",
        ),
        SandboxError::MissingScope(_) => api(
            StatusCode::FORBIDDEN,
            "Request had insufficient authentication scopes.",
            "insufficientPermissions",
        ),
        SandboxError::RateLimited { .. } => api(
            StatusCode::FORBIDDEN,
            "The request cannot be completed because you have exceeded your quota.",
            "quotaExceeded",
        ),
        other => standard_error(other),
    }
}

const PEOPLE: &[SandboxPerson] = &[
    SandboxPerson {
        id: "UC4x7Lind0Bakery000000a",
        name: "Lind Bakery",
        handle: "@lindbakery",
        followers: 31_800,
        pages: &[],
    },
    SandboxPerson {
        id: "UC9yJunoMakes000000000b",
        name: "Juno Makes",
        handle: "@junomakes",
        followers: 204_000,
        pages: &[],
    },
];

pub fn spec() -> SandboxSpec {
    SandboxSpec {
        network: "youtube",
        display_name: "YouTube",
        client_auth: ClientAuth::Body,
        client_id_param: "client_id",
        pkce: Pkce::Optional,
        partial_consent: true,
        scopes: SCOPES,
        fixed_scopes: &[READONLY],
        app_scopes: None,
        incremental: true,
        code_token_lifetime: ACCESS,
        long_lived_lifetime: None,
        refresh: SandboxRefresh::Reusable,
        offline_scope: None,
        testing_consent_lifetime: Some(TESTING_APP_CONSENT),
        exchanges: &[],
        refresh_requires: None,
        people: PEOPLE,
        error_response: google_error,
        shape_token: standard_token,
    }
}

pub fn routes() -> Router<Arc<SandboxProvider>> {
    Router::new()
        .route(AUTHORIZE, get(consent_page).post(consent_decision))
        .route(TOKEN, post(token_endpoint))
        .route(REVOKE, post(revoke_endpoint))
        .route(CHANNELS, get(channels))
}

async fn channels(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    p.answer(&headers, &q, READONLY, |issued| {
        json!({"kind": "youtube#channelListResponse", "items": [{
            "kind": "youtube#channel",
            "id": issued.person.id,
            "snippet": {"title": issued.person.name, "customUrl": issued.person.handle},
            "statistics": {"subscriberCount": issued.person.followers.to_string(), "videoCount": "48"},
        }]})
    })
}
