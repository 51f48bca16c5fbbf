-- Events are written by every renewal. A foreign key makes each insert lock the row it
-- names (FOR KEY SHARE: a write to the channel's and the workspace's row, and a multixact
-- when processes share a workspace), which cost more than the insert itself. The log keeps
-- the ids; deleting a channel detaches its history in the same transaction (see
-- `delete_channel_row`), and workspaces are never deleted.
ALTER TABLE events DROP CONSTRAINT events_workspace_id_fkey;
ALTER TABLE events DROP CONSTRAINT events_channel_id_fkey;
