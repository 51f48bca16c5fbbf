-- Invite links: someone without an account connects or reauthorizes a channel. Only the
-- hash of the link's token is kept. A link's state follows from its times: revoked,
-- completed, expired (expires_at passed), opened, or sent.
CREATE TABLE invites (
    id                INTEGER PRIMARY KEY,
    workspace_id      BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    token_hash        TEXT NOT NULL UNIQUE,
    network           TEXT NOT NULL,
    kind              TEXT NOT NULL,
    -- Set when the invite reauthorizes this channel rather than adding one.
    channel_id        BIGINT REFERENCES channels(id) ON DELETE CASCADE,
    channel_name      TEXT NOT NULL,
    expected_account  TEXT,
    permission_set    TEXT NOT NULL CHECK (permission_set IN ('metrics', 'publishing')),
    message           TEXT NOT NULL,
    recipient         TEXT,
    created_by        BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    opened_at         BIGINT,
    completed_at      BIGINT,
    revoked_at        BIGINT
);

CREATE INDEX invites_by_workspace ON invites (workspace_id, created_at);
