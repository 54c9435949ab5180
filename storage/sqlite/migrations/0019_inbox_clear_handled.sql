-- A handled update keeps no raw body (texts, shared phone numbers): only
-- its ids and times stay until pruned (Inbox.MarkDone clears it from now on).
UPDATE inbox SET payload = x'' WHERE state = 'done' AND length(payload) > 0;
