-- Telegrams, their yearly counters and numbered copies.

CREATE TABLE telegrams (
	id             INTEGER PRIMARY KEY AUTOINCREMENT, -- newest has the highest
	direction      TEXT    NOT NULL CHECK (direction IN ('out', 'in')),
	state          TEXT    NOT NULL CHECK (state IN ('draft', 'signed', 'enciphered', 'sent',
	                                                 'received', 'deciphered', 'registered')),
	from_office    TEXT    NOT NULL,
	to_office      TEXT    NOT NULL,
	nr             INTEGER NOT NULL,
	filed          INTEGER,
	prec           INTEGER NOT NULL,
	mode           INTEGER NOT NULL,
	classification TEXT    NOT NULL,
	caveat         TEXT    NOT NULL,
	text           TEXT    NOT NULL,
	signed_by      TEXT    NOT NULL,
	wire           TEXT    NOT NULL,
	numbers        TEXT    NOT NULL, -- registry numbers, one per part, comma-separated
	received       INTEGER,
	deciphered     INTEGER,
	created_by     TEXT    NOT NULL,
	created        INTEGER
);

CREATE INDEX telegrams_direction_state ON telegrams (direction, state);

-- A yearly counter gives next, then next+1; no row: it gives 1.
CREATE TABLE counters (
	name TEXT    NOT NULL,
	year INTEGER NOT NULL,
	next INTEGER NOT NULL CHECK (next > 0),
	PRIMARY KEY (name, year)
);

-- Every number a counter gave, so that none is given twice (after
-- SetCounter moved a counter back, say).
CREATE TABLE numbers_given (
	counter     TEXT    NOT NULL,
	year        INTEGER NOT NULL,
	number      INTEGER NOT NULL,
	telegram_id INTEGER NOT NULL REFERENCES telegrams (id),
	part        INTEGER NOT NULL, -- 0 for a telegram's own number, 1, 2, ... for registry numbers of parts
	PRIMARY KEY (counter, year, number)
);

CREATE TABLE copies (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	telegram_id INTEGER NOT NULL REFERENCES telegrams (id),
	number      INTEGER NOT NULL CHECK (number > 0),
	reader      TEXT    NOT NULL,
	issued_by   TEXT    NOT NULL,
	issued      INTEGER,
	state       TEXT    NOT NULL CHECK (state IN ('issued', 'recalled', 'destroyed')),
	closed      INTEGER,
	closed_by   TEXT    NOT NULL,
	UNIQUE (telegram_id, number)
);

-- A copy is issued, then closed once.
CREATE TRIGGER copies_closed_is_final BEFORE UPDATE ON copies WHEN OLD.state <> 'issued'
BEGIN
	SELECT RAISE(ABORT, 'copy already closed');
END;

CREATE TRIGGER copies_kept BEFORE DELETE ON copies
BEGIN
	SELECT RAISE(ABORT, 'copy records are never deleted');
END;
