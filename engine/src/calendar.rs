//! A calendar (ICS) feed per person and workspace: every deadline that needs a person as an
//! event, with an alarm on each reminder day. The address holds a secret token; only its
//! hash is kept, a new address revokes the old one, and a revoked one stops at once.

use crate::accounts::SignedIn;
use crate::crypto::{random_token, token_hash, Secret};
use crate::error::Result;
use crate::Engine;
use chrono::{DateTime, TimeDelta};
use icalendar::{Alarm, Calendar, Component, Event, EventLike, Trigger};
use sqlx::Row;

/// How long a deadline's event lasts in a calendar: long enough to be seen.
const EVENT_LENGTH: TimeDelta = TimeDelta::minutes(30);

impl Engine {
    /// A new calendar address for the person (the old one stops working); returns the
    /// token, shown once.
    pub async fn create_calendar_feed(&self, person: &SignedIn) -> Result<Secret> {
        let now = self.clock.now().timestamp();
        let token = random_token();
        let mut tx = self.db.pool().begin().await?;
        sqlx::query(
            "UPDATE calendar_feeds SET revoked_at = $1 \
             WHERE user_id = $2 AND workspace_id = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(person.user_id)
        .bind(person.workspace_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO calendar_feeds (user_id, workspace_id, token_hash, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(person.user_id)
        .bind(person.workspace_id)
        .bind(token_hash(token.expose()))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Stops the person's calendar address; true if there was one.
    pub async fn revoke_calendar_feed(&self, person: &SignedIn) -> Result<bool> {
        let revoked = sqlx::query(
            "UPDATE calendar_feeds SET revoked_at = $1 \
             WHERE user_id = $2 AND workspace_id = $3 AND revoked_at IS NULL",
        )
        .bind(self.clock.now().timestamp())
        .bind(person.user_id)
        .bind(person.workspace_id)
        .execute(self.db.pool())
        .await?;
        Ok(revoked.rows_affected() > 0)
    }

    /// When the person's current calendar address was made, if they have one.
    pub async fn calendar_feed_since(&self, person: &SignedIn) -> Result<Option<i64>> {
        Ok(sqlx::query(
            "SELECT created_at FROM calendar_feeds \
             WHERE user_id = $1 AND workspace_id = $2 AND revoked_at IS NULL",
        )
        .bind(person.user_id)
        .bind(person.workspace_id)
        .fetch_optional(self.db.pool())
        .await?
        .map(|row| row.try_get("created_at"))
        .transpose()?)
    }

    /// The address of a calendar feed.
    pub fn calendar_link(&self, token: &Secret) -> url::Url {
        self.public_url
            .join(&format!("calendar/{}.ics", token.expose()))
            .expect("a base64url token is a valid URL path")
    }

    /// The feed behind a calendar token, as iCalendar text; `None` for an unknown or
    /// revoked token, or one whose person left the workspace.
    pub async fn calendar_feed(&self, token: &str) -> Result<Option<String>> {
        if !crate::invites::plausible(token) {
            return Ok(None);
        }
        let Some(row) = sqlx::query(
            "SELECT f.workspace_id, w.name FROM calendar_feeds f \
             JOIN memberships m ON m.user_id = f.user_id AND m.workspace_id = f.workspace_id \
             JOIN workspaces w ON w.id = f.workspace_id \
             WHERE f.token_hash = $1 AND f.revoked_at IS NULL",
        )
        .bind(token_hash(token))
        .fetch_optional(self.db.pool())
        .await?
        else {
            return Ok(None);
        };
        let workspace_id: i64 = row.try_get("workspace_id")?;
        let workspace: String = row.try_get("name")?;
        let now = self.clock.now();
        let mut calendar = Calendar::new();
        calendar.name(&format!("Tether · {workspace}"));
        for deadline in self.deadlines(Some(workspace_id)).await? {
            let Some(at) = DateTime::from_timestamp(deadline.at, 0) else {
                continue;
            };
            let link = self
                .public_url
                .join(&format!("channels/{}", deadline.channel_id))
                .expect("a channel path is a valid URL path");
            let mut event = Event::new();
            event
                .uid(&format!(
                    "tether-{}-{}-{}@{}",
                    deadline.channel_id,
                    if deadline.reconsent {
                        "reconsent"
                    } else {
                        "expiry"
                    },
                    deadline.at,
                    self.public_url.host_str().unwrap_or("tether")
                ))
                .summary(&deadline.headline())
                .description(&format!(
                    "Reconnect it before then so nothing stops. {link}"
                ))
                .url(link.as_str())
                .timestamp(now)
                .starts(at)
                .ends(at + EVENT_LENGTH);
            for day in deadline.reminders() {
                event.alarm(Alarm::display(
                    &format!(
                        "{} {}",
                        deadline.headline(),
                        crate::notify::time_left(day * 86_400)
                    ),
                    Trigger::before_start(TimeDelta::days(day)),
                ));
            }
            calendar.push(event.done());
        }
        Ok(Some(calendar.done().to_string()))
    }
}
