-- The invite through which the account holder gave this consent, when they did; the
-- channel's connector stays the member responsible for it.
ALTER TABLE credentials ADD COLUMN consent_invite_id BIGINT;
