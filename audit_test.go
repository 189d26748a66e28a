package ciphergram

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func chain(n int) []*AuditEntry {
	var es []*AuditEntry
	prev := GenesisHash
	for i := 1; i <= n; i++ {
		a := Audit{Time: time.Unix(int64(i), 0), Actor: "clerk", Action: "page.claimed", Subject: fmt.Sprintf("page %d", i)}
		e := &AuditEntry{Seq: int64(i), Audit: a, Prev: prev, Hash: ChainHash(prev, int64(i), a)}
		es = append(es, e)
		prev = e.Hash
	}
	return es
}

func TestVerifyChain(t *testing.T) {
	clone := func(es []*AuditEntry) []*AuditEntry {
		out := make([]*AuditEntry, len(es))
		for i, e := range es {
			c := *e
			out[i] = &c
		}
		return out
	}
	good := chain(5)
	head := good[4].Hash
	tests := []struct {
		name   string
		mutate func([]*AuditEntry) ([]*AuditEntry, []byte)
		want   string
	}{
		{"OK", func(es []*AuditEntry) ([]*AuditEntry, []byte) { return es, head }, ""},
		{"OKNoHead", func(es []*AuditEntry) ([]*AuditEntry, []byte) { return es, nil }, ""},
		{"ErrEdited", func(es []*AuditEntry) ([]*AuditEntry, []byte) { es[2].Detail = "nothing happened"; return es, head }, "entry 3 (page.claimed page 3 by clerk): its contents were changed"},
		{"ErrEditedTime", func(es []*AuditEntry) ([]*AuditEntry, []byte) {
			es[1].Time = es[1].Time.Add(time.Nanosecond)
			return es, head
		}, "entry 2"},
		{"ErrDeleted", func(es []*AuditEntry) ([]*AuditEntry, []byte) { return append(es[:2], es[3:]...), head }, "audit entry 3: found sequence number 4"},
		{"ErrDeletedAndRenumbered", func(es []*AuditEntry) ([]*AuditEntry, []byte) {
			es = append(es[:2], es[3:]...)
			es[2].Seq, es[3].Seq = 3, 4
			return es, head
		}, "audit entry 3: its link to entry 2 is broken"},
		{"ErrReordered", func(es []*AuditEntry) ([]*AuditEntry, []byte) { es[1], es[2] = es[2], es[1]; return es, head }, "found sequence number 3"},
		{"ErrTruncated", func(es []*AuditEntry) ([]*AuditEntry, []byte) { return es[:4], head }, "entries were removed from the end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es, h := tt.mutate(clone(good))
			err := VerifyChain(es, h)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("VerifyChain = %v, want %q", err, tt.want)
			}
			if ErrorCode(err) != EINVALID {
				t.Fatalf("code %q", ErrorCode(err))
			}
		})
	}
}

func TestErrorCode(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", Errorf(ECONFLICT, "page %d used", 3))
	if ErrorCode(err) != ECONFLICT || ErrorMessage(err) != "page 3 used" {
		t.Fatalf("%q %q", ErrorCode(err), ErrorMessage(err))
	}
	plain := fmt.Errorf("disk on fire")
	if ErrorCode(plain) != EINTERNAL || ErrorMessage(plain) != "internal error" {
		t.Fatalf("%q %q", ErrorCode(plain), ErrorMessage(plain))
	}
	if ErrorCode(nil) != "" {
		t.Fatal("nil has a code")
	}
}
