//! Channels and their credentials: connecting through an OAuth handshake (with a picker
//! when one consent gives several accounts), reauthorizing in place, unlinking, deleting,
//! and reading the facts the status model needs. Tokens are sealed before they are stored
//! and never leave this module in a listing.

use crate::accounts::SignedIn;
use crate::crypto::{random_token, token_hash, Keyring, Sealed, Secret};
use crate::db::Backend;
use crate::domain::{require, ChannelName, Permission};
use crate::error::{ConnectError, Error, Result};
use crate::lifecycle::work::can_renew;
use crate::lifecycle::work::note_configuration_fault;
use crate::networks::call::{printable, ApiCall, NetworkFailure};
use crate::networks::{
    Access, ConfiguredNetwork, DeadReason, DiscoveredAccount, FailureClass, NetworkProfile,
    Renewal, RevokeStyle,
};
use crate::oauth::{self, TokenGrant};
use crate::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use std::sync::Arc;
use url::Url;

/// How long a person has to finish the network's consent page.
pub const HANDSHAKE_LIFETIME: TimeDelta = TimeDelta::minutes(10);
/// Whether the network revokes by naming the person who gave the grant (Graph's
/// `DELETE /{user-id}/permissions`), so that person must be known.
fn revokes_per_person(profile: &NetworkProfile) -> bool {
    matches!(
        profile.revoke,
        Some((_, RevokeStyle::DeleteUserPermissions))
    )
}

/// How long a consent waits for the person to pick its accounts.
pub const PICK_LIFETIME: TimeDelta = TimeDelta::minutes(15);

/// What the network sent back to the callback URL, unvalidated.
#[derive(Debug, Default)]
pub struct CallbackParams {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// A channel, as the dashboard and the status model see it: facts, no tokens.
#[derive(Clone, Debug, Default)]
pub struct ChannelRecord {
    pub id: i64,
    pub network: String,
    pub network_name: String,
    pub kind: String,
    pub kind_label: String,
    /// A person's own account (can be handed over to another person's).
    pub personal: bool,
    pub name: String,
    pub handle: String,
    pub avatar_url: Option<String>,
    pub followers: Option<i64>,
    pub access: Access,
    pub access_expires_at: Option<i64>,
    pub reconsent_deadline: Option<i64>,
    pub renewable: bool,
    /// Needed scopes the person did not grant, in words.
    pub missing_scopes: Vec<String>,
    /// Why the network refused the token for good, in words.
    pub dead_reason: Option<String>,
    /// While renewals fail for the network's reasons: the next try, and since when.
    pub retry_at: Option<i64>,
    pub failing_since: Option<i64>,
    /// When Tether plans to renew the access token next.
    pub renew_at: Option<i64>,
    /// Since when the channel has been down (its open disconnection).
    pub down_since: Option<i64>,
    /// Since when the network has refused checks without saying whether access is lost.
    pub unconfirmed_since: Option<i64>,
    /// Set when Tether stopped retrying on its own and asks a person.
    pub gave_up_at: Option<i64>,
    /// The last time the network confirmed the token works.
    pub checked_at: Option<i64>,
    pub connected_at: Option<i64>,
    /// When the consent ends if it was given from a private profile (Threads: 90 days
    /// after it); the network does not say whether the profile is.
    pub private_consent_ends_at: Option<i64>,
    /// A person said the profile is private, so that end is the channel's deadline.
    pub private_profile: bool,
    /// The member responsible for it: who connected it, or who sent the invite through
    /// which the account holder did; reminders go to them.
    pub connected_by: Option<String>,
    /// That member's user id.
    pub connector_id: Option<i64>,
    /// The account holder consented through an invite, not a member.
    pub through_invite: bool,
    /// The member who connected it left the workspace or may no longer reconnect it: the
    /// channel needs a new connector.
    pub connector_left: bool,
    pub unlinked_at: Option<i64>,
}

/// A handshake in flight, as remembered when it began.
pub(crate) struct Handshake {
    pub(crate) workspace_id: i64,
    /// The member who started it; `None` when someone without an account follows an invite.
    user_id: Option<i64>,
    pub(crate) invite_id: Option<i64>,
    channel_name: String,
    access: Access,
    reauth_channel_id: Option<i64>,
    /// An admin allowed a different external account to take the channel over.
    handover: bool,
    pkce_verifier: Secret,
}

/// Who starts a handshake, and the hash of the cookie that binds it to their browser: the
/// session for members, an invite cookie for someone following an invite link.
pub(crate) struct Initiator {
    pub(crate) binding_hash: String,
    pub(crate) workspace_id: i64,
    pub(crate) user_id: Option<i64>,
    pub(crate) invite_id: Option<i64>,
}

impl Initiator {
    fn member(person: &SignedIn) -> Self {
        Self {
            binding_hash: person.session_hash.clone(),
            workspace_id: person.workspace_id,
            user_id: Some(person.user_id),
            invite_id: None,
        }
    }
}

/// The cookies a browser brought back from the network: its session (members) and its
/// invite cookie (someone following an invite link).
#[derive(Clone, Copy, Debug, Default)]
pub struct BrowserCookies<'a> {
    pub session: Option<&'a str>,
    pub invite: Option<&'a str>,
}

/// A grant a new consent is about to replace.
struct ReplacedGrant {
    channel_id: i64,
    access: Secret,
    refresh: Option<Secret>,
    subject: String,
}

/// A channel that was just connected or reauthorized.
#[derive(Clone, Debug)]
pub struct Connected {
    pub channel_id: i64,
    pub name: String,
    pub handle: String,
}

/// Where a finished consent leads.
#[derive(Debug)]
pub enum ConnectOutcome {
    Connected(Vec<Connected>),
    Reauthorized(Connected),
    /// Several accounts came with the consent: the person picks (the id is single use).
    Pick {
        pending_id: String,
    },
    /// Someone following an invite link connected (or reconnected) the channel.
    Invited(crate::invites::InviteCompleted),
}

/// The tokens a consent gave, ready to store.
#[derive(Serialize, Deserialize)]
pub(crate) struct ConsentTokens {
    pub(crate) access_token: String,
    pub(crate) refresh_token: Option<String>,
    pub(crate) access_expires_at: Option<i64>,
    pub(crate) refresh_expires_at: Option<i64>,
    pub(crate) reconsent_deadline: Option<i64>,
    pub(crate) granted_scopes: Vec<String>,
    /// Who consented, where the network names them apart from the accounts.
    #[serde(default)]
    pub(crate) grant_subject: Option<String>,
    /// The invite through which the account holder consented, when they did.
    #[serde(default)]
    pub(crate) consent_invite_id: Option<i64>,
}

/// What happened at the network when a channel was unlinked or deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtNetwork {
    /// The network confirmed the grant is revoked.
    Revoked,
    /// The network has no revocation Tether can call.
    NotOffered,
    /// Other channels connected by the same consent still use the grant, so it was kept.
    KeptForOthers { channels: i64 },
    /// The network could not be reached, or refused.
    Failed,
    /// The network revokes per person, and who gave this token is unknown (imported).
    GiverUnknown,
}

impl AtNetwork {
    pub fn revoked(self) -> bool {
        self == AtNetwork::Revoked
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AtNetwork::Revoked => "revoked",
            AtNetwork::NotOffered => "not_offered",
            AtNetwork::KeptForOthers { .. } => "kept_for_other_channels",
            AtNetwork::Failed => "failed",
            AtNetwork::GiverUnknown => "giver_unknown",
        }
    }
}

/// An account offered by a consent, with its own token where it has one.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct OfferedAccount {
    pub(crate) kind: String,
    pub(crate) id: String,
    pub(crate) handle: String,
    pub(crate) name: String,
    pub(crate) avatar_url: Option<String>,
    pub(crate) followers: Option<i64>,
    pub(crate) token: Option<String>,
    pub(crate) linked_to: Option<String>,
}

impl OfferedAccount {
    fn key(&self) -> String {
        format!("{}:{}", self.kind, self.id)
    }
}

impl From<DiscoveredAccount> for OfferedAccount {
    fn from(a: DiscoveredAccount) -> Self {
        Self {
            kind: a.kind.to_owned(),
            id: a.id,
            handle: a.handle,
            name: a.name,
            avatar_url: a.avatar_url,
            followers: a.followers,
            token: a.token.map(|t| t.expose().to_owned()),
            linked_to: a.linked_to,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct PendingPayload {
    tokens: ConsentTokens,
    accounts: Vec<OfferedAccount>,
}

/// One account on the picker page.
#[derive(Clone, Debug)]
pub struct Choice {
    /// What the form sends back: `kind:id`.
    pub key: String,
    pub kind_label: String,
    pub name: String,
    pub handle: String,
    pub followers: Option<i64>,
    /// The name of the account this one hangs off.
    pub linked_to: Option<String>,
    /// The channel that already holds this account in this workspace.
    pub already_connected_as: Option<String>,
    /// The workspace where another channel holds this account.
    pub elsewhere: Option<Elsewhere>,
}

/// An account already connected in another workspace.
#[derive(Clone, Debug)]
pub struct Elsewhere {
    pub channel_id: i64,
    pub workspace_id: i64,
    /// Its name, only for a member of it: no page names a workspace to an outsider.
    pub workspace: Option<String>,
    /// True when the person is an owner or admin there too, and so may move the channel
    /// here (with its history) or remove it there.
    pub manageable: bool,
}

/// What a pick does with an account.
#[derive(Clone, Debug)]
pub(crate) enum PickMode {
    /// A new channel here.
    New,
    /// The channel of another workspace (which the person runs) comes here, history and all.
    Move(Elsewhere),
    /// The channel of another workspace (which the person runs) is deleted; a new one is
    /// made here.
    Replace(Elsewhere),
}

/// What the picker page shows.
#[derive(Clone, Debug)]
pub struct PendingChoice {
    pub network_name: String,
    pub channel_name: String,
    pub choices: Vec<Choice>,
    pub expires_at: i64,
}

/// Deletes a channel (its credential, followers and the like go with it) and detaches its
/// history: events keep no foreign key, which would lock the channel's row on every insert.
async fn delete_channel_row(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    channel_id: i64,
) -> Result<()> {
    sqlx::query("UPDATE events SET channel_id = NULL WHERE channel_id = $1")
        .bind(channel_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM channels WHERE id = $1")
        .bind(channel_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(crate) fn seal_context(channel_id: i64, column: &str) -> String {
    format!("credential:{channel_id}:{column}")
}

pub(crate) fn scope_list(scopes: &str) -> Vec<String> {
    scopes.split_whitespace().map(str::to_owned).collect()
}

pub(crate) fn seconds_after(now: DateTime<Utc>, delta: Option<TimeDelta>) -> Option<i64> {
    delta.map(|d| (now + d).timestamp())
}

impl Engine {
    pub(crate) fn network(&self, id: &str) -> Result<&ConfiguredNetwork, ConnectError> {
        self.networks
            .get(id)
            .ok_or_else(|| ConnectError::UnknownNetwork(id.to_owned()))
    }

    fn callback_url(&self, network_id: &str) -> Url {
        self.public_url
            .join(&format!("oauth/callback/{network_id}"))
            .expect("callback path is a valid URL path")
    }

    /// Starts connecting a channel: remembers the handshake (state single use, bound to the
    /// person's session, PKCE verifier sealed) and returns the network's consent URL.
    pub async fn begin_connect(
        &self,
        person: &SignedIn,
        network_id: &str,
        name: ChannelName,
        access: Access,
    ) -> Result<Url> {
        require(person.role, Permission::Connect)?;
        let network = self.network(network_id)?;
        let scopes = network.profile.scopes.requested(access);
        self.begin_handshake(
            Initiator::member(person),
            network,
            name.as_str(),
            access,
            None,
            &scopes,
        )
        .await
    }

    /// Starts reauthorizing a channel in place. With `only_missing`, consent asks again
    /// for just the permissions the channel lacks (plus what identifies the account).
    pub async fn begin_reauthorize(
        &self,
        person: &SignedIn,
        channel_id: i64,
        mode: Reauthorize,
    ) -> Result<Url> {
        require(person.role, Permission::Reauthorize)?;
        if mode == Reauthorize::Handover {
            require(person.role, Permission::Transfer)?;
        }
        let only_missing = mode == Reauthorize::OnlyMissing;
        let channel = self.channel(person, channel_id).await?;
        let network = self.network(&channel.network)?;
        let profile = &network.profile;
        let mut scopes = scopes_for_kind(profile, &channel.kind, channel.access);
        if only_missing {
            let row = sqlx::query("SELECT granted_scopes FROM credentials WHERE channel_id = $1")
                .bind(channel_id)
                .fetch_optional(self.db.pool())
                .await?;
            let granted = match row {
                Some(row) => scope_list(&row.try_get::<String, _>("granted_scopes")?),
                None => Vec::new(),
            };
            // Networks with partial consent keep earlier grants; ask for what is missing
            // and for what is needed to tell whose account it is.
            if profile.partial_consent {
                scopes.retain(|s| !granted.contains(s) || profile.scopes.supporting.contains(s));
            }
        }
        self.begin_handshake(
            Initiator::member(person),
            network,
            &channel.name,
            channel.access,
            Some((channel_id, mode == Reauthorize::Handover)),
            &scopes,
        )
        .await
    }

    pub(crate) async fn begin_handshake(
        &self,
        initiator: Initiator,
        network: &ConfiguredNetwork,
        channel_name: &str,
        access: Access,
        reauth: Option<(i64, bool)>,
        scopes: &[String],
    ) -> Result<Url> {
        let network_id = network.profile.id.as_str();
        let request = oauth::authorization_request(network, &self.callback_url(network_id), scopes);
        let state_hash = token_hash(request.state.expose());
        let sealed = self
            .key
            .seal(&request.pkce_verifier, &format!("oauth_state:{state_hash}"));
        let now = self.clock.now();
        // Each new handshake sweeps the ones people abandoned at the network.
        sqlx::query("DELETE FROM oauth_states WHERE expires_at <= $1")
            .bind(now.timestamp())
            .execute(self.db.pool())
            .await?;
        sqlx::query("DELETE FROM pending_connections WHERE expires_at <= $1")
            .bind(now.timestamp())
            .execute(self.db.pool())
            .await?;
        sqlx::query(
            "INSERT INTO oauth_states (state_hash, session_hash, workspace_id, user_id, invite_id, \
             network, channel_name, key_id, pkce_verifier, created_at, expires_at, access, \
             reauth_channel_id, handover) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(&state_hash)
        .bind(&initiator.binding_hash)
        .bind(initiator.workspace_id)
        .bind(initiator.user_id)
        .bind(initiator.invite_id)
        .bind(network_id)
        .bind(channel_name)
        .bind(&sealed.key_id)
        .bind(sealed.bytes)
        .bind(now.timestamp())
        .bind((now + HANDSHAKE_LIFETIME).timestamp())
        .bind(access.as_str())
        .bind(reauth.map(|(id, _)| id))
        .bind(i64::from(reauth.is_some_and(|(_, handover)| handover)))
        .execute(self.db.pool())
        .await?;
        Ok(request.url)
    }

    /// Finishes a handshake from the network's redirect. The state is spent first, whatever
    /// follows, so it can never be replayed; nothing is stored unless every check passes.
    pub async fn finish_connect(
        &self,
        cookies: BrowserCookies<'_>,
        network_id: &str,
        params: CallbackParams,
    ) -> Result<ConnectOutcome> {
        let network = self.network(network_id)?;
        let state = params.state.as_deref().ok_or(ConnectError::InvalidState)?;
        let session = cookies.session;
        let handshake = self.take_handshake(cookies, network_id, state).await?;
        let reconnecting = handshake
            .reauth_channel_id
            .map(|channel_id| (handshake.workspace_id, channel_id, handshake.user_id));
        let outcome = self
            .complete_handshake(network, handshake, params, session)
            .await;
        if let (Err(error), Some((workspace_id, channel_id, actor))) = (&outcome, reconnecting) {
            self.record_failed_reconnect(workspace_id, channel_id, actor, error)
                .await;
        }
        outcome
    }

    /// A failed reconnect stays in the channel's history, in the words the person saw.
    async fn record_failed_reconnect(
        &self,
        workspace_id: i64,
        channel_id: i64,
        actor: Option<i64>,
        error: &Error,
    ) {
        let recorded = async {
            let mut tx = self.db.pool().begin().await?;
            self.record_event(
                &mut tx,
                workspace_id,
                Some(channel_id),
                actor,
                "reconnect_failed",
                json!({ "reason": error.to_string() }),
            )
            .await?;
            tx.commit().await?;
            Ok::<_, Error>(())
        };
        if let Err(problem) = recorded.await {
            tracing::error!(channel_id, detail = %problem.log_detail(), "failed reconnect not recorded");
        }
    }

    /// Everything after the handshake was found: the network's answer, the tokens, the
    /// accounts, and where they go.
    async fn complete_handshake(
        &self,
        network: &ConfiguredNetwork,
        handshake: Handshake,
        params: CallbackParams,
        session: Option<&str>,
    ) -> Result<ConnectOutcome> {
        let network_id = network.profile.id.as_str();
        let display_name = network.profile.display_name.clone();

        // A member removed or demoted since the consent began finishes nothing: the role
        // counts as it is now, before the code is even exchanged.
        if let (None, Some(user_id)) = (handshake.invite_id, handshake.user_id) {
            let needed = match (handshake.reauth_channel_id, handshake.handover) {
                (None, _) => Permission::Connect,
                (Some(_), false) => Permission::Reauthorize,
                (Some(_), true) => Permission::Transfer,
            };
            let role = self.member_role(handshake.workspace_id, user_id).await?;
            if !role.is_some_and(|role| role.may(needed)) {
                return Err(Error::Forbidden);
            }
        }

        if let Some(error) = params.error {
            return Err(if error == "access_denied" {
                ConnectError::Denied {
                    network: display_name,
                }
            } else {
                ConnectError::NetworkRefused {
                    network: display_name,
                    description: printable(params.error_description.as_deref().unwrap_or(&error)),
                }
            }
            .into());
        }
        let code = params
            .code
            .filter(|c| !c.is_empty() && c.len() <= 2048)
            .ok_or_else(|| ConnectError::NetworkRefused {
                network: display_name.clone(),
                description: "the redirect carried no authorization code".into(),
            })?;

        let exchanged = oauth::exchange_code(
            &self.http,
            network,
            &self.callback_url(network_id),
            &code,
            &handshake.pkce_verifier,
        )
        .await;
        let mut grant = match exchanged {
            Ok(grant) => grant,
            Err(failure) => return Err(self.handshake_failure(network, failure).await),
        };
        let long = match oauth::exchange_long_lived(&self.http, network, &grant.access_token).await
        {
            Ok(long) => long,
            Err(failure) => return Err(self.handshake_failure(network, failure).await),
        };
        if let Some(long) = long {
            // The long-lived token replaces the short one; scopes were read from the first.
            grant = TokenGrant {
                granted_scopes: grant.granted_scopes.or(long.granted_scopes),
                refresh_token: long.refresh_token.or(grant.refresh_token),
                ..long
            };
        }
        let call = ApiCall {
            http: &self.http,
            network,
            token: &grant.access_token,
            granted: grant.granted_scopes.as_deref().unwrap_or_default(),
        };
        let discovery = match network.profile.adapter.discover(&call).await {
            Ok(discovery) => discovery,
            Err(failure) => return Err(self.handshake_failure(network, failure).await),
        };
        let granted_scopes = discovery
            .granted_scopes
            .or(grant.granted_scopes.clone())
            .unwrap_or_else(|| network.profile.scopes.requested(handshake.access));
        let tokens = ConsentTokens {
            consent_invite_id: handshake.invite_id,
            ..self.consent_tokens(&network.profile, &grant, granted_scopes, discovery.subject)
        };
        let accounts: Vec<OfferedAccount> = discovery
            .accounts
            .into_iter()
            .map(OfferedAccount::from)
            .collect();

        if let Some(invite_id) = handshake.invite_id {
            return self
                .complete_invite(invite_id, &handshake, network, accounts, tokens)
                .await
                .map(ConnectOutcome::Invited);
        }
        let user_id = handshake.user_id.ok_or(ConnectError::InvalidState)?;
        if let Some(channel_id) = handshake.reauth_channel_id {
            return self
                .store_reauthorization(
                    &handshake.as_owner(),
                    handshake.handover,
                    channel_id,
                    network,
                    &accounts,
                    tokens,
                )
                .await
                .map(ConnectOutcome::Reauthorized);
        }
        let direct = match accounts.as_slice() {
            [only] => network
                .profile
                .kind(&only.kind)
                .is_some_and(|kind| !kind.picked),
            _ => false,
        };
        // An account held by another workspace that this person also runs goes to the
        // picker, where they may move it here or remove it there.
        let manageable_elsewhere = match accounts.as_slice() {
            [only] => self
                .elsewhere(user_id, handshake.workspace_id, network_id, only)
                .await?
                .is_some_and(|e| e.manageable),
            _ => false,
        };
        if direct && !manageable_elsewhere {
            let new: Vec<_> = accounts
                .iter()
                .map(|a| (a.clone(), PickMode::New))
                .collect();
            let connected = self
                .store_channels(
                    &handshake.as_owner(),
                    network,
                    &new,
                    &tokens,
                    Some(&handshake.channel_name),
                )
                .await?;
            return Ok(ConnectOutcome::Connected(connected));
        }
        if accounts.is_empty() {
            return Err(ConnectError::NothingToConnect {
                network: display_name,
            }
            .into());
        }
        let pending_id = self
            .store_pending(session, user_id, &handshake, network_id, tokens, accounts)
            .await?;
        Ok(ConnectOutcome::Pick { pending_id })
    }

    fn consent_tokens(
        &self,
        profile: &NetworkProfile,
        grant: &TokenGrant,
        granted_scopes: Vec<String>,
        grant_subject: Option<String>,
    ) -> ConsentTokens {
        let now = self.clock.now();
        let refresh_expires_at = grant.refresh_token.as_ref().and_then(|_| {
            seconds_after(now, grant.refresh_expires_in.or(profile.lifetimes.refresh))
        });
        // LinkedIn's fixed window is the refresh token's own expiry; others are the
        // network's documented wall (data access, testing apps).
        let reconsent_deadline = match profile.renewal {
            Renewal::FixedWindowRefresh => refresh_expires_at,
            _ => seconds_after(now, profile.lifetimes.reconsent),
        };
        ConsentTokens {
            access_token: grant.access_token.expose().to_owned(),
            refresh_token: grant.refresh_token.as_ref().map(|t| t.expose().to_owned()),
            access_expires_at: seconds_after(now, grant.expires_in),
            refresh_expires_at,
            reconsent_deadline,
            granted_scopes,
            grant_subject,
            consent_invite_id: None,
        }
    }

    /// Spends the handshake that `state` names, and returns it if it belongs to this browser
    /// (its session, or its invite cookie for an invite's handshake) and network and has not
    /// expired.
    async fn take_handshake(
        &self,
        cookies: BrowserCookies<'_>,
        network_id: &str,
        state: &str,
    ) -> Result<Handshake> {
        let state_hash = token_hash(state);
        let row = sqlx::query(
            "DELETE FROM oauth_states WHERE state_hash = $1 \
             RETURNING session_hash, workspace_id, user_id, invite_id, network, channel_name, \
             key_id, pkce_verifier, expires_at, access, reauth_channel_id, handover",
        )
        .bind(&state_hash)
        .fetch_optional(self.db.pool())
        .await?
        .ok_or(ConnectError::InvalidState)?;
        let binding: String = row.try_get("session_hash")?;
        let expires_at: i64 = row.try_get("expires_at")?;
        let invite_id: Option<i64> = row.try_get("invite_id")?;
        let presented = if invite_id.is_some() {
            cookies.invite
        } else {
            cookies.session
        };
        let same_browser = presented.is_some_and(|t| token_hash(t) == binding);
        if !same_browser
            || expires_at <= self.clock.now().timestamp()
            || row.try_get::<String, _>("network")? != network_id
        {
            return Err(ConnectError::InvalidState.into());
        }
        let pkce_verifier = self
            .key
            .open(
                &Sealed {
                    key_id: row.try_get("key_id")?,
                    bytes: row.try_get("pkce_verifier")?,
                },
                &format!("oauth_state:{state_hash}"),
            )
            .map_err(|e| Error::Internal(format!("cannot open PKCE verifier: {e}")))?;
        Ok(Handshake {
            workspace_id: row.try_get("workspace_id")?,
            user_id: row.try_get("user_id")?,
            invite_id,
            channel_name: row.try_get("channel_name")?,
            access: Access::parse(&row.try_get::<String, _>("access")?).unwrap_or_default(),
            reauth_channel_id: row.try_get("reauth_channel_id")?,
            handover: row.try_get::<i64, _>("handover")? == 1,
            pkce_verifier,
        })
    }

    async fn store_pending(
        &self,
        session_token: Option<&str>,
        user_id: i64,
        handshake: &Handshake,
        network_id: &str,
        tokens: ConsentTokens,
        accounts: Vec<OfferedAccount>,
    ) -> Result<String> {
        let session_hash = token_hash(session_token.ok_or(ConnectError::InvalidState)?);
        let pending_id = random_token();
        let id_hash = token_hash(pending_id.expose());
        let payload = serde_json::to_string(&PendingPayload { tokens, accounts })
            .map_err(|e| Error::Internal(format!("cannot encode pending consent: {e}")))?;
        let sealed = self
            .key
            .seal(&Secret::new(payload), &format!("pending:{id_hash}"));
        let now = self.clock.now();
        sqlx::query(
            "INSERT INTO pending_connections (id_hash, session_hash, workspace_id, user_id, \
             network, channel_name, access, key_id, payload, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&id_hash)
        .bind(&session_hash)
        .bind(handshake.workspace_id)
        .bind(user_id)
        .bind(network_id)
        .bind(&handshake.channel_name)
        .bind(handshake.access.as_str())
        .bind(&sealed.key_id)
        .bind(sealed.bytes)
        .bind(now.timestamp())
        .bind((now + PICK_LIFETIME).timestamp())
        .execute(self.db.pool())
        .await?;
        Ok(pending_id.expose().to_owned())
    }

    /// Reads a pending consent of this person's session; `take` spends it.
    async fn pending(
        &self,
        person: &SignedIn,
        pending_id: &str,
        take: bool,
    ) -> Result<(Handshake, String, PendingPayload, i64)> {
        let id_hash = token_hash(pending_id);
        let sql = if take {
            "DELETE FROM pending_connections WHERE id_hash = $1 RETURNING session_hash, \
             workspace_id, user_id, network, channel_name, access, key_id, payload, expires_at"
        } else {
            "SELECT session_hash, workspace_id, user_id, network, channel_name, access, key_id, \
             payload, expires_at FROM pending_connections WHERE id_hash = $1"
        };
        let row = sqlx::query(sql)
            .bind(&id_hash)
            .fetch_optional(self.db.pool())
            .await?
            .ok_or(ConnectError::PickExpired)?;
        let expires_at: i64 = row.try_get("expires_at")?;
        if row.try_get::<String, _>("session_hash")? != person.session_hash
            || row.try_get::<i64, _>("workspace_id")? != person.workspace_id
            || expires_at <= self.clock.now().timestamp()
        {
            return Err(ConnectError::PickExpired.into());
        }
        let payload = self
            .key
            .open(
                &Sealed {
                    key_id: row.try_get("key_id")?,
                    bytes: row.try_get("payload")?,
                },
                &format!("pending:{id_hash}"),
            )
            .map_err(|e| Error::Internal(format!("cannot open pending consent: {e}")))?;
        let payload: PendingPayload = serde_json::from_str(payload.expose())
            .map_err(|e| Error::Internal(format!("cannot read pending consent: {e}")))?;
        let handshake = Handshake {
            workspace_id: row.try_get("workspace_id")?,
            user_id: Some(row.try_get("user_id")?),
            invite_id: None,
            channel_name: row.try_get("channel_name")?,
            access: Access::parse(&row.try_get::<String, _>("access")?).unwrap_or_default(),
            reauth_channel_id: None,
            handover: false,
            pkce_verifier: Secret::new(""),
        };
        Ok((handshake, row.try_get("network")?, payload, expires_at))
    }

    /// The accounts a consent offers, for the picker page.
    pub async fn pending_choice(
        &self,
        person: &SignedIn,
        pending_id: &str,
    ) -> Result<PendingChoice> {
        let (handshake, network_id, payload, expires_at) =
            self.pending(person, pending_id, false).await?;
        let network = self.network(&network_id)?;
        let mut choices = Vec::new();
        for account in &payload.accounts {
            let already: Option<String> = sqlx::query(
                "SELECT name FROM channels WHERE workspace_id = $1 AND network = $2 AND kind = $3 \
                 AND external_account_id = $4",
            )
            .bind(person.workspace_id)
            .bind(&network_id)
            .bind(&account.kind)
            .bind(&account.id)
            .fetch_optional(self.db.pool())
            .await?
            .map(|row| row.try_get("name"))
            .transpose()?;
            let elsewhere = self
                .elsewhere(person.user_id, person.workspace_id, &network_id, account)
                .await?;
            choices.push(Choice {
                elsewhere,
                key: account.key(),
                kind_label: kind_label(&network.profile, &account.kind),
                name: account.name.clone(),
                handle: account.handle.clone(),
                followers: account.followers,
                linked_to: account.linked_to.as_ref().and_then(|parent| {
                    payload
                        .accounts
                        .iter()
                        .find(|a| &a.id == parent)
                        .map(|a| a.name.clone())
                }),
                already_connected_as: already,
            });
        }
        Ok(PendingChoice {
            network_name: network.profile.display_name.clone(),
            channel_name: handshake.channel_name,
            choices,
            expires_at,
        })
    }

    /// Connects the accounts the person picked from a consent; spends the pending consent.
    pub async fn finish_pick(
        &self,
        person: &SignedIn,
        pending_id: &str,
        chosen: &[String],
    ) -> Result<Vec<Connected>> {
        require(person.role, Permission::Connect)?;
        if chosen.is_empty() {
            return Err(Error::Invalid(
                "Pick at least one account to connect.".into(),
            ));
        }
        let (handshake, network_id, payload, _) = self.pending(person, pending_id, false).await?;
        let mut picked = Vec::new();
        for choice in chosen {
            let (verb, key) = match choice.split_once(':') {
                Some((verb @ ("move" | "replace"), key)) => (Some(verb), key),
                _ => (None, choice.as_str()),
            };
            let account = payload
                .accounts
                .iter()
                .find(|a| a.key() == key)
                .ok_or_else(|| {
                    Error::Invalid(
                        "One of the picked accounts was not offered by this consent.".into(),
                    )
                })?;
            let mode = match verb {
                None => PickMode::New,
                Some(verb) => {
                    let elsewhere = self
                        .elsewhere(person.user_id, person.workspace_id, &network_id, account)
                        .await?
                        .filter(|e| e.manageable)
                        .ok_or(Error::Forbidden)?;
                    if verb == "move" {
                        PickMode::Move(elsewhere)
                    } else {
                        PickMode::Replace(elsewhere)
                    }
                }
            };
            picked.push((account.clone(), mode));
        }
        let network = self.network(&network_id)?;
        // The typed name suits a single account; several are named after themselves.
        let name = (picked.len() == 1).then_some(handshake.channel_name.as_str());
        let owner = handshake.as_owner();
        let connected = self
            .store_channels(&owner, network, &picked, &payload.tokens, name)
            .await?;
        // Spent only once everything is stored, so a refused pick can be corrected.
        self.pending(person, pending_id, true).await?;
        Ok(connected)
    }

    /// Stores channels, their sealed tokens and events in one transaction, unless an
    /// account is already connected in this workspace or another.
    pub(crate) async fn store_channels(
        &self,
        owner: &Owner,
        network: &ConfiguredNetwork,
        accounts: &[(OfferedAccount, PickMode)],
        tokens: &ConsentTokens,
        name: Option<&str>,
    ) -> Result<Vec<Connected>> {
        let profile = &network.profile;
        let now = self.clock.now().timestamp();
        // A moved channel's credential is replaced by this consent's.
        let mut replaced = Vec::new();
        for (account, mode) in accounts {
            if let PickMode::Move(elsewhere) = mode {
                if let Some(grant) = self.grant_of(profile, elsewhere.channel_id).await {
                    replaced.push((grant, account));
                }
            }
        }
        let mut tx = self.db.pool().begin().await?;
        let mut connected = Vec::new();
        for (account, mode) in accounts {
            match mode {
                PickMode::New => {}
                PickMode::Move(elsewhere) => {
                    connected.push(
                        self.move_here(&mut tx, owner, profile, account, elsewhere, tokens)
                            .await?,
                    );
                    continue;
                }
                PickMode::Replace(elsewhere) => {
                    self.remove_elsewhere(&mut tx, owner, profile, account, elsewhere)
                        .await?
                }
            }
            self.refuse_duplicate(
                &mut tx,
                (owner.workspace_id, owner.user_id),
                profile,
                account,
            )
            .await?;
            let kind = profile.kind(&account.kind).ok_or_else(|| {
                Error::Internal(format!(
                    "{} sent an unknown kind {}",
                    profile.id, account.kind
                ))
            })?;
            let required = profile.required_scopes(kind, owner.access);
            let channel_name = name.unwrap_or(&account.name);
            let channel_id: i64 = sqlx::query(
                "INSERT INTO channels (workspace_id, network, kind, name, external_account_id, \
                 handle, required_scopes, created_at, access, avatar_url, followers, linked_to) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            )
            .bind(owner.workspace_id)
            .bind(&profile.id)
            .bind(&account.kind)
            .bind(channel_name)
            .bind(&account.id)
            .bind(&account.handle)
            .bind(required.join(" "))
            .bind(now)
            .bind(owner.access.as_str())
            .bind(&account.avatar_url)
            .bind(account.followers)
            .bind(&account.linked_to)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
            self.write_credentials(
                &mut tx,
                &network.profile,
                channel_id,
                owner.user_id,
                account,
                tokens,
                true,
            )
            .await?;
            self.record_event(
                &mut tx,
                owner.workspace_id,
                Some(channel_id),
                owner.user_id,
                "connected",
                json!({
                    "network": profile.id,
                    "kind": account.kind,
                    "account_id": account.id,
                    "handle": account.handle,
                    "scopes": tokens.granted_scopes.join(" "),
                    "invite_id": owner.invite_id,
                }),
            )
            .await?;
            tracing::info!(channel_id, network = %profile.id, kind = %account.kind, "channel connected");
            connected.push(Connected {
                channel_id,
                name: channel_name.to_owned(),
                handle: account.handle.clone(),
            });
        }
        if let (Some(invite_id), [only]) = (owner.invite_id, connected.as_slice()) {
            self.mark_invite_completed(&mut tx, invite_id, only, owner.spend_invite)
                .await?;
        }
        tx.commit().await?;
        for (grant, account) in replaced {
            self.revoke_replaced(network, grant, tokens, account).await;
        }
        Ok(connected)
    }

    /// The channel of another workspace that holds `account`, if any, and whether
    /// `user_id` runs that workspace too.
    async fn elsewhere(
        &self,
        user_id: i64,
        workspace_id: i64,
        network_id: &str,
        account: &OfferedAccount,
    ) -> Result<Option<Elsewhere>> {
        let row = sqlx::query(
            "SELECT c.id, c.workspace_id, w.name AS workspace, m.role FROM channels c \
             JOIN workspaces w ON w.id = c.workspace_id \
             LEFT JOIN memberships m ON m.workspace_id = c.workspace_id AND m.user_id = $1 \
             WHERE c.network = $2 AND c.kind = $3 AND c.external_account_id = $4 \
             AND c.workspace_id <> $5",
        )
        .bind(user_id)
        .bind(network_id)
        .bind(&account.kind)
        .bind(&account.id)
        .bind(workspace_id)
        .fetch_optional(self.db.pool())
        .await?;
        row.map(|row| {
            let role: Option<String> = row.try_get("role")?;
            let name: String = row.try_get("workspace")?;
            Ok(Elsewhere {
                channel_id: row.try_get("id")?,
                workspace_id: row.try_get("workspace_id")?,
                workspace: role.is_some().then_some(name),
                manageable: role
                    .and_then(|r| crate::domain::Role::parse(&r).ok())
                    .is_some_and(|r| r.may(Permission::Transfer)),
            })
        })
        .transpose()
    }

    /// Brings another workspace's channel for `account` here, with its history, and gives
    /// it this consent's tokens.
    async fn move_here(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        owner: &Owner,
        profile: &NetworkProfile,
        account: &OfferedAccount,
        elsewhere: &Elsewhere,
        tokens: &ConsentTokens,
    ) -> Result<Connected> {
        let name: String = sqlx::query(
            "UPDATE channels SET workspace_id = $1, unlinked_at = NULL, handle = $2, \
             avatar_url = $3, followers = $4 WHERE id = $5 RETURNING name",
        )
        .bind(owner.workspace_id)
        .bind(&account.handle)
        .bind(&account.avatar_url)
        .bind(account.followers)
        .bind(elsewhere.channel_id)
        .fetch_one(&mut **tx)
        .await?
        .try_get("name")?;
        // Its history comes along: the events follow the channel.
        sqlx::query("UPDATE events SET workspace_id = $1 WHERE channel_id = $2")
            .bind(owner.workspace_id)
            .bind(elsewhere.channel_id)
            .execute(&mut **tx)
            .await?;
        self.write_credentials(
            tx,
            profile,
            elsewhere.channel_id,
            owner.user_id,
            account,
            tokens,
            false,
        )
        .await?;
        self.record_event(
            tx,
            elsewhere.workspace_id,
            None,
            owner.user_id,
            "moved_out",
            json!({"network": profile.id, "handle": account.handle, "to_workspace": owner.workspace_id}),
        )
        .await?;
        self.record_event(
            tx,
            owner.workspace_id,
            Some(elsewhere.channel_id),
            owner.user_id,
            "moved_in",
            json!({
                "network": profile.id,
                "account_id": account.id,
                "handle": account.handle,
                "from_workspace": elsewhere.workspace,
                "scopes": tokens.granted_scopes.join(" "),
            }),
        )
        .await?;
        Ok(Connected {
            channel_id: elsewhere.channel_id,
            name,
            handle: account.handle.clone(),
        })
    }

    /// Deletes another workspace's channel for `account` (the person runs both), logging
    /// it there.
    async fn remove_elsewhere(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        owner: &Owner,
        profile: &NetworkProfile,
        account: &OfferedAccount,
        elsewhere: &Elsewhere,
    ) -> Result<()> {
        self.record_event(
            tx,
            elsewhere.workspace_id,
            Some(elsewhere.channel_id),
            owner.user_id,
            "deleted",
            json!({"network": profile.id, "handle": account.handle, "reason": "connected in another workspace"}),
        )
        .await?;
        delete_channel_row(tx, elsewhere.channel_id).await
    }

    /// Refuses an account already connected; the other workspace is named only to
    /// `asker` when they are a member of it.
    pub(crate) async fn refuse_duplicate(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        (workspace_id, asker): (i64, Option<i64>),
        profile: &NetworkProfile,
        account: &OfferedAccount,
    ) -> Result<()> {
        let existing = sqlx::query(
            "SELECT c.name, c.workspace_id, w.name AS workspace, m.role FROM channels c \
             JOIN workspaces w ON w.id = c.workspace_id \
             LEFT JOIN memberships m ON m.workspace_id = c.workspace_id AND m.user_id = $4 \
             WHERE c.network = $1 AND c.kind = $2 AND c.external_account_id = $3",
        )
        .bind(&profile.id)
        .bind(&account.kind)
        .bind(&account.id)
        .bind(asker)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(existing) = existing else {
            return Ok(());
        };
        let channel: String = existing.try_get("name")?;
        Err(
            if existing.try_get::<i64, _>("workspace_id")? == workspace_id {
                ConnectError::AlreadyConnected {
                    network: profile.display_name.clone(),
                    handle: account.handle.clone(),
                    channel,
                }
            } else if existing.try_get::<Option<String>, _>("role")?.is_some() {
                ConnectError::ConnectedElsewhere {
                    network: profile.display_name.clone(),
                    handle: account.handle.clone(),
                    workspace: existing.try_get("workspace")?,
                }
            } else {
                ConnectError::ConnectedOutside {
                    network: profile.display_name.clone(),
                    handle: account.handle.clone(),
                }
            }
            .into(),
        )
    }

    /// Writes (or replaces) a channel's credentials and schedules their renewal and checks;
    /// a channel that was down is up again.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn write_credentials(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        profile: &NetworkProfile,
        channel_id: i64,
        connected_by: Option<i64>,
        account: &OfferedAccount,
        tokens: &ConsentTokens,
        fresh: bool,
    ) -> Result<()> {
        // A page's own token (Facebook) stands in for the consent's token; it does not
        // expire on its own and is not refreshed by a refresh token.
        let (access_token, refresh_token, access_expires_at) = match &account.token {
            Some(own) => (own.clone(), None, None),
            None => (
                tokens.access_token.clone(),
                tokens.refresh_token.clone(),
                tokens.access_expires_at,
            ),
        };
        let access = self.key.seal(
            &Secret::new(access_token),
            &seal_context(channel_id, "access"),
        );
        let refresh = refresh_token.map(|t| {
            self.key
                .seal(&Secret::new(t), &seal_context(channel_id, "refresh"))
        });
        let now = self.clock.now().timestamp();
        // A profile someone said is private keeps its consent's end across reconnects.
        let said_private = match profile.lifetimes.private_profile_consent {
            Some(period) => {
                sqlx::query_scalar::<_, i64>("SELECT private_profile FROM channels WHERE id = $1")
                    .bind(channel_id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .filter(|private| *private == 1)
                    .map(|_| now + period.num_seconds())
            }
            None => None,
        };
        let reconsent_deadline = tokens.reconsent_deadline.or(said_private);
        // Who gave the grant: the account itself unless the network said otherwise. Where
        // the network revokes per person, an account is no person: unknown stays unknown
        // (an imported Page token).
        let grant_subject = tokens
            .grant_subject
            .as_deref()
            .or((!revokes_per_person(profile)).then_some(account.id.as_str()));
        let refresh_bytes_present = refresh.is_some();
        let schedule = self.schedule(
            &profile.renewal,
            now,
            access_expires_at,
            refresh_bytes_present,
        );
        if !fresh {
            sqlx::query("DELETE FROM credentials WHERE channel_id = $1")
                .bind(channel_id)
                .execute(&mut **tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO credentials (channel_id, key_id, access_token, refresh_token, \
             access_expires_at, refresh_expires_at, reconsent_deadline, granted_scopes, \
             dead_reason, connected_by, connected_at, updated_at, renew_at, due_at, \
             grant_subject, consent_invite_id, next_reminder_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $10, $10, $11, $12, $13, $14, $15)",
        )
        .bind(channel_id)
        .bind(&access.key_id)
        .bind(access.bytes)
        .bind(refresh.map(|r| r.bytes))
        .bind(access_expires_at)
        .bind(tokens.refresh_expires_at)
        .bind(reconsent_deadline)
        .bind(tokens.granted_scopes.join(" "))
        .bind(connected_by)
        .bind(now)
        .bind(schedule.renew_at)
        .bind(schedule.due_at)
        .bind(grant_subject)
        .bind(tokens.consent_invite_id)
        // Planned by the next reminder sweep if a person has a deadline to meet; never
        // read by it otherwise.
        .bind(
            crate::notify::has_deadline(
                can_renew(&profile.renewal, refresh_bytes_present),
                access_expires_at,
                reconsent_deadline,
            )
            .then_some(0_i64),
        )
        .execute(&mut **tx)
        .await?;
        self.end_disconnection(tx, channel_id, now).await?;
        Ok(())
    }

    /// Replaces a channel's credentials after a new consent, which must be for the same
    /// external account.
    pub(crate) async fn store_reauthorization(
        &self,
        owner: &Owner,
        handover: bool,
        channel_id: i64,
        network: &ConfiguredNetwork,
        accounts: &[OfferedAccount],
        tokens: ConsentTokens,
    ) -> Result<Connected> {
        let row = sqlx::query(
            "SELECT c.name, c.kind, c.external_account_id, c.handle, cr.connected_by \
             FROM channels c LEFT JOIN credentials cr ON cr.channel_id = c.id \
             WHERE c.id = $1 AND c.workspace_id = $2",
        )
        .bind(channel_id)
        .bind(owner.workspace_id)
        .fetch_optional(self.db.pool())
        .await?
        .ok_or(Error::NotFound)?;
        let name: String = row.try_get("name")?;
        let kind: String = row.try_get("kind")?;
        let external_id: String = row.try_get("external_account_id")?;
        let same = accounts
            .iter()
            .find(|a| a.kind == kind && a.id == external_id);
        // Handed over: another person's own account of the same kind may take the channel.
        // A page stays the page; another admin of it consents as themselves and matches.
        let personal = network.profile.kind(&kind).is_some_and(|k| k.personal);
        let handed = same.is_none() && handover && personal;
        let account = same.or_else(|| accounts.iter().find(|a| handed && a.kind == kind));
        let Some(account) = account else {
            let given = accounts
                .iter()
                .find(|a| a.kind == kind)
                .or(accounts.first())
                .map(|a| a.handle.clone())
                .unwrap_or_else(|| "an account without this channel".into());
            return Err(ConnectError::WrongAccount {
                network: network.profile.display_name.clone(),
                expected: row.try_get("handle")?,
                given,
            }
            .into());
        };
        let replaced = self.grant_of(&network.profile, channel_id).await;
        // A member who reconnects takes the channel on; an account holder reconnecting
        // through an invite leaves it with the member who was responsible for it.
        let connector = match owner.invite_id {
            Some(_) => row
                .try_get::<Option<i64>, _>("connected_by")?
                .or(owner.user_id),
            None => owner.user_id,
        };
        let mut tx = self.db.pool().begin().await?;
        self.write_credentials(
            &mut tx,
            &network.profile,
            channel_id,
            connector,
            account,
            &tokens,
            false,
        )
        .await?;
        sqlx::query(
            "UPDATE channels SET handle = $1, avatar_url = $2, followers = $3, unlinked_at = NULL \
             WHERE id = $4",
        )
        .bind(&account.handle)
        .bind(&account.avatar_url)
        .bind(account.followers)
        .bind(channel_id)
        .execute(&mut *tx)
        .await?;
        self.record_event(
            &mut tx,
            owner.workspace_id,
            Some(channel_id),
            owner.user_id,
            if handed {
                "handed_over"
            } else {
                "reauthorized"
            },
            json!({
                "network": network.profile.id,
                "account_id": account.id,
                "handle": account.handle,
                "previous_handle": row.try_get::<String, _>("handle")?,
                "scopes": tokens.granted_scopes.join(" "),
                "invite_id": owner.invite_id,
            }),
        )
        .await?;
        let connected = Connected {
            channel_id,
            name,
            handle: account.handle.clone(),
        };
        if let Some(invite_id) = owner.invite_id {
            self.mark_invite_completed(&mut tx, invite_id, &connected, owner.spend_invite)
                .await?;
        }
        tx.commit().await?;
        tracing::info!(channel_id, network = %network.profile.id, "channel reauthorized");
        if let Some(replaced) = replaced {
            self.revoke_replaced(network, replaced, &tokens, account)
                .await;
        }
        Ok(connected)
    }

    /// Unlinks a channel: revokes its grant at the network where it can, drops the tokens,
    /// and keeps the channel and its history, marked unlinked. Returns what happened at the
    /// network.
    pub async fn unlink(&self, person: &SignedIn, channel_id: i64) -> Result<AtNetwork> {
        require(person.role, Permission::Unlink)?;
        let channel = self.channel(person, channel_id).await?;
        let revoked = self.revoke_at_network(&channel).await;
        let mut tx = self.db.pool().begin().await?;
        sqlx::query("DELETE FROM credentials WHERE channel_id = $1")
            .bind(channel_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE channels SET unlinked_at = $1 WHERE id = $2")
            .bind(self.clock.now().timestamp())
            .bind(channel_id)
            .execute(&mut *tx)
            .await?;
        self.record_event(
            &mut tx,
            person.workspace_id,
            Some(channel_id),
            Some(person.user_id),
            "unlinked",
            json!({
                "network": channel.network,
                "revoked_at_network": revoked.revoked(),
                "at_network": revoked.as_str(),
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(revoked)
    }

    /// Renames a channel for the team; the network never sees the name. Returns the name
    /// it had.
    pub async fn rename_channel(
        &self,
        person: &SignedIn,
        channel_id: i64,
        name: &ChannelName,
    ) -> Result<String> {
        require(person.role, Permission::Connect)?;
        let channel = self.channel(person, channel_id).await?;
        let mut tx = self.db.pool().begin().await?;
        sqlx::query("UPDATE channels SET name = $1 WHERE id = $2")
            .bind(name.as_str())
            .bind(channel_id)
            .execute(&mut *tx)
            .await?;
        self.record_event(
            &mut tx,
            person.workspace_id,
            Some(channel_id),
            Some(person.user_id),
            "renamed",
            json!({ "from": channel.name, "to": name.as_str() }),
        )
        .await?;
        tx.commit().await?;
        Ok(channel.name)
    }

    /// Records what a person knows and the network does not say: whether the channel's
    /// profile is private, where the network ends a private profile's consent after a
    /// fixed period (Threads). A private profile's consent end becomes the channel's
    /// deadline, counted down to and reminded of; a public one has none.
    pub async fn set_private_profile(
        &self,
        person: &SignedIn,
        channel_id: i64,
        private: bool,
    ) -> Result<()> {
        require(person.role, Permission::Reauthorize)?;
        let channel = self.channel(person, channel_id).await?;
        let period = self
            .networks
            .get(&channel.network)
            .and_then(|n| n.profile.lifetimes.private_profile_consent)
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "{} does not end a private profile's consent on its own.",
                    channel.network_name
                ))
            })?;
        if channel.unlinked_at.is_some() {
            return Err(Error::Invalid("It is unlinked: reconnect it first.".into()));
        }
        let now = self.clock.now().timestamp();
        let ended = channel
            .connected_at
            .is_some_and(|at| at + period.num_seconds() <= now);
        if private && ended && channel.dead_reason.is_none() {
            // The day has passed: a private profile's consent is over already, and saying
            // so now would end a channel that may well be working.
            return Err(Error::Invalid(format!(
                "Its consent was given more than {} days ago, so if the profile is private {} has ended it already and a check will say so; reconnect it, then mark it private.",
                period.num_days(),
                channel.network_name
            )));
        }
        let mut tx = self.db.pool().begin().await?;
        sqlx::query("UPDATE channels SET private_profile = $1 WHERE id = $2")
            .bind(i64::from(private))
            .bind(channel_id)
            .execute(&mut *tx)
            .await?;
        // The consent's end counts from the consent; the reminder sweep plans it again.
        sqlx::query(
            "UPDATE credentials SET \
             reconsent_deadline = CASE WHEN $1 = 1 THEN connected_at + $2 ELSE NULL END, \
             next_reminder_at = 0 WHERE channel_id = $3",
        )
        .bind(i64::from(private))
        .bind(period.num_seconds())
        .bind(channel_id)
        .execute(&mut *tx)
        .await?;
        self.record_event(
            &mut tx,
            person.workspace_id,
            Some(channel_id),
            Some(person.user_id),
            "profile_privacy",
            json!({ "private": private }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a channel: revokes where it can, then wipes its tokens and the channel. The
    /// event stays in the workspace's log.
    pub async fn delete_channel(&self, person: &SignedIn, channel_id: i64) -> Result<()> {
        require(person.role, Permission::Delete)?;
        let channel = self.channel(person, channel_id).await?;
        let revoked = self.revoke_at_network(&channel).await;
        let mut tx = self.db.pool().begin().await?;
        sqlx::query("DELETE FROM credentials WHERE channel_id = $1")
            .bind(channel_id)
            .execute(&mut *tx)
            .await?;
        self.record_event(
            &mut tx,
            person.workspace_id,
            Some(channel_id),
            Some(person.user_id),
            "deleted",
            json!({
                "network": channel.network,
                "name": channel.name,
                "handle": channel.handle,
                "revoked_at_network": revoked.revoked(),
                "at_network": revoked.as_str(),
            }),
        )
        .await?;
        delete_channel_row(&mut tx, channel_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Revokes a channel's grant at the network; a network that cannot be reached does
    /// not stop an unlink (the tokens are wiped here either way), it is only logged. A grant
    /// that another channel still holds (the same person's other Pages or organizations) is
    /// left alone: revoking it would cut that channel off too.
    async fn revoke_at_network(&self, channel: &ChannelRecord) -> AtNetwork {
        let Ok(network) = self.network(&channel.network) else {
            return AtNetwork::Failed;
        };
        if network.profile.revoke.is_none() {
            return AtNetwork::NotOffered;
        }
        if channel.unlinked_at.is_some() {
            return AtNetwork::Failed;
        }
        let Ok((access, refresh)) = self.tokens(channel.id).await else {
            return AtNetwork::Failed;
        };
        let shared = sqlx::query(
            "SELECT COALESCE(mine.grant_subject, c.external_account_id) AS subject, \
             CAST(CASE WHEN mine.grant_subject IS NULL THEN 1 ELSE 0 END AS BIGINT) AS unknown, \
             (SELECT COUNT(*) FROM credentials other JOIN channels o ON o.id = other.channel_id \
              WHERE o.network = c.network AND o.id <> c.id \
              AND other.grant_subject = mine.grant_subject) AS siblings \
             FROM channels c JOIN credentials mine ON mine.channel_id = c.id WHERE c.id = $1",
        )
        .bind(channel.id)
        .fetch_one(self.db.pool())
        .await;
        let (subject, siblings, giver_unknown): (String, i64, bool) = match shared {
            Ok(row) => match (
                row.try_get("subject"),
                row.try_get("siblings"),
                row.try_get::<i64, _>("unknown"),
            ) {
                (Ok(subject), Ok(siblings), Ok(unknown)) => (subject, siblings, unknown == 1),
                _ => return AtNetwork::Failed,
            },
            Err(error) => {
                tracing::warn!(
                    channel_id = channel.id,
                    ?error,
                    "reading the grant to revoke"
                );
                return AtNetwork::Failed;
            }
        };
        if siblings > 0 {
            return AtNetwork::KeptForOthers { channels: siblings };
        }
        if giver_unknown && revokes_per_person(&network.profile) {
            return AtNetwork::GiverUnknown;
        }
        let grant = oauth::Revocation {
            access: &access,
            refresh: refresh.as_ref(),
            subject: &subject,
        };
        match oauth::revoke(&self.http, network, grant).await {
            Ok(true) => AtNetwork::Revoked,
            Ok(false) => AtNetwork::NotOffered,
            Err(failure) => {
                tracing::warn!(
                    channel_id = channel.id,
                    ?failure,
                    "revocation at the network failed"
                );
                AtNetwork::Failed
            }
        }
    }

    /// A channel's grant as stored, before a new consent replaces it: its tokens and who
    /// gave it. `None` when it has none or they cannot be read (nothing to revoke then).
    async fn grant_of(&self, profile: &NetworkProfile, channel_id: i64) -> Option<ReplacedGrant> {
        let (access, refresh) = self.tokens(channel_id).await.ok()?;
        let per_person = revokes_per_person(profile);
        // An imported token's giver is unknown: where the network revokes per person,
        // there is nothing Tether could name to revoke.
        let subject: String = sqlx::query_scalar(
            "SELECT COALESCE(cr.grant_subject, c.external_account_id) FROM credentials cr \
             JOIN channels c ON c.id = cr.channel_id WHERE cr.channel_id = $1 \
             AND (cr.grant_subject IS NOT NULL OR $2 = 0)",
        )
        .bind(channel_id)
        .bind(i64::from(per_person))
        .fetch_optional(self.db.pool())
        .await
        .ok()??;
        Some(ReplacedGrant {
            channel_id,
            access,
            refresh,
            subject,
        })
    }

    /// Revokes a replaced grant at the network (RFC 7009) once no channel holds it: when
    /// another person consented, the first person's grant would otherwise live on at the
    /// network, unused. The same person's fresh consent is left alone: on some networks
    /// (Google) revoking any token of a grant ends all of it, the new tokens with it. A
    /// failure is logged; the new tokens are stored either way.
    async fn revoke_replaced(
        &self,
        network: &ConfiguredNetwork,
        old: ReplacedGrant,
        tokens: &ConsentTokens,
        account: &OfferedAccount,
    ) {
        let new_subject = tokens.grant_subject.as_deref().unwrap_or(&account.id);
        if old.subject == new_subject || network.profile.revoke.is_none() {
            return;
        }
        let holders: std::result::Result<i64, _> = sqlx::query_scalar(
            "SELECT COUNT(*) FROM credentials cr JOIN channels c ON c.id = cr.channel_id \
             WHERE c.network = $1 AND COALESCE(cr.grant_subject, c.external_account_id) = $2",
        )
        .bind(&network.profile.id)
        .bind(&old.subject)
        .fetch_one(self.db.pool())
        .await;
        match holders {
            Ok(0) => {}
            Ok(_) => return,
            Err(error) => {
                tracing::warn!(
                    channel_id = old.channel_id,
                    ?error,
                    "reading who holds a replaced grant"
                );
                return;
            }
        }
        let grant = oauth::Revocation {
            access: &old.access,
            refresh: old.refresh.as_ref(),
            subject: &old.subject,
        };
        match oauth::revoke(&self.http, network, grant).await {
            Ok(revoked) => {
                tracing::info!(
                    channel_id = old.channel_id,
                    revoked,
                    "replaced grant revoked at the network"
                );
            }
            Err(failure) => {
                tracing::warn!(
                    channel_id = old.channel_id,
                    ?failure,
                    "revoking a replaced grant failed"
                );
            }
        }
    }

    /// One channel of the person's workspace.
    pub async fn channel(&self, person: &SignedIn, channel_id: i64) -> Result<ChannelRecord> {
        self.workspace_channel(person.workspace_id, channel_id)
            .await
            .map(|record| record.seen_by(person))
    }

    /// The person's workspace's channels with everything the status model needs, and no
    /// tokens.
    pub async fn channels(&self, person: &SignedIn) -> Result<Vec<ChannelRecord>> {
        Ok(self
            .workspace_channels(person.workspace_id)
            .await?
            .into_iter()
            .map(|record| record.seen_by(person))
            .collect())
    }

    /// One channel of a workspace (for an API key of that workspace).
    pub async fn workspace_channel(
        &self,
        workspace_id: i64,
        channel_id: i64,
    ) -> Result<ChannelRecord> {
        self.channel_records(Some(workspace_id), Some(channel_id))
            .await?
            .pop()
            .ok_or(Error::NotFound)
    }

    pub async fn workspace_channels(&self, workspace_id: i64) -> Result<Vec<ChannelRecord>> {
        Ok(self
            .kept_workspace_channels(workspace_id)
            .await?
            .as_ref()
            .clone())
    }

    /// A workspace's channels, shared rather than copied, read again only when something
    /// they show has changed. Every connector is named: whoever shows them asks
    /// [`ChannelRecord::connector_seen_by`] who may see it, as [`Engine::channels`] does.
    pub async fn kept_workspace_channels(
        &self,
        workspace_id: i64,
    ) -> Result<Arc<Vec<ChannelRecord>>> {
        // Read before the records: a write committed after it moves it again.
        let version: i64 = sqlx::query_scalar("SELECT version FROM channel_changes")
            .fetch_one(self.db.pool())
            .await?;
        if let Some(records) = self.channel_lists.get(workspace_id, version) {
            return Ok(records);
        }
        let records = Arc::new(self.channel_records(Some(workspace_id), None).await?);
        self.channel_lists
            .keep(workspace_id, version, Arc::clone(&records));
        Ok(records)
    }

    /// Every channel of every workspace: for counting states in `/metrics`.
    pub async fn all_channels(&self) -> Result<Vec<ChannelRecord>> {
        self.channel_records(None, None).await
    }

    pub(crate) async fn channel_records(
        &self,
        workspace_id: Option<i64>,
        only: Option<i64>,
    ) -> Result<Vec<ChannelRecord>> {
        // The whole list comes back as one JSON array: sqlx hands SQLite's rows over one by
        // one from its worker thread and converts each column, which took 235 ms for ten
        // thousand channels whose statement SQLite itself runs in 35. Each channel is an
        // array of its values in `RECORD_COLUMNS`' order, not an object: naming every value
        // made the text 2.5 times as long and SQLite's work almost twice as long.
        let values = RECORD_COLUMNS
            .iter()
            .map(|(_, value)| *value)
            .collect::<Vec<_>>()
            .join(", ");
        let list = match self.db.backend() {
            Backend::Sqlite => {
                format!("json_group_array(json_array({values}) ORDER BY c.name, c.id)")
            }
            Backend::Postgres => {
                format!("CAST(json_agg(json_build_array({values}) ORDER BY c.name, c.id) AS TEXT)")
            }
        };
        // A column read here that the `channel_changes` triggers do not watch (migration
        // 28) would leave kept lists stale: name it there too.
        let list: Option<String> = sqlx::query_scalar(&format!(
            "SELECT {list} \
             FROM channels c \
             LEFT JOIN credentials cr ON cr.channel_id = c.id \
             LEFT JOIN users u ON u.id = cr.connected_by \
             LEFT JOIN memberships cm ON cm.user_id = cr.connected_by \
               AND cm.workspace_id = c.workspace_id \
             WHERE ($1 IS NULL OR c.workspace_id = $1) AND ($2 IS NULL OR c.id = $2)"
        ))
        .bind(workspace_id)
        .bind(only)
        .fetch_one(self.db.pool())
        .await?;
        let rows: Vec<RecordRow> = match list {
            Some(list) => serde_json::from_str(&list)
                .map_err(|e| Error::Internal(format!("the channel list could not be read: {e}")))?,
            // Postgres aggregates no rows to NULL.
            None => Vec::new(),
        };
        Ok(rows.into_iter().map(|row| self.record(row)).collect())
    }

    /// A channel's record from its row, in the words of its network's profile.
    fn record(&self, row: RecordRow) -> ChannelRecord {
        let profile = self.networks.get(&row.network).map(|n| &n.profile);
        // Only a failing renewal is shown; a failed check alone changes nothing.
        let renewal_failing = row
            .failure_class
            .as_deref()
            .is_some_and(|c| c.starts_with("refresh:"));
        // A check the network refused in words no rule reads, with nothing to renew to
        // confirm it.
        let check_unconfirmed = row.failure_class.as_deref() == Some("check:unclear");
        let granted = scope_list(row.granted_scopes.as_deref().unwrap_or_default());
        let missing_scopes = scope_list(&row.required_scopes)
            .into_iter()
            .filter(|s| !granted.contains(s))
            .map(|s| profile.map(|p| p.scope_in_words(&s)).unwrap_or(s))
            .collect();
        ChannelRecord {
            id: row.id,
            network_name: profile
                .map(|p| p.display_name.clone())
                .unwrap_or_else(|| row.network.clone()),
            kind_label: profile
                .map(|p| kind_label(p, &row.kind))
                .unwrap_or_else(|| row.kind.clone()),
            personal: profile
                .and_then(|p| p.kind(&row.kind))
                .is_some_and(|k| k.personal),
            name: row.name,
            handle: row.handle,
            avatar_url: row.avatar_url,
            followers: row.followers,
            access: Access::parse(&row.access).unwrap_or_default(),
            access_expires_at: row.access_expires_at,
            reconsent_deadline: row.reconsent_deadline,
            renew_at: row.renew_at,
            down_since: row.down_since,
            renewable: profile.is_some_and(|p| can_renew(&p.renewal, row.renewable == 1)),
            missing_scopes,
            dead_reason: row.dead_reason.map(|r| DeadReason::words_for(&r)),
            retry_at: if renewal_failing { row.due_at } else { None },
            failing_since: if renewal_failing {
                row.failing_since
            } else {
                None
            },
            unconfirmed_since: if check_unconfirmed {
                row.failing_since
            } else {
                None
            },
            gave_up_at: row.gave_up_at,
            checked_at: row.checked_at,
            connected_at: row.connected_at,
            private_consent_ends_at: row
                .connected_at
                .zip(profile.and_then(|p| p.lifetimes.private_profile_consent))
                .map(|(at, period)| at + period.num_seconds()),
            private_profile: row.private_profile == 1,
            connected_by: row.connector,
            connector_id: row.connected_by,
            through_invite: row.consent_invite_id.is_some(),
            connector_left: row.connected_by.is_some()
                && !row
                    .connector_role
                    .and_then(|r| crate::domain::Role::parse(&r).ok())
                    .is_some_and(|r| r.may(Permission::Reauthorize)),
            unlinked_at: row.unlinked_at,
            network: row.network,
            kind: row.kind,
        }
    }

    /// Reads a channel's access token, for the engine's own calls to the network.
    pub async fn access_token(&self, channel_id: i64) -> Result<Secret> {
        Ok(self.tokens(channel_id).await?.0)
    }

    /// A channel's access token and refresh token, opened.
    pub(crate) async fn tokens(&self, channel_id: i64) -> Result<(Secret, Option<Secret>)> {
        let row = sqlx::query(
            "SELECT key_id, access_token, refresh_token FROM credentials WHERE channel_id = $1",
        )
        .bind(channel_id)
        .fetch_optional(self.db.pool())
        .await?
        .ok_or(Error::NotFound)?;
        let sealed = SealedTokens::from_row(channel_id, &row)?;
        Ok((sealed.access(&self.key)?, sealed.refresh(&self.key)?))
    }
}

/// What `channel_records` reads of each channel, in [`RecordRow`]'s order (a test holds
/// them to it): the field, and the SQL that reads it.
const RECORD_COLUMNS: [(&str, &str); 28] = [
    ("id", "c.id"),
    ("network", "c.network"),
    ("kind", "c.kind"),
    ("name", "c.name"),
    ("handle", "c.handle"),
    ("required_scopes", "c.required_scopes"),
    ("access", "c.access"),
    ("avatar_url", "c.avatar_url"),
    ("followers", "c.followers"),
    ("unlinked_at", "c.unlinked_at"),
    ("private_profile", "c.private_profile"),
    ("access_expires_at", "cr.access_expires_at"),
    ("reconsent_deadline", "cr.reconsent_deadline"),
    (
        "renewable",
        "CASE WHEN cr.refresh_token IS NULL THEN 0 ELSE 1 END",
    ),
    ("granted_scopes", "cr.granted_scopes"),
    ("dead_reason", "cr.dead_reason"),
    ("connected_at", "cr.connected_at"),
    ("connector", "u.display_name"),
    ("failure_class", "cr.failure_class"),
    ("failing_since", "cr.failing_since"),
    ("due_at", "cr.due_at"),
    ("gave_up_at", "cr.gave_up_at"),
    ("checked_at", "cr.checked_at"),
    ("connected_by", "cr.connected_by"),
    ("connector_role", "cm.role"),
    ("renew_at", "cr.renew_at"),
    ("consent_invite_id", "cr.consent_invite_id"),
    (
        "down_since",
        "(SELECT MIN(d.started_at) FROM disconnections d \
          WHERE d.channel_id = c.id AND d.ended_at IS NULL)",
    ),
];

/// One channel as `channel_records` reads it, before its network's profile words it.
/// Read from an array of values, so its fields keep [`RECORD_COLUMNS`]' order.
#[derive(Deserialize)]
struct RecordRow {
    id: i64,
    network: String,
    kind: String,
    name: String,
    handle: String,
    required_scopes: String,
    access: String,
    avatar_url: Option<String>,
    followers: Option<i64>,
    unlinked_at: Option<i64>,
    private_profile: i64,
    access_expires_at: Option<i64>,
    reconsent_deadline: Option<i64>,
    renewable: i64,
    granted_scopes: Option<String>,
    dead_reason: Option<String>,
    connected_at: Option<i64>,
    connector: Option<String>,
    failure_class: Option<String>,
    failing_since: Option<i64>,
    due_at: Option<i64>,
    gave_up_at: Option<i64>,
    checked_at: Option<i64>,
    connected_by: Option<i64>,
    connector_role: Option<String>,
    renew_at: Option<i64>,
    consent_invite_id: Option<i64>,
    down_since: Option<i64>,
}

/// A credential's tokens as stored, opened one at a time when needed: a renewal sends only
/// one of them, and a token that cannot be opened fails only the work that needs it.
pub(crate) struct SealedTokens {
    channel_id: i64,
    access: Sealed,
    refresh: Option<Sealed>,
}

impl SealedTokens {
    /// From the `key_id`, `access_token` and `refresh_token` columns of a credential row.
    pub(crate) fn from_row(channel_id: i64, row: &sqlx::any::AnyRow) -> Result<Self> {
        let key_id: String = row.try_get("key_id")?;
        let refresh = row
            .try_get::<Option<Vec<u8>>, _>("refresh_token")?
            .map(|bytes| Sealed {
                key_id: key_id.clone(),
                bytes,
            });
        Ok(Self {
            channel_id,
            access: Sealed {
                key_id,
                bytes: row.try_get("access_token")?,
            },
            refresh,
        })
    }

    pub(crate) fn has_refresh(&self) -> bool {
        self.refresh.is_some()
    }

    pub(crate) fn access(&self, key: &Keyring) -> Result<Secret> {
        self.open(key, &self.access, "access")
    }

    pub(crate) fn refresh(&self, key: &Keyring) -> Result<Option<Secret>> {
        self.refresh
            .as_ref()
            .map(|sealed| self.open(key, sealed, "refresh"))
            .transpose()
    }

    fn open(&self, key: &Keyring, sealed: &Sealed, column: &str) -> Result<Secret> {
        let channel_id = self.channel_id;
        key.open(sealed, &seal_context(channel_id, column))
            .map_err(|e| {
                Error::Internal(format!(
                    "cannot open {column} token of channel {channel_id}: {e}"
                ))
            })
    }
}

impl ChannelRecord {
    /// Who connected it, by user id and name, if `person` may see that.
    pub fn connector_seen_by(&self, person: &SignedIn) -> Option<(i64, &str)> {
        self.connector_id
            .zip(self.connected_by.as_deref())
            .filter(|_| sees_connectors(person))
    }

    fn seen_by(mut self, person: &SignedIn) -> Self {
        if !sees_connectors(person) {
            self.connected_by = None;
            self.connector_id = None;
        }
        self
    }
}

/// Who connected a channel is token metadata: a role without it does not see it.
pub fn sees_connectors(person: &SignedIn) -> bool {
    person.role.may(Permission::SeeTokenMetadata)
}

/// Who a set of new channels belongs to.
pub(crate) struct Owner {
    pub(crate) workspace_id: i64,
    /// Recorded as the channel's connector and the events' actor: the member who connected,
    /// or the one who sent the invite.
    pub(crate) user_id: Option<i64>,
    pub(crate) access: Access,
    /// The invite this consent completes, spent in the same transaction.
    pub(crate) invite_id: Option<i64>,
    /// Whether that consent gave everything asked for; otherwise the link stays open.
    pub(crate) spend_invite: bool,
}

impl Handshake {
    fn as_owner(&self) -> Owner {
        Owner {
            workspace_id: self.workspace_id,
            user_id: self.user_id,
            access: self.access,
            invite_id: self.invite_id,
            spend_invite: true,
        }
    }
}

/// The scopes a channel of `kind` needs with `access`: the permission set and what that
/// kind needs besides.
pub fn scopes_for_kind(profile: &NetworkProfile, kind: &str, access: Access) -> Vec<String> {
    let mut scopes = profile.scopes.requested(access);
    if let Some(kind) = profile.kind(kind) {
        for scope in kind.extra_required {
            if !scopes.iter().any(|s| s == scope) {
                scopes.push((*scope).to_owned());
            }
        }
    }
    scopes
}

fn kind_label(profile: &NetworkProfile, kind: &str) -> String {
    profile
        .kind(kind)
        .map(|k| k.label.to_owned())
        .unwrap_or_else(|| kind.to_owned())
}

impl Engine {
    /// A failed call during a handshake, as the person sees it. A refusal of Tether's own
    /// credentials is noted on the network, so the dashboard names the setting to fix.
    async fn handshake_failure(
        &self,
        network: &ConfiguredNetwork,
        failure: NetworkFailure,
    ) -> Error {
        if let NetworkFailure::Refused {
            class: FailureClass::Misconfigured,
            code,
            description,
        } = &failure
        {
            let noted = async {
                let mut conn = self.db.pool().acquire().await?;
                note_configuration_fault(
                    &mut conn,
                    &network.profile.id,
                    &format!("{code}: {description}"),
                    self.clock.now().timestamp(),
                )
                .await
            };
            if let Err(error) = noted.await {
                tracing::error!(?error, "noting a configuration fault");
            }
        }
        network_error(network, failure)
    }
}

/// A failed call during a handshake, as the person sees it.
fn network_error(configured: &ConfiguredNetwork, failure: NetworkFailure) -> Error {
    let network = configured.profile.display_name.as_str();
    match failure {
        NetworkFailure::Refused {
            class: FailureClass::Misconfigured,
            ..
        } => ConnectError::Misconfigured {
            network: network.to_owned(),
            setting: configured.credentials_setting.clone(),
        },
        NetworkFailure::Refused {
            code, description, ..
        } => ConnectError::NetworkRefused {
            network: network.to_owned(),
            description: printable(&format!("{description} ({code})")),
        },
        NetworkFailure::Unavailable(cause) => ConnectError::NetworkUnavailable {
            network: network.to_owned(),
            cause,
        },
    }
    .into()
}

/// How a reauthorization asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reauthorize {
    /// Everything the channel needs, for the same account.
    Full,
    /// Only the permissions the channel lacks (where the network keeps earlier grants).
    OnlyMissing,
    /// An admin hands the channel to another account of the same kind.
    Handover,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::{self, Deserializer, Visitor};

    /// Notes the fields a struct asks a deserializer for, in order, and reads nothing.
    struct FieldNames(Vec<&'static str>);

    impl<'de> Deserializer<'de> for &mut FieldNames {
        type Error = de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(
            self,
            _: V,
        ) -> std::result::Result<V::Value, Self::Error> {
            Err(de::Error::custom("only a struct's fields are noted"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> std::result::Result<V::Value, Self::Error> {
            self.0.extend_from_slice(fields);
            Err(de::Error::custom("noted"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }

    #[test]
    fn the_list_reads_each_value_into_the_field_of_its_name() {
        let mut fields = FieldNames(Vec::new());
        let _ = RecordRow::deserialize(&mut fields);
        let columns: Vec<&str> = RECORD_COLUMNS.iter().map(|(name, _)| *name).collect();
        assert_eq!(fields.0, columns);
    }
}
