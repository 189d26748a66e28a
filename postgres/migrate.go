package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"ciphergram/vault"
)

// migrationFS holds the schema as numbered SQL files, applied in order.
// They are PostgreSQL's own: no SQL text is shared with package sqlite.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one numbered SQL file.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the embedded migrations in version order (fs.Glob
// returns names sorted, and the names begin with a zero-padded version).
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if err != nil || v != len(ms)+1 {
			return nil, fmt.Errorf("migration %s: want version %d first in its name", base, len(ms)+1)
		}
		b, err := migrationFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	return ms, nil
}

// migrateLockClass is the first key of the advisory lock that serializes
// migrations; the second is a hash of the schema's name, so that offices in
// different schemas of one database migrate independently.
const migrateLockClass = 0x43475231 // "CGR1"

// migrate brings the schema up to date on one connection that holds a
// session-level advisory lock throughout, so that processes opening the
// same database at once apply each migration once: the others wait for
// the lock, then find the migrations recorded. Each migration runs in a
// transaction of its own (DDL is transactional) that records it in
// schema_migrations. A database migrated by a newer program, with versions
// this one does not know, or with other migrations under the same numbers,
// is refused. Still under the lock, it unlocks the store with the office
// key src names (vault.go).
func (s *Store) migrate(ctx context.Context, src vault.Source) (err error) {
	ms, err := migrations()
	if err != nil {
		return err
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	const key = `$1::integer, hashtext(current_schema())`
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+key+`)`, migrateLockClass); err != nil {
		return fmt.Errorf("taking the migration lock: %w", err)
	}
	defer func() {
		var unlocked bool
		uerr := conn.QueryRow(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+key+`)`, migrateLockClass).Scan(&unlocked)
		if uerr != nil || !unlocked {
			// Never give the pool a connection that may still hold the
			// lock: closing it releases the lock.
			conn.Conn().Close(context.WithoutCancel(ctx))
			if err == nil {
				err = fmt.Errorf("releasing the migration lock: %v", uerr)
			}
		}
	}()

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer     PRIMARY KEY,
		name    text        NOT NULL,
		applied timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("creating schema_migrations: %w", err)
	}
	applied, err := appliedMigrations(ctx, conn)
	if err != nil {
		return fmt.Errorf("reading schema_migrations: %w", err)
	}
	if len(applied) > len(ms) {
		return fmt.Errorf("the database has schema version %d, newer than this program's %d", len(applied), len(ms))
	}
	for i, name := range applied {
		if name != ms[i].name {
			return fmt.Errorf("the database's migration %d is %s, not %s", i+1, name, ms[i].name)
		}
	}
	for _, m := range ms[len(applied):] {
		if err := apply(ctx, conn, m); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return s.unlock(ctx, conn, src)
}

// appliedMigrations lists the names of the migrations applied, by version;
// a gap in the versions is an error.
func appliedMigrations(ctx context.Context, conn *pgxpool.Conn) ([]string, error) {
	rows, err := conn.Query(ctx, `SELECT version, name FROM schema_migrations ORDER BY version`)
	type row struct {
		version int
		name    string
	}
	rs, err := collect(rows, err, func(r pgx.Row) (row, error) {
		var x row
		return x, r.Scan(&x.version, &x.name)
	})
	if err != nil {
		return nil, err
	}
	names := make([]string, len(rs))
	for i, r := range rs {
		if r.version != i+1 {
			return nil, fmt.Errorf("version %d is recorded, but not version %d", r.version, i+1)
		}
		names[i] = r.name
	}
	return names, nil
}

// apply runs one migration and records it, in one transaction.
func apply(ctx context.Context, conn *pgxpool.Conn, m migration) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer rollback(ctx, tx)
	if _, err := tx.Exec(ctx, m.sql); err != nil { // no arguments: the simple protocol, several statements
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
