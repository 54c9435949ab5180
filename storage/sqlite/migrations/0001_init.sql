-- Times are unix milliseconds (UTC) in INTEGER columns throughout, so that
-- they compare and sort as numbers.

CREATE TABLE subjects (
	id              INTEGER PRIMARY KEY,
	kind            TEXT    NOT NULL,
	name            TEXT    NOT NULL,
	representative  TEXT    NOT NULL DEFAULT '',
	phone           TEXT    NOT NULL DEFAULT '',
	phone_verified  INTEGER NOT NULL DEFAULT 0,
	commune_code    TEXT    NOT NULL DEFAULT '',
	business_reg_no TEXT    NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);
CREATE INDEX subjects_phone ON subjects (phone);

-- One row per sales channel of a subject; rowid keeps the order chosen.
CREATE TABLE subject_sales_channels (
	subject_id INTEGER NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
	channel    TEXT    NOT NULL,
	UNIQUE (subject_id, channel)
);
CREATE INDEX subject_sales_channels_channel ON subject_sales_channels (channel);

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	channel       TEXT    NOT NULL,
	channel_id    TEXT    NOT NULL,
	username      TEXT    NOT NULL DEFAULT '',
	name          TEXT    NOT NULL DEFAULT '',
	role          TEXT    NOT NULL DEFAULT 'producer',
	locale        TEXT    NOT NULL DEFAULT 'vi',
	consent       TEXT    NOT NULL DEFAULT '',
	consent_at    INTEGER,
	blocked       INTEGER NOT NULL DEFAULT 0,
	subject_id    INTEGER REFERENCES subjects (id) ON DELETE SET NULL,
	start_payload TEXT    NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	UNIQUE (channel, channel_id)
);
CREATE INDEX users_username ON users (lower(username));
CREATE INDEX users_subject ON users (subject_id);

-- Incoming updates, recorded before they are acknowledged to the channel.
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

-- The embedded key-value store used when Redis is not configured.
CREATE TABLE kv (
	key        TEXT PRIMARY KEY,
	value      BLOB NOT NULL,
	expires_at INTEGER
);
CREATE INDEX kv_expires_at ON kv (expires_at) WHERE expires_at IS NOT NULL;
