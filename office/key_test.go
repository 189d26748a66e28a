package office_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ciphergram"
	"ciphergram/office"
	"ciphergram/sqlite"
	"ciphergram/vault"
)

// TestRotateKey: only an admin rotates the office key; a rotation in place
// leaves the database under the new key in the same key file, keeps the
// pages working, and is audited without the key; the old key is refused.
func TestRotateKey(t *testing.T) {
	ctx := context.Background()
	p := newPair(t, 5)
	st := p.london.Store().(office.KeyRotator)
	file := st.OfficeKeyFile()
	old, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}

	for _, name := range []string{"clerk", "officer", "archivist", "reader", "analyst"} {
		_, err := p.london.RotateKey(ctx, actor(t, p.london, name), vault.Source{})
		if ciphergram.ErrorCode(err) != ciphergram.EFORBIDDEN {
			t.Errorf("%s rotated: %v, want EFORBIDDEN", name, err)
		}
	}
	if now, _ := os.ReadFile(file); string(now) != string(old) {
		t.Fatal("a refused rotation changed the key file")
	}

	r, err := p.london.RotateKey(ctx, actor(t, p.london, "admin"), vault.Source{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Rewrapped != 1 || r.KeyFile != file || r.OldFile != "" {
		t.Errorf("rotated: %+v, want 1 key rewrapped into %s", r, file)
	}
	now, err := os.ReadFile(file)
	if err != nil || string(now) == string(old) {
		t.Fatalf("the key file was not replaced (%v)", err)
	}
	// The pages still encipher, and the Centre still reads them.
	wire := p.send(t, "AGENT LIST REPORTS.")
	cclerk := actor(t, p.centre, "clerk")
	in, err := p.centre.Receive(ctx, cclerk, office.Receipt{Wire: wire})
	if err == nil {
		in, err = p.centre.Decipher(ctx, cclerk, in.ID)
	}
	if err != nil || in.State != ciphergram.StateRegistered {
		t.Errorf("a telegram enciphered after the rotation, deciphered at the Centre: %v", err)
	}
	entries, _, err := p.london.AuditLog(ctx, actor(t, p.london, "admin"))
	if err != nil {
		t.Fatal(err)
	}
	last := entries[len(entries)-1]
	for _, e := range entries {
		if e.Action == "office_key.rotated" {
			last = e
		}
	}
	if last.Action != "office_key.rotated" || last.Actor != "admin" || !strings.Contains(last.Detail, file) {
		t.Errorf("audit entry %+v, want office_key.rotated by admin naming %s", last, file)
	}
	if strings.Contains(last.Detail, strings.Fields(string(now))[len(strings.Fields(string(now)))-1]) {
		t.Error("the audit entry quotes the new key")
	}

	// The old key no longer opens the database; the new one does.
	path := strings.TrimSuffix(file, ".key")
	oldFile := filepath.Join(t.TempDir(), "old.key")
	if err := os.WriteFile(oldFile, old, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.Open(ctx, path, sqlite.WithKeyFile(oldFile)); !errors.Is(err, vault.ErrWrongKey) {
		t.Errorf("opened with the old key: %v, want vault.ErrWrongKey", err)
	}
}

// TestRotateKeyPassphrase: an office under a passphrase has no key file to
// put a new key in: a rotation that names no new key is a conflict, and
// one to a new passphrase works.
func TestRotateKeyPassphrase(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "p.db"), sqlite.WithPassphrase([]byte("an office passphrase")))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := office.New(st)
	if err := svc.Init(ctx, "LONDON", false, "admin"); err != nil {
		t.Fatal(err)
	}
	admin := actor(t, svc, "admin")
	if _, err := svc.RotateKey(ctx, admin, vault.Source{}); ciphergram.ErrorCode(err) != ciphergram.ECONFLICT {
		t.Errorf("rotation to no new key under a passphrase: %v, want ECONFLICT", err)
	}
	r, err := svc.RotateKey(ctx, admin, vault.Source{Passphrase: []byte("another office passphrase")})
	if err != nil {
		t.Fatal(err)
	}
	if r.KeyFile != "" || r.OldFile != "" {
		t.Errorf("rotated to a passphrase: %+v, want no key file", r)
	}
}
