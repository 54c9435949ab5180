-- The inbox in a database file of its own (OpenInboxDB): incoming
-- updates, recorded before they are acknowledged to the channel, as in
-- the main database's migrations 0001, 0012 and 0019, which the main file
-- keeps for the rows an older version left there (Inbox.MoveFrom).
CREATE TABLE inbox (
	channel     TEXT    NOT NULL,
	update_id   INTEGER NOT NULL,
	user_key    TEXT    NOT NULL DEFAULT '',
	payload     BLOB    NOT NULL,
	received_at INTEGER NOT NULL,
	state       TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
	done_at     INTEGER,
	PRIMARY KEY (channel, update_id)
);
CREATE INDEX inbox_pending ON inbox (channel, update_id) WHERE state = 'pending';
CREATE INDEX inbox_done ON inbox (received_at) WHERE state = 'done';

-- The highest update id ever recorded per channel; survives pruning of inbox.
CREATE TABLE channel_offsets (
	channel       TEXT    PRIMARY KEY,
	max_update_id INTEGER NOT NULL
) WITHOUT ROWID;

-- Recording one update is one statement: the offset follows by itself.
CREATE TRIGGER inbox_channel_offset AFTER INSERT ON inbox
BEGIN
	INSERT INTO channel_offsets (channel, max_update_id) VALUES (NEW.channel, NEW.update_id)
	ON CONFLICT (channel) DO UPDATE SET max_update_id = max(max_update_id, excluded.max_update_id);
END;
