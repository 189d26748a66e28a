-- The office, its users, its links to peer offices and its cover names.
--
-- Domain times are timestamptz, kept to the microsecond; NULL is the zero
-- time. (The times the store sets itself are kept to the nanosecond: see
-- 0002.) Names that the store lists in order are COLLATE "C", so that they
-- sort by bytes whatever the database's locale.

-- refuse is the trigger function of every rule that forbids a change
-- outright: it raises its first argument (SQLSTATE P0001, which the store
-- reports as a conflict).
CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '%', TG_ARGV[0];
END
$$;

CREATE TABLE office (
	id        integer     PRIMARY KEY CHECK (id = 1), -- one office a store
	name      text        NOT NULL,
	is_centre boolean     NOT NULL,
	created   timestamptz
);

CREATE TABLE users (
	id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- never reused
	name          text        COLLATE "C" NOT NULL UNIQUE,
	role          text        NOT NULL,
	cover         text        NOT NULL,
	cleared       boolean     NOT NULL,
	password_hash text        NOT NULL,
	created       timestamptz
);

CREATE TABLE links (
	id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	peer     text        COLLATE "C" NOT NULL UNIQUE,
	mode     integer     NOT NULL,
	codebook text        NOT NULL,
	peer_url text        NOT NULL,
	created  timestamptz
);

CREATE TABLE cryptonyms (
	cover     text    COLLATE "C" PRIMARY KEY,
	true_name text    NOT NULL,
	kind      text    NOT NULL CHECK (kind IN ('officer', 'agent', 'place', 'organisation')),
	released  boolean NOT NULL
);
