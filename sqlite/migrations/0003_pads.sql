-- One-time pads in custody. The state of a page (pages) is kept apart from
-- its key material (page_digits), so that destroying a page deletes one row
-- of page_digits and keeps the page's record. secure_delete (in the DSN)
-- zeroes the freed bytes.
--
-- Single use is guarded by the schema, not only by the code:
--   * pages.state is 'unused' or 'used', and a used page can never change
--     again, nor be deleted (triggers);
--   * a page becomes used and loses its digits in one statement (trigger);
--   * digits can be stored only for an unused page (triggers);
--   * a page is destroyed at most once (destructions UNIQUE (pad, number)).
-- Every claim runs in one BEGIN IMMEDIATE transaction, so that two claims
-- never see the same unused page.

CREATE TABLE pads (
	seq             INTEGER PRIMARY KEY AUTOINCREMENT, -- import order: the oldest pad has the lowest
	id              TEXT    NOT NULL UNIQUE,
	from_office     TEXT    NOT NULL,
	to_office       TEXT    NOT NULL,
	direction       TEXT    NOT NULL CHECK (direction IN ('out', 'in')),
	groups_per_page INTEGER NOT NULL CHECK (groups_per_page > 0),
	notes           TEXT    NOT NULL, -- the header's note lines, joined by newlines
	imported        INTEGER,
	UNIQUE (seq, from_office, to_office, direction) -- the parent key of pages' copy of the link
);

-- pages repeats its pad's link and direction, checked by a foreign key, so
-- that one index can keep indicators unique on a link and direction.
CREATE TABLE pages (
	pad         INTEGER NOT NULL,
	number      INTEGER NOT NULL CHECK (number > 0),
	from_office TEXT    NOT NULL,
	to_office   TEXT    NOT NULL,
	direction   TEXT    NOT NULL,
	indicator   TEXT,             -- group 0, public; NULL when imported burned
	state       TEXT    NOT NULL CHECK (state IN ('unused', 'used')),
	failures    INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
	PRIMARY KEY (pad, number),
	FOREIGN KEY (pad, from_office, to_office, direction) REFERENCES pads (seq, from_office, to_office, direction),
	CHECK (state = 'used' OR indicator IS NOT NULL)
);

-- An office never holds two unused pages with one indicator on a link and
-- direction: a receiver finds its page by the indicator.
CREATE UNIQUE INDEX pages_indicator ON pages (from_office, to_office, direction, indicator)
	WHERE state = 'unused';

-- The unused pages of a link in the order they are claimed.
CREATE INDEX pages_unused ON pages (from_office, to_office, direction, pad, number)
	WHERE state = 'unused';

-- Key material: GroupSize*GroupsPerPage ASCII digits, indicator included.
CREATE TABLE page_digits (
	pad    INTEGER NOT NULL,
	number INTEGER NOT NULL,
	digits BLOB    NOT NULL,
	PRIMARY KEY (pad, number),
	FOREIGN KEY (pad, number) REFERENCES pages (pad, number)
);

-- The record kept of each page destroyed by use or by failures; a page
-- imported already burned has none.
CREATE TABLE destructions (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT, -- oldest first
	pad         INTEGER NOT NULL,
	number      INTEGER NOT NULL,
	indicator   TEXT    NOT NULL,
	reason      TEXT    NOT NULL,
	telegram_id INTEGER REFERENCES telegrams (id), -- NULL when none
	time        INTEGER NOT NULL,
	UNIQUE (pad, number), -- a page is used once
	FOREIGN KEY (pad, number) REFERENCES pages (pad, number)
);

CREATE TRIGGER pages_used_is_final BEFORE UPDATE ON pages WHEN OLD.state = 'used'
BEGIN
	SELECT RAISE(ABORT, 'page already used');
END;

CREATE TRIGGER pages_kept BEFORE DELETE ON pages
BEGIN
	SELECT RAISE(ABORT, 'pages are never deleted');
END;

CREATE TRIGGER pages_use_destroys AFTER UPDATE OF state ON pages WHEN NEW.state = 'used'
BEGIN
	DELETE FROM page_digits WHERE pad = NEW.pad AND number = NEW.number;
END;

CREATE TRIGGER page_digits_unused_only BEFORE INSERT ON page_digits
WHEN (SELECT state FROM pages WHERE pad = NEW.pad AND number = NEW.number) IS NOT 'unused'
BEGIN
	SELECT RAISE(ABORT, 'digits only for an unused page');
END;

CREATE TRIGGER page_digits_fixed BEFORE UPDATE ON page_digits
BEGIN
	SELECT RAISE(ABORT, 'digits are never rewritten');
END;

CREATE TRIGGER destructions_of_used_pages BEFORE INSERT ON destructions
WHEN (SELECT state FROM pages WHERE pad = NEW.pad AND number = NEW.number) IS NOT 'used'
	OR EXISTS (SELECT 1 FROM page_digits WHERE pad = NEW.pad AND number = NEW.number)
BEGIN
	SELECT RAISE(ABORT, 'a destruction record needs a used page without digits');
END;

CREATE TRIGGER destructions_kept BEFORE UPDATE ON destructions
BEGIN
	SELECT RAISE(ABORT, 'destruction records are never changed');
END;

CREATE TRIGGER destructions_not_deleted BEFORE DELETE ON destructions
BEGIN
	SELECT RAISE(ABORT, 'destruction records are never deleted');
END;
