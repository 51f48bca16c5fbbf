//! LinkedIn (OAuth 2.0 three-legged flow, Community Management and Advertising APIs),
//! emulated from learn.microsoft.com/linkedin (authorization code flow, programmatic
//! refresh tokens, error handling).

use crate::provider::{
    consent_decision, consent_page, revoke_endpoint, standard_error, token_endpoint, ClientAuth,
    Death, Issued, Pkce, SandboxError, SandboxPage, SandboxPerson, SandboxProvider, SandboxRefresh,
    SandboxSpec,
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
const USERINFO: &str = "/v2/userinfo";
const ORGANIZATION_ACLS: &str = "/rest/organizationAcls";
const NETWORK_SIZES: &str = "/rest/networkSizes";
const AD_ACCOUNT_USERS: &str = "/rest/adAccountUsers";
const AD_ACCOUNTS: &str = "/rest/adAccounts";

/// "Access tokens ... have a 60-day lifespan"; refresh tokens "a TTL of 365 days" from the
/// first consent, not extended by refreshing (programmatic refresh tokens).
const ACCESS: TimeDelta = TimeDelta::days(60);
const REFRESH_WINDOW: TimeDelta = TimeDelta::days(365);

const SCOPES: &[(&str, &str)] = &[
    ("openid", "Use your name and photo"),
    ("profile", "Use your name and photo"),
    ("email", "Use the primary email address on your account"),
    (
        "r_organization_social",
        "Retrieve your organizations' posts and engagement",
    ),
    (
        "w_organization_social",
        "Create posts for your organizations",
    ),
    (
        "rw_organization_admin",
        "Manage your organizations' pages and retrieve reporting",
    ),
    (
        "r_organization_admin",
        "Retrieve your organizations' pages and reporting",
    ),
    (
        "r_ads_reporting",
        "Retrieve reporting for your advertising accounts",
    ),
    ("r_ads", "Retrieve your advertising accounts"),
];

fn linkedin_error(error: &SandboxError) -> Response {
    let api = |status: StatusCode, service: i64, code: &str, message: String| {
        (
            status,
            Json(json!({"status": status.as_u16(), "serviceErrorCode": service, "code": code, "message": message})),
        )
            .into_response()
    };
    match error {
        SandboxError::InvalidToken(Death::Expired) => api(
            StatusCode::UNAUTHORIZED,
            65602,
            "EXPIRED_ACCESS_TOKEN",
            "The token used in the request has expired".into(),
        ),
        SandboxError::InvalidToken(Death::LostRole) => api(
            StatusCode::FORBIDDEN,
            100,
            "ACCESS_DENIED",
            "Not enough permissions to access this organization".into(),
        ),
        SandboxError::InvalidToken(_) => api(
            StatusCode::UNAUTHORIZED,
            65601,
            "REVOKED_ACCESS_TOKEN",
            "The token used in the request has been revoked by the user".into(),
        ),
        SandboxError::MissingScope(scope) => api(
            StatusCode::FORBIDDEN,
            100,
            "ACCESS_DENIED",
            format!("Not enough permissions to access: {scope}"),
        ),
        SandboxError::RateLimited { retry_after, .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", retry_after.to_string())],
            Json(json!({"status": 429, "serviceErrorCode": 101, "code": "TOO_MANY_REQUESTS", "message": "Resource level throttle limit reached"})),
        )
            .into_response(),
        other => standard_error(other),
    }
}

/// LinkedIn joins granted scopes with commas.
fn linkedin_token(body: &mut Value, _: &Issued) {
    if let Some(scope) = body.get("scope").and_then(Value::as_str) {
        body["scope"] = json!(scope.replace(' ', ","));
    }
}

const PEOPLE: &[SandboxPerson] = &[
    SandboxPerson {
        id: "li-aB3x9",
        name: "Ines Duarte",
        handle: "Ines Duarte",
        followers: 0,
        pages: &[
            SandboxPage {
                id: "2414183",
                kind: "organization",
                name: "Northwind Analytics",
                handle: "northwind-analytics",
                followers: 18_900,
                instagram: None,
            },
            SandboxPage {
                id: "2414190",
                kind: "organization",
                name: "Northwind Labs",
                handle: "northwind-labs",
                followers: 3_450,
                instagram: None,
            },
            SandboxPage {
                id: "2414201",
                kind: "showcase",
                name: "Northwind for Retail",
                handle: "northwind-retail",
                followers: 1_020,
                instagram: None,
            },
            SandboxPage {
                id: "508871234",
                kind: "ads_account",
                name: "Northwind EMEA ads",
                handle: "508871234",
                followers: 0,
                instagram: None,
            },
        ],
    },
    SandboxPerson {
        id: "li-Qz71k",
        name: "Tom Becker",
        handle: "Tom Becker",
        followers: 0,
        pages: &[SandboxPage {
            id: "3300451",
            kind: "organization",
            name: "Becker Freight",
            handle: "becker-freight",
            followers: 760,
            instagram: None,
        }],
    },
];

pub fn spec() -> SandboxSpec {
    SandboxSpec {
        network: "linkedin",
        display_name: "LinkedIn",
        client_auth: ClientAuth::Body,
        client_id_param: "client_id",
        pkce: Pkce::Unsupported,
        partial_consent: false,
        scopes: SCOPES,
        fixed_scopes: &[],
        incremental: false,
        code_token_lifetime: ACCESS,
        long_lived_lifetime: None,
        refresh: SandboxRefresh::FixedWindow {
            window: REFRESH_WINDOW,
        },
        offline_scope: None,
        consent_lifetime: None,
        exchanges: &[],
        refresh_requires: None,
        people: PEOPLE,
        error_response: linkedin_error,
        shape_token: linkedin_token,
    }
}

pub fn routes() -> Router<Arc<SandboxProvider>> {
    Router::new()
        .route(AUTHORIZE, get(consent_page).post(consent_decision))
        .route(TOKEN, post(token_endpoint))
        .route(REVOKE, post(revoke_endpoint))
        .route(USERINFO, get(userinfo))
        .route(ORGANIZATION_ACLS, get(organization_acls))
        .route(&format!("{NETWORK_SIZES}/{{urn}}"), get(network_size))
        .route(AD_ACCOUNT_USERS, get(ad_account_users))
        .route(&format!("{AD_ACCOUNTS}/{{id}}"), get(ad_account))
}

type Params = Query<HashMap<String, String>>;

async fn userinfo(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    p.answer(
        &headers,
        &q,
        "profile",
        |issued| json!({"sub": issued.person.id, "name": issued.person.name}),
    )
}

fn pages_of_kind(p: &SandboxProvider, issued: &Issued, kinds: &[&str]) -> Vec<SandboxPage> {
    p.pages_of(&issued.person)
        .into_iter()
        .filter(|page| kinds.contains(&page.kind))
        .collect()
}

async fn organization_acls(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let issued = match p.authenticate_with(&headers, &q, "rw_organization_admin") {
        Ok(issued) => issued,
        Err(error) => return p.error(error),
    };
    let elements: Vec<Value> = pages_of_kind(&p, &issued, &["organization", "showcase"])
        .into_iter()
        .map(|page| {
            let mut org = json!({"localizedName": page.name, "vanityName": page.handle});
            if page.kind == "showcase" {
                org["parentRelationship"] = json!({"relationshipType": "SHOWCASE"});
            }
            json!({
                "organization": format!("urn:li:organization:{}", page.id),
                "role": "ADMINISTRATOR",
                "state": "APPROVED",
                "organization~": org,
            })
        })
        .collect();
    Json(json!({ "elements": elements })).into_response()
}

async fn network_size(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Path(urn): Path<String>,
    Query(q): Params,
) -> Response {
    let issued = match p.authenticate_with(&headers, &q, "rw_organization_admin") {
        Ok(issued) => issued,
        Err(error) => return p.error(error),
    };
    let id = urn.trim_start_matches("urn:li:organization:");
    match pages_of_kind(&p, &issued, &["organization", "showcase"])
        .into_iter()
        .find(|page| page.id == id)
    {
        Some(page) => Json(json!({"firstDegreeSize": page.followers})).into_response(),
        None => p.error(SandboxError::InvalidToken(Death::LostRole)),
    }
}

async fn ad_account_users(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let issued = match p.authenticate_with(&headers, &q, "r_ads_reporting") {
        Ok(issued) => issued,
        Err(error) => return p.error(error),
    };
    let elements: Vec<Value> = pages_of_kind(&p, &issued, &["ads_account"])
        .into_iter()
        .map(|page| {
            json!({
                "account": format!("urn:li:sponsoredAccount:{}", page.id),
                "role": "ACCOUNT_MANAGER",
                "user": format!("urn:li:person:{}", issued.person.id),
            })
        })
        .collect();
    Json(json!({ "elements": elements })).into_response()
}

async fn ad_account(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Params,
) -> Response {
    let issued = match p.authenticate_with(&headers, &q, "r_ads_reporting") {
        Ok(issued) => issued,
        Err(error) => return p.error(error),
    };
    match pages_of_kind(&p, &issued, &["ads_account"])
        .into_iter()
        .find(|page| page.id == id)
    {
        Some(page) => {
            Json(json!({"id": page.id, "name": page.name, "status": "ACTIVE"})).into_response()
        }
        None => p.error(SandboxError::InvalidToken(Death::LostRole)),
    }
}
