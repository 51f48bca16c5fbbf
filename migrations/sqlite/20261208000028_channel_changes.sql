-- Every workspace's channel list is kept in memory while nothing it is read from has
-- changed, so a dashboard of thousands of channels reads this one row instead of them all.
-- Each write to what a channel's record shows moves the counter, in whichever process made
-- it: the channel, its credential (not the leases and reminder plans the sweeps write),
-- its disconnections, and the name and role of whoever connected it.
CREATE TABLE channel_changes (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  BIGINT NOT NULL
);
INSERT INTO channel_changes (id, version) VALUES (1, 0);

CREATE TRIGGER channel_added AFTER INSERT ON channels
BEGIN UPDATE channel_changes SET version = version + 1; END;
CREATE TRIGGER channel_changed AFTER UPDATE ON channels
BEGIN UPDATE channel_changes SET version = version + 1; END;
CREATE TRIGGER channel_removed AFTER DELETE ON channels
BEGIN UPDATE channel_changes SET version = version + 1; END;

CREATE TRIGGER credential_added AFTER INSERT ON credentials
BEGIN UPDATE channel_changes SET version = version + 1; END;
CREATE TRIGGER credential_changed AFTER UPDATE OF
    channel_id, refresh_token, access_expires_at, reconsent_deadline, granted_scopes,
    dead_reason, connected_by, connected_at, due_at, renew_at, failure_class, failing_since,
    gave_up_at, checked_at, consent_invite_id
ON credentials
BEGIN UPDATE channel_changes SET version = version + 1; END;
CREATE TRIGGER credential_removed AFTER DELETE ON credentials
BEGIN UPDATE channel_changes SET version = version + 1; END;

CREATE TRIGGER disconnection_added AFTER INSERT ON disconnections
BEGIN UPDATE channel_changes SET version = version + 1; END;
CREATE TRIGGER disconnection_changed AFTER UPDATE OF channel_id, started_at, ended_at
ON disconnections
BEGIN UPDATE channel_changes SET version = version + 1; END;
CREATE TRIGGER disconnection_removed AFTER DELETE ON disconnections
BEGIN UPDATE channel_changes SET version = version + 1; END;

CREATE TRIGGER membership_added AFTER INSERT ON memberships
BEGIN UPDATE channel_changes SET version = version + 1; END;
CREATE TRIGGER membership_changed AFTER UPDATE OF workspace_id, user_id, role ON memberships
BEGIN UPDATE channel_changes SET version = version + 1; END;
CREATE TRIGGER membership_removed AFTER DELETE ON memberships
BEGIN UPDATE channel_changes SET version = version + 1; END;

CREATE TRIGGER person_renamed AFTER UPDATE OF display_name ON users
BEGIN UPDATE channel_changes SET version = version + 1; END;
CREATE TRIGGER person_removed AFTER DELETE ON users
BEGIN UPDATE channel_changes SET version = version + 1; END;
