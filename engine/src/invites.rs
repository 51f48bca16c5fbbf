//! Invite links: an owner or admin asks someone without an account (a creator, a page admin,
//! an agency) to connect a channel or to reauthorize one. The link carries 256 random bits;
//! only their hash is stored. A link is single use, expires (7 days unless said otherwise, 30
//! at most) and can be revoked; the admin sees it sent, opened, completed, expired or
//! revoked.

use crate::accounts::SignedIn;
use crate::channels::{
    scopes_for_kind, Connected, ConsentTokens, Handshake, Initiator, OfferedAccount, Owner,
    PickMode,
};
use crate::crypto::{random_token, token_hash, Secret};
use crate::domain::{require, ChannelName, Email, Permission};
use crate::error::{ConnectError, Error, Result};
use crate::mail::Mail;
use crate::networks::{Access, ConfiguredNetwork};
use crate::notify::InviteNotice;
use crate::Engine;
use sqlx::Row;
use url::Url;

pub const DEFAULT_DAYS: i64 = 7;
pub const MAX_DAYS: i64 = 30;
/// Each invite is one mail sent while the request waits: at most this many at once.
pub const MOST_INVITES_AT_ONCE: usize = 200;
const MAX_MESSAGE_CHARS: usize = 1000;
const MAX_ACCOUNT_CHARS: usize = 100;

/// Where an invite stands, as its admin sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InviteState {
    Sent,
    Opened,
    /// The account holder connected the channel without every permission asked for; the
    /// link stays theirs to grant the rest until it expires.
    Partial,
    Completed,
    Expired,
    Revoked,
}

impl InviteState {
    pub fn as_str(self) -> &'static str {
        match self {
            InviteState::Sent => "sent",
            InviteState::Opened => "opened",
            InviteState::Partial => "partial",
            InviteState::Completed => "completed",
            InviteState::Expired => "expired",
            InviteState::Revoked => "revoked",
        }
    }
}

/// Why an invite link cannot be used, in words for the person holding it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InviteRefused {
    #[error(
        "This invite link is not valid. Check that it was copied whole, or ask for a new one."
    )]
    Unknown,
    #[error("This invite link has expired. Ask the person who sent it for a new one.")]
    Expired,
    #[error("This invite link has already been used. Each link works once; ask for a new one if something is missing.")]
    Used,
    #[error("This invite link was withdrawn by the person who sent it.")]
    Revoked,
}

/// What an admin asks for, validated.
#[derive(Clone, Debug)]
pub struct NewInvite {
    pub network: String,
    pub kind: String,
    /// Reauthorize this channel instead of adding a new one.
    pub channel_id: Option<i64>,
    /// Required for a new channel; a reconnected channel keeps its name.
    pub channel_name: Option<ChannelName>,
    /// The account the admin expects (a handle or id); another one is refused.
    pub expected_account: Option<String>,
    pub access: Access,
    pub expires_in_days: i64,
    pub message: String,
    /// Where to send it; `None`: the admin copies the link.
    pub recipient: Option<Email>,
}

impl NewInvite {
    /// Checks the free-text parts an admin typed; the network, kind and channel are checked
    /// against the workspace when the invite is created.
    pub fn validated(mut self) -> Result<Self> {
        if self.channel_id.is_none() && self.channel_name.is_none() {
            return Err(Error::Invalid("Name the new channel.".into()));
        }
        if !(1..=MAX_DAYS).contains(&self.expires_in_days) {
            return Err(Error::Invalid(format!(
                "An invite lasts from 1 to {MAX_DAYS} days."
            )));
        }
        self.message = self.message.trim().to_owned();
        if self.message.chars().count() > MAX_MESSAGE_CHARS {
            return Err(Error::Invalid(format!(
                "Keep the message under {MAX_MESSAGE_CHARS} characters."
            )));
        }
        if self
            .message
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r')
        {
            return Err(Error::Invalid(
                "The message holds characters that cannot be shown.".into(),
            ));
        }
        self.expected_account = match self.expected_account.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(account) => {
                let account = account.trim_start_matches('@');
                if account.is_empty()
                    || account.chars().count() > MAX_ACCOUNT_CHARS
                    || account.chars().any(|c| c.is_control() || c.is_whitespace())
                {
                    return Err(Error::Invalid(
                        "The expected account is a handle or an id, without spaces.".into(),
                    ));
                }
                Some(account.to_owned())
            }
        };
        Ok(self)
    }
}

/// An invite as its admin sees it (never the link's secret).
#[derive(Clone, Debug)]
pub struct Invite {
    pub id: i64,
    pub network: String,
    pub kind: String,
    pub channel_id: Option<i64>,
    pub channel_name: String,
    pub expected_account: Option<String>,
    pub access: Access,
    pub message: String,
    pub recipient: Option<String>,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub opened_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub state: InviteState,
    /// What the completed invite connected: the channel (while it exists) and the account.
    pub completed_channel_id: Option<i64>,
    pub completed_handle: Option<String>,
}

/// An invite just created: the only time its link's secret exists outside the link.
#[derive(Debug)]
pub struct CreatedInvite {
    pub id: i64,
    pub token: Secret,
    pub delivery: Delivery,
}

/// How an invite's link reaches its person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// No address was given: the admin copies the link.
    Copy,
    /// Mailed to this address.
    Mailed(String),
    /// The mail to this address could not be sent (the cause is logged): copy the link.
    NotMailed(String),
}

/// What the person holding a valid link is shown before they consent: the invite, who
/// asks (`invite.created_by`) and for which workspace.
#[derive(Clone, Debug)]
pub struct OpenedInvite {
    pub workspace_id: i64,
    pub workspace_name: String,
    pub invite: Invite,
    /// Permissions still missing on the channel a partial consent connected, in words.
    pub missing: Vec<String>,
}

/// A link that has done its job, for the account holder who opens it again.
#[derive(Clone, Debug)]
pub struct UsedInvite {
    pub workspace_name: String,
    pub inviter: Option<String>,
    pub network_name: String,
    pub channel_name: String,
    pub handle: String,
    pub completed_at: i64,
}

/// What the person who followed an invite link is told once the consent went through.
#[derive(Clone, Debug)]
pub struct InviteCompleted {
    pub workspace_name: String,
    pub inviter: Option<String>,
    pub network_name: String,
    pub channel_name: String,
    pub handle: String,
    pub access: Access,
    /// An existing channel was reconnected rather than a new one added.
    pub reconnected: bool,
    /// Permissions asked for and not given, in words; the link stays open for them.
    pub missing: Vec<String>,
    /// Until when the link stays open for them.
    pub expires_at: i64,
}

const COLUMNS: &str = "i.id, i.workspace_id, i.network, i.kind, i.channel_id, i.channel_name, \
    i.expected_account, i.permission_set, i.message, i.recipient, u.display_name AS creator, \
    i.created_by, i.created_at, i.expires_at, i.opened_at, i.completed_at, i.revoked_at, \
    i.completed_channel_id, i.completed_handle";

fn state_of(row: &sqlx::any::AnyRow, now: i64) -> Result<InviteState> {
    Ok(if row.try_get::<Option<i64>, _>("revoked_at")?.is_some() {
        InviteState::Revoked
    } else if row.try_get::<Option<i64>, _>("completed_at")?.is_some() {
        InviteState::Completed
    } else if now >= row.try_get::<i64, _>("expires_at")? {
        InviteState::Expired
    } else if row
        .try_get::<Option<i64>, _>("completed_channel_id")?
        .is_some()
    {
        InviteState::Partial
    } else if row.try_get::<Option<i64>, _>("opened_at")?.is_some() {
        InviteState::Opened
    } else {
        InviteState::Sent
    })
}

fn invite_from(row: &sqlx::any::AnyRow, now: i64) -> Result<Invite> {
    let access: String = row.try_get("permission_set")?;
    Ok(Invite {
        id: row.try_get("id")?,
        network: row.try_get("network")?,
        kind: row.try_get("kind")?,
        channel_id: row.try_get("channel_id")?,
        channel_name: row.try_get("channel_name")?,
        expected_account: row.try_get("expected_account")?,
        access: Access::parse(&access)
            .ok_or_else(|| Error::Internal(format!("stored access {access:?}")))?,
        message: row.try_get("message")?,
        recipient: row.try_get("recipient")?,
        created_by: row.try_get("creator")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        opened_at: row.try_get("opened_at")?,
        completed_at: row.try_get("completed_at")?,
        revoked_at: row.try_get("revoked_at")?,
        state: state_of(row, now)?,
        completed_channel_id: row.try_get("completed_channel_id")?,
        completed_handle: row.try_get("completed_handle")?,
    })
}

/// Why a link in this state cannot be used; `None` while it can.
fn refusal(state: InviteState) -> Option<InviteRefused> {
    match state {
        InviteState::Revoked => Some(InviteRefused::Revoked),
        InviteState::Completed => Some(InviteRefused::Used),
        InviteState::Expired => Some(InviteRefused::Expired),
        InviteState::Sent | InviteState::Opened | InviteState::Partial => None,
    }
}

/// True when `account` is the one an admin named: its handle (without `@`, any case) or
/// its id at the network.
fn is_expected(account: &OfferedAccount, expected: &str) -> bool {
    account
        .handle
        .trim_start_matches('@')
        .eq_ignore_ascii_case(expected)
        || account.id == expected
}

/// A link's token as it must look (43 base64url characters) before any lookup.
pub(crate) fn plausible(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Engine {
    /// Creates an invite in the person's workspace; owners and admins only. A channel to
    /// reauthorize sets the network, kind and name; otherwise the network must be offered
    /// here and the kind be one of its own.
    pub async fn create_invite(
        &self,
        person: &SignedIn,
        invite: NewInvite,
    ) -> Result<CreatedInvite> {
        require(person.role, Permission::Invite)?;
        let mut invite = invite.validated()?;
        if let Some(channel_id) = invite.channel_id {
            let channel = self.channel(person, channel_id).await?;
            invite.network = channel.network;
            invite.kind = channel.kind;
            invite.channel_name = Some(ChannelName::parse(&channel.name)?);
        }
        let network = self.network(&invite.network)?;
        if network.profile.kind(&invite.kind).is_none() {
            return Err(Error::Invalid(format!(
                "{} has no channel kind {:?}.",
                network.profile.display_name, invite.kind
            )));
        }
        let token = random_token();
        let now = self.clock.now().timestamp();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO invites (workspace_id, token_hash, network, kind, channel_id, \
                 channel_name, expected_account, permission_set, message, recipient, created_by, \
                 created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(person.workspace_id)
        .bind(token_hash(token.expose()))
        .bind(&invite.network)
        .bind(&invite.kind)
        .bind(invite.channel_id)
        .bind(invite.channel_name.as_ref().map(ChannelName::as_str))
        .bind(&invite.expected_account)
        .bind(invite.access.as_str())
        .bind(&invite.message)
        .bind(invite.recipient.as_ref().map(Email::as_str))
        .bind(person.user_id)
        .bind(now)
        .bind(now + invite.expires_in_days * 86_400)
        .fetch_one(self.db.pool())
        .await?;
        tracing::info!(invite_id = id, network = %invite.network, "invite created");
        let delivery = match &invite.recipient {
            None => Delivery::Copy,
            Some(to) => {
                let mail = self.invite_mail(person, &invite, network, to, &token, now);
                match self.send_mail(mail).await {
                    Ok(()) => Delivery::Mailed(to.as_str().to_owned()),
                    Err(error) => {
                        tracing::error!(invite_id = id, detail = %error.log_detail(), "invite mail not sent");
                        Delivery::NotMailed(to.as_str().to_owned())
                    }
                }
            }
        };
        Ok(CreatedInvite {
            id,
            token,
            delivery,
        })
    }

    /// Sends each channel a reconnect invite, mailed to whoever gave its consent: the
    /// account holder an earlier invite was mailed to, or the member who connected it.
    /// Each channel on its own; a channel with no one to send it to is refused in words.
    pub async fn invite_each(
        &self,
        person: &SignedIn,
        channel_ids: &[i64],
    ) -> Result<Vec<(i64, Result<Delivery>)>> {
        require(person.role, Permission::Invite)?;
        if channel_ids.len() > MOST_INVITES_AT_ONCE {
            return Err(Error::Invalid(format!(
                "Send at most {MOST_INVITES_AT_ONCE} invites at once."
            )));
        }
        // A channel ticked twice is asked once.
        let mut seen = std::collections::HashSet::new();
        let mut outcomes = Vec::with_capacity(channel_ids.len());
        for &channel_id in channel_ids.iter().filter(|id| seen.insert(**id)) {
            outcomes.push((
                channel_id,
                self.invite_to_reconnect(person, channel_id).await,
            ));
        }
        Ok(outcomes)
    }

    async fn invite_to_reconnect(&self, person: &SignedIn, channel_id: i64) -> Result<Delivery> {
        let channel = self.channel(person, channel_id).await?;
        if channel.unlinked_at.is_some() {
            return Err(Error::Invalid(
                "It is unlinked: reconnect it from its page.".into(),
            ));
        }
        // The consent's giver: the address an invite reached, else a member still here.
        let row = sqlx::query(
            "SELECT cr.consent_invite_id, i.recipient, u.email AS connector_email \
             FROM credentials cr \
             LEFT JOIN invites i ON i.id = cr.consent_invite_id AND i.workspace_id = $2 \
             LEFT JOIN memberships m ON m.user_id = cr.connected_by AND m.workspace_id = $2 \
             LEFT JOIN users u ON u.id = m.user_id \
             WHERE cr.channel_id = $1",
        )
        .bind(channel_id)
        .bind(person.workspace_id)
        .fetch_optional(self.db.pool())
        .await?
        .ok_or(Error::NotFound)?;
        let through_invite = row
            .try_get::<Option<i64>, _>("consent_invite_id")?
            .is_some();
        let address = match (through_invite, row.try_get::<Option<String>, _>("recipient")?) {
            (true, Some(recipient)) => recipient,
            (true, None) => {
                return Err(Error::Invalid(
                    "Its account holder consented through a link that was copied, not mailed, so no address is known: send an invite from its page.".into(),
                ))
            }
            (false, _) => row
                .try_get::<Option<String>, _>("connector_email")?
                .ok_or_else(|| {
                    Error::Invalid(
                        "No member of this workspace connected it (it was imported, or they left): send an invite from its page to whoever holds the account.".into(),
                    )
                })?,
        };
        let invite = NewInvite {
            network: channel.network.clone(),
            kind: channel.kind.clone(),
            channel_id: Some(channel_id),
            channel_name: None,
            expected_account: None,
            access: channel.access,
            expires_in_days: DEFAULT_DAYS,
            message: String::new(),
            recipient: Some(Email::parse(&address)?),
        };
        Ok(self.create_invite(person, invite).await?.delivery)
    }

    /// The mail that carries an invite link: who asks, for what, with which permissions.
    fn invite_mail(
        &self,
        person: &SignedIn,
        invite: &NewInvite,
        network: &ConfiguredNetwork,
        to: &Email,
        token: &Secret,
        now: i64,
    ) -> Mail {
        let profile = &network.profile;
        let network_name = &profile.display_name;
        let kind = profile.kind(&invite.kind).map_or("account", |k| k.label);
        let channel = invite.channel_name.as_ref().map_or("", ChannelName::as_str);
        let who = &person.display_name;
        let workspace = &person.workspace_name;
        let verb = if invite.channel_id.is_some() {
            "reconnect"
        } else {
            "connect"
        };
        let access = match invite.access {
            Access::Metrics => "Read-only: Tether will read statistics and cannot post.",
            Access::Publishing => {
                "Publishing: Tether will read statistics and publish for the workspace."
            }
        };
        let link = self.invite_link(token);
        let until = crate::clock::utc_words(now + invite.expires_in_days * 86_400);
        let intro = format!(
            "{who} asks you to {verb} your {network_name} {kind} to the workspace “{workspace}” on Tether, as the channel “{channel}”."
        );
        let quoted = (!invite.message.is_empty()).then(|| format!("“{}” — {who}", invite.message));
        let open = format!(
            "Open this link to see what is asked and to give your consent (valid until {until}; you need no account):"
        );
        let ignore =
            "If you did not expect this, ignore this mail: nothing happens without your consent.";
        let text = [
            Some(intro.clone()),
            quoted.clone(),
            Some(access.to_owned()),
            Some(format!("{open}\n{link}")),
            Some(ignore.to_owned()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n\n");
        let escape = |s: &str| html_escape::encode_text(s).into_owned();
        let html = format!(
            "<!DOCTYPE html><html lang=\"en\"><body style=\"font-family:sans-serif;line-height:1.5;color:#1b1f24\">\
             <p>{}</p>{}<p>{}</p><p>{}</p>\
             <p><a href=\"{}\" style=\"display:inline-block;padding:.6em 1.2em;background:#1f5f99;color:#fff;text-decoration:none;border-radius:6px\">Review and connect</a></p>\
             <p style=\"color:#555\">{}</p></body></html>",
            escape(&intro),
            quoted
                .map(|q| format!("<blockquote>{}</blockquote>", escape(&q)))
                .unwrap_or_default(),
            escape(access),
            escape(&open),
            html_escape::encode_double_quoted_attribute(link.as_str()),
            escape(ignore),
        );
        Mail {
            to: to.clone(),
            subject: format!("{who} asks you to {verb} your {network_name} {kind}"),
            text,
            html,
            workspace_id: person.workspace_id,
            personal: false,
        }
    }

    /// The address of an invite link: what the admin copies or the mail carries.
    pub fn invite_link(&self, token: &Secret) -> Url {
        self.public_url
            .join(&format!("invite/{}", token.expose()))
            .expect("a base64url token is a valid URL path")
    }

    /// The workspace's invites, newest first, with their states; owners and admins only.
    pub async fn invites(&self, person: &SignedIn) -> Result<Vec<Invite>> {
        require(person.role, Permission::Invite)?;
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM invites i LEFT JOIN users u ON u.id = i.created_by \
             WHERE i.workspace_id = $1 ORDER BY i.created_at DESC, i.id DESC"
        ))
        .bind(person.workspace_id)
        .fetch_all(self.db.pool())
        .await?;
        let now = self.clock.now().timestamp();
        rows.iter().map(|row| invite_from(row, now)).collect()
    }

    /// Withdraws an invite that has not been used; the link stops working at once.
    pub async fn revoke_invite(&self, person: &SignedIn, invite_id: i64) -> Result<()> {
        require(person.role, Permission::Invite)?;
        let revoked = sqlx::query(
            "UPDATE invites SET revoked_at = $1 WHERE id = $2 AND workspace_id = $3 \
             AND revoked_at IS NULL AND completed_at IS NULL",
        )
        .bind(self.clock.now().timestamp())
        .bind(invite_id)
        .bind(person.workspace_id)
        .execute(self.db.pool())
        .await?;
        if revoked.rows_affected() == 0 {
            return Err(Error::Invalid(
                "That invite is not open: it was used, withdrawn, or is not in this workspace."
                    .into(),
            ));
        }
        tracing::info!(invite_id, "invite revoked");
        Ok(())
    }

    /// Reads the invite a link holds, for the person who opened it (no account needed),
    /// and notes the first opening. Unknown, expired, used and withdrawn links are refused
    /// with words for that person.
    pub async fn open_invite(
        &self,
        token: &str,
    ) -> Result<std::result::Result<OpenedInvite, InviteRefused>> {
        if !plausible(token) {
            return Ok(Err(InviteRefused::Unknown));
        }
        let Some(row) = sqlx::query(&format!(
            "SELECT {COLUMNS}, w.name AS workspace_name FROM invites i \
             JOIN workspaces w ON w.id = i.workspace_id \
             LEFT JOIN users u ON u.id = i.created_by WHERE i.token_hash = $1"
        ))
        .bind(token_hash(token))
        .fetch_optional(self.db.pool())
        .await?
        else {
            return Ok(Err(InviteRefused::Unknown));
        };
        let mut invite = invite_from(&row, self.clock.now().timestamp())?;
        if let Some(refused) = refusal(invite.state) {
            return Ok(Err(refused));
        }
        if invite.opened_at.is_none() {
            let now = self.clock.now().timestamp();
            sqlx::query("UPDATE invites SET opened_at = $1 WHERE id = $2 AND opened_at IS NULL")
                .bind(now)
                .bind(invite.id)
                .execute(self.db.pool())
                .await?;
            invite.opened_at = Some(now);
            invite.state = InviteState::Opened;
        }
        let workspace_id: i64 = row.try_get("workspace_id")?;
        let missing = match (invite.state, invite.completed_channel_id) {
            (InviteState::Partial, Some(channel_id)) => self
                .channel_records(Some(workspace_id), Some(channel_id))
                .await?
                .pop()
                .map(|channel| channel.missing_scopes)
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        Ok(Ok(OpenedInvite {
            workspace_id,
            workspace_name: row.try_get("workspace_name")?,
            invite,
            missing,
        }))
    }

    /// What a used link connected, for the account holder who opens it again; `None` when
    /// the link is unknown or was not used.
    pub async fn used_invite(&self, token: &str) -> Result<Option<UsedInvite>> {
        if !plausible(token) {
            return Ok(None);
        }
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS}, w.name AS workspace_name FROM invites i \
             JOIN workspaces w ON w.id = i.workspace_id \
             LEFT JOIN users u ON u.id = i.created_by WHERE i.token_hash = $1"
        ))
        .bind(token_hash(token))
        .fetch_optional(self.db.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let invite = invite_from(&row, self.clock.now().timestamp())?;
        let (InviteState::Completed, Some(completed_at), Some(handle)) =
            (invite.state, invite.completed_at, invite.completed_handle)
        else {
            return Ok(None);
        };
        Ok(Some(UsedInvite {
            workspace_name: row.try_get("workspace_name")?,
            inviter: invite.created_by,
            network_name: self.networks.display_name(&invite.network),
            channel_name: invite.channel_name,
            handle,
            completed_at,
        }))
    }

    /// Starts the network's consent for the person holding an invite link. `binding` is the
    /// value of the cookie that ties the handshake to their browser (only its hash is kept).
    pub async fn begin_invite_consent(
        &self,
        token: &str,
        binding: &str,
    ) -> Result<std::result::Result<Url, InviteRefused>> {
        let opened = match self.open_invite(token).await? {
            Ok(opened) => opened,
            Err(refused) => return Ok(Err(refused)),
        };
        let invite = &opened.invite;
        let network = self.network(&invite.network)?;
        let scopes = scopes_for_kind(&network.profile, &invite.kind, invite.access);
        let initiator = Initiator {
            binding_hash: token_hash(binding),
            workspace_id: opened.workspace_id,
            user_id: None,
            invite_id: Some(invite.id),
        };
        // After a partial consent, the rest is asked for on the channel it connected.
        let target = invite.channel_id.or(invite.completed_channel_id);
        self.begin_handshake(
            initiator,
            network,
            &invite.channel_name,
            invite.access,
            target.map(|id| (id, false)),
            &scopes,
        )
        .await
        .map(Ok)
    }

    /// Connects (or reconnects) the channel an invite asks for with the consent just given.
    /// The account must be of the kind asked for and, when the admin named one, that one;
    /// the invite is spent in the same transaction that stores the tokens.
    pub(crate) async fn complete_invite(
        &self,
        invite_id: i64,
        handshake: &Handshake,
        network: &ConfiguredNetwork,
        accounts: Vec<OfferedAccount>,
        tokens: ConsentTokens,
    ) -> Result<InviteCompleted> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS}, w.name AS workspace_name FROM invites i \
             JOIN workspaces w ON w.id = i.workspace_id \
             LEFT JOIN users u ON u.id = i.created_by WHERE i.id = $1 AND i.workspace_id = $2"
        ))
        .bind(invite_id)
        .bind(handshake.workspace_id)
        .fetch_optional(self.db.pool())
        .await?
        .ok_or(InviteRefused::Unknown)?;
        let invite = invite_from(&row, self.clock.now().timestamp())?;
        if let Some(refused) = refusal(invite.state) {
            return Err(refused.into());
        }
        let profile = &network.profile;
        let of_kind: Vec<&OfferedAccount> =
            accounts.iter().filter(|a| a.kind == invite.kind).collect();
        if let Some(expected) = &invite.expected_account {
            if !of_kind.iter().any(|a| is_expected(a, expected)) {
                return Err(ConnectError::WrongAccount {
                    network: profile.display_name.clone(),
                    expected: format!("@{expected}"),
                    given: of_kind
                        .first()
                        .or(accounts.first().as_ref())
                        .map(|a| a.handle.clone())
                        .unwrap_or_else(|| "an account without such a channel".into()),
                }
                .into());
            }
        }
        let missing: Vec<String> = scopes_for_kind(profile, &invite.kind, invite.access)
            .into_iter()
            .filter(|s| !tokens.granted_scopes.contains(s))
            .map(|s| profile.scope_in_words(&s))
            .collect();
        let owner = Owner {
            workspace_id: handshake.workspace_id,
            user_id: row.try_get("created_by")?,
            access: invite.access,
            invite_id: Some(invite.id),
            spend_invite: missing.is_empty(),
        };
        let connected = match invite.channel_id.or(invite.completed_channel_id) {
            Some(channel_id) => {
                self.store_reauthorization(&owner, false, channel_id, network, &accounts, tokens)
                    .await?
            }
            None => {
                let account = match (&invite.expected_account, of_kind.as_slice()) {
                    (Some(expected), _) => of_kind.iter().find(|a| is_expected(a, expected)),
                    (None, [only]) => Some(only),
                    (None, []) => None,
                    (None, several) => {
                        return Err(ConnectError::InviteAmbiguous {
                            network: profile.display_name.clone(),
                            accounts: several
                                .iter()
                                .map(|a| a.handle.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                        }
                        .into())
                    }
                }
                .ok_or_else(|| ConnectError::NothingToConnect {
                    network: profile.display_name.clone(),
                })?;
                let chosen = [((*account).clone(), PickMode::New)];
                let stored = self
                    .store_channels(
                        &owner,
                        network,
                        &chosen,
                        &tokens,
                        Some(&invite.channel_name),
                    )
                    .await
                    .map_err(|error| match error {
                        Error::Connect(
                            ConnectError::ConnectedElsewhere {
                                network, handle, ..
                            }
                            | ConnectError::ConnectedOutside { network, handle },
                        ) => ConnectError::AccountTakenForInvite { network, handle }.into(),
                        other => other,
                    })?;
                stored.into_iter().next().ok_or_else(|| {
                    Error::Internal("storing the invited account connected nothing".into())
                })?
            }
        };
        tracing::info!(
            invite_id,
            channel_id = connected.channel_id,
            "invite completed"
        );
        let done = format!(
            "{} {} “{}” ({}) through your invite",
            connected.handle,
            if invite.channel_id.is_some() {
                "reconnected"
            } else {
                "connected"
            },
            connected.name,
            profile.display_name
        );
        let notice = if missing.is_empty() {
            InviteNotice {
                key: format!("invite:{}", invite.id),
                title: done,
                body: "The channel is connected; Tether keeps it alive from now on.".into(),
            }
        } else {
            InviteNotice {
                // A later consent that grants the rest is told as well.
                key: format!("invite:{}:partial", invite.id),
                title: format!("{done}, without every permission"),
                body: format!(
                    "Missing: {}. The link stays open for them to grant these until {}.",
                    missing.join(", "),
                    crate::clock::utc_words(invite.expires_at)
                ),
            }
        };
        let told = self
            .tell_invite_completed(
                handshake.workspace_id,
                owner.user_id,
                connected.channel_id,
                notice,
            )
            .await;
        // The channel is stored; a notice that could not be recorded must not undo that.
        if let Err(error) = told {
            tracing::error!(invite_id, detail = %error.log_detail(), "invite notice not recorded");
        }
        Ok(InviteCompleted {
            workspace_name: row.try_get("workspace_name")?,
            inviter: invite.created_by,
            network_name: profile.display_name.clone(),
            channel_name: connected.name,
            handle: connected.handle,
            access: invite.access,
            reconnected: invite.channel_id.is_some(),
            missing,
            expires_at: invite.expires_at,
        })
    }

    /// Spends an invite inside the transaction that stores what it connected; refused if
    /// the link was withdrawn, used or expired while its holder was at the network.
    pub(crate) async fn mark_invite_completed(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        invite_id: i64,
        connected: &Connected,
        spend: bool,
    ) -> Result<()> {
        let now = self.clock.now().timestamp();
        // A consent without every permission records what it connected and leaves the
        // link open for the rest.
        let spent = sqlx::query(
            "UPDATE invites SET completed_at = CASE WHEN $5 = 1 THEN $1 ELSE NULL END, \
             completed_channel_id = $2, completed_handle = $3 \
             WHERE id = $4 AND completed_at IS NULL AND revoked_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(connected.channel_id)
        .bind(&connected.handle)
        .bind(invite_id)
        .bind(i64::from(spend))
        .execute(&mut **tx)
        .await?;
        if spent.rows_affected() == 1 {
            return Ok(());
        }
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM invites i LEFT JOIN users u ON u.id = i.created_by \
             WHERE i.id = $1"
        ))
        .bind(invite_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(InviteRefused::Unknown)?;
        let state = invite_from(&row, now)?.state;
        Err(refusal(state).unwrap_or(InviteRefused::Used).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invite() -> NewInvite {
        NewInvite {
            network: "sandbox".into(),
            kind: "profile".into(),
            channel_id: None,
            channel_name: Some(ChannelName::parse("Creator").unwrap()),
            expected_account: None,
            access: Access::Metrics,
            expires_in_days: DEFAULT_DAYS,
            message: String::new(),
            recipient: None,
        }
    }

    #[test]
    fn lifetimes_run_from_one_to_thirty_days() {
        for days in [1, DEFAULT_DAYS, MAX_DAYS] {
            let ok = NewInvite {
                expires_in_days: days,
                ..invite()
            };
            assert!(ok.validated().is_ok(), "{days}");
        }
        for days in [0, -1, MAX_DAYS + 1] {
            let bad = NewInvite {
                expires_in_days: days,
                ..invite()
            };
            assert!(bad.validated().is_err(), "{days}");
        }
    }

    #[test]
    fn expected_accounts_and_messages_are_checked() {
        let with = |account: &str| NewInvite {
            expected_account: Some(account.into()),
            ..invite()
        };
        assert_eq!(
            with(" @ada_studio ").validated().unwrap().expected_account,
            Some("ada_studio".into())
        );
        assert_eq!(with("  ").validated().unwrap().expected_account, None);
        assert!(with("two words").validated().is_err());
        assert!(with("@").validated().is_err());
        assert!(with(&"x".repeat(MAX_ACCOUNT_CHARS + 1))
            .validated()
            .is_err());
        let saying = |message: &str| NewInvite {
            message: message.into(),
            ..invite()
        };
        assert!(saying("Hi!\nPlease connect.").validated().is_ok());
        assert!(saying("bell\u{7}").validated().is_err());
        assert!(saying(&"x".repeat(MAX_MESSAGE_CHARS + 1))
            .validated()
            .is_err());
    }

    #[test]
    fn only_well_formed_tokens_are_looked_up() {
        assert!(plausible(random_token().expose()));
        assert!(!plausible(""));
        assert!(!plausible(&"a".repeat(42)));
        assert!(!plausible(&format!("{}=", "a".repeat(42))));
        assert!(!plausible(&"a".repeat(44)));
    }
}
