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

-- Once per transaction, as it commits: the counter's row is the last lock a writer takes,
-- so no writer holds it while waiting for a row another writer holds.
CREATE FUNCTION note_channel_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('tether.channel_change_noted', true) IS DISTINCT FROM 'yes' THEN
        UPDATE channel_changes SET version = version + 1;
        PERFORM set_config('tether.channel_change_noted', 'yes', true);
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER channel_changed
AFTER INSERT OR UPDATE OR DELETE ON channels
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION note_channel_change();

CREATE CONSTRAINT TRIGGER credential_changed
AFTER INSERT OR DELETE OR UPDATE OF
    channel_id, refresh_token, access_expires_at, reconsent_deadline, granted_scopes,
    dead_reason, connected_by, connected_at, due_at, renew_at, failure_class, failing_since,
    gave_up_at, checked_at, consent_invite_id
ON credentials
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION note_channel_change();

CREATE CONSTRAINT TRIGGER disconnection_changed
AFTER INSERT OR DELETE OR UPDATE OF channel_id, started_at, ended_at ON disconnections
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION note_channel_change();

CREATE CONSTRAINT TRIGGER membership_changed
AFTER INSERT OR DELETE OR UPDATE OF workspace_id, user_id, role ON memberships
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION note_channel_change();

CREATE CONSTRAINT TRIGGER person_changed
AFTER DELETE OR UPDATE OF display_name ON users
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION note_channel_change();
