// Package pgtest gives tests and benchmarks a fresh, empty PostgreSQL
// schema of their own on the server CIPHERGRAM_TEST_POSTGRES names, and
// skips them when it is unset.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"ciphergram/vault"
)

// Env names the variable that holds the DSN of the PostgreSQL server
// the tests use, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
// The tests are skipped when it is unset. The role needs to create and
// drop schemas in that database.
const Env = "CIPHERGRAM_TEST_POSTGRES"

// Each test works in a schema of its own, selected by the search_path of
// its DSN: a fresh, empty database for the store that outlives Close and
// that a child process can open too. MaxConns is the pool size of
// each store the tests open, and slotCount bounds the schemas in use at
// once, so that parallel tests (each opening up to two stores, and the
// crash test a child process) stay well within the server's
// max_connections (100 by default) whatever -parallel is.
const (
	MaxConns  = 4
	slotCount = 6
)

var slots = make(chan struct{}, slotCount)

// NewDSN creates an empty schema for one test or benchmark and returns
// the DSN that selects it; the schema is dropped when the test ends. It
// skips the test when Env is unset.
func NewDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		t.Skipf("%s is not set: no PostgreSQL server to test with", Env)
	}
	slots <- struct{}{}
	released := false
	release := func() {
		if !released {
			released = true
			<-slots
		}
	}
	schema := "ciphergram_test_" + strings.ToLower(rand.Text()[:16])
	if err := AdminExec(base, `CREATE SCHEMA `+schema); err != nil {
		release()
		t.Fatalf("creating schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		defer release()
		if err := AdminExec(base, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	dsn, err := WithParams(base, map[string]string{"search_path": schema, "pool_max_conns": fmt.Sprint(MaxConns)})
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// AdminExec runs one statement on a connection of its own to the server.
func AdminExec(dsn, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// WithParams adds parameters to a DSN, a URL or a key=value string.
func WithParams(dsn string, params map[string]string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("%s: %w", Env, err)
		}
		q := u.Query()
		for k, v := range params {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	for k, v := range params {
		dsn += fmt.Sprintf(" %s='%s'", k, v)
	}
	return dsn, nil
}

// Key returns the office key of the tests' stores: a fixed key, the same in
// every process, so that a child process (the crash test) opens a schema
// its parent made. It seals nothing but test pads.
func Key() *vault.Key {
	b := sha256.Sum256([]byte("ciphergram test office key: never for real pads"))
	k, err := vault.KeyFromBytes(b[:])
	if err != nil {
		panic(err)
	}
	return k
}
