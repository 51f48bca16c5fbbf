//! Workspaces: an agency keeps one per client, each with its own members, channels,
//! invites, reminder days, webhooks and API keys. An owner creates more, renames the one
//! they act in, and deletes it once it holds no channel.

use crate::accounts::{insert_membership, SignedIn};
use crate::domain::{require, Permission, Role, WorkspaceName};
use crate::error::{Error, Result};
use crate::Engine;
use serde_json::json;
use sqlx::Row;

impl Engine {
    /// Creates a workspace owned by `person` and makes their session act in it. Returns
    /// its id.
    pub async fn create_workspace(&self, person: &SignedIn, name: &WorkspaceName) -> Result<i64> {
        require(person.role, Permission::ManageWorkspace)?;
        let now = self.clock.now().timestamp();
        let mut tx = self.db.pool().begin().await?;
        let workspace_id: i64 =
            sqlx::query("INSERT INTO workspaces (name, created_at) VALUES ($1, $2) RETURNING id")
                .bind(name.as_str())
                .bind(now)
                .fetch_one(&mut *tx)
                .await?
                .try_get("id")?;
        insert_membership(&mut tx, workspace_id, person.user_id, Role::Owner, now).await?;
        self.record_event(
            &mut tx,
            workspace_id,
            None,
            Some(person.user_id),
            "workspace_created",
            json!({ "name": name.as_str(), "from_workspace_id": person.workspace_id }),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(workspace_id, user_id = person.user_id, "workspace created");
        self.switch_workspace(person, workspace_id).await?;
        Ok(workspace_id)
    }

    /// Renames the workspace `person` acts in; returns the name it had.
    pub async fn rename_workspace(
        &self,
        person: &SignedIn,
        name: &WorkspaceName,
    ) -> Result<String> {
        require(person.role, Permission::ManageWorkspace)?;
        let mut tx = self.db.pool().begin().await?;
        sqlx::query("UPDATE workspaces SET name = $1 WHERE id = $2")
            .bind(name.as_str())
            .bind(person.workspace_id)
            .execute(&mut *tx)
            .await?;
        self.record_event(
            &mut tx,
            person.workspace_id,
            None,
            Some(person.user_id),
            "workspace_renamed",
            json!({ "from": person.workspace_name, "to": name.as_str() }),
        )
        .await?;
        tx.commit().await?;
        Ok(person.workspace_name.clone())
    }

    /// Deletes the workspace `person` acts in, with its members' access, invites, keys and
    /// webhooks. Refused while it holds channels (deleting each revokes it at its network)
    /// and when it is the person's only workspace. Their session moves to another one.
    pub async fn delete_workspace(&self, person: &SignedIn) -> Result<String> {
        require(person.role, Permission::ManageWorkspace)?;
        let name = &person.workspace_name;
        let mut tx = self.db.pool().begin().await?;
        let channels: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM channels WHERE workspace_id = $1")
                .bind(person.workspace_id)
                .fetch_one(&mut *tx)
                .await?;
        if channels > 0 {
            return Err(Error::Invalid(format!(
                "“{name}” still holds {channels} channel{}: delete {} first, so access is revoked at each network.",
                if channels == 1 { "" } else { "s" },
                if channels == 1 { "it" } else { "them" },
            )));
        }
        let elsewhere: Option<i64> = sqlx::query_scalar(
            "SELECT workspace_id FROM memberships WHERE user_id = $1 AND workspace_id <> $2 \
             ORDER BY created_at, workspace_id LIMIT 1",
        )
        .bind(person.user_id)
        .bind(person.workspace_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(elsewhere) = elsewhere else {
            return Err(Error::Invalid(format!(
                "“{name}” is your only workspace; create another before deleting this one."
            )));
        };
        sqlx::query("DELETE FROM workspaces WHERE id = $1")
            .bind(person.workspace_id)
            .execute(&mut *tx)
            .await?;
        self.record_event(
            &mut tx,
            elsewhere,
            None,
            Some(person.user_id),
            "workspace_deleted",
            json!({ "name": name, "workspace_id": person.workspace_id }),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(
            workspace_id = person.workspace_id,
            user_id = person.user_id,
            "workspace deleted"
        );
        self.switch_workspace(person, elsewhere).await?;
        Ok(name.clone())
    }
}
