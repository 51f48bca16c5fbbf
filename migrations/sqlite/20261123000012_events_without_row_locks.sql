-- Events are written by every renewal; their foreign keys to channels and workspaces are
-- dropped, as on Postgres, where each one locks the row it names. Deleting a channel
-- detaches its history in the same transaction (see `delete_channel_row`), and workspaces
-- are never deleted. SQLite drops a constraint by rebuilding the table.
CREATE TABLE events_rebuilt (
    id             INTEGER PRIMARY KEY,
    workspace_id   BIGINT NOT NULL,
    channel_id     BIGINT,
    actor_user_id  BIGINT REFERENCES users(id) ON DELETE SET NULL,
    kind           TEXT NOT NULL,
    detail         TEXT NOT NULL,
    at             BIGINT NOT NULL
);
INSERT INTO events_rebuilt (id, workspace_id, channel_id, actor_user_id, kind, detail, at)
    SELECT id, workspace_id, channel_id, actor_user_id, kind, detail, at FROM events;
DROP TABLE events;
ALTER TABLE events_rebuilt RENAME TO events;
CREATE INDEX events_by_channel ON events (channel_id, at);
