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
    pub channels: Vec<ChannelCard>,
    pub networks: Vec<NetworkChoice>,
    pub flash: Option<Flash>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub display_name: String,
    pub workspace_name: String,
    pub role: String,
    pub may_connect: bool,
    pub may_delete: bool,
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
    pub connected_by: Option<String>,
    pub facts: ChannelFacts,
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
    /// The other workspace that holds this account.
    pub elsewhere: Option<String>,
    /// Whether the person runs that workspace too, and may move or remove it there.
    pub may_move: bool,
}

/// A one-time message carried across a redirect (sign-in failed, channel connected…).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    pub kind: FlashKind,
    pub text: String,
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
}

/// Which entry page is asking, so the server can send the visitor to the right one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Entry {
    SignIn,
    SetUp,
}
