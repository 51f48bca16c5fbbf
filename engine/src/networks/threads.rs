//! Threads.
//!
//! Tokens: the code (POST graph.threads.net, credentials in the body) gives a 1 h token,
//! exchanged (`th_exchange_token`) for a 60-day one, extended in place (`th_refresh_token`)
//! once at least 24 h old and still valid. A token not extended within its 60 days is dead.
//! Consent is all or nothing. Errors are Graph `OAuthException`s. No revocation call.
//! Followers come from the account's insights.

use super::{
    facebook, instagram, json, Adapter, ChannelKind, ClientAuth, Discovery, ExchangeCall,
    FailureClass, Hosts, Lifetimes, NetworkProfile, Renewal, Scopes, TokenMethod,
};
use crate::oauth::{ApiCall, NetworkFailure};
use crate::sandbox::{
    consent_decision, consent_page, token_endpoint, Exchange, Issued, Pkce, SandboxPerson,
    SandboxProvider, SandboxRefresh, SandboxSpec,
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

pub const ID: &str = "threads";
pub const DISPLAY_NAME: &str = "Threads";

const WEB: &str = "https://threads.net";
const GRAPH: &str = "https://graph.threads.net";

const AUTHORIZE: &str = "/oauth/authorize";
const TOKEN: &str = "/oauth/access_token";
const EXCHANGE: &str = "/access_token";
const EXTEND: &str = "/refresh_access_token";
const ME: &str = "/v1.0/me";
const INSIGHTS: &str = "/v1.0/me/threads_insights";

const SHORT_LIVED: TimeDelta = TimeDelta::hours(1);
const LONG_LIVED: TimeDelta = TimeDelta::days(60);
const MIN_AGE_TO_EXTEND: TimeDelta = TimeDelta::hours(24);

const SCOPE_WORDS: &[(&str, &str)] = &[
    ("threads_basic", "See your Threads profile and posts"),
    ("threads_manage_insights", "Read your Threads insights"),
    ("threads_content_publish", "Publish posts for you"),
];

const KINDS: &[ChannelKind] = &[ChannelKind {
    id: "profile",
    label: "Threads profile",
    picked: false,
    personal: true,
    extra_required: &[],
}];

pub fn profile(hosts: &Hosts) -> NetworkProfile {
    NetworkProfile {
        id: ID.into(),
        display_name: DISPLAY_NAME.into(),
        adapter: Adapter::Threads,
        kinds: KINDS,
        authorize_url: hosts.browser(ID, WEB, AUTHORIZE),
        authorize_params: &[],
        client_id_param: "client_id",
        scope_separator: ",",
        token_url: hosts.server(ID, GRAPH, TOKEN),
        token_method: TokenMethod::Post,
        client_auth: ClientAuth::Body,
        pkce_s256: false,
        partial_consent: false,
        scopes: Scopes::from_static(
            &["threads_basic", "threads_manage_insights"],
            &["threads_content_publish"],
            &[],
        ),
        scope_words: SCOPE_WORDS,
        long_lived: Some(ExchangeCall {
            url: hosts.server(ID, GRAPH, EXCHANGE),
            grant_type: "th_exchange_token",
            token_param: "access_token",
        }),
        renewal: Renewal::ExtendInPlace {
            url: hosts.server(ID, GRAPH, EXTEND),
            grant_type: "th_refresh_token",
            min_age: MIN_AGE_TO_EXTEND,
        },
        lifetimes: Lifetimes {
            access: Some(LONG_LIVED),
            ..Lifetimes::default()
        },
        revoke: None,
        api_base: hosts.server(ID, GRAPH, "/"),
        sandboxed: hosts.is_sandbox(),
    }
}

pub(super) async fn discover(call: &ApiCall<'_>) -> Result<Discovery, NetworkFailure> {
    let fields = "id,username,name,threads_profile_picture_url";
    let me = call.get(ME, &[("fields", fields)]).await?;
    let mut account = instagram::professional_account(&me)?;
    account.kind = "profile";
    // Followers need the insights permission; without it the count is simply unknown.
    account.followers = match call.get(INSIGHTS, &[("metric", "followers_count")]).await {
        Ok(insights) => json::count_at(&insights, "/data/0/total_value/value"),
        Err(failure) if failure.class() == FailureClass::MissingPermission => None,
        Err(failure) => return Err(failure),
    };
    Ok(Discovery {
        accounts: vec![account],
        granted_scopes: None,
    })
}

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

pub fn sandbox_spec() -> SandboxSpec {
    SandboxSpec {
        network: ID,
        display_name: DISPLAY_NAME,
        client_auth: ClientAuth::Body,
        client_id_param: "client_id",
        pkce: Pkce::Unsupported,
        partial_consent: false,
        scopes: SCOPE_WORDS,
        fixed_scopes: &[],
        incremental: false,
        code_token_lifetime: SHORT_LIVED,
        long_lived_lifetime: Some(LONG_LIVED),
        refresh: SandboxRefresh::None,
        offline_scope: None,
        consent_lifetime: None,
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
                min_age: Some(MIN_AGE_TO_EXTEND),
                accepts_short: false,
                accepts_long: true,
            },
        ],
        people: PEOPLE,
        error_response: facebook::graph_error,
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

pub fn sandbox_routes() -> Router<Arc<SandboxProvider>> {
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
