package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"ciphergram"
	"ciphergram/sqlite"
	"ciphergram/storetest"
	"ciphergram/vault"
)

// harness gives the conformance suite a fresh database file per test. Its
// office key is the default one: the key file beside the database, made
// with it.
func harness() storetest.Harness {
	return storetest.Harness{
		Open: func(ctx context.Context, dsn string) (ciphergram.Store, error) {
			return sqlite.Open(ctx, dsn)
		},
		OpenWithKey: func(ctx context.Context, dsn string, key *vault.Key) (ciphergram.Store, error) {
			return sqlite.Open(ctx, dsn, sqlite.WithKey(key))
		},
		Stored: stored,
		NewDSN: func(t *testing.T) string { return filepath.Join(t.TempDir(), "office.db") },
	}
}

// stored reads a pad's key material from the database file as it is.
func stored(ctx context.Context, path, id string) ([]byte, map[int][]byte, error) {
	db, err := sql.Open("sqlite", sqlite.DSN(path))
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	var wrapped []byte
	if err := db.QueryRowContext(ctx, `SELECT wrapped_key FROM pads WHERE id = ?`, id).Scan(&wrapped); err != nil {
		return nil, nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT d.number, d.digits FROM page_digits d JOIN pads p ON p.seq = d.pad WHERE p.id = ?`, id)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	digits := map[int][]byte{}
	for rows.Next() {
		var n int
		var b []byte
		if err := rows.Scan(&n, &b); err != nil {
			return nil, nil, err
		}
		digits[n] = b
	}
	return wrapped, digits, rows.Err()
}

// TestMain lets storetest start the test binary as the child process of its
// crash test.
func TestMain(m *testing.M) { storetest.Main(m, harness()) }

// TestStore runs the conformance suite of ciphergram.Store.
func TestStore(t *testing.T) { storetest.Run(t, harness()) }
