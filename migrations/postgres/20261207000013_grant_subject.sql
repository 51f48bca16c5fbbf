-- The network's id for the person whose consent a channel's token comes from. Channels
-- with the same subject on one network share a grant (a Facebook user's Pages, a LinkedIn
-- member's organizations), which is revoked at the network only when the last goes.
ALTER TABLE credentials ADD COLUMN grant_subject TEXT;
