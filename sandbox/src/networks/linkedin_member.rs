//! LinkedIn member profiles on a self-serve app with "Sign In with LinkedIn using OpenID
//! Connect" and "Share on LinkedIn", emulated from learn.microsoft.com/linkedin (sign in
//! with LinkedIn v2, share on LinkedIn, getting access, programmatic refresh tokens).
//!
//! The app has those two products' scopes only; a consent asking for any other is refused
//! whole with `unauthorized_scope_error`, as on every LinkedIn app. Programmatic refresh
//! tokens are given to approved Marketing Developer Platform partners only, which a
//! self-serve app is not: the code's 60-day token is all there is.

use super::linkedin::{linkedin_error, linkedin_token, revoked, ALL_PEOPLE, SCOPES};
use crate::provider::{
    consent_decision, consent_page, revoke_endpoint, token_endpoint, ClientAuth, Pkce,
    SandboxError, SandboxProvider, SandboxRefresh, SandboxSpec,
};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::TimeDelta;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

const AUTHORIZE: &str = "/oauth/v2/authorization";
const TOKEN: &str = "/oauth/v2/accessToken";
/// Revocation endpoint: not verified against the documentation.
const REVOKE: &str = "/oauth/v2/revoke";
/// Unversioned: no `LinkedIn-Version` (sign in with LinkedIn v2).
const USERINFO: &str = "/v2/userinfo";

/// "By default, access tokens are valid for 60 days" (programmatic refresh tokens).
const ACCESS: TimeDelta = TimeDelta::days(60);

/// Sign In with LinkedIn using OpenID Connect (`openid`, `profile`, `email`) and Share on
/// LinkedIn (`w_member_social`) (getting access).
const APP_SCOPES: &[&str] = &["openid", "profile", "email", "w_member_social"];

pub fn spec() -> SandboxSpec {
    SandboxSpec {
        network: "linkedin_member",
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
        refresh: SandboxRefresh::None,
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
        .route(USERINFO, get(userinfo))
}

/// `GET /v2/userinfo`: `openid` is "required to indicate the application wants to use
/// OIDC"; name and picture need `profile`, the address `email` (sign in with LinkedIn
/// v2). `locale` is an object in live answers, a string in the docs' sample; the live
/// shape is served. Without `openid`: 403 `ACCESS_DENIED` "Not enough permissions to
/// access: userinfo.GET.NO_VERSION" (reported answers, not documented). A brand-new
/// token's first call answers 65601, as OpenID clients report (not verified).
async fn userinfo(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let issued = match p.authenticate(&headers, &q) {
        Ok(issued) => issued,
        Err(error) => return p.error(error),
    };
    if p.first_use(&headers, &q) {
        return revoked();
    }
    let granted = |scope: &str| issued.scopes.iter().any(|s| s == scope);
    if !granted("openid") {
        return p.error(SandboxError::MissingScope("userinfo.GET.NO_VERSION".into()));
    }
    let person = issued.person;
    let mut body = json!({"sub": person.id, "locale": {"country": "US", "language": "en"}});
    if granted("profile") {
        let (given, family) = person.name.split_once(' ').unwrap_or((person.name, ""));
        body["name"] = json!(person.name);
        body["given_name"] = json!(given);
        body["family_name"] = json!(family);
        body["picture"] = json!(format!(
            "https://media.licdn.com/dms/image/sandbox/{}/profile-displayphoto-shrink_100_100/0/",
            person.id
        ));
    }
    if granted("email") {
        body["email"] = json!(format!("{}@members.linkedin.example", person.id));
        body["email_verified"] = json!(true);
    }
    Json(body).into_response()
}
