//! Facebook Login and the Graph API for Pages, emulated as Meta documents them
//! (developers.facebook.com/docs: access tokens, long-lived tokens, Page access tokens,
//! debug_token, handling errors, rate limiting).

use crate::provider::{
    consent_decision, consent_page, leak, presented_token, token_endpoint, ClientAuth, Death,
    Exchange, Issued, Pkce, SandboxError, SandboxPage, SandboxPerson, SandboxProvider,
    SandboxRefresh, SandboxSpec,
};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::TimeDelta;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

/// Short-lived user tokens last about an hour; `fb_exchange_token` gives a long-lived one
/// of about 60 days (long-lived access tokens: `expires_in` 5183944 in the example).
const SHORT_LIVED: TimeDelta = TimeDelta::hours(1);
const LONG_LIVED: TimeDelta = TimeDelta::seconds(5_183_944);

/// Permissions (Graph API permissions reference).
const SCOPES: &[(&str, &str)] = &[
    ("pages_show_list", "Show a list of the Pages you manage"),
    ("pages_read_engagement", "Read content posted on your Pages"),
    ("read_insights", "Read insights of your Pages"),
    (
        "pages_manage_posts",
        "Create and manage content on your Pages",
    ),
    ("business_management", "Manage your business assets"),
    (
        "instagram_basic",
        "Access your Instagram accounts' profile and media",
    ),
    (
        "instagram_manage_insights",
        "Access insights of your Instagram accounts",
    ),
    (
        "instagram_content_publish",
        "Publish to your Instagram accounts",
    ),
];

/// "Pages are returned 25 at a time" is not stated; 25 is the Graph API's default page
/// size for edges (Graph API: paginated results, `limit`). Not verified for `me/accounts`.
const PAGE_SIZE: usize = 25;

/// Graph errors, as "Handling errors" documents them: `{"error": {"message", "type",
/// "code", "error_subcode", "fbtrace_id"}}`.
pub fn graph_error(error: &SandboxError) -> Response {
    let (status, code, subcode, message): (StatusCode, i64, Option<i64>, String) = match error {
        // Not verified: the body the token endpoint sends for a wrong app secret.
        SandboxError::InvalidClient => (
            StatusCode::BAD_REQUEST,
            1,
            None,
            "Error validating client secret.".into(),
        ),
        SandboxError::InvalidRequest(d) => (StatusCode::BAD_REQUEST, 100, None, d.clone()),
        // An invalid, used or expired authorization code: code 100, subcode 36007.
        SandboxError::InvalidGrant(d) => (StatusCode::BAD_REQUEST, 100, Some(36007), d.clone()),
        SandboxError::InvalidToken(reason) => {
            let (code, subcode, message) = graph_codes(*reason);
            (StatusCode::BAD_REQUEST, code, subcode, message.into())
        }
        SandboxError::MissingScope(scope) => (
            StatusCode::FORBIDDEN,
            200,
            None,
            format!("(#200) Requires {scope} permission."),
        ),
        // Throttling has no Retry-After; the usage header says how far along the app is
        // (Graph API: rate limiting).
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
    graph_body(status, code, subcode, &message)
}

/// The code, subcode and message of a call with a token that died of `reason`
/// (access tokens: error codes; handling errors).
fn graph_codes(reason: Death) -> (i64, Option<i64>, &'static str) {
    let (subcode, message) = match reason {
        Death::AppRemoved | Death::Revoked => (458, "The user has not authorized application."),
        Death::Checkpoint => (
            459,
            "The user is enrolled in a blocking, logged-in checkpoint.",
        ),
        Death::PasswordChanged => (
            460,
            "The session has been invalidated because the user changed their password.",
        ),
        Death::Expired => (463, "Session has expired."),
        Death::DataAccessExpired => (463, "Data access has expired for this user."),
        Death::Unconfirmed => (
            464,
            "Sessions for the user are not allowed because the user is not a confirmed user.",
        ),
        // A restricted account is a temporary block (code 368), not a dead token.
        Death::Restricted => {
            return (
                368,
                None,
                "The action attempted has been deemed abusive or is otherwise disallowed.",
            )
        }
        Death::LostRole => (492, "The user does not have a role on the Page."),
        Death::Invalid => (467, "Invalid OAuth access token."),
    };
    (190, Some(subcode), message)
}

fn graph_body(status: StatusCode, code: i64, subcode: Option<i64>, message: &str) -> Response {
    let mut error = json!({"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "sandbox"});
    if let Some(subcode) = subcode {
        error["error_subcode"] = json!(subcode);
    }
    (status, Json(json!({ "error": error }))).into_response()
}

/// The emulated app has "Require App Secret" on, as Meta advises (Graph API: securing
/// requests): a call with a person's or a Page's token must carry `appsecret_proof`. The
/// bodies are as public client projects report them (fixtures
/// `error_appsecret_proof_missing` and `_invalid`). With the app's own token the proof is
/// checked when sent and not required: not verified. That the token is judged before
/// the proof is not verified either.
fn refused_proof(
    p: &SandboxProvider,
    token: &str,
    q: &HashMap<String, String>,
) -> Option<Response> {
    let message = match q.get("appsecret_proof") {
        Some(proof) if p.proves_app_secret(token, proof) => return None,
        Some(_) => "Invalid appsecret_proof provided in the API argument",
        None if p.is_app_token(token) => return None,
        None => "API calls from the server require an appsecret_proof argument",
    };
    let error = json!({"message": message, "type": "GraphMethodException", "code": 100, "fbtrace_id": "sandbox"});
    Some((StatusCode::BAD_REQUEST, Json(json!({ "error": error }))).into_response())
}

/// Code 100 for an edge the node does not have: what `me/accounts` answers a Page token.
fn nonexisting_field(field: &str, node: &str) -> Response {
    graph_body(
        StatusCode::BAD_REQUEST,
        100,
        None,
        &format!("(#100) Tried accessing nonexisting field ({field}) on node type ({node})"),
    )
}

/// Code 100, subcode 33: an object that does not exist or that the token cannot see.
fn unsupported_get(id: &str) -> Response {
    graph_body(
        StatusCode::BAD_REQUEST,
        100,
        Some(33),
        &format!(
            "Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation."
        ),
    )
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

/// Everyone who can consent, and a person who manages more Pages than fit on one page of
/// `me/accounts`.
static ALL_PEOPLE: LazyLock<Vec<SandboxPerson>> = LazyLock::new(|| {
    let pages: Vec<SandboxPage> = (1..=PAGE_SIZE + 2)
        .map(|n| SandboxPage {
            id: leak(format!("fbp-8{n:03}")),
            kind: "page",
            name: leak(format!("Northwind Store {n}")),
            handle: leak(format!("northwindstore{n}")),
            followers: 100 * n as i64,
            instagram: None,
        })
        .collect();
    let mut people = PEOPLE.to_vec();
    people.push(SandboxPerson::leaked("fb-503", "Nadia Agency", pages));
    people
});

pub fn spec() -> SandboxSpec {
    SandboxSpec {
        network: "facebook",
        display_name: "Facebook",
        client_auth: ClientAuth::Body,
        client_id_param: "client_id",
        pkce: Pkce::Unsupported,
        partial_consent: true,
        scopes: SCOPES,
        fixed_scopes: &["pages_show_list"],
        app_scopes: None,
        // Re-asking for declined permissions adds them (Facebook Login: re-asking).
        incremental: true,
        code_token_lifetime: SHORT_LIVED,
        long_lived_lifetime: Some(LONG_LIVED),
        refresh: SandboxRefresh::None,
        offline_scope: None,
        testing_consent_lifetime: None,
        // "Exchange a short-lived user access token for a long-lived one"; exchanging a
        // long-lived token again is not documented, so it is refused here.
        exchanges: &[Exchange {
            grant_type: "fb_exchange_token",
            token_param: "fb_exchange_token",
            min_age: None,
            accepts_short: true,
            accepts_long: false,
        }],
        refresh_requires: None,
        people: ALL_PEOPLE.as_slice(),
        error_response: graph_error,
        shape_token: graph_token,
    }
}

/// Graph token responses carry no scope and no refresh token.
fn graph_token(body: &mut Value, _: &Issued) {
    if let Some(fields) = body.as_object_mut() {
        fields.remove("scope");
        fields.remove("refresh_token");
        fields.remove("refresh_token_expires_in");
    }
}

/// Every path is under a version (`/v25.0/...`). Calls to a retired version are upgraded
/// to the oldest one still served (Graph API: versioning), so any version is accepted.
pub fn routes() -> Router<Arc<SandboxProvider>> {
    Router::new()
        .route(
            "/{version}/dialog/oauth",
            get(consent_page).post(consent_decision),
        )
        .route(
            "/{version}/oauth/access_token",
            get(token_endpoint).post(token_endpoint),
        )
        .route("/{version}/{*path}", get(read).delete(delete))
}

type Params = Query<HashMap<String, String>>;

/// The fields a call asked for (`id,name,picture{url}`), top level only.
fn fields(query: &HashMap<String, String>) -> Vec<String> {
    let mut fields = Vec::new();
    let (mut depth, mut current) = (0, String::new());
    for c in query
        .get("fields")
        .map(String::as_str)
        .unwrap_or_default()
        .chars()
    {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => fields.push(std::mem::take(&mut current)),
            _ if depth == 0 => current.push(c),
            _ => {}
        }
    }
    fields.push(current);
    fields.retain(|f| !f.trim().is_empty());
    fields
}

/// An object with `id` and whichever of `available` the call asked for: Graph returns
/// only the fields requested.
fn object(query: &HashMap<String, String>, id: &str, available: Value) -> Value {
    let mut out = json!({ "id": id });
    for field in fields(query) {
        if let Some(value) = available.get(field.trim()) {
            out[field.trim()] = value.clone();
        }
    }
    out
}

fn page_fields(p: &SandboxProvider, page: &SandboxPage) -> Value {
    json!({
        "name": page.name,
        "username": page.handle,
        "followers_count": page.followers,
        "category": "Local business",
        "picture": {"data": {"url": p.picture_url(page.id)}},
    })
}

fn instagram_fields(p: &SandboxProvider, id: &str, username: &str, followers: i64) -> Value {
    json!({
        "id": id,
        "username": username,
        "followers_count": followers,
        "profile_picture_url": p.picture_url(id),
    })
}

async fn read(
    State(p): State<Arc<SandboxProvider>>,
    Path((_version, path)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let token = presented_token(&headers, &q);
    if path == "debug_token" {
        if let Some(refused) = refused_proof(&p, &token, &q) {
            return refused;
        }
        return debug_token(&p, &headers, &q);
    }
    let issued = match p.authenticate(&headers, &q) {
        Ok(issued) => issued,
        Err(error) => return p.error(error),
    };
    if let Some(refused) = refused_proof(&p, &token, &q) {
        return refused;
    }
    match (path.as_str(), issued.page) {
        // With a Page token, `/me` is the Page (Page access tokens).
        ("me", Some(page)) => Json(object(&q, page.id, page_fields(&p, &page))).into_response(),
        ("me", None) => Json(object(
            &q,
            issued.person.id,
            json!({"name": issued.person.name}),
        ))
        .into_response(),
        ("me/accounts", Some(_)) => nonexisting_field("accounts", "Page"),
        ("me/accounts", None) => accounts(&p, &issued, &q),
        // Not verified: what `me/permissions` answers a Page token. The person's list it
        // is not, since `/me` is the Page.
        ("me/permissions", Some(_)) => nonexisting_field("permissions", "Page"),
        ("me/permissions", None) => permissions(&issued),
        (id, _) => node(&p, &issued, id, &q),
    }
}

/// A Page or an Instagram business account by id, for a token that can see it: the
/// Page's own token, or a user token of someone who manages the Page.
fn node(p: &SandboxProvider, issued: &Issued, id: &str, q: &HashMap<String, String>) -> Response {
    let pages = match issued.page {
        Some(page) => vec![page],
        None => p.pages_of(&issued.person),
    };
    if let Some(page) = pages.iter().find(|page| page.id == id) {
        return Json(object(q, page.id, page_fields(p, page))).into_response();
    }
    let instagram = pages
        .iter()
        .filter_map(|page| page.instagram)
        .find(|(ig, _, _)| *ig == id);
    match instagram {
        Some((ig, username, followers)) => {
            Json(object(q, ig, instagram_fields(p, ig, username, followers))).into_response()
        }
        None => unsupported_get(id),
    }
}

/// `me/accounts` for a user token: the Pages they manage, `PAGE_SIZE` at a time, each with
/// its own Page token, and `paging.next` while more remain.
fn accounts(p: &SandboxProvider, issued: &Issued, q: &HashMap<String, String>) -> Response {
    if !issued.scopes.iter().any(|s| s == "pages_show_list") {
        return p.error(SandboxError::MissingScope("pages_show_list".into()));
    }
    // The linked Instagram account needs instagram_basic (Instagram Graph API: pages).
    let instagram = issued.scopes.iter().any(|s| s == "instagram_basic");
    let pages = p.pages_of(&issued.person);
    let start: usize = q
        .get("after")
        .and_then(|cursor| cursor.strip_prefix("cursor-"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let end = (start + PAGE_SIZE).min(pages.len());
    let data: Vec<Value> = pages
        .get(start..end)
        .unwrap_or_default()
        .iter()
        .map(|page| {
            let mut available = page_fields(p, page);
            available["access_token"] = json!(p.issue_page_token(issued, *page));
            available["tasks"] = json!(["ANALYZE", "CREATE_CONTENT", "MANAGE"]);
            if let (true, Some((id, username, followers))) = (instagram, page.instagram) {
                available["instagram_business_account"] =
                    instagram_fields(p, id, username, followers);
            }
            // Without `fields`, an account comes with its default fields.
            if q.contains_key("fields") {
                object(q, page.id, available)
            } else {
                json!({"id": page.id, "name": page.name, "access_token": available["access_token"], "category": available["category"], "tasks": available["tasks"]})
            }
        })
        .collect();
    let mut paging = json!({"cursors": {
        "before": format!("cursor-{start}"),
        "after": format!("cursor-{}", end.saturating_sub(1).max(start)),
    }});
    if end < pages.len() {
        paging["cursors"]["after"] = json!(format!("cursor-{end}"));
        paging["next"] = json!(format!(
            "https://graph.facebook.com/me/accounts?after=cursor-{end}"
        ));
    }
    Json(json!({ "data": data, "paging": paging })).into_response()
}

fn permissions(issued: &Issued) -> Response {
    let data: Vec<Value> = SCOPES
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

/// `GET /debug_token?input_token=…` with the app's token: what the token is, whether it is
/// valid, its scopes, and why not when it is not (access tokens: debugging).
fn debug_token(p: &SandboxProvider, headers: &HeaderMap, q: &HashMap<String, String>) -> Response {
    if !p.is_app_token(&presented_token(headers, q)) {
        return p.error(SandboxError::InvalidToken(Death::Invalid));
    }
    let input = q.get("input_token").map(String::as_str).unwrap_or_default();
    let Some((issued, death)) = p.inspect(input) else {
        return Json(json!({"data": {
            "is_valid": false,
            "error": {"code": 190, "subcode": 467, "message": "Invalid OAuth access token."},
            "scopes": [],
        }}))
        .into_response();
    };
    // A restricted account's token is still valid; what it tries is blocked (code 368).
    let death = death.filter(|d| *d != Death::Restricted);
    let mut data = json!({
        "app_id": "sandbox",
        "application": "Tether",
        "type": if issued.page.is_some() { "PAGE" } else { "USER" },
        // Page tokens from a long-lived user token do not expire: 0.
        "expires_at": issued.expires_at.map_or(0, |at| at.timestamp()),
        "data_access_expires_at": (issued.consented_at + chrono::TimeDelta::days(90)).timestamp(),
        "issued_at": issued.issued_at.timestamp(),
        "is_valid": death.is_none(),
        "scopes": issued.scopes,
        "user_id": issued.person.id,
    });
    if let Some(page) = issued.page {
        data["profile_id"] = json!(page.id);
    }
    // Inside debug_token the key is `subcode`, not `error_subcode` (debug_token reference).
    if let Some(death) = death {
        let (code, subcode, message) = graph_codes(death);
        data["error"] = json!({"code": code, "subcode": subcode, "message": message});
    }
    Json(json!({ "data": data })).into_response()
}

/// `DELETE /{user-id}/permissions` "with a user access token or an app access token"
/// de-authorizes the app for that person: every token of theirs, Page tokens included,
/// stops working (Graph API reference: User permissions).
async fn delete(
    State(p): State<Arc<SandboxProvider>>,
    Path((_version, path)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let Some(user) = path.strip_suffix("/permissions") else {
        return unsupported_get(&path);
    };
    let token = presented_token(&headers, &q);
    if let Some(refused) = refused_proof(&p, &token, &q) {
        return refused;
    }
    let person = if p.is_app_token(&token) {
        ALL_PEOPLE
            .iter()
            .find(|person| person.id == user)
            .map(|person| person.id)
    } else {
        match p.authenticate(&headers, &q) {
            // A Page token is the Page: it cannot remove a person's permissions.
            Ok(issued) if issued.page.is_some() => return nonexisting_field("permissions", "Page"),
            Ok(issued) if user == "me" || user == issued.person.id => Some(issued.person.id),
            Ok(_) => None,
            Err(error) => return p.error(error),
        }
    };
    match person {
        Some(person) => {
            p.kill_person(person, Death::AppRemoved);
            Json(json!({"success": true})).into_response()
        }
        None => unsupported_get(user),
    }
}
