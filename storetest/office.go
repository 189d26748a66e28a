package storetest

import (
	"slices"
	"testing"
	"time"

	"ciphergram"
	"ciphergram/cipher"
)

func testOffice(t *testing.T, h Harness) {
	e := newEnv(t, h)
	_, err := e.st.Office(e.ctx)
	wantCode(t, "Office before InitOffice", err, ciphergram.ENOTFOUND)

	want := ciphergram.Office{Name: centre, IsCentre: true, Created: day(8, 30)}
	admin := &ciphergram.User{Name: "chief", Role: ciphergram.RoleAdmin, Cleared: true, Created: day(8, 30)}
	must(t, "InitOffice", e.st.InitOffice(e.ctx, want, admin, e.audit("office.created")))
	checkOffice(t, e, want)
	u, err := e.st.User(e.ctx, "chief")
	must(t, "User of the first admin", err)
	admin.ID = u.ID
	checkUser(t, u, admin)

	again := &ciphergram.User{Name: "usurper", Role: ciphergram.RoleAdmin, Created: day(9, 0)}
	err = e.st.InitOffice(e.ctx, ciphergram.Office{Name: home, Created: day(9, 0)}, again, e.audit("office.created"))
	wantCode(t, "second InitOffice", err, ciphergram.ECONFLICT)
	checkOffice(t, e, want)
	_, err = e.st.User(e.ctx, "usurper")
	wantCode(t, "User of the refused second admin", err, ciphergram.ENOTFOUND)
}

func checkOffice(t *testing.T, e *env, want ciphergram.Office) {
	t.Helper()
	got, err := e.st.Office(e.ctx)
	must(t, "Office", err)
	if got.Name != want.Name || got.IsCentre != want.IsCentre || !got.Created.Equal(want.Created) {
		t.Errorf("Office = %+v, want %+v", *got, want)
	}
}

func checkUser(t *testing.T, got, want *ciphergram.User) {
	t.Helper()
	g, w := *got, *want
	if g.Created.Equal(w.Created) {
		g.Created = w.Created
	}
	if g != w {
		t.Errorf("user %s = %+v, want %+v", w.Name, g, w)
	}
}

func testUsers(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	users := []*ciphergram.User{
		{Name: "officer", Role: ciphergram.RoleOfficer, Cover: "VADIM", PasswordHash: "$argon2id$v=19$x", Created: day(10, 0)},
		{Name: "archivist", Role: ciphergram.RoleArchivist, Cleared: true, Created: day(10, 1)},
		{Name: "clerk", Role: ciphergram.RoleClerk, Created: day(10, 2)},
	}
	for _, u := range users {
		must(t, "CreateUser "+u.Name, e.st.CreateUser(e.ctx, u, e.audit("user.created")))
		if u.ID == 0 {
			t.Errorf("CreateUser %s did not set the ID", u.Name)
		}
	}
	for _, u := range users {
		got, err := e.st.User(e.ctx, u.Name)
		must(t, "User "+u.Name, err)
		checkUser(t, got, u)
	}
	_, err := e.st.User(e.ctx, "nobody")
	wantCode(t, "User nobody", err, ciphergram.ENOTFOUND)

	dup := &ciphergram.User{Name: "clerk", Role: ciphergram.RoleReader, Created: day(11, 0)}
	wantCode(t, "CreateUser with a taken name", e.st.CreateUser(e.ctx, dup, e.audit("user.created")), ciphergram.ECONFLICT)
	dup = &ciphergram.User{Name: "admin", Role: ciphergram.RoleReader, Created: day(11, 0)}
	wantCode(t, "CreateUser with the admin's name", e.st.CreateUser(e.ctx, dup, e.audit("user.created")), ciphergram.ECONFLICT)

	all, err := e.st.Users(e.ctx)
	must(t, "Users", err)
	var names []string
	for _, u := range all {
		names = append(names, u.Name)
	}
	if want := []string{"admin", "archivist", "clerk", "officer"}; !slices.Equal(names, want) {
		t.Errorf("Users = %q, want %q", names, want)
	}
	if got, err := e.st.User(e.ctx, "clerk"); err == nil && got.Role != ciphergram.RoleClerk {
		t.Errorf("the refused duplicate changed user clerk's role to %s", got.Role)
	}
}

func testLinks(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	l := &ciphergram.Link{Peer: "CHONGQING", Mode: cipher.Historical, Codebook: "kod-1941", PeerURL: "https://chongqing.example/",
		Secret: "k9-3f «секрет»", Created: day(10, 0)}
	must(t, "CreateLink", e.st.CreateLink(e.ctx, l, e.audit("link.created")))
	if l.ID == 0 {
		t.Error("CreateLink did not set the ID")
	}
	got, err := e.st.Link(e.ctx, "CHONGQING")
	must(t, "Link", err)
	g := *got
	if g.Created.Equal(l.Created) {
		g.Created = l.Created
	}
	if g != *l {
		t.Errorf("Link = %+v, want %+v", g, *l)
	}
	_, err = e.st.Link(e.ctx, "TOKYO")
	wantCode(t, "Link TOKYO", err, ciphergram.ENOTFOUND)
	dup := &ciphergram.Link{Peer: centre, Mode: cipher.Historical, Codebook: "default", Created: day(11, 0)}
	wantCode(t, "CreateLink to a peer with a link", e.st.CreateLink(e.ctx, dup, e.audit("link.created")), ciphergram.ECONFLICT)

	all, err := e.st.Links(e.ctx)
	must(t, "Links", err)
	var peers []string
	for _, l := range all {
		peers = append(peers, l.Peer)
	}
	if want := []string{centre, "CHONGQING", washin}; !slices.Equal(peers, want) {
		t.Errorf("Links = %q, want %q", peers, want)
	}
	if got, err := e.st.Link(e.ctx, centre); err == nil && got.Mode != cipher.Authenticated {
		t.Errorf("the refused duplicate changed the CENTRE link's mode to %v", got.Mode)
	}
}

func testCryptonyms(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	put := func(c ciphergram.Cryptonym) {
		t.Helper()
		must(t, "PutCryptonym "+c.Cover, e.st.PutCryptonym(e.ctx, &c, e.audit("cryptonym.registered")))
	}
	put(ciphergram.Cryptonym{Cover: "VADIM", TrueName: "the resident", Kind: ciphergram.KindOfficer})
	put(ciphergram.Cryptonym{Cover: "LIST", TrueName: "a source", Kind: ciphergram.KindAgent})
	put(ciphergram.Cryptonym{Cover: "CARTHAGE", TrueName: "the capital", Kind: ciphergram.KindPlace})
	put(ciphergram.Cryptonym{Cover: "LIST", TrueName: "a source, named", Kind: ciphergram.KindAgent, Released: true})

	got, err := e.st.Cryptonyms(e.ctx)
	must(t, "Cryptonyms", err)
	want := []ciphergram.Cryptonym{
		{Cover: "CARTHAGE", TrueName: "the capital", Kind: ciphergram.KindPlace},
		{Cover: "LIST", TrueName: "a source, named", Kind: ciphergram.KindAgent, Released: true},
		{Cover: "VADIM", TrueName: "the resident", Kind: ciphergram.KindOfficer},
	}
	if len(got) != len(want) {
		t.Fatalf("Cryptonyms gave %d, want %d (PutCryptonym replaces a cover name)", len(got), len(want))
	}
	for i := range want {
		if *got[i] != want[i] {
			t.Errorf("Cryptonyms[%d] = %+v, want %+v", i, *got[i], want[i])
		}
	}
}

func testCopies(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	t1, t2 := e.draft("first", day(10, 0)), e.draft("second", day(10, 5))
	issue := func(tid int64, reader string, at time.Time, wantNumber int) *ciphergram.Copy {
		t.Helper()
		c := &ciphergram.Copy{TelegramID: tid, Reader: reader, IssuedBy: "archivist", Issued: at}
		must(t, "IssueCopy", e.st.IssueCopy(e.ctx, c, e.audit("copy.issued")))
		if c.ID == 0 || c.Number != wantNumber || c.State != ciphergram.CopyIssued {
			t.Errorf("IssueCopy to %s gave ID %d, number %d, state %q; want an ID, number %d, state issued", reader, c.ID, c.Number, c.State, wantNumber)
		}
		return c
	}
	c1 := issue(t1.ID, "reader", day(11, 0), 1)
	c2 := issue(t1.ID, "reader2", day(11, 1), 2)
	other := issue(t2.ID, "reader", day(11, 2), 1)
	c3 := issue(t1.ID, "reader3", day(11, 3), 3)

	at := day(12, 0)
	must(t, "CloseCopy", e.st.CloseCopy(e.ctx, c3.ID, ciphergram.CopyRecalled, "archivist", at, e.audit("copy.recalled")))
	err := e.st.CloseCopy(e.ctx, c3.ID, ciphergram.CopyDestroyed, "archivist", at, e.audit("copy.destroyed"))
	wantCode(t, "CloseCopy of a recalled copy", err, ciphergram.ECONFLICT)
	err = e.st.CloseCopy(e.ctx, c3.ID+1000, ciphergram.CopyDestroyed, "archivist", at, e.audit("copy.destroyed"))
	wantCode(t, "CloseCopy of an unknown copy", err, ciphergram.ENOTFOUND)
	c4 := issue(t1.ID, "reader", day(12, 1), 4) // the number of the copy closed is not reused

	c3.State, c3.Closed, c3.ClosedBy = ciphergram.CopyRecalled, at, "archivist"
	checkCopies(t, e, t1.ID, []*ciphergram.Copy{c1, c2, c3, c4})
	checkCopies(t, e, t2.ID, []*ciphergram.Copy{other})
	all, err := e.st.Copies(e.ctx, 0)
	must(t, "Copies(0)", err)
	if len(all) != 5 {
		t.Errorf("Copies(0) gave %d copies, want all 5", len(all))
	}
}

func checkCopies(t *testing.T, e *env, tid int64, want []*ciphergram.Copy) {
	t.Helper()
	got, err := e.st.Copies(e.ctx, tid)
	must(t, "Copies", err)
	if len(got) != len(want) {
		t.Fatalf("Copies(%d) gave %d copies, want %d", tid, len(got), len(want))
	}
	for i, w := range want {
		g := *got[i]
		if g.Issued.Equal(w.Issued) {
			g.Issued = w.Issued
		}
		if g.Closed.Equal(w.Closed) {
			g.Closed = w.Closed
		}
		if g != *w {
			t.Errorf("Copies(%d)[%d] = %+v, want %+v", tid, i, g, *w)
		}
	}
}
