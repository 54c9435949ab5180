-- The highest update id seen of each channel follows every recorded
-- update by itself, so that recording one update is one statement
-- (Inbox.RecordBatch; a transaction with a second statement cost twice as
-- much on each webhook call, see BENCHMARKS.md).
CREATE TRIGGER inbox_channel_offset AFTER INSERT ON inbox
BEGIN
	INSERT INTO channel_offsets (channel, max_update_id) VALUES (NEW.channel, NEW.update_id)
	ON CONFLICT (channel) DO UPDATE SET max_update_id = max(max_update_id, excluded.max_update_id);
END;
