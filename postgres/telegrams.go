package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"ciphergram"
)

// telegramFields are the columns a save writes, in the order of
// telegramArgs; telegramColumns are those scanTelegram reads.
const (
	telegramFields = `direction, state, from_office, to_office, nr, filed, prec, mode, classification, caveat,
		text, signed_by, wire, numbers, received, deciphered, created_by`
	telegramColumns = `id, ` + telegramFields + `, created_ns`
)

// telegramSets assigns telegramFields: "direction = $1, state = $2, ...".
var telegramSets = func() string {
	fs := strings.Split(telegramFields, ",")
	for i, f := range fs {
		fs[i] = fmt.Sprintf("%s = $%d", strings.TrimSpace(f), i+1)
	}
	return strings.Join(fs, ", ")
}()

// telegramPlaceholders is "$1, $2, ..." for telegramFields and created.
var telegramPlaceholders = func() string {
	n := len(strings.Split(telegramFields, ","))
	ps := make([]string, n+1)
	for i := range ps {
		ps[i] = fmt.Sprintf("$%d", i+1)
	}
	return strings.Join(ps, ", ")
}()

// telegramArgs are the values of telegramFields for t.
func telegramArgs(t *ciphergram.Telegram) []any {
	numbers := make([]int32, len(t.Numbers))
	for i, n := range t.Numbers {
		numbers[i] = int32(n)
	}
	return []any{string(t.Direction), string(t.State), t.From, t.To, t.Nr, ts(t.Filed), int16(t.Prec), int64(t.Mode),
		t.Classification, t.Caveat, t.Text, t.SignedBy, t.Wire, numbers,
		ts(t.Received), ts(t.Deciphered), t.CreatedBy}
}

// checkTelegram refuses a telegram with times or numbers the store cannot
// keep.
func checkTelegram(t *ciphergram.Telegram) error {
	if err := checkTimes(t.Filed, t.Received, t.Deciphered); err != nil {
		return err
	}
	for _, n := range append([]int{t.Nr}, t.Numbers...) {
		if int(int32(n)) != n {
			return ciphergram.Errorf(ciphergram.EINVALID, "telegram %d: number %d is out of range", t.ID, n)
		}
	}
	return nil
}

// CreateTelegram stores a new telegram and sets its ID, and its Created to
// the time of the act (a.Time), so that a scenario clock is kept too.
func (s *Store) CreateTelegram(ctx context.Context, t *ciphergram.Telegram, a ciphergram.Audit) error {
	if err := checkTelegram(t); err != nil {
		return err
	}
	var id int64
	err := s.write(ctx, "CreateTelegram", a, func(tx pgx.Tx) (err error) {
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
func insertTelegram(ctx context.Context, tx pgx.Tx, t *ciphergram.Telegram, created time.Time) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO telegrams (`+telegramFields+`, created_ns)
		VALUES (`+telegramPlaceholders+`) RETURNING id`,
		append(telegramArgs(t), nanos(created))...).Scan(&id)
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
	var u ciphergram.Telegram
	err := s.write(ctx, "UpdateTelegram", a, func(tx pgx.Tx) (err error) {
		u = *t
		if err := lockState(ctx, tx, u.ID, from); err != nil {
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
	err := s.write(ctx, "SendTelegram", a, func(tx pgx.Tx) (err error) {
		if err := lockState(ctx, tx, t.ID, ciphergram.StateEnciphered); err != nil {
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

// lockState locks telegram id (FOR NO KEY UPDATE, so that concurrent
// changes of it queue) and is ENOTFOUND when there is none and ECONFLICT
// when it is not in state want.
func lockState(ctx context.Context, tx pgx.Tx, id int64, want ciphergram.State) error {
	var state ciphergram.State
	err := tx.QueryRow(ctx, `SELECT state FROM telegrams WHERE id = $1 FOR NO KEY UPDATE`, id).Scan(&state)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return ciphergram.Errorf(ciphergram.ENOTFOUND, "no telegram %d", id)
	case err != nil:
		return err
	case state != want:
		return ciphergram.Errorf(ciphergram.ECONFLICT, "telegram %d is %s, not %s", id, state, want)
	}
	return nil
}

// saveTelegram writes t over the stored telegram in state from.
func saveTelegram(ctx context.Context, tx pgx.Tx, t *ciphergram.Telegram, from ciphergram.State) error {
	args := append(telegramArgs(t), t.ID, string(from))
	n := len(args)
	tag, err := tx.Exec(ctx, fmt.Sprintf(`UPDATE telegrams SET %s WHERE id = $%d AND state = $%d`, telegramSets, n-1, n), args...)
	if err == nil && tag.RowsAffected() != 1 {
		err = ciphergram.Errorf(ciphergram.ECONFLICT, "telegram %d is no longer %s", t.ID, from)
	}
	return err
}

// telegramExists is ENOTFOUND when id is not 0 and no telegram has it.
func telegramExists(ctx context.Context, tx pgx.Tx, id int64) error {
	if id == 0 {
		return nil
	}
	var ok bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM telegrams WHERE id = $1)`, id).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return ciphergram.Errorf(ciphergram.ENOTFOUND, "no telegram %d", id)
	}
	return nil
}

// Telegram finds a telegram by ID. ENOTFOUND if none.
func (s *Store) Telegram(ctx context.Context, id int64) (*ciphergram.Telegram, error) {
	t, err := scanTelegram(s.pool.QueryRow(ctx, `SELECT `+telegramColumns+` FROM telegrams WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ciphergram.Errorf(ciphergram.ENOTFOUND, "no telegram %d", id)
	}
	if err != nil {
		return nil, fault("Telegram", err)
	}
	return t, nil
}

// Telegrams lists the telegrams matching f, newest (highest ID) first.
// f.Peer matches the sender or the receiver. f.Search matches a text that
// contains it, letter case aside (lower() in ICU's root collation where the
// server has ICU, in the database's default collation otherwise); a search
// of digits only (spaces around it aside) also matches the telegram
// numbered so or holding it as a registry number.
func (s *Store) Telegrams(ctx context.Context, f ciphergram.TelegramFilter) ([]*ciphergram.Telegram, error) {
	var ids []int64
	if len(f.IDs) > 0 {
		ids = f.IDs
	}
	var limit *int // NULL: no limit
	if f.Limit > 0 {
		limit = &f.Limit
	}
	var number *int32 // the search as a number, or NULL
	if n, ok := searchNumber(f.Search); ok {
		number = &n
	}
	fold := pgx.Identifier{s.fold}.Sanitize()
	rows, err := s.pool.Query(ctx, `SELECT `+telegramColumns+` FROM telegrams
		WHERE ($1 = '' OR direction = $1) AND ($2 = '' OR state = $2)
			AND ($3::bigint[] IS NULL OR id = ANY ($3))
			AND ($5 = '' OR from_office = $5 OR to_office = $5)
			AND ($6 = '' OR strpos(lower(text COLLATE `+fold+`), lower($6 COLLATE `+fold+`)) > 0
				OR nr = $7 OR $7 = ANY (numbers))
		ORDER BY id DESC LIMIT $4`,
		string(f.Direction), string(f.State), ids, limit, f.Peer, f.Search, number)
	tgs, err := collect(rows, err, scanTelegram)
	return tgs, fault("Telegrams", err)
}

// searchNumber reads a search that is a telegram or registry number: one
// or more ASCII digits (leading zeros allowed, spaces around ignored)
// making a number above 0.
func searchNumber(search string) (int32, bool) {
	search = strings.TrimSpace(search)
	if search == "" || strings.Trim(search, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(search, 10, 32)
	if err != nil || n < 1 {
		return 0, false
	}
	return int32(n), true
}

// scanTelegram reads the telegramColumns of one row.
func scanTelegram(r pgx.Row) (*ciphergram.Telegram, error) {
	t := &ciphergram.Telegram{}
	var numbers []int32
	err := r.Scan(&t.ID, &t.Direction, &t.State, &t.From, &t.To, &t.Nr, intoTime(&t.Filed), &t.Prec, &t.Mode,
		&t.Classification, &t.Caveat, &t.Text, &t.SignedBy, &t.Wire, &numbers,
		intoTime(&t.Received), intoTime(&t.Deciphered), &t.CreatedBy, intoNanos(&t.Created))
	if err != nil {
		return nil, err
	}
	for _, n := range numbers { // none is a nil slice
		t.Numbers = append(t.Numbers, int(n))
	}
	return t, nil
}
