package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"ciphergram"
)

// telegramColumns are the columns scanTelegram reads, in its order;
// telegramFields are those a save writes, in the order of telegramArgs.
const (
	telegramFields = `direction, state, from_office, to_office, nr, filed, prec, mode, classification, caveat,
		text, signed_by, wire, numbers, received, deciphered, created_by`
	telegramColumns = `id, ` + telegramFields + `, created`
)

// telegramSets assigns telegramFields: "direction = ?, state = ?, ...".
var telegramSets = func() string {
	fs := strings.Split(telegramFields, ",")
	for i, f := range fs {
		fs[i] = strings.TrimSpace(f) + " = ?"
	}
	return strings.Join(fs, ", ")
}()

// telegramArgs are the values of telegramFields for t.
func telegramArgs(t *ciphergram.Telegram) []any {
	return []any{string(t.Direction), string(t.State), t.From, t.To, t.Nr, nanos(t.Filed), int64(t.Prec), int64(t.Mode),
		t.Classification, t.Caveat, t.Text, t.SignedBy, t.Wire, formatNumbers(t.Numbers),
		nanos(t.Received), nanos(t.Deciphered), t.CreatedBy}
}

// checkTelegram refuses a telegram with times the store cannot keep.
func checkTelegram(t *ciphergram.Telegram) error {
	return checkTimes(t.Filed, t.Received, t.Deciphered)
}

// CreateTelegram stores a new telegram and sets its ID, and its Created to
// the time of the act (a.Time), so that a scenario clock is kept too.
func (s *Store) CreateTelegram(ctx context.Context, t *ciphergram.Telegram, a ciphergram.Audit) error {
	if err := checkTelegram(t); err != nil {
		return err
	}
	var id int64
	err := s.write(ctx, "CreateTelegram", a, func(tx *wtx) (err error) {
		id, err = insertTelegram(ctx, tx, t, a.Time)
		return err
	})
	if err != nil {
		return err
	}
	t.ID, t.Created = id, a.Time
	return nil
}

// insertTelegram stores t as a new telegram created at the time given and
// returns its ID.
func insertTelegram(ctx context.Context, tx *wtx, t *ciphergram.Telegram, created time.Time) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO telegrams (`+telegramFields+`, created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		append(telegramArgs(t), created.UnixNano())...).Scan(&id)
	return id, err
}

// UpdateTelegram saves t (all but its ID and Created) if the stored
// telegram is still in state from: ECONFLICT if it is not, ENOTFOUND if
// there is none. With counter != "" it first gives t.Nr the next number of
// that yearly counter for t.Filed's year (EINVALID without a filing date).
// t is changed only when the update is committed.
func (s *Store) UpdateTelegram(ctx context.Context, t *ciphergram.Telegram, from ciphergram.State, counter string, a ciphergram.Audit) error {
	if err := checkTelegram(t); err != nil {
		return err
	}
	if counter != "" && t.Filed.IsZero() {
		return ciphergram.Errorf(ciphergram.EINVALID, "telegram %d has no filing date to number it by", t.ID)
	}
	u := *t
	err := s.write(ctx, "UpdateTelegram", a, func(tx *wtx) (err error) {
		if err := checkState(ctx, tx, u.ID, from); err != nil {
			return err
		}
		if counter != "" {
			if u.Nr, err = nextNumber(ctx, tx, counter, u.Filed.Year(), u.ID, 0); err != nil {
				return err
			}
		}
		return saveTelegram(ctx, tx, &u, from)
	})
	if err != nil {
		return err
	}
	*t = u
	return nil
}

// SendTelegram saves outgoing telegram t, which the caller has put in state
// sent (EINVALID otherwise), if the stored telegram is still enciphered
// (ECONFLICT otherwise, ENOTFOUND if unknown), and queues its deliveries,
// in one transaction; it sets the deliveries' IDs. Nothing changes on an
// error.
func (s *Store) SendTelegram(ctx context.Context, t *ciphergram.Telegram, ds []*ciphergram.Delivery, a ciphergram.Audit) error {
	if err := checkTelegram(t); err != nil {
		return err
	}
	if t.State != ciphergram.StateSent {
		return ciphergram.Errorf(ciphergram.EINVALID, "telegram %d is to be saved %s, not sent", t.ID, t.State)
	}
	if err := checkDeliveries(ds); err != nil {
		return err
	}
	var ids []int64
	err := s.write(ctx, "SendTelegram", a, func(tx *wtx) (err error) {
		if err := checkState(ctx, tx, t.ID, ciphergram.StateEnciphered); err != nil {
			return err
		}
		if err := saveTelegram(ctx, tx, t, ciphergram.StateEnciphered); err != nil {
			return err
		}
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

// checkState is ENOTFOUND when there is no telegram id and ECONFLICT when
// it is not in state want.
func checkState(ctx context.Context, tx *wtx, id int64, want ciphergram.State) error {
	var state ciphergram.State
	err := tx.QueryRowContext(ctx, `SELECT state FROM telegrams WHERE id = ?`, id).Scan(&state)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ciphergram.Errorf(ciphergram.ENOTFOUND, "no telegram %d", id)
	case err != nil:
		return err
	case state != want:
		return ciphergram.Errorf(ciphergram.ECONFLICT, "telegram %d is %s, not %s", id, state, want)
	}
	return nil
}

// saveTelegram writes t over the stored telegram in state from.
func saveTelegram(ctx context.Context, tx *wtx, t *ciphergram.Telegram, from ciphergram.State) error {
	n, err := affected(tx.ExecContext(ctx, `UPDATE telegrams SET `+telegramSets+` WHERE id = ? AND state = ?`,
		append(telegramArgs(t), t.ID, string(from))...))
	if err == nil && n != 1 {
		err = ciphergram.Errorf(ciphergram.ECONFLICT, "telegram %d is no longer %s", t.ID, from)
	}
	return err
}

// Telegram finds a telegram by ID. ENOTFOUND if none.
func (s *Store) Telegram(ctx context.Context, id int64) (*ciphergram.Telegram, error) {
	t, err := scanTelegram(s.queryRow(ctx, `SELECT `+telegramColumns+` FROM telegrams WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ciphergram.Errorf(ciphergram.ENOTFOUND, "no telegram %d", id)
	}
	if err != nil {
		return nil, fault("Telegram", err)
	}
	return t, nil
}

// Telegrams lists the telegrams matching f, newest (highest ID) first.
// f.Peer matches the sender or the receiver. f.Search matches a text that
// contains it, letter case aside (Unicode simple case mapping, in Go, not
// SQLite's ASCII-only LIKE); a search of digits only also matches the
// telegram numbered so or holding it as a registry number.
func (s *Store) Telegrams(ctx context.Context, f ciphergram.TelegramFilter) ([]*ciphergram.Telegram, error) {
	var ids any
	if len(f.IDs) > 0 {
		b, err := json.Marshal(f.IDs)
		if err != nil {
			return nil, fault("Telegrams", err)
		}
		ids = string(b)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = -1 // no limit
	}
	var number any // the search as a number, or NULL
	if n, ok := searchNumber(f.Search); ok {
		number = strconv.Itoa(n)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+telegramColumns+` FROM telegrams
		WHERE (?1 = '' OR direction = ?1) AND (?2 = '' OR state = ?2)
			AND (?3 IS NULL OR id IN (SELECT value FROM json_each(?3)))
			AND (?5 = '' OR from_office = ?5 OR to_office = ?5)
			AND (?6 = '' OR `+containsFunc+`(text, ?6)
				OR (?7 IS NOT NULL AND (nr = CAST(?7 AS INTEGER) OR instr(',' || numbers || ',', ',' || ?7 || ',') > 0)))
		ORDER BY id DESC LIMIT ?4`, string(f.Direction), string(f.State), ids, limit, f.Peer, f.Search, number)
	if err != nil {
		return nil, fault("Telegrams", err)
	}
	ts, err := collect(rows, scanTelegram)
	return ts, fault("Telegrams", err)
}

// scanTelegram reads the telegramColumns of one row.
func scanTelegram(r scanner) (*ciphergram.Telegram, error) {
	t := &ciphergram.Telegram{}
	err := r.Scan(&t.ID, &t.Direction, &t.State, &t.From, &t.To, &t.Nr, intoTime(&t.Filed), &t.Prec, &t.Mode,
		&t.Classification, &t.Caveat, &t.Text, &t.SignedBy, &t.Wire, numbersDest{&t.Numbers},
		intoTime(&t.Received), intoTime(&t.Deciphered), &t.CreatedBy, intoTime(&t.Created))
	if err != nil {
		return nil, err
	}
	return t, nil
}

// formatNumbers is the stored form of registry numbers: "2688,2689".
func formatNumbers(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// numbersDest scans stored registry numbers; none is a nil slice.
type numbersDest struct{ ns *[]int }

// Scan implements sql.Scanner.
func (d numbersDest) Scan(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("stored registry numbers are %T, not text", v)
	}
	*d.ns = nil
	for f := range strings.SplitSeq(s, ",") {
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil {
			return fmt.Errorf("stored registry numbers %q: %w", s, err)
		}
		*d.ns = append(*d.ns, n)
	}
	return nil
}
