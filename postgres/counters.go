package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"ciphergram"
)

// nextNumber gives the next number of a yearly counter (1 in a year it has
// not counted yet) and records it as given to part of telegram id (0 for
// the telegram's own number). The upsert locks the counter's row until the
// transaction ends, so that concurrent numberers queue and each gets the
// number after the last one committed. ECONFLICT if the number was given
// before, which only a counter set back could cause.
func nextNumber(ctx context.Context, tx pgx.Tx, counter string, year int, id int64, part int) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `INSERT INTO counters AS c (name, year, next) VALUES ($1, $2, 2)
		ON CONFLICT (name, year) DO UPDATE SET next = c.next + 1 RETURNING c.next - 1`, counter, year).Scan(&n)
	if err != nil {
		return 0, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO numbers_given (counter, year, number, telegram_id, part) VALUES ($1, $2, $3, $4, $5)`,
		counter, year, n, id, part)
	if err != nil {
		return 0, conflict(err, "number %d of the %s counter for %d was given already", n, counter, year)
	}
	return n, nil
}

// SetCounter sets a yearly counter so that the next number it gives is
// next. ECONFLICT if the counter has given next or a later number already
// that year: no number is given twice. EINVALID unless next >= 1. It locks
// the counter's row before it looks at the numbers given, so that no
// number can be given between the check and the change.
func (s *Store) SetCounter(ctx context.Context, counter string, year, next int, a ciphergram.Audit) error {
	if counter == "" || next < 1 || int(int32(next)) != next || int(int32(year)) != year {
		return ciphergram.Errorf(ciphergram.EINVALID, "counter %q cannot be set to give %d next in %d", counter, next, year)
	}
	return s.write(ctx, "SetCounter", a, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO counters (name, year, next) VALUES ($1, $2, 1) ON CONFLICT (name, year) DO NOTHING`,
			counter, year)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT FROM counters WHERE name = $1 AND year = $2 FOR UPDATE`, counter, year); err != nil {
			return err
		}
		var last int
		err = tx.QueryRow(ctx, `SELECT coalesce(max(number), 0) FROM numbers_given WHERE counter = $1 AND year = $2`,
			counter, year).Scan(&last)
		if err != nil {
			return err
		}
		if last >= next {
			return ciphergram.Errorf(ciphergram.ECONFLICT, "the %s counter for %d has given number %d already; it cannot give %d next",
				counter, year, last, next)
		}
		_, err = tx.Exec(ctx, `UPDATE counters SET next = $3 WHERE name = $1 AND year = $2`, counter, year, next)
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
	var u ciphergram.Telegram
	err := s.write(ctx, "RegisterIncoming", a, func(tx pgx.Tx) error {
		u = *t
		u.State, u.Numbers = ciphergram.StateRegistered, make([]int, len(pages))
		if err := lockState(ctx, tx, u.ID, ciphergram.StateReceived); err != nil {
			return err
		}
		keys := make([]pageKey, len(pages))
		for i, ref := range pages {
			k, err := incomingPage(ctx, tx, ref, u.From, u.To)
			if err != nil {
				return err
			}
			keys[i] = k
		}
		if err := destroy(ctx, tx, keys, "received", u.ID, a.Time); err != nil {
			return err
		}
		for i := range pages {
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

// incomingPage finds page ref, which must be a page of an incoming pad of
// from->to (ENOTFOUND otherwise).
func incomingPage(ctx context.Context, tx pgx.Tx, ref ciphergram.PageRef, from, to string) (pageKey, error) {
	k := pageKey{padID: ref.PadID, number: ref.Number}
	err := tx.QueryRow(ctx, `SELECT p.seq FROM pads p JOIN pages g ON g.pad = p.seq
		WHERE p.id = $1 AND g.number = $2 AND p.direction = 'in' AND p.from_office = $3 AND p.to_office = $4`,
		ref.PadID, ref.Number, from, to).Scan(&k.pad)
	return k, notFound(err, "no page %d of an incoming pad %s of %s->%s", ref.Number, ref.PadID, from, to)
}
