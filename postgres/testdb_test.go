package postgres

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvTestDSN names the variable that holds the DSN of the PostgreSQL server
// the tests use, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
// The tests are skipped when it is unset. The role needs to create and
// drop schemas in that database.
const EnvTestDSN = "CIPHERGRAM_TEST_POSTGRES"

// Each test works in a schema of its own, selected by the search_path of
// its DSN: a fresh, empty database for the store that outlives Close and
// that a child process can open too. testMaxConns is the pool size of
// each store the tests open, and testSlots bounds the schemas in use at
// once, so that parallel tests (each opening up to two stores, and the
// crash test a child process) stay well within the server's
// max_connections (100 by default) whatever -parallel is.
const (
	testMaxConns = 4
	testSlots    = 6
)

var slots = make(chan struct{}, testSlots)

// NewTestDSN creates an empty schema for one test or benchmark and returns
// the DSN that selects it; the schema is dropped when the test ends. It
// skips the test when EnvTestDSN is unset.
func NewTestDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvTestDSN)
	if base == "" {
		t.Skipf("%s is not set: no PostgreSQL server to test with", EnvTestDSN)
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
	if err := adminExec(base, `CREATE SCHEMA `+schema); err != nil {
		release()
		t.Fatalf("creating schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		defer release()
		if err := adminExec(base, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	dsn, err := withParams(base, map[string]string{"search_path": schema, "pool_max_conns": fmt.Sprint(testMaxConns)})
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// adminExec runs one statement on a connection of its own to the server.
func adminExec(dsn, sql string) error {
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

// withParams adds parameters to a DSN, a URL or a key=value string.
func withParams(dsn string, params map[string]string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("%s: %w", EnvTestDSN, err)
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
