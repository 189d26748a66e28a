package sqlite

import (
	"context"
	"encoding/json"

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
	lists := make([][]byte, 3)
	for i, l := range [][]string{r.Reveal, r.Redact, r.Notes} {
		if l == nil {
			l = []string{}
		}
		lists[i], _ = json.Marshal(l)
	}
	var id int64
	err := s.write(ctx, "CreateRelease", a, func(tx *wtx) error {
		if err := telegramExists(ctx, tx, r.TelegramID); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO releases (telegram_id, reveal, redact, notes, released_by, released)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			r.TelegramID, string(lists[0]), string(lists[1]), string(lists[2]), r.ReleasedBy, nanos(r.Released)).Scan(&id)
	})
	if err != nil {
		return err
	}
	r.ID = id
	return nil
}

// Releases lists the releases of a telegram (all if 0), by ID.
func (s *Store) Releases(ctx context.Context, telegramID int64) ([]*ciphergram.Release, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, telegram_id, reveal, redact, notes, released_by, released
		FROM releases WHERE ? = 0 OR telegram_id = ? ORDER BY id`, telegramID, telegramID)
	if err != nil {
		return nil, fault("Releases", err)
	}
	rs, err := collect(rows, scanRelease)
	return rs, fault("Releases", err)
}

func scanRelease(r scanner) (*ciphergram.Release, error) {
	rel := &ciphergram.Release{}
	var reveal, redact, notes string
	if err := r.Scan(&rel.ID, &rel.TelegramID, &reveal, &redact, &notes, &rel.ReleasedBy, intoTime(&rel.Released)); err != nil {
		return nil, err
	}
	for _, l := range []struct {
		text string
		into *[]string
	}{{reveal, &rel.Reveal}, {redact, &rel.Redact}, {notes, &rel.Notes}} {
		if err := json.Unmarshal([]byte(l.text), l.into); err != nil {
			return nil, err
		}
	}
	return rel, nil
}
