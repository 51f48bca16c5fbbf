-- When each session was last used, for the idle limit; NULL means not since sign-in.
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT;
CREATE INDEX sessions_by_user ON sessions (user_id);
