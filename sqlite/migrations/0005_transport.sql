-- Transport between offices: the links' shared secrets, signed-in users'
-- sessions, the outbox of deliveries to peers and the inbox of parts
-- received from them.

-- The credential both ends of a link present to each other; links made
-- before it existed have none.
ALTER TABLE links ADD COLUMN secret TEXT NOT NULL DEFAULT '';

-- A session is kept by the SHA-256 of its token, never the token itself.
CREATE TABLE sessions (
	id        TEXT    PRIMARY KEY, -- hex SHA-256 of the token
	user_name TEXT    NOT NULL REFERENCES users (name),
	created   INTEGER,
	seen      INTEGER -- last request
);

CREATE INDEX sessions_user ON sessions (user_name);
CREATE INDEX sessions_seen ON sessions (seen);

-- Deliveries to peer offices, retried until the peer acknowledges them
-- (delivered is set, once).
CREATE TABLE outbox (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	peer         TEXT    NOT NULL,
	kind         TEXT    NOT NULL CHECK (kind IN ('part', 'repeat')),
	telegram_id  INTEGER REFERENCES telegrams (id), -- NULL when none
	part         INTEGER NOT NULL CHECK (part >= 0),
	body         TEXT    NOT NULL,
	queued       INTEGER,
	attempts     INTEGER NOT NULL CHECK (attempts >= 0),
	next_attempt INTEGER, -- NULL: at once
	last_error   TEXT    NOT NULL,
	delivered    INTEGER  -- NULL until acknowledged
);

-- The pending deliveries in the order they are due.
CREATE INDEX outbox_due ON outbox (next_attempt, id) WHERE delivered IS NULL;
CREATE INDEX outbox_telegram ON outbox (telegram_id);

-- An acknowledged delivery is final.
CREATE TRIGGER outbox_delivered_is_final BEFORE UPDATE ON outbox WHEN OLD.delivered IS NOT NULL
BEGIN
	SELECT RAISE(ABORT, 'delivery already acknowledged');
END;

-- Parts of incoming telegrams as they arrived, until and after they are
-- assembled into a telegram. A part is the same part when its peer,
-- telegram number, part number and indicator agree.
CREATE TABLE inbox (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	peer        TEXT    NOT NULL,
	nr          INTEGER NOT NULL,
	part        INTEGER NOT NULL CHECK (part > 0),
	parts       INTEGER NOT NULL CHECK (parts >= part),
	indicator   TEXT    NOT NULL,
	wire        TEXT    NOT NULL,
	received    INTEGER,
	telegram_id INTEGER REFERENCES telegrams (id), -- NULL until assembled
	UNIQUE (peer, nr, part, indicator)
);

CREATE INDEX inbox_telegram ON inbox (telegram_id);

-- A part is assembled into one telegram, once.
CREATE TRIGGER inbox_assembled_once BEFORE UPDATE OF telegram_id ON inbox
WHEN OLD.telegram_id IS NOT NULL AND NEW.telegram_id IS NOT OLD.telegram_id
BEGIN
	SELECT RAISE(ABORT, 'part already assembled');
END;
