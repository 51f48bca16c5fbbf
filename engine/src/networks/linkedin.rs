//! LinkedIn: the member's own profile, organization (company) pages, showcase pages and
//! ads accounts.
//!
//! Tokens: 60-day access tokens. Refresh tokens only for approved partners; they live 365
//! days from the FIRST consent and refreshing never extends that, so the 365-day wall is a
//! fixed re-consent deadline. Consent is all or nothing. Client credentials go in the form
//! body. API errors carry `serviceErrorCode` 65601 (revoked) or 65602 (expired)
//! (unconfirmed); a 403 ACCESS_DENIED means a missing scope or role. Revocation at
//! `/oauth/v2/revoke` (unconfirmed).

use super::{
    json, Adapter, ChannelKind, ClientAuth, DeadReason, DiscoveredAccount, Discovery, FailureClass,
    Hosts, Lifetimes, NetworkProfile, Renewal, RevokeStyle, Scopes, TokenMethod,
};
use crate::oauth::{ApiCall, NetworkFailure};
use crate::sandbox::{
    consent_decision, consent_page, revoke_endpoint, token_endpoint, Issued, Pkce, SandboxError,
    SandboxPage, SandboxPerson, SandboxProvider, SandboxRefresh, SandboxSpec,
};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::TimeDelta;
use reqwest::header::HeaderMap as ClientHeaders;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

pub const ID: &str = "linkedin";
pub const DISPLAY_NAME: &str = "LinkedIn";

const WEB: &str = "https://www.linkedin.com";
const API: &str = "https://api.linkedin.com";

const AUTHORIZE: &str = "/oauth/v2/authorization";
const TOKEN: &str = "/oauth/v2/accessToken";
const REVOKE: &str = "/oauth/v2/revoke";
const USERINFO: &str = "/v2/userinfo";
const ORGANIZATION_ACLS: &str = "/rest/organizationAcls";
const NETWORK_SIZES: &str = "/rest/networkSizes";
const AD_ACCOUNT_USERS: &str = "/rest/adAccountUsers";
const AD_ACCOUNTS: &str = "/rest/adAccounts";

const ACCESS: TimeDelta = TimeDelta::days(60);
const REFRESH_WINDOW: TimeDelta = TimeDelta::days(365);

/// How a showcase page is told apart from a company page in an organization lookup
/// (unconfirmed; kept here so it can be changed in one place).
const SHOWCASE_MARKER: &str = "/organization~/parentRelationship/relationshipType";

const SCOPE_WORDS: &[(&str, &str)] = &[
    ("openid", "Know who you are on LinkedIn"),
    ("profile", "See your name and photo"),
    (
        "r_organization_social",
        "Read your organizations' posts and their engagement",
    ),
    (
        "rw_organization_admin",
        "Read your organizations' pages and analytics",
    ),
    ("r_ads_reporting", "Read your ads accounts' reporting"),
    (
        "w_organization_social",
        "Publish posts for your organizations",
    ),
];

const KINDS: &[ChannelKind] = &[
    ChannelKind {
        id: "member",
        label: "Member profile",
        picked: true,
        personal: true,
        extra_required: &["openid", "profile"],
    },
    ChannelKind {
        id: "organization",
        label: "Company page",
        picked: true,
        personal: false,
        extra_required: &[],
    },
    ChannelKind {
        id: "showcase",
        label: "Showcase page",
        picked: true,
        personal: false,
        extra_required: &[],
    },
    ChannelKind {
        id: "ads_account",
        label: "Ads account",
        picked: true,
        personal: false,
        extra_required: &["r_ads_reporting"],
    },
];

pub fn profile(hosts: &Hosts) -> NetworkProfile {
    NetworkProfile {
        id: ID.into(),
        display_name: DISPLAY_NAME.into(),
        adapter: Adapter::LinkedIn,
        kinds: KINDS,
        authorize_url: hosts.browser(ID, WEB, AUTHORIZE),
        authorize_params: &[],
        client_id_param: "client_id",
        scope_separator: " ",
        token_url: hosts.server(ID, WEB, TOKEN),
        token_method: TokenMethod::Post,
        client_auth: ClientAuth::Body,
        pkce_s256: false,
        partial_consent: false,
        scopes: Scopes::from_static(
            &["r_organization_social", "rw_organization_admin"],
            &["w_organization_social"],
            &["openid", "profile", "r_ads_reporting"],
        ),
        scope_words: SCOPE_WORDS,
        long_lived: None,
        renewal: Renewal::FixedWindowRefresh,
        lifetimes: Lifetimes {
            access: Some(ACCESS),
            refresh: Some(REFRESH_WINDOW),
            reconsent: Some(REFRESH_WINDOW),
        },
        revoke: Some((hosts.server(ID, WEB, REVOKE), RevokeStyle::Rfc7009)),
        api_base: hosts.server(ID, API, "/"),
        sandboxed: hosts.is_sandbox(),
    }
}

pub(super) async fn discover(call: &ApiCall<'_>) -> Result<Discovery, NetworkFailure> {
    let bad = ApiCall::malformed;
    let me = call.get(USERINFO, &[]).await?;
    let mut accounts = vec![DiscoveredAccount {
        kind: "member",
        id: json::required(&me, "/sub").map_err(bad)?,
        handle: json::required(&me, "/name").map_err(bad)?,
        name: json::required(&me, "/name").map_err(bad)?,
        avatar_url: json::str_at(&me, "/picture"),
        followers: None,
        token: None,
        linked_to: None,
    }
    .validated()
    .map_err(bad)?];

    let projection = "(elements*(organization,role,state,organization~(localizedName,vanityName,parentRelationship)))";
    let acls = call
        .get(
            ORGANIZATION_ACLS,
            &[
                ("q", "roleAssignee"),
                ("role", "ADMINISTRATOR"),
                ("state", "APPROVED"),
                ("projection", projection),
            ],
        )
        .await?;
    for acl in elements(&acls)? {
        let urn = json::required(acl, "/organization").map_err(bad)?;
        let id = urn
            .strip_prefix("urn:li:organization:")
            .ok_or_else(|| bad(format!("unexpected organization URN {urn}")))?
            .to_owned();
        let name = json::required(acl, "/organization~/localizedName").map_err(bad)?;
        let sizes = call
            .get(
                &format!("{NETWORK_SIZES}/{urn}"),
                &[("edgeType", "COMPANY_FOLLOWED_BY_MEMBER")],
            )
            .await?;
        let showcase = json::str_at(acl, SHOWCASE_MARKER).is_some_and(|t| t == "SHOWCASE");
        accounts.push(
            DiscoveredAccount {
                kind: if showcase { "showcase" } else { "organization" },
                handle: json::str_at(acl, "/organization~/vanityName")
                    .unwrap_or_else(|| name.clone()),
                id,
                name,
                avatar_url: None,
                followers: json::count_at(&sizes, "/firstDegreeSize"),
                token: None,
                linked_to: None,
            }
            .validated()
            .map_err(bad)?,
        );
    }

    // Ads accounts need their own scope; without it there are simply none to offer.
    let users = match call
        .get(AD_ACCOUNT_USERS, &[("q", "authenticatedUser")])
        .await
    {
        Ok(users) => users,
        Err(failure) if failure.class() == FailureClass::MissingPermission => {
            json!({"elements": []})
        }
        Err(failure) => return Err(failure),
    };
    for user in elements(&users)? {
        let urn = json::required(user, "/account").map_err(bad)?;
        let id = urn
            .strip_prefix("urn:li:sponsoredAccount:")
            .ok_or_else(|| bad(format!("unexpected ads account URN {urn}")))?
            .to_owned();
        let account = call.get(&format!("{AD_ACCOUNTS}/{id}"), &[]).await?;
        let name = json::required(&account, "/name").map_err(bad)?;
        accounts.push(
            DiscoveredAccount {
                kind: "ads_account",
                handle: format!("Ads account {id}"),
                id,
                name,
                avatar_url: None,
                followers: None,
                token: None,
                linked_to: None,
            }
            .validated()
            .map_err(bad)?,
        );
    }
    Ok(Discovery {
        accounts,
        granted_scopes: None,
    })
}

fn elements(value: &Value) -> Result<&Vec<Value>, NetworkFailure> {
    value
        .get("elements")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiCall::malformed("the answer has no elements list".into()))
}

pub fn classify(status: u16, headers: &ClientHeaders, body: &[u8]) -> FailureClass {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    match (status, json::count_at(&value, "/serviceErrorCode")) {
        (_, Some(65601)) => FailureClass::dead(DeadReason::Revoked),
        (_, Some(65602)) => FailureClass::dead(DeadReason::Expired),
        (400, _) if json::str_at(&value, "/error").as_deref() == Some("invalid_grant") => {
            FailureClass::dead(DeadReason::Invalid)
        }
        _ => FailureClass::from_status(status, headers),
    }
}

fn linkedin_error(error: &SandboxError) -> Response {
    let api = |status: StatusCode, service: i64, code: &str, message: String| {
        (
            status,
            Json(json!({"status": status.as_u16(), "serviceErrorCode": service, "code": code, "message": message})),
        )
            .into_response()
    };
    match error {
        SandboxError::InvalidToken(DeadReason::Expired) => api(
            StatusCode::UNAUTHORIZED,
            65602,
            "EXPIRED_ACCESS_TOKEN",
            "The token used in the request has expired".into(),
        ),
        SandboxError::InvalidToken(DeadReason::LostRole) => api(
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
        other => crate::sandbox::standard_error(other),
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
        code_token_lifetime: ACCESS,
        long_lived_lifetime: None,
        refresh: SandboxRefresh::FixedWindow {
            window: REFRESH_WINDOW,
        },
        offline_scope: None,
        consent_lifetime: None,
        exchanges: &[],
        people: PEOPLE,
        error_response: linkedin_error,
        shape_token: linkedin_token,
    }
}

pub fn sandbox_routes() -> Router<Arc<SandboxProvider>> {
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
        None => p.error(SandboxError::InvalidToken(DeadReason::LostRole)),
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
        None => p.error(SandboxError::InvalidToken(DeadReason::LostRole)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_error_codes_are_read_as_documented() {
        let class = |status, body: &str| classify(status, &ClientHeaders::new(), body.as_bytes());
        assert_eq!(
            class(401, r#"{"serviceErrorCode":65601,"status":401}"#),
            FailureClass::dead(DeadReason::Revoked)
        );
        assert_eq!(
            class(401, r#"{"serviceErrorCode":65602,"status":401}"#),
            FailureClass::dead(DeadReason::Expired)
        );
        assert_eq!(
            class(400, r#"{"error":"invalid_grant","error_description":"x"}"#),
            FailureClass::dead(DeadReason::Invalid)
        );
        assert_eq!(
            class(403, r#"{"serviceErrorCode":100,"code":"ACCESS_DENIED"}"#),
            FailureClass::MissingPermission
        );
        assert!(matches!(class(429, "{}"), FailureClass::RateLimited { .. }));
    }
}
