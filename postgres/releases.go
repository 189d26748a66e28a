package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"ciphergram"
)

// CreateRelease records a release for publication and sets its ID.
// ENOTFOUND if the telegram is unknown.
func (s *Store) CreateRelease(ctx context.Context, r *ciphergram.Release, a ciphergram.Audit) error {
	if err := checkTimes(r.Released); err != nil {
		return err
	}
	if r.TelegramID == 0 {
		return ciphergram.Errorf(ciphergram.ENOTFOUND, "a release needs a telegram")
	}
	list := func(l []string) []string {
		if l == nil {
			return []string{}
		}
		return l
	}
	var id int64
	err := s.write(ctx, "CreateRelease", a, func(tx pgx.Tx) error {
		if err := telegramExists(ctx, tx, r.TelegramID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO releases (telegram_id, reveal, redact, notes, released_by, released)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			r.TelegramID, list(r.Reveal), list(r.Redact), list(r.Notes), r.ReleasedBy, ts(r.Released)).Scan(&id)
	})
	if err != nil {
		return err
	}
	r.ID = id
	return nil
}

// Releases lists the releases of a telegram (all if 0), by ID.
func (s *Store) Releases(ctx context.Context, telegramID int64) ([]*ciphergram.Release, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, telegram_id, reveal, redact, notes, released_by, released
		FROM releases WHERE $1::bigint = 0 OR telegram_id = $1 ORDER BY id`, telegramID)
	rs, err := collect(rows, err, func(row pgx.Row) (*ciphergram.Release, error) {
		r := &ciphergram.Release{}
		err := row.Scan(&r.ID, &r.TelegramID, &r.Reveal, &r.Redact, &r.Notes, &r.ReleasedBy, intoTime(&r.Released))
		return r, err
	})
	return rs, fault("Releases", err)
}
