//! Adding people from the members page. Someone with an account already joins at once;
//! someone new gets an account and a single-use link (mailed, and shown once to the admin)
//! where they choose their password. Only the hash of the link's token is kept.

use crate::accounts::{insert_membership, insert_user, SignedIn};
use crate::crypto::{random_token, token_hash, Secret};
use crate::domain::{require, DisplayName, Email, NewPassword, Permission, Role};
use crate::error::{Error, Result};
use crate::invites::InviteRefused;
use crate::mail::Mail;
use crate::membership_offers::OFFER_DAYS;
use crate::Engine;
use serde_json::json;
use sqlx::Row;
use url::Url;

/// How long a welcome link works.
pub const WELCOME_DAYS: i64 = 7;

/// A person an admin adds.
#[derive(Clone, Debug)]
pub struct NewMember {
    pub display_name: DisplayName,
    pub email: Email,
    pub role: Role,
}

/// What adding someone did.
#[derive(Debug)]
pub enum Added {
    /// They had an account: they join once they accept the offer (on their account page).
    Offered,
    /// They got an account; the link lets them choose a password (shown once).
    New { link: Secret },
}

/// What a welcome link shows before the password is chosen.
#[derive(Clone, Debug)]
pub struct Welcome {
    pub display_name: String,
    pub email: String,
    pub workspace_name: String,
    pub added_by: Option<String>,
}

impl Engine {
    /// Adds someone to the person's workspace with `role`, and mails them; owners and
    /// admins only, and only an owner makes an owner. Returns what was done and whether
    /// the mail went.
    pub async fn add_workspace_member(
        &self,
        person: &SignedIn,
        member: NewMember,
    ) -> Result<(Added, bool)> {
        require(person.role, Permission::ManageMembers)?;
        if member.role == Role::Owner && person.role != Role::Owner {
            return Err(Error::Invalid(
                "Only an owner can make someone an owner.".into(),
            ));
        }
        let now = self.clock.now().timestamp();
        let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(member.email.as_str())
            .fetch_optional(self.db.pool())
            .await?;
        // Hashed before the transaction: argon2 takes a while on purpose.
        let unusable = match existing {
            Some(_) => None,
            None => Some(self.hash_password(&random_token()).await?),
        };
        let mut tx = self.db.pool().begin().await?;
        let (user_id, added) = match (existing, unusable) {
            (Some(user_id), _) => {
                let member_already: Option<String> = sqlx::query_scalar(
                    "SELECT role FROM memberships WHERE workspace_id = $1 AND user_id = $2",
                )
                .bind(person.workspace_id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(role) = member_already {
                    return Err(Error::Invalid(format!(
                        "{} is already a member here ({role}).",
                        member.email.as_str()
                    )));
                }
                (user_id, Added::Offered)
            }
            (None, unusable) => {
                // The account's password is unknown to anyone until the link sets one.
                let unusable = unusable.unwrap_or_default();
                let user_id =
                    insert_user(&mut tx, &member.email, &member.display_name, &unusable, now)
                        .await?;
                let token = random_token();
                sqlx::query(
                    "INSERT INTO welcome_links (token_hash, user_id, workspace_id, created_by, \
                     created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(token_hash(token.expose()))
                .bind(user_id)
                .bind(person.workspace_id)
                .bind(person.user_id)
                .bind(now)
                .bind(now + WELCOME_DAYS * 86_400)
                .execute(&mut *tx)
                .await?;
                (
                    user_id,
                    Added::New {
                        link: Secret::new(self.welcome_link(&token)),
                    },
                )
            }
        };
        match added {
            Added::Offered => {
                self.offer_membership(
                    &mut tx,
                    person.workspace_id,
                    user_id,
                    member.role,
                    person.user_id,
                )
                .await?;
            }
            Added::New { .. } => {
                insert_membership(&mut tx, person.workspace_id, user_id, member.role, now).await?;
                self.record_event(
                    &mut tx,
                    person.workspace_id,
                    None,
                    Some(person.user_id),
                    "member_added",
                    json!({ "user_id": user_id, "role": member.role.as_str() }),
                )
                .await?;
            }
        }
        tx.commit().await?;
        tracing::info!(
            user_id,
            role = member.role.as_str(),
            "member added or offered"
        );
        let mail = self.welcome_mail(person, &member, &added);
        let mailed = match self.send_mail(mail).await {
            Ok(()) => true,
            Err(error) => {
                tracing::error!(user_id, detail = %error.log_detail(), "welcome mail not sent");
                false
            }
        };
        Ok((added, mailed))
    }

    fn welcome_link(&self, token: &Secret) -> Url {
        self.public_url
            .join(&format!("welcome/{}", token.expose()))
            .expect("a base64url token is a valid URL path")
    }

    fn welcome_mail(&self, person: &SignedIn, member: &NewMember, added: &Added) -> Mail {
        let escape = |s: &str| html_escape::encode_text(s).into_owned();
        let verb = match added {
            Added::New { .. } => "added you to",
            Added::Offered => "invites you to join",
        };
        let intro = format!(
            "{} {verb} the workspace “{}” on Tether as {}. Tether keeps the team's social media connections alive.",
            person.display_name,
            person.workspace_name,
            member.role.as_str()
        );
        let (step, link) = match added {
            Added::New { link } => (
                format!(
                    "Choose your password with this link (it works once, for {WELCOME_DAYS} days):"
                ),
                link.expose().to_owned(),
            ),
            Added::Offered => (
                format!(
                    "Sign in with your usual password and accept or decline it on your account page (it waits {OFFER_DAYS} days):"
                ),
                self.public_url
                    .join("account")
                    .map(String::from)
                    .unwrap_or_default(),
            ),
        };
        Mail {
            to: member.email.clone(),
            subject: format!(
                "{} {verb} {} on Tether",
                person.display_name, person.workspace_name
            ),
            text: format!("{intro}\n\n{step}\n{link}\n"),
            html: format!(
                "<!DOCTYPE html><html lang=\"en\"><body style=\"font-family:sans-serif;line-height:1.5;color:#1b1f24\">\
                 <p>{}</p><p>{}</p><p><a href=\"{}\">{}</a></p></body></html>",
                escape(&intro),
                escape(&step),
                html_escape::encode_double_quoted_attribute(&link),
                escape(&link),
            ),
            workspace_id: person.workspace_id,
            // A welcome link signs its holder in as the new member.
            personal: matches!(added, Added::New { .. }),
        }
    }

    /// What a welcome link shows; unknown, used and expired links are refused in words.
    pub async fn welcome(
        &self,
        token: &str,
    ) -> Result<std::result::Result<Welcome, InviteRefused>> {
        if !crate::invites::plausible(token) {
            return Ok(Err(InviteRefused::Unknown));
        }
        let Some(row) = sqlx::query(
            "SELECT u.display_name, u.email, w.name AS workspace, a.display_name AS added_by, \
                    l.expires_at, l.used_at FROM welcome_links l \
             JOIN users u ON u.id = l.user_id JOIN workspaces w ON w.id = l.workspace_id \
             LEFT JOIN users a ON a.id = l.created_by WHERE l.token_hash = $1",
        )
        .bind(token_hash(token))
        .fetch_optional(self.db.pool())
        .await?
        else {
            return Ok(Err(InviteRefused::Unknown));
        };
        if row.try_get::<Option<i64>, _>("used_at")?.is_some() {
            return Ok(Err(InviteRefused::Used));
        }
        if self.clock.now().timestamp() >= row.try_get::<i64, _>("expires_at")? {
            return Ok(Err(InviteRefused::Expired));
        }
        Ok(Ok(Welcome {
            display_name: row.try_get("display_name")?,
            email: row.try_get("email")?,
            workspace_name: row.try_get("workspace")?,
            added_by: row.try_get("added_by")?,
        }))
    }

    /// Sets the password of the person a welcome link is for, spends the link and signs
    /// them in; returns the session token.
    pub async fn accept_welcome(&self, token: &str, password: NewPassword) -> Result<Secret> {
        if let Err(refused) = self.welcome(token).await? {
            return Err(refused.into());
        }
        let hash = self.hash_password(password.secret()).await?;
        let now = self.clock.now().timestamp();
        let mut tx = self.db.pool().begin().await?;
        let user_id: i64 = sqlx::query_scalar(
            "UPDATE welcome_links SET used_at = $1 \
             WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id",
        )
        .bind(now)
        .bind(token_hash(token))
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(InviteRefused::Used)?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(&hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(user_id, "welcome link used; password chosen");
        self.start_session(user_id).await
    }
}
