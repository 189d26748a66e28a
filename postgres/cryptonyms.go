package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"ciphergram"
)

// PutCryptonym adds a cover name or replaces the one with the same cover.
// A kind outside ciphergram's four is EINVALID.
func (s *Store) PutCryptonym(ctx context.Context, c *ciphergram.Cryptonym, a ciphergram.Audit) error {
	return s.write(ctx, "PutCryptonym", a, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO cryptonyms (cover, true_name, kind, released) VALUES ($1, $2, $3, $4)
			ON CONFLICT (cover) DO UPDATE SET true_name = excluded.true_name, kind = excluded.kind, released = excluded.released`,
			c.Cover, c.TrueName, string(c.Kind), c.Released)
		return err
	})
}

// Cryptonyms lists the cover names by cover.
func (s *Store) Cryptonyms(ctx context.Context) ([]*ciphergram.Cryptonym, error) {
	rows, err := s.pool.Query(ctx, `SELECT cover, true_name, kind, released FROM cryptonyms ORDER BY cover`)
	cs, err := collect(rows, err, func(r pgx.Row) (*ciphergram.Cryptonym, error) {
		c := &ciphergram.Cryptonym{}
		return c, r.Scan(&c.Cover, &c.TrueName, &c.Kind, &c.Released)
	})
	return cs, fault("Cryptonyms", err)
}
