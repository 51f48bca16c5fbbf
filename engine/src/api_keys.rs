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
}

/// A key just created: the only time its secret exists outside the caller's hands.
#[derive(Debug)]
pub struct NewApiKey {
    pub id: i64,
    pub secret: Secret,
}

/// Who a presented key speaks for.
#[derive(Clone, Copy, Debug)]
pub struct KeyHolder {
    pub key_id: i64,
    pub workspace_id: i64,
}

impl Engine {
    /// Creates a key for the person's workspace; owners and admins only.
    pub async fn create_api_key(&self, person: &SignedIn, name: &ApiKeyName) -> Result<NewApiKey> {
        require(person.role, Permission::ManageApiKeys)?;
        self.insert_api_key(person.workspace_id, Some(person.user_id), name)
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
        self.insert_api_key(workspace_id, None, name).await
    }

    async fn insert_api_key(
        &self,
        workspace_id: i64,
        created_by: Option<i64>,
        name: &ApiKeyName,
    ) -> Result<NewApiKey> {
        let secret = Secret::new(format!("{KEY_PREFIX}{}", random_token().expose()));
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_keys (workspace_id, name, prefix, key_hash, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(workspace_id)
        .bind(name.as_str())
        .bind(&secret.expose()[..SHOWN_CHARS])
        .bind(token_hash(secret.expose()))
        .bind(created_by)
        .bind(self.clock.now().timestamp())
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
                    k.last_used_at, k.revoked_at \
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
            "SELECT id, workspace_id, last_used_at FROM api_keys \
             WHERE key_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash(presented))
        .fetch_optional(self.db.pool())
        .await?
        .ok_or(Error::Unauthenticated)?;
        let now = self.clock.now().timestamp();
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
        })
    }
}
