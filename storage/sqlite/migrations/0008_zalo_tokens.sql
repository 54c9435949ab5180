-- The OAuth tokens of the Zalo Official Account: one row per OA (keyed by
-- the app id). The refresh token is single-use and rotates on every
-- refresh, so the new pair is written here before the new access token is
-- used, and the row is overwritten, never appended to. refresh_issued_at
-- tells when the refresh token (valid three months) was issued, to alert
-- before it runs out. seed is a fingerprint of the ZALO_REFRESH_TOKEN the
-- pair descends from: another one configured is a new grant, and is used.
CREATE TABLE zalo_tokens (
	key               TEXT    PRIMARY KEY,
	access_token      TEXT    NOT NULL,
	refresh_token     TEXT    NOT NULL,
	access_expires_at INTEGER NOT NULL,
	refresh_issued_at INTEGER NOT NULL,
	seed              TEXT    NOT NULL DEFAULT '',
	updated_at        INTEGER NOT NULL
) WITHOUT ROWID;
