-- Consent through an invite link: the handshake is started by someone without an account,
-- so it names the invite instead of a user, and is bound to that browser by a cookie
-- (whose hash sits in session_hash).
ALTER TABLE oauth_states ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE oauth_states ADD COLUMN invite_id BIGINT REFERENCES invites(id) ON DELETE CASCADE;
ALTER TABLE oauth_states ADD CONSTRAINT oauth_states_initiator
    CHECK (user_id IS NOT NULL OR invite_id IS NOT NULL);

-- What a completed invite connected, for the admin's list.
ALTER TABLE invites ADD COLUMN completed_channel_id BIGINT REFERENCES channels(id) ON DELETE SET NULL;
ALTER TABLE invites ADD COLUMN completed_handle TEXT;
