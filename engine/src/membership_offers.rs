//! Someone who already has an account joins another workspace only when they accept: an
//! admin adding them makes an offer, which they see on their account page. Otherwise
//! whoever could sign in as them (an admin of their first workspace who kept the welcome
//! link, say) would be let into the second one without them knowing.

use crate::accounts::{insert_membership, SignedIn};
use crate::domain::Role;
use crate::error::{Error, Result};
use crate::Engine;
use serde_json::json;
use sqlx::Row;

/// How long an offer waits for its answer.
pub const OFFER_DAYS: i64 = 14;

/// An offer to join a workspace, as its recipient sees it.
#[derive(Clone, Debug)]
pub struct MembershipOffer {
    pub workspace_id: i64,
    pub workspace_name: String,
    pub role: Role,
    pub offered_by: Option<String>,
    pub expires_at: i64,
}

impl Engine {
    /// Records an offer for `user_id` to join `workspace_id` with `role`, replacing an
    /// earlier one; inside the caller's transaction.
    pub(crate) async fn offer_membership(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        workspace_id: i64,
        user_id: i64,
        role: Role,
        offered_by: i64,
    ) -> Result<()> {
        let now = self.clock.now().timestamp();
        sqlx::query(
            "INSERT INTO membership_offers (workspace_id, user_id, role, offered_by, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = $3, offered_by = $4, \
             created_at = $5, expires_at = $6",
        )
        .bind(workspace_id)
        .bind(user_id)
        .bind(role.as_str())
        .bind(offered_by)
        .bind(now)
        .bind(now + OFFER_DAYS * 86_400)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The offers waiting for the signed-in person, newest first.
    pub async fn membership_offers(&self, person: &SignedIn) -> Result<Vec<MembershipOffer>> {
        let rows = sqlx::query(
            "SELECT o.workspace_id, w.name, o.role, u.display_name AS offered_by, o.expires_at \
             FROM membership_offers o JOIN workspaces w ON w.id = o.workspace_id \
             LEFT JOIN users u ON u.id = o.offered_by \
             WHERE o.user_id = $1 AND o.expires_at > $2 \
             ORDER BY o.created_at DESC, o.workspace_id",
        )
        .bind(person.user_id)
        .bind(self.clock.now().timestamp())
        .fetch_all(self.db.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(MembershipOffer {
                    workspace_id: row.try_get("workspace_id")?,
                    workspace_name: row.try_get("name")?,
                    role: Role::parse(&row.try_get::<String, _>("role")?)?,
                    offered_by: row.try_get("offered_by")?,
                    expires_at: row.try_get("expires_at")?,
                })
            })
            .collect()
    }

    /// Accepts or declines an offer made to the signed-in person; returns the workspace's
    /// name. An offer is answered once; an expired one is gone.
    pub async fn answer_membership_offer(
        &self,
        person: &SignedIn,
        workspace_id: i64,
        accept: bool,
    ) -> Result<String> {
        let now = self.clock.now().timestamp();
        let mut tx = self.db.pool().begin().await?;
        let offer = sqlx::query(
            "DELETE FROM membership_offers WHERE workspace_id = $1 AND user_id = $2 \
             RETURNING role, expires_at",
        )
        .bind(workspace_id)
        .bind(person.user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(offer) =
            offer.filter(|o| o.try_get::<i64, _>("expires_at").is_ok_and(|at| at > now))
        else {
            return Err(Error::Invalid(
                "That invitation is no longer open: it was answered, withdrawn or has expired. Ask for a new one."
                    .into(),
            ));
        };
        let name: String = sqlx::query_scalar("SELECT name FROM workspaces WHERE id = $1")
            .bind(workspace_id)
            .fetch_one(&mut *tx)
            .await?;
        if accept {
            let role = Role::parse(&offer.try_get::<String, _>("role")?)?;
            insert_membership(&mut tx, workspace_id, person.user_id, role, now).await?;
            self.record_event(
                &mut tx,
                workspace_id,
                None,
                Some(person.user_id),
                "member_added",
                json!({ "user_id": person.user_id, "role": role.as_str(), "accepted": true }),
            )
            .await?;
        }
        tx.commit().await?;
        tracing::info!(
            user_id = person.user_id,
            workspace_id,
            accept,
            "membership offer answered"
        );
        Ok(name)
    }
}
