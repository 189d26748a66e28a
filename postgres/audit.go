package postgres

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"ciphergram"
)

// appendAudit appends a to the log, chained to the head, in one statement:
// it locks the head (FOR UPDATE), so that appends are serialized until the
// transaction ends (the caller takes no other lock after it), and chains
// the entry with the hash the schema computes (audit_chain_hash). The
// trigger audit_extends_chain checks the sequence number, the link and the
// hash again, and audit_advance_head moves the head. Before the commit the
// entry is checked against ciphergram.ChainHash, the hash VerifyChain
// recomputes: a schema that hashed otherwise would fail here, not in an
// audit. One statement keeps the head locked for one round trip and the
// commit only.
func appendAudit(ctx context.Context, tx pgx.Tx, a ciphergram.Audit) error {
	var seq int64
	var prev, hash []byte
	err := tx.QueryRow(ctx, `INSERT INTO audit (seq, time_ns, actor, action, subject, detail, prev, hash)
		SELECT h.seq + 1, $1, $2, $3, $4, $5, h.hash, audit_chain_hash(h.hash, h.seq + 1, $1, $2, $3, $4, $5)
		FROM audit_head h WHERE h.id = 1 FOR UPDATE
		RETURNING seq, prev, hash`,
		a.Time.UnixNano(), a.Actor, a.Action, a.Subject, a.Detail).Scan(&seq, &prev, &hash)
	if err != nil {
		return err
	}
	if !bytes.Equal(hash, ciphergram.ChainHash(prev, seq, a)) {
		return fmt.Errorf("audit entry %d: the schema's chain hash is not ciphergram.ChainHash", seq)
	}
	return nil
}

// Record appends an audit entry for an act that changes nothing else.
func (s *Store) Record(ctx context.Context, a ciphergram.Audit) error {
	return s.write(ctx, "Record", a, func(pgx.Tx) error { return nil })
}

// AuditLog returns the whole log in sequence order and the recorded head,
// read in one snapshot so that they agree. The head of an empty log is
// ciphergram.GenesisHash.
func (s *Store) AuditLog(ctx context.Context) ([]*ciphergram.AuditEntry, []byte, error) {
	var es []*ciphergram.AuditEntry
	var head []byte
	err := s.read(ctx, "AuditLog", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT seq, time_ns, actor, action, subject, detail, prev, hash FROM audit ORDER BY seq`)
		es, err = collect(rows, err, func(r pgx.Row) (*ciphergram.AuditEntry, error) {
			e := &ciphergram.AuditEntry{}
			var ns int64
			err := r.Scan(&e.Seq, &ns, &e.Actor, &e.Action, &e.Subject, &e.Detail, &e.Prev, &e.Hash)
			e.Time = time.Unix(0, ns).UTC()
			return e, err
		})
		if err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT hash FROM audit_head WHERE id = 1`).Scan(&head)
	})
	if err != nil {
		return nil, nil, err
	}
	return es, head, nil
}
