package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"time"

	"ciphergram"
)

// Sessions record no act: signing in and out is audited by the caller, and
// a request's Seen time is not an act.

// CreateSession stores a new session. ECONFLICT if the ID is taken,
// ENOTFOUND if there is no such user.
func (s *Store) CreateSession(ctx context.Context, ss *ciphergram.Session) error {
	if err := checkTimes(ss.Created, ss.Seen); err != nil {
		return err
	}
	return s.change(ctx, "CreateSession", func(tx *wtx) error {
		var ok bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE name = ?)`, ss.User).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return ciphergram.Errorf(ciphergram.ENOTFOUND, "no user %s", ss.User)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, user_name, created, seen) VALUES (?, ?, ?, ?)`,
			ss.ID, ss.User, nanos(ss.Created), nanos(ss.Seen))
		return conflict(err, "the session ID is taken")
	})
}

// Session finds a session by ID. ENOTFOUND if none.
func (s *Store) Session(ctx context.Context, id string) (*ciphergram.Session, error) {
	ss := &ciphergram.Session{}
	err := s.queryRow(ctx, `SELECT id, user_name, created, seen FROM sessions WHERE id = ?`, id).
		Scan(&ss.ID, &ss.User, intoTime(&ss.Created), intoTime(&ss.Seen))
	if errors.Is(err, sql.ErrNoRows) {
		// The ID stands for a token: it is not repeated in the message.
		return nil, ciphergram.Errorf(ciphergram.ENOTFOUND, "no such session")
	}
	if err != nil {
		return nil, fault("Session", err)
	}
	return ss, nil
}

// TouchSession sets a session's Seen time. ENOTFOUND if none.
func (s *Store) TouchSession(ctx context.Context, id string, seen time.Time) error {
	if err := checkTimes(seen); err != nil {
		return err
	}
	return s.change(ctx, "TouchSession", func(tx *wtx) error {
		n, err := affected(tx.ExecContext(ctx, `UPDATE sessions SET seen = ? WHERE id = ?`, nanos(seen), id))
		if err == nil && n == 0 {
			err = ciphergram.Errorf(ciphergram.ENOTFOUND, "no such session")
		}
		return err
	})
}

// DeleteSession ends a session; ending an unknown one is not an error.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	return s.change(ctx, "DeleteSession", func(tx *wtx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id)
		return err
	})
}

// DeleteSessions ends every session last seen before seenBefore, only
// user's when user is not empty, and says how many. A session never seen
// counts as seen when it was created, and one without either time as seen
// long ago. Nothing is seen before the zero time.
func (s *Store) DeleteSessions(ctx context.Context, user string, seenBefore time.Time) (int, error) {
	if err := checkTimes(seenBefore); err != nil {
		return 0, err
	}
	var n int64
	err := s.change(ctx, "DeleteSessions", func(tx *wtx) (err error) {
		n, err = affected(tx.ExecContext(ctx, `DELETE FROM sessions
			WHERE coalesce(seen, created, ?3) < ?1 AND (?2 = '' OR user_name = ?2)`,
			nanos(seenBefore), user, int64(math.MinInt64)))
		return err
	})
	if err != nil {
		return 0, err
	}
	return int(n), nil
}
