//! Tether's token engine: networks, the OAuth client, the encrypted token store, accounts,
//! and the sandbox networks. It knows nothing of Leptos, so it is tested on its own.

pub mod accounts;
pub mod channels;
pub mod clock;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod error;
pub mod events;
pub mod networks;
pub mod oauth;
pub mod sandbox;

pub use error::{ConnectError, Error, Result};

use clock::Clock;
use crypto::EncryptionKey;
use db::Db;
use networks::Networks;
use url::Url;

/// Everything the engine needs, injected: database, clock, key, networks, and the public
/// URL that OAuth callbacks come back to.
#[derive(Clone, Debug)]
pub struct Engine {
    db: Db,
    clock: Clock,
    key: EncryptionKey,
    networks: Networks,
    public_url: Url,
    http: reqwest::Client,
}

impl Engine {
    /// `public_url` must end with `/`.
    pub fn new(
        db: Db,
        clock: Clock,
        key: EncryptionKey,
        networks: Networks,
        public_url: Url,
    ) -> Self {
        Self {
            db,
            clock,
            key,
            networks,
            public_url,
            http: oauth::http_client(),
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn networks(&self) -> &Networks {
        &self.networks
    }

    /// Signs a value the browser keeps (a cookie), so it comes back unchanged or not at all.
    pub fn sign(&self, message: &[u8]) -> String {
        self.key.sign(message)
    }

    pub fn verify(&self, message: &[u8], tag: &str) -> bool {
        self.key.verify(message, tag)
    }
}
