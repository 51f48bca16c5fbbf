//! LinkedIn ads accounts on an app with the Advertising API product, emulated from
//! learn.microsoft.com/linkedin (increasing access, marketing permissions migration,
//! create and manage account users, create and manage accounts, programmatic refresh
//! tokens, versioning).
//!
//! The Advertising API is a Marketing Developer Platform product, whose approved partners
//! get programmatic refresh tokens (365 days from the first consent, never extended). A
//! consent asking for a scope the product does not give is refused whole with
//! `unauthorized_scope_error`.

use super::linkedin::{
    api_error, linkedin_error, linkedin_token, versioned, ALL_PEOPLE, DEFAULT_COUNT, SCOPES,
};
use crate::provider::{
    consent_decision, consent_page, revoke_endpoint, token_endpoint, ClientAuth, Issued, Pkce,
    SandboxPage, SandboxProvider, SandboxRefresh, SandboxSpec,
};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::TimeDelta;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

const AUTHORIZE: &str = "/oauth/v2/authorization";
const TOKEN: &str = "/oauth/v2/accessToken";
/// Revocation endpoint: not verified against the documentation.
const REVOKE: &str = "/oauth/v2/revoke";
const AD_ACCOUNT_USERS: &str = "/rest/adAccountUsers";
const AD_ACCOUNT: &str = "/rest/adAccounts/{id}";

/// "Access tokens are valid for 60 days and programmatic refresh tokens are valid for a
/// year" (programmatic refresh tokens).
const ACCESS: TimeDelta = TimeDelta::days(60);
const REFRESH_WINDOW: TimeDelta = TimeDelta::days(365);

/// What the Advertising API product gives (increasing access).
const APP_SCOPES: &[&str] = &[
    "r_ads",
    "r_ads_reporting",
    "rw_ads",
    "r_organization_admin",
    "rw_organization_admin",
    "r_organization_social",
    "w_organization_social",
    "w_member_social",
];

/// Either reads ads accounts and their users ("r_ads or rw_ads"; create and manage
/// account users).
const ADS_READERS: &[&str] = &["r_ads", "rw_ads"];

pub fn spec() -> SandboxSpec {
    SandboxSpec {
        network: "linkedin_ads",
        display_name: "LinkedIn",
        client_auth: ClientAuth::Body,
        client_id_param: "client_id",
        pkce: Pkce::Unsupported,
        partial_consent: false,
        scopes: SCOPES,
        fixed_scopes: &[],
        app_scopes: Some((APP_SCOPES, "unauthorized_scope_error")),
        incremental: false,
        code_token_lifetime: ACCESS,
        long_lived_lifetime: None,
        refresh: SandboxRefresh::FixedWindow {
            window: REFRESH_WINDOW,
        },
        offline_scope: None,
        testing_consent_lifetime: None,
        exchanges: &[],
        refresh_requires: None,
        people: ALL_PEOPLE.as_slice(),
        error_response: linkedin_error,
        shape_token: linkedin_token,
    }
}

pub fn routes() -> Router<Arc<SandboxProvider>> {
    Router::new()
        .route(AUTHORIZE, get(consent_page).post(consent_decision))
        .route(TOKEN, post(token_endpoint))
        .route(REVOKE, post(revoke_endpoint))
        .route(AD_ACCOUNT_USERS, get(ad_account_users))
        .route(AD_ACCOUNT, get(ad_account))
}

type Params = Query<HashMap<String, String>>;

fn ads_accounts(p: &SandboxProvider, issued: &Issued) -> Vec<SandboxPage> {
    p.pages_of(&issued.person)
        .into_iter()
        .filter(|page| page.kind == "ads_account")
        .collect()
}

/// `GET /rest/adAccountUsers?q=authenticatedUser`: the member's roles on ads accounts,
/// each `account` a `urn:li:sponsoredAccount:{id}` and `user` the member (create and
/// manage account users; the body's shape from LinkedIn's Postman example). Paging with
/// `start`/`count` as LinkedIn's other finders: not verified for this one.
async fn ad_account_users(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let issued = match versioned(&p, &headers, &q, ADS_READERS) {
        Ok(issued) => issued,
        Err(refused) => return *refused,
    };
    if q.get("q").map(String::as_str) != Some("authenticatedUser") {
        return api_error(
            StatusCode::BAD_REQUEST,
            None,
            "ILLEGAL_ARGUMENT",
            "Unsupported finder",
        );
    }
    let number =
        |name: &str, default: usize| q.get(name).and_then(|v| v.parse().ok()).unwrap_or(default);
    let (start, count) = (number("start", 0), number("count", DEFAULT_COUNT));
    let all = ads_accounts(&p, &issued);
    let elements: Vec<Value> = all
        .iter()
        .skip(start)
        .take(count)
        .map(|account| {
            json!({
                "account": format!("urn:li:sponsoredAccount:{}", account.id),
                "changeAuditStamps": {
                    "created": {"actor": "urn:li:unknown:0", "time": 1_700_000_000_000_i64},
                    "lastModified": {"actor": "urn:li:unknown:0", "time": 1_700_000_000_000_i64},
                },
                "role": "ACCOUNT_MANAGER",
                "user": format!("urn:li:person:{}", issued.person.id),
                "version": {"versionTag": "1"},
            })
        })
        .collect();
    Json(json!({
        "elements": elements,
        "paging": {"count": count, "links": [], "start": start, "total": all.len()},
    }))
    .into_response()
}

/// `GET /rest/adAccounts/{id}`: the account's documented fields (ad accounts reference).
/// An account the member holds no role on is refused 403 `ACCESS_DENIED` (the error
/// handling page's meaning of 403; the exact body for this call is not verified).
async fn ad_account(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Params,
) -> Response {
    let issued = match versioned(&p, &headers, &q, ADS_READERS) {
        Ok(issued) => issued,
        Err(refused) => return *refused,
    };
    match ads_accounts(&p, &issued).into_iter().find(|a| a.id == id) {
        Some(account) => Json(json!({
            "id": account.id.parse::<i64>().unwrap_or_default(),
            "name": account.name,
            "currency": "EUR",
            "type": "BUSINESS",
            "status": "ACTIVE",
            "reference": "urn:li:organization:2414183",
            "test": false,
        }))
        .into_response(),
        None => api_error(
            StatusCode::FORBIDDEN,
            Some(100),
            "ACCESS_DENIED",
            "Not enough permissions to access: adAccounts.GET.20260801",
        ),
    }
}
