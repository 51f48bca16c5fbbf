//! The engine's one error type. Variants a person can act on carry a message that is safe
//! to show; internal causes (database, network plumbing) are logged where they are turned
//! into a response and shown only as a generic sentence.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that failed validation; the message names the field and what is wrong.
    #[error("{0}")]
    Invalid(String),
    #[error("That email and password do not match an account.")]
    BadCredentials,
    #[error("Please sign in first.")]
    Unauthenticated,
    /// Too many failed sign-ins for one account in a row; the next try waits.
    #[error("Too many failed sign-ins for this account. Try again in {wait}.")]
    TooManyAttempts { wait: String },
    #[error("Your role in this workspace does not allow that.")]
    Forbidden,
    #[error("Tether has already been set up; sign in instead.")]
    AlreadySetUp,
    /// Set-up asked for without the link Tether logged when it started, or with another.
    #[error("This set-up link is not valid. Open the set-up link Tether wrote to its log when it started.")]
    SetUpLinkRefused,
    #[error("That was not found.")]
    NotFound,
    /// An API key past the end its creator gave it.
    #[error("This API key expired on {on}; create a new one under API keys.")]
    ApiKeyExpired { on: String },
    /// An API key asked for more than it was created for.
    #[error("This API key may read channels but not hand out their tokens.")]
    ApiKeyReadOnly,
    /// The channel has no working token and only a person can give it one.
    #[error("This channel needs a person: {0}")]
    NeedsPerson(String),
    /// The network is failing; Tether keeps retrying on its own.
    #[error("{network} is not answering as expected right now; Tether keeps retrying. Try again shortly.")]
    NetworkUnavailable { network: String },
    /// The network refused Tether's own app credentials: only an operator can fix it.
    #[error("{network} refused Tether's own app credentials; an operator must check {setting}. The channel itself is not at fault.")]
    Misconfigured { network: String, setting: String },
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// An invite link that cannot be used (any more).
    #[error(transparent)]
    Invite(#[from] crate::invites::InviteRefused),
    #[error("Something went wrong on our side; it has been logged.")]
    Database(#[from] sqlx::Error),
    #[error("Something went wrong on our side; it has been logged.")]
    Internal(String),
}

/// Why connecting a channel did not complete. Nothing is stored in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("The connection was cancelled at {network}; nothing was changed.")]
    Denied { network: String },
    #[error("This consent cannot be completed any more: it was used already, has expired, or was started in another browser. Please start again.")]
    InvalidState,
    #[error("{network} reported an error: {description}. Nothing was changed.")]
    NetworkRefused {
        network: String,
        description: String,
    },
    #[error("{network} refused Tether's own app credentials, so no one can connect it until an operator checks {setting}. Nothing was changed.")]
    Misconfigured { network: String, setting: String },
    #[error("{network} could not be reached or answered unexpectedly. Nothing was changed; please try again.")]
    NetworkUnavailable { network: String, cause: String },
    #[error("This {network} account ({handle}) is already connected here as “{channel}”.")]
    AlreadyConnected {
        network: String,
        handle: String,
        channel: String,
    },
    #[error("This {network} account ({handle}) is already connected in the workspace “{workspace}”. Remove it there first, or ask an admin of both workspaces to move it.")]
    ConnectedElsewhere {
        network: String,
        handle: String,
        workspace: String,
    },
    /// Said to someone who is not a member of the workspace holding the account.
    #[error("This {network} account ({handle}) is already connected in another Tether workspace, so it cannot be connected here too. Nothing was stored; an admin of that workspace can remove it there.")]
    ConnectedOutside { network: String, handle: String },
    /// Said to someone following an invite: the other workspace is not theirs to know.
    #[error("This {network} account ({handle}) is already connected to another Tether workspace, so it cannot be connected here too. Nothing was stored; let the person who invited you know.")]
    AccountTakenForInvite { network: String, handle: String },
    /// Said to someone following an invite that names no account when the consent
    /// shared several of the kind asked for.
    #[error("The consent at {network} shared several accounts of this kind ({accounts}) and the invite does not say which one is meant. Nothing was stored; ask the person who invited you to send a link naming the account.")]
    InviteAmbiguous { network: String, accounts: String },
    #[error("This channel is {expected} on {network}, but the consent was given as {given}. Sign in to {network} as {expected} and try again; nothing was changed.")]
    WrongAccount {
        network: String,
        expected: String,
        given: String,
    },
    #[error("The consent at {network} gave access to no account Tether can connect (no pages, organizations or accounts were shared). Nothing was stored.")]
    NothingToConnect { network: String },
    #[error("This choice of accounts has expired or was already used. Please connect again.")]
    PickExpired,
    #[error("{0} is not a network Tether can connect.")]
    UnknownNetwork(String),
}

impl Error {
    /// True when the cause is ours, not the person's: log it, show a generic sentence.
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            Error::Database(_)
                | Error::Internal(_)
                | Error::Connect(ConnectError::NetworkUnavailable { .. })
        )
    }

    /// A detail for the log; never shown to a person and never contains a token.
    pub fn log_detail(&self) -> String {
        match self {
            Error::Database(cause) => cause.to_string(),
            Error::Internal(cause) => cause.clone(),
            Error::Connect(ConnectError::NetworkUnavailable { cause, .. }) => cause.clone(),
            other => other.to_string(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
