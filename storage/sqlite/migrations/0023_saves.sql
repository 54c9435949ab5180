-- What a user's confirming steps saved, by the step's instance (a form's
-- nonce): "Xác nhận" pressed again, or an update handed out again after a
-- crash between the save and the reply, shows it instead of saving twice
-- (issue 13, item 5). A row is written in the transaction of what the
-- step saved. ref names the record ("subject:12"), never its content.
CREATE TABLE saves (
	channel    TEXT    NOT NULL,
	user_id    TEXT    NOT NULL, -- the user's id on the channel
	key        TEXT    NOT NULL,
	flow       TEXT    NOT NULL DEFAULT '',
	ref        TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	PRIMARY KEY (channel, user_id, key)
) WITHOUT ROWID;
CREATE INDEX saves_created ON saves (created_at);
