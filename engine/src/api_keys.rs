//! Keys for `/api/v1`, per workspace: created by an owner or admin (or `tether api-key
//! create`), shown once, stored as a hash, revocable. A key reads the workspace's channels
//! and hands out their fresh tokens.

use crate::accounts::SignedIn;
use crate::crypto::{random_token, token_hash, Secret};
use crate::domain::{require, ApiKeyName, Permission};
use crate::error::{Error, Result};
use crate::Engine;
use sqlx::Row;

/// What every key starts with, so a leaked one is recognisable (secret scanners, logs).
pub const KEY_PREFIX: &str = "tether_";
/// How much of a key is kept in clear to tell keys apart in lists.
const SHOWN_CHARS: usize = KEY_PREFIX.len() + 6;

/// What a key may do, as its creator chose: until when, whether it hands out tokens or only
/// reads channels, and which channels. The default is everything, without end (the
/// command line's keys).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyTerms {
    pub expires_at: Option<i64>,
    pub hands_out_tokens: bool,
    /// `None` for every channel of the workspace.
    pub channels: Option<Vec<i64>>,
}

impl Default for KeyTerms {
    fn default() -> Self {
        Self {
            expires_at: None,
            hands_out_tokens: true,
            channels: None,
        }
    }
}

impl KeyTerms {
    fn channels_column(&self) -> Option<String> {
        self.channels
            .as_ref()
            .map(|ids| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(" "))
    }

    fn from_row(row: &sqlx::any::AnyRow) -> Result<Self> {
        let channels: Option<String> = row.try_get("channel_ids")?;
        Ok(Self {
            expires_at: row.try_get("expires_at")?,
            hands_out_tokens: row.try_get::<i64, _>("hands_out_tokens")? == 1,
            channels: channels.map(|ids| ids.split(' ').filter_map(|id| id.parse().ok()).collect()),
        })
    }
}

/// A key as listed: never its secret.
#[derive(Clone, Debug)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    /// The first characters of the key, to recognise it.
    pub shown: String,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub terms: KeyTerms,
}

/// A key just created: the only time its secret exists outside the caller's hands.
#[derive(Debug)]
pub struct NewApiKey {
    pub id: i64,
    pub secret: Secret,
}

/// Who a presented key speaks for, and on what terms.
#[derive(Clone, Debug)]
pub struct KeyHolder {
    pub key_id: i64,
    pub workspace_id: i64,
    pub terms: KeyTerms,
}

impl KeyHolder {
    /// Whether the key was given this channel (a channel it was not given is, to it, not
    /// there).
    pub fn sees(&self, channel_id: i64) -> bool {
        self.terms
            .channels
            .as_ref()
            .is_none_or(|ids| ids.contains(&channel_id))
    }

    /// Refused unless the key may hand out tokens.
    pub fn may_hand_out(&self) -> Result<()> {
        if self.terms.hands_out_tokens {
            Ok(())
        } else {
            Err(Error::ApiKeyReadOnly)
        }
    }
}

impl Engine {
    /// Creates a key for the person's workspace on `terms`; owners and admins only. The
    /// channels named must be the workspace's.
    pub async fn create_api_key(
        &self,
        person: &SignedIn,
        name: &ApiKeyName,
        terms: &KeyTerms,
    ) -> Result<NewApiKey> {
        require(person.role, Permission::ManageApiKeys)?;
        if terms
            .expires_at
            .is_some_and(|at| at <= self.clock.now().timestamp())
        {
            return Err(Error::Invalid("An API key must end in the future.".into()));
        }
        if let Some(ids) = &terms.channels {
            if ids.is_empty() {
                return Err(Error::Invalid(
                    "Choose at least one channel, or every channel.".into(),
                ));
            }
            for id in ids {
                self.workspace_channel(person.workspace_id, *id).await?;
            }
        }
        self.insert_api_key(person.workspace_id, Some(person.user_id), name, terms)
            .await
    }

    /// Creates a key for a workspace from the command line.
    pub async fn create_api_key_for(
        &self,
        workspace_id: i64,
        name: &ApiKeyName,
    ) -> Result<NewApiKey> {
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM workspaces WHERE id = $1")
            .bind(workspace_id)
            .fetch_optional(self.db.pool())
            .await?;
        exists.ok_or(Error::NotFound)?;
        self.insert_api_key(workspace_id, None, name, &KeyTerms::default())
            .await
    }

    async fn insert_api_key(
        &self,
        workspace_id: i64,
        created_by: Option<i64>,
        name: &ApiKeyName,
        terms: &KeyTerms,
    ) -> Result<NewApiKey> {
        let secret = Secret::new(format!("{KEY_PREFIX}{}", random_token().expose()));
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_keys (workspace_id, name, prefix, key_hash, created_by, created_at, \
             expires_at, hands_out_tokens, channel_ids) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(workspace_id)
        .bind(name.as_str())
        .bind(&secret.expose()[..SHOWN_CHARS])
        .bind(token_hash(secret.expose()))
        .bind(created_by)
        .bind(self.clock.now().timestamp())
        .bind(terms.expires_at)
        .bind(i64::from(terms.hands_out_tokens))
        .bind(terms.channels_column())
        .fetch_one(self.db.pool())
        .await?;
        tracing::info!(workspace_id, key_id = id, "API key created");
        Ok(NewApiKey { id, secret })
    }

    /// The workspace's keys, newest first; owners and admins only.
    pub async fn api_keys(&self, person: &SignedIn) -> Result<Vec<ApiKey>> {
        require(person.role, Permission::ManageApiKeys)?;
        let rows = sqlx::query(
            "SELECT k.id, k.name, k.prefix, u.display_name AS creator, k.created_at, \
                    k.last_used_at, k.revoked_at, k.expires_at, k.hands_out_tokens, \
                    k.channel_ids \
             FROM api_keys k LEFT JOIN users u ON u.id = k.created_by \
             WHERE k.workspace_id = $1 ORDER BY k.created_at DESC, k.id DESC",
        )
        .bind(person.workspace_id)
        .fetch_all(self.db.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ApiKey {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    shown: row.try_get("prefix")?,
                    created_by: row.try_get("creator")?,
                    created_at: row.try_get("created_at")?,
                    last_used_at: row.try_get("last_used_at")?,
                    revoked_at: row.try_get("revoked_at")?,
                    terms: KeyTerms::from_row(row)?,
                })
            })
            .collect()
    }

    /// Revokes a key of the person's workspace; it stops working at once.
    pub async fn revoke_api_key(&self, person: &SignedIn, key_id: i64) -> Result<()> {
        require(person.role, Permission::ManageApiKeys)?;
        let revoked = sqlx::query(
            "UPDATE api_keys SET revoked_at = $1 \
             WHERE id = $2 AND workspace_id = $3 AND revoked_at IS NULL",
        )
        .bind(self.clock.now().timestamp())
        .bind(key_id)
        .bind(person.workspace_id)
        .execute(self.db.pool())
        .await?;
        if revoked.rows_affected() == 0 {
            return Err(Error::NotFound);
        }
        tracing::info!(key_id, "API key revoked");
        Ok(())
    }

    /// The workspace a presented key speaks for, or `Unauthenticated` for an unknown,
    /// malformed or revoked key.
    pub async fn authenticate_api_key(&self, presented: &str) -> Result<KeyHolder> {
        if !presented.starts_with(KEY_PREFIX) || presented.len() > 200 {
            return Err(Error::Unauthenticated);
        }
        let row = sqlx::query(
            "SELECT id, workspace_id, last_used_at, expires_at, hands_out_tokens, channel_ids \
             FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash(presented))
        .fetch_optional(self.db.pool())
        .await?
        .ok_or(Error::Unauthenticated)?;
        let now = self.clock.now().timestamp();
        let terms = KeyTerms::from_row(&row)?;
        if let Some(ended) = terms.expires_at.filter(|at| *at <= now) {
            return Err(Error::ApiKeyExpired {
                on: chrono::DateTime::from_timestamp(ended, 0).map_or_else(
                    || ended.to_string(),
                    |at| at.format("%Y-%m-%d %H:%M UTC").to_string(),
                ),
            });
        }
        // Last use to the minute is enough, and spares a write per request.
        if row
            .try_get::<Option<i64>, _>("last_used_at")?
            .is_none_or(|at| now - at >= 60)
        {
            sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(row.try_get::<i64, _>("id")?)
                .execute(self.db.pool())
                .await?;
        }
        Ok(KeyHolder {
            key_id: row.try_get("id")?,
            workspace_id: row.try_get("workspace_id")?,
            terms,
        })
    }
}
