//! LinkedIn (OAuth 2.0 three-legged flow and the Community Management API), emulated from
//! learn.microsoft.com/linkedin: authorization code flow, programmatic refresh tokens,
//! versioning, Rest.li protocol 2.0, organization access control by role, organization
//! lookup, error handling.
//!
//! The emulated app has the Community Management API, which "must be the only product on
//! its app" (LinkedIn Developer Portal, as quoted in public reports): a consent asking for
//! any other product's scope is refused whole with `unauthorized_scope_error`.

use crate::provider::{
    consent_decision, consent_page, leak, revoke_endpoint, standard_error, token_endpoint,
    ClientAuth, Death, Issued, Pkce, SandboxError, SandboxPage, SandboxPerson, SandboxProvider,
    SandboxRefresh, SandboxSpec,
};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::TimeDelta;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

const AUTHORIZE: &str = "/oauth/v2/authorization";
const TOKEN: &str = "/oauth/v2/accessToken";
/// Revocation endpoint: not verified against the documentation.
const REVOKE: &str = "/oauth/v2/revoke";
const ORGANIZATION_ACLS: &str = "/rest/organizationAcls";
const ORGANIZATIONS: &str = "/rest/organizations";
const ORGANIZATION_BRANDS: &str = "/rest/organizationBrands";
const NETWORK_SIZES: &str = "/rest/networkSizes/{key}";

/// "Access tokens ... have a 60-day lifespan"; refresh tokens "a TTL of 365 days" from the
/// first consent, not extended by refreshing (programmatic refresh tokens).
const ACCESS: TimeDelta = TimeDelta::days(60);
const REFRESH_WINDOW: TimeDelta = TimeDelta::days(365);

/// Versions active when checked (2026-11-29): 202601 to 202608; a version is "supported
/// and stable for a minimum of one year before sunset" (versioning).
const ACTIVE_VERSIONS: std::ops::RangeInclusive<u32> = 202_601..=202_608;

/// "The default value of count is 10" for paged finders (pagination).
pub(super) const DEFAULT_COUNT: usize = 10;

/// Every scope LinkedIn knows that Tether might ask for (getting access; increasing
/// access; marketing permissions migration), and which the emulated app has: the
/// Community Management API's (Community Management migration guide; organization access
/// control by role for `r_organization_admin`).
pub(super) const SCOPES: &[(&str, &str)] = &[
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
    ("rw_ads", "Manage your advertising accounts"),
    (
        "w_member_social",
        "Create, modify, and delete posts, comments, and reactions on your behalf",
    ),
];
/// Either reads organizations (organization access control by role).
const ORGANIZATION_READERS: &[&str] = &["r_organization_admin", "rw_organization_admin"];
const APP_SCOPES: &[&str] = &[
    "r_organization_social",
    "w_organization_social",
    "rw_organization_admin",
    "r_organization_admin",
];

/// Versioned API errors: `{"status", "serviceErrorCode", "code", "message"}` (error
/// handling; 65600-65602 from reports, not the documentation).
pub(super) fn linkedin_error(error: &SandboxError) -> Response {
    match error {
        SandboxError::InvalidToken(Death::Expired) => api_error(
            StatusCode::UNAUTHORIZED,
            Some(65602),
            "EXPIRED_ACCESS_TOKEN",
            "The token used in the request has expired",
        ),
        SandboxError::InvalidToken(Death::LostRole) => api_error(
            StatusCode::FORBIDDEN,
            Some(100),
            "ACCESS_DENIED",
            "Not enough permissions to access this organization",
        ),
        SandboxError::InvalidToken(_) => revoked(),
        SandboxError::MissingScope(scope) => api_error(
            StatusCode::FORBIDDEN,
            Some(100),
            "ACCESS_DENIED",
            &format!("Not enough permissions to access: {scope}"),
        ),
        SandboxError::RateLimited { retry_after, .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", retry_after.to_string())],
            Json(json!({"status": 429, "serviceErrorCode": 101, "code": "TOO_MANY_REQUESTS", "message": "Resource level throttle limit reached"})),
        )
            .into_response(),
        // A refused refresh is documented as 400 invalid_request "The provided
        // authorization grant or refresh token is invalid, expired or revoked"
        // (programmatic refresh tokens).
        SandboxError::InvalidGrant(_) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_request", "error_description": "The provided authorization grant or refresh token is invalid, expired or revoked"})),
        )
            .into_response(),
        other => standard_error(other),
    }
}

pub(super) fn api_error(
    status: StatusCode,
    service: Option<i64>,
    code: &str,
    message: &str,
) -> Response {
    let mut body = json!({"status": status.as_u16(), "code": code, "message": message});
    if let Some(service) = service {
        body["serviceErrorCode"] = json!(service);
    }
    (status, Json(body)).into_response()
}

pub(super) fn revoked() -> Response {
    api_error(
        StatusCode::UNAUTHORIZED,
        Some(65601),
        "REVOKED_ACCESS_TOKEN",
        "The token used in the request has been revoked by the user",
    )
}

/// LinkedIn joins granted scopes with commas in live answers (the docs say spaces).
pub(super) fn linkedin_token(body: &mut Value, _: &Issued) {
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
            SandboxPage {
                id: "508871299",
                kind: "ads_account",
                name: "Northwind Americas ads",
                handle: "508871299",
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
        pages: &[
            SandboxPage {
                id: "3300451",
                kind: "organization",
                name: "Becker Freight",
                handle: "becker-freight",
                followers: 760,
                instagram: None,
            },
            SandboxPage {
                id: "509120001",
                kind: "ads_account",
                name: "Becker Freight ads",
                handle: "509120001",
                followers: 0,
                instagram: None,
            },
        ],
    },
];

/// Everyone who can consent, and a member with more pages than one page of ACLs holds, to
/// show paging.
pub(super) static ALL_PEOPLE: LazyLock<Vec<SandboxPerson>> = LazyLock::new(|| {
    let pages: Vec<SandboxPage> = (1..=105)
        .map(|n| SandboxPage {
            id: leak(format!("{}", 5_000_000 + n)),
            kind: "organization",
            name: leak(format!("Client Brand {n}")),
            handle: leak(format!("client-brand-{n}")),
            followers: 10 * n as i64,
            instagram: None,
        })
        .collect();
    let mut people = PEOPLE.to_vec();
    people.push(SandboxPerson::leaked("li-Ag3nc", "Nadia Agency", pages));
    people
});

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
        .route(ORGANIZATION_ACLS, get(organization_acls))
        .route(ORGANIZATIONS, get(organizations))
        .route(ORGANIZATION_BRANDS, get(organization_brands))
        .route(NETWORK_SIZES, get(network_size))
}

type Params = Query<HashMap<String, String>>;

/// What every versioned call checks first: the version header (400 `VERSION_MISSING`,
/// 426 `NONEXISTENT_VERSION`; versioning), Rest.li 2.0 (required for finders and batch
/// calls; what LinkedIn answers without it is not verified: 400 here), then the token:
/// its first call answers 65601 (reports say a brand-new token may; not verified).
pub(super) fn versioned(
    p: &SandboxProvider,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    scopes: &[&str],
) -> Result<Issued, Box<Response>> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(version) = header("linkedin-version") else {
        return Err(Box::new(api_error(
            StatusCode::BAD_REQUEST,
            None,
            "VERSION_MISSING",
            "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
        )));
    };
    if !version.parse().is_ok_and(|v| ACTIVE_VERSIONS.contains(&v)) {
        return Err(Box::new(api_error(
            StatusCode::UPGRADE_REQUIRED,
            None,
            "NONEXISTENT_VERSION",
            &format!("Requested version {version} is not active"),
        )));
    }
    if header("x-restli-protocol-version") != Some("2.0.0") {
        return Err(Box::new(api_error(
            StatusCode::BAD_REQUEST,
            None,
            "ILLEGAL_ARGUMENT",
            "This call requires X-Restli-Protocol-Version: 2.0.0",
        )));
    }
    let issued = p.authenticate(headers, q).map_err(|error| p.error(error))?;
    if p.first_use(headers, q) {
        return Err(Box::new(revoked()));
    }
    if !issued.scopes.iter().any(|s| scopes.contains(&s.as_str())) {
        return Err(Box::new(
            p.error(SandboxError::MissingScope(scopes.join(" or "))),
        ));
    }
    Ok(issued)
}

/// The URN of a page: showcase pages are brands (`urn:li:organizationBrand:{id}`).
fn urn(page: &SandboxPage) -> String {
    match page.kind {
        "showcase" => format!("urn:li:organizationBrand:{}", page.id),
        _ => format!("urn:li:organization:{}", page.id),
    }
}

fn pages(p: &SandboxProvider, issued: &Issued) -> Vec<SandboxPage> {
    p.pages_of(&issued.person)
        .into_iter()
        .filter(|page| matches!(page.kind, "organization" | "showcase"))
        .collect()
}

/// `GET /rest/organizationAcls?q=roleAssignee`: the member's roles, `start`/`count` paged.
/// No decoration: names come from the organization lookup.
async fn organization_acls(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let issued = match versioned(&p, &headers, &q, ORGANIZATION_READERS) {
        Ok(issued) => issued,
        Err(refused) => return *refused,
    };
    if q.get("q").map(String::as_str) != Some("roleAssignee") {
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
    let all = pages(&p, &issued);
    let elements: Vec<Value> = all
        .iter()
        .skip(start)
        .take(count)
        .map(|page| {
            json!({
                "roleAssignee": format!("urn:li:person:{}", issued.person.id),
                "role": "ADMINISTRATOR",
                "state": "APPROVED",
                "organization": urn(page),
            })
        })
        .collect();
    let mut links = Vec::new();
    if start + count < all.len() {
        links.push(json!({"rel": "next", "type": "application/json", "href": format!("/rest/organizationAcls?q=roleAssignee&start={}&count={count}", start + count)}));
    }
    Json(json!({
        "paging": {"start": start, "count": count, "total": all.len(), "links": links},
        "elements": elements,
    }))
    .into_response()
}

/// The ids of a protocol 2.0 BATCH_GET, `ids=List(123,456)` with `List(`, `,` and `)`
/// literal in the query (protocol version 2.0); `None` when it is not so written.
fn batch_ids(uri: &Uri) -> Option<Vec<String>> {
    let query = uri.query()?;
    let list = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("ids=List("))?
        .strip_suffix(')')?;
    Some(
        list.split(',')
            .map(|id| {
                percent_encoding::percent_decode_str(id)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .collect(),
    )
}

async fn organizations(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Params,
) -> Response {
    lookup(&p, &headers, &uri, &q, "organization")
}

async fn organization_brands(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Params,
) -> Response {
    lookup(&p, &headers, &uri, &q, "showcase")
}

/// A batch lookup of organizations (or brands) the member administers: `results` keyed by
/// id, `statuses` and `errors` for the rest (organization lookup).
fn lookup(
    p: &SandboxProvider,
    headers: &HeaderMap,
    uri: &Uri,
    q: &HashMap<String, String>,
    kind: &str,
) -> Response {
    let issued = match versioned(p, headers, q, ORGANIZATION_READERS) {
        Ok(issued) => issued,
        Err(refused) => return *refused,
    };
    let Some(ids) = batch_ids(uri) else {
        return api_error(
            StatusCode::BAD_REQUEST,
            None,
            "ILLEGAL_ARGUMENT",
            "ids must be written List(...) with its parentheses and commas unencoded",
        );
    };
    let held = pages(p, &issued);
    let (mut results, mut statuses, mut errors) = (json!({}), json!({}), json!({}));
    for id in ids {
        match held.iter().find(|page| page.id == id && page.kind == kind) {
            Some(page) => {
                results[&id] = json!({
                    "id": page.id.parse::<i64>().unwrap_or_default(),
                    "localizedName": page.name,
                    "vanityName": page.handle,
                });
                statuses[&id] = json!(200);
            }
            None => {
                statuses[&id] = json!(403);
                errors[&id] = json!({"status": 403, "code": "ACCESS_DENIED", "message": "Not enough permissions to access this organization"});
            }
        }
    }
    Json(json!({"results": results, "statuses": statuses, "errors": errors})).into_response()
}

/// `GET /rest/networkSizes/{urn}?edgeType=COMPANY_FOLLOWED_BY_MEMBER`: the URN as a path
/// key must be URL-encoded in protocol 2.0 (`urn%3Ali%3Aorganization%3A123`).
async fn network_size(
    State(p): State<Arc<SandboxProvider>>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Params,
) -> Response {
    let issued = match versioned(&p, &headers, &q, ORGANIZATION_READERS) {
        Ok(issued) => issued,
        Err(refused) => return *refused,
    };
    let raw = uri.path().rsplit('/').next().unwrap_or_default();
    let Some(id) = raw.strip_prefix("urn%3Ali%3Aorganization%3A") else {
        return api_error(
            StatusCode::BAD_REQUEST,
            None,
            "ILLEGAL_ARGUMENT",
            "The organization URN in the path must be URL-encoded",
        );
    };
    match pages(&p, &issued).into_iter().find(|page| page.id == id) {
        Some(page) => Json(json!({"firstDegreeSize": page.followers})).into_response(),
        None => p.error(SandboxError::InvalidToken(Death::LostRole)),
    }
}
