-- Rotation of the office key (postgres/vault_rotate.go). A rotation
-- rewraps every data key still held (pads.wrapped_key) under the new office
-- key and replaces the key check, and the salt of a passphrase, in one
-- transaction, which locks the vault row first: a store that seals a pad
-- before its transaction locks the row FOR SHARE and checks that the key
-- it sealed under is still the database's. The pages are not sealed
-- again: their data keys do not change.
--
-- The vault row was fixed (0008_vault.sql); now it changes only as a
-- rotation changes it: a new check, rotations counted up by one and the
-- time of the rotation recorded, the rest as it was. A stray UPDATE that
-- only rewrites the check is still refused, and the row is still never
-- deleted or truncated. Nothing in the schema can tell that the data keys
-- were rewrapped in the same transaction: the store does that.

ALTER TABLE vault
	ADD COLUMN rotated   timestamptz,                -- the last rotation; NULL if none
	ADD COLUMN rotations integer NOT NULL DEFAULT 0; -- how many rotations the key check has seen

CREATE FUNCTION vault_rotates() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
	IF NEW.id IS DISTINCT FROM OLD.id OR NEW.created IS DISTINCT FROM OLD.created
			OR NEW.rotations IS DISTINCT FROM OLD.rotations + 1 OR NEW.rotated IS NULL
			OR NEW.key_check IS NOT DISTINCT FROM OLD.key_check OR length(NEW.key_check) <> 16
			OR length(NEW.salt) <> 16 THEN
		RAISE EXCEPTION 'the office key check changes only by a rotation: a new check, rotations + 1 and the time';
	END IF;
	RETURN NEW;
END
$$;

DROP TRIGGER vault_fixed ON vault;
CREATE TRIGGER vault_fixed BEFORE UPDATE ON vault
	FOR EACH ROW EXECUTE FUNCTION vault_rotates();
