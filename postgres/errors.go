package postgres

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"ciphergram"
)

// SQLSTATE codes the store tells apart.
const (
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeExclusionViolation   = "23P01"
	codeCheckViolation       = "23514"
	codeNotNullViolation     = "23502"
	codeRaiseException       = "P0001" // RAISE EXCEPTION in a trigger: a rule of the schema refused the change
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	classDataException       = "22" // a value the column's type cannot hold: out of range, NUL byte, bad encoding
)

// fault passes application errors through and maps any other error.
// Constraint failures that a method did not expect and map itself become
// ECONFLICT when the act collides with the stored state (a unique, foreign
// key or exclusion constraint, or a trigger that refused the change) and
// EINVALID when they are about the values given (a CHECK, a NOT NULL, a
// value the type cannot hold); anything else is an internal fault of op.
// The messages of the server name columns, constraints and rules; the
// DETAIL, which can quote values, is dropped (see sanitize).
func fault(op string, err error) error {
	var e *ciphergram.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &e):
		return err
	}
	code := sqlState(err)
	switch {
	case code == codeUniqueViolation, code == codeForeignKeyViolation, code == codeExclusionViolation,
		code == codeRaiseException:
		return ciphergram.Errorf(ciphergram.ECONFLICT, "%s: %s", op, pgMessage(err))
	case code == codeCheckViolation, code == codeNotNullViolation, strings.HasPrefix(code, classDataException):
		return ciphergram.Errorf(ciphergram.EINVALID, "%s: %s", op, pgMessage(err))
	}
	return fmt.Errorf("postgres: %s: %w", op, sanitize(err))
}

// sqlState returns the SQLSTATE of a server error, or "".
func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// pgMessage is the primary message of a server error.
func pgMessage(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Message
	}
	return err.Error()
}

// sanitize replaces a server error in err's chain by one without the
// fields that can quote data (DETAIL, HINT, WHERE, the internal query), so
// that no value of a row, key material included, travels on in an error.
// Other errors pass unchanged.
func sanitize(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	return &pgconn.PgError{
		Severity:            pe.Severity,
		SeverityUnlocalized: pe.SeverityUnlocalized,
		Code:                pe.Code,
		Message:             pe.Message,
		SchemaName:          pe.SchemaName,
		TableName:           pe.TableName,
		ColumnName:          pe.ColumnName,
		DataTypeName:        pe.DataTypeName,
		ConstraintName:      pe.ConstraintName,
	}
}

// retryable reports whether the server broke the transaction off in a way
// that rolled it back whole and that a new attempt can get past.
func retryable(err error) bool {
	code := sqlState(err)
	return code == codeSerializationFailure || code == codeDeadlockDetected
}

// isUnique reports whether err is a unique violation.
func isUnique(err error) bool { return sqlState(err) == codeUniqueViolation }

// conflict returns ECONFLICT with the message when err is a unique
// violation, and err otherwise.
func conflict(err error, format string, args ...any) error {
	if isUnique(err) {
		return ciphergram.Errorf(ciphergram.ECONFLICT, format, args...)
	}
	return err
}

// notFound returns ENOTFOUND with the message when err is pgx.ErrNoRows,
// and err otherwise.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return ciphergram.Errorf(ciphergram.ENOTFOUND, format, args...)
	}
	return err
}
