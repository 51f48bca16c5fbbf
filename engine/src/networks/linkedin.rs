//! LinkedIn organization pages (company and showcase pages), through the Community
//! Management API.
//!
//! Community Management must be the only product on its LinkedIn app, so a consent asks for
//! its scopes alone: never `openid`/`profile` (Sign In with LinkedIn) nor `r_ads_reporting`
//! (Advertising API), which would fail the whole consent with `unauthorized_scope_error`.
//! Member profiles and ads accounts are networks of their own, on apps of their own
//! ([`super::linkedin_member`], [`super::linkedin_ads`]); their kinds stay known here so
//! channels connected before keep working, but this network's consent no longer finds them.
//!
//! Tokens: 60-day access tokens; refresh tokens live 365 days from the FIRST consent and
//! refreshing never extends that, so the 365-day wall is a fixed re-consent deadline
//! (programmatic refresh tokens). Consent is all or nothing; client credentials go in the
//! form body. Versioned calls (`/rest/*`) carry `LinkedIn-Version: YYYYMM` and
//! `X-Restli-Protocol-Version: 2.0.0`, with URNs in paths URL-encoded; decoration
//! (`organization~`) is deprecated, so names come from a batch call. Organization ACLs are
//! paged (`start`, `count`). Showcase pages are `urn:li:organizationBrand:{id}`; another
//! URN type is passed over. API errors carry `serviceErrorCode` 65601 (revoked) or 65602
//! (expired); some clients see 65601 for a few seconds after a token is issued, so it is
//! believed only when a second call, a moment later, says it again. Revocation at
//! `/oauth/v2/revoke` (not verified).

use super::call::{ApiCall, NetworkFailure};
use super::{
    json, Adapter, ChannelKind, ClientAuth, DeadReason, DiscoveredAccount, Discovery, FailureClass,
    Hosts, Lifetimes, NetworkProfile, NetworkSettings, Renewal, RevokeStyle, Scopes, TokenMethod,
};
use chrono::TimeDelta;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use reqwest::header::HeaderMap as ClientHeaders;
use serde_json::Value;
use std::collections::BTreeMap;

pub const ID: &str = "linkedin";
pub const DISPLAY_NAME: &str = "LinkedIn";

/// Every LinkedIn app (pages, members, ads) shares these endpoints and lifetimes.
pub(super) const WEB: &str = "https://www.linkedin.com";
pub(super) const API: &str = "https://api.linkedin.com";

pub(super) const AUTHORIZE: &str = "/oauth/v2/authorization";
pub(super) const TOKEN: &str = "/oauth/v2/accessToken";
pub(super) const REVOKE: &str = "/oauth/v2/revoke";
const ORGANIZATION_ACLS: &str = "rest/organizationAcls";
const ORGANIZATIONS: &str = "rest/organizations";
const ORGANIZATION_BRANDS: &str = "rest/organizationBrands";
const NETWORK_SIZES: &str = "rest/networkSizes";

const ORGANIZATION_URN: &str = "urn:li:organization:";
const BRAND_URN: &str = "urn:li:organizationBrand:";

pub(super) const ACCESS: TimeDelta = TimeDelta::days(60);
pub(super) const REFRESH_WINDOW: TimeDelta = TimeDelta::days(365);

/// ACLs asked for per page; a page with fewer is the last. Bounded so a misbehaving answer
/// cannot loop.
const ACL_PAGE: usize = 100;
const MAX_ACL_PAGES: usize = 20;

/// How long to wait before asking again about a 65601.
const SETTLE: std::time::Duration = std::time::Duration::from_millis(800);

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

pub fn profile(hosts: &Hosts, settings: &NetworkSettings) -> NetworkProfile {
    NetworkProfile {
        id: ID.into(),
        display_name: DISPLAY_NAME.into(),
        adapter: Adapter::LinkedIn,
        kinds: KINDS,
        authorize_url: hosts.browser(ID, WEB, AUTHORIZE),
        authorize_params: &[],
        refresh_params: &[],
        client_id_param: "client_id",
        scope_separator: " ",
        token_url: hosts.server(ID, WEB, TOKEN),
        token_method: TokenMethod::Post,
        client_auth: ClientAuth::Body,
        pkce_s256: false,
        partial_consent: false,
        // Community Management scopes only: it cannot share an app with another product.
        scopes: Scopes::from_static(
            &["r_organization_social", "rw_organization_admin"],
            &["w_organization_social"],
            &[],
        ),
        scope_words: SCOPE_WORDS,
        long_lived: None,
        renewal: Renewal::FixedWindowRefresh,
        lifetimes: Lifetimes {
            access: Some(ACCESS),
            refresh: Some(REFRESH_WINDOW),
            reconsent: Some(REFRESH_WINDOW),
            ..Lifetimes::default()
        },
        revoke: Some((hosts.server(ID, WEB, REVOKE), RevokeStyle::Rfc7009)),
        api_base: hosts.server(ID, API, "/"),
        api_version: Some(settings.linkedin_version.as_str().to_owned()),
        app_secret_proof: false,
        sandboxed: hosts.is_sandbox(),
    }
}

/// A versioned Rest.li 2.0 call, believing a 65601 only when it is said twice.
pub(super) async fn rest(
    call: &ApiCall<'_>,
    path: &str,
    query: &[(&str, &str)],
) -> Result<Value, NetworkFailure> {
    let version = call
        .network
        .profile
        .api_version
        .as_deref()
        .unwrap_or_default();
    let headers = [
        ("LinkedIn-Version", version),
        ("X-Restli-Protocol-Version", "2.0.0"),
    ];
    settled(call.get_with(path, query, &headers).await, || {
        call.get_with(path, query, &headers)
    })
    .await
}

/// `first`, unless it is a 65601: then what a second call, a moment later, answers.
pub(super) async fn settled<Again, Answer>(
    first: Result<Value, NetworkFailure>,
    again: Again,
) -> Result<Value, NetworkFailure>
where
    Again: FnOnce() -> Answer,
    Answer: std::future::Future<Output = Result<Value, NetworkFailure>>,
{
    match first {
        Err(failure) if failure.class() == FailureClass::dead(DeadReason::Revoked) => {
            tokio::time::sleep(SETTLE).await;
            again().await
        }
        answer => answer,
    }
}

/// A URN as a Rest.li 2.0 path key: encoded whole (`urn%3Ali%3Aorganization%3A123`).
fn path_key(urn: &str) -> String {
    utf8_percent_encode(urn, NON_ALPHANUMERIC).to_string()
}

/// The pages the member holds an approved role on, page of ACLs after page: company
/// pages, showcase pages (brands), and the member the ACLs name.
struct Roles {
    organizations: Vec<String>,
    brands: Vec<String>,
    member: Option<String>,
}

async fn roles(call: &ApiCall<'_>) -> Result<Roles, NetworkFailure> {
    let mut roles = Roles {
        organizations: Vec::new(),
        brands: Vec::new(),
        member: None,
    };
    for page in 0..MAX_ACL_PAGES {
        let start = (page * ACL_PAGE).to_string();
        let count = ACL_PAGE.to_string();
        let acls = rest(
            call,
            ORGANIZATION_ACLS,
            &[
                ("q", "roleAssignee"),
                ("state", "APPROVED"),
                ("start", &start),
                ("count", &count),
            ],
        )
        .await?;
        let elements = elements(&acls)?;
        for acl in elements {
            roles.member = roles.member.or_else(|| json::str_at(acl, "/roleAssignee"));
            let urn = json::required(acl, "/organization").map_err(ApiCall::malformed)?;
            if let Some(id) = urn.strip_prefix(ORGANIZATION_URN) {
                roles.organizations.push(id.to_owned());
            } else if let Some(id) = urn.strip_prefix(BRAND_URN) {
                roles.brands.push(id.to_owned());
            } else {
                tracing::info!(%urn, "LinkedIn ACL for a URN type Tether does not connect");
            }
        }
        if elements.len() < ACL_PAGE {
            break;
        }
    }
    roles.organizations.dedup();
    roles.brands.dedup();
    Ok(roles)
}

/// Each page of `kind` among `ids` as an account: its name and vanity name from one batch
/// lookup, a company page's followers from its network size.
async fn describe(
    call: &ApiCall<'_>,
    kind: &'static str,
    ids: &[String],
) -> Result<Vec<DiscoveredAccount>, NetworkFailure> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let endpoint = match kind {
        "organization" => ORGANIZATIONS,
        _ => ORGANIZATION_BRANDS,
    };
    let names = batch_get(call, endpoint, ids).await?;
    let mut accounts = Vec::new();
    for id in ids {
        let found = names.get(id);
        let name = found
            .and_then(|o| json::str_at(o, "/localizedName"))
            .unwrap_or_else(|| format!("LinkedIn page {id}"));
        let followers = match kind {
            "organization" => followers(call, &format!("{ORGANIZATION_URN}{id}")).await?,
            // Not verified: whether networkSizes counts a brand's followers.
            _ => None,
        };
        accounts.push(
            DiscoveredAccount {
                kind,
                handle: found
                    .and_then(|o| json::str_at(o, "/vanityName"))
                    .unwrap_or_else(|| name.clone()),
                id: id.clone(),
                name,
                avatar_url: None,
                followers,
                token: None,
                linked_to: None,
            }
            .validated()
            .map_err(ApiCall::malformed)?,
        );
    }
    Ok(accounts)
}

/// One consent reaches all of the member's pages with one token: the member (named by the
/// ACLs' roleAssignee, no profile scope needed) is the grant's subject.
fn subject(member: Option<String>) -> Option<String> {
    member.map(|urn| urn.trim_start_matches("urn:li:person:").to_owned())
}

pub(super) async fn discover(call: &ApiCall<'_>) -> Result<Discovery, NetworkFailure> {
    let roles = roles(call).await?;
    let mut accounts = describe(call, "organization", &roles.organizations).await?;
    accounts.extend(describe(call, "showcase", &roles.brands).await?);
    Ok(Discovery {
        accounts,
        granted_scopes: None,
        subject: subject(roles.member),
        app_accepted: false,
    })
}

/// A channel's check: the member's roles, then only this page's name and followers, so
/// checking each of an agency's pages does not read every other one each time.
pub(super) async fn check(
    call: &ApiCall<'_>,
    kind: &str,
    account_id: &str,
) -> Result<Discovery, NetworkFailure> {
    let roles = roles(call).await?;
    let held = |ids: &[String]| ids.iter().any(|id| id == account_id);
    let this = [account_id.to_owned()];
    let accounts = match kind {
        "organization" if held(&roles.organizations) => {
            describe(call, "organization", &this).await?
        }
        "showcase" if held(&roles.brands) => describe(call, "showcase", &this).await?,
        _ => Vec::new(),
    };
    Ok(Discovery {
        accounts,
        granted_scopes: None,
        subject: subject(roles.member),
        app_accepted: false,
    })
}

/// Names of organizations or brands by id: a Rest.li 2.0 BATCH_GET
/// (`ids=List(123,456)`), `results` keyed by id.
async fn batch_get(
    call: &ApiCall<'_>,
    endpoint: &str,
    ids: &[String],
) -> Result<BTreeMap<String, Value>, NetworkFailure> {
    // Protocol 2.0 keeps `List(`, `,` and `)` literal; the values inside are encoded.
    let list: Vec<String> = ids
        .iter()
        .map(|id| utf8_percent_encode(id, NON_ALPHANUMERIC).to_string())
        .collect();
    let answer = rest(
        call,
        &format!("{endpoint}?ids=List({})", list.join(",")),
        &[],
    )
    .await?;
    Ok(answer
        .get("results")
        .and_then(Value::as_object)
        .map(|results| {
            results
                .iter()
                .map(|(id, o)| (id.clone(), o.clone()))
                .collect()
        })
        .unwrap_or_default())
}

async fn followers(call: &ApiCall<'_>, urn: &str) -> Result<Option<i64>, NetworkFailure> {
    let sizes = rest(
        call,
        &format!("{NETWORK_SIZES}/{}", path_key(urn)),
        &[("edgeType", "COMPANY_FOLLOWED_BY_MEMBER")],
    )
    .await?;
    Ok(json::count_at(&sizes, "/firstDegreeSize"))
}

pub(super) fn elements(value: &Value) -> Result<&Vec<Value>, NetworkFailure> {
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
        // The documented refusal of a refresh: 400 `invalid_request`, "The provided
        // authorization grant or refresh token is invalid, expired or revoked"
        // (programmatic refresh tokens); other `invalid_request`s are malformed calls.
        (400, _)
            if json::str_at(&value, "/error").as_deref() == Some("invalid_request")
                && json::str_at(&value, "/error_description")
                    .is_some_and(|d| d.contains("invalid, expired or revoked")) =>
        {
            FailureClass::dead(DeadReason::Invalid)
        }
        _ => FailureClass::from_status(status, headers),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::documented;
    use super::*;

    /// LinkedIn documents a refused refresh as `invalid_request`; reports also show
    /// `invalid_grant`. Both mean the refresh token is dead, not "try again".
    #[test]
    fn a_refused_linkedin_refresh_is_dead_in_both_shapes() {
        for name in [
            "token_refresh_invalid_grant",
            "token_refresh_invalid_grant_reported",
        ] {
            let answer = documented("linkedin", name);
            assert_eq!(
                classify(answer.status, &answer.headers, &answer.bytes()),
                FailureClass::dead(DeadReason::Invalid),
                "{name}"
            );
        }
    }

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
