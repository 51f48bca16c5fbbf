-- Times are Unix seconds (BIGINT) so one query text serves SQLite and Postgres.

CREATE TABLE workspaces (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);

CREATE TABLE memberships (
    workspace_id  BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role          TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'viewer')),
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);

-- One row per OAuth handshake in flight; taken (deleted) by the callback, so single use.
CREATE TABLE oauth_states (
    state_hash     TEXT PRIMARY KEY,
    session_hash   TEXT NOT NULL,
    workspace_id   BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id        BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    network        TEXT NOT NULL,
    channel_name   TEXT NOT NULL,
    key_id         TEXT NOT NULL,
    pkce_verifier  BYTEA NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);

CREATE TABLE channels (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id         BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    network              TEXT NOT NULL,
    kind                 TEXT NOT NULL,
    name                 TEXT NOT NULL,
    external_account_id  TEXT NOT NULL,
    handle               TEXT NOT NULL,
    required_scopes      TEXT NOT NULL,
    created_at           BIGINT NOT NULL,
    UNIQUE (workspace_id, network, kind, external_account_id)
);

CREATE TABLE credentials (
    channel_id          BIGINT PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
    key_id              TEXT NOT NULL,
    access_token        BYTEA NOT NULL,
    refresh_token       BYTEA,
    access_expires_at   BIGINT,
    refresh_expires_at  BIGINT,
    reconsent_deadline  BIGINT,
    granted_scopes      TEXT NOT NULL,
    dead_reason         TEXT,
    connected_by        BIGINT REFERENCES users(id) ON DELETE SET NULL,
    connected_at        BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);

-- Append-only: who did what to which channel, and why.
CREATE TABLE events (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id   BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    channel_id     BIGINT REFERENCES channels(id) ON DELETE SET NULL,
    actor_user_id  BIGINT REFERENCES users(id) ON DELETE SET NULL,
    kind           TEXT NOT NULL,
    detail         TEXT NOT NULL,
    at             BIGINT NOT NULL
);

CREATE INDEX events_by_channel ON events (channel_id, at);
CREATE INDEX channels_by_workspace ON channels (workspace_id);
