package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"ciphergram"
	"ciphergram/cipher"
	"ciphergram/internal/pgtest"
	"ciphergram/office"
	"ciphergram/postgres"
	"ciphergram/sqlite"
)

// password is the clerk's password in the crash test.
const password = "the clerk's password 1941"

// crashCycles is how many times TestCrashRecovery kills the server: 200
// by default, 20 with -short, or $CIPHERGRAM_CRASH_CYCLES (1,000 for a long
// run).
func crashCycles() int {
	if n, err := strconv.Atoi(os.Getenv("CIPHERGRAM_CRASH_CYCLES")); err == nil && n > 0 {
		return n
	}
	if testing.Short() {
		return 20
	}
	return 200
}

// crashOffice is LONDON's database, with signed telegrams waiting to be
// enciphered and cables from the CENTRE waiting to be received.
type crashOffice struct {
	db       string   // a SQLite file, or a postgres:// URL
	keyFile  string   // the office key file of a PostgreSQL office (SQLite keeps its own beside the file)
	signed   []int64  // outgoing telegrams to encipher, in order
	incoming []string // the CENTRE's cables to LONDON, in order
}

func (co *crashOffice) postgres() bool { return strings.HasPrefix(co.db, "postgres://") }

// open opens LONDON's store in the test process.
func (co *crashOffice) open(t *testing.T) ciphergram.Store {
	t.Helper()
	var st ciphergram.Store
	var err error
	if co.postgres() {
		st, err = postgres.Open(context.Background(), co.db, postgres.WithKeyFile(co.keyFile))
	} else {
		st, err = sqlite.Open(context.Background(), co.db)
	}
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// serveArgs are the arguments that serve LONDON.
func (co *crashOffice) serveArgs() []string {
	args := []string{"serve", "--db", co.db, "--addr", "127.0.0.1:0", "--log-level", "error"}
	if co.postgres() {
		args = append(args, "--key-file", co.keyFile)
	}
	return args
}

// setUpCrashOffice builds LONDON in-process in co.db: users, a link, an
// outgoing pad, an incoming pad whose other copy a CENTRE (a SQLite file in
// dir) uses to encipher n cables to LONDON.
func setUpCrashOffice(t *testing.T, dir string, co *crashOffice, n int) {
	t.Helper()
	ctx := context.Background()
	london := newCrashService(t, co.open(t), "LONDON", false)
	centreStore, err := sqlite.Open(ctx, filepath.Join(dir, "centre.db"))
	if err != nil {
		t.Fatal(err)
	}
	centre := newCrashService(t, centreStore, "CENTRE", true)
	hash, err := office.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if err := london.Store().SetPassword(ctx, "clerk", hash, ciphergram.Audit{Time: time.Now(), Actor: "admin", Action: "user.password_set", Subject: "user clerk"}); err != nil {
		t.Fatal(err)
	}
	lclerk, cclerk := crashActor(t, london, "clerk"), crashActor(t, centre, "clerk")
	if _, err := london.IssuePad(ctx, lclerk, "LON-CEN-1", "LONDON", "CENTRE", 3*n, 60); err != nil {
		t.Fatal(err)
	}
	if _, err := london.IssuePad(ctx, lclerk, "CEN-LON-1", "CENTRE", "LONDON", n+2, 60); err != nil {
		t.Fatal(err)
	}
	var sealed bytes.Buffer
	if err := london.ExportPad(ctx, lclerk, "CEN-LON-1", "a long transport passphrase", &sealed); err != nil {
		t.Fatal(err)
	}
	if _, err := centre.ImportPad(ctx, cclerk, &sealed, "a long transport passphrase"); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		text := fmt.Sprintf("REPORT NUMBER %d: AGENT LIST REPORTS THAT THE PACT IS SIGNED.", i+1)
		co.signed = append(co.signed, signed(t, london, text).ID)
		in, err := centre.Encipher(ctx, cclerk, signed(t, centre, text).ID)
		if err != nil {
			t.Fatal(err)
		}
		co.incoming = append(co.incoming, in.Wire)
	}
	london.Store().Close()
	centre.Store().Close()
}

func newCrashService(t *testing.T, st ciphergram.Store, name string, centre bool) *office.Service {
	t.Helper()
	ctx := context.Background()
	svc := office.New(st)
	if err := svc.Init(ctx, name, centre, "admin"); err != nil {
		t.Fatal(err)
	}
	admin := crashActor(t, svc, "admin")
	for _, u := range []*ciphergram.User{{Name: "officer", Role: ciphergram.RoleOfficer, Cover: "VADIM"}, {Name: "clerk", Role: ciphergram.RoleClerk}} {
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

func crashActor(t *testing.T, svc *office.Service, name string) *ciphergram.User {
	t.Helper()
	u, err := svc.Actor(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func signed(t *testing.T, svc *office.Service, text string) *ciphergram.Telegram {
	t.Helper()
	ctx := context.Background()
	officer := crashActor(t, svc, "officer")
	d, err := svc.Compose(ctx, officer, office.Draft{To: map[string]string{"LONDON": "CENTRE", "CENTRE": "LONDON"}[mustOffice(t, svc)], Text: text})
	if err != nil {
		t.Fatal(err)
	}
	s, err := svc.Sign(ctx, officer, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustOffice(t *testing.T, svc *office.Service) string {
	o, err := svc.Office(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return o.Name
}

// acked is what the server acknowledged before it was killed.
type acked struct {
	mu         sync.Mutex
	enciphered map[int64]string // telegram -> wire answered
	received   map[int]int64    // the CENTRE's number -> telegram
	registered map[int64]string // telegram -> text answered
}

// TestCrashRecovery kills the server with SIGKILL at random moments while
// clerks encipher, receive and decipher, restarts it, and checks after
// all cycles that no page was used twice, that every acknowledged act is
// in the database as acknowledged, that an interrupted encipherment left
// no page burned without its wire (the claim and the wire commit together),
// and that the database and the audit chain are intact.
func TestCrashRecovery(t *testing.T) {
	dir := t.TempDir()
	crashRecovery(t, dir, &crashOffice{db: filepath.Join(dir, "london.db")})
}

// TestCrashRecoveryPostgres is TestCrashRecovery with LONDON on
// PostgreSQL: the server process dies, the database lives on and must
// roll back whatever the dead process had under way.
func TestCrashRecoveryPostgres(t *testing.T) {
	if os.Getenv(pgtest.Env) == "" {
		t.Skipf("%s is not set: no PostgreSQL server to test with", pgtest.Env)
	}
	dir := t.TempDir()
	crashRecovery(t, dir, &crashOffice{db: pgtest.NewDSN(t), keyFile: filepath.Join(dir, "london.key")})
}

func crashRecovery(t *testing.T, dir string, co *crashOffice) {
	cycles := crashCycles()
	const perCycle = 2 // enciphers and receipts per cycle
	setUpCrashOffice(t, dir, co, cycles*perCycle)
	api := newAPIClient()
	ack := &acked{enciphered: map[int64]string{}, received: map[int]int64{}, registered: map[int64]string{}}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	var token string
	var toDecipher []int64
	next, nextIn := 0, 0
	for cycle := range cycles {
		c := startChild(t, fmt.Sprintf("server %d", cycle), co.serveArgs()...)
		c.waitServing(t)
		if token == "" {
			var s struct {
				Token string `json:"token"`
			}
			if err := api.do(c.url, "", "POST", "/api/v1/session", map[string]string{"name": "clerk", "password": password}, &s); err != nil {
				t.Fatal(err)
			}
			token = s.Token // kept in the database across restarts
		}
		var wg sync.WaitGroup
		for range perCycle {
			id := co.signed[next]
			next++
			wg.Go(func() {
				var tg mpTelegram
				if api.do(c.url, token, "POST", "/api/v1/telegrams/"+strconv.FormatInt(id, 10)+"/encipher", nil, &tg) == nil {
					ack.mu.Lock()
					ack.enciphered[id] = tg.Wire
					ack.mu.Unlock()
				}
			})
			wire := co.incoming[nextIn]
			nextIn++
			wg.Go(func() {
				var a struct {
					Telegram *mpTelegram `json:"telegram"`
				}
				if api.do(c.url, token, "POST", "/api/v1/inbox", map[string]string{"wire": wire}, &a) == nil && a.Telegram != nil {
					ack.mu.Lock()
					ack.received[nrOf(t, wire)] = a.Telegram.ID
					ack.mu.Unlock()
				}
			})
		}
		for _, id := range toDecipher {
			wg.Go(func() {
				var tg struct {
					Text string `json:"text"`
				}
				if api.do(c.url, token, "POST", "/api/v1/telegrams/"+strconv.FormatInt(id, 10)+"/decipher", nil, &tg) == nil {
					ack.mu.Lock()
					ack.registered[id] = tg.Text
					ack.mu.Unlock()
				}
			})
		}
		time.Sleep(time.Duration(rng.IntN(100)) * time.Millisecond)
		c.cmd.Process.Kill()
		<-c.done
		wg.Wait()
		// What was received and not yet deciphered is deciphered next time.
		ack.mu.Lock()
		toDecipher = toDecipher[:0]
		for _, id := range ack.received {
			if _, ok := ack.registered[id]; !ok {
				toDecipher = append(toDecipher, id)
			}
		}
		ack.mu.Unlock()
	}
	checkAfterCrashes(t, co, ack)
}

func nrOf(t *testing.T, wire string) int {
	ts, err := cipher.ParseTransmissions(wire)
	if err != nil {
		t.Error(err)
		return 0
	}
	return ts[0].Nr
}

func checkAfterCrashes(t *testing.T, co *crashOffice, ack *acked) {
	ctx := context.Background()
	if !co.postgres() { // PostgreSQL outlived the server: its files were never at risk
		db, err := sql.Open("sqlite", co.db)
		if err != nil {
			t.Fatal(err)
		}
		var integrity string
		if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
			t.Errorf("integrity_check: %q, %v", integrity, err)
		}
		db.Close()
	}
	st := co.open(t)
	defer st.Close()
	svc := office.New(st)
	if n, err := svc.VerifyAudit(ctx, crashActor(t, svc, "admin")); err != nil {
		t.Errorf("the audit chain of %d entries: %v", n, err)
	}

	// Every page used once; every acknowledged encipherment kept as sent.
	out, err := st.Telegrams(ctx, ciphergram.TelegramFilter{Direction: ciphergram.Outgoing})
	must(t, err)
	indicators := map[string]int64{}
	enciphered := 0
	for _, tg := range out {
		if want, ok := ack.enciphered[tg.ID]; ok && (tg.State != ciphergram.StateEnciphered || tg.Wire != want) {
			t.Errorf("telegram %d: acknowledged as enciphered, stored %s with another wire", tg.ID, tg.State)
		}
		if tg.Wire == "" {
			continue
		}
		enciphered++
		ts, err := cipher.ParseTransmissions(tg.Wire)
		must(t, err)
		for _, p := range ts {
			if other, ok := indicators[p.Groups[0]]; ok {
				t.Errorf("indicator %s on telegrams %d and %d: a page used twice", p.Groups[0], other, tg.ID)
			}
			indicators[p.Groups[0]] = tg.ID
		}
	}
	ds, err := st.Destructions(ctx)
	must(t, err)
	sent, interrupted := 0, 0
	for _, d := range ds {
		if d.Reason != "sent" {
			continue
		}
		sent++
		if tid, ok := indicators[d.Indicator]; !ok || tid != d.TelegramID {
			interrupted++ // claimed, burned, never on a stored wire
		}
	}
	pads, err := st.Pads(ctx)
	must(t, err)
	for _, p := range pads {
		if p.ID == "LON-CEN-1" && p.Used != sent {
			t.Errorf("pad LON-CEN-1: %d pages used, %d destruction records", p.Used, sent)
		}
	}
	if sent != enciphered+interrupted {
		t.Errorf("%d pages burned for sending, %d telegrams enciphered, %d claims interrupted", sent, enciphered, interrupted)
	}
	if interrupted != 0 { // Store.EncipherTelegram: the pages and the wire, or neither
		t.Errorf("%d pages burned for sending are on no stored wire", interrupted)
	}

	// Every acknowledged receipt held once; every acknowledged decipherment
	// registered with its text; registry numbers given once.
	in, err := st.Telegrams(ctx, ciphergram.TelegramFilter{Direction: ciphergram.Incoming})
	must(t, err)
	byNr, numbers := map[int]int64{}, map[int]int64{}
	registered := 0
	for _, tg := range in {
		if other, ok := byNr[tg.Nr]; ok {
			t.Errorf("CENTRE NR %d held twice: telegrams %d and %d", tg.Nr, other, tg.ID)
		}
		byNr[tg.Nr] = tg.ID
		if text, ok := ack.registered[tg.ID]; ok && (tg.State != ciphergram.StateRegistered || tg.Text != text) {
			t.Errorf("telegram %d: acknowledged as registered, stored %s", tg.ID, tg.State)
		}
		if tg.State == ciphergram.StateRegistered {
			registered++
			if !strings.Contains(tg.Text, "AGENT LIST REPORTS") {
				t.Errorf("telegram %d registered as %q", tg.ID, tg.Text)
			}
		}
		for _, n := range tg.Numbers {
			if other, ok := numbers[n]; ok {
				t.Errorf("registry No. %d given to telegrams %d and %d", n, other, tg.ID)
			}
			numbers[n] = tg.ID
		}
	}
	for nr, id := range ack.received {
		if byNr[nr] != id {
			t.Errorf("CENTRE NR %d: acknowledged as telegram %d, held as %d", nr, id, byNr[nr])
		}
	}
	t.Logf("%d kills: %d telegrams enciphered (%d acknowledged), %d claims interrupted and burned; %d received (%d acknowledged), %d registered (%d acknowledged)",
		crashCycles(), enciphered, len(ack.enciphered), interrupted, len(in), len(ack.received), registered, len(ack.registered))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
