//! Threads, emulated as Meta documents it (developers.facebook.com/docs/threads: get
//! started, long-lived tokens, insights).

use super::facebook::graph_error;
use crate::provider::{
    consent_decision, consent_page, token_endpoint, ClientAuth, Exchange, Issued, Pkce,
    SandboxPerson, SandboxProvider, SandboxRefresh, SandboxSpec,
};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::TimeDelta;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

const AUTHORIZE: &str = "/oauth/authorize";
/// `POST https://graph.threads.net/oauth/access_token`.
const TOKEN: &str = "/oauth/access_token";
/// `GET https://graph.threads.net/access_token?grant_type=th_exchange_token`.
const EXCHANGE: &str = "/access_token";
/// `GET https://graph.threads.net/refresh_access_token?grant_type=th_refresh_token`.
const EXTEND: &str = "/refresh_access_token";
const ME: &str = "/v1.0/me";
const INSIGHTS: &str = "/v1.0/me/threads_insights";

/// Short-lived tokens last 1 hour; long-lived ones 60 days, refreshable once at least
/// 24 hours old and unexpired (Threads: long-lived tokens).
const SHORT_LIVED: TimeDelta = TimeDelta::hours(1);
const LONG_LIVED: TimeDelta = TimeDelta::days(60);
const REFRESHABLE_AFTER: TimeDelta = TimeDelta::hours(24);

/// Threads permissions (Threads: permissions).
const SCOPES: &[(&str, &str)] = &[
    ("threads_basic", "Access your Threads profile and posts"),
    ("threads_manage_insights", "Access insights for your posts"),
    ("threads_content_publish", "Publish posts for you"),
    ("threads_manage_replies", "Manage replies to your posts"),
    ("threads_read_replies", "Read replies to your posts"),
];

const PEOPLE: &[SandboxPerson] = &[
    SandboxPerson {
        id: "th-3001",
        name: "Juno Park",
        handle: "juno.makes",
        followers: 15_700,
        pages: &[],
    },
    SandboxPerson {
        id: "th-3002",
        name: "Ravi Shah",
        handle: "ravi.eats",
        followers: 820,
        pages: &[],
    },
];

pub fn spec() -> SandboxSpec {
    SandboxSpec {
        network: "threads",
        display_name: "Threads",
        client_auth: ClientAuth::Body,
        client_id_param: "client_id",
        pkce: Pkce::Unsupported,
        partial_consent: false,
        scopes: SCOPES,
        fixed_scopes: &[],
        app_scopes: None,
        incremental: false,
        code_token_lifetime: SHORT_LIVED,
        long_lived_lifetime: Some(LONG_LIVED),
        refresh: SandboxRefresh::None,
        offline_scope: None,
        testing_consent_lifetime: None,
        exchanges: &[
            Exchange {
                grant_type: "th_exchange_token",
                token_param: "access_token",
                min_age: None,
                accepts_short: true,
                accepts_long: false,
            },
            Exchange {
                grant_type: "th_refresh_token",
                token_param: "access_token",
                min_age: Some(REFRESHABLE_AFTER),
                accepts_short: false,
                accepts_long: true,
            },
        ],
        refresh_requires: None,
        people: PEOPLE,
        error_response: graph_error,
        shape_token: threads_token,
    }
}

/// The code response names the user; none carries a scope or refresh token.
fn threads_token(body: &mut Value, issued: &Issued) {
    let Some(fields) = body.as_object_mut() else {
        return;
    };
    fields.remove("scope");
    fields.remove("refresh_token");
    if !issued.long_lived {
        fields.insert("user_id".into(), json!(issued.person.id));
    }
}

pub fn routes() -> Router<Arc<SandboxProvider>> {
    Router::new()
        .route(AUTHORIZE, get(consent_page).post(consent_decision))
        .route(TOKEN, post(token_endpoint))
        .route(EXCHANGE, get(token_endpoint))
        .route(EXTEND, get(token_endpoint))
        .route(ME, get(me))
        .route(INSIGHTS, get(insights))
}

type Params = Query<HashMap<String, String>>;

async fn me(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    p.answer(&headers, &q, "threads_basic", |issued| {
        json!({
            "id": issued.person.id,
            "username": issued.person.handle,
            "name": issued.person.name,
        })
    })
}

async fn insights(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    p.answer(&headers, &q, "threads_manage_insights", |issued| {
        json!({"data": [{
            "name": "followers_count",
            "period": "day",
            "total_value": {"value": issued.person.followers},
        }]})
    })
}
