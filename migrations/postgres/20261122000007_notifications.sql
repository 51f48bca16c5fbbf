-- Reminders and notifications. Reminder days before the deadline that needs a person,
-- per workspace, largest first.
ALTER TABLE workspaces ADD COLUMN reminder_days TEXT NOT NULL DEFAULT '30,14,7,3,1';

-- Members told about a channel besides its connector: back-up admins (who can reconnect
-- it) and watchers.
CREATE TABLE channel_followers (
    channel_id  BIGINT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('backup', 'watcher')),
    PRIMARY KEY (channel_id, user_id)
);

-- One row per person told about one event: the in-app list, and whether it was mailed.
-- (user_id, event_key) is unique, so nobody is told twice about one event.
CREATE TABLE notifications (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id  BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    channel_id    BIGINT REFERENCES channels(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('expiring', 'disconnected', 'invites')),
    event_key     TEXT NOT NULL,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    read_at       BIGINT,
    -- Set once the person was mailed about it, alone or in a digest.
    mailed_at     BIGINT,
    UNIQUE (user_id, event_key)
);
CREATE INDEX notifications_by_user ON notifications (user_id, workspace_id, created_at);

-- How each person wants each kind by mail; no row: instantly.
CREATE TABLE notification_preferences (
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    workspace_id  BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('expiring', 'disconnected', 'invites')),
    delivery      TEXT NOT NULL CHECK (delivery IN ('instant', 'daily', 'weekly', 'off')),
    PRIMARY KEY (user_id, workspace_id, kind)
);
