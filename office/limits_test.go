package office_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"ciphergram"
	"ciphergram/office"
)

// TestSizeLimits hands every field an office takes from people one byte
// more than its limit: each is refused as invalid, naming the field and the
// limit, and nothing is stored (the audit log does not move). At the limit
// the size alone is no reason to refuse.
func TestSizeLimits(t *testing.T) {
	ctx := context.Background()
	p := newPair(t, 5)
	c := p.centre
	admin, archivist, clerk := actor(t, c, "admin"), actor(t, c, "archivist"), actor(t, c, "clerk")
	officer := actor(t, p.london, "officer")
	in, err := c.Receive(ctx, clerk, office.Receipt{Wire: p.send(t, "VADIM reports.")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Decipher(ctx, clerk, in.ID); err != nil {
		t.Fatal(err)
	}
	over := func(n int) string { return strings.Repeat("A", n+1) }
	cases := []struct {
		name, field string
		limit       int
		try         func() error
	}{
		{"user name", "user name", office.MaxNameBytes, func() error {
			return c.AddUser(ctx, admin, &ciphergram.User{Name: over(office.MaxNameBytes), Role: ciphergram.RoleReader})
		}},
		{"officer's cover", "cover name", office.MaxNameBytes, func() error {
			return c.AddUser(ctx, admin, &ciphergram.User{Name: "x", Role: ciphergram.RoleOfficer, Cover: over(office.MaxNameBytes)})
		}},
		{"cryptonym", "cover name", office.MaxNameBytes, func() error {
			return c.AddCryptonym(ctx, archivist, &ciphergram.Cryptonym{Cover: over(office.MaxNameBytes), Kind: ciphergram.KindAgent})
		}},
		{"true name", "true name", office.MaxLineBytes, func() error {
			return c.AddCryptonym(ctx, archivist, &ciphergram.Cryptonym{Cover: "LIST", TrueName: over(office.MaxLineBytes), Kind: ciphergram.KindAgent})
		}},
		{"peer URL", "peer URL", office.MaxLineBytes, func() error {
			return c.RouteLink(ctx, admin, "LONDON", "https://"+over(office.MaxLineBytes), "")
		}},
		{"link credential", "link credential", office.MaxLineBytes, func() error {
			return c.RouteLink(ctx, admin, "LONDON", "", over(office.MaxLineBytes))
		}},
		{"telegram text", "text", office.MaxTextBytes, func() error {
			_, err := p.london.Compose(ctx, officer, office.Draft{To: "CENTRE", Text: over(office.MaxTextBytes)})
			return err
		}},
		{"caveat", "caveat", office.MaxLineBytes, func() error {
			_, err := p.london.Compose(ctx, officer, office.Draft{To: "CENTRE", Text: "Reply.", Caveat: over(office.MaxLineBytes)})
			return err
		}},
		{"wire", "wire", office.MaxWireBytes, func() error {
			_, err := c.Arrive(ctx, clerk, office.Receipt{Wire: over(office.MaxWireBytes)})
			return err
		}},
		{"pad ID", "pad ID", office.MaxNameBytes, func() error {
			_, err := c.IssuePad(ctx, clerk, over(office.MaxNameBytes), "CENTRE", "LONDON", 1, 60)
			return err
		}},
		{"release notes", "note", office.MaxListLen, func() error {
			_, err := c.Release(ctx, archivist, in.ID, office.ReleaseRequest{Notes: make([]string, office.MaxListLen+1)})
			return err
		}},
		{"a release note", "note 1", office.MaxNoteBytes, func() error {
			_, err := c.Release(ctx, archivist, in.ID, office.ReleaseRequest{Notes: []string{over(office.MaxNoteBytes)}})
			return err
		}},
		{"pad file", "pad file", 0, func() error {
			_, err := c.ImportPad(ctx, clerk, bytes.NewReader(make([]byte, 17<<20)), "a long transport passphrase")
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, err := c.VerifyAudit(ctx, admin)
			if err != nil {
				t.Fatal(err)
			}
			err = tc.try()
			if ciphergram.ErrorCode(err) != ciphergram.EINVALID || !strings.HasPrefix(ciphergram.ErrorMessage(err), tc.field) {
				t.Fatalf("%v (code %q), want an invalid %s", err, ciphergram.ErrorCode(err), tc.field)
			}
			if tc.limit > 0 && tc.limit != office.MaxListLen && !strings.Contains(err.Error(), "at most") {
				t.Errorf("%v: the limit is not named", err)
			}
			after, err := c.VerifyAudit(ctx, admin)
			if err != nil {
				t.Fatal(err)
			}
			if after != before {
				t.Errorf("the audit log moved from %d to %d entries: something was stored", before, after)
			}
		})
	}
	// A refusal quotes no more than a line of what it refused.
	_, err = c.ImportPad(ctx, clerk, strings.NewReader(strings.Repeat("x", 1<<20)), "a long transport passphrase")
	if ciphergram.ErrorCode(err) != ciphergram.EINVALID || len(err.Error()) > ciphergram.MaxMessageBytes {
		t.Errorf("a malformed pad file of 1 MiB: code %q, a message of %d bytes", ciphergram.ErrorCode(err), len(err.Error()))
	}
	long := strings.Repeat("x", office.MaxWireBytes-10)
	_, err = c.Arrive(ctx, clerk, office.Receipt{Wire: long})
	if ciphergram.ErrorCode(err) != ciphergram.EINVALID || len(err.Error()) > ciphergram.MaxMessageBytes {
		t.Errorf("a malformed wire of 1 MiB: code %q, a message of %d bytes", ciphergram.ErrorCode(err), len(err.Error()))
	}
	_, err = p.london.Compose(ctx, officer, office.Draft{To: "CENTRE", Text: "§" + strings.Repeat("x", office.MaxTextBytes-10)})
	if ciphergram.ErrorCode(err) != ciphergram.EINVALID || len(err.Error()) > ciphergram.MaxMessageBytes {
		t.Errorf("a text that cannot be encoded: code %q, a message of %d bytes", ciphergram.ErrorCode(err), len(err.Error()))
	}
	// At the limit, size is no reason to refuse.
	if err := c.AddUser(ctx, admin, &ciphergram.User{Name: strings.Repeat("a", office.MaxNameBytes), Role: ciphergram.RoleReader}); err != nil {
		t.Errorf("a user name of %d bytes: %v", office.MaxNameBytes, err)
	}
}
