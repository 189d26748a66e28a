-- One-time pads in custody. The state of a page (pages) is kept apart from
-- its key material (page_digits), so that destroying a page deletes one row
-- of page_digits and keeps the page's record.
--
-- Single use is guarded by the schema, not only by the code:
--   * pages.state is 'unused' or 'used', and a used page can never change
--     again, nor be deleted (triggers, TRUNCATE included); a page never
--     changes its pad, number, link or indicator;
--   * a page becomes used and loses its digits in one statement (trigger);
--   * digits can be stored only for an unused page, and never rewritten
--     (triggers);
--   * a page is destroyed at most once (destructions UNIQUE (pad, number)),
--     and a destruction record needs a used page without digits (trigger).
-- Claims lock the pages they take (SELECT ... FOR UPDATE SKIP LOCKED), so
-- that two concurrent claims never see the same unused page.
--
-- PostgreSQL leaves a deleted row's bytes in the table's file until VACUUM
-- prunes its page, and in the WAL until the segment is recycled; see
-- destroy in pages.go for what that means for the digits.

CREATE TABLE pads (
	seq             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- import order: the oldest pad has the lowest
	id              text        COLLATE "C" NOT NULL UNIQUE,
	from_office     text        NOT NULL,
	to_office       text        NOT NULL,
	direction       text        NOT NULL CHECK (direction IN ('out', 'in')),
	groups_per_page integer     NOT NULL CHECK (groups_per_page > 0),
	notes           text[]      NOT NULL, -- the header's note lines
	imported_ns     bigint, -- Unix nanoseconds
	imported        timestamptz GENERATED ALWAYS AS (to_timestamp(imported_ns / 1e9::float8)) STORED,
	UNIQUE (seq, from_office, to_office, direction) -- the parent key of pages' copy of the link
);

CREATE TRIGGER pads_kept BEFORE DELETE ON pads
	FOR EACH ROW EXECUTE FUNCTION refuse('pads are never deleted');
CREATE TRIGGER pads_not_truncated BEFORE TRUNCATE ON pads
	FOR EACH STATEMENT EXECUTE FUNCTION refuse('pads are never deleted');

-- pages repeats its pad's link and direction, checked by a foreign key, so
-- that one index can keep indicators unique on a link and direction.
CREATE TABLE pages (
	pad         bigint  NOT NULL,
	number      integer NOT NULL CHECK (number > 0),
	from_office text    NOT NULL,
	to_office   text    NOT NULL,
	direction   text    NOT NULL,
	indicator   text,            -- group 0, public; NULL when imported burned
	state       text    NOT NULL CHECK (state IN ('unused', 'used')),
	failures    integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
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
	pad    bigint  NOT NULL,
	number integer NOT NULL,
	digits bytea   NOT NULL,
	PRIMARY KEY (pad, number),
	FOREIGN KEY (pad, number) REFERENCES pages (pad, number)
) WITH (
	-- Autovacuum prunes the table as soon as one row was deleted (it looks
	-- every autovacuum_naptime, a minute by default), not only once a
	-- fifth of it was: used digits leave the table's file sooner.
	autovacuum_vacuum_scale_factor = 0,
	autovacuum_vacuum_threshold = 0
);

-- The record kept of each page destroyed by use, by failures or by order; a
-- page imported already burned has none.
CREATE TABLE destructions (
	seq         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- oldest first
	pad         bigint      NOT NULL,
	number      integer     NOT NULL,
	indicator   text        NOT NULL,
	reason      text        NOT NULL,
	telegram_id bigint      REFERENCES telegrams (id), -- NULL when none
	time_ns     bigint      NOT NULL, -- Unix nanoseconds
	time        timestamptz GENERATED ALWAYS AS (to_timestamp(time_ns / 1e9::float8)) STORED,
	UNIQUE (pad, number), -- a page is used once
	FOREIGN KEY (pad, number) REFERENCES pages (pad, number)
);

CREATE TRIGGER pages_used_is_final BEFORE UPDATE ON pages
	FOR EACH ROW WHEN (OLD.state = 'used') EXECUTE FUNCTION refuse('page already used');
CREATE TRIGGER pages_fixed BEFORE UPDATE ON pages
	FOR EACH ROW WHEN ((NEW.pad, NEW.number, NEW.from_office, NEW.to_office, NEW.direction, NEW.indicator)
		IS DISTINCT FROM (OLD.pad, OLD.number, OLD.from_office, OLD.to_office, OLD.direction, OLD.indicator))
	EXECUTE FUNCTION refuse('a page keeps its pad, number, link and indicator');
CREATE TRIGGER pages_kept BEFORE DELETE ON pages
	FOR EACH ROW EXECUTE FUNCTION refuse('pages are never deleted');
CREATE TRIGGER pages_not_truncated BEFORE TRUNCATE ON pages
	FOR EACH STATEMENT EXECUTE FUNCTION refuse('pages are never deleted');

-- Functions that name tables run with the search_path they were created
-- with, so that a session with another search_path cannot redirect them.
CREATE FUNCTION pages_use_destroys() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
	DELETE FROM page_digits WHERE pad = NEW.pad AND number = NEW.number;
	RETURN NULL;
END
$$;

CREATE TRIGGER pages_use_destroys AFTER UPDATE OF state ON pages
	FOR EACH ROW WHEN (NEW.state = 'used') EXECUTE FUNCTION pages_use_destroys();

-- The page is locked FOR SHARE, so that a concurrent use (which deletes
-- the digits) cannot slip between the check and the insert.
CREATE FUNCTION page_digits_unused_only() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
	PERFORM FROM pages WHERE pad = NEW.pad AND number = NEW.number AND state = 'unused' FOR SHARE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'digits only for an unused page';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER page_digits_unused_only BEFORE INSERT ON page_digits
	FOR EACH ROW EXECUTE FUNCTION page_digits_unused_only();
CREATE TRIGGER page_digits_fixed BEFORE UPDATE ON page_digits
	FOR EACH ROW EXECUTE FUNCTION refuse('digits are never rewritten');

CREATE FUNCTION destructions_of_used_pages() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
	PERFORM FROM pages WHERE pad = NEW.pad AND number = NEW.number AND state = 'used';
	IF NOT FOUND OR EXISTS (SELECT FROM page_digits WHERE pad = NEW.pad AND number = NEW.number) THEN
		RAISE EXCEPTION 'a destruction record needs a used page without digits';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER destructions_of_used_pages BEFORE INSERT ON destructions
	FOR EACH ROW EXECUTE FUNCTION destructions_of_used_pages();
CREATE TRIGGER destructions_kept BEFORE UPDATE ON destructions
	FOR EACH ROW EXECUTE FUNCTION refuse('destruction records are never changed');
CREATE TRIGGER destructions_not_deleted BEFORE DELETE ON destructions
	FOR EACH ROW EXECUTE FUNCTION refuse('destruction records are never deleted');
CREATE TRIGGER destructions_not_truncated BEFORE TRUNCATE ON destructions
	FOR EACH STATEMENT EXECUTE FUNCTION refuse('destruction records are never deleted');
