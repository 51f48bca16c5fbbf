-- The workspace a session acts in, for people who belong to several; unset (or left):
-- their first workspace.
ALTER TABLE sessions ADD COLUMN workspace_id BIGINT REFERENCES workspaces(id) ON DELETE SET NULL;
