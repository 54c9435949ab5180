-- "Hỏi cán bộ" (issue 12): a question the FAQ cannot answer becomes a
-- numbered ticket for the officers of the asker's commune, or of the
-- province (to_province) when the commune has none.
CREATE TABLE tickets (
	id          INTEGER PRIMARY KEY,
	user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	subject_id  INTEGER REFERENCES subjects (id) ON DELETE SET NULL,
	commune     TEXT    NOT NULL DEFAULT '',
	to_province INTEGER NOT NULL DEFAULT 0,
	question    TEXT    NOT NULL,
	answer      TEXT    NOT NULL DEFAULT '',
	answered_by INTEGER NOT NULL DEFAULT 0,
	asked_at    INTEGER NOT NULL,
	answered_at INTEGER
);
CREATE INDEX tickets_open ON tickets (asked_at) WHERE answered_at IS NULL;
CREATE INDEX tickets_user ON tickets (user_id);

-- Photos sent with a question: the channel's file id and the stored copy.
CREATE TABLE ticket_files (
	id        INTEGER PRIMARY KEY,
	ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
	file_id   TEXT    NOT NULL,
	blob      TEXT    NOT NULL,
	mime      TEXT    NOT NULL,
	size      INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE (ticket_id, file_id, blob)
);
