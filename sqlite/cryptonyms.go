package sqlite

import (
	"context"

	"ciphergram"
)

// PutCryptonym adds a cover name or replaces the one with the same cover.
// A kind outside ciphergram's four is EINVALID.
func (s *Store) PutCryptonym(ctx context.Context, c *ciphergram.Cryptonym, a ciphergram.Audit) error {
	return s.write(ctx, "PutCryptonym", a, func(tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO cryptonyms (cover, true_name, kind, released) VALUES (?, ?, ?, ?)
			ON CONFLICT (cover) DO UPDATE SET true_name = excluded.true_name, kind = excluded.kind, released = excluded.released`,
			c.Cover, c.TrueName, c.Kind, c.Released)
		return err
	})
}

// Cryptonyms lists the cover names by cover.
func (s *Store) Cryptonyms(ctx context.Context) ([]*ciphergram.Cryptonym, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT cover, true_name, kind, released FROM cryptonyms ORDER BY cover`)
	if err != nil {
		return nil, fault("Cryptonyms", err)
	}
	cs, err := collect(rows, func(r scanner) (*ciphergram.Cryptonym, error) {
		c := &ciphergram.Cryptonym{}
		return c, r.Scan(&c.Cover, &c.TrueName, &c.Kind, &c.Released)
	})
	return cs, fault("Cryptonyms", err)
}
