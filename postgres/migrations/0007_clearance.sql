-- A user's clearance: the highest classification they may read. Users
-- added before clearances existed had the run of the registry their role
-- gave them, so they keep it at TOP SECRET.
ALTER TABLE users ADD COLUMN clearance text NOT NULL DEFAULT 'TOP SECRET'
	CHECK (clearance IN ('UNCLASSIFIED', 'RESTRICTED', 'CONFIDENTIAL', 'SECRET', 'TOP SECRET'));
