-- The office, its users, its links to peer offices and its cover names.
-- Times are Unix nanoseconds; NULL is the zero time.

CREATE TABLE office (
	id        INTEGER PRIMARY KEY CHECK (id = 1), -- one office a store
	name      TEXT    NOT NULL,
	is_centre INTEGER NOT NULL CHECK (is_centre IN (0, 1)),
	created   INTEGER
);

CREATE TABLE users (
	id            INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused
	name          TEXT    NOT NULL UNIQUE,
	role          TEXT    NOT NULL,
	cover         TEXT    NOT NULL,
	cleared       INTEGER NOT NULL CHECK (cleared IN (0, 1)),
	password_hash TEXT    NOT NULL,
	created       INTEGER
);

CREATE TABLE links (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	peer     TEXT    NOT NULL UNIQUE,
	mode     INTEGER NOT NULL,
	codebook TEXT    NOT NULL,
	peer_url TEXT    NOT NULL,
	created  INTEGER
);

CREATE TABLE cryptonyms (
	cover     TEXT    PRIMARY KEY,
	true_name TEXT    NOT NULL,
	kind      TEXT    NOT NULL CHECK (kind IN ('officer', 'agent', 'place', 'organisation')),
	released  INTEGER NOT NULL CHECK (released IN (0, 1))
);
