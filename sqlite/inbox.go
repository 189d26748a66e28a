package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"

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
// ECONFLICT (a duplicate arrival is recorded too).
func (s *Store) AcceptPart(ctx context.Context, p *ciphergram.InboxPart, a ciphergram.Audit) (ciphergram.AcceptResult, error) {
	if err := checkTimes(p.Received); err != nil {
		return "", err
	}
	var res ciphergram.AcceptResult
	var held *ciphergram.InboxPart
	err := s.write(ctx, "AcceptPart", a, func(tx *wtx) error {
		var state sql.NullString
		h, err := scanPart(tx.QueryRowContext(ctx, `SELECT `+partColumns+`, t.state
			FROM inbox i LEFT JOIN telegrams t ON t.id = i.telegram_id
			WHERE i.peer = ? AND i.nr = ? AND i.part = ? AND i.indicator = ?`,
			p.Peer, p.Nr, p.Part, p.Indicator), &state)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			res, held = ciphergram.PartAdded, &ciphergram.InboxPart{}
			return tx.QueryRowContext(ctx, `INSERT INTO inbox (peer, nr, part, parts, indicator, wire, received)
				VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				p.Peer, p.Nr, p.Part, p.Parts, p.Indicator, p.Wire, nanos(p.Received)).Scan(&held.ID)
		case err != nil:
			return err
		case h.Wire == p.Wire:
			res, held = ciphergram.PartDuplicate, h
			return nil
		case h.TelegramID != 0 && state.String != string(ciphergram.StateReceived):
			return ciphergram.Errorf(ciphergram.ECONFLICT, "%s NR %d part %d was assembled into telegram %d, which is %s: it can no longer be replaced",
				p.Peer, p.Nr, p.Part, h.TelegramID, state.String)
		}
		res, held = ciphergram.PartReplaced, h
		_, err = tx.ExecContext(ctx, `UPDATE inbox SET wire = ?, received = ? WHERE id = ?`, p.Wire, nanos(p.Received), h.ID)
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

// InboxParts lists the open parts of the sender's telegram nr: those not
// assembled yet or whose telegram is still in state received, by Part and
// then by ID.
func (s *Store) InboxParts(ctx context.Context, peer string, nr int) ([]*ciphergram.InboxPart, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+partColumns+`
		FROM inbox i LEFT JOIN telegrams t ON t.id = i.telegram_id
		WHERE i.peer = ? AND i.nr = ? AND (i.telegram_id IS NULL OR t.state = 'received')
		ORDER BY i.part, i.id`, peer, nr)
	if err != nil {
		return nil, fault("InboxParts", err)
	}
	ps, err := collect(rows, func(r scanner) (*ciphergram.InboxPart, error) { return scanPart(r) })
	return ps, fault("InboxParts", err)
}

// AssembleTelegram stores the incoming telegram t (its Created the time of
// the act, a.Time) and attaches the parts with the IDs given to it, in one
// transaction; it sets t.ID and t.Created. ECONFLICT if a part is already
// attached (another request assembled it first), ENOTFOUND if one is
// unknown; EINVALID without parts or with one given twice. Nothing is
// stored on an error.
func (s *Store) AssembleTelegram(ctx context.Context, t *ciphergram.Telegram, parts []int64, a ciphergram.Audit) error {
	if err := checkTelegram(t); err != nil {
		return err
	}
	sorted := slices.Sorted(slices.Values(parts))
	if len(parts) == 0 || len(slices.Compact(sorted)) != len(parts) {
		return ciphergram.Errorf(ciphergram.EINVALID, "a telegram is assembled from parts, each given once; got %v", parts)
	}
	var id int64
	err := s.write(ctx, "AssembleTelegram", a, func(tx *wtx) (err error) {
		if id, err = insertTelegram(ctx, tx, t, a.Time); err != nil {
			return err
		}
		for _, part := range parts {
			if err := attachPart(ctx, tx, part, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	t.ID, t.Created = id, a.Time
	return nil
}

// attachPart attaches the part id, which must not be attached yet, to
// telegram tid.
func attachPart(ctx context.Context, tx *wtx, id, tid int64) error {
	n, err := affected(tx.ExecContext(ctx, `UPDATE inbox SET telegram_id = ? WHERE id = ? AND telegram_id IS NULL`, tid, id))
	if err != nil || n == 1 {
		return err
	}
	var held sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT telegram_id FROM inbox WHERE id = ?`, id).Scan(&held)
	if err != nil {
		return notFound(err, "no received part %d", id)
	}
	return ciphergram.Errorf(ciphergram.ECONFLICT, "part %d was assembled into telegram %d already", id, held.Int64)
}

// scanPart reads the partColumns of one row, followed by extra.
func scanPart(r scanner, extra ...any) (*ciphergram.InboxPart, error) {
	p := &ciphergram.InboxPart{}
	err := r.Scan(append([]any{&p.ID, &p.Peer, &p.Nr, &p.Part, &p.Parts, &p.Indicator, &p.Wire, intoTime(&p.Received), &p.TelegramID}, extra...)...)
	if err != nil {
		return nil, err
	}
	return p, nil
}
