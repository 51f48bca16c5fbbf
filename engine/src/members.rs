//! Members of a workspace: who they are and their roles. Owners and admins change roles and
//! remove members; only an owner touches an owner or makes someone an owner, and nobody
//! changes their own role, so a workspace always keeps an owner.

use crate::accounts::SignedIn;
use crate::domain::{require, Permission, Role};
use crate::error::{Error, Result};
use crate::Engine;
use serde_json::json;
use sqlx::Row;

#[derive(Clone, Debug)]
pub struct Member {
    pub user_id: i64,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub since: i64,
    /// The API keys and webhooks they created here that still work: removing them offers
    /// to revoke these too.
    pub live_keys: i64,
    pub live_webhooks: i64,
}

/// What removing a member revoked beside the membership.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Removed {
    pub keys: u64,
    pub webhooks: u64,
}

impl Engine {
    /// The workspace's members, owners first; for those who manage members.
    pub async fn members(&self, person: &SignedIn) -> Result<Vec<Member>> {
        require(person.role, Permission::ManageMembers)?;
        let rows = sqlx::query(
            "SELECT u.id, u.display_name, u.email, m.role, m.created_at, \
                    (SELECT COUNT(*) FROM api_keys k WHERE k.workspace_id = m.workspace_id \
                       AND k.created_by = u.id AND k.revoked_at IS NULL) AS live_keys, \
                    (SELECT COUNT(*) FROM webhooks w WHERE w.workspace_id = m.workspace_id \
                       AND w.created_by = u.id AND w.revoked_at IS NULL) AS live_webhooks \
             FROM memberships m \
             JOIN users u ON u.id = m.user_id WHERE m.workspace_id = $1 \
             ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 \
                 WHEN 'editor' THEN 2 ELSE 3 END, u.display_name, u.id",
        )
        .bind(person.workspace_id)
        .fetch_all(self.db.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Member {
                    user_id: row.try_get("id")?,
                    display_name: row.try_get("display_name")?,
                    email: row.try_get("email")?,
                    role: Role::parse(&row.try_get::<String, _>("role")?)?,
                    since: row.try_get("created_at")?,
                    live_keys: row.try_get("live_keys")?,
                    live_webhooks: row.try_get("live_webhooks")?,
                })
            })
            .collect()
    }

    /// Gives a member another role.
    pub async fn change_role(&self, person: &SignedIn, user_id: i64, role: Role) -> Result<()> {
        let current = self.manageable_member(person, user_id).await?;
        if role == Role::Owner && person.role != Role::Owner {
            return Err(Error::Invalid(
                "Only an owner can make someone an owner.".into(),
            ));
        }
        if role == current {
            return Ok(());
        }
        let mut tx = self.db.pool().begin().await?;
        sqlx::query("UPDATE memberships SET role = $1 WHERE workspace_id = $2 AND user_id = $3")
            .bind(role.as_str())
            .bind(person.workspace_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        // A new role starts from a new sign-in: no session carries the old one on.
        crate::accounts::end_sessions(&mut *tx, user_id).await?;
        crate::notify::tell_again(&mut tx, person.workspace_id, None).await?;
        let detail = json!({ "user_id": user_id, "from": current.as_str(), "to": role.as_str() });
        self.record_event(
            &mut tx,
            person.workspace_id,
            None,
            Some(person.user_id),
            "member_role_changed",
            detail,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(user_id, role = role.as_str(), "member role changed");
        Ok(())
    }

    /// Takes a member out of the workspace; their sessions stop reaching it at once. With
    /// `revoke_theirs`, the API keys and webhooks they created here stop too: a key they
    /// copied would otherwise keep handing out tokens after they left.
    pub async fn remove_member(
        &self,
        person: &SignedIn,
        user_id: i64,
        revoke_theirs: bool,
    ) -> Result<Removed> {
        let current = self.manageable_member(person, user_id).await?;
        let now = self.clock.now().timestamp();
        let mut tx = self.db.pool().begin().await?;
        sqlx::query("DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2")
            .bind(person.workspace_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let mut removed = Removed::default();
        if revoke_theirs {
            for (table, count) in [
                ("api_keys", &mut removed.keys),
                ("webhooks", &mut removed.webhooks),
            ] {
                *count = sqlx::query(&format!(
                    "UPDATE {table} SET revoked_at = $1 \
                     WHERE workspace_id = $2 AND created_by = $3 AND revoked_at IS NULL"
                ))
                .bind(now)
                .bind(person.workspace_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
        }
        let detail = json!({
            "user_id": user_id,
            "role": current.as_str(),
            "keys_revoked": removed.keys,
            "webhooks_revoked": removed.webhooks,
        });
        self.record_event(
            &mut tx,
            person.workspace_id,
            None,
            Some(person.user_id),
            "member_removed",
            detail,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(
            user_id,
            keys_revoked = removed.keys,
            webhooks_revoked = removed.webhooks,
            "member removed"
        );
        Ok(removed)
    }

    /// The role of a member `person` may change or remove: someone else in the same
    /// workspace, and no owner unless `person` is one.
    async fn manageable_member(&self, person: &SignedIn, user_id: i64) -> Result<Role> {
        require(person.role, Permission::ManageMembers)?;
        if user_id == person.user_id {
            return Err(Error::Invalid(
                "You cannot change your own membership; ask another owner or admin.".into(),
            ));
        }
        let role: String = sqlx::query_scalar(
            "SELECT role FROM memberships WHERE workspace_id = $1 AND user_id = $2",
        )
        .bind(person.workspace_id)
        .bind(user_id)
        .fetch_optional(self.db.pool())
        .await?
        .ok_or(Error::NotFound)?;
        let role = Role::parse(&role)?;
        if role == Role::Owner && person.role != Role::Owner {
            return Err(Error::Invalid(
                "Only an owner can change or remove an owner.".into(),
            ));
        }
        Ok(role)
    }
}
