-- Imported Facebook Page tokens were stored as given by the Page itself; Graph revokes per
-- person, and a Page is no person. Who gave them is unknown: say so. (A connected Page's
-- giver is the Facebook user, whose id is never the Page's.)
UPDATE credentials SET grant_subject = NULL
WHERE grant_subject = (
    SELECT c.external_account_id FROM channels c
    WHERE c.id = credentials.channel_id AND c.network = 'facebook'
);
