package office_test

import (
	"context"
	"fmt"
	"testing"

	"ciphergram"
	"ciphergram/office"
)

// TestAccessRules tries every guarded act as every role: the role and
// need-to-know rules of the office, as a table.
func TestAccessRules(t *testing.T) {
	ctx := context.Background()
	p := newPair(t, 20)
	c := p.centre
	clerk := actor(t, c, "clerk")
	in, err := c.Receive(ctx, clerk, office.Receipt{Wire: p.send(t, "VADIM reports.")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Decipher(ctx, clerk, in.ID); err != nil {
		t.Fatal(err)
	}
	cp, err := c.IssueCopy(ctx, actor(t, c, "archivist"), in.ID, "reader")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddCryptonym(ctx, actor(t, c, "archivist"), &ciphergram.Cryptonym{Cover: "VADIM", TrueName: "Anatoly Gorsky", Kind: ciphergram.KindOfficer}); err != nil {
		t.Fatal(err)
	}
	n := 0
	acts := map[string]func(u *ciphergram.User) error{
		"compose": func(u *ciphergram.User) error {
			_, err := c.Compose(ctx, u, office.Draft{To: "LONDON", Text: "Reply."})
			return err
		},
		"add user": func(u *ciphergram.User) error {
			n++
			return c.AddUser(ctx, u, &ciphergram.User{Name: fmt.Sprintf("new%d", n), Role: ciphergram.RoleReader})
		},
		"issue pad": func(u *ciphergram.User) error {
			n++
			_, err := c.IssuePad(ctx, u, fmt.Sprintf("CEN-LON-%d", n), "CENTRE", "LONDON", 1, 60)
			return err
		},
		"read registry": func(u *ciphergram.User) error { _, err := c.Telegram(ctx, u, in.ID); return err },
		"issue copy": func(u *ciphergram.User) error {
			_, err := c.IssueCopy(ctx, u, in.ID, "reader2")
			return err
		},
		"read copy":       func(u *ciphergram.User) error { _, err := c.ReadCopy(ctx, u, cp.ID); return err },
		"list cryptonyms": func(u *ciphergram.User) error { _, err := c.Cryptonyms(ctx, u); return err },
		"verify audit":    func(u *ciphergram.User) error { _, err := c.VerifyAudit(ctx, u); return err },
		"decipher":        func(u *ciphergram.User) error { _, err := c.Decipher(ctx, u, in.ID); return err },
	}
	F, N, OK := ciphergram.EFORBIDDEN, ciphergram.ENOTFOUND, ""
	// decipher of an already registered telegram is a conflict for those
	// allowed to decipher at all.
	C := ciphergram.ECONFLICT
	want := map[string]map[string]string{
		//                 admin officer clerk archivist reader reader2 analyst
		"compose":         {"admin": OK, "officer": OK, "clerk": F, "archivist": F, "reader": F, "reader2": F, "analyst": F},
		"add user":        {"admin": OK, "officer": F, "clerk": F, "archivist": F, "reader": F, "reader2": F, "analyst": F},
		"issue pad":       {"admin": OK, "officer": F, "clerk": OK, "archivist": F, "reader": F, "reader2": F, "analyst": F},
		"read registry":   {"admin": OK, "officer": N, "clerk": OK, "archivist": OK, "reader": N, "reader2": N, "analyst": N},
		"issue copy":      {"admin": OK, "officer": F, "clerk": F, "archivist": OK, "reader": F, "reader2": F, "analyst": F},
		"read copy":       {"admin": OK, "officer": N, "clerk": N, "archivist": OK, "reader": OK, "reader2": N, "analyst": N},
		"list cryptonyms": {"admin": OK, "officer": OK, "clerk": OK, "archivist": OK, "reader": OK, "reader2": OK, "analyst": F},
		"verify audit":    {"admin": OK, "officer": F, "clerk": F, "archivist": F, "reader": F, "reader2": F, "analyst": F},
		"decipher":        {"admin": C, "officer": F, "clerk": C, "archivist": F, "reader": F, "reader2": F, "analyst": F},
	}
	for act, byRole := range want {
		for name, code := range byRole {
			t.Run(act+"/"+name, func(t *testing.T) {
				err := acts[act](actor(t, c, name))
				if got := ciphergram.ErrorCode(err); got != code {
					t.Fatalf("%s as %s: %v (code %q), want code %q", act, name, err, got, code)
				}
			})
		}
	}
	// True names only for the cleared.
	for name, cleared := range map[string]bool{"archivist": true, "reader": false} {
		cs, err := c.Cryptonyms(ctx, actor(t, c, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := cs[0].TrueName != ""; got != cleared {
			t.Errorf("%s sees true name %q", name, cs[0].TrueName)
		}
	}
}
