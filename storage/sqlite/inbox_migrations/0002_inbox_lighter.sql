-- Recording an update writes fewer pages: each page of a commit is two
-- system calls, and every webhook call waits for its record (BENCHMARKS.md,
-- fifth pass).
--
-- The channel's highest update id is no longer kept by a trigger at each
-- record: the inbox's own key gives it (Inbox.NextOffset), and pruning
-- keeps in channel_offsets the highest of the rows it deletes.
DROP TRIGGER inbox_channel_offset;

-- The updates not yet handled are found without an index of their own:
-- at the start (Inbox.Pending, by the key) and for the metrics (a scan of
-- at most a week of rows, most of them done and emptied).
DROP INDEX inbox_pending;
