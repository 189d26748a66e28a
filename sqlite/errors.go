package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"ciphergram"
)

// fault passes application errors through and wraps any other error as an
// internal fault of op. Constraint failures that a method did not expect
// and map itself become EINVALID when they are about the values given (a
// CHECK or NOT NULL) and ECONFLICT when a trigger refused the change; the
// messages SQLite gives for those name columns and rules, never values.
func fault(op string, err error) error {
	var e *ciphergram.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &e):
		return err
	}
	switch constraint(err) {
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		return ciphergram.Errorf(ciphergram.EINVALID, "%s: %v", op, err)
	case sqlite3.SQLITE_CONSTRAINT_TRIGGER:
		return ciphergram.Errorf(ciphergram.ECONFLICT, "%s: %v", op, err)
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// constraint returns the extended result code of a constraint failure
// (SQLITE_CONSTRAINT_UNIQUE, ...), or 0 for any other error.
func constraint(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_CONSTRAINT {
		return e.Code()
	}
	return 0
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY failure.
func isUnique(err error) bool {
	c := constraint(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// conflict returns ECONFLICT with the message when err is a UNIQUE or
// PRIMARY KEY failure, and err otherwise.
func conflict(err error, format string, args ...any) error {
	if isUnique(err) {
		return ciphergram.Errorf(ciphergram.ECONFLICT, format, args...)
	}
	return err
}

// affected returns the number of rows a statement changed.
func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// notFound returns ENOTFOUND with the message when err is sql.ErrNoRows,
// and err otherwise.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ciphergram.Errorf(ciphergram.ENOTFOUND, format, args...)
	}
	return err
}
