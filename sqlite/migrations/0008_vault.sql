-- Key material at rest (package vault). Each pad's digits are sealed under
-- a data key of its own, which is kept wrapped by the office key in
-- pads.wrapped_key; page_digits.digits holds the sealed pages. The data key
-- is erased (set NULL, its bytes zeroed by secure_delete) when the last
-- unused page of its pad is used or destroyed: a cryptographic erase of
-- the pad, whose records are kept. The office key itself is never stored:
-- the table vault keeps its check value, so that a wrong key is refused at
-- Open, and the salt of a passphrase.
--
-- The store seals, at Open, the digits of the pads of a database older
-- than this migration (those with digits and no wrapped key), deleting the
-- plain rows and inserting sealed ones in one transaction (the digits are
-- never rewritten in place: page_digits_fixed).
--
-- What the schema adds to the single-use rules of 0003_pads.sql:
--   * digits are stored only for a pad whose data key is held;
--   * a data key is erased only once its pad has no unused page, and
--     marking the last unused page used erases it (trigger);
--   * an erased data key is never put back.

CREATE TABLE vault (
	id        INTEGER PRIMARY KEY CHECK (id = 1), -- one office key a store
	key_check BLOB    NOT NULL,                   -- vault.Check of the office key
	salt      BLOB,                               -- the argon2id salt of a passphrase; NULL for a key file
	created   INTEGER                             -- Unix nanoseconds
);

CREATE TRIGGER vault_fixed BEFORE UPDATE ON vault
BEGIN
	SELECT RAISE(ABORT, 'the office key check is never changed');
END;

CREATE TRIGGER vault_kept BEFORE DELETE ON vault
BEGIN
	SELECT RAISE(ABORT, 'the office key check is never deleted');
END;

-- The pad's data key wrapped by the office key (vault.Wrap); NULL once
-- erased, for a pad imported with every page burned, and until Open seals
-- the pads of an older database.
ALTER TABLE pads ADD COLUMN wrapped_key BLOB;

CREATE TRIGGER page_digits_sealed BEFORE INSERT ON page_digits
WHEN (SELECT wrapped_key FROM pads WHERE seq = NEW.pad) IS NULL
BEGIN
	SELECT RAISE(ABORT, 'digits only under a data key');
END;

-- Using a page deletes its digits, and using a pad's last unused page
-- erases its data key, in the statement that marks the page used. The
-- search for an unused page of the pad uses the index pages_unused.
DROP TRIGGER pages_use_destroys;
CREATE TRIGGER pages_use_destroys AFTER UPDATE OF state ON pages WHEN NEW.state = 'used'
BEGIN
	DELETE FROM page_digits WHERE pad = NEW.pad AND number = NEW.number;
	UPDATE pads SET wrapped_key = NULL WHERE seq = NEW.pad AND wrapped_key IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM pages WHERE from_office = NEW.from_office AND to_office = NEW.to_office
			AND direction = NEW.direction AND pad = NEW.pad AND state = 'unused');
END;

CREATE TRIGGER pads_key_kept_while_unused BEFORE UPDATE OF wrapped_key ON pads
WHEN OLD.wrapped_key IS NOT NULL AND NEW.wrapped_key IS NULL
	AND EXISTS (SELECT 1 FROM pages WHERE from_office = NEW.from_office AND to_office = NEW.to_office
		AND direction = NEW.direction AND pad = NEW.seq AND state = 'unused')
BEGIN
	SELECT RAISE(ABORT, 'a data key is erased only with the last unused page of its pad');
END;

-- A pad without a key and without digits was erased (or used up before
-- this migration); only a pad whose plain digits are still there gets one.
CREATE TRIGGER pads_key_erased_is_final BEFORE UPDATE OF wrapped_key ON pads
WHEN OLD.wrapped_key IS NULL AND NEW.wrapped_key IS NOT NULL
	AND NOT EXISTS (SELECT 1 FROM page_digits WHERE pad = NEW.seq)
BEGIN
	SELECT RAISE(ABORT, 'an erased data key is never restored');
END;
