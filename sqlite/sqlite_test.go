package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"ciphergram"
	"ciphergram/sqlite"
	"ciphergram/storetest"
)

// harness gives the conformance suite a fresh database file per test.
func harness() storetest.Harness {
	return storetest.Harness{
		Open: func(ctx context.Context, dsn string) (ciphergram.Store, error) {
			return sqlite.Open(ctx, dsn)
		},
		NewDSN: func(t *testing.T) string { return filepath.Join(t.TempDir(), "office.db") },
	}
}

// TestMain lets storetest start the test binary as the child process of its
// crash test.
func TestMain(m *testing.M) { storetest.Main(m, harness()) }

// TestStore runs the conformance suite of ciphergram.Store.
func TestStore(t *testing.T) { storetest.Run(t, harness()) }
