-- Products, their dossiers and history; the outbox of messages to send; the
-- counters behind product serials and receipt numbers; leases.

-- A product of a subject. commune_code is copied from the subject at creation:
-- the product's code and an officer's scope keep the commune it was filed in,
-- even if the subject moves later. Optional values are NULL when absent.
CREATE TABLE products (
	id             INTEGER PRIMARY KEY,
	subject_id     INTEGER NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
	code           TEXT    NOT NULL UNIQUE,
	serial         INTEGER NOT NULL,
	year           INTEGER NOT NULL,
	commune_code   TEXT    NOT NULL,
	name           TEXT    NOT NULL,
	set_id         INTEGER NOT NULL DEFAULT 0,
	existing       INTEGER NOT NULL DEFAULT 0,
	craft          TEXT    NOT NULL DEFAULT '',
	raw_area       INTEGER NOT NULL DEFAULT 0,
	raw_area_where TEXT    NOT NULL DEFAULT '',
	circular       INTEGER NOT NULL DEFAULT 0,
	stage          TEXT    NOT NULL,
	rulebook       TEXT    NOT NULL DEFAULT '',
	score          REAL,
	stars          INTEGER NOT NULL DEFAULT 0,
	cert_no        TEXT    NOT NULL DEFAULT '',
	cert_issued    INTEGER,
	cert_expires   INTEGER,
	cert_rules     TEXT    NOT NULL DEFAULT '',
	receipt_no     TEXT    UNIQUE,
	submitted_at   INTEGER,
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL,
	UNIQUE (commune_code, year, serial)
);
CREATE INDEX products_subject ON products (subject_id);
CREATE INDEX products_stage ON products (stage);
CREATE INDEX products_commune ON products (commune_code);

-- The state of the dossier items that left "missing"; an item without a row
-- is missing.
CREATE TABLE dossier_items (
	product_id INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
	item_id    TEXT    NOT NULL,
	state      TEXT    NOT NULL CHECK (state IN ('missing', 'sent', 'paper', 'accepted', 'returned')),
	reason     TEXT    NOT NULL DEFAULT '',
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (product_id, item_id)
) WITHOUT ROWID;

-- Files sent for a dossier item; blob is the sha256 of the stored copy.
CREATE TABLE item_files (
	id         INTEGER PRIMARY KEY,
	product_id INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
	item_id    TEXT    NOT NULL,
	file_id    TEXT    NOT NULL DEFAULT '',
	blob       TEXT    NOT NULL,
	name       TEXT    NOT NULL DEFAULT '',
	mime       TEXT    NOT NULL DEFAULT '',
	size       INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
);
CREATE INDEX item_files_item ON item_files (product_id, item_id);
CREATE INDEX item_files_blob ON item_files (blob);

-- A product's history: one row per stage change, the first from ''.
-- by_user is our user id, 0 for the system.
CREATE TABLE stage_changes (
	id         INTEGER PRIMARY KEY,
	product_id INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
	from_stage TEXT    NOT NULL,
	to_stage   TEXT    NOT NULL,
	by_user    INTEGER NOT NULL DEFAULT 0,
	reason     TEXT    NOT NULL DEFAULT '',
	at         INTEGER NOT NULL
);
CREATE INDEX stage_changes_product ON stage_changes (product_id, id);

-- Named counters: product serials and receipt numbers per commune and year.
CREATE TABLE counters (
	name  TEXT    PRIMARY KEY,
	value INTEGER NOT NULL
) WITHOUT ROWID;

-- Messages to send, written before sending and marked after. key makes
-- enqueuing idempotent; payload is the JSON of the message.
CREATE TABLE outbox (
	id         INTEGER PRIMARY KEY,
	key        TEXT    NOT NULL UNIQUE,
	kind       TEXT    NOT NULL DEFAULT '',
	channel    TEXT    NOT NULL,
	chat_id    TEXT    NOT NULL,
	payload    BLOB    NOT NULL,
	not_before INTEGER NOT NULL,
	state      TEXT    NOT NULL DEFAULT 'pending'
		CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'blocked')),
	attempts   INTEGER NOT NULL DEFAULT 0,
	last_error TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	sent_at    INTEGER
);
CREATE INDEX outbox_due ON outbox (state, not_before);

-- Leases ("one sender at a time") when Redis is not configured.
CREATE TABLE leases (
	name       TEXT    PRIMARY KEY,
	holder     TEXT    NOT NULL,
	expires_at INTEGER NOT NULL
) WITHOUT ROWID;
