// Package sqlite implements ciphergram.Store on SQLite through
// modernc.org/sqlite (pure Go, no cgo). One file holds one office.
//
// Every method is one transaction. Writes are BEGIN IMMEDIATE (set in the
// DSN), so that they take the database's single write lock at once and
// serialize: within a process they queue on a semaphore, across processes
// on SQLite's busy timeout. Reads are plain queries or, where they need one
// consistent view, deferred read transactions, which WAL lets run beside a
// writer. Every pragma is in the DSN so that each pooled connection has it.
//
// Key material (pad digits) is kept apart from the pages' records and
// deleted when a page is used; see destroy in pages.go for what is and is
// not guaranteed about the bytes left on disk. Digits never appear in an
// error or a log line.
//
// Where the ciphergram.Store contract leaves a choice, this store takes the
// stricter one, documented on each method: indicators must be unique among
// the unused pages of a link and direction; RegisterIncoming takes only
// pages of incoming pads of the telegram's link; SetCounter refuses to set
// a counter where it would give a number twice; the times the store sets
// (Telegram.Created, PadInfo.Imported, Destruction.Time) are the time of
// the act, a.Time, so that a scenario clock holds throughout; an audit
// entry without a time, or any time outside 1678-2262, is EINVALID.
// Transport (migration 0005) adds: a session needs an existing user; a
// delivery naming an unknown telegram is ENOTFOUND; SendTelegram saves t
// only in state sent (EINVALID otherwise); an acknowledged delivery is
// final, so that DeliveryFailed on it is ECONFLICT; a received part, once
// assembled into a telegram, stays with it. TelegramFilter.Search folds
// letter case in Go (any script), not with SQLite's ASCII-only LIKE.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"ciphergram"
)

// pragmas go into the DSN, so that every connection of the pool gets them.
//   - _txlock=immediate: a write transaction takes the write lock at BEGIN,
//     so two claims can never read the same unused page;
//   - synchronous(FULL): a claim is on disk when the commit returns, before
//     any ciphertext made with its pages leaves;
//   - secure_delete(ON): freed content is overwritten with zeros;
//   - journal_size_limit(0): the WAL file is cut back whenever it restarts,
//     so that old frames (old page images, digits among them) do not linger
//     at its end;
//   - temp_store(MEMORY): statement journals and temporary tables, which can
//     hold old page images, stay out of temporary files;
//   - recursive_triggers(1): an INSERT OR REPLACE fires the delete triggers
//     that keep used pages and audit entries, instead of slipping past them.
const pragmas = "_txlock=immediate" +
	"&_pragma=busy_timeout(10000)" +
	"&_pragma=journal_mode(WAL)" +
	"&_pragma=synchronous(FULL)" +
	"&_pragma=foreign_keys(1)" +
	"&_pragma=secure_delete(ON)" +
	"&_pragma=journal_size_limit(0)" +
	"&_pragma=temp_store(MEMORY)" +
	"&_pragma=recursive_triggers(1)"

// busyTimeoutMillis is the busy_timeout of the DSN, restored after a
// checkpoint that ran without one.
const busyTimeoutMillis = 10000

// maxConns bounds the pool: one writer at a time and a few readers, which
// WAL runs beside the writer.
const maxConns = 4

// Store is a ciphergram.Store on one SQLite database file. It is safe for
// concurrent use, also with other processes that have the same file open.
type Store struct {
	db     *sql.DB
	writer chan struct{} // holds a token while this process writes
}

var _ ciphergram.Store = (*Store)(nil)

// Open opens the database file at path, creating it if needed, and brings
// its schema up to date. path is a file name: ":memory:" and names with a
// "?" are refused, since each pooled connection would see a database of its
// own or the DSN would be misread.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || path == ":memory:" || strings.ContainsRune(path, '?') {
		return nil, ciphergram.Errorf(ciphergram.EINVALID, "sqlite: %q is not a database file name", path)
	}
	if registerErr != nil {
		return nil, fmt.Errorf("sqlite: registering %s: %w", containsFunc, registerErr)
	}
	db, err := sql.Open("sqlite", path+"?"+pragmas)
	if err != nil {
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	s := &Store{db: db, writer: make(chan struct{}, 1)}
	err = s.checkPragmas(ctx)
	if err == nil {
		err = s.migrate(ctx)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	return s, nil
}

// checkPragmas makes sure the settings the guarantees rest on took effect.
func (s *Store) checkPragmas(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, p := range []struct{ name, want string }{
		{"journal_mode", "wal"}, {"synchronous", "2"}, {"foreign_keys", "1"}, {"secure_delete", "1"},
	} {
		var got string
		if err := conn.QueryRowContext(ctx, "PRAGMA "+p.name).Scan(&got); err != nil {
			return err
		}
		if got != p.want {
			return fmt.Errorf("PRAGMA %s is %s, want %s", p.name, got, p.want)
		}
	}
	return nil
}

// Close tries once more to clear the WAL of old page images, then closes
// the database. SQLite also checkpoints and removes the WAL when the last
// connection of all processes closes.
func (s *Store) Close() error {
	if conn, err := s.db.Conn(context.Background()); err == nil {
		scrubWAL(context.Background(), conn)
		conn.Close()
	}
	return s.db.Close()
}

// wtx is a write transaction. destroyed records that it deleted key
// material, so that the WAL is checkpointed after the commit.
type wtx struct {
	*sql.Tx
	destroyed bool
}

// write runs fn in one IMMEDIATE transaction, appends a to the audit log in
// the same transaction and commits. Errors of fn that are *ciphergram.Error
// pass unchanged; others are wrapped as internal faults of op. When fn
// destroyed key material, the WAL is checkpointed after the commit.
func (s *Store) write(ctx context.Context, op string, a ciphergram.Audit, fn func(tx *wtx) error) error {
	if err := checkAudit(a); err != nil {
		return err
	}
	return s.transact(ctx, op, &a, fn)
}

// change is write for the methods that record no act (sessions, delivery
// attempts): the same transaction, without an audit entry.
func (s *Store) change(ctx context.Context, op string, fn func(tx *wtx) error) error {
	return s.transact(ctx, op, nil, fn)
}

// transact runs fn in one IMMEDIATE transaction and, when a is not nil,
// appends *a to the audit log in it, then commits.
func (s *Store) transact(ctx context.Context, op string, a *ciphergram.Audit, fn func(tx *wtx) error) error {
	select {
	case s.writer <- struct{}{}:
		defer func() { <-s.writer }()
	case <-ctx.Done():
		return fault(op, ctx.Err())
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fault(op, err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fault(op, err)
	}
	defer tx.Rollback()
	w := &wtx{Tx: tx}
	if err := fn(w); err != nil {
		return fault(op, err)
	}
	if a != nil {
		if err := appendAudit(ctx, tx, *a); err != nil {
			return fault(op, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fault(op, err)
	}
	if w.destroyed {
		scrubWAL(context.WithoutCancel(ctx), conn)
	}
	return nil
}

// read runs fn in a read transaction: one consistent view of the database,
// which does not hold up writers.
func (s *Store) read(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fault(op, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return fault(op, err)
	}
	return fault(op, tx.Commit())
}

// scrubWAL checkpoints the WAL into the database file and truncates it, so
// that the frames holding pages as they were before digits were deleted
// leave the WAL. It is best effort: it does not wait for other connections
// (busy_timeout 0) and ignores a checkpoint they hold up. Such a checkpoint
// still copies what it can; the frames left go when a later checkpoint
// restarts the WAL, which journal_size_limit(0) then truncates.
func scrubWAL(ctx context.Context, conn *sql.Conn) {
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		return
	}
	var busy, logFrames, checkpointed int
	_ = conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &checkpointed)
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", busyTimeoutMillis)); err != nil {
		// Never hand a connection without a busy timeout back to the pool.
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// collect reads every row of rows with scan, and closes rows.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
