-- Notices (stage changes, returned papers, deadline reminders) to a Zalo
-- user who has not written for 7 days cannot be sent (the reply window):
-- they wait, state 'waiting', until the user writes again. A CHECK
-- constraint cannot be changed in place: the table is made again.
CREATE TABLE outbox_new (
	id         INTEGER PRIMARY KEY,
	key        TEXT    NOT NULL UNIQUE,
	kind       TEXT    NOT NULL DEFAULT '',
	channel    TEXT    NOT NULL,
	chat_id    TEXT    NOT NULL,
	payload    BLOB    NOT NULL,
	not_before INTEGER NOT NULL,
	state      TEXT    NOT NULL DEFAULT 'pending'
		CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'blocked', 'waiting')),
	attempts   INTEGER NOT NULL DEFAULT 0,
	last_error TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	sent_at    INTEGER
);
INSERT INTO outbox_new (id, key, kind, channel, chat_id, payload, not_before, state, attempts, last_error, created_at, sent_at)
	SELECT id, key, kind, channel, chat_id, payload, not_before, state, attempts, last_error, created_at, sent_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (state, not_before);
CREATE INDEX outbox_waiting ON outbox (channel, chat_id) WHERE state = 'waiting';
