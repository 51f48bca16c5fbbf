-- The links that may set a fresh instance up: one per process started before set-up (each
-- logs its own), all deleted by the set-up that uses one of them.
CREATE TABLE setup_links (
    token_hash  TEXT PRIMARY KEY,
    created_at  BIGINT NOT NULL
);
