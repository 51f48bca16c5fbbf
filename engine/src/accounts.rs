//! People, workspaces and sign-in sessions.

use crate::crypto::{random_token, token_hash, Secret};
use crate::domain::{DisplayName, Email, NewPassword, Role, WorkspaceName};
use crate::error::{Error, Result};
use crate::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use sqlx::Row;

/// How long a sign-in lasts (OWASP ASVS 4.0 3.3.2, level 2: re-authentication after
/// 12 hours, or after 30 minutes without use); an operator may choose other limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session not used for this long has ended.
    pub idle: TimeDelta,
    /// A session ends this long after sign-in, however much it is used.
    pub lifetime: TimeDelta,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle: TimeDelta::minutes(30),
            lifetime: TimeDelta::hours(12),
        }
    }
}

/// A session's last use is written at most this often, not on every request.
const LAST_SEEN_PRECISION: i64 = 60;

/// Failed sign-ins an account may have in a row before each further one is delayed.
const FREE_FAILURES: i64 = 5;
/// The first delay, doubled by each further failure up to [`LONGEST_DELAY`].
const FIRST_DELAY: TimeDelta = TimeDelta::seconds(30);
const LONGEST_DELAY: TimeDelta = TimeDelta::minutes(15);
/// A day without failures forgets an account's count.
const FAILURES_FORGOTTEN_AFTER: TimeDelta = TimeDelta::days(1);

/// How long an account waits after its `failures`-th failed sign-in in a row (ASVS 2.2.1:
/// growing delays rather than a lock an attacker could hold forever).
fn delay_after(failures: i64) -> TimeDelta {
    if failures <= FREE_FAILURES {
        return TimeDelta::zero();
    }
    let doublings = (failures - FREE_FAILURES - 1).min(10) as i32;
    (FIRST_DELAY * 2_i32.pow(doublings as u32)).min(LONGEST_DELAY)
}

/// The person behind a request, with the workspace they are working in.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
    pub workspace_id: i64,
    pub workspace_name: String,
    pub role: Role,
    /// Hash of the session token, to bind OAuth handshakes to this sign-in.
    pub session_hash: String,
}

/// A new account's details, validated.
pub struct NewUser {
    pub email: Email,
    pub display_name: DisplayName,
    pub password: NewPassword,
}

impl Engine {
    /// True until the first account exists; the first visit then sets Tether up.
    pub async fn needs_setup(&self) -> Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(self.db.pool())
            .await?;
        Ok(row.try_get::<i64, _>("n")? == 0)
    }

    /// A link that may set this fresh instance up, for the log: `chosen` when the operator
    /// set one, else a new random one. `None` once Tether is set up. Each process that
    /// starts before set-up adds its own; any of them works until one is used.
    pub async fn offer_setup_link(&self, chosen: Option<&Secret>) -> Result<Option<Secret>> {
        if !self.needs_setup().await? {
            return Ok(None);
        }
        let link = chosen.cloned().unwrap_or_else(random_token);
        sqlx::query(
            "INSERT INTO setup_links (token_hash, created_at) VALUES ($1, $2) \
             ON CONFLICT (token_hash) DO NOTHING",
        )
        .bind(token_hash(link.expose()))
        .bind(self.clock.now().timestamp())
        .execute(self.db.pool())
        .await?;
        Ok(Some(link))
    }

    /// Whether `link` is one of the set-up links offered and not yet used.
    pub async fn setup_link_is_valid(&self, link: &str) -> Result<bool> {
        Ok(
            sqlx::query("SELECT token_hash FROM setup_links WHERE token_hash = $1")
                .bind(token_hash(link))
                .fetch_optional(self.db.pool())
                .await?
                .is_some(),
        )
    }

    /// Set-up from a browser: only whoever holds a set-up link from the log may claim the
    /// owner account. Refused before the password is hashed.
    pub async fn set_up_through_link(
        &self,
        link: &str,
        owner: NewUser,
        workspace: WorkspaceName,
    ) -> Result<Secret> {
        if !self.needs_setup().await? {
            return Err(Error::AlreadySetUp);
        }
        if !self.setup_link_is_valid(link).await? {
            return Err(Error::SetUpLinkRefused);
        }
        self.set_up(owner, workspace).await
    }

    /// Creates the owner account and the first workspace, and signs the owner in; the
    /// command line calls it directly (whoever runs it holds the server). Refused once
    /// anyone has an account.
    pub async fn set_up(&self, owner: NewUser, workspace: WorkspaceName) -> Result<Secret> {
        if !self.needs_setup().await? {
            return Err(Error::AlreadySetUp);
        }
        let password_hash = self.hash_password(owner.password.secret()).await?;
        let now = self.clock.now().timestamp();
        let mut tx = self.db.pool().begin().await?;
        // The one row of `instance_setup` makes two set-ups racing each other collide on its
        // key, where counting users would let both see none.
        let claimed = sqlx::query(
            "INSERT INTO instance_setup (id, done_at) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
        )
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() == 0 {
            return Err(Error::AlreadySetUp);
        }
        // Every link from the log is spent: the instance has its owner.
        sqlx::query("DELETE FROM setup_links")
            .execute(&mut *tx)
            .await?;
        let workspace_id: i64 =
            sqlx::query("INSERT INTO workspaces (name, created_at) VALUES ($1, $2) RETURNING id")
                .bind(workspace.as_str())
                .bind(now)
                .fetch_one(&mut *tx)
                .await?
                .try_get("id")?;
        let user_id = insert_user(
            &mut tx,
            &owner.email,
            &owner.display_name,
            &password_hash,
            now,
        )
        .await?;
        insert_membership(&mut tx, workspace_id, user_id, Role::Owner, now).await?;
        tx.commit().await?;
        tracing::info!(
            user_id,
            workspace_id,
            "Tether set up with its owner account"
        );
        self.start_session(user_id).await
    }

    /// Adds a member to the first workspace; for the admin command line.
    pub async fn add_member(&self, user: NewUser, role: Role) -> Result<i64> {
        let password_hash = self.hash_password(user.password.secret()).await?;
        let now = self.clock.now().timestamp();
        let mut tx = self.db.pool().begin().await?;
        let workspace_id: i64 = sqlx::query("SELECT id FROM workspaces ORDER BY id LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| {
                Error::Invalid("Set Tether up first: there is no workspace yet.".into())
            })?
            .try_get("id")?;
        let taken = sqlx::query("SELECT id FROM users WHERE email = $1")
            .bind(user.email.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(Error::Invalid(format!(
                "{} already has an account.",
                user.email.as_str()
            )));
        }
        let user_id = insert_user(
            &mut tx,
            &user.email,
            &user.display_name,
            &password_hash,
            now,
        )
        .await?;
        insert_membership(&mut tx, workspace_id, user_id, role, now).await?;
        tx.commit().await?;
        Ok(user_id)
    }

    /// Checks the password and opens a session. The same answer for an unknown email and a
    /// wrong password, so sign-in does not reveal who has an account.
    /// After [`FREE_FAILURES`] failures in a row an account waits a growing delay before
    /// its password is checked again, whether or not the account exists.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<Secret> {
        let email = Email::parse(email).map_err(|_| Error::BadCredentials)?;
        let now = self.clock.now();
        let throttle_key = token_hash(email.as_str());
        let blocked_until: Option<i64> =
            sqlx::query_scalar("SELECT blocked_until FROM sign_in_failures WHERE email_hash = $1")
                .bind(&throttle_key)
                .fetch_optional(self.db.pool())
                .await?;
        if let Some(until) = blocked_until.filter(|until| *until > now.timestamp()) {
            return Err(Error::TooManyAttempts {
                wait: wait_words(until - now.timestamp()),
            });
        }
        let row = sqlx::query("SELECT id, password_hash FROM users WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(self.db.pool())
            .await?;
        let (user_id, stored_hash) = match row {
            Some(row) => (
                Some(row.try_get::<i64, _>("id")?),
                row.try_get::<String, _>("password_hash")?,
            ),
            // Verify against a dummy hash so an unknown email takes as long as a known one.
            None => (None, DUMMY_HASH.to_owned()),
        };
        let matches = self
            .verify_password(Secret::new(password), stored_hash)
            .await?;
        match (user_id, matches) {
            (Some(user_id), true) => {
                sqlx::query("DELETE FROM sign_in_failures WHERE email_hash = $1")
                    .bind(&throttle_key)
                    .execute(self.db.pool())
                    .await?;
                self.start_session(user_id).await
            }
            _ => {
                self.record_failed_sign_in(&throttle_key, now).await?;
                Err(Error::BadCredentials)
            }
        }
    }

    async fn record_failed_sign_in(&self, throttle_key: &str, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.db.pool().begin().await?;
        sqlx::query("DELETE FROM sign_in_failures WHERE last_failure_at < $1")
            .bind((now - FAILURES_FORGOTTEN_AFTER).timestamp())
            .execute(&mut *tx)
            .await?;
        let failures: i64 = sqlx::query_scalar(
            "INSERT INTO sign_in_failures (email_hash, failures, last_failure_at, blocked_until) \
             VALUES ($1, 1, $2, 0) \
             ON CONFLICT (email_hash) DO UPDATE \
             SET failures = sign_in_failures.failures + 1, last_failure_at = $2 \
             RETURNING failures",
        )
        .bind(throttle_key)
        .bind(now.timestamp())
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("UPDATE sign_in_failures SET blocked_until = $1 WHERE email_hash = $2")
            .bind((now + delay_after(failures)).timestamp())
            .bind(throttle_key)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn start_session(&self, user_id: i64) -> Result<Secret> {
        let token = random_token();
        let now = self.clock.now();
        // Each sign-in sweeps the sessions that have lapsed, so the table does not grow.
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now.timestamp())
            .execute(self.db.pool())
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash(token.expose()))
        .bind(user_id)
        .bind(now.timestamp())
        .bind((now + self.sessions.lifetime).timestamp())
        .execute(self.db.pool())
        .await?;
        Ok(token)
    }

    /// The workspaces a person belongs to, with their role in each, first joined first.
    pub async fn workspaces(&self, person: &SignedIn) -> Result<Vec<(i64, String, Role)>> {
        sqlx::query(
            "SELECT w.id, w.name, m.role FROM memberships m \
             JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = $1 \
             ORDER BY m.created_at, w.id",
        )
        .bind(person.user_id)
        .fetch_all(self.db.pool())
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get("id")?,
                row.try_get("name")?,
                Role::parse(&row.try_get::<String, _>("role")?)?,
            ))
        })
        .collect()
    }

    /// Makes the session act in another of the person's workspaces.
    pub async fn switch_workspace(&self, person: &SignedIn, workspace_id: i64) -> Result<()> {
        let member = self
            .workspaces(person)
            .await?
            .iter()
            .any(|(id, ..)| *id == workspace_id);
        if !member {
            return Err(Error::NotFound);
        }
        sqlx::query("UPDATE sessions SET workspace_id = $1 WHERE token_hash = $2")
            .bind(workspace_id)
            .bind(&person.session_hash)
            .execute(self.db.pool())
            .await?;
        Ok(())
    }

    /// The person a session token belongs to, if it is current.
    /// The person a session belongs to, while it is within its lifetime and has been used
    /// recently enough ([`SessionPolicy`]); each use keeps it alive.
    pub async fn signed_in(&self, session_token: &str) -> Result<Option<SignedIn>> {
        let session_hash = token_hash(session_token);
        let now = self.clock.now().timestamp();
        let row = sqlx::query(
            "SELECT u.id AS user_id, u.email, u.display_name, w.id AS workspace_id, \
                    w.name AS workspace_name, m.role, \
                    COALESCE(s.last_seen_at, s.created_at) AS last_seen_at \
             FROM sessions s \
             JOIN users u ON u.id = s.user_id \
             JOIN memberships m ON m.user_id = u.id \
             JOIN workspaces w ON w.id = m.workspace_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.created_at > $3 \
               AND COALESCE(s.last_seen_at, s.created_at) > $4 \
             ORDER BY CASE WHEN w.id = s.workspace_id THEN 0 ELSE 1 END, m.created_at, w.id LIMIT 1",
        )
        .bind(&session_hash)
        .bind(now)
        .bind(now - self.sessions.lifetime.num_seconds())
        .bind(now - self.sessions.idle.num_seconds())
        .fetch_optional(self.db.pool())
        .await?;
        if let Some(row) = &row {
            if row.try_get::<i64, _>("last_seen_at")? <= now - LAST_SEEN_PRECISION {
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                    .bind(now)
                    .bind(&session_hash)
                    .execute(self.db.pool())
                    .await?;
            }
        }
        row.map(|row| {
            Ok(SignedIn {
                user_id: row.try_get("user_id")?,
                email: row.try_get("email")?,
                display_name: row.try_get("display_name")?,
                workspace_id: row.try_get("workspace_id")?,
                workspace_name: row.try_get("workspace_name")?,
                role: Role::parse(&row.try_get::<String, _>("role")?)?,
                session_hash: session_hash.clone(),
            })
        })
        .transpose()
    }

    pub async fn sign_out(&self, session_token: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash(session_token))
            .execute(self.db.pool())
            .await?;
        Ok(())
    }

    /// Changes the person's password after checking the current one, ends every session
    /// (other browsers included), and opens a fresh one for this browser.
    pub async fn change_password(
        &self,
        person: &SignedIn,
        current: &str,
        new: NewPassword,
    ) -> Result<Secret> {
        let stored: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(person.user_id)
            .fetch_one(self.db.pool())
            .await?;
        if !self.verify_password(Secret::new(current), stored).await? {
            return Err(Error::Invalid(
                "The current password is not right; nothing was changed.".into(),
            ));
        }
        let hash = self.hash_password(new.secret()).await?;
        let mut tx = self.db.pool().begin().await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(&hash)
            .bind(person.user_id)
            .execute(&mut *tx)
            .await?;
        let ended = end_sessions(&mut *tx, person.user_id).await?;
        tx.commit().await?;
        tracing::info!(user_id = person.user_id, ended, "password changed");
        let session = self.start_session(person.user_id).await?;
        // The fresh session stays in the workspace the person was working in.
        sqlx::query("UPDATE sessions SET workspace_id = $1 WHERE token_hash = $2")
            .bind(person.workspace_id)
            .bind(token_hash(session.expose()))
            .execute(self.db.pool())
            .await?;
        Ok(session)
    }

    /// Ends every session of the person, this one included.
    pub async fn sign_out_everywhere(&self, person: &SignedIn) -> Result<()> {
        let ended = end_sessions(self.db.pool(), person.user_id).await?;
        tracing::info!(user_id = person.user_id, ended, "signed out everywhere");
        Ok(())
    }

    /// How long sessions last on this instance.
    pub fn session_policy(&self) -> SessionPolicy {
        self.sessions
    }

    /// The same engine with other session limits.
    pub fn with_session_policy(mut self, sessions: SessionPolicy) -> Self {
        self.sessions = sessions;
        self
    }
}

/// Ends every session of `user_id`; returns how many there were.
pub(crate) async fn end_sessions<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: i64,
) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(db)
        .await?
        .rows_affected())
}

pub(crate) async fn insert_user(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    email: &Email,
    display_name: &DisplayName,
    password_hash: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query(
        "INSERT INTO users (email, display_name, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(email.as_str())
    .bind(display_name.as_str())
    .bind(password_hash)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?)
}

pub(crate) async fn insert_membership(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    workspace_id: i64,
    user_id: i64,
    role: Role,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(workspace_id)
    .bind(user_id)
    .bind(role.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    crate::notify::tell_again(tx, workspace_id, None).await?;
    Ok(())
}

/// An argon2id hash of a password nobody has, for constant-time sign-in failures.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1Ve0NN5CGKo0VE2m4H5bqB4mWy4UEoYxMOfy3tpl1xA";

/// "30 seconds", "4 minutes": how long a person waits, rounded up.
fn wait_words(seconds: i64) -> String {
    match seconds {
        ..=1 => "a second".into(),
        2..=59 => format!("{seconds} seconds"),
        60..=119 => "a minute".into(),
        _ => format!("{} minutes", (seconds + 59) / 60),
    }
}

impl Engine {
    pub(crate) async fn hash_password(&self, password: &Secret) -> Result<String> {
        self.passwords.hash(password).await
    }

    async fn verify_password(&self, password: Secret, stored_hash: String) -> Result<bool> {
        self.passwords.verify(password, stored_hash).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_sign_ins_wait_longer_each_time_up_to_a_ceiling() {
        let delays: Vec<i64> = (1..=12).map(|n| delay_after(n).num_seconds()).collect();
        assert_eq!(delays, [0, 0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900]);
        assert_eq!(delay_after(i64::MAX), LONGEST_DELAY);
    }
}
