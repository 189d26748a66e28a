package ciphergram

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"
)

// ChainHash is the hash of audit entry seq given the previous entry's hash:
// SHA-256 over prev, seq, the time in Unix nanoseconds and each text field
// length-prefixed, so that no two different entries hash alike.
func ChainHash(prev []byte, seq int64, a Audit) []byte {
	h := sha256.New()
	h.Write(prev)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(seq))
	h.Write(n[:])
	binary.BigEndian.PutUint64(n[:], uint64(a.Time.UnixNano()))
	h.Write(n[:])
	for _, s := range []string{a.Actor, a.Action, a.Subject, a.Detail} {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	return h.Sum(nil)
}

// GenesisHash is the Prev of the first audit entry.
var GenesisHash = make([]byte, sha256.Size)

// VerifyChain checks a whole audit log, in the order the store returns it:
// sequence numbers 1, 2, 3, ... without gap, each entry's Prev the hash of
// the one before, each Hash recomputed from the entry. head, when not nil,
// is the hash the store recorded as the last one, so that entries cut off
// the end are noticed too. It names the first entry that fails.
func VerifyChain(entries []*AuditEntry, head []byte) error {
	prev := GenesisHash
	for i, e := range entries {
		want := int64(i + 1)
		switch {
		case e.Seq != want:
			return Errorf(EINVALID, "audit entry %d: found sequence number %d: an entry was deleted or reordered", want, e.Seq)
		case !bytes.Equal(e.Prev, prev):
			return Errorf(EINVALID, "audit entry %d: its link to entry %d is broken: an entry was deleted, inserted or reordered", e.Seq, e.Seq-1)
		case !bytes.Equal(e.Hash, ChainHash(prev, e.Seq, e.Audit)):
			return Errorf(EINVALID, "audit entry %d (%s %s by %s): its contents were changed after it was written", e.Seq, e.Action, e.Subject, e.Actor)
		}
		prev = e.Hash
	}
	if head != nil && !bytes.Equal(head, prev) {
		return Errorf(EINVALID, "the audit log ends at entry %d but the recorded head does not match it: entries were removed from the end", len(entries))
	}
	return nil
}

// String is a one-line rendering for listings.
func (e *AuditEntry) String() string {
	return fmt.Sprintf("%6d %s %-10s %-20s %s %s", e.Seq, e.Time.UTC().Format(time.DateTime), e.Actor, e.Action, e.Subject, e.Detail)
}
