-- Consent through an invite link: the handshake is started by someone without an account,
-- so it names the invite instead of a user, and is bound to that browser by a cookie
-- (whose hash sits in session_hash). SQLite cannot drop NOT NULL in place; handshakes live
-- ten minutes, so the table is rebuilt empty.
DROP TABLE oauth_states;
CREATE TABLE oauth_states (
    state_hash         TEXT PRIMARY KEY,
    session_hash       TEXT NOT NULL,
    workspace_id       BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id            BIGINT REFERENCES users(id) ON DELETE CASCADE,
    invite_id          BIGINT REFERENCES invites(id) ON DELETE CASCADE,
    network            TEXT NOT NULL,
    channel_name       TEXT NOT NULL,
    key_id             TEXT NOT NULL,
    pkce_verifier      BLOB NOT NULL,
    created_at         BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL,
    access             TEXT NOT NULL DEFAULT 'metrics',
    reauth_channel_id  BIGINT REFERENCES channels(id) ON DELETE CASCADE,
    handover           BIGINT NOT NULL DEFAULT 0,
    CHECK (user_id IS NOT NULL OR invite_id IS NOT NULL)
);
CREATE INDEX oauth_states_by_expiry ON oauth_states (expires_at);

-- What a completed invite connected, for the admin's list.
ALTER TABLE invites ADD COLUMN completed_channel_id BIGINT REFERENCES channels(id) ON DELETE SET NULL;
ALTER TABLE invites ADD COLUMN completed_handle TEXT;
