//! What server functions send to the page. Plain data, and never a token.

use crate::status::ChannelFacts;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    /// The server's clock at render time (Unix seconds): the first frame shows exactly this.
    pub now: i64,
    /// Seconds the server's clock has been moved (sandbox), added to the browser's clock.
    pub clock_offset: i64,
    pub person: Person,
    /// The members who may be named back-up admin of the channels, for the bulk action;
    /// empty when the person may not name anyone.
    pub backup_candidates: Vec<(i64, String)>,
    /// The channels on this page of the list, those that need a person first.
    pub channels: Vec<ChannelCard>,
    pub listing: Listing,
    pub health: HealthFacts,
    /// The person's other workspaces with channels that need attention.
    pub elsewhere: Vec<ElsewhereLine>,
    /// Networks failing for everyone now, with what happened.
    pub outages: Vec<OutageNotice>,
    /// Networks that refuse Tether's own app credentials.
    pub configuration_faults: Vec<ConfigurationFaultNotice>,
    pub networks: Vec<NetworkChoice>,
    pub flash: Option<Flash>,
}

/// Another of the person's workspaces, and how many of its channels need attention.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElsewhereLine {
    pub workspace_id: i64,
    pub name: String,
    pub attention: usize,
}

/// Which channels the dashboard lists, as the address says, so a view can be shared.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelFilter {
    /// `attention`, a state's API name (`needs_reauth`…), or empty for every channel.
    pub show: String,
    /// A network's key, or empty for every network.
    pub network: String,
    /// Words to find in a channel's name or handle.
    pub q: String,
    /// The user id of the member responsible (who gets the reminders), or empty for anyone.
    pub who: String,
    /// The page of the list, from 1.
    pub page: usize,
}

/// `from` when it is an address of the dashboard's list (a filter, a page), and nothing
/// else: a link or a form cannot send people elsewhere through it.
pub fn list_address(from: &str) -> Option<&str> {
    (from.starts_with("/?") && !from.contains("//") && !from.contains('\\')).then_some(from)
}

/// The part of the workspace's channels this page shows, and the ways to the rest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Listing {
    /// This view of the list, for a reconnect started here to come back to.
    pub here: String,
    /// The filter as it was applied (unknown values dropped).
    pub filter: ChannelFilter,
    /// A filter value that was not understood, in words.
    pub notice: Option<String>,
    /// Channels in the workspace, and those the filter matches.
    pub total: usize,
    pub matching: usize,
    /// Position of the first channel shown among the matching ones, from 1.
    pub first: usize,
    pub page: usize,
    pub pages: usize,
    pub previous: Option<String>,
    pub next: Option<String>,
    /// "Needs attention" and each state with channels in it: its count and its filter.
    pub counts: Vec<StateCount>,
    /// The networks of the workspace's channels, to filter by: (key, name).
    pub networks: Vec<(String, String)>,
    /// The members responsible for some channel, to filter by: (user id, name), by name.
    /// Empty for a role that does not see who connected what.
    pub people: Vec<(String, String)>,
    /// "1.2 M followers across 40 linked accounts", over every channel.
    pub audience: Option<String>,
    /// Added to a channel's address so its page leads back to this view: `?from=…`, or
    /// empty for the plain dashboard.
    pub back_query: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateCount {
    /// The filter's value: `attention` or a state's API name.
    pub show: String,
    pub icon: String,
    pub label: String,
    pub count: usize,
    /// The address of the dashboard filtered to it.
    pub href: String,
}

/// What the health sign counts: the facts of channels whose state may change within a day
/// (so the sign stays true while the page is open), and the tally of all the others.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HealthFacts {
    pub changing: Vec<ChannelFacts>,
    pub settled: crate::status::Health,
}

/// A network failing for everyone, in words: since when, how many calls, which channels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutageNotice {
    pub network: String,
    pub since: String,
    pub failures: i64,
    /// This workspace's channels failing because of it.
    pub channels: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub display_name: String,
    pub workspace_name: String,
    pub role: String,
    pub may_connect: bool,
    pub may_delete: bool,
    pub may_manage_keys: bool,
    pub may_manage_members: bool,
    pub may_invite: bool,
    pub may_manage_webhooks: bool,
    /// Owners and admins of a sandbox instance may use the emulated networks' controls.
    pub may_control_sandbox: bool,
    /// Mail goes to the local outbox, which the UI shows.
    pub has_outbox: bool,
    pub unread_notifications: i64,
    /// The person's other workspaces, to switch to: (id, name).
    pub other_workspaces: Vec<(i64, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChannelCard {
    pub id: i64,
    pub network_name: String,
    pub kind: String,
    /// A person's own account, which an admin may hand over to another person's.
    pub personal: bool,
    pub name: String,
    pub handle: String,
    pub avatar_url: Option<String>,
    pub followers: Option<i64>,
    /// "Read-only metrics" or "Publishing".
    pub access: String,
    /// The member responsible for it, who gets its reminders.
    pub connected_by: Option<String>,
    /// That member's user id, to list the channels one person is responsible for.
    pub connector_id: Option<i64>,
    /// The account holder consented through an invite, not a member.
    pub through_invite: bool,
    /// Its connector left or may no longer reconnect it: it needs a new one.
    pub connector_left: bool,
    pub facts: ChannelFacts,
}

/// A network that refused Tether's app credentials, and where an operator fixes them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConfigurationFaultNotice {
    pub network: String,
    pub setting: String,
    /// What the network said.
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetworkChoice {
    pub id: String,
    pub name: String,
    /// The kinds of account it connects, in words.
    pub kinds: String,
    pub sandboxed: bool,
    /// The sandbox's control page, where accounts and the network can be made to fail.
    pub control_url: Option<String>,
}

/// The accounts one consent gave access to, for the picker page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PickerPage {
    pub pending_id: String,
    pub network_name: String,
    pub channel_name: String,
    pub choices: Vec<PickerChoice>,
    pub flash: Option<Flash>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PickerChoice {
    pub key: String,
    pub kind_label: String,
    pub name: String,
    pub handle: String,
    pub followers: Option<i64>,
    pub linked_to: Option<String>,
    pub already_connected_as: Option<String>,
    /// Where else this account is connected, in words ("your workspace “Acme”", or
    /// "another Tether workspace" to someone who is not a member there).
    pub elsewhere: Option<String>,
    /// Whether the person runs that workspace too, and may move or remove it there.
    pub may_move: bool,
}

/// A one-time message carried across a redirect (sign-in failed, channel connected…).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    pub kind: FlashKind,
    pub text: String,
    /// What was typed into the refused form (never a password), to fill it in again.
    #[serde(default)]
    pub typed: Vec<(String, String)>,
}

impl Flash {
    /// What was typed into the field `name`, if the form was refused.
    pub fn typed(flash: &Option<Flash>, name: &str) -> Option<String> {
        flash
            .as_ref()?
            .typed
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.clone())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FlashKind {
    Success,
    Error,
}

/// What the sign-in and set-up pages need.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntryPage {
    pub flash: Option<Flash>,
    /// On the set-up page: whether its link is one Tether logged and nobody used yet.
    pub setup_link_valid: bool,
}

/// Which entry page is asking, so the server can send the visitor to the right one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Entry {
    SignIn,
    SetUp,
}

/// One channel's page: its state, its facts, its history and the times it was down.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChannelPage {
    pub now: i64,
    pub clock_offset: i64,
    pub channel: ChannelCard,
    /// Whether the person may refresh, check, reauthorize and unlink it.
    pub may_act: bool,
    /// Whether the person may hand it over to another account or delete it.
    pub may_delete: bool,
    pub renewable: bool,
    /// Whether someone said the profile is private, where the network ends a private
    /// profile's consent without saying which profiles are (Threads); `None` elsewhere.
    pub private_profile: Option<bool>,
    /// Labelled facts: when it was authenticated and by whom, when access and consent end.
    pub facts: Vec<(String, String)>,
    /// `None` when the person's role does not show the history (viewers).
    pub history: Option<Vec<HistoryLine>>,
    pub disconnections: Vec<DowntimeLine>,
    /// Who is told about this channel besides its connector.
    pub followers: Vec<FollowerLine>,
    /// How the person follows it themselves: "backup", "watcher" or `None`.
    pub following: Option<String>,
    /// Members who may become back-up admins, for owners and admins: (user id, name).
    pub backup_candidates: Option<Vec<(i64, String)>>,
    pub flash: Option<Flash>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FollowerLine {
    pub user_id: i64,
    pub name: String,
    /// "Back-up admin" or "Watcher".
    pub role: String,
    pub removable: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryLine {
    pub at: String,
    pub what: String,
    /// Who did it: a person's name, or "Tether" for its own work.
    pub who: String,
    pub detail: String,
}

/// A period in which the channel could not be used: what data may be missing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DowntimeLine {
    pub from: String,
    /// "still down" while it lasts.
    pub to: String,
    pub lasted: String,
    pub reason: String,
}

/// The workspace's members, for those who manage them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MembersPage {
    pub members: Vec<MemberLine>,
    /// The roles this person may give (an admin cannot make owners).
    pub grantable: Vec<String>,
    /// The welcome link of someone just added, shown once.
    pub new_welcome_link: Option<String>,
    pub flash: Option<Flash>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberLine {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: String,
    pub since: String,
    /// Why this person cannot change this member, if they cannot.
    pub locked: Option<String>,
    /// The working API keys and webhooks they created, in words ("2 API keys and 1
    /// webhook"), when there are any: removing them offers to revoke these.
    pub created_access: Option<String>,
}

/// The workspace's API keys, and a key just created (shown this once).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiKeysPage {
    pub keys: Vec<ApiKeyLine>,
    pub new_key: Option<String>,
    /// The workspace's channels a key may be limited to: (id, "name · network").
    pub channels: Vec<(i64, String)>,
    pub flash: Option<Flash>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyLine {
    pub id: i64,
    pub name: String,
    /// The key's first characters, to recognise it.
    pub shown: String,
    pub created: String,
    pub last_used: String,
    pub revoked: Option<String>,
    /// What it may do, on which channels, until when, in words.
    pub terms: String,
}

/// An invite link as the person who opened it sees it (no account needed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitePage {
    /// The link's token, to post the consent form back to it.
    pub token: String,
    /// The invite, or why the link cannot be used, in words.
    pub invite: Result<InviteDetails, String>,
    /// What a used link connected, for the account holder who opens it again.
    pub used: Option<String>,
    pub flash: Option<Flash>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InviteDetails {
    pub workspace_name: String,
    /// Who asks; `None` when that member has since left.
    pub inviter: Option<String>,
    pub network_name: String,
    pub kind_label: String,
    pub channel_name: String,
    /// An existing channel is reconnected rather than a new one added.
    pub reconnect: bool,
    pub expected_account: Option<String>,
    pub publishing: bool,
    /// What Tether will be allowed to do, one line per permission.
    pub permissions: Vec<String>,
    pub message: String,
    pub expires: String,
    /// The account a partial consent connected, and the permissions it did not give.
    pub connected_handle: Option<String>,
    pub missing: Vec<String>,
}

/// An admin's view of the workspace's invites.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitesPage {
    pub invites: Vec<InviteLine>,
    /// Networks an invite can be for, with their channel kinds.
    pub networks: Vec<InviteNetwork>,
    /// Channels an invite can ask to reconnect: (id, "name · network").
    pub channels: Vec<(i64, String)>,
    /// The link just created, shown once.
    pub new_link: Option<String>,
    pub default_days: i64,
    pub max_days: i64,
    pub flash: Option<Flash>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InviteNetwork {
    pub id: String,
    pub name: String,
    /// (kind id, label)
    pub kinds: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InviteLine {
    pub id: i64,
    /// "sent", "opened", "completed", "expired" or "revoked".
    pub state: String,
    pub summary: String,
    pub detail: String,
    pub open: bool,
}

/// The signed-in person's own account: their password and their sign-ins.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountPage {
    pub display_name: String,
    pub email: String,
    /// How long sign-ins last here, in words.
    pub session_limits: String,
    /// Workspaces that asked this person to join, waiting for an answer.
    pub offers: Vec<OfferLine>,
    /// The person's workspaces: (name, role, the one acted in).
    pub workspaces: Vec<(String, String, bool)>,
    /// The workspace acted in, and whether the person may create workspaces and rename or
    /// delete this one (owners).
    pub workspace_name: String,
    pub may_manage_workspace: bool,
    pub flash: Option<Flash>,
}

/// An offer to join a workspace, as its recipient reads it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OfferLine {
    pub workspace_id: i64,
    pub workspace_name: String,
    /// "Ada Owner invites you as viewer · open until …".
    pub details: String,
}

/// The local outbox of the embedded default: the mail Tether would have sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxPage {
    /// `None` when mail goes to an SMTP server instead.
    pub mails: Option<Vec<OutboxLine>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxLine {
    pub to: String,
    pub subject: String,
    pub sent: String,
    /// `None` for a message only its recipient may read (a welcome link).
    pub text: Option<String>,
}

/// A person's notifications and how they reach them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotificationsPage {
    pub items: Vec<NoticeLine>,
    /// (kind, words, chosen cadence) per kind.
    pub preferences: Vec<(String, String, String)>,
    /// The workspace's reminder days, "30, 14, 7, 3, 1".
    pub reminder_days: String,
    pub may_set_reminders: bool,
    /// When the person's calendar address was made, if they have one.
    pub calendar_since: Option<String>,
    /// The calendar address just made, shown once.
    pub new_calendar_link: Option<String>,
    pub flash: Option<Flash>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoticeLine {
    pub title: String,
    pub body: String,
    pub at: String,
    pub unread: bool,
    pub channel_id: Option<i64>,
}

/// The workspace's webhooks and their delivery logs; owners and admins.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhooksPage {
    pub hooks: Vec<WebhookLine>,
    /// How long failed deliveries are retried, in words.
    pub retried_for: String,
    /// The signing secret of the webhook just created, shown once.
    pub new_secret: Option<String>,
    pub flash: Option<Flash>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookLine {
    pub id: i64,
    pub url: String,
    /// "JSON" or "Slack".
    pub format: String,
    pub created: String,
    pub revoked: Option<String>,
    pub deliveries: Vec<DeliveryLine>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeliveryLine {
    pub event: String,
    pub queued: String,
    /// "delivered", "retrying" or "given up", for the icon.
    pub state: String,
    pub outcome: String,
}

/// A password reset link as its holder sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResetPage {
    pub token: String,
    /// The address whose password it sets, or why the link cannot be used.
    pub email: Result<String, String>,
    pub flash: Option<Flash>,
}

/// A welcome link as the person it is for sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WelcomePage {
    pub token: String,
    /// (name, email, workspace, added by), or why the link cannot be used.
    pub welcome: Result<(String, String, String, Option<String>), String>,
    pub flash: Option<Flash>,
}
