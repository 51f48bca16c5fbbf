-- A secret calendar (ICS) address per person and workspace, with every deadline and its
-- reminders. Only the hash of the address's token is kept; a new address revokes the old.
CREATE TABLE calendar_feeds (
    id            INTEGER PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    workspace_id  BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    BIGINT NOT NULL,
    revoked_at    BIGINT
);
CREATE INDEX calendar_feeds_by_user ON calendar_feeds (user_id, workspace_id);
