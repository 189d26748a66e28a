package office_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ciphergram"
	"ciphergram/cipher"
	"ciphergram/office"
	"ciphergram/sqlite"
)

// pair is a station and the Centre, each on its own SQLite database.
type pair struct {
	london, centre *office.Service
	now            time.Time
}

func newOffice(t *testing.T, p *pair, name string, centre bool) *office.Service {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), name+".db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := office.New(st)
	svc.Now = func() time.Time { return p.now }
	svc.Rand = rand.NewChaCha8([32]byte{byte(len(name))})
	if err := svc.Init(ctx, name, centre, "admin"); err != nil {
		t.Fatal(err)
	}
	admin := actor(t, svc, "admin")
	users := []*ciphergram.User{
		{Name: "officer", Role: ciphergram.RoleOfficer, Cover: "VADIM"},
		{Name: "clerk", Role: ciphergram.RoleClerk},
		{Name: "archivist", Role: ciphergram.RoleArchivist, Cleared: true},
		{Name: "reader", Role: ciphergram.RoleReader},
		{Name: "reader2", Role: ciphergram.RoleReader},
		{Name: "analyst", Role: ciphergram.RoleAnalyst},
	}
	for _, u := range users {
		if err := svc.AddUser(ctx, admin, u); err != nil {
			t.Fatal(err)
		}
	}
	peer := map[bool]string{true: "LONDON", false: "CENTRE"}[centre]
	if err := svc.AddLink(ctx, admin, &ciphergram.Link{Peer: peer, Mode: cipher.Authenticated}); err != nil {
		t.Fatal(err)
	}
	return svc
}

// newPair sets up both offices and a LONDON to CENTRE pad of pages pages,
// issued at the Centre and imported in London.
func newPair(t *testing.T, pages int) *pair {
	t.Helper()
	p := &pair{now: time.Date(1941, 4, 21, 12, 0, 0, 0, time.UTC)}
	p.centre = newOffice(t, p, "CENTRE", true)
	p.london = newOffice(t, p, "LONDON", false)
	ctx := context.Background()
	if _, err := p.centre.IssuePad(ctx, actor(t, p.centre, "clerk"), "LON-CEN-1", "LONDON", "CENTRE", pages, 60); err != nil {
		t.Fatal(err)
	}
	var sealed bytes.Buffer
	if err := p.centre.ExportPad(ctx, actor(t, p.centre, "clerk"), "LON-CEN-1", "a long transport passphrase", &sealed); err != nil {
		t.Fatal(err)
	}
	if _, err := p.london.ImportPad(ctx, actor(t, p.london, "clerk"), &sealed, "a long transport passphrase"); err != nil {
		t.Fatal(err)
	}
	return p
}

func actor(t *testing.T, svc *office.Service, name string) *ciphergram.User {
	t.Helper()
	u, err := svc.Actor(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// send composes, signs and enciphers a telegram in London; it returns the
// wire text.
func (p *pair) send(t *testing.T, text string) string {
	t.Helper()
	ctx := context.Background()
	tg, err := p.london.Compose(ctx, actor(t, p.london, "officer"), office.Draft{To: "CENTRE", Text: text, Caveat: "Removal of copies prohibited"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.london.Sign(ctx, actor(t, p.london, "officer"), tg.ID); err != nil {
		t.Fatal(err)
	}
	tg, err = p.london.Encipher(ctx, actor(t, p.london, "clerk"), tg.ID)
	if err != nil {
		t.Fatal(err)
	}
	return tg.Wire
}

// TestTelegramLife follows a telegram from draft in London to a copy read at
// the Centre.
func TestTelegramLife(t *testing.T) {
	ctx := context.Background()
	p := newPair(t, 10)
	admin := actor(t, p.centre, "admin")
	if err := p.centre.SeedCounter(ctx, admin, ciphergram.CounterRegistry, 2688); err != nil {
		t.Fatal(err)
	}
	wire := p.send(t, "Agent LIST reports: the pact is signed.")
	p.now = p.now.Add(20 * time.Hour)
	clerk := actor(t, p.centre, "clerk")
	in, err := p.centre.Receive(ctx, clerk, office.Receipt{Wire: wire, Caveat: "Removal of copies prohibited"})
	if err != nil {
		t.Fatal(err)
	}
	in, err = p.centre.Decipher(ctx, clerk, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if in.State != ciphergram.StateRegistered || len(in.Numbers) != 1 || in.Numbers[0] != 2688 {
		t.Fatalf("registered %s as %v, want registered as [2688]", in.State, in.Numbers)
	}
	wantText := "AGENT LIST REPORTS: THE PACT IS SIGNED.\n\n21 APRIL 1941. NO. 1. VADIM."
	if in.Text != wantText {
		t.Fatalf("text %q, want %q", in.Text, wantText)
	}
	c, err := p.centre.IssueCopy(ctx, actor(t, p.centre, "archivist"), in.ID, "reader")
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.centre.ReadCopy(ctx, actor(t, p.centre, "reader"), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"TOP SECRET\nRemoval of copies prohibited\nCopy No. 1\nCIPHER TELEGRAM No. 2688\nFrom LONDON\n",
		"21 April 1941. No. 1.      VADIM."} {
		if !strings.Contains(out, want) {
			t.Errorf("copy lacks %q:\n%s", want, out)
		}
	}
	for _, svc := range []*office.Service{p.london, p.centre} {
		if _, err := svc.VerifyAudit(ctx, actor(t, svc, "admin")); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReplayAndTamper: a replayed cable is refused; a tampered one releases
// nothing, and its page burns at the third failure.
func TestReplayAndTamper(t *testing.T) {
	ctx := context.Background()
	p := newPair(t, 10)
	clerk := actor(t, p.centre, "clerk")
	wire := p.send(t, "The pact is signed.")
	lines := strings.Split(wire, "\n")
	g := []byte(lines[1])
	const cable = "OIUZTREWAP"
	g[7] = cable[(strings.IndexByte(cable, g[7])+1)%10] // one figure of group 2, changed
	lines[1] = string(g)
	tampered := strings.Join(lines, "\n")
	in, err := p.centre.Receive(ctx, clerk, office.Receipt{Wire: tampered})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		got, err := p.centre.Decipher(ctx, clerk, in.ID)
		if err == nil || got != nil || !strings.Contains(err.Error(), "authentication failure") {
			t.Fatalf("attempt %d: %v, %v; want an authentication failure", i, got, err)
		}
	}
	// The page is gone: now even the genuine cable cannot be read.
	genuine, err := p.centre.Receive(ctx, clerk, office.Receipt{Wire: wire})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.centre.Decipher(ctx, clerk, genuine.ID); ciphergram.ErrorCode(err) != ciphergram.ENOTFOUND {
		t.Fatalf("after 3 failures: %v, want not_found", err)
	}
	// A genuine one deciphers once and its replay is refused at receipt.
	wire2 := p.send(t, "Second telegram.")
	in2, err := p.centre.Receive(ctx, clerk, office.Receipt{Wire: wire2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.centre.Decipher(ctx, clerk, in2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := p.centre.Receive(ctx, clerk, office.Receipt{Wire: wire2}); ciphergram.ErrorCode(err) != ciphergram.ECONFLICT {
		t.Fatalf("replay: %v, want conflict", err)
	}
}

// TestExhaustedPadConsumesNothing: a telegram that does not fit the pages
// left claims none of them.
func TestExhaustedPadConsumesNothing(t *testing.T) {
	ctx := context.Background()
	p := newPair(t, 1)
	officer, clerk := actor(t, p.london, "officer"), actor(t, p.london, "clerk")
	long := strings.Repeat("The Germans attack in the west. ", 60)
	tg, err := p.london.Compose(ctx, officer, office.Draft{To: "CENTRE", Text: long})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.london.Sign(ctx, officer, tg.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := p.london.Encipher(ctx, clerk, tg.ID); ciphergram.ErrorCode(err) != ciphergram.EEXHAUSTED {
		t.Fatalf("Encipher = %v, want exhausted", err)
	}
	pads, err := p.london.Pads(ctx, clerk)
	if err != nil {
		t.Fatal(err)
	}
	if pads[0].Used != 0 {
		t.Fatalf("%d pages used by a failed encipherment", pads[0].Used)
	}
	if got, _ := p.london.Telegram(ctx, clerk, tg.ID); got.State != ciphergram.StateSigned {
		t.Fatalf("state %s, want still signed", got.State)
	}
}

// TestPadImportRefusesDuplicates: the same pad cannot be taken in twice.
func TestPadImportRefusesDuplicates(t *testing.T) {
	ctx := context.Background()
	p := newPair(t, 3)
	var sealed bytes.Buffer
	if err := p.centre.ExportPad(ctx, actor(t, p.centre, "clerk"), "LON-CEN-1", "a long transport passphrase", &sealed); err != nil {
		t.Fatal(err)
	}
	if _, err := p.london.ImportPad(ctx, actor(t, p.london, "clerk"), &sealed, "a long transport passphrase"); ciphergram.ErrorCode(err) != ciphergram.ECONFLICT {
		t.Fatalf("second import: %v, want conflict", err)
	}
	if _, err := p.london.ImportPad(ctx, actor(t, p.london, "clerk"), strings.NewReader(sealed.String()), "the wrong passphrase!"); ciphergram.ErrorCode(err) != ciphergram.EINVALID {
		t.Fatalf("wrong passphrase: %v, want invalid", err)
	}
}
