package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"ciphergram"
)

// copyColumns are the columns scanCopy reads, in its order.
const copyColumns = `id, telegram_id, number, reader, issued_by, issued, state, closed, closed_by`

// IssueCopy gives the copy the next number of its telegram (numbers are
// never reused, since copies are never deleted), sets its ID, Number and
// State issued, and stores it. ENOTFOUND if the telegram is unknown. The
// telegram's row is locked (FOR NO KEY UPDATE) while the number is given,
// so that concurrent issues of one telegram's copies queue.
func (s *Store) IssueCopy(ctx context.Context, c *ciphergram.Copy, a ciphergram.Audit) error {
	if err := checkTimes(c.Issued, c.Closed); err != nil {
		return err
	}
	var id int64
	var number int
	err := s.write(ctx, "IssueCopy", a, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `SELECT FROM telegrams WHERE id = $1 FOR NO KEY UPDATE`, c.TelegramID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ciphergram.Errorf(ciphergram.ENOTFOUND, "no telegram %d", c.TelegramID)
		}
		return tx.QueryRow(ctx, `INSERT INTO copies (telegram_id, number, reader, issued_by, issued, state, closed, closed_by)
			VALUES ($1, (SELECT coalesce(max(number), 0) + 1 FROM copies WHERE telegram_id = $1), $2, $3, $4, 'issued', $5, $6)
			RETURNING id, number`,
			c.TelegramID, c.Reader, c.IssuedBy, ts(c.Issued), ts(c.Closed), c.ClosedBy).Scan(&id, &number)
	})
	if err != nil {
		return err
	}
	c.ID, c.Number, c.State = id, number, ciphergram.CopyIssued
	return nil
}

// Copies lists a telegram's copies by number (all telegrams' if
// telegramID is 0, by number and then by ID).
func (s *Store) Copies(ctx context.Context, telegramID int64) ([]*ciphergram.Copy, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+copyColumns+` FROM copies
		WHERE $1::bigint = 0 OR telegram_id = $1 ORDER BY number, id`, telegramID)
	cs, err := collect(rows, err, scanCopy)
	return cs, fault("Copies", err)
}

// scanCopy reads the copyColumns of one row.
func scanCopy(r pgx.Row) (*ciphergram.Copy, error) {
	c := &ciphergram.Copy{}
	err := r.Scan(&c.ID, &c.TelegramID, &c.Number, &c.Reader, &c.IssuedBy, intoTime(&c.Issued), &c.State,
		intoTime(&c.Closed), &c.ClosedBy)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// CloseCopy recalls or destroys an issued copy. ECONFLICT if it is not
// issued, ENOTFOUND if unknown, EINVALID for any other state.
func (s *Store) CloseCopy(ctx context.Context, id int64, state ciphergram.CopyState, by string, at time.Time, a ciphergram.Audit) error {
	if state != ciphergram.CopyRecalled && state != ciphergram.CopyDestroyed {
		return ciphergram.Errorf(ciphergram.EINVALID, "a copy is closed as recalled or destroyed, not %s", state)
	}
	if err := checkTimes(at); err != nil {
		return err
	}
	return s.write(ctx, "CloseCopy", a, func(tx pgx.Tx) error {
		var now ciphergram.CopyState
		err := tx.QueryRow(ctx, `SELECT state FROM copies WHERE id = $1 FOR UPDATE`, id).Scan(&now)
		switch {
		case err != nil:
			return notFound(err, "no copy %d", id)
		case now != ciphergram.CopyIssued:
			return ciphergram.Errorf(ciphergram.ECONFLICT, "copy %d is %s already", id, now)
		}
		_, err = tx.Exec(ctx, `UPDATE copies SET state = $1, closed = $2, closed_by = $3 WHERE id = $4 AND state = 'issued'`,
			string(state), ts(at), by, id)
		return err
	})
}
