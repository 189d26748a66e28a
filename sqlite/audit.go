package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"ciphergram"
)

// checkAudit refuses an audit entry whose time cannot be hashed: ChainHash
// hashes the time in Unix nanoseconds, which the zero time and times before
// 1678 or after 2262 do not have.
func checkAudit(a ciphergram.Audit) error {
	if a.Time.IsZero() {
		return ciphergram.Errorf(ciphergram.EINVALID, "audit entry %s %q has no time", a.Action, a.Subject)
	}
	return checkTimes(a.Time)
}

// appendAudit appends the entries to the log, in order, each chained to
// the one before and the first to the head, in one statement; the trigger
// audit_advance_head moves the head row by row.
func appendAudit(ctx context.Context, tx *wtx, as ...ciphergram.Audit) error {
	var seq int64
	var prev []byte
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head`).Scan(&seq, &prev); err != nil {
		return err
	}
	args := make([]any, 0, 8*len(as))
	for _, a := range as {
		seq++
		hash := ciphergram.ChainHash(prev, seq, a)
		args = append(args, seq, a.Time.UnixNano(), a.Actor, a.Action, a.Subject, a.Detail, prev, hash)
		prev = hash
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO audit (seq, time, actor, action, subject, detail, prev, hash) VALUES `+
		strings.Repeat(", (?, ?, ?, ?, ?, ?, ?, ?)", len(as))[2:], args...)
	return err
}

// Record appends an audit entry for an act that changes nothing else.
func (s *Store) Record(ctx context.Context, a ciphergram.Audit) error {
	return s.write(ctx, "Record", a, func(*wtx) error { return nil })
}

// AuditLog returns the whole log in sequence order and the recorded head,
// read in one transaction so that they agree. The head of an empty log is
// ciphergram.GenesisHash.
func (s *Store) AuditLog(ctx context.Context) ([]*ciphergram.AuditEntry, []byte, error) {
	var es []*ciphergram.AuditEntry
	var head []byte
	err := s.read(ctx, "AuditLog", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT seq, time, actor, action, subject, detail, prev, hash FROM audit ORDER BY seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e := &ciphergram.AuditEntry{}
			err := rows.Scan(&e.Seq, intoTime(&e.Time), &e.Actor, &e.Action, &e.Subject, &e.Detail, &e.Prev, &e.Hash)
			if err != nil {
				return err
			}
			es = append(es, e)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT hash FROM audit_head`).Scan(&head)
	})
	if err != nil {
		return nil, nil, err
	}
	return es, head, nil
}
