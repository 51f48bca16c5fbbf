//! Tether's token engine: networks, the OAuth client, the encrypted token store, accounts.
//! It knows nothing of Leptos nor of emulated networks, so it is tested on its own.

pub mod accounts;
pub mod api_keys;
pub mod calendar;
mod channel_lists;
pub mod channels;
pub mod clock;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod error;
pub mod events;
pub mod import;
pub mod invites;
pub mod lifecycle;
pub mod mail;
pub mod members;
pub mod membership_offers;
pub mod networks;
pub mod notify;
pub mod oauth;
pub mod outbound;
pub mod password_reset;
mod passwords;
pub mod rekey;
pub mod webhooks;
pub mod welcome;
pub mod workspaces;

pub use error::{ConnectError, Error, Result};

use clock::Clock;
use crypto::{EncryptionKey, Keyring};
use db::Db;
use lifecycle::{Lifecycle, Pacing};
use networks::Networks;
use std::sync::Arc;
use url::Url;

/// Everything the engine needs, injected: database, clock, key, networks, and the public
/// URL that OAuth callbacks come back to.
///
/// Cloning is cheap (shared handles): background work takes a clone per task.
#[derive(Clone, Debug)]
pub struct Engine {
    db: Db,
    clock: Clock,
    key: Arc<Keyring>,
    networks: Networks,
    public_url: Arc<Url>,
    http: reqwest::Client,
    lifecycle: Arc<Lifecycle>,
    /// `None` until the server gives one; invites are then only copied.
    mailer: Option<Arc<mail::Mailer>>,
    passwords: passwords::Passwords,
    sessions: accounts::SessionPolicy,
    /// For addresses people typed (webhooks): public addresses only, unless allowed.
    webhook_http: reqwest::Client,
    private_addresses: outbound::PrivateAddresses,
    /// Each workspace's channel records while nothing they show has changed.
    channel_lists: Arc<channel_lists::ChannelLists>,
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
            key: Arc::new(Keyring::new(key, Vec::new())),
            networks,
            public_url: Arc::new(public_url),
            http: oauth::http_client(Pacing::default().call_timeout),
            lifecycle: Arc::new(Lifecycle::new(Pacing::default())),
            mailer: None,
            passwords: passwords::Passwords::new(),
            sessions: accounts::SessionPolicy::default(),
            webhook_http: outbound::client(
                Pacing::default().call_timeout,
                outbound::PrivateAddresses::Refused,
            ),
            private_addresses: outbound::PrivateAddresses::Refused,
            channel_lists: Arc::default(),
        }
    }

    /// The same engine, sending mail with `mailer`.
    pub fn with_mailer(mut self, mailer: mail::Mailer) -> Self {
        self.mailer = Some(Arc::new(mailer));
        self
    }

    pub fn mailer(&self) -> Option<&mail::Mailer> {
        self.mailer.as_deref()
    }

    /// Sends one message, dated by the engine's clock.
    pub async fn send_mail(&self, mail: mail::Mail) -> Result<()> {
        let mailer = self
            .mailer
            .as_ref()
            .ok_or_else(|| Error::Internal("no mailer configured".into()))?;
        mailer.send(mail, self.clock.now()).await
    }

    /// The same engine, calling webhooks at private addresses too (tests, one machine).
    pub fn with_private_addresses(mut self, private: outbound::PrivateAddresses) -> Self {
        self.private_addresses = private;
        self.webhook_http =
            outbound::client(self.lifecycle.pacing.call_timeout, self.private_addresses);
        self
    }

    /// The same engine with other pacing for its background work (tests, benchmarks).
    pub fn with_pacing(mut self, pacing: Pacing) -> Self {
        self.http = oauth::http_client(pacing.call_timeout);
        self.webhook_http = outbound::client(pacing.call_timeout, self.private_addresses);
        self.lifecycle = Arc::new(Lifecycle::new(pacing));
        self
    }

    pub fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
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

    /// Older keys, newest first, that still open what they sealed until `tether rekey` has
    /// moved everything to the newest.
    pub fn with_older_keys(mut self, older: Vec<EncryptionKey>) -> Self {
        let newest = Arc::unwrap_or_clone(self.key);
        self.key = Arc::new(Keyring::new(newest.newest().clone(), older));
        self
    }

    /// Signs a value the browser keeps (a cookie), so it comes back unchanged or not at all.
    pub fn sign(&self, message: &[u8]) -> String {
        self.key.sign(message)
    }

    pub fn verify(&self, message: &[u8], tag: &str) -> bool {
        self.key.verify(message, tag)
    }

    /// Encrypts a secret the browser must carry for a moment (a new API key on its way to
    /// the page that shows it once); `purpose` binds it to that use.
    pub fn seal_for_browser(&self, secret: &crypto::Secret, purpose: &str) -> String {
        use base64::Engine as _;
        let sealed = self.key.seal(secret, purpose);
        format!(
            "{}.{}",
            sealed.key_id,
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sealed.bytes)
        )
    }

    /// Opens what [`Engine::seal_for_browser`] sealed for `purpose`; `None` for anything else.
    pub fn open_from_browser(&self, value: &str, purpose: &str) -> Option<crypto::Secret> {
        use base64::Engine as _;
        let (key_id, bytes) = value.split_once('.')?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(bytes)
            .ok()?;
        self.key
            .open(
                &crypto::Sealed {
                    key_id: key_id.to_owned(),
                    bytes,
                },
                purpose,
            )
            .ok()
    }
}
