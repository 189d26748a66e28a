-- Transport between offices: the links' shared secrets, signed-in users'
-- sessions, the outbox of deliveries to peers and the inbox of parts
-- received from them.

-- The credential both ends of a link present to each other; links made
-- before it existed have none.
ALTER TABLE links ADD COLUMN secret text NOT NULL DEFAULT '';

-- A session is kept by the SHA-256 of its token, never the token itself.
CREATE TABLE sessions (
	id        text        PRIMARY KEY, -- hex SHA-256 of the token
	user_name text        COLLATE "C" NOT NULL REFERENCES users (name),
	created   timestamptz,
	seen      timestamptz -- last request
);

CREATE INDEX sessions_user ON sessions (user_name);
CREATE INDEX sessions_seen ON sessions (seen);

-- Deliveries to peer offices, retried until the peer acknowledges them
-- (delivered is set, once).
CREATE TABLE outbox (
	id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	peer         text        NOT NULL,
	kind         text        NOT NULL CHECK (kind IN ('part', 'repeat')),
	telegram_id  bigint      REFERENCES telegrams (id), -- NULL when none
	part         integer     NOT NULL CHECK (part >= 0),
	body         text        NOT NULL,
	queued       timestamptz,
	attempts     integer     NOT NULL CHECK (attempts >= 0),
	next_attempt timestamptz, -- NULL: at once
	last_error   text        NOT NULL,
	delivered    timestamptz  -- NULL until acknowledged
);

-- The pending deliveries in the order they are due.
CREATE INDEX outbox_due ON outbox (next_attempt NULLS FIRST, id) WHERE delivered IS NULL;
CREATE INDEX outbox_telegram ON outbox (telegram_id);

-- An acknowledged delivery is final.
CREATE TRIGGER outbox_delivered_is_final BEFORE UPDATE ON outbox
	FOR EACH ROW WHEN (OLD.delivered IS NOT NULL) EXECUTE FUNCTION refuse('delivery already acknowledged');

-- Parts of incoming telegrams as they arrived, until and after they are
-- assembled into a telegram. A part is the same part when its peer,
-- telegram number, part number and indicator agree.
CREATE TABLE inbox (
	id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	peer        text        NOT NULL,
	nr          integer     NOT NULL,
	part        integer     NOT NULL CHECK (part > 0),
	parts       integer     NOT NULL CHECK (parts >= part),
	indicator   text        NOT NULL,
	wire        text        NOT NULL,
	received    timestamptz,
	telegram_id bigint      REFERENCES telegrams (id), -- NULL until assembled
	UNIQUE (peer, nr, part, indicator)
);

CREATE INDEX inbox_telegram ON inbox (telegram_id);

-- A part is assembled into one telegram, once.
CREATE TRIGGER inbox_assembled_once BEFORE UPDATE OF telegram_id ON inbox
	FOR EACH ROW WHEN (OLD.telegram_id IS NOT NULL AND NEW.telegram_id IS DISTINCT FROM OLD.telegram_id)
	EXECUTE FUNCTION refuse('part already assembled');
