-- What Postgres does for one batch of 256 renewals, without Tether and without a network:
-- the scheduler's claim, the read of the claimed credentials, then the renewal writer's
-- transaction (new tokens and schedule, one event each). Mirrors the statements of
-- engine/src/lifecycle (scheduler.rs claim_due, work.rs load_due, writer.rs), written for
-- pgbench: the claimed ids go from one statement to the next through \gset. Every row is
-- claimable again after its renewal (due_at moves forward), so the script can run for as
-- long as pgbench is told to.
WITH claimed AS (
    UPDATE credentials SET lease_owner = 'postgres-alone', lease_until = 100
    WHERE channel_id IN (SELECT channel_id FROM credentials
        WHERE due_at <= 4000000000 AND (lease_until IS NULL OR lease_until < 50)
        ORDER BY due_at LIMIT 256 FOR UPDATE SKIP LOCKED)
    RETURNING channel_id)
SELECT string_agg(channel_id::text, ',') AS ids FROM claimed \gset
SELECT c.id, c.workspace_id, c.network, c.kind, c.external_account_id,
       cr.access_expires_at, cr.renew_at, cr.failures, cr.failure_class,
       cr.granted_scopes, cr.key_id, cr.access_token, cr.refresh_token,
       CAST(CASE WHEN EXISTS (SELECT 1 FROM disconnections d
           WHERE d.channel_id = c.id AND d.ended_at IS NULL) THEN 1 ELSE 0 END AS BIGINT) AS down,
       CAST(CASE WHEN EXISTS (SELECT 1 FROM network_trouble t
           WHERE t.network = c.network AND t.failing_since IS NOT NULL) THEN 1 ELSE 0 END AS BIGINT)
           AS network_failing
FROM channels c JOIN credentials cr ON cr.channel_id = c.id
WHERE c.id IN (:ids) AND cr.dead_reason IS NULL AND c.unlinked_at IS NULL;
BEGIN;
-- New sealed tokens of the same length as the old ones.
UPDATE credentials SET access_token = substr(access_token, 2) || substr(access_token, 1, 1),
    refresh_token = substr(refresh_token, 2) || substr(refresh_token, 1, 1),
    access_expires_at = access_expires_at + 3600, renew_at = due_at + 1000000,
    due_at = due_at + 1000000, failures = 0, failing_since = NULL, failure_class = NULL,
    gave_up_at = NULL, checked_at = 7, updated_at = 7, lease_owner = NULL, lease_until = NULL
WHERE channel_id IN (:ids);
INSERT INTO events (workspace_id, channel_id, kind, detail, at)
SELECT workspace_id, id, 'refreshed', '{"access_expires_at":1,"after_failures":0}', 7
FROM channels WHERE id IN (:ids);
COMMIT;
