-- Notifications whose person wants them in the app only are settled for mail, as new ones
-- are when recorded: the minute's mail queries no longer step over them.
UPDATE notifications SET mailed_at = created_at
WHERE mailed_at IS NULL AND EXISTS (
    SELECT 1 FROM notification_preferences p
    WHERE p.user_id = notifications.user_id AND p.workspace_id = notifications.workspace_id
      AND p.kind = notifications.kind AND p.delivery = 'off'
);
