-- Telegrams, their yearly counters and numbered copies.
--
-- The times the store sets itself (telegrams.created here, pads.imported and
-- destructions.time in 0003) are the time of the audited act, which the
-- store keeps to the nanosecond: they are Unix nanoseconds (bigint), each
-- with a timestamptz beside it, to the microsecond, for people reading the
-- table.

CREATE TABLE telegrams (
	id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- newest has the highest
	direction      text        NOT NULL CHECK (direction IN ('out', 'in')),
	state          text        NOT NULL CHECK (state IN ('draft', 'signed', 'enciphered', 'sent',
	                                                     'received', 'deciphered', 'registered')),
	from_office    text        NOT NULL,
	to_office      text        NOT NULL,
	nr             integer     NOT NULL,
	filed          timestamptz,
	prec           smallint    NOT NULL,
	mode           integer     NOT NULL,
	classification text        NOT NULL,
	caveat         text        NOT NULL,
	text           text        NOT NULL,
	signed_by      text        NOT NULL,
	wire           text        NOT NULL,
	numbers        integer[]   NOT NULL DEFAULT '{}', -- registry numbers, one per part
	received       timestamptz,
	deciphered     timestamptz,
	created_by     text        NOT NULL,
	created_ns     bigint, -- Unix nanoseconds
	created        timestamptz GENERATED ALWAYS AS (to_timestamp(created_ns / 1e9::float8)) STORED
);

CREATE INDEX telegrams_direction_state ON telegrams (direction, state);

-- A yearly counter gives next, then next+1; no row: it gives 1. Numbering
-- is INSERT ... ON CONFLICT DO UPDATE ... RETURNING on the counter's row,
-- whose row lock serializes concurrent numberers until they commit.
CREATE TABLE counters (
	name text    NOT NULL,
	year integer NOT NULL,
	next integer NOT NULL CHECK (next > 0),
	PRIMARY KEY (name, year)
);

-- Every number a counter gave, so that none is given twice (after
-- SetCounter moved a counter back, say).
CREATE TABLE numbers_given (
	counter     text    NOT NULL,
	year        integer NOT NULL,
	number      integer NOT NULL,
	telegram_id bigint  NOT NULL REFERENCES telegrams (id),
	part        integer NOT NULL, -- 0 for a telegram's own number, 1, 2, ... for registry numbers of parts
	PRIMARY KEY (counter, year, number)
);

CREATE TRIGGER numbers_given_kept BEFORE UPDATE OR DELETE ON numbers_given
	FOR EACH ROW EXECUTE FUNCTION refuse('numbers given are never taken back');
CREATE TRIGGER numbers_given_not_truncated BEFORE TRUNCATE ON numbers_given
	FOR EACH STATEMENT EXECUTE FUNCTION refuse('numbers given are never taken back');

CREATE TABLE copies (
	id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	telegram_id bigint      NOT NULL REFERENCES telegrams (id),
	number      integer     NOT NULL CHECK (number > 0),
	reader      text        NOT NULL,
	issued_by   text        NOT NULL,
	issued      timestamptz,
	state       text        NOT NULL CHECK (state IN ('issued', 'recalled', 'destroyed')),
	closed      timestamptz,
	closed_by   text        NOT NULL,
	UNIQUE (telegram_id, number)
);

-- A copy is issued, then closed once; copy records are never deleted.
CREATE TRIGGER copies_closed_is_final BEFORE UPDATE ON copies
	FOR EACH ROW WHEN (OLD.state <> 'issued') EXECUTE FUNCTION refuse('copy already closed');
CREATE TRIGGER copies_kept BEFORE DELETE ON copies
	FOR EACH ROW EXECUTE FUNCTION refuse('copy records are never deleted');
CREATE TRIGGER copies_not_truncated BEFORE TRUNCATE ON copies
	FOR EACH STATEMENT EXECUTE FUNCTION refuse('copy records are never deleted');
