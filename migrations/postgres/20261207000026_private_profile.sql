-- A person may say that a channel's profile is private, where the network ends a private
-- profile's consent after a fixed period without saying which profiles are (Threads: 90
-- days). Kept on the channel so a reconnect keeps it.
ALTER TABLE channels ADD COLUMN private_profile BIGINT NOT NULL DEFAULT 0;
