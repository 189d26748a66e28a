package sqlite

import (
	"context"
	"time"

	"ciphergram"
)

// nextNumber gives the next number of a yearly counter (1 in a year it has
// not counted yet) and records it as given to part of telegram id (0 for
// the telegram's own number). ECONFLICT if the number was given before,
// which only a counter set back could cause.
func nextNumber(ctx context.Context, tx *wtx, counter string, year int, id int64, part int) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `INSERT INTO counters (name, year, next) VALUES (?, ?, 2)
		ON CONFLICT (name, year) DO UPDATE SET next = next + 1 RETURNING next - 1`, counter, year).Scan(&n)
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO numbers_given (counter, year, number, telegram_id, part) VALUES (?, ?, ?, ?, ?)`,
		counter, year, n, id, part)
	if err != nil {
		return 0, conflict(err, "number %d of the %s counter for %d was given already", n, counter, year)
	}
	return n, nil
}

// SetCounter sets a yearly counter so that the next number it gives is
// next. ECONFLICT if the counter has given next or a later number already
// that year: no number is given twice. EINVALID unless next >= 1.
func (s *Store) SetCounter(ctx context.Context, counter string, year, next int, a ciphergram.Audit) error {
	if counter == "" || next < 1 {
		return ciphergram.Errorf(ciphergram.EINVALID, "counter %q cannot be set to give %d next", counter, next)
	}
	return s.write(ctx, "SetCounter", a, func(tx *wtx) error {
		var last int
		err := tx.QueryRowContext(ctx, `SELECT coalesce(max(number), 0) FROM numbers_given WHERE counter = ? AND year = ?`,
			counter, year).Scan(&last)
		if err != nil {
			return err
		}
		if last >= next {
			return ciphergram.Errorf(ciphergram.ECONFLICT, "the %s counter for %d has given number %d already; it cannot give %d next",
				counter, year, last, next)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO counters (name, year, next) VALUES (?, ?, ?)
			ON CONFLICT (name, year) DO UPDATE SET next = excluded.next`, counter, year, next)
		return err
	})
}

// RegisterIncoming completes the decipherment of incoming telegram t in one
// transaction: t must be stored in state received (ECONFLICT otherwise,
// ENOTFOUND if unknown); each page of pages must be a page of an incoming
// pad of the link t.From->t.To (ENOTFOUND otherwise) and unused (ECONFLICT
// otherwise), and is destroyed (reason "received"); t gets one number of
// the "registry" counter of t.Deciphered's year per page, in the order of
// pages, and is saved in state registered. t changes only on success.
func (s *Store) RegisterIncoming(ctx context.Context, t *ciphergram.Telegram, pages []ciphergram.PageRef, a ciphergram.Audit) error {
	if err := checkTelegram(t); err != nil {
		return err
	}
	if len(pages) == 0 || t.Deciphered.IsZero() {
		return ciphergram.Errorf(ciphergram.EINVALID, "telegram %d: registering needs the pages used and the time deciphered", t.ID)
	}
	u := *t
	u.State, u.Numbers = ciphergram.StateRegistered, make([]int, len(pages))
	err := s.write(ctx, "RegisterIncoming", a, func(tx *wtx) error {
		if err := checkState(ctx, tx, u.ID, ciphergram.StateReceived); err != nil {
			return err
		}
		for i, ref := range pages {
			if err := destroyIncoming(ctx, tx, ref, u.From, u.To, u.ID, a.Time); err != nil {
				return err
			}
			n, err := nextNumber(ctx, tx, ciphergram.CounterRegistry, u.Deciphered.Year(), u.ID, i+1)
			if err != nil {
				return err
			}
			u.Numbers[i] = n
		}
		return saveTelegram(ctx, tx, &u, ciphergram.StateReceived)
	})
	if err != nil {
		return err
	}
	*t = u
	return nil
}

// destroyIncoming destroys page ref, which must be a page of an incoming pad
// of from->to, as used to decipher telegram id.
func destroyIncoming(ctx context.Context, tx *wtx, ref ciphergram.PageRef, from, to string, id int64, at time.Time) error {
	k := pageKey{padID: ref.PadID, number: ref.Number}
	err := tx.QueryRowContext(ctx, `SELECT p.seq FROM pads p JOIN pages g ON g.pad = p.seq
		WHERE p.id = ? AND g.number = ? AND p.direction = 'in' AND p.from_office = ? AND p.to_office = ?`,
		ref.PadID, ref.Number, from, to).Scan(&k.pad)
	if err != nil {
		return notFound(err, "no page %d of an incoming pad %s of %s->%s", ref.Number, ref.PadID, from, to)
	}
	return destroy(ctx, tx, k, "received", id, at)
}
