-- The reply window (DESIGN §3b, ZALO.md §2.5): the Zalo Official Account
-- may message a user only within 7 days of their last interaction. A bulk
-- job's recipient outside it waits until they write again.

-- When the user last wrote (unix ms), written at most once an hour by
-- UserStore.Touch; what is known of it before is when the row last changed.
ALTER TABLE users ADD COLUMN last_seen_at INTEGER;
UPDATE users SET last_seen_at = updated_at;

-- job_recipients gains the states waiting (outside the window: sent when
-- the user next writes) and expired (the message was no longer current
-- when they did), and waited, set once a row has waited: such a row is
-- sent only while its job is still current. A CHECK constraint cannot be
-- changed in place: the table is made again (nothing refers to it).
CREATE TABLE job_recipients_new (
	job_id     INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	user_id    INTEGER NOT NULL,
	channel    TEXT    NOT NULL,
	chat_id    TEXT    NOT NULL,
	lang       TEXT    NOT NULL DEFAULT 'vi',
	state      TEXT    NOT NULL DEFAULT 'pending'
		CHECK (state IN ('pending', 'sending', 'sent', 'blocked', 'failed', 'skipped', 'waiting', 'expired')),
	attempts   INTEGER NOT NULL DEFAULT 0,
	last_error TEXT    NOT NULL DEFAULT '',
	not_before INTEGER NOT NULL DEFAULT 0,
	sent_at    INTEGER,
	waited     INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (job_id, user_id)
) WITHOUT ROWID;
INSERT INTO job_recipients_new (job_id, user_id, channel, chat_id, lang, state, attempts, last_error, not_before, sent_at)
SELECT job_id, user_id, channel, chat_id, lang, state, attempts, last_error, not_before, sent_at FROM job_recipients;
DROP TABLE job_recipients;
ALTER TABLE job_recipients_new RENAME TO job_recipients;
CREATE INDEX job_recipients_due ON job_recipients (state, not_before);
CREATE INDEX job_recipients_user ON job_recipients (user_id);
