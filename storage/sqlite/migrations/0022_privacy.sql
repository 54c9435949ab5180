-- The audit of personal-data requests (view, export, withdraw, erase,
-- expired): who asked, what kind and when; never what was shown or erased.
-- user_id is the number the person had; after an erasure it names nobody.
CREATE TABLE privacy_requests (
	id      INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL,
	kind    TEXT    NOT NULL,
	at      INTEGER NOT NULL
);
CREATE INDEX privacy_requests_at ON privacy_requests (at);

-- Files kept only for a download link (a workbook or an export sent on
-- Zalo, which cannot carry them): removed from files/ once the link
-- expired, or when the person they were made for erases their data.
CREATE TABLE download_files (
	sum        TEXT    NOT NULL,
	channel    TEXT    NOT NULL,
	chat_id    TEXT    NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX download_files_sum ON download_files (sum);
CREATE INDEX download_files_chat ON download_files (channel, chat_id);
CREATE INDEX download_files_expires ON download_files (expires_at);
