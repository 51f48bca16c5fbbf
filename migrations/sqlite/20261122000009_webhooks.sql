-- Webhooks per workspace: every notification event, signed with HMAC-SHA256 under a
-- secret that is sealed (Tether must read it to sign), as JSON or in Slack's format.
CREATE TABLE webhooks (
    id            INTEGER PRIMARY KEY,
    workspace_id  BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    url           TEXT NOT NULL,
    format        TEXT NOT NULL CHECK (format IN ('json', 'slack')),
    key_id        TEXT,
    secret        BLOB,
    created_by    BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at    BIGINT NOT NULL,
    revoked_at    BIGINT
);
CREATE INDEX webhooks_by_workspace ON webhooks (workspace_id);

-- The delivery log: one row per webhook and event, retried with backoff until delivered
-- or given up.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    webhook_id       BIGINT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_key        TEXT NOT NULL,
    payload          TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    last_attempt_at  BIGINT,
    last_status      BIGINT,
    last_error       TEXT,
    delivered_at     BIGINT,
    given_up_at      BIGINT,
    UNIQUE (webhook_id, event_key)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at);
