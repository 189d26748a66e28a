package postgres

import (
	"context"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"

	"ciphergram"
)

// partColumns are the columns of inbox i that scanPart reads, in its order.
const partColumns = `i.id, i.peer, i.nr, i.part, i.parts, i.indicator, i.wire, i.received, coalesce(i.telegram_id, 0)`

// AcceptPart keeps one received part, idempotently; the part held is the
// one with p's Peer, Nr, Part and Indicator. A part not held is added and
// p.ID set. A held part with the same Wire is a duplicate: nothing changes
// and p is filled from the held part. A held part with another Wire gets
// p's Wire and Received while it is not assembled or its telegram is still
// in state received, and p gets the held part's ID, Parts and TelegramID;
// otherwise ECONFLICT. The audit entry is appended in every case but
// ECONFLICT (a duplicate arrival is recorded too). The held part is
// locked while it is compared, and a part that arrives twice at once is
// added once (INSERT ... ON CONFLICT DO NOTHING): the other arrival finds
// it held.
func (s *Store) AcceptPart(ctx context.Context, p *ciphergram.InboxPart, a ciphergram.Audit) (ciphergram.AcceptResult, error) {
	if err := checkTimes(p.Received); err != nil {
		return "", err
	}
	var res ciphergram.AcceptResult
	var held *ciphergram.InboxPart
	err := s.write(ctx, "AcceptPart", a, func(tx pgx.Tx) error {
		var state *string
		h, err := lockPart(ctx, tx, p, &state)
		if errors.Is(err, pgx.ErrNoRows) {
			res, held = ciphergram.PartAdded, &ciphergram.InboxPart{}
			err = tx.QueryRow(ctx, `INSERT INTO inbox (peer, nr, part, parts, indicator, wire, received)
				VALUES ($1, $2, $3, $4, $5, $6, $7)
				ON CONFLICT (peer, nr, part, indicator) DO NOTHING RETURNING id`,
				p.Peer, p.Nr, p.Part, p.Parts, p.Indicator, p.Wire, ts(p.Received)).Scan(&held.ID)
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			// Added by a concurrent arrival that has committed since.
			h, err = lockPart(ctx, tx, p, &state)
		}
		switch {
		case err != nil:
			return err
		case h.Wire == p.Wire:
			res, held = ciphergram.PartDuplicate, h
			return nil
		case h.TelegramID != 0 && (state == nil || *state != string(ciphergram.StateReceived)):
			var st string
			if state != nil {
				st = *state
			}
			return ciphergram.Errorf(ciphergram.ECONFLICT, "%s NR %d part %d was assembled into telegram %d, which is %s: it can no longer be replaced",
				p.Peer, p.Nr, p.Part, h.TelegramID, st)
		}
		res, held = ciphergram.PartReplaced, h
		_, err = tx.Exec(ctx, `UPDATE inbox SET wire = $1, received = $2 WHERE id = $3`, p.Wire, ts(p.Received), h.ID)
		return err
	})
	if err != nil {
		return "", err
	}
	switch res {
	case ciphergram.PartAdded:
		p.ID, p.TelegramID = held.ID, 0
	case ciphergram.PartDuplicate:
		*p = *held
	case ciphergram.PartReplaced:
		p.ID, p.Parts, p.TelegramID = held.ID, held.Parts, held.TelegramID
	}
	return res, nil
}

// lockPart reads and locks the part held with p's Peer, Nr, Part and
// Indicator, and the state of its telegram into *state (nil when it is not
// assembled). pgx.ErrNoRows if none is held.
func lockPart(ctx context.Context, tx pgx.Tx, p *ciphergram.InboxPart, state **string) (*ciphergram.InboxPart, error) {
	return scanPart(tx.QueryRow(ctx, `SELECT `+partColumns+`, t.state
		FROM inbox i LEFT JOIN telegrams t ON t.id = i.telegram_id
		WHERE i.peer = $1 AND i.nr = $2 AND i.part = $3 AND i.indicator = $4
		FOR UPDATE OF i`,
		p.Peer, p.Nr, p.Part, p.Indicator), state)
}

// InboxParts lists the open parts of the sender's telegram nr: those not
// assembled yet or whose telegram is still in state received, by Part and
// then by ID.
func (s *Store) InboxParts(ctx context.Context, peer string, nr int) ([]*ciphergram.InboxPart, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+partColumns+`
		FROM inbox i LEFT JOIN telegrams t ON t.id = i.telegram_id
		WHERE i.peer = $1 AND i.nr = $2 AND (i.telegram_id IS NULL OR t.state = 'received')
		ORDER BY i.part, i.id`, peer, nr)
	ps, err := collect(rows, err, func(r pgx.Row) (*ciphergram.InboxPart, error) { return scanPart(r) })
	return ps, fault("InboxParts", err)
}

// AssembleTelegram stores the incoming telegram t (its Created the time of
// the act, a.Time) and attaches the parts with the IDs
// given to it, in one transaction; it sets t.ID and t.Created. ECONFLICT
// if a part is already attached (another request assembled it first),
// ENOTFOUND if one is unknown; EINVALID without parts or with one given
// twice. Nothing is stored on an error. The parts are locked first, in
// the order of their IDs, so that a concurrent assembly of the same parts
// waits and then finds them attached.
func (s *Store) AssembleTelegram(ctx context.Context, t *ciphergram.Telegram, parts []int64, a ciphergram.Audit) error {
	if err := checkTelegram(t); err != nil {
		return err
	}
	sorted := slices.Sorted(slices.Values(parts))
	if len(parts) == 0 || len(slices.Compact(sorted)) != len(parts) {
		return ciphergram.Errorf(ciphergram.EINVALID, "a telegram is assembled from parts, each given once; got %v", parts)
	}
	var id int64
	err := s.write(ctx, "AssembleTelegram", a, func(tx pgx.Tx) (err error) {
		rows, err := tx.Query(ctx, `SELECT id, coalesce(telegram_id, 0) FROM inbox WHERE id = ANY ($1) ORDER BY id FOR UPDATE`, parts)
		type part struct{ id, telegram int64 }
		held, err := collect(rows, err, func(r pgx.Row) (part, error) {
			var p part
			return p, r.Scan(&p.id, &p.telegram)
		})
		if err != nil {
			return err
		}
		attached := make(map[int64]int64, len(held))
		for _, h := range held {
			attached[h.id] = h.telegram
		}
		for _, p := range parts {
			tid, ok := attached[p]
			switch {
			case !ok:
				return ciphergram.Errorf(ciphergram.ENOTFOUND, "no received part %d", p)
			case tid != 0:
				return ciphergram.Errorf(ciphergram.ECONFLICT, "part %d was assembled into telegram %d already", p, tid)
			}
		}
		if id, err = insertTelegram(ctx, tx, t, a.Time); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE inbox SET telegram_id = $1 WHERE id = ANY ($2) AND telegram_id IS NULL`, id, parts)
		return err
	})
	if err != nil {
		return err
	}
	t.ID, t.Created = id, a.Time
	return nil
}

// scanPart reads the partColumns of one row, followed by extra.
func scanPart(r pgx.Row, extra ...any) (*ciphergram.InboxPart, error) {
	p := &ciphergram.InboxPart{}
	err := r.Scan(append([]any{&p.ID, &p.Peer, &p.Nr, &p.Part, &p.Parts, &p.Indicator, &p.Wire, intoTime(&p.Received), &p.TelegramID}, extra...)...)
	if err != nil {
		return nil, err
	}
	return p, nil
}
