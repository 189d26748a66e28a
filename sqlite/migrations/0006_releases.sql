-- Releases of registered telegrams for publication. Lists are JSON arrays
-- of strings. A release is a record of what was published: it is never
-- changed or deleted.
CREATE TABLE releases (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	telegram_id INTEGER NOT NULL REFERENCES telegrams (id),
	reveal      TEXT    NOT NULL CHECK (json_valid(reveal)),
	redact      TEXT    NOT NULL CHECK (json_valid(redact)),
	notes       TEXT    NOT NULL CHECK (json_valid(notes)),
	released_by TEXT    NOT NULL,
	released    INTEGER
);

CREATE INDEX releases_telegram ON releases (telegram_id);

CREATE TRIGGER releases_kept_update BEFORE UPDATE ON releases
BEGIN
	SELECT RAISE(ABORT, 'a release is a record: it is never changed');
END;

CREATE TRIGGER releases_kept_delete BEFORE DELETE ON releases
BEGIN
	SELECT RAISE(ABORT, 'a release is a record: it is never deleted');
END;
