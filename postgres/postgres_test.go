package postgres_test

import (
	"ciphergram/internal/pgtest"
	"context"
	"testing"

	"ciphergram"
	"ciphergram/postgres"
	"ciphergram/storetest"
)

// harness gives the conformance suite a fresh schema per test on the
// server named by CIPHERGRAM_TEST_POSTGRES; without it the tests skip.
func harness() storetest.Harness {
	return storetest.Harness{
		Open: func(ctx context.Context, dsn string) (ciphergram.Store, error) {
			return postgres.Open(ctx, dsn)
		},
		NewDSN: func(t *testing.T) string { return pgtest.NewDSN(t) },
	}
}

// TestMain lets storetest start the test binary as the child process of its
// crash test.
func TestMain(m *testing.M) { storetest.Main(m, harness()) }

// TestStore runs the conformance suite of ciphergram.Store.
func TestStore(t *testing.T) { storetest.Run(t, harness()) }
