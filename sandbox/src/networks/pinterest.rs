//! Pinterest API v5, emulated as its OpenAPI description says (pinterest/api-description,
//! `/oauth/token`, `/user_account`, the `Error` schema `{code, message}`).

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

const AUTHORIZE: &str = "/oauth/";
const TOKEN: &str = "/v5/oauth/token";
const ME: &str = "/v5/user_account";

/// Access tokens: `expires_in` 2592000 (30 days) in the OpenAPI examples.
const ACCESS: TimeDelta = TimeDelta::days(30);
/// Refresh tokens are continuous: 60 days, and each refresh returns a new one with a new
/// 60 days (`continuous_refresh`; the legacy 365-day token is no longer issued).
const REFRESH: TimeDelta = TimeDelta::days(60);

/// Pinterest OAuth scopes (OpenAPI `securitySchemes.pinterest_oauth2`).
const SCOPES: &[(&str, &str)] = &[
    ("user_accounts:read", "See your user account and followers"),
    ("pins:read", "See your public Pins"),
    ("boards:read", "See your public boards"),
    ("pins:write", "Create, update or delete your public Pins"),
    (
        "boards:write",
        "Create, update or delete your public boards",
    ),
];

/// Every error is the OpenAPI `Error` schema, `{"code", "message"}` (both required), never
/// an RFC 6749 body. Statuses and codes from the spec's examples; where an endpoint has no
/// example, marked not verified.
fn pinterest_error(error: &SandboxError) -> Response {
    let (status, code, message) = match error {
        // 401 code 2 "Authentication failed." (client authentication example on
        // `/oauth/token/revoke`, the same `basic` scheme as the token endpoint).
        SandboxError::InvalidClient => (StatusCode::UNAUTHORIZED, 2, "Authentication failed.".to_owned()),
        // Not verified: code 283 on a 401 is a community report (pinterest-python-sdk#114).
        SandboxError::InvalidGrant(_) => (
            StatusCode::UNAUTHORIZED,
            283,
            "The authorization grant is invalid".to_owned(),
        ),
        // Not verified: the code of a malformed token request.
        SandboxError::InvalidRequest(d) => (StatusCode::BAD_REQUEST, 1, d.clone()),
        SandboxError::InvalidToken(_) => (StatusCode::UNAUTHORIZED, 2, "Authentication failed.".to_owned()),
        // 401 code 3 (the spec's insufficient-scope example).
        SandboxError::MissingScope(_) => (
            StatusCode::UNAUTHORIZED,
            3,
            "Your token does not have sufficient permissions to perform this operation. Please ensure your token is authorized with the correct set of scopes.".to_owned(),
        ),
        // 429 code 8 (the spec's rate-limit example); no Retry-After is documented.
        SandboxError::RateLimited { .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            8,
            "This request exceeded a rate limit. This can happen if the client exceeds one of the published rate limits within a short time window.".to_owned(),
        ),
        // Not verified: the body of an outage.
        SandboxError::ServerError => (StatusCode::SERVICE_UNAVAILABLE, 1, "Service unavailable.".to_owned()),
    };
    (status, Json(json!({"code": code, "message": message}))).into_response()
}

/// A refresh answer carries the new refresh token's `refresh_token_expires_at` beside
/// `refresh_token_expires_in` (schema `OauthAccessTokenResponseRefresh`).
fn pinterest_token(body: &mut Value, issued: &Issued) {
    let Some(fields) = body.as_object_mut() else {
        return;
    };
    fields.insert("response_type".into(), json!("authorization_code"));
    if let Some(seconds) = fields
        .get("refresh_token_expires_in")
        .and_then(Value::as_i64)
    {
        let at = issued.issued_at.timestamp() + seconds;
        fields.insert("refresh_token_expires_at".into(), json!(at));
    }
    fields.insert("scope".into(), json!(issued.scopes.join(",")));
}

const PEOPLE: &[SandboxPerson] = &[
    SandboxPerson {
        id: "549755885175",
        name: "Lind Bakery",
        handle: "lindbakery",
        followers: 2_310,
        pages: &[],
    },
    SandboxPerson {
        id: "549755885176",
        name: "Juno Park",
        handle: "junomakes",
        followers: 14_050,
        pages: &[],
    },
];

pub fn spec() -> SandboxSpec {
    SandboxSpec {
        network: "pinterest",
        display_name: "Pinterest",
        client_auth: ClientAuth::Basic,
        client_id_param: "client_id",
        pkce: Pkce::Unsupported,
        partial_consent: false,
        scopes: SCOPES,
        fixed_scopes: &[],
        app_scopes: None,
        incremental: false,
        code_token_lifetime: ACCESS,
        long_lived_lifetime: None,
        refresh: SandboxRefresh::Rotating {
            lifetime: Some(REFRESH),
        },
        offline_scope: None,
        testing_consent_lifetime: None,
        exchanges: &[],
        // The emulated app was created before 2025-09-25, so its refreshes must send
        // `continuous_refresh=true` ("Pinterest no longer supports the legacy refresh
        // token"). What a legacy refresh answers now is not documented: refused here.
        refresh_requires: Some(("continuous_refresh", "true")),
        people: PEOPLE,
        error_response: pinterest_error,
        shape_token: pinterest_token,
    }
}

pub fn routes() -> Router<Arc<SandboxProvider>> {
    Router::new()
        .route(AUTHORIZE, get(consent_page).post(consent_decision))
        .route(TOKEN, post(token_endpoint))
        .route(ME, get(me))
}

async fn me(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    p.answer(&headers, &q, "user_accounts:read", |issued| {
        json!({
            "id": issued.person.id,
            "username": issued.person.handle,
            "business_name": issued.person.name,
            "account_type": "BUSINESS",
            "follower_count": issued.person.followers,
        })
    })
}
