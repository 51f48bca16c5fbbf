//! Importing tokens obtained outside Tether (a service that kept its own until now), so
//! Tether keeps them alive from here on. Each line is validated as strictly as a consent:
//! a known network and kind, clean identifiers, non-empty tokens, an account not connected
//! anywhere yet. A batch is stored whole or not at all.

use crate::channels::{ConsentTokens, OfferedAccount};
use crate::error::{Error, Result};
use crate::networks::{Access, Renewal};
use crate::Engine;
use serde::Deserialize;
use serde_json::json;
use sqlx::Row;

/// One token to import, as a line of `tether import` reads it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportedToken {
    pub network: String,
    pub kind: String,
    /// The account's id at the network.
    pub account_id: String,
    pub handle: String,
    /// The channel's name in Tether; the handle when absent.
    pub name: Option<String>,
    /// `metrics` (the default) or `publishing`.
    pub access: Option<String>,
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// Seconds the access token has left, as the network last said.
    pub expires_in: Option<i64>,
    /// Granted scopes, space separated; the network's requested set when absent.
    pub scope: Option<String>,
}

const MAX_TOKEN: usize = 4096;

fn field(line: usize, name: &str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(Error::Invalid(format!(
            "Line {line}: {name} must be 1 to {max} printable characters."
        )));
    }
    Ok(value.to_owned())
}

impl Engine {
    /// Imports `tokens` into a workspace in one transaction; `first_line` numbers the
    /// lines in messages. Returns how many channels were created.
    pub async fn import_tokens(
        &self,
        workspace_id: i64,
        tokens: &[ImportedToken],
        first_line: usize,
    ) -> Result<usize> {
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM workspaces WHERE id = $1")
            .bind(workspace_id)
            .fetch_optional(self.db.pool())
            .await?;
        exists.ok_or(Error::NotFound)?;
        let now = self.clock.now();
        let mut tx = self.db.pool().begin().await?;
        for (i, token) in tokens.iter().enumerate() {
            let line = first_line + i;
            let network = self.network(&token.network).map_err(|_| {
                Error::Invalid(format!(
                    "Line {line}: {:?} is not a network this instance offers.",
                    token.network
                ))
            })?;
            let profile = &network.profile;
            let kind = profile.kind(&token.kind).ok_or_else(|| {
                Error::Invalid(format!(
                    "Line {line}: {} has no kind {:?}.",
                    profile.display_name, token.kind
                ))
            })?;
            let access = match token.access.as_deref() {
                None => Access::Metrics,
                Some(raw) => Access::parse(raw).ok_or_else(|| {
                    Error::Invalid(format!(
                        "Line {line}: access must be metrics or publishing."
                    ))
                })?,
            };
            if token.expires_in.is_some_and(|s| s <= 0) {
                return Err(Error::Invalid(format!(
                    "Line {line}: the access token has expired already; reconnect it instead."
                )));
            }
            if token
                .expires_in
                .is_some_and(|s| s > crate::oauth::LONGEST_LIFETIME.num_seconds())
            {
                return Err(Error::Invalid(format!(
                    "Line {line}: expires_in is longer than any token lifetime a network \
                     documents (ten years at most)."
                )));
            }
            let account = OfferedAccount {
                kind: kind.id.to_owned(),
                id: field(line, "account_id", &token.account_id, 200)?,
                handle: field(line, "handle", &token.handle, 200)?,
                name: field(
                    line,
                    "name",
                    token.name.as_deref().unwrap_or(&token.handle),
                    80,
                )?,
                avatar_url: None,
                followers: None,
                token: None,
                linked_to: None,
            };
            let refresh_token = token
                .refresh_token
                .as_deref()
                .map(|t| field(line, "refresh_token", t, MAX_TOKEN))
                .transpose()?;
            let consent = ConsentTokens {
                access_token: field(line, "access_token", &token.access_token, MAX_TOKEN)?,
                access_expires_at: token.expires_in.map(|s| now.timestamp() + s),
                refresh_expires_at: None,
                // An imported token's consent date is unknown, so is any fixed wall.
                reconsent_deadline: None,
                granted_scopes: match &token.scope {
                    Some(scope) => scope.split_whitespace().map(str::to_owned).collect(),
                    None => profile.scopes.requested(access),
                },
                refresh_token,
                grant_subject: None,
                consent_invite_id: None,
            };
            if matches!(
                profile.renewal,
                Renewal::RotatingRefresh | Renewal::ReusableRefresh | Renewal::FixedWindowRefresh
            ) && consent.refresh_token.is_none()
                && consent.access_expires_at.is_some()
            {
                return Err(Error::Invalid(format!(
                    "Line {line}: {} renews with a refresh token; this line has none.",
                    profile.display_name
                )));
            }
            // The operator's command line sees every workspace.
            self.refuse_duplicate(&mut tx, (workspace_id, None), profile, &account)
                .await
                .map_err(|e| Error::Invalid(format!("Line {line}: {e}")))?;
            let channel_id: i64 = sqlx::query(
                "INSERT INTO channels (workspace_id, network, kind, name, external_account_id, \
                 handle, required_scopes, created_at, access) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(workspace_id)
            .bind(&profile.id)
            .bind(&account.kind)
            .bind(&account.name)
            .bind(&account.id)
            .bind(&account.handle)
            .bind(profile.required_scopes(kind, access).join(" "))
            .bind(now.timestamp())
            .bind(access.as_str())
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
            self.write_credentials(&mut tx, profile, channel_id, None, &account, &consent, true)
                .await?;
            self.record_event(
                &mut tx,
                workspace_id,
                Some(channel_id),
                None,
                "imported",
                json!({
                    "network": profile.id,
                    "kind": account.kind,
                    "account_id": account.id,
                    "handle": account.handle,
                    "scopes": consent.granted_scopes.join(" "),
                }),
            )
            .await?;
        }
        tx.commit().await?;
        tracing::info!(workspace_id, count = tokens.len(), "tokens imported");
        Ok(tokens.len())
    }
}
