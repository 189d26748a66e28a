package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"ciphergram"
	"ciphergram/cipher"
)

// sessionID is a session ID as the server makes them: the hex SHA-256 of a
// token.
func sessionID(n int) string { return fmt.Sprintf("%064x", n) }

// checkSession compares the stored session with want, times as instants.
func checkSession(t *testing.T, e *env, want *ciphergram.Session) {
	t.Helper()
	got, err := e.st.Session(e.ctx, want.ID)
	must(t, "Session", err)
	if got.ID != want.ID || got.User != want.User || !got.Created.Equal(want.Created) || !got.Seen.Equal(want.Seen) {
		t.Errorf("Session = %+v, want %+v", *got, *want)
	}
}

// checkSessions checks which of the sessions exist still.
func checkSessions(t *testing.T, e *env, ss []*ciphergram.Session, alive ...int) {
	t.Helper()
	for i, s := range ss {
		_, err := e.st.Session(e.ctx, s.ID)
		switch {
		case slices.Contains(alive, i):
			if err != nil {
				t.Errorf("session %d (%s, seen %v): %v, want it kept", i, s.User, s.Seen, err)
			}
		default:
			wantCode(t, fmt.Sprintf("Session %d (%s, seen %v), ended", i, s.User, s.Seen), err, ciphergram.ENOTFOUND)
		}
	}
}

func testSessions(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	clerk := &ciphergram.User{Name: "clerk", Role: ciphergram.RoleClerk, Created: day(9, 5)}
	must(t, "CreateUser", e.st.CreateUser(e.ctx, clerk, e.audit("user.created")))
	entries := len(checkChain(t, e))

	s := &ciphergram.Session{ID: sessionID(1), User: "clerk", Created: day(10, 0), Seen: day(10, 0)}
	must(t, "CreateSession", e.st.CreateSession(e.ctx, s))
	checkSession(t, e, s)
	dup := &ciphergram.Session{ID: s.ID, User: "admin", Created: day(10, 1), Seen: day(10, 1)}
	wantCode(t, "CreateSession with a taken ID", e.st.CreateSession(e.ctx, dup), ciphergram.ECONFLICT)
	checkSession(t, e, s)
	_, err := e.st.Session(e.ctx, sessionID(99))
	wantCode(t, "Session of an unknown ID", err, ciphergram.ENOTFOUND)

	s.Seen = day(10, 30)
	must(t, "TouchSession", e.st.TouchSession(e.ctx, s.ID, s.Seen))
	checkSession(t, e, s)
	s.Seen = day(10, 45)
	must(t, "TouchSession again", e.st.TouchSession(e.ctx, s.ID, s.Seen))
	checkSession(t, e, s)
	wantCode(t, "TouchSession of an unknown ID", e.st.TouchSession(e.ctx, sessionID(99), day(11, 0)), ciphergram.ENOTFOUND)
	_, err = e.st.Session(e.ctx, sessionID(99))
	wantCode(t, "Session touched but unknown", err, ciphergram.ENOTFOUND)

	must(t, "DeleteSession", e.st.DeleteSession(e.ctx, s.ID))
	_, err = e.st.Session(e.ctx, s.ID)
	wantCode(t, "Session ended", err, ciphergram.ENOTFOUND)
	must(t, "DeleteSession ended already", e.st.DeleteSession(e.ctx, s.ID))
	must(t, "DeleteSession of an unknown ID", e.st.DeleteSession(e.ctx, sessionID(99)))
	wantCode(t, "TouchSession of an ended session", e.st.TouchSession(e.ctx, s.ID, day(11, 0)), ciphergram.ENOTFOUND)
	// The ID of an ended session is free again.
	must(t, "CreateSession with an ended session's ID", e.st.CreateSession(e.ctx, dup))
	checkSession(t, e, dup)
	must(t, "DeleteSession", e.st.DeleteSession(e.ctx, dup.ID))

	if got := checkChain(t, e); len(got) != entries {
		t.Errorf("sessions added %d audit entries, want none: they record no act", len(got)-entries)
	}
}

func testDeleteSessions(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	clerk := &ciphergram.User{Name: "clerk", Role: ciphergram.RoleClerk, Created: day(9, 5)}
	must(t, "CreateUser", e.st.CreateUser(e.ctx, clerk, e.audit("user.created")))
	ss := []*ciphergram.Session{
		{User: "clerk", Created: day(8, 0), Seen: day(10, 0)},
		{User: "clerk", Created: day(8, 0), Seen: day(11, 0)},
		{User: "admin", Created: day(8, 0), Seen: day(10, 0)},
		{User: "admin", Created: day(8, 0), Seen: day(12, 0)},
		{User: "clerk", Created: day(8, 0), Seen: day(13, 0)},
		{User: "admin", Created: day(8, 0), Seen: day(9, 0)},
	}
	for i, s := range ss {
		s.ID = sessionID(i + 1)
		must(t, "CreateSession", e.st.CreateSession(e.ctx, s))
	}
	// The idle ones, of everyone: seen before 10:00 is session 5 only
	// (strictly before: seen at 10:00 is not).
	n, err := e.st.DeleteSessions(e.ctx, "", day(10, 0))
	must(t, "DeleteSessions of everyone", err)
	if n != 1 {
		t.Errorf("DeleteSessions before 10:00 ended %d sessions, want 1", n)
	}
	checkSessions(t, e, ss, 0, 1, 2, 3, 4)

	// One user's: the clerk's seen before 12:00.
	n, err = e.st.DeleteSessions(e.ctx, "clerk", day(12, 0))
	must(t, "DeleteSessions of the clerk", err)
	if n != 2 {
		t.Errorf("DeleteSessions of the clerk before 12:00 ended %d sessions, want 2", n)
	}
	checkSessions(t, e, ss, 2, 3, 4)

	// Touching keeps a session from ending.
	must(t, "TouchSession", e.st.TouchSession(e.ctx, ss[2].ID, day(14, 0)))
	n, err = e.st.DeleteSessions(e.ctx, "", day(13, 30))
	must(t, "DeleteSessions of everyone", err)
	if n != 2 {
		t.Errorf("DeleteSessions before 13:30 ended %d sessions, want 2", n)
	}
	checkSessions(t, e, ss, 2)

	n, err = e.st.DeleteSessions(e.ctx, "nobody", day(23, 0))
	must(t, "DeleteSessions of an unknown user", err)
	if n != 0 {
		t.Errorf("DeleteSessions of an unknown user ended %d sessions", n)
	}
	// Signing a user out everywhere.
	n, err = e.st.DeleteSessions(e.ctx, "admin", time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC))
	must(t, "DeleteSessions of the admin", err)
	if n != 1 {
		t.Errorf("DeleteSessions of the admin ended %d sessions, want 1", n)
	}
	checkSessions(t, e, ss)
}

func testSetPassword(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	clerk := &ciphergram.User{Name: "clerk", Role: ciphergram.RoleClerk, PasswordHash: "$argon2id$v=19$old", Created: day(9, 5)}
	must(t, "CreateUser", e.st.CreateUser(e.ctx, clerk, e.audit("user.created")))
	admin, err := e.st.User(e.ctx, "admin")
	must(t, "User admin", err)

	a := e.audit("user.password_set")
	must(t, "SetPassword", e.st.SetPassword(e.ctx, "clerk", "$argon2id$v=19$new", a))
	clerk.PasswordHash = "$argon2id$v=19$new"
	got, err := e.st.User(e.ctx, "clerk")
	must(t, "User clerk", err)
	checkUser(t, got, clerk)
	got, err = e.st.User(e.ctx, "admin")
	must(t, "User admin", err)
	checkUser(t, got, admin)
	checkLastAudit(t, e, a)

	refused := e.audit("user.password_set")
	wantCode(t, "SetPassword of an unknown user", e.st.SetPassword(e.ctx, "nobody", "x", refused), ciphergram.ENOTFOUND)
	checkLastAudit(t, e, a)
	_, err = e.st.User(e.ctx, "nobody")
	wantCode(t, "User after SetPassword of an unknown user", err, ciphergram.ENOTFOUND)
}

func testSetClearance(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	reader := &ciphergram.User{Name: "reader", Role: ciphergram.RoleReader, Clearance: ciphergram.Secret, Created: day(9, 5)}
	must(t, "CreateUser", e.st.CreateUser(e.ctx, reader, e.audit("user.created")))
	plain := &ciphergram.User{Name: "plain", Role: ciphergram.RoleReader, Created: day(9, 6)}
	must(t, "CreateUser without a clearance", e.st.CreateUser(e.ctx, plain, e.audit("user.created")))
	if plain.Clearance != ciphergram.TopSecret {
		t.Errorf("CreateUser without a clearance set it to %q, want TOP SECRET", plain.Clearance)
	}
	got, err := e.st.User(e.ctx, "reader")
	must(t, "User reader", err)
	checkUser(t, got, reader)

	a := e.audit("user.clearance_set")
	must(t, "SetClearance", e.st.SetClearance(e.ctx, "reader", ciphergram.Confidential, a))
	reader.Clearance = ciphergram.Confidential
	got, err = e.st.User(e.ctx, "reader")
	must(t, "User reader", err)
	checkUser(t, got, reader)
	checkLastAudit(t, e, a)

	for _, c := range []string{"", "secret", "COSMIC"} {
		wantCode(t, "SetClearance "+c, e.st.SetClearance(e.ctx, "reader", c, e.audit("user.clearance_set")), ciphergram.EINVALID)
	}
	wantCode(t, "SetClearance of an unknown user", e.st.SetClearance(e.ctx, "nobody", ciphergram.Secret, e.audit("user.clearance_set")), ciphergram.ENOTFOUND)
	checkLastAudit(t, e, a)
	bad := &ciphergram.User{Name: "bad", Role: ciphergram.RoleReader, Clearance: "COSMIC", Created: day(9, 7)}
	wantCode(t, "CreateUser with clearance COSMIC", e.st.CreateUser(e.ctx, bad, e.audit("user.created")), ciphergram.EINVALID)
}

func testUpdateLink(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	before, err := e.st.Link(e.ctx, centre)
	must(t, "Link", err)
	other, err := e.st.Link(e.ctx, washin)
	must(t, "Link", err)

	want := *before
	want.PeerURL, want.Secret, want.Mode, want.Codebook = "https://centre.example:8443/", "shared «secret» 1", cipher.Historical, "kod-1941"
	l := want
	l.ID, l.Created = 0, time.Time{} // not changed by UpdateLink
	a := e.audit("link.updated")
	must(t, "UpdateLink", e.st.UpdateLink(e.ctx, &l, a))
	checkLink(t, e, &want)
	checkLink(t, e, other)
	checkLastAudit(t, e, a)

	// The secret changes again and the URL is taken away (worked by hand).
	want.PeerURL, want.Secret = "", "rotated"
	l = want
	must(t, "UpdateLink", e.st.UpdateLink(e.ctx, &l, e.audit("link.updated")))
	checkLink(t, e, &want)

	all, err := e.st.Links(e.ctx)
	must(t, "Links", err)
	if len(all) != 2 || all[0].Peer != centre || all[0].Secret != "rotated" || all[1].Secret != other.Secret {
		t.Errorf("Links after UpdateLink: %+v, want the CENTRE's with the secret rotated", all)
	}

	a = e.audit("link.updated")
	ghost := &ciphergram.Link{Peer: "TOKYO", PeerURL: "https://tokyo.example/", Secret: "x", Codebook: "default"}
	wantCode(t, "UpdateLink to a peer without a link", e.st.UpdateLink(e.ctx, ghost, a), ciphergram.ENOTFOUND)
	_, err = e.st.Link(e.ctx, "TOKYO")
	wantCode(t, "Link TOKYO after UpdateLink", err, ciphergram.ENOTFOUND)
	if entries := checkChain(t, e); entries[len(entries)-1].Action == a.Action && entries[len(entries)-1].Subject == a.Subject {
		t.Error("the refused UpdateLink was audited")
	}
}

// checkLink compares the stored link to want.Peer with want.
func checkLink(t *testing.T, e *env, want *ciphergram.Link) {
	t.Helper()
	got, err := e.st.Link(e.ctx, want.Peer)
	must(t, "Link "+want.Peer, err)
	g := *got
	if g.Created.Equal(want.Created) {
		g.Created = want.Created
	}
	if g != *want {
		t.Errorf("Link %s = %+v, want %+v", want.Peer, g, *want)
	}
}

// checkLastAudit checks that the last entry of the audit log is a.
func checkLastAudit(t *testing.T, e *env, a ciphergram.Audit) {
	t.Helper()
	entries := checkChain(t, e)
	if len(entries) == 0 {
		t.Fatalf("the audit log is empty, want %s %q last", a.Action, a.Subject)
	}
	g := entries[len(entries)-1].Audit
	if !g.Time.Equal(a.Time) || g.Actor != a.Actor || g.Action != a.Action || g.Subject != a.Subject || g.Detail != a.Detail {
		t.Errorf("the last audit entry is %s %q at %v, want %s %q at %v", g.Action, g.Subject, g.Time, a.Action, a.Subject, a.Time)
	}
}
