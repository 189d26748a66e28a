package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"ciphergram"
)

// deliveryColumns are the columns scanDelivery reads, in its order.
const deliveryColumns = `id, peer, kind, coalesce(telegram_id, 0), part, body, queued, attempts, next_attempt, last_error, delivered`

// checkDeliveries refuses deliveries with times the store cannot keep.
func checkDeliveries(ds []*ciphergram.Delivery) error {
	for _, d := range ds {
		if err := checkTimes(d.Queued, d.NextAttempt, d.Delivered); err != nil {
			return err
		}
	}
	return nil
}

// insertDeliveries adds ds to the outbox as they are and returns their
// IDs. ENOTFOUND if one names a telegram that does not exist; EINVALID for
// a kind other than part or repeat.
func insertDeliveries(ctx context.Context, tx pgx.Tx, ds []*ciphergram.Delivery) ([]int64, error) {
	ids := make([]int64, len(ds))
	for i, d := range ds {
		if err := telegramExists(ctx, tx, d.TelegramID); err != nil {
			return nil, err
		}
		var tid *int64
		if d.TelegramID != 0 {
			tid = &d.TelegramID
		}
		err := tx.QueryRow(ctx, `INSERT INTO outbox (peer, kind, telegram_id, part, body, queued, attempts,
				next_attempt, last_error, delivered)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			d.Peer, string(d.Kind), tid, d.Part, d.Body, ts(d.Queued), d.Attempts,
			ts(d.NextAttempt), d.LastError, ts(d.Delivered)).Scan(&ids[i])
		if err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// QueueDeliveries adds deliveries to the outbox, as given, and sets their
// IDs. ENOTFOUND if one names an unknown telegram. A delivery without a
// NextAttempt is due at once.
func (s *Store) QueueDeliveries(ctx context.Context, ds []*ciphergram.Delivery, a ciphergram.Audit) error {
	if err := checkDeliveries(ds); err != nil {
		return err
	}
	var ids []int64
	err := s.write(ctx, "QueueDeliveries", a, func(tx pgx.Tx) (err error) {
		ids, err = insertDeliveries(ctx, tx, ds)
		return err
	})
	if err != nil {
		return err
	}
	for i, d := range ds {
		d.ID = ids[i]
	}
	return nil
}

// DueDeliveries lists up to limit (all if limit <= 0) pending deliveries
// whose NextAttempt is not after now, earliest NextAttempt first (those
// without one first of all), then by ID.
func (s *Store) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]*ciphergram.Delivery, error) {
	if err := checkTimes(now); err != nil {
		return nil, err
	}
	var lim *int // NULL: no limit
	if limit > 0 {
		lim = &limit
	}
	rows, err := s.pool.Query(ctx, `SELECT `+deliveryColumns+` FROM outbox
		WHERE delivered IS NULL AND (next_attempt IS NULL OR next_attempt <= $1)
		ORDER BY next_attempt NULLS FIRST, id LIMIT $2`, ts(now), lim)
	ds, err := collect(rows, err, scanDelivery)
	return ds, fault("DueDeliveries", err)
}

// Deliveries lists the deliveries of a telegram (all if 0) by ID.
func (s *Store) Deliveries(ctx context.Context, telegramID int64) ([]*ciphergram.Delivery, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+deliveryColumns+` FROM outbox
		WHERE $1::bigint = 0 OR telegram_id = $1 ORDER BY id`, telegramID)
	ds, err := collect(rows, err, scanDelivery)
	return ds, fault("Deliveries", err)
}

// DeliveryDone records the peer's acknowledgement at the time given (not
// the zero time: EINVALID). ECONFLICT if it was already acknowledged,
// ENOTFOUND if unknown.
func (s *Store) DeliveryDone(ctx context.Context, id int64, at time.Time, a ciphergram.Audit) error {
	if at.IsZero() {
		return ciphergram.Errorf(ciphergram.EINVALID, "delivery %d: an acknowledgement needs its time", id)
	}
	if err := checkTimes(at); err != nil {
		return err
	}
	return s.write(ctx, "DeliveryDone", a, func(tx pgx.Tx) error {
		if err := lockPending(ctx, tx, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE outbox SET delivered = $1 WHERE id = $2`, ts(at), id)
		return err
	})
}

// DeliveryFailed counts a failed attempt, keeps its error and sets the next
// attempt. ENOTFOUND if unknown; ECONFLICT if the delivery was acknowledged
// already (an acknowledged delivery is final).
func (s *Store) DeliveryFailed(ctx context.Context, id int64, next time.Time, msg string) error {
	if err := checkTimes(next); err != nil {
		return err
	}
	return s.change(ctx, "DeliveryFailed", func(tx pgx.Tx) error {
		if err := lockPending(ctx, tx, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt = $2 WHERE id = $3`,
			msg, ts(next), id)
		return err
	})
}

// lockPending locks delivery id and is ENOTFOUND when there is none and
// ECONFLICT when it was acknowledged.
func lockPending(ctx context.Context, tx pgx.Tx, id int64) error {
	var delivered pgtype.Timestamptz
	err := tx.QueryRow(ctx, `SELECT delivered FROM outbox WHERE id = $1 FOR UPDATE`, id).Scan(&delivered)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return ciphergram.Errorf(ciphergram.ENOTFOUND, "no delivery %d", id)
	case err != nil:
		return err
	case delivered.Valid:
		return ciphergram.Errorf(ciphergram.ECONFLICT, "delivery %d was acknowledged already", id)
	}
	return nil
}

// scanDelivery reads the deliveryColumns of one row.
func scanDelivery(r pgx.Row) (*ciphergram.Delivery, error) {
	d := &ciphergram.Delivery{}
	err := r.Scan(&d.ID, &d.Peer, &d.Kind, &d.TelegramID, &d.Part, &d.Body, intoTime(&d.Queued), &d.Attempts,
		intoTime(&d.NextAttempt), &d.LastError, intoTime(&d.Delivered))
	if err != nil {
		return nil, err
	}
	return d, nil
}
