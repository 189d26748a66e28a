package main

import (
	"context"
	"errors"

	"ciphergram"
)

// openPostgres opens a PostgreSQL store (issue: the postgres package).
func openPostgres(ctx context.Context, dsn string) (ciphergram.Store, error) {
	return nil, &hintError{errors.New("PostgreSQL is not built into this version"), "use a SQLite file for --db"}
}
