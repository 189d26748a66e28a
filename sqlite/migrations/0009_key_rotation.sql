-- Rotation of the office key (sqlite/vault_rotate.go). A rotation rewraps
-- every data key still held (pads.wrapped_key) under the new office key and
-- replaces the key check, and the salt of a passphrase, in one transaction.
-- The pages are not sealed again: their data keys do not change.
--
-- The vault row was fixed (0008_vault.sql); now it changes only as a
-- rotation changes it: a new check, rotations counted up by one and the
-- time of the rotation recorded, the rest as it was. A stray UPDATE that
-- only rewrites the check is still refused, and the row is still never
-- deleted (vault_kept). Nothing in the schema can tell that the data keys
-- were rewrapped in the same transaction: the store does that.

ALTER TABLE vault ADD COLUMN rotated INTEGER;                   -- Unix nanoseconds of the last rotation; NULL if none
ALTER TABLE vault ADD COLUMN rotations INTEGER NOT NULL DEFAULT 0; -- how many rotations the key check has seen

DROP TRIGGER vault_fixed;
CREATE TRIGGER vault_fixed BEFORE UPDATE ON vault
WHEN NEW.id IS NOT OLD.id OR NEW.created IS NOT OLD.created
	OR NEW.rotations IS NOT OLD.rotations + 1 OR NEW.rotated IS NULL
	OR NEW.key_check IS OLD.key_check OR typeof(NEW.key_check) <> 'blob' OR length(NEW.key_check) <> 16
	OR (NEW.salt IS NOT NULL AND (typeof(NEW.salt) <> 'blob' OR length(NEW.salt) <> 16))
BEGIN
	SELECT RAISE(ABORT, 'the office key check changes only by a rotation: a new check, rotations + 1 and the time');
END;
