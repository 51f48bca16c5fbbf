//! A forgotten password, reset by mail: the link works once, for 30 minutes, and asking
//! for one says the same whether or not an account uses the address, so the form cannot
//! tell anyone who has an account.

use crate::accounts::end_sessions;
use crate::crypto::{random_token, token_hash, Secret};
use crate::domain::{Email, NewPassword};
use crate::error::{Error, Result};
use crate::mail::Mail;
use crate::Engine;
use chrono::TimeDelta;
use sqlx::Row;

/// How long a reset link works.
pub const RESET_LINK_LIFETIME: TimeDelta = TimeDelta::minutes(30);
/// One mail per account in this time, however often the form is sent: nobody can flood a
/// person's mailbox through Tether.
const ONE_MAIL_PER: TimeDelta = TimeDelta::minutes(2);

impl Engine {
    /// Mails a reset link when an account uses `email`; says nothing either way. The mail
    /// goes out in the background, so the answer takes as long whether or not it is sent.
    pub async fn request_password_reset(&self, email: &Email) -> Result<()> {
        let now = self.clock.now();
        let account = sqlx::query(
            "SELECT u.id, u.display_name, \
                    (SELECT MIN(workspace_id) FROM memberships m WHERE m.user_id = u.id) AS workspace_id, \
                    (SELECT MAX(created_at) FROM password_resets r WHERE r.user_id = u.id) AS last_sent \
             FROM users u WHERE u.email = $1",
        )
        .bind(email.as_str())
        .fetch_optional(self.db.pool())
        .await?;
        let Some(account) = account else {
            return Ok(());
        };
        let last_sent: Option<i64> = account.try_get("last_sent")?;
        if last_sent.is_some_and(|at| at > (now - ONE_MAIL_PER).timestamp()) {
            return Ok(());
        }
        let user_id: i64 = account.try_get("id")?;
        let token = random_token();
        let mut tx = self.db.pool().begin().await?;
        // Only the newest link works; lapsed ones are swept with it.
        sqlx::query("DELETE FROM password_resets WHERE user_id = $1 OR expires_at <= $2")
            .bind(user_id)
            .bind(now.timestamp())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash(token.expose()))
        .bind(user_id)
        .bind(now.timestamp())
        .bind((now + RESET_LINK_LIFETIME).timestamp())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let link = self
            .public_url
            .join(&format!("reset/{}", token.expose()))
            .map_err(|e| Error::Internal(format!("reset link: {e}")))?;
        let name: String = account.try_get("display_name")?;
        let minutes = RESET_LINK_LIFETIME.num_minutes();
        let intro = format!(
            "Hello {name}, someone (we hope you) asked to choose a new password for your Tether account."
        );
        let step = format!(
            "Choose it with this link; it works once, for {minutes} minutes. If it was not you, ignore this mail: your password stays as it is."
        );
        let escape = |s: &str| html_escape::encode_text(s).into_owned();
        let mail = Mail {
            to: email.clone(),
            subject: "Choose a new Tether password".into(),
            text: format!("{intro}\n\n{step}\n{link}\n"),
            html: format!(
                "<!DOCTYPE html><html lang=\"en\"><body style=\"font-family:sans-serif;line-height:1.5;color:#1b1f24\">\
                 <p>{}</p><p>{}</p><p><a href=\"{}\">{}</a></p></body></html>",
                escape(&intro),
                escape(&step),
                html_escape::encode_double_quoted_attribute(link.as_str()),
                escape(link.as_str()),
            ),
            workspace_id: account
                .try_get::<Option<i64>, _>("workspace_id")?
                .unwrap_or_default(),
            // The link signs its holder in.
            personal: true,
        };
        let engine = self.clone();
        tokio::spawn(async move {
            if let Err(error) = engine.send_mail(mail).await {
                tracing::error!(user_id, detail = %error.log_detail(), "reset mail not sent");
            }
        });
        tracing::info!(user_id, "password reset link mailed");
        Ok(())
    }

    /// The address a reset link is for, while it works.
    pub async fn password_reset_email(&self, token: &str) -> Result<String> {
        sqlx::query_scalar(
            "SELECT u.email FROM password_resets r JOIN users u ON u.id = r.user_id \
             WHERE r.token_hash = $1 AND r.expires_at > $2",
        )
        .bind(token_hash(token))
        .bind(self.clock.now().timestamp())
        .fetch_optional(self.db.pool())
        .await?
        .ok_or_else(reset_link_refused)
    }

    /// Sets the new password through a reset link, which is spent; every sign-in ends and a
    /// new one starts here.
    pub async fn reset_password(&self, token: &str, new: NewPassword) -> Result<Secret> {
        let now = self.clock.now().timestamp();
        // Hashed first, outside the transaction: argon2 takes a while on purpose.
        self.password_reset_email(token).await?;
        let hash = self.hash_password(new.secret()).await?;
        let mut tx = self.db.pool().begin().await?;
        let user_id: i64 = sqlx::query_scalar(
            "DELETE FROM password_resets WHERE token_hash = $1 AND expires_at > $2 \
             RETURNING user_id",
        )
        .bind(token_hash(token))
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(reset_link_refused)?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(&hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let ended = end_sessions(&mut *tx, user_id).await?;
        tx.commit().await?;
        tracing::info!(user_id, ended, "password reset");
        self.start_session(user_id).await
    }
}

fn reset_link_refused() -> Error {
    Error::Invalid(
        "This link to choose a new password is not valid any more: it was used, replaced by a newer one, or is older than 30 minutes. Ask for a new one."
            .into(),
    )
}
