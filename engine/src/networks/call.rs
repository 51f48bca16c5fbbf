//! One call to a network, as the network files make it: the channel's token (or the
//! app's) on a request, the answer read, a refusal classified by the network's own codes.
//! Below the network files and the OAuth client alike, so neither imports the other.

use super::{ConfiguredNetwork, FailureClass};
use crate::crypto::Secret;
use serde_json::Value;

/// How a call to a network failed.
#[derive(Debug)]
pub enum NetworkFailure {
    /// The network answered and said no; the description is safe to show.
    Refused {
        class: FailureClass,
        code: String,
        description: String,
    },
    /// The network could not be reached, timed out, failed (5xx) or sent something
    /// unreadable: transient. Log it, don't show it.
    Unavailable(String),
}

impl NetworkFailure {
    pub fn class(&self) -> FailureClass {
        match self {
            NetworkFailure::Refused { class, .. } => *class,
            NetworkFailure::Unavailable(_) => FailureClass::Transient,
        }
    }

    /// The network's own words for a refusal ("code: description"), safe to show.
    pub fn refusal(&self) -> Option<String> {
        match self {
            NetworkFailure::Refused {
                code, description, ..
            } => Some(format!("{code}: {description}")),
            NetworkFailure::Unavailable(_) => None,
        }
    }
}

/// `appsecret_proof` for a call made with `token`: the HMAC-SHA256 of the token keyed with
/// the app secret, in lowercase hex (Graph API: securing requests). A stolen token is of
/// no use to an app set to require it without the secret too.
pub fn appsecret_proof(app_secret: &Secret, token: &Secret) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(app_secret.expose().as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(token.expose().as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The query a call with `token` carries beside its own: the proof, where the network
/// asks for one.
pub(crate) fn proof_query(
    network: &ConfiguredNetwork,
    token: &Secret,
) -> Vec<(&'static str, String)> {
    if network.profile.app_secret_proof {
        vec![(
            "appsecret_proof",
            appsecret_proof(&network.client_secret, token),
        )]
    } else {
        Vec::new()
    }
}

/// A Graph API app access token, `{app-id}|{app-secret}` (access tokens: app access tokens).
pub fn app_token(network: &ConfiguredNetwork) -> Secret {
    Secret::new(format!(
        "{}|{}",
        network.client_id,
        network.client_secret.expose()
    ))
}

/// Who a request speaks as: a channel's token, or Tether's app (client credentials or an
/// app token), whose refusal is a configuration fault.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Speaker {
    Channel,
    App,
}

/// Sends a request to the network and returns the body of a 2xx answer; any other answer
/// becomes a failure classified by the network's own codes.
pub(crate) async fn send(
    network: &ConfiguredNetwork,
    request: reqwest::RequestBuilder,
    speaker: Speaker,
) -> Result<Vec<u8>, NetworkFailure> {
    let unavailable = |e: reqwest::Error| NetworkFailure::Unavailable(e.without_url().to_string());
    let response = request.send().await.map_err(unavailable)?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(unavailable)?.to_vec();
    if (200..300).contains(&status) {
        Ok(body)
    } else {
        Err(refusal(network, status, &headers, &body, speaker))
    }
}

/// A refusal, as the app's own when it refused Tether's credentials.
pub(crate) fn refusal(
    network: &ConfiguredNetwork,
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
    speaker: Speaker,
) -> NetworkFailure {
    match failure(network, status, headers, body) {
        NetworkFailure::Refused {
            code, description, ..
        } if speaker == Speaker::App && network.profile.adapter.app_refused(status, body) => {
            NetworkFailure::Refused {
                class: FailureClass::Misconfigured,
                code,
                description,
            }
        }
        other => other,
    }
}

/// Turns an error response into a failure classified by the network's own codes.
pub fn failure(
    network: &ConfiguredNetwork,
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
) -> NetworkFailure {
    if status >= 500 {
        return NetworkFailure::Unavailable(format!("answered HTTP {status}"));
    }
    let class = network.profile.adapter.classify(status, headers, body);
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let first = |pointers: &[&str]| pointers.iter().find_map(|p| super::json::str_at(&value, p));
    let code = first(&["/error/code", "/error", "/code", "/serviceErrorCode"])
        .unwrap_or_else(|| status.to_string());
    let description = first(&[
        "/error_description",
        "/error/message",
        "/error_message",
        "/message",
        "/detail",
    ])
    .unwrap_or_else(|| format!("HTTP {status}"));
    NetworkFailure::Refused {
        class,
        code: printable(&code),
        description: printable(&description),
    }
}

/// A call to the network's API with a channel's token.
pub struct ApiCall<'a> {
    pub http: &'a reqwest::Client,
    pub network: &'a ConfiguredNetwork,
    pub token: &'a Secret,
    /// The scopes the token is known to carry (empty when unknown): networks that fail a
    /// whole call for one field outside them (TikTok) ask only for what was granted.
    pub granted: &'a [String],
}

impl ApiCall<'_> {
    pub fn granted(&self, scope: &str) -> bool {
        self.granted.iter().any(|s| s == scope)
    }
}

impl ApiCall<'_> {
    /// GETs `path` on the network's API and reads the JSON answer.
    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, NetworkFailure> {
        self.get_with(path, query, &[]).await
    }

    /// As [`Self::get`], with headers the network requires (API versions).
    pub async fn get_with(
        &self,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Result<Value, NetworkFailure> {
        self.get_as(self.token, Speaker::Channel, path, query, headers)
            .await
    }

    /// As [`Self::get`], authenticated as the app itself (Graph's `debug_token`).
    pub async fn get_as_app(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Value, NetworkFailure> {
        self.get_as(&app_token(self.network), Speaker::App, path, query, &[])
            .await
    }

    async fn get_as(
        &self,
        token: &Secret,
        speaker: Speaker,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Result<Value, NetworkFailure> {
        let mut request = self
            .http
            .get(self.network.profile.api(path))
            .query(query)
            .query(&proof_query(self.network, token))
            .bearer_auth(token.expose())
            .header(reqwest::header::ACCEPT, "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = send(self.network, request, speaker).await?;
        serde_json::from_slice(&body)
            .map_err(|e| NetworkFailure::Unavailable(format!("unreadable answer: {e}")))
    }

    /// A failure for an answer that did not have the expected shape.
    pub fn malformed(problem: String) -> NetworkFailure {
        NetworkFailure::Unavailable(problem)
    }
}

/// Text from a network shown to a person: printable characters only, bounded length.
pub fn printable(raw: &str) -> String {
    raw.chars().filter(|c| !c.is_control()).take(300).collect()
}
