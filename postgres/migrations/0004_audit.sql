-- The append-only, hash-chained audit log (see ciphergram.ChainHash) and its
-- head. The triggers refuse any change but an append that extends the
-- chain with the right hash; someone who owns the tables can still drop the
-- triggers, which VerifyChain detects.
--
-- Appends are serialized by the head's row lock: the store takes it (FOR
-- UPDATE) as the last lock of each transaction, and the insert trigger
-- takes it too, so that two appends can never chain to the same entry.

CREATE TABLE audit (
	seq     bigint PRIMARY KEY,
	time_ns bigint NOT NULL, -- Unix nanoseconds, as hashed
	actor   text   NOT NULL,
	action  text   NOT NULL,
	subject text   NOT NULL,
	detail  text   NOT NULL,
	prev    bytea  NOT NULL,
	hash    bytea  NOT NULL,
	-- For people reading the table, to the microsecond; time_ns is what counts.
	time    timestamptz GENERATED ALWAYS AS (to_timestamp(time_ns / 1e9::float8)) STORED
);

CREATE TABLE audit_head (
	id   integer PRIMARY KEY CHECK (id = 1),
	seq  bigint  NOT NULL,
	hash bytea   NOT NULL
);

INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

-- audit_chain_hash is ciphergram.ChainHash: SHA-256 over prev, seq, the
-- time in Unix nanoseconds and each text field's UTF-8 bytes prefixed by
-- their length, all integers as 8 bytes big-endian.
CREATE FUNCTION audit_chain_hash(prev bytea, seq bigint, time_ns bigint,
	actor text, action text, subject text, detail text) RETURNS bytea
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
	SELECT sha256(prev || int8send(seq) || int8send(time_ns)
		|| int8send(octet_length(convert_to(actor, 'UTF8'))::bigint) || convert_to(actor, 'UTF8')
		|| int8send(octet_length(convert_to(action, 'UTF8'))::bigint) || convert_to(action, 'UTF8')
		|| int8send(octet_length(convert_to(subject, 'UTF8'))::bigint) || convert_to(subject, 'UTF8')
		|| int8send(octet_length(convert_to(detail, 'UTF8'))::bigint) || convert_to(detail, 'UTF8'))
$$;

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
	FOR EACH ROW EXECUTE FUNCTION refuse('the audit log is append-only');
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
	FOR EACH ROW EXECUTE FUNCTION refuse('the audit log is append-only');
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
	FOR EACH STATEMENT EXECUTE FUNCTION refuse('the audit log is append-only');

CREATE FUNCTION audit_extends_chain() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
	head audit_head%ROWTYPE;
BEGIN
	SELECT * INTO head FROM audit_head WHERE id = 1 FOR UPDATE;
	IF NEW.seq IS DISTINCT FROM head.seq + 1 OR NEW.prev IS DISTINCT FROM head.hash THEN
		RAISE EXCEPTION 'an audit entry must extend the chain';
	END IF;
	IF NEW.hash IS DISTINCT FROM audit_chain_hash(NEW.prev, NEW.seq, NEW.time_ns,
			NEW.actor, NEW.action, NEW.subject, NEW.detail) THEN
		RAISE EXCEPTION 'an audit entry must carry its chain hash';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER audit_extends_chain BEFORE INSERT ON audit
	FOR EACH ROW EXECUTE FUNCTION audit_extends_chain();

CREATE FUNCTION audit_advance_head() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
	UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1;
	RETURN NULL;
END
$$;

CREATE TRIGGER audit_advance_head AFTER INSERT ON audit
	FOR EACH ROW EXECUTE FUNCTION audit_advance_head();

CREATE FUNCTION audit_head_follows() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
	IF NEW.id IS DISTINCT FROM 1
		OR NEW.seq IS DISTINCT FROM (SELECT max(seq) FROM audit)
		OR NEW.hash IS DISTINCT FROM (SELECT hash FROM audit WHERE seq = NEW.seq) THEN
		RAISE EXCEPTION 'the audit head follows the log';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER audit_head_follows BEFORE UPDATE ON audit_head
	FOR EACH ROW EXECUTE FUNCTION audit_head_follows();
CREATE TRIGGER audit_head_kept BEFORE DELETE ON audit_head
	FOR EACH ROW EXECUTE FUNCTION refuse('the audit head is never deleted');
CREATE TRIGGER audit_head_not_truncated BEFORE TRUNCATE ON audit_head
	FOR EACH STATEMENT EXECUTE FUNCTION refuse('the audit head is never deleted');
