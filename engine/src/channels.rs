//! Channels and their credentials: connecting one through an OAuth handshake, and reading
//! the facts the status model needs. Tokens are sealed before they are stored and never
//! leave this module in a listing.

use crate::accounts::SignedIn;
use crate::crypto::{token_hash, Sealed, Secret};
use crate::domain::ChannelName;
use crate::error::{ConnectError, Error, Result};
use crate::networks::{ConfiguredNetwork, ExternalAccount};
use crate::oauth::{self, NetworkFailure, TokenGrant};
use crate::Engine;
use chrono::TimeDelta;
use serde_json::json;
use sqlx::Row;
use url::Url;

/// How long a person has to finish the network's consent page.
pub const HANDSHAKE_LIFETIME: TimeDelta = TimeDelta::minutes(10);

/// What the network sent back to the callback URL, unvalidated.
#[derive(Debug, Default)]
pub struct CallbackParams {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// A connected channel, as the dashboard and the status model see it: facts, no tokens.
#[derive(Clone, Debug)]
pub struct ChannelRecord {
    pub id: i64,
    pub network: String,
    pub network_name: String,
    pub kind: String,
    pub name: String,
    pub handle: String,
    pub access_expires_at: Option<i64>,
    pub reconsent_deadline: Option<i64>,
    pub renewable: bool,
    pub granted_scopes: Vec<String>,
    pub required_scopes: Vec<String>,
    pub dead_reason: Option<String>,
    pub connected_at: i64,
    pub connected_by: Option<String>,
}

/// A handshake in flight, as remembered when it began.
struct Handshake {
    workspace_id: i64,
    user_id: i64,
    channel_name: String,
    pkce_verifier: Secret,
}

/// A channel that was just connected.
#[derive(Clone, Debug)]
pub struct Connected {
    pub channel_id: i64,
    pub name: String,
    pub handle: String,
}

fn seal_context(channel_id: i64, column: &str) -> String {
    format!("credential:{channel_id}:{column}")
}

fn scope_list(scopes: &str) -> Vec<String> {
    scopes.split_whitespace().map(str::to_owned).collect()
}

impl Engine {
    fn network(&self, id: &str) -> Result<&ConfiguredNetwork, ConnectError> {
        self.networks
            .get(id)
            .ok_or_else(|| ConnectError::UnknownNetwork(id.to_owned()))
    }

    fn callback_url(&self, network_id: &str) -> Url {
        self.public_url
            .join(&format!("oauth/callback/{network_id}"))
            .expect("callback path is a valid URL path")
    }

    /// Starts connecting a channel: remembers the handshake (state single use, bound to the
    /// person's session, PKCE verifier sealed) and returns the network's consent URL.
    pub async fn begin_connect(
        &self,
        person: &SignedIn,
        network_id: &str,
        name: ChannelName,
    ) -> Result<Url> {
        if !person.role.may_connect_channels() {
            return Err(Error::Forbidden);
        }
        let network = self.network(network_id)?;
        let request = oauth::authorization_request(network, &self.callback_url(network_id));
        let state_hash = token_hash(request.state.expose());
        let sealed = self
            .key
            .seal(&request.pkce_verifier, &format!("oauth_state:{state_hash}"));
        let now = self.clock.now();
        // Each new handshake sweeps the ones people abandoned at the network.
        sqlx::query("DELETE FROM oauth_states WHERE expires_at <= $1")
            .bind(now.timestamp())
            .execute(self.db.pool())
            .await?;
        sqlx::query(
            "INSERT INTO oauth_states (state_hash, session_hash, workspace_id, user_id, network, \
             channel_name, key_id, pkce_verifier, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&state_hash)
        .bind(&person.session_hash)
        .bind(person.workspace_id)
        .bind(person.user_id)
        .bind(network_id)
        .bind(name.as_str())
        .bind(&sealed.key_id)
        .bind(sealed.bytes)
        .bind(now.timestamp())
        .bind((now + HANDSHAKE_LIFETIME).timestamp())
        .execute(self.db.pool())
        .await?;
        Ok(request.url)
    }

    /// Finishes a handshake from the network's redirect. The state is spent first, whatever
    /// follows, so it can never be replayed; nothing is stored unless every check passes.
    pub async fn finish_connect(
        &self,
        session_token: Option<&str>,
        network_id: &str,
        params: CallbackParams,
    ) -> Result<Connected> {
        let network = self.network(network_id)?;
        let display_name = network.profile.display_name.to_owned();
        let state = params.state.as_deref().ok_or(ConnectError::InvalidState)?;
        let handshake = self
            .take_handshake(session_token, network_id, state)
            .await?;

        if let Some(error) = params.error {
            return Err(if error == "access_denied" {
                ConnectError::Denied {
                    network: display_name,
                }
            } else {
                ConnectError::NetworkRefused {
                    network: display_name,
                    description: printable(params.error_description.as_deref().unwrap_or(&error)),
                }
            }
            .into());
        }
        let code = params
            .code
            .filter(|c| !c.is_empty() && c.len() <= 2048)
            .ok_or_else(|| ConnectError::NetworkRefused {
                network: display_name.clone(),
                description: "the redirect carried no authorization code".into(),
            })?;

        let failure = |f: NetworkFailure| -> Error {
            match f {
                NetworkFailure::Refused { code, description } => ConnectError::NetworkRefused {
                    network: display_name.clone(),
                    description: printable(&format!("{description} ({code})")),
                },
                NetworkFailure::Unavailable(cause) => ConnectError::NetworkUnavailable {
                    network: display_name.clone(),
                    cause,
                },
            }
            .into()
        };
        let grant = oauth::exchange_code(
            &self.http,
            network,
            &self.callback_url(network_id),
            &code,
            &handshake.pkce_verifier,
        )
        .await
        .map_err(failure)?;
        let account = oauth::fetch_identity(&self.http, network, &grant.access_token)
            .await
            .map_err(failure)?;
        self.store_new_channel(handshake, network, account, grant)
            .await
    }

    /// Spends the handshake that `state` names, and returns it if it belongs to this session
    /// and network and has not expired.
    async fn take_handshake(
        &self,
        session_token: Option<&str>,
        network_id: &str,
        state: &str,
    ) -> Result<Handshake> {
        let state_hash = token_hash(state);
        let row = sqlx::query(
            "DELETE FROM oauth_states WHERE state_hash = $1 \
             RETURNING session_hash, workspace_id, user_id, network, channel_name, key_id, \
             pkce_verifier, expires_at",
        )
        .bind(&state_hash)
        .fetch_optional(self.db.pool())
        .await?
        .ok_or(ConnectError::InvalidState)?;
        let bound_session: String = row.try_get("session_hash")?;
        let expires_at: i64 = row.try_get("expires_at")?;
        let same_session = session_token.is_some_and(|t| token_hash(t) == bound_session);
        if !same_session
            || expires_at <= self.clock.now().timestamp()
            || row.try_get::<String, _>("network")? != network_id
        {
            return Err(ConnectError::InvalidState.into());
        }
        let pkce_verifier = self
            .key
            .open(
                &Sealed {
                    key_id: row.try_get("key_id")?,
                    bytes: row.try_get("pkce_verifier")?,
                },
                &format!("oauth_state:{state_hash}"),
            )
            .map_err(|e| Error::Internal(format!("cannot open PKCE verifier: {e}")))?;
        Ok(Handshake {
            workspace_id: row.try_get("workspace_id")?,
            user_id: row.try_get("user_id")?,
            channel_name: row.try_get("channel_name")?,
            pkce_verifier,
        })
    }

    /// Stores the channel, its sealed tokens and the event in one transaction, unless the
    /// account is already connected in this workspace.
    async fn store_new_channel(
        &self,
        handshake: Handshake,
        network: &ConfiguredNetwork,
        account: ExternalAccount,
        grant: TokenGrant,
    ) -> Result<Connected> {
        let profile = &network.profile;
        let now = self.clock.now();
        let mut tx = self.db.pool().begin().await?;
        let existing = sqlx::query(
            "SELECT name FROM channels WHERE workspace_id = $1 AND network = $2 AND kind = $3 \
             AND external_account_id = $4",
        )
        .bind(handshake.workspace_id)
        .bind(profile.id)
        .bind(profile.channel_kind)
        .bind(&account.id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(existing) = existing {
            return Err(ConnectError::AlreadyConnected {
                network: profile.display_name.to_owned(),
                handle: account.handle,
                channel: existing.try_get("name")?,
            }
            .into());
        }
        let channel_id: i64 = sqlx::query(
            "INSERT INTO channels (workspace_id, network, kind, name, external_account_id, handle, \
             required_scopes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(handshake.workspace_id)
        .bind(profile.id)
        .bind(profile.channel_kind)
        .bind(&handshake.channel_name)
        .bind(&account.id)
        .bind(&account.handle)
        .bind(profile.required_scopes.join(" "))
        .bind(now.timestamp())
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        let access = self
            .key
            .seal(&grant.access_token, &seal_context(channel_id, "access"));
        let refresh = grant
            .refresh_token
            .as_ref()
            .map(|t| self.key.seal(t, &seal_context(channel_id, "refresh")));
        let granted = grant.granted_scopes.join(" ");
        sqlx::query(
            "INSERT INTO credentials (channel_id, key_id, access_token, refresh_token, \
             access_expires_at, refresh_expires_at, reconsent_deadline, granted_scopes, \
             dead_reason, connected_by, connected_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, NULL, NULL, $6, NULL, $7, $8, $8)",
        )
        .bind(channel_id)
        .bind(&access.key_id)
        .bind(access.bytes)
        .bind(refresh.map(|r| r.bytes))
        .bind(grant.expires_in.map(|d| (now + d).timestamp()))
        .bind(&granted)
        .bind(handshake.user_id)
        .bind(now.timestamp())
        .execute(&mut *tx)
        .await?;
        self.record_event(
            &mut tx,
            handshake.workspace_id,
            Some(channel_id),
            Some(handshake.user_id),
            "connected",
            json!({
                "network": profile.id,
                "account_id": account.id,
                "handle": account.handle,
                "scopes": granted,
            }),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(channel_id, network = profile.id, "channel connected");
        Ok(Connected {
            channel_id,
            name: handshake.channel_name,
            handle: account.handle,
        })
    }

    /// The workspace's channels with everything the status model needs, and no tokens.
    pub async fn channels(&self, person: &SignedIn) -> Result<Vec<ChannelRecord>> {
        let rows = sqlx::query(
            "SELECT c.id, c.network, c.kind, c.name, c.handle, c.required_scopes, \
                    cr.access_expires_at, cr.reconsent_deadline, \
                    CAST(CASE WHEN cr.refresh_token IS NULL THEN 0 ELSE 1 END AS BIGINT) AS renewable, \
                    cr.granted_scopes, cr.dead_reason, cr.connected_at, u.display_name AS connector \
             FROM channels c \
             JOIN credentials cr ON cr.channel_id = c.id \
             LEFT JOIN users u ON u.id = cr.connected_by \
             WHERE c.workspace_id = $1 \
             ORDER BY c.name, c.id",
        )
        .bind(person.workspace_id)
        .fetch_all(self.db.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let network: String = row.try_get("network")?;
                let network_name = self
                    .networks
                    .get(&network)
                    .map(|n| n.profile.display_name.to_owned())
                    .unwrap_or_else(|| network.clone());
                Ok(ChannelRecord {
                    id: row.try_get("id")?,
                    network,
                    network_name,
                    kind: row.try_get("kind")?,
                    name: row.try_get("name")?,
                    handle: row.try_get("handle")?,
                    access_expires_at: row.try_get("access_expires_at")?,
                    reconsent_deadline: row.try_get("reconsent_deadline")?,
                    renewable: row.try_get::<i64, _>("renewable")? == 1,
                    granted_scopes: scope_list(&row.try_get::<String, _>("granted_scopes")?),
                    required_scopes: scope_list(&row.try_get::<String, _>("required_scopes")?),
                    dead_reason: row.try_get("dead_reason")?,
                    connected_at: row.try_get("connected_at")?,
                    connected_by: row.try_get("connector")?,
                })
            })
            .collect()
    }

    /// Reads a channel's access token, for the engine's own calls to the network.
    pub async fn access_token(&self, channel_id: i64) -> Result<Secret> {
        let row = sqlx::query("SELECT key_id, access_token FROM credentials WHERE channel_id = $1")
            .bind(channel_id)
            .fetch_optional(self.db.pool())
            .await?
            .ok_or(Error::NotFound)?;
        self.key
            .open(
                &Sealed {
                    key_id: row.try_get("key_id")?,
                    bytes: row.try_get("access_token")?,
                },
                &seal_context(channel_id, "access"),
            )
            .map_err(|e| {
                Error::Internal(format!(
                    "cannot open access token of channel {channel_id}: {e}"
                ))
            })
    }
}

/// Text from a network shown to a person: printable characters only, bounded length.
fn printable(raw: &str) -> String {
    raw.chars().filter(|c| !c.is_control()).take(300).collect()
}
