-- Someone with an account joins another workspace only once they accept its offer.
CREATE TABLE membership_offers (
    workspace_id  BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role          TEXT NOT NULL,
    offered_by    BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX membership_offers_by_user ON membership_offers (user_id);
