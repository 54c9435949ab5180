-- Officer scopes and the audit of role changes.
CREATE TABLE user_communes (
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	commune_code TEXT    NOT NULL,
	PRIMARY KEY (user_id, commune_code)
);
CREATE INDEX user_communes_commune ON user_communes (commune_code);

CREATE TABLE role_changes (
	id        INTEGER PRIMARY KEY,
	actor_id  INTEGER NOT NULL,
	target_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	old_role  TEXT    NOT NULL,
	new_role  TEXT    NOT NULL,
	communes  TEXT    NOT NULL DEFAULT '',
	at        INTEGER NOT NULL
);
CREATE INDEX role_changes_target ON role_changes (target_id);
