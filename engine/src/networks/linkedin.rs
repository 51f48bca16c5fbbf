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
    Hosts, Lifetimes, NetworkProfile, NetworkSettings, Renewal, RevokeStyle, Scopes, TokenMethod,
};
use crate::oauth::{ApiCall, NetworkFailure};
use chrono::TimeDelta;
use reqwest::header::HeaderMap as ClientHeaders;
use serde_json::{json, Value};

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

pub fn profile(hosts: &Hosts, _: &NetworkSettings) -> NetworkProfile {
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
    // One consent reaches the member and their organizations with one token: the member is
    // the grant's subject.
    let subject = accounts.first().map(|member| member.id.clone());
    Ok(Discovery {
        accounts,
        granted_scopes: None,
        subject,
        app_accepted: false,
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
