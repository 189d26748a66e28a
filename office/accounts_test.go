package office

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ciphergram"
	"ciphergram/sqlite"
)

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("hash %q: want argon2id in PHC format", h)
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse batterY": false, "": false} {
		if got := CheckPassword(h, pw); got != want {
			t.Errorf("CheckPassword(%q) = %t", pw, got)
		}
	}
	for _, bad := range []string{"", "$argon2id$v=19$m=65536,t=3,p=2$", "$argon2i$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA", h[:len(h)-3] + "!!!"} {
		if CheckPassword(bad, "correct horse battery") {
			t.Errorf("CheckPassword accepted the malformed hash %q", bad)
		}
	}
	if _, err := HashPassword("short"); ciphergram.ErrorCode(err) != ciphergram.EINVALID {
		t.Errorf("a short password: %v", err)
	}
}

// TestSessionTimeouts: a session ends after the idle timeout and after the
// absolute timeout, and when the user's password changes.
func TestSessionTimeouts(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "o.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := New(st)
	if err := s.Init(ctx, "LONDON", false, "admin"); err != nil {
		t.Fatal(err)
	}
	admin, _ := s.Actor(ctx, "admin")
	if err := s.SetPassword(ctx, admin, "admin", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Login(ctx, "admin", "wrong horse battery"); ciphergram.ErrorCode(err) != ciphergram.EUNAUTHORIZED {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := s.Login(ctx, "nobody", "correct horse battery"); ciphergram.ErrorCode(err) != ciphergram.EUNAUTHORIZED {
		t.Fatalf("unknown user: %v", err)
	}
	u, err := s.Login(ctx, "admin", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	start := func(created, seen time.Time) string {
		tok, err := s.StartSession(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		st.DeleteSession(ctx, sessionID(tok))
		if err := st.CreateSession(ctx, &ciphergram.Session{ID: sessionID(tok), User: u.Name, Created: created, Seen: seen}); err != nil {
			t.Fatal(err)
		}
		return tok
	}
	now := time.Now()
	for name, c := range map[string]struct {
		created, seen time.Time
		ok            bool
	}{
		"fresh":         {now.Add(-time.Hour), now.Add(-time.Minute), true},
		"idle":          {now.Add(-time.Hour), now.Add(-IdleTimeout - time.Minute), false},
		"absolute":      {now.Add(-AbsoluteTimeout - time.Minute), now.Add(-time.Minute), false},
		"touched-later": {now.Add(-2 * time.Hour), now.Add(-IdleTimeout + 2*time.Minute), true},
	} {
		tok := start(c.created, c.seen)
		_, err := s.SessionUser(ctx, tok)
		if (err == nil) != c.ok {
			t.Errorf("%s: %v, want ok=%t", name, err, c.ok)
		}
		if !c.ok {
			if _, err := st.Session(ctx, sessionID(tok)); ciphergram.ErrorCode(err) != ciphergram.ENOTFOUND {
				t.Errorf("%s: the expired session is still stored: %v", name, err)
			}
		}
	}
	tok := start(now, now)
	if err := s.SetPassword(ctx, admin, "admin", "another horse battery"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionUser(ctx, tok); ciphergram.ErrorCode(err) != ciphergram.EUNAUTHORIZED {
		t.Errorf("after a password change the session lives on: %v", err)
	}
	if _, err := s.SessionUser(ctx, "forged token"); ciphergram.ErrorCode(err) != ciphergram.EUNAUTHORIZED {
		t.Errorf("a forged token: %v", err)
	}
}
