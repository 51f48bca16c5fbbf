-- An API key's terms: when it stops working, whether it may hand out tokens or only read
-- channels, and which channels (space-separated ids; NULL for every channel).
ALTER TABLE api_keys ADD COLUMN expires_at BIGINT;
ALTER TABLE api_keys ADD COLUMN hands_out_tokens BIGINT NOT NULL DEFAULT 1;
ALTER TABLE api_keys ADD COLUMN channel_ids TEXT;
