-- The append-only, hash-chained audit log (see ciphergram.ChainHash) and its
-- head. The triggers refuse any change but an append that extends the chain;
-- someone with the file can still drop them, which VerifyChain detects.

CREATE TABLE audit (
	seq     INTEGER PRIMARY KEY,
	time    INTEGER NOT NULL, -- Unix nanoseconds, as hashed
	actor   TEXT    NOT NULL,
	action  TEXT    NOT NULL,
	subject TEXT    NOT NULL,
	detail  TEXT    NOT NULL,
	prev    BLOB    NOT NULL,
	hash    BLOB    NOT NULL
);

CREATE TABLE audit_head (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	seq  INTEGER NOT NULL,
	hash BLOB    NOT NULL
);

INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, zeroblob(32));

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_extends_chain BEFORE INSERT ON audit
WHEN NEW.seq IS NOT (SELECT seq + 1 FROM audit_head) OR NEW.prev IS NOT (SELECT hash FROM audit_head)
BEGIN
	SELECT RAISE(ABORT, 'an audit entry must extend the chain');
END;

CREATE TRIGGER audit_advance_head AFTER INSERT ON audit
BEGIN
	UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash;
END;

CREATE TRIGGER audit_head_follows BEFORE UPDATE ON audit_head
WHEN NEW.id IS NOT 1 OR NEW.hash IS NOT (SELECT hash FROM audit WHERE seq = NEW.seq)
	OR NEW.seq IS NOT (SELECT max(seq) FROM audit)
BEGIN
	SELECT RAISE(ABORT, 'the audit head follows the log');
END;

CREATE TRIGGER audit_head_kept BEFORE DELETE ON audit_head
BEGIN
	SELECT RAISE(ABORT, 'the audit head is never deleted');
END;
