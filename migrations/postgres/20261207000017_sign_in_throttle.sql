-- Failed sign-ins per account (by the email's hash, known account or not), so each
-- further failure waits longer; shared by every process.
CREATE TABLE sign_in_failures (
    email_hash      TEXT PRIMARY KEY,
    failures        BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL,
    blocked_until   BIGINT NOT NULL
);

-- One row once Tether is set up: two set-ups racing each other collide on its key.
CREATE TABLE instance_setup (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    done_at BIGINT NOT NULL
);
INSERT INTO instance_setup (id, done_at)
    SELECT 1, MIN(created_at) FROM users HAVING COUNT(*) > 0;
