//! Networks Tether connects. Each network has one file that says everything it does; this
//! module holds the shape those files fill in and the registry of configured networks.

pub mod sandbox;

use crate::crypto::Secret;
use serde::Deserialize;
use url::Url;

/// How the client proves itself at the token endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuth {
    /// HTTP Basic with client id and secret.
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Body,
}

/// The facts about one network that the client code path needs. A sandbox network and a
/// real one differ only in their URLs.
#[derive(Clone, Debug)]
pub struct NetworkProfile {
    /// Stable identifier used in URLs and the database.
    pub id: &'static str,
    pub display_name: &'static str,
    /// The kind of account a channel on this network is (profile, page, ads account…).
    pub channel_kind: &'static str,
    pub authorize_url: Url,
    pub token_url: Url,
    /// Returns the account behind a token; also the cheapest way to check a token is alive.
    pub identity_url: Url,
    pub client_auth: ClientAuth,
    pub pkce_s256: bool,
    /// Scopes asked for at consent.
    pub requested_scopes: &'static [&'static str],
    /// Scopes without which the channel is "missing permissions".
    pub required_scopes: &'static [&'static str],
    /// Reads the identity response into an account.
    pub parse_identity: fn(&[u8]) -> Result<ExternalAccount, String>,
}

/// The account on the network that a token belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ExternalAccount {
    pub id: String,
    pub handle: String,
}

impl ExternalAccount {
    /// Refuses identities a network should never send: empty, overlong or with control
    /// characters, so nothing odd is stored or shown.
    pub fn validated(self) -> Result<Self, String> {
        let ok = |value: &str| {
            !value.trim().is_empty() && value.len() <= 200 && !value.chars().any(char::is_control)
        };
        if ok(&self.id) && ok(&self.handle) {
            Ok(self)
        } else {
            Err("the account id or handle in the identity response is empty or malformed".into())
        }
    }
}

/// A network this instance can connect: its profile and the app credentials registered
/// with it.
#[derive(Clone, Debug)]
pub struct ConfiguredNetwork {
    pub profile: NetworkProfile,
    pub client_id: String,
    pub client_secret: Secret,
}

#[derive(Clone, Debug, Default)]
pub struct Networks {
    configured: Vec<ConfiguredNetwork>,
}

impl Networks {
    pub fn new(configured: Vec<ConfiguredNetwork>) -> Self {
        Self { configured }
    }

    pub fn get(&self, id: &str) -> Option<&ConfiguredNetwork> {
        self.configured.iter().find(|n| n.profile.id == id)
    }

    pub fn all(&self) -> &[ConfiguredNetwork] {
        &self.configured
    }
}
