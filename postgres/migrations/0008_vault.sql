-- Key material at rest (package vault). Each pad's digits are sealed under
-- a data key of its own, which is kept wrapped by the office key in
-- pads.wrapped_key; page_digits.digits holds the sealed pages. The data key
-- is erased (set NULL) when the last unused page of its pad is used or
-- destroyed: a cryptographic erase of the pad, whose records are kept. The
-- office key itself is never stored: the table vault keeps its check value,
-- so that a wrong key is refused at Open, and the salt of a passphrase.
--
-- The store seals, at Open, the digits of the pads of a database older
-- than this migration (those with digits and no wrapped key), deleting the
-- plain rows and inserting sealed ones in one transaction (the digits are
-- never rewritten in place: page_digits_fixed).
--
-- What the schema adds to the single-use rules of 0003_pads.sql:
--   * digits are stored only for a pad whose data key is held;
--   * a data key is erased only once its pad has no unused page, and
--     marking the last unused page used erases it (a trigger, deferred to
--     the commit);
--   * an erased data key is never put back.
--
-- As with the digits, PostgreSQL keeps the row version that held an erased
-- key until VACUUM prunes it, and in the WAL until the segment is recycled;
-- autovacuum is set to visit pads after every erase.

CREATE TABLE vault (
	id        integer     PRIMARY KEY CHECK (id = 1), -- one office key a store
	key_check bytea       NOT NULL,                   -- vault.Check of the office key
	salt      bytea,                                  -- the argon2id salt of a passphrase; NULL for a key file
	created   timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER vault_fixed BEFORE UPDATE ON vault
	FOR EACH ROW EXECUTE FUNCTION refuse('the office key check is never changed');
CREATE TRIGGER vault_kept BEFORE DELETE ON vault
	FOR EACH ROW EXECUTE FUNCTION refuse('the office key check is never deleted');
CREATE TRIGGER vault_not_truncated BEFORE TRUNCATE ON vault
	FOR EACH STATEMENT EXECUTE FUNCTION refuse('the office key check is never deleted');

-- The pad's data key wrapped by the office key (vault.Wrap); NULL once
-- erased, for a pad imported with every page burned, and until Open seals
-- the pads of an older database.
ALTER TABLE pads ADD COLUMN wrapped_key bytea;
ALTER TABLE pads SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 0);

-- The pad is locked FOR SHARE, so that an erase (which takes its row) cannot
-- slip between the check and the insert.
CREATE FUNCTION page_digits_sealed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
	PERFORM FROM pads WHERE seq = NEW.pad AND wrapped_key IS NOT NULL FOR SHARE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'digits only under a data key';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER page_digits_sealed BEFORE INSERT ON page_digits
	FOR EACH ROW EXECUTE FUNCTION page_digits_sealed();

-- Using a pad's last unused page erases its data key, when the
-- transaction commits (a deferred trigger): the store's transactions take
-- the audit head just before they commit, so they reach this point one at
-- a time, each after the one before has committed, and the lock on the
-- pad's row, taken here, holds up no claim in flight. Each statement of the
-- function sees what was committed when it began (READ COMMITTED): of two
-- transactions that use the last pages of a pad at once, the second to
-- commit sees the pages of the first used, with its own, and erases the
-- key. (The digits of a page are deleted at once, by pages_use_destroys.)
-- The search for an unused page of the pad uses the index pages_unused.
CREATE FUNCTION pages_use_erases_key() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
	PERFORM FROM pads WHERE seq = NEW.pad FOR NO KEY UPDATE;
	UPDATE pads SET wrapped_key = NULL WHERE seq = NEW.pad AND wrapped_key IS NOT NULL
		AND NOT EXISTS (SELECT FROM pages WHERE from_office = NEW.from_office AND to_office = NEW.to_office
			AND direction = NEW.direction AND pad = NEW.pad AND state = 'unused');
	RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER pages_use_erases_key AFTER UPDATE OF state ON pages
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW WHEN (NEW.state = 'used') EXECUTE FUNCTION pages_use_erases_key();

CREATE FUNCTION pads_key_kept_while_unused() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
	IF EXISTS (SELECT FROM pages WHERE from_office = NEW.from_office AND to_office = NEW.to_office
			AND direction = NEW.direction AND pad = NEW.seq AND state = 'unused') THEN
		RAISE EXCEPTION 'a data key is erased only with the last unused page of its pad';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER pads_key_kept_while_unused BEFORE UPDATE OF wrapped_key ON pads
	FOR EACH ROW WHEN (OLD.wrapped_key IS NOT NULL AND NEW.wrapped_key IS NULL)
	EXECUTE FUNCTION pads_key_kept_while_unused();

-- A pad without a key and without digits was erased (or used up before
-- this migration); only a pad whose plain digits are still there gets one.
CREATE FUNCTION pads_key_erased_is_final() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
	IF NOT EXISTS (SELECT FROM page_digits WHERE pad = NEW.seq) THEN
		RAISE EXCEPTION 'an erased data key is never restored';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER pads_key_erased_is_final BEFORE UPDATE OF wrapped_key ON pads
	FOR EACH ROW WHEN (OLD.wrapped_key IS NULL AND NEW.wrapped_key IS NOT NULL)
	EXECUTE FUNCTION pads_key_erased_is_final();
