//! Facebook Pages, and Instagram business accounts reached through a Page ("Instagram via
//! Facebook Login"): one consent connects a Page and its linked Instagram account.
//!
//! Tokens: the code gives a short-lived (1 h) user token, exchanged at once
//! (`fb_exchange_token`) for a long-lived (~60 days) one. A Page token obtained with a
//! long-lived user token has no expiry (Page access tokens), so a Page channel is never
//! renewed, only checked; it dies on a password change or a lost Page role. Data access
//! lapses 90 days after the person was last active. Consent is partial: what was granted
//! is read from `/me/permissions` at consent and from `debug_token` later.
//!
//! A Page token *is* the Page: with it `/me` is the Page, and `me/accounts` answers
//! `(#100) Tried accessing nonexisting field (accounts) on node type (Page)`. So a channel
//! is checked with what a Page token can do: `debug_token` with the app token (validity,
//! scopes) and `GET /{page-id}` (or the Instagram account) with the Page token.
//!
//! Revocation is `DELETE /{user-id}/permissions` "with a user access token or an app
//! access token" (Graph API reference, User permissions): it de-authorizes the app for
//! every Page that person connected, so Tether calls it only when no other channel holds
//! that person's grant. Errors are Graph `OAuthException`s with codes and subcodes.

use super::call::{ApiCall, NetworkFailure};
use super::{
    json, Adapter, ChannelKind, ClientAuth, DeadReason, DiscoveredAccount, Discovery, ExchangeCall,
    FailureClass, Hosts, Lifetimes, NetworkProfile, NetworkSettings, Renewal, RevokeStyle, Scopes,
    TokenMethod,
};
use crate::crypto::Secret;
use chrono::TimeDelta;
use reqwest::header::HeaderMap as ClientHeaders;
use serde_json::Value;

pub const ID: &str = "facebook";
pub const DISPLAY_NAME: &str = "Facebook";

const WEB: &str = "https://www.facebook.com";
const GRAPH: &str = "https://graph.facebook.com";

/// `expires_in` of a long-lived user token is about 5,184,000 s; Page tokens do not expire.
const LONG_LIVED: TimeDelta = TimeDelta::days(60);
const DATA_ACCESS: TimeDelta = TimeDelta::days(90);

/// Pages come 25 to a page (`paging.next` while there are more); a person with more than
/// this many pages' worth is cut off rather than looping on a misbehaving cursor.
const MAX_PAGES_OF_PAGES: usize = 40;

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

pub fn profile(hosts: &Hosts, settings: &NetworkSettings) -> NetworkProfile {
    let version = settings.graph_version.as_str();
    let server = |rest: &str| hosts.server(ID, GRAPH, &format!("/{version}{rest}"));
    NetworkProfile {
        id: ID.into(),
        display_name: DISPLAY_NAME.into(),
        adapter: Adapter::Facebook,
        kinds: KINDS,
        authorize_url: hosts.browser(ID, WEB, &format!("/{version}/dialog/oauth")),
        authorize_params: &[],
        refresh_params: &[],
        client_id_param: "client_id",
        scope_separator: ",",
        token_url: server("/oauth/access_token"),
        // The docs show GET with the secret in the query; the endpoint takes the same
        // parameters as a POST form (ASP.NET Core's Facebook handler posts), which keeps
        // the secret out of URLs.
        token_method: TokenMethod::Post,
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
            // The same endpoint as the code exchange, which takes a POST form (as ASP.NET
            // Core's Facebook handler sends it); the docs show only GET: not verified for
            // `fb_exchange_token`, but a secret in a URL is kept by proxies and logs.
            method: TokenMethod::Post,
        }),
        // Every channel is a Page or an account reached through one: its token does not
        // expire, and re-exchanging a Page token is undocumented.
        renewal: Renewal::Nothing,
        lifetimes: Lifetimes {
            access: Some(LONG_LIVED),
            refresh: None,
            reconsent: Some(DATA_ACCESS),
            ..Lifetimes::default()
        },
        revoke: Some((server("/"), RevokeStyle::DeleteUserPermissions)),
        api_base: server("/"),
        api_version: None,
        app_secret_proof: true,
        sandboxed: hosts.is_sandbox(),
    }
}

/// What a fresh user token reaches: the person (the grant's subject), what they granted,
/// and every Page they manage with its linked Instagram account, page after page.
pub(super) async fn discover(call: &ApiCall<'_>) -> Result<Discovery, NetworkFailure> {
    let bad = ApiCall::malformed;
    let me = call.get("me", &[("fields", "id,name")]).await?;
    let subject = json::required(&me, "/id").map_err(bad)?;
    let permissions = call.get("me/permissions", &[]).await?;
    let granted = permissions
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("permissions answer has no data list".into()))?
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
    let mut accounts = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..MAX_PAGES_OF_PAGES {
        let mut query = vec![("fields", fields)];
        if let Some(cursor) = &after {
            query.push(("after", cursor));
        }
        let answer = call.get("me/accounts", &query).await?;
        for page in answer
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("accounts answer has no data list".into()))?
        {
            accounts.extend(page_accounts(page)?);
        }
        // "next: ... If not included, this is the last page of data" (Graph API: paging).
        after = answer
            .pointer("/paging/next")
            .and_then(|_| json::str_at(&answer, "/paging/cursors/after"));
        if after.is_none() {
            break;
        }
    }
    Ok(Discovery {
        accounts,
        granted_scopes: Some(granted),
        subject: Some(subject),
        app_accepted: false,
    })
}

/// A Page from `me/accounts`, and its Instagram business account when it has one.
fn page_accounts(page: &Value) -> Result<Vec<DiscoveredAccount>, NetworkFailure> {
    let bad = ApiCall::malformed;
    let id = json::required(page, "/id").map_err(bad)?;
    let name = json::required(page, "/name").map_err(bad)?;
    let token = json::required(page, "/access_token").map_err(bad)?;
    let mut accounts = vec![DiscoveredAccount {
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
    .map_err(bad)?];
    if let Some(ig) = page.get("instagram_business_account") {
        accounts.push(instagram_account(ig, Some(Secret::new(token)), Some(id))?);
    }
    Ok(accounts)
}

fn instagram_account(
    ig: &Value,
    token: Option<Secret>,
    page_id: Option<String>,
) -> Result<DiscoveredAccount, NetworkFailure> {
    let bad = ApiCall::malformed;
    let username = json::required(ig, "/username").map_err(bad)?;
    DiscoveredAccount {
        kind: "instagram_business",
        id: json::required(ig, "/id").map_err(bad)?,
        handle: format!("@{username}"),
        name: username,
        avatar_url: json::str_at(ig, "/profile_picture_url"),
        followers: json::count_at(ig, "/followers_count"),
        token,
        linked_to: page_id,
    }
    .validated()
    .map_err(bad)
}

/// A channel's health check, with what its Page token can do: `debug_token` (with the
/// app's token) says whether the token is valid and what it was granted; then the Page,
/// or the Instagram account, is read with the Page token itself.
pub(super) async fn check(
    call: &ApiCall<'_>,
    kind: &str,
    account_id: &str,
) -> Result<Discovery, NetworkFailure> {
    let bad = ApiCall::malformed;
    let debug = call
        .get_as_app("debug_token", &[("input_token", call.token.expose())])
        .await?;
    let data = debug
        .get("data")
        .ok_or_else(|| bad("debug_token answer has no data".into()))?;
    if data.get("is_valid").and_then(Value::as_bool) != Some(true) {
        // debug_token describes why in `data.error`, with the codes of a failed call.
        let error = data.get("error").cloned().unwrap_or(Value::Null);
        // Inside debug_token the subcode is `subcode`, elsewhere `error_subcode`.
        let body = serde_json::json!({ "error": {
            "code": error.get("code"),
            "error_subcode": error.get("subcode"),
            "message": error.get("message"),
        }});
        let class = match classify(400, &ClientHeaders::new(), body.to_string().as_bytes()) {
            dead @ FailureClass::Dead { .. } => dead,
            _ => FailureClass::dead(DeadReason::Invalid),
        };
        return Err(NetworkFailure::Refused {
            class,
            code: json::str_at(&error, "/subcode")
                .or_else(|| json::str_at(&error, "/code"))
                .unwrap_or_else(|| "is_valid_false".into()),
            description: super::call::printable(
                &json::str_at(&error, "/message")
                    .unwrap_or_else(|| "the token is no longer valid".into()),
            ),
        });
    }
    let granted = data.get("scopes").and_then(Value::as_array).map(|scopes| {
        scopes
            .iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect()
    });
    let account = match kind {
        "instagram_business" => {
            let ig = call
                .get(
                    account_id,
                    &[("fields", "id,username,followers_count,profile_picture_url")],
                )
                .await?;
            instagram_account(&ig, None, None)?
        }
        _ => {
            let page = call
                .get(
                    account_id,
                    &[("fields", "id,name,username,followers_count,picture{url}")],
                )
                .await?;
            let name = json::required(&page, "/name").map_err(bad)?;
            DiscoveredAccount {
                kind: "page",
                handle: json::str_at(&page, "/username").unwrap_or_else(|| name.clone()),
                id: json::required(&page, "/id").map_err(bad)?,
                name,
                avatar_url: json::str_at(&page, "/picture/data/url"),
                followers: json::count_at(&page, "/followers_count"),
                token: None,
                linked_to: None,
            }
            .validated()
            .map_err(bad)?
        }
    };
    Ok(Discovery {
        accounts: vec![account],
        granted_scopes: granted,
        subject: json::str_at(data, "/user_id"),
        // debug_token spoke as the app, with its secret.
        app_accepted: true,
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
            Some(464) => DeadReason::Unconfirmed,
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
        // "Invalid parameter": a field, object or edge that does not exist. A bug or an
        // API change on Tether's side, never a dead token (Graph API: handling errors), so
        // it is confirmed before anything is called dead.
        Some(100) => FailureClass::Unclear,
        _ => FailureClass::from_status(status, headers),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::documented;
    use super::*;

    /// Meta retires each Graph version about two years after its release (v21.0 is served
    /// until 2027-01-21): the version is the operator's setting, in every URL Tether uses.
    #[test]
    fn the_graph_version_is_a_setting_in_every_url() {
        let urls = |profile: &NetworkProfile| {
            [
                profile.authorize_url.clone(),
                profile.token_url.clone(),
                profile.api("me/accounts"),
            ]
        };
        let default = profile(&Hosts::Real, &NetworkSettings::default());
        for url in urls(&default) {
            assert!(url.path().starts_with("/v25.0/"), "{url}");
        }
        let settings = NetworkSettings {
            graph_version: super::super::GraphVersion::parse("v23.0").unwrap(),
            ..NetworkSettings::default()
        };
        for url in urls(&profile(&Hosts::Real, &settings)) {
            assert!(url.path().starts_with("/v23.0/"), "{url}");
        }
    }

    fn read(name: &str) -> FailureClass {
        let answer = documented("facebook", name);
        classify(answer.status, &answer.headers, &answer.bytes())
    }

    #[test]
    fn documented_graph_errors_are_read_as_their_class() {
        for (name, reason) in [
            ("error_190_458", DeadReason::AppRemoved),
            ("error_190_459", DeadReason::Checkpoint),
            ("error_190_460", DeadReason::PasswordChanged),
            ("error_190_463", DeadReason::Expired),
            ("error_190_464", DeadReason::Unconfirmed),
            ("error_190_467", DeadReason::Invalid),
            ("error_190_492", DeadReason::LostRole),
            ("error_102_session", DeadReason::Invalid),
        ] {
            assert_eq!(read(name), FailureClass::dead(reason), "{name}");
        }
        for name in ["error_10_permission", "error_200_permission"] {
            assert_eq!(read(name), FailureClass::MissingPermission, "{name}");
        }
        for name in [
            "error_4_app_rate_limit",
            "error_17_user_rate_limit",
            "error_32_page_rate_limit",
            "error_613",
            "error_80001_page_rate_limit",
        ] {
            assert!(
                matches!(read(name), FailureClass::RateLimited { .. }),
                "{name}"
            );
        }
        for name in ["error_2_transient", "error_368_blocked"] {
            assert_eq!(read(name), FailureClass::Transient, "{name}");
        }
    }

    /// Code 100 is "invalid parameter": a field or edge that does not exist, as when a Page
    /// token is asked for `me/accounts`. Reading it as a dead token turned every Page red.
    #[test]
    fn graph_code_100_is_never_a_dead_token() {
        for name in [
            "error_100_invalid_parameter",
            "error_page_token_me_accounts",
        ] {
            assert!(
                !matches!(read(name), FailureClass::Dead { .. }),
                "{name}: {:?}",
                read(name)
            );
        }
    }

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
        // A 400 whose body no rule reads is a refusal to confirm, not silence.
        assert_eq!(class("<html>bad request</html>"), FailureClass::Unclear);
    }
}
