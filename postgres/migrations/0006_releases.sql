-- Releases of registered telegrams for publication: a record of what was
-- published, never changed or deleted.
CREATE TABLE releases (
	id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	telegram_id bigint      NOT NULL REFERENCES telegrams (id),
	reveal      text[]      NOT NULL,
	redact      text[]      NOT NULL,
	notes       text[]      NOT NULL,
	released_by text        NOT NULL,
	released    timestamptz
);

CREATE INDEX releases_telegram ON releases (telegram_id);

CREATE TRIGGER releases_kept BEFORE UPDATE OR DELETE ON releases
	FOR EACH ROW EXECUTE FUNCTION refuse('a release is a record: it is never changed or deleted');
CREATE TRIGGER releases_kept_truncate BEFORE TRUNCATE ON releases
	FOR EACH STATEMENT EXECUTE FUNCTION refuse('a release is a record: it is never changed or deleted');
