-- Expired sessions and abandoned OAuth handshakes are purged by expiry.
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX oauth_states_by_expiry ON oauth_states (expires_at);
