//! Facebook Pages, and Instagram business accounts reached through a Page ("Instagram via
//! Facebook Login"): one consent connects a Page and its linked Instagram account.
//!
//! Tokens: the code gives a short-lived (1 h) user token, exchanged at once
//! (`fb_exchange_token`) for a long-lived (~60 days) one; no refresh token, a still-valid
//! long-lived token is re-exchanged. Page tokens derived from a long-lived user token do
//! not expire but die on a password change or a lost Page role. Data access lapses 90 days
//! after the person was last active. Consent is partial: a person may untick permissions,
//! read back from `/me/permissions`. Errors are Graph `OAuthException`s with codes and
//! subcodes. Revocation: `DELETE /me/permissions`.

use super::{
    json, Adapter, ChannelKind, ClientAuth, DeadReason, DiscoveredAccount, Discovery, ExchangeCall,
    FailureClass, Hosts, Lifetimes, NetworkProfile, Renewal, RevokeStyle, Scopes, TokenMethod,
};
use crate::crypto::Secret;
use crate::oauth::{ApiCall, NetworkFailure};
use crate::sandbox::{
    consent_decision, consent_page, presented_token, token_endpoint, Exchange, Issued, Pkce,
    SandboxError, SandboxPage, SandboxPerson, SandboxProvider, SandboxRefresh, SandboxSpec,
};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::TimeDelta;
use reqwest::header::HeaderMap as ClientHeaders;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

pub const ID: &str = "facebook";
pub const DISPLAY_NAME: &str = "Facebook";

/// The Graph API version Tether speaks, in one place.
const VERSION: &str = "v21.0";
const WEB: &str = "https://www.facebook.com";
const GRAPH: &str = "https://graph.facebook.com";

fn path(rest: &str) -> String {
    format!("/{VERSION}{rest}")
}

const SHORT_LIVED: TimeDelta = TimeDelta::hours(1);
/// `expires_in` of a long-lived token is about 5,184,000 s.
const LONG_LIVED: TimeDelta = TimeDelta::days(60);
const DATA_ACCESS: TimeDelta = TimeDelta::days(90);

const INSTAGRAM_SCOPES: &[&str] = &["instagram_basic", "instagram_manage_insights"];

const SCOPE_WORDS: &[(&str, &str)] = &[
    ("pages_show_list", "See the list of Pages you manage"),
    (
        "pages_read_engagement",
        "Read content and engagement of your Pages",
    ),
    ("read_insights", "Read your Pages' insights"),
    ("pages_manage_posts", "Publish posts on your Pages"),
    (
        "instagram_basic",
        "See your Instagram business accounts' profile and media",
    ),
    (
        "instagram_manage_insights",
        "Read your Instagram business accounts' insights",
    ),
    (
        "instagram_content_publish",
        "Publish to your Instagram business accounts",
    ),
];

const KINDS: &[ChannelKind] = &[
    ChannelKind {
        id: "page",
        label: "Facebook Page",
        picked: true,
        personal: false,
        extra_required: &[],
    },
    ChannelKind {
        id: "instagram_business",
        label: "Instagram business account (via its Facebook Page)",
        picked: true,
        personal: false,
        extra_required: INSTAGRAM_SCOPES,
    },
];

pub fn profile(hosts: &Hosts) -> NetworkProfile {
    let server = |rest: &str| hosts.server(ID, GRAPH, &path(rest));
    NetworkProfile {
        id: ID.into(),
        display_name: DISPLAY_NAME.into(),
        adapter: Adapter::Facebook,
        kinds: KINDS,
        authorize_url: hosts.browser(ID, WEB, &path("/dialog/oauth")),
        authorize_params: &[],
        client_id_param: "client_id",
        scope_separator: ",",
        token_url: server("/oauth/access_token"),
        token_method: TokenMethod::Get,
        client_auth: ClientAuth::Body,
        pkce_s256: false,
        partial_consent: true,
        scopes: Scopes::from_static(
            &["pages_show_list", "pages_read_engagement", "read_insights"],
            &["pages_manage_posts", "instagram_content_publish"],
            INSTAGRAM_SCOPES,
        ),
        scope_words: SCOPE_WORDS,
        long_lived: Some(ExchangeCall {
            url: server("/oauth/access_token"),
            grant_type: "fb_exchange_token",
            token_param: "fb_exchange_token",
        }),
        renewal: Renewal::ReExchange,
        lifetimes: Lifetimes {
            access: Some(LONG_LIVED),
            refresh: None,
            reconsent: Some(DATA_ACCESS),
        },
        revoke: Some((server("/me/permissions"), RevokeStyle::DeletePermissions)),
        api_base: server("/"),
        sandboxed: hosts.is_sandbox(),
    }
}

pub(super) async fn discover(call: &ApiCall<'_>) -> Result<Discovery, NetworkFailure> {
    let permissions = call.get("me/permissions", &[]).await?;
    let granted = permissions
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiCall::malformed("permissions answer has no data list".into()))?
        .iter()
        .filter(|p| p.get("status").and_then(Value::as_str) == Some("granted"))
        .filter_map(|p| {
            p.get("permission")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect();
    let fields = "id,name,username,followers_count,access_token,picture{url},\
                  instagram_business_account{id,username,followers_count,profile_picture_url}";
    let pages = call.get("me/accounts", &[("fields", fields)]).await?;
    let mut accounts = Vec::new();
    for page in pages
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiCall::malformed("accounts answer has no data list".into()))?
    {
        let id = json::required(page, "/id").map_err(ApiCall::malformed)?;
        let name = json::required(page, "/name").map_err(ApiCall::malformed)?;
        let token = json::required(page, "/access_token").map_err(ApiCall::malformed)?;
        accounts.push(
            DiscoveredAccount {
                kind: "page",
                handle: json::str_at(page, "/username").unwrap_or_else(|| name.clone()),
                id: id.clone(),
                name,
                avatar_url: json::str_at(page, "/picture/data/url"),
                followers: json::count_at(page, "/followers_count"),
                token: Some(Secret::new(token.clone())),
                linked_to: None,
            }
            .validated()
            .map_err(ApiCall::malformed)?,
        );
        if let Some(ig) = page.get("instagram_business_account") {
            let username = json::required(ig, "/username").map_err(ApiCall::malformed)?;
            accounts.push(
                DiscoveredAccount {
                    kind: "instagram_business",
                    id: json::required(ig, "/id").map_err(ApiCall::malformed)?,
                    handle: format!("@{username}"),
                    name: username,
                    avatar_url: json::str_at(ig, "/profile_picture_url"),
                    followers: json::count_at(ig, "/followers_count"),
                    token: Some(Secret::new(token)),
                    linked_to: Some(id),
                }
                .validated()
                .map_err(ApiCall::malformed)?,
            );
        }
    }
    Ok(Discovery {
        accounts,
        granted_scopes: Some(granted),
    })
}

/// Graph API errors (Facebook, Instagram, Threads): `{"error": {"code", "error_subcode",
/// "message", "type"}}`.
pub fn classify(status: u16, headers: &ClientHeaders, body: &[u8]) -> FailureClass {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let code = json::count_at(&value, "/error/code");
    let subcode = json::count_at(&value, "/error/error_subcode");
    let message = json::str_at(&value, "/error/message")
        .unwrap_or_default()
        .to_lowercase();
    match code {
        Some(190) => FailureClass::dead(match subcode {
            Some(458) => DeadReason::AppRemoved,
            Some(459) => DeadReason::Checkpoint,
            Some(460) => DeadReason::PasswordChanged,
            Some(463) if message.contains("data access") => DeadReason::DataAccessExpired,
            Some(463) => DeadReason::Expired,
            Some(464) => DeadReason::Restricted,
            Some(492) => DeadReason::LostRole,
            _ => DeadReason::Invalid,
        }),
        Some(102) => FailureClass::dead(DeadReason::Invalid),
        Some(10) | Some(200..=299) => FailureClass::MissingPermission,
        Some(4 | 17 | 32 | 341 | 613 | 80001..=80014) => FailureClass::RateLimited {
            retry_after: super::retry_after(headers),
            reset_at: None,
        },
        Some(1 | 2 | 368) => FailureClass::Transient,
        // An OAuth error at the token endpoint ("invalid verification code"…).
        Some(100) if status == 400 => FailureClass::dead(DeadReason::Invalid),
        _ => FailureClass::from_status(status, headers),
    }
}

/// The error body a Graph API sends, with its HTTP status.
pub fn graph_error(error: &SandboxError) -> Response {
    let (status, code, subcode, message): (StatusCode, i64, Option<i64>, String) = match error {
        SandboxError::InvalidClient => (
            StatusCode::BAD_REQUEST,
            1,
            None,
            "Error validating client secret.".into(),
        ),
        SandboxError::InvalidRequest(d) => (StatusCode::BAD_REQUEST, 100, None, d.clone()),
        SandboxError::InvalidGrant(d) => (StatusCode::BAD_REQUEST, 100, Some(36007), d.clone()),
        SandboxError::InvalidToken(reason) => {
            let (subcode, message) = match reason {
                DeadReason::AppRemoved | DeadReason::Revoked => {
                    (458, "The user has not authorized application.")
                }
                DeadReason::Checkpoint => (459, "The user is enrolled in a blocking, logged-in checkpoint."),
                DeadReason::PasswordChanged => (
                    460,
                    "The session has been invalidated because the user changed their password.",
                ),
                DeadReason::Expired => (463, "Session has expired."),
                DeadReason::DataAccessExpired => (463, "Data access has expired for this user."),
                DeadReason::Restricted => (464, "The user is restricted."),
                DeadReason::LostRole => (492, "The user does not have a role on the Page."),
                DeadReason::Invalid => (467, "Invalid OAuth access token."),
            };
            (StatusCode::BAD_REQUEST, 190, Some(subcode), message.into())
        }
        SandboxError::MissingScope(scope) => (
            StatusCode::FORBIDDEN,
            200,
            None,
            format!("(#200) Requires {scope} permission."),
        ),
        SandboxError::RateLimited { .. } => {
            return (
                StatusCode::BAD_REQUEST,
                [("x-app-usage", r#"{"call_count":100,"total_cputime":25,"total_time":25}"#)],
                Json(json!({"error": {"message": "(#4) Application request limit reached", "type": "OAuthException", "code": 4, "is_transient": true, "fbtrace_id": "sandbox"}})),
            )
                .into_response()
        }
        SandboxError::ServerError => (
            StatusCode::INTERNAL_SERVER_ERROR,
            2,
            None,
            "Service temporarily unavailable".into(),
        ),
    };
    let mut error = json!({"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "sandbox"});
    if let Some(subcode) = subcode {
        error["error_subcode"] = json!(subcode);
    }
    (status, Json(json!({ "error": error }))).into_response()
}

const PEOPLE: &[SandboxPerson] = &[
    SandboxPerson {
        id: "fb-501",
        name: "Maya Lind",
        handle: "maya.lind",
        followers: 0,
        pages: &[
            SandboxPage {
                id: "fbp-7001",
                kind: "page",
                name: "Lind Bakery",
                handle: "lindbakery",
                followers: 12_400,
                instagram: Some(("igb-9001", "lindbakery", 8_300)),
            },
            SandboxPage {
                id: "fbp-7002",
                kind: "page",
                name: "Lind Catering",
                handle: "lindcatering",
                followers: 2_150,
                instagram: None,
            },
        ],
    },
    SandboxPerson {
        id: "fb-502",
        name: "Omar Haddad",
        handle: "omar.haddad",
        followers: 0,
        pages: &[SandboxPage {
            id: "fbp-7101",
            kind: "page",
            name: "Haddad Cycles",
            handle: "haddadcycles",
            followers: 5_600,
            instagram: Some(("igb-9101", "haddadcycles", 4_020)),
        }],
    },
];

pub fn sandbox_spec() -> SandboxSpec {
    SandboxSpec {
        network: ID,
        display_name: DISPLAY_NAME,
        client_auth: ClientAuth::Body,
        client_id_param: "client_id",
        pkce: Pkce::Unsupported,
        partial_consent: true,
        scopes: SCOPE_WORDS,
        fixed_scopes: &["pages_show_list"],
        incremental: true,
        code_token_lifetime: SHORT_LIVED,
        long_lived_lifetime: Some(LONG_LIVED),
        refresh: SandboxRefresh::None,
        offline_scope: None,
        consent_lifetime: None,
        exchanges: &[Exchange {
            grant_type: "fb_exchange_token",
            token_param: "fb_exchange_token",
            min_age: None,
            accepts_short: true,
            accepts_long: true,
        }],
        people: PEOPLE,
        error_response: graph_error,
        shape_token: graph_token,
    }
}

/// Graph token responses carry no scope and no refresh token.
pub fn graph_token(body: &mut Value, _: &Issued) {
    if let Some(fields) = body.as_object_mut() {
        fields.remove("scope");
        fields.remove("refresh_token");
        fields.remove("refresh_token_expires_in");
    }
}

pub fn sandbox_routes() -> Router<Arc<SandboxProvider>> {
    Router::new()
        .route(
            &path("/dialog/oauth"),
            get(consent_page).post(consent_decision),
        )
        .route(
            &path("/oauth/access_token"),
            get(token_endpoint).post(token_endpoint),
        )
        .route(&path("/me"), get(me))
        .route(
            &path("/me/permissions"),
            get(permissions).delete(delete_permissions),
        )
        .route(&path("/me/accounts"), get(accounts))
}

type Params = Query<HashMap<String, String>>;

async fn me(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    match p.authenticate(&headers, &q) {
        Ok(issued) => {
            Json(json!({"id": issued.person.id, "name": issued.person.name})).into_response()
        }
        Err(error) => p.error(error),
    }
}

async fn permissions(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let issued = match p.authenticate(&headers, &q) {
        Ok(issued) => issued,
        Err(error) => return p.error(error),
    };
    let data: Vec<Value> = SCOPE_WORDS
        .iter()
        .map(|(scope, _)| {
            let status = if issued.scopes.iter().any(|s| s == scope) {
                "granted"
            } else {
                "declined"
            };
            json!({"permission": scope, "status": status})
        })
        .collect();
    Json(json!({ "data": data })).into_response()
}

async fn delete_permissions(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    if let Err(error) = p.authenticate(&headers, &q) {
        return p.error(error);
    }
    p.revoke_consent(&presented_token(&headers, &q));
    Json(json!({"success": true})).into_response()
}

async fn accounts(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let issued = match p.authenticate_with(&headers, &q, "pages_show_list") {
        Ok(issued) => issued,
        Err(error) => return p.error(error),
    };
    let instagram = INSTAGRAM_SCOPES
        .iter()
        .all(|scope| issued.scopes.iter().any(|s| s == scope));
    let data: Vec<Value> = p
        .pages_of(&issued.person)
        .into_iter()
        .map(|page| {
            let mut entry = json!({
                "id": page.id,
                "name": page.name,
                "username": page.handle,
                "followers_count": page.followers,
                "access_token": p.issue_page_token(&issued, page),
                "tasks": ["ANALYZE", "CREATE_CONTENT", "MANAGE"],
            });
            if let (true, Some((id, username, followers))) = (instagram, page.instagram) {
                entry["instagram_business_account"] =
                    json!({"id": id, "username": username, "followers_count": followers});
            }
            entry
        })
        .collect();
    Json(json!({ "data": data })).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(body: &str) -> FailureClass {
        classify(400, &ClientHeaders::new(), body.as_bytes())
    }

    #[test]
    fn graph_error_codes_are_read_as_documented() {
        let dead = |sub: i64| {
            class(&format!(
                r#"{{"error":{{"type":"OAuthException","code":190,"error_subcode":{sub}}}}}"#
            ))
        };
        assert_eq!(dead(458), FailureClass::dead(DeadReason::AppRemoved));
        assert_eq!(dead(459), FailureClass::dead(DeadReason::Checkpoint));
        assert_eq!(dead(460), FailureClass::dead(DeadReason::PasswordChanged));
        assert_eq!(dead(463), FailureClass::dead(DeadReason::Expired));
        assert_eq!(dead(467), FailureClass::dead(DeadReason::Invalid));
        assert_eq!(
            class(r#"{"error":{"code":200,"message":"(#200) Requires pages_read_engagement"}}"#),
            FailureClass::MissingPermission
        );
        assert!(matches!(
            class(r#"{"error":{"code":613}}"#),
            FailureClass::RateLimited { .. }
        ));
        assert_eq!(class(r#"{"error":{"code":2}}"#), FailureClass::Transient);
        assert_eq!(class("<html>bad gateway</html>"), FailureClass::Transient);
    }

    #[test]
    fn every_sandbox_error_reads_back_as_its_class() {
        for reason in [
            DeadReason::AppRemoved,
            DeadReason::Checkpoint,
            DeadReason::PasswordChanged,
            DeadReason::Expired,
            DeadReason::DataAccessExpired,
            DeadReason::Restricted,
            DeadReason::LostRole,
            DeadReason::Invalid,
        ] {
            let response = graph_error(&SandboxError::InvalidToken(reason));
            let status = response.status().as_u16();
            let body = futures_body(response);
            assert_eq!(
                classify(status, &ClientHeaders::new(), &body),
                FailureClass::dead(reason),
                "{reason:?}"
            );
        }
    }

    fn futures_body(response: Response) -> Vec<u8> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime
            .block_on(axum::body::to_bytes(response.into_body(), 1 << 16))
            .unwrap()
            .to_vec()
    }
}
