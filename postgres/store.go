// Package postgres implements ciphergram.Store on PostgreSQL through pgx
// (github.com/jackc/pgx/v5) and its connection pool. One database, or one
// schema of it chosen by the search_path of the DSN, holds one office.
//
// Every method is one transaction at READ COMMITTED. Concurrency rests on
// row locks, not on a process-wide writer:
//   - a claim takes its pages with SELECT ... FOR UPDATE SKIP LOCKED, so
//     that concurrent claimers (in this process or others) take different
//     pages without waiting for one another; a claim that finds too few
//     pages that way waits for the claims in flight and looks again
//     before it says EEXHAUSTED;
//   - a yearly counter gives its numbers with INSERT ... ON CONFLICT DO
//     UPDATE ... RETURNING on the counter's row, whose lock holds other
//     numberers until the transaction ends;
//   - the audit log's head is one row (audit_head) that each transaction
//     locks FOR UPDATE as its last lock, just before it appends its entry
//     and commits; so appends are serialized and chained in commit order,
//     and no transaction waits for another lock while it holds the head,
//     which keeps the lock order free of cycles.
//
// Each connection runs with synchronous_commit = on (a startup parameter,
// which overrides any per-role or per-database setting), so that a method
// returns only once its commit is flushed to the WAL: a claim is durable
// before any ciphertext made with its pages leaves.
//
// The schema is brought up to date at Open by the embedded migrations,
// applied under a session-level advisory lock, so that several processes
// can open the same database at once. Single use of a page, the
// append-only audit log and the other rules of the office are enforced by
// constraints and triggers (see migrations/), not only by this code.
//
// Key material (pad digits) is kept apart from the pages' records, sealed
// under a data key of each pad that the office key wraps (vault.go), and
// deleted when a page is used; the data key is erased with the pad's last
// unused page. See destroy in pages.go for what is and is not guaranteed
// about the bytes left on disk. Digits and keys never appear in an error or
// a log line; errors of the server are passed on without their DETAIL,
// which can quote a row's values.
//
// Where the ciphergram.Store contract leaves a choice, this store takes the
// same one as package sqlite. Domain times are timestamptz, kept to the
// microsecond; audit times, and the times the store sets itself from them
// (Telegram.Created, PadInfo.Imported, Destruction.Time: the time of the
// act, a.Time), are Unix nanoseconds, kept exactly. An audit entry without
// a time, or with a time outside 1678-2262, is EINVALID, as is a domain
// time timestamptz cannot hold and text PostgreSQL cannot store (a NUL
// byte, invalid UTF-8).
package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"ciphergram"
	"ciphergram/vault"
)

// defaultMaxConns bounds the pool when the DSN does not (pool_max_conns):
// writes serialize on the audit head anyway, and a few connections let
// reads and the work of a transaction before its append run beside them.
const defaultMaxConns = 8

// maxAttempts is how often a transaction is tried when the server breaks it
// off for a deadlock or a serialization failure, which roll it back whole.
const maxAttempts = 5

// defaultParams are session settings that the DSN may override. A
// transaction of this store never waits for its client for long, so one
// idle for a minute belongs to a client that is stuck, or cut off without
// the server noticing; ending it frees the locks it holds, the audit head
// among them, which every write needs.
var defaultParams = map[string]string{
	"application_name":                    "ciphergram",
	"idle_in_transaction_session_timeout": "60s",
}

// rollbackTimeout bounds the rollback of a transaction whose context ended.
const rollbackTimeout = 5 * time.Second

// Store is a ciphergram.Store on a PostgreSQL database. It is safe for
// concurrent use, also with other processes that have the same database
// open.
type Store struct {
	pool *pgxpool.Pool
	// fold is the collation whose lower() folds the letter case of any
	// script, for TelegramFilter.Search: ICU's root locale where the
	// server has ICU, the database's default otherwise.
	fold string
	// keys holds the office key (vault.go) while the store is open, and
	// destroys it at Close if the store made it.
	keys vault.Holder
	// rotateMu lets one rotation of the store run at a time.
	rotateMu sync.Mutex
	// rotateHook, set by tests, runs at each step of a rotation
	// (vault_rotate.go).
	rotateHook func(step string) error
}

var _ ciphergram.Store = (*Store)(nil)

// Open connects to the database at dsn (a postgres:// URL or key=value
// connection string; pool_max_conns sets the pool size, 8 by default; a
// search_path parameter selects the schema), checks the server's settings,
// brings the schema up to date and unlocks it with the office key that an
// Option names: without one it is EINVALID. A key that is not the
// database's is refused with an error that wraps vault.ErrWrongKey.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	var src vault.Source
	for _, opt := range opts {
		opt(&src)
	}
	if src.Key == nil && src.File == "" && src.Passphrase == nil {
		return nil, ciphergram.Errorf(ciphergram.EINVALID, "postgres: an office key is required (a key, a key file or a passphrase)")
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgconn's parse errors do not repeat a password.
		return nil, ciphergram.Errorf(ciphergram.EINVALID, "postgres: %v", err)
	}
	if !dsnSetsMaxConns(dsn) {
		cfg.MaxConns = defaultMaxConns
	}
	params := cfg.ConnConfig.RuntimeParams
	params["synchronous_commit"] = "on"
	for k, v := range defaultParams {
		if params[k] == "" {
			params[k] = v
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{pool: pool}
	err = s.checkServer(ctx)
	if err == nil {
		err = s.migrate(ctx, src)
	}
	if err != nil {
		pool.Close()
		s.keys.Close()
		return nil, fmt.Errorf("postgres: opening %s/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Database, sanitize(err))
	}
	return s, nil
}

// dsnSetsMaxConns reports whether the DSN names a pool size itself.
func dsnSetsMaxConns(dsn string) bool {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return false
	}
	_, ok := cfg.RuntimeParams["pool_max_conns"]
	return ok
}

// checkServer makes sure the settings the guarantees rest on took effect:
// synchronous commits, a UTF-8 database (audit hashes are over UTF-8
// bytes, and the server checks them), and a schema to work in. It also
// chooses the collation of case-insensitive search.
func (s *Store) checkServer(ctx context.Context) error {
	var syncCommit, encoding string
	var schema *string
	var icu bool
	err := s.pool.QueryRow(ctx, `SELECT current_setting('synchronous_commit'), current_setting('server_encoding'),
			current_schema(), EXISTS (SELECT FROM pg_collation WHERE collname = 'und-x-icu')`).
		Scan(&syncCommit, &encoding, &schema, &icu)
	switch {
	case err != nil:
		return err
	case syncCommit != "on":
		return fmt.Errorf("synchronous_commit is %s, want on", syncCommit)
	case encoding != "UTF8":
		return fmt.Errorf("the database's encoding is %s, want UTF8", encoding)
	case schema == nil:
		return errors.New("the search_path names no schema that exists")
	}
	s.fold = "default"
	if icu {
		s.fold = "und-x-icu"
	}
	return nil
}

// Close closes the pool's connections, once every connection in use has
// been given back.
func (s *Store) Close() error {
	s.pool.Close()
	s.keys.Close()
	return nil
}

// write runs fn in one transaction, appends a to the audit log in the same
// transaction and commits. Errors of fn that are *ciphergram.Error pass
// unchanged; others are mapped by fault.
func (s *Store) write(ctx context.Context, op string, a ciphergram.Audit, fn func(tx pgx.Tx) error) error {
	if err := checkAudit(a); err != nil {
		return err
	}
	return s.transact(ctx, op, &a, fn)
}

// change is write for the methods that record no act (sessions, delivery
// attempts): the same transaction, without an audit entry.
func (s *Store) change(ctx context.Context, op string, fn func(tx pgx.Tx) error) error {
	return s.transact(ctx, op, nil, fn)
}

// transact runs fn in a READ COMMITTED transaction and, when a is not nil,
// appends *a to the audit log in it, then commits. A transaction that the
// server broke off for a deadlock or a serialization failure was rolled
// back whole and is run again from the start (fn must set its results
// anew each time).
func (s *Store) transact(ctx context.Context, op string, a *ciphergram.Audit, fn func(tx pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.transactOnce(ctx, a, fn)
		if err != nil && retryable(err) && attempt < maxAttempts && ctx.Err() == nil {
			continue
		}
		return fault(op, err)
	}
}

func (s *Store) transactOnce(ctx context.Context, a *ciphergram.Audit, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return err
	}
	defer rollback(ctx, tx)
	if err := fn(tx); err != nil {
		return err
	}
	if a != nil {
		if err := appendAudit(ctx, tx, *a); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// rollback ends tx if it is still open, also when ctx is done.
func rollback(ctx context.Context, tx pgx.Tx) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	_ = tx.Rollback(ctx) // ErrTxClosed after a commit; a failed rollback closes the connection
}

// read runs fn in a read-only REPEATABLE READ transaction: one consistent
// view of the database, which does not hold up writers.
func (s *Store) read(ctx context.Context, op string, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fault(op, err)
	}
	defer rollback(ctx, tx)
	if err := fn(tx); err != nil {
		return fault(op, err)
	}
	return fault(op, tx.Commit(ctx))
}

// collect reads every row of rows with scan, and closes rows.
func collect[T any](rows pgx.Rows, err error, scan func(pgx.Row) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
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
