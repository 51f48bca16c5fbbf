-- The lifecycle engine: scheduled renewals and checks claimed under a lease, failures with
-- backoff, network outages, disconnection intervals, API keys.

-- When the scheduler should next renew or check this credential; NULL: nothing to do.
ALTER TABLE credentials ADD COLUMN due_at BIGINT;
-- When renewal is due; work claimed earlier than this is a health check.
ALTER TABLE credentials ADD COLUMN renew_at BIGINT;
-- A process working on the credential holds it until lease_until; others skip it.
ALTER TABLE credentials ADD COLUMN lease_owner TEXT;
ALTER TABLE credentials ADD COLUMN lease_until BIGINT;
-- Consecutive transient failures (for backoff and the give-up point), since when, and the
-- last class seen.
ALTER TABLE credentials ADD COLUMN failures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE credentials ADD COLUMN failing_since BIGINT;
ALTER TABLE credentials ADD COLUMN failure_class TEXT;
-- Set when Tether stopped retrying on its own and asks a person.
ALTER TABLE credentials ADD COLUMN gave_up_at BIGINT;
ALTER TABLE credentials ADD COLUMN checked_at BIGINT;

UPDATE credentials SET due_at = updated_at
    WHERE dead_reason IS NULL;
CREATE INDEX credentials_by_due ON credentials (due_at);

-- A network failing for many channels at once: an outage, not dead channels.
CREATE TABLE network_trouble (
    network          TEXT PRIMARY KEY,
    failing_since    BIGINT,
    last_failure_at  BIGINT,
    recent_failures  BIGINT NOT NULL DEFAULT 0,
    last_success_at  BIGINT
);

-- While a channel could not be used: from when it was found dead or expired until it was
-- working again (NULL while still down).
CREATE TABLE disconnections (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id  BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    channel_id    BIGINT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    reason        TEXT NOT NULL,
    started_at    BIGINT NOT NULL,
    ended_at      BIGINT
);
CREATE INDEX disconnections_by_channel ON disconnections (channel_id, started_at);

-- Keys for /api/v1, per workspace; only a hash of the secret is kept.
CREATE TABLE api_keys (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id  BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    key_hash      TEXT NOT NULL UNIQUE,
    created_by    BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    revoked_at    BIGINT
);
CREATE INDEX api_keys_by_workspace ON api_keys (workspace_id);

-- Every access token handed out through the API: which key, which channel, when.
CREATE TABLE token_handouts (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id  BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    channel_id    BIGINT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    api_key_id    BIGINT REFERENCES api_keys(id) ON DELETE SET NULL,
    at            BIGINT NOT NULL
);
CREATE INDEX token_handouts_by_channel ON token_handouts (channel_id, at);
