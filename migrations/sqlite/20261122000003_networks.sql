-- Every network: permission sets, pickers, reauthorization, unlinking, account details.

-- What a handshake is for: a new channel with read-only or publishing access, or
-- reauthorizing an existing one in place.
ALTER TABLE oauth_states ADD COLUMN access TEXT NOT NULL DEFAULT 'metrics';
ALTER TABLE oauth_states ADD COLUMN reauth_channel_id BIGINT REFERENCES channels(id) ON DELETE CASCADE;
-- Set when an admin hands the channel to another account: the consent may then be given
-- by a different external account of the same kind.
ALTER TABLE oauth_states ADD COLUMN handover BIGINT NOT NULL DEFAULT 0;

ALTER TABLE channels ADD COLUMN access TEXT NOT NULL DEFAULT 'metrics';
ALTER TABLE channels ADD COLUMN avatar_url TEXT;
ALTER TABLE channels ADD COLUMN followers BIGINT;
-- The account this one hangs off (an Instagram business account's Facebook Page).
ALTER TABLE channels ADD COLUMN linked_to TEXT;
-- Set when the channel was unlinked: its tokens are gone, its history kept.
ALTER TABLE channels ADD COLUMN unlinked_at BIGINT;

-- A consent that gave access to several accounts, waiting for the person to pick. The
-- tokens and the account list are sealed together; single use, bound to the session.
CREATE TABLE pending_connections (
    id_hash       TEXT PRIMARY KEY,
    session_hash  TEXT NOT NULL,
    workspace_id  BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    network       TEXT NOT NULL,
    channel_name  TEXT NOT NULL,
    access        TEXT NOT NULL,
    key_id        TEXT NOT NULL,
    payload       BLOB NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX pending_connections_by_expiry ON pending_connections (expires_at);
-- The same account connected in another workspace is found by this.
CREATE INDEX channels_by_account ON channels (network, external_account_id);
