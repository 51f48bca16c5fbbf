-- The minute's notify sweep reads only what is due, so a quiet minute costs the same with
-- 100,000 channels as with 1,000. Each index holds only the rows that have a deadline, so
-- renewing a token kept alive by its refresh token (most of them) writes none of them.
--
-- When the reminder sweep next needs to read a credential: 0 when it must be planned
-- (again: a new consent, other reminder days, someone new to tell), NULL when a person has
-- no deadline to meet. Every credential is planned once after this migration.
ALTER TABLE credentials ADD COLUMN next_reminder_at BIGINT DEFAULT 0;
CREATE INDEX credentials_next_reminder ON credentials (next_reminder_at)
  WHERE next_reminder_at IS NOT NULL;
-- Deadlines that pass (the consent wall; the expiry of a token nothing renews), of live
-- credentials only: a lapsed one leaves the index.
CREATE INDEX credentials_live_reconsent ON credentials (reconsent_deadline)
  WHERE dead_reason IS NULL AND reconsent_deadline IS NOT NULL;
CREATE INDEX credentials_live_unrenewable_expiry ON credentials (access_expires_at)
  WHERE dead_reason IS NULL AND refresh_token IS NULL;
-- When the people who can act were told of a disconnection; NULL again when someone new
-- can act on it (a member, a role, a follower).
ALTER TABLE disconnections ADD COLUMN told_at BIGINT;
-- Open disconnections not told yet, and notifications not mailed yet: the few among many.
CREATE INDEX disconnections_untold ON disconnections (id)
  WHERE ended_at IS NULL AND told_at IS NULL;
-- One in the order single mails go out, one in the order digests gather them.
CREATE INDEX notifications_unmailed ON notifications (id) WHERE mailed_at IS NULL;
CREATE INDEX notifications_unmailed_by_person ON notifications (user_id, workspace_id, id)
  WHERE mailed_at IS NULL;
