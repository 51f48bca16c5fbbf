//! Instagram API with Instagram Login, emulated as Meta documents it
//! (developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login).
//!
//! Hosts: consent at www.instagram.com, code exchange at api.instagram.com, the long-lived
//! exchange, extension and API at graph.instagram.com; mounted here side by side.

use super::facebook::graph_error;
use crate::provider::{
    consent_decision, consent_page, token_endpoint, ClientAuth, Exchange, Issued, Pkce,
    SandboxError, SandboxPerson, SandboxProvider, SandboxRefresh, SandboxSpec,
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

const AUTHORIZE: &str = "/oauth/authorize";
/// `POST https://api.instagram.com/oauth/access_token` (Business Login, step 2).
const TOKEN: &str = "/oauth/access_token";
/// `GET https://graph.instagram.com/access_token?grant_type=ig_exchange_token`.
const EXCHANGE: &str = "/access_token";
/// `GET https://graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token`.
const EXTEND: &str = "/refresh_access_token";
const ME: &str = "/me";

/// Short-lived tokens are valid for 1 hour; long-lived ones for 60 days, and can be
/// refreshed once at least 24 hours old and unexpired (Instagram Login: long-lived tokens).
const SHORT_LIVED: TimeDelta = TimeDelta::hours(1);
const LONG_LIVED: TimeDelta = TimeDelta::days(60);
const REFRESHABLE_AFTER: TimeDelta = TimeDelta::hours(24);

/// The Instagram Login scopes (Instagram platform: permissions).
const SCOPES: &[(&str, &str)] = &[
    ("instagram_business_basic", "Access your profile and media"),
    (
        "instagram_business_manage_insights",
        "Access insights for your account",
    ),
    (
        "instagram_business_content_publish",
        "Publish content to your account",
    ),
    (
        "instagram_business_manage_comments",
        "Manage comments on your content",
    ),
    ("instagram_business_manage_messages", "Manage your messages"),
];

const PEOPLE: &[SandboxPerson] = &[
    SandboxPerson {
        id: "17841400000001",
        name: "Juno Park",
        handle: "juno.makes",
        followers: 48_200,
        pages: &[],
    },
    SandboxPerson {
        id: "17841400000002",
        name: "Ravi Shah",
        handle: "ravi.eats",
        followers: 3_900,
        pages: &[],
    },
];

pub fn spec() -> SandboxSpec {
    SandboxSpec {
        network: "instagram",
        display_name: "Instagram",
        client_auth: ClientAuth::Body,
        client_id_param: "client_id",
        pkce: Pkce::Unsupported,
        partial_consent: true,
        scopes: SCOPES,
        fixed_scopes: &["instagram_business_basic"],
        app_scopes: None,
        incremental: true,
        code_token_lifetime: SHORT_LIVED,
        long_lived_lifetime: Some(LONG_LIVED),
        refresh: SandboxRefresh::None,
        offline_scope: None,
        testing_consent_lifetime: None,
        exchanges: &[
            Exchange {
                grant_type: "ig_exchange_token",
                token_param: "access_token",
                min_age: None,
                accepts_short: true,
                accepts_long: false,
            },
            Exchange {
                grant_type: "ig_refresh_token",
                token_param: "access_token",
                min_age: Some(REFRESHABLE_AFTER),
                accepts_short: false,
                accepts_long: true,
            },
        ],
        refresh_requires: None,
        people: PEOPLE,
        error_response: instagram_error,
        shape_token: instagram_token,
    }
}

/// The code exchange answers as Business Login documents it: a `data` array with one
/// object holding the short-lived token, the user's id and the permissions as one
/// comma-separated string. The long-lived exchange and the refresh answer flat
/// `{access_token, token_type, expires_in}`.
fn instagram_token(body: &mut Value, issued: &Issued) {
    if issued.long_lived {
        if let Some(fields) = body.as_object_mut() {
            fields.remove("scope");
            fields.remove("refresh_token");
        }
        return;
    }
    *body = json!({"data": [{
        "access_token": body["access_token"],
        "user_id": issued.person.id,
        "permissions": issued.scopes.join(","),
    }]});
}

/// Errors of `api.instagram.com/oauth/access_token` are flat: `{"error_type":
/// "OAuthException", "code": 400, "error_message"}` (Business Login, sample rejected
/// response; the HTTP status is not stated, 400 here). Calls to graph.instagram.com answer
/// Graph errors.
fn instagram_error(error: &SandboxError) -> Response {
    match error {
        SandboxError::InvalidClient | SandboxError::InvalidGrant(_) => {
            let message = match error {
                SandboxError::InvalidGrant(_) => "Matching code was not found or was already used",
                // Not verified: the message for a wrong app secret.
                _ => "Invalid platform app",
            };
            (
                StatusCode::BAD_REQUEST,
                Json(
                    json!({"error_type": "OAuthException", "code": 400, "error_message": message}),
                ),
            )
                .into_response()
        }
        other => graph_error(other),
    }
}

pub fn routes() -> Router<Arc<SandboxProvider>> {
    Router::new()
        .route(AUTHORIZE, get(consent_page).post(consent_decision))
        .route(TOKEN, post(token_endpoint))
        .route(EXCHANGE, get(token_endpoint))
        .route(EXTEND, get(token_endpoint))
        .route(ME, get(me))
}

async fn me(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    p.answer(&headers, &q, "instagram_business_basic", |issued| {
        json!({
            "user_id": issued.person.id,
            "username": issued.person.handle,
            "name": issued.person.name,
            "followers_count": issued.person.followers,
        })
    })
}
