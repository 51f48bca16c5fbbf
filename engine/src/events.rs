//! The append-only event log: who did what to which channel, and why.

use crate::accounts::SignedIn;
use crate::domain::{require, Permission};
use crate::error::Result;
use crate::Engine;
use sqlx::Row;

/// One line of the log, as shown to a person.
#[derive(Clone, Debug)]
pub struct Event {
    pub channel_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    /// The actor's display name; `None` for Tether's own work (renewals, checks).
    pub actor: Option<String>,
    pub kind: String,
    pub detail: serde_json::Value,
    pub at: i64,
}

impl Engine {
    pub(crate) async fn record_event(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        workspace_id: i64,
        channel_id: Option<i64>,
        actor_user_id: Option<i64>,
        kind: &str,
        detail: serde_json::Value,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO events (workspace_id, channel_id, actor_user_id, kind, detail, at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(workspace_id)
        .bind(channel_id)
        .bind(actor_user_id)
        .bind(kind)
        .bind(detail.to_string())
        .bind(self.clock.now().timestamp())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The workspace's events, newest first.
    pub async fn events(&self, workspace_id: i64, limit: i64) -> Result<Vec<Event>> {
        self.events_where(workspace_id, None, limit).await
    }

    /// One channel's history, newest first.
    pub async fn channel_history(
        &self,
        person: &SignedIn,
        channel_id: i64,
        limit: i64,
    ) -> Result<Vec<Event>> {
        require(person.role, Permission::SeeTokenMetadata)?;
        self.events_where(person.workspace_id, Some(channel_id), limit)
            .await
    }

    async fn events_where(
        &self,
        workspace_id: i64,
        channel_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Event>> {
        let rows = sqlx::query(
            "SELECT e.channel_id, e.actor_user_id, u.display_name AS actor, e.kind, e.detail, e.at \
             FROM events e LEFT JOIN users u ON u.id = e.actor_user_id \
             WHERE e.workspace_id = $1 AND ($2 IS NULL OR e.channel_id = $2) \
             ORDER BY e.at DESC, e.id DESC LIMIT $3",
        )
        .bind(workspace_id)
        .bind(channel_id)
        .bind(limit)
        .fetch_all(self.db.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Event {
                    channel_id: row.try_get("channel_id")?,
                    actor_user_id: row.try_get("actor_user_id")?,
                    actor: row.try_get("actor")?,
                    kind: row.try_get("kind")?,
                    detail: serde_json::from_str(&row.try_get::<String, _>("detail")?)
                        .unwrap_or(serde_json::Value::Null),
                    at: row.try_get("at")?,
                })
            })
            .collect()
    }
}
