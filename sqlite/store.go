// Package sqlite implements ciphergram.Store on SQLite through
// modernc.org/sqlite (pure Go, no cgo). One file holds one office.
//
// Every write is one request of a transaction. Transactions are BEGIN
// IMMEDIATE (set in the DSN), so that they take the database's single write
// lock at once and serialize; across processes they queue on SQLite's busy
// timeout. Within a process the writes that wait while a transaction
// commits are committed together, each in a savepoint of its own, with one
// fsync (group commit, commit.go): each is still all or nothing, and its
// caller returns only once it is on disk. Reads are plain queries or, where
// they need one consistent view, deferred read transactions, which WAL lets
// run beside a writer. Statements are prepared once and kept. Every pragma
// is in the DSN so that each pooled connection has it.
//
// Key material (pad digits) is kept apart from the pages' records, sealed
// under a data key of each pad that the office key wraps (vault.go), and
// deleted when a page is used; the data key is erased with the pad's last
// unused page. See destroy in pages.go for what is and is not guaranteed
// about the bytes left on disk. Digits and keys never appear in an error or
// a log line.
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
	"fmt"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"ciphergram"
	"ciphergram/vault"
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

// DSN is the data source name the store opens the database file at path
// with: the driver name is "sqlite" and every pragma above is in it. It is
// for tools that measure a plain database beside the store under the same
// settings (ciphergram bench); the store itself is opened with Open.
func DSN(path string) string { return path + "?" + pragmas }

// driverName is the database/sql driver the store opens files with. The
// fault tests (faults_test.go) put a driver that fails on command in front
// of it.
var driverName = "sqlite"

// busyTimeoutMillis is the busy_timeout of the DSN, restored after a
// checkpoint that ran without one.
const busyTimeoutMillis = 10000

// maxConns bounds the pool: one writer at a time and a few readers, which
// WAL runs beside the writer.
const maxConns = 4

// Store is a ciphergram.Store on one SQLite database file. It is safe for
// concurrent use, also with other processes that have the same file open.
type Store struct {
	db    *sql.DB
	stmts stmtCache

	// The group commit (commit.go) and the scrubbing of the WAL (scrub.go).
	mu         sync.Mutex
	idle       sync.Cond  // signalled when no batch runs
	queue      []*request // writes waiting, in order
	leading    bool       // a caller runs batches
	closed     bool
	scrubDelay time.Duration
	scrubTimer *time.Timer // set while a scrub is due
	stats      commitStats

	// keys holds the office key (vault.go) while the store is open, and
	// destroys it at Close if the store made it.
	keys vault.Holder
	// rotateHook, set by tests, runs at each step of a rotation
	// (vault_rotate.go).
	rotateHook func(step string) error
}

var _ ciphergram.Store = (*Store)(nil)

// Open opens the database file at path, creating it if needed, brings its
// schema up to date and unlocks it with the office key (see Option; by
// default the key file KeyFile(path) beside it, created with a new
// database). A key that is not the database's is refused with an error
// that wraps vault.ErrWrongKey. path is a file name: ":memory:" and names
// with a "?" are refused, since each pooled connection would see a
// database of its own or the DSN would be misread.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	if path == "" || path == ":memory:" || strings.ContainsRune(path, '?') {
		return nil, ciphergram.Errorf(ciphergram.EINVALID, "sqlite: %q is not a database file name", path)
	}
	var src vault.Source
	for _, opt := range opts {
		opt(&src)
	}
	if src.Key == nil && src.File == "" && src.Passphrase == nil {
		src.File = KeyFile(path)
	}
	if registerErr != nil {
		return nil, fmt.Errorf("sqlite: registering %s: %w", containsFunc, registerErr)
	}
	db, err := sql.Open(driverName, DSN(path))
	if err != nil {
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	s := &Store{db: db, stmts: stmtCache{db: db}, scrubDelay: ScrubDelay}
	s.idle.L = &s.mu
	err = s.checkPragmas(ctx)
	if err == nil {
		err = s.migrate(ctx)
	}
	if err == nil {
		err = s.unlock(ctx, src)
	}
	if err != nil {
		db.Close()
		s.keys.Close()
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	s.scrubWAL() // what a process that died before its scrub left
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

// Close waits for the writes under way, refuses new ones, tries once more
// to clear the WAL of old page images, then closes the database. SQLite
// also checkpoints and removes the WAL when the last connection of all
// processes closes.
func (s *Store) Close() error {
	s.mu.Lock()
	s.closed = true
	for s.leading {
		s.idle.Wait()
	}
	if s.scrubTimer != nil {
		s.scrubTimer.Stop()
		s.scrubTimer = nil
	}
	s.mu.Unlock()
	s.scrubWAL()
	s.stmts.close()
	err := s.db.Close()
	s.keys.Close()
	return err
}

// write runs fn in one IMMEDIATE transaction, appends a to the audit log in
// the same transaction and commits (see transact). Errors of fn that are
// *ciphergram.Error pass unchanged; others are wrapped as internal faults
// of op. When fn destroyed key material, the WAL is scrubbed after the
// commit (see scrub.go).
func (s *Store) write(ctx context.Context, op string, a ciphergram.Audit, fn func(tx *wtx) error) error {
	return s.writeAudits(ctx, op, []ciphergram.Audit{a}, fn)
}

// writeAudits is write for an act recorded in several audit entries,
// appended in order.
func (s *Store) writeAudits(ctx context.Context, op string, as []ciphergram.Audit, fn func(tx *wtx) error) error {
	for _, a := range as {
		if err := checkAudit(a); err != nil {
			return err
		}
	}
	return s.transact(ctx, op, as, fn)
}

// change is write for the methods that record no act (sessions, delivery
// attempts): the same transaction, without an audit entry.
func (s *Store) change(ctx context.Context, op string, fn func(tx *wtx) error) error {
	return s.transact(ctx, op, nil, fn)
}

// queryRow runs a query of one row outside any transaction, with a
// statement prepared once (for the reads of every request).
func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := s.stmts.get(ctx, query)
	if err != nil {
		return s.db.QueryRowContext(ctx, query, args...) // reports the error from Scan
	}
	return st.QueryRowContext(ctx, args...)
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
