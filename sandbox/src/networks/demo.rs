//! The demo network (id `sandbox`): Tether's own plain OAuth 2.0 network with PKCE and
//! rotating refresh tokens. It has no real counterpart, so its rules are its own: access
//! tokens of one hour, a refresh token only with `offline_access`, single use.

use crate::provider::{
    consent_decision, consent_page, revoke_endpoint, standard_error, standard_token,
    token_endpoint, ClientAuth, Pkce, SandboxPerson, SandboxProvider, SandboxRefresh, SandboxSpec,
};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::TimeDelta;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

const AUTHORIZE: &str = "/authorize";
const TOKEN: &str = "/token";
const REVOKE: &str = "/revoke";
const ME: &str = "/me";

const ACCESS: TimeDelta = TimeDelta::hours(1);
const OFFLINE: &str = "offline_access";

const SCOPES: &[(&str, &str)] = &[
    ("profile.read", "See your profile name and handle"),
    ("metrics.read", "Read your post and audience metrics"),
    ("posts.write", "Publish posts for you"),
    (OFFLINE, "Stay connected while you are away"),
];

const PEOPLE: &[SandboxPerson] = &[
    SandboxPerson {
        id: "sbx-1001",
        name: "Sandbox Studio",
        handle: "@sandbox.studio",
        followers: 1_250,
        pages: &[],
    },
    SandboxPerson {
        id: "sbx-1002",
        name: "Other Creator",
        handle: "@other.creator",
        followers: 310,
        pages: &[],
    },
];

pub fn spec() -> SandboxSpec {
    SandboxSpec {
        network: "sandbox",
        display_name: "Sandbox",
        client_auth: ClientAuth::Basic,
        client_id_param: "client_id",
        pkce: Pkce::Required,
        partial_consent: true,
        scopes: SCOPES,
        fixed_scopes: &["profile.read"],
        app_scopes: None,
        incremental: true,
        code_token_lifetime: ACCESS,
        long_lived_lifetime: None,
        refresh: SandboxRefresh::Rotating { lifetime: None },
        offline_scope: Some(OFFLINE),
        testing_consent_lifetime: None,
        exchanges: &[],
        refresh_requires: None,
        people: PEOPLE,
        error_response: standard_error,
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

/// `GET /me`: `{"id", "handle", "name", "followers", "avatar_url"}`.
async fn me(
    State(provider): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    provider.answer(&headers, &query, "profile.read", |issued| {
        json!({
            "id": issued.person.id,
            "handle": issued.person.handle,
            "name": issued.person.name,
            "followers": issued.person.followers,
            "avatar_url": provider.picture_url(issued.person.id),
        })
    })
}
