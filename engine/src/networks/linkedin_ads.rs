//! LinkedIn ads accounts, on an app of their own with the Advertising API product
//! (`r_ads`, `r_ads_reporting`, `rw_ads`; increasing access). It cannot share the
//! Community Management app of [`super::linkedin`], which must be the only product on its
//! app, and asking one member for a different scope set on the same app "invalidates all
//! the previous access tokens" (authorization code flow).
//!
//! Tokens as on every LinkedIn app: 60-day access tokens, refresh tokens for approved
//! partners living 365 days from the first consent. Calls are versioned Rest.li 2.0 calls
//! (see [`super::linkedin::rest`]). The accounts a member holds a role on come from the
//! `adAccountUsers` finder (`q=authenticatedUser`: `account` is
//! `urn:li:sponsoredAccount:{id}`, `user` the member), their names from the ad account
//! itself (`/rest/adAccounts/{id}`). Paging that finder with `start`/`count` is not
//! verified. Revocation at `/oauth/v2/revoke` (not verified).

use super::call::{ApiCall, NetworkFailure};
use super::linkedin::{ACCESS, API, AUTHORIZE, REFRESH_WINDOW, REVOKE, TOKEN, WEB};
use super::{
    json, linkedin, Adapter, ChannelKind, ClientAuth, DiscoveredAccount, Discovery, FailureClass,
    Hosts, Lifetimes, NetworkProfile, NetworkSettings, Renewal, RevokeStyle, Scopes, TokenMethod,
};

pub const ID: &str = "linkedin_ads";
pub const DISPLAY_NAME: &str = "LinkedIn Ads";

const AD_ACCOUNT_USERS: &str = "rest/adAccountUsers";
const AD_ACCOUNTS: &str = "rest/adAccounts";

const ACCOUNT_URN: &str = "urn:li:sponsoredAccount:";

/// Roles asked for per page; a page with fewer is the last. Bounded so a misbehaving
/// answer cannot loop.
const ROLES_PAGE: usize = 100;
const MAX_ROLES_PAGES: usize = 20;

const SCOPE_WORDS: &[(&str, &str)] = &[
    ("r_ads", "See your ads accounts"),
    ("r_ads_reporting", "Read your ads accounts' reporting"),
    ("rw_ads", "Manage your ads accounts' campaigns"),
];

const KINDS: &[ChannelKind] = &[ChannelKind {
    id: "ads_account",
    label: "Ads account",
    picked: true,
    personal: false,
    extra_required: &[],
}];

pub fn profile(hosts: &Hosts, settings: &NetworkSettings) -> NetworkProfile {
    NetworkProfile {
        id: ID.into(),
        display_name: DISPLAY_NAME.into(),
        adapter: Adapter::LinkedInAds,
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
        scopes: Scopes::from_static(&["r_ads", "r_ads_reporting"], &["rw_ads"], &[]),
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

/// The ids of the ads accounts the member holds a role on, and the member.
async fn roles(call: &ApiCall<'_>) -> Result<(Vec<String>, Option<String>), NetworkFailure> {
    let bad = ApiCall::malformed;
    let mut ids = Vec::new();
    let mut member = None;
    for page in 0..MAX_ROLES_PAGES {
        let start = (page * ROLES_PAGE).to_string();
        let count = ROLES_PAGE.to_string();
        let answer = linkedin::rest(
            call,
            AD_ACCOUNT_USERS,
            &[
                ("q", "authenticatedUser"),
                ("start", &start),
                ("count", &count),
            ],
        )
        .await?;
        let elements = linkedin::elements(&answer)?;
        for role in elements {
            member = member.or_else(|| json::str_at(role, "/user"));
            let urn = json::required(role, "/account").map_err(bad)?;
            match urn.strip_prefix(ACCOUNT_URN) {
                Some(id) if !ids.iter().any(|known| known == id) => ids.push(id.to_owned()),
                Some(_) => {}
                None => tracing::info!(%urn, "LinkedIn ad account role on an unknown URN type"),
            }
        }
        if elements.len() < ROLES_PAGE {
            break;
        }
    }
    let member = member.map(|urn| urn.trim_start_matches("urn:li:person:").to_owned());
    Ok((ids, member))
}

/// An ads account as a channel: its id is its handle, the one thing people look it up by
/// in Campaign Manager.
fn account(id: &str, name: Option<String>) -> Result<DiscoveredAccount, NetworkFailure> {
    DiscoveredAccount {
        kind: "ads_account",
        id: id.to_owned(),
        handle: id.to_owned(),
        name: name.unwrap_or_else(|| format!("LinkedIn ads account {id}")),
        avatar_url: None,
        followers: None,
        token: None,
        linked_to: None,
    }
    .validated()
    .map_err(ApiCall::malformed)
}

pub(super) async fn discover(call: &ApiCall<'_>) -> Result<Discovery, NetworkFailure> {
    let (ids, member) = roles(call).await?;
    let mut accounts = Vec::new();
    for id in &ids {
        // An account that will not say its name (a role too narrow to read it, a
        // cancelled account) is still one the member holds a role on.
        let name = match linkedin::rest(call, &format!("{AD_ACCOUNTS}/{id}"), &[]).await {
            Ok(found) => json::str_at(&found, "/name"),
            Err(failure)
                if matches!(
                    failure.class(),
                    FailureClass::MissingPermission | FailureClass::Unclear
                ) =>
            {
                None
            }
            Err(failure) => return Err(failure),
        };
        accounts.push(account(id, name)?);
    }
    Ok(Discovery {
        accounts,
        granted_scopes: None,
        subject: member,
        app_accepted: false,
    })
}

/// A channel's check reads the member's roles only: one call per hundred accounts, where
/// the consent's reading asks each account for its name.
pub(super) async fn check(
    call: &ApiCall<'_>,
    kind: &str,
    account_id: &str,
) -> Result<Discovery, NetworkFailure> {
    let (ids, member) = roles(call).await?;
    let accounts = if kind == "ads_account" && ids.iter().any(|id| id == account_id) {
        vec![account(account_id, None)?]
    } else {
        Vec::new()
    };
    Ok(Discovery {
        accounts,
        granted_scopes: None,
        subject: member,
        app_accepted: false,
    })
}
