-- Whether an event was told before (webhooks hear of it only the first time).
CREATE INDEX notifications_by_event ON notifications (event_key, workspace_id);
