-- Events (trainings, fairs...), their RSVPs and attendance; bulk jobs
-- (announcements, invitations, reminders) with one row per recipient; the
-- kinds of announcements users opted out of.

CREATE TABLE events (
	id           INTEGER PRIMARY KEY,
	kind         TEXT    NOT NULL,
	title        TEXT    NOT NULL,
	place        TEXT    NOT NULL DEFAULT '',
	description  TEXT    NOT NULL DEFAULT '',
	starts_at    INTEGER NOT NULL,
	ends_at      INTEGER NOT NULL,
	audience     TEXT    NOT NULL,           -- JSON of domain.Audience
	capacity     INTEGER NOT NULL DEFAULT 0, -- 0: no limit
	cancelled    INTEGER NOT NULL DEFAULT 0,
	checkin_code TEXT    NOT NULL,
	created_by   INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL
);
CREATE INDEX events_starts ON events (starts_at);

CREATE TABLE event_rsvps (
	event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	answer   TEXT    NOT NULL CHECK (answer IN ('yes', 'no')),
	at       INTEGER NOT NULL,
	PRIMARY KEY (event_id, user_id)
) WITHOUT ROWID;

-- subject_id is the subject the user represented when attending: it feeds
-- the "trained subjects" figure.
CREATE TABLE event_attendance (
	event_id   INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	subject_id INTEGER,
	method     TEXT    NOT NULL CHECK (method IN ('qr', 'officer')),
	by_user    INTEGER NOT NULL DEFAULT 0,
	at         INTEGER NOT NULL,
	PRIMARY KEY (event_id, user_id)
) WITHOUT ROWID;
CREATE INDEX event_attendance_subject ON event_attendance (subject_id);

CREATE TABLE user_optouts (
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	topic   TEXT    NOT NULL,
	PRIMARY KEY (user_id, topic)
) WITHOUT ROWID;

-- A bulk send. reported_at is set once its final summary was given.
CREATE TABLE jobs (
	id           INTEGER PRIMARY KEY,
	key          TEXT    NOT NULL UNIQUE,
	kind         TEXT    NOT NULL,
	topic        TEXT    NOT NULL,
	event_id     INTEGER,
	created_by   INTEGER NOT NULL DEFAULT 0,
	channel      TEXT    NOT NULL DEFAULT '',
	chat_id      TEXT    NOT NULL DEFAULT '',
	lang         TEXT    NOT NULL DEFAULT 'vi',
	progress_msg TEXT    NOT NULL DEFAULT '',
	payload      BLOB    NOT NULL,
	state        TEXT    NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'done', 'cancelled')),
	total        INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER NOT NULL,
	finished_at  INTEGER,
	reported_at  INTEGER
);
CREATE INDEX jobs_unreported ON jobs (id) WHERE reported_at IS NULL;
CREATE INDEX jobs_event ON jobs (event_id, kind);

-- One row per recipient of a job: written before sending, marked after.
CREATE TABLE job_recipients (
	job_id     INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	user_id    INTEGER NOT NULL,
	channel    TEXT    NOT NULL,
	chat_id    TEXT    NOT NULL,
	lang       TEXT    NOT NULL DEFAULT 'vi',
	state      TEXT    NOT NULL DEFAULT 'pending'
		CHECK (state IN ('pending', 'sending', 'sent', 'blocked', 'failed', 'skipped')),
	attempts   INTEGER NOT NULL DEFAULT 0,
	last_error TEXT    NOT NULL DEFAULT '',
	not_before INTEGER NOT NULL DEFAULT 0,
	sent_at    INTEGER,
	PRIMARY KEY (job_id, user_id)
) WITHOUT ROWID;
CREATE INDEX job_recipients_due ON job_recipients (state, not_before);
CREATE INDEX job_recipients_user ON job_recipients (user_id);
