package main

import (
	"context"
	"fmt"

	"ciphergram"
	"ciphergram/postgres"
)

// openPostgres opens a PostgreSQL store: a Centre that outgrows one
// machine, served by several processes against one database. The options
// name its office key.
func openPostgres(ctx context.Context, dsn string, opts ...postgres.Option) (ciphergram.Store, error) {
	st, err := postgres.Open(ctx, dsn, opts...)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", redactDSN(dsn), err)
	}
	return st, nil
}
