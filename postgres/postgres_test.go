package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"ciphergram"
	"ciphergram/internal/pgtest"
	"ciphergram/postgres"
	"ciphergram/storetest"
	"ciphergram/vault"
)

// harness gives the conformance suite a fresh schema per test on the
// server named by CIPHERGRAM_TEST_POSTGRES; without it the tests skip. Its
// office key is pgtest.Key, the same in the crash test's child process.
func harness() storetest.Harness {
	return storetest.Harness{
		Open: func(ctx context.Context, dsn string) (ciphergram.Store, error) {
			return postgres.Open(ctx, dsn, postgres.WithKey(pgtest.Key()))
		},
		OpenWithKey: func(ctx context.Context, dsn string, key *vault.Key) (ciphergram.Store, error) {
			return postgres.Open(ctx, dsn, postgres.WithKey(key))
		},
		Stored: stored,
		NewDSN: func(t *testing.T) string { return pgtest.NewDSN(t) },
	}
}

// stored reads a pad's key material from the database as it is.
func stored(ctx context.Context, dsn, id string) ([]byte, map[int][]byte, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	defer pool.Close()
	var wrapped []byte
	if err := pool.QueryRow(ctx, `SELECT wrapped_key FROM pads WHERE id = $1`, id).Scan(&wrapped); err != nil {
		return nil, nil, err
	}
	rows, err := pool.Query(ctx, `SELECT d.number, d.digits FROM page_digits d JOIN pads p ON p.seq = d.pad WHERE p.id = $1`, id)
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
