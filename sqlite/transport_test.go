package sqlite

import (
	"database/sql"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"ciphergram"
	"ciphergram/otp"
)

// These tests look inside the database at what migration 0005 added, and
// at the choices this store makes where the contract leaves one.

// TestMigrateTransport upgrades a database made with migrations 0001-0004,
// as the databases already in use were: its links keep everything and get
// no secret, and the new tables work.
func TestMigrateTransport(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "office.db")
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 5 || ms[4].name != "0005_transport.sql" {
		t.Fatalf("%d migrations, want 0005_transport.sql as the fifth", len(ms))
	}
	raw, err := sql.Open("sqlite", path+"?"+pragmas)
	if err != nil {
		t.Fatal(err)
	}
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := raw.ExecContext(ctx, query, args...); err != nil {
			t.Fatalf("%.60s: %v", query, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied INTEGER NOT NULL)`)
	for _, m := range ms[:4] {
		exec(m.sql)
		exec(`INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, 0)`, m.version, m.name)
	}
	created := time.Date(1941, 4, 21, 9, 0, 0, 0, time.UTC)
	exec(`INSERT INTO links (peer, mode, codebook, peer_url, created) VALUES ('CENTRE', 1, 'kod', 'https://centre.example/', ?)`, created.UnixNano())
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open of a database at version 4: %v", err)
	}
	defer s.Close()
	l, err := s.Link(ctx, "CENTRE")
	if err != nil {
		t.Fatal(err)
	}
	want := ciphergram.Link{ID: l.ID, Peer: "CENTRE", Mode: 1, Codebook: "kod", PeerURL: "https://centre.example/", Created: created}
	if *l != want {
		t.Errorf("after migrating, Link = %+v, want %+v", *l, want)
	}
	a := ciphergram.Audit{Time: created, Actor: "test", Action: "link.updated"}
	l.Secret = "shared"
	if err := s.UpdateLink(ctx, l, a); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Link(ctx, "CENTRE"); err != nil || got.Secret != "shared" {
		t.Errorf("after migrating, UpdateLink did not keep the secret: %v, %v", got, err)
	}
	for _, table := range []string{"sessions", "outbox", "inbox"} {
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil || n != 0 {
			t.Errorf("after migrating, table %s: %d rows, %v", table, n, err)
		}
	}
}

// TestTransportSchemaRefuses tries what the code never does to the new
// tables: every such change must fail.
func TestTransportSchemaRefuses(t *testing.T) {
	f := newFixture(t)
	d := &ciphergram.Delivery{Peer: "CENTRE", Kind: ciphergram.DeliverPart, TelegramID: f.tg.ID, Part: 1, Body: "x"}
	f.must(f.s.QueueDeliveries(f.ctx, []*ciphergram.Delivery{d}, f.audit("delivery.queued")))
	f.must(f.s.DeliveryDone(f.ctx, d.ID, time.Date(1941, 4, 21, 12, 0, 0, 0, time.UTC), f.audit("delivery.acknowledged")))
	p := &ciphergram.InboxPart{Peer: "CENTRE", Nr: 1, Part: 1, Parts: 1, Indicator: "12345", Wire: "x"}
	_, err := f.s.AcceptPart(f.ctx, p, f.audit("part.received"))
	f.must(err)
	in := &ciphergram.Telegram{Direction: ciphergram.Incoming, State: ciphergram.StateReceived, From: "CENTRE", To: "LONDON", Nr: 1}
	f.must(f.s.AssembleTelegram(f.ctx, in, []int64{p.ID}, f.audit("telegram.assembled")))
	for _, tt := range []struct{ name, sql string }{
		{"UnacknowledgeADelivery", `UPDATE outbox SET delivered = NULL`},
		{"RetryADeliveryDone", `UPDATE outbox SET attempts = attempts + 1`},
		{"AnUnknownKind", `INSERT INTO outbox (peer, kind, part, body, attempts, last_error) VALUES ('CENTRE', 'gossip', 0, '', 0, '')`},
		{"ReassembleAPart", `UPDATE inbox SET telegram_id = ` + "(SELECT id FROM telegrams WHERE direction = 'out')"},
		{"DetachAPart", `UPDATE inbox SET telegram_id = NULL`},
		{"TheSamePartTwice", `INSERT INTO inbox (peer, nr, part, parts, indicator, wire) SELECT peer, nr, part, parts, indicator, 'y' FROM inbox`},
		{"APartOfNone", `INSERT INTO inbox (peer, nr, part, parts, indicator, wire) VALUES ('CENTRE', 2, 2, 1, '1', '')`},
		{"ASessionOfNobody", `INSERT INTO sessions (id, user_name) VALUES ('x', 'nobody')`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := f.exec(tt.sql); err == nil {
				t.Errorf("%s succeeded", tt.sql)
			}
		})
	}
}

// TestDestroyPadDigits destroys pads by order and looks for their digits in
// the rows and in the bytes of the database and WAL files.
func TestDestroyPadDigits(t *testing.T) {
	f := newFixture(t)
	out := f.pad("LON-CEN-1", ciphergram.PadOut, 20, otp.DefaultGroupsPerPage)
	in := f.pad("CEN-LON-1", ciphergram.PadIn, 10, otp.DefaultGroupsPerPage)
	kept := f.pad("LON-CEN-2", ciphergram.PadOut, 5, otp.DefaultGroupsPerPage)
	for _, p := range []*otp.Pad{out, in} {
		n, err := f.s.DestroyPad(f.ctx, p.ID, f.audit("pad.destroyed"))
		f.must(err)
		if n != len(p.Pages) {
			t.Errorf("DestroyPad %s destroyed %d pages, want %d", p.ID, n, len(p.Pages))
		}
	}
	destroyedAt := time.Now()
	var rows int
	f.must(f.s.db.QueryRow(`SELECT count(*) FROM page_digits`).Scan(&rows))
	if rows != len(kept.Pages) {
		t.Errorf("%d pages keep their digits, want only the %d of the pad kept", rows, len(kept.Pages))
	}
	f.awaitGone("destroyed by order", slices.Concat(f.traces(out), f.traces(in)), destroyedAt, f.s.scrubDelay)
	checkFiles(t, "destroyed by order", f.path, nil, f.traces(kept))
}

// TestTransportChoices checks what this store does where the contract
// leaves a choice.
func TestTransportChoices(t *testing.T) {
	f := newFixture(t)
	at := time.Date(1941, 4, 21, 12, 0, 0, 0, time.UTC)
	code := func(what string, err error, want string) {
		t.Helper()
		if got := ciphergram.ErrorCode(err); got != want {
			t.Errorf("%s: %v, want %s", what, err, want)
		}
	}

	// An acknowledged delivery is final: a late failure is refused.
	d := &ciphergram.Delivery{Peer: "CENTRE", Kind: ciphergram.DeliverPart, TelegramID: f.tg.ID, Part: 1, Body: "x", NextAttempt: at}
	f.must(f.s.QueueDeliveries(f.ctx, []*ciphergram.Delivery{d}, f.audit("delivery.queued")))
	f.must(f.s.DeliveryDone(f.ctx, d.ID, at, f.audit("delivery.acknowledged")))
	code("DeliveryFailed of an acknowledged delivery", f.s.DeliveryFailed(f.ctx, d.ID, at.Add(time.Minute), "late"), ciphergram.ECONFLICT)
	code("DeliveryDone without a time", f.s.DeliveryDone(f.ctx, d.ID, time.Time{}, f.audit("delivery.acknowledged")), ciphergram.EINVALID)

	// A delivery of an unknown telegram is refused, and SendTelegram then
	// leaves the telegram as it was.
	ghost := &ciphergram.Delivery{Peer: "CENTRE", Kind: ciphergram.DeliverPart, TelegramID: f.tg.ID + 1000, Part: 1, Body: "x"}
	code("QueueDeliveries of an unknown telegram", f.s.QueueDeliveries(f.ctx, []*ciphergram.Delivery{ghost}, f.audit("delivery.queued")), ciphergram.ENOTFOUND)
	tg := *f.tg
	tg.State = ciphergram.StateEnciphered
	f.must(f.s.UpdateTelegram(f.ctx, &tg, ciphergram.StateDraft, "", f.audit("telegram.enciphered")))
	sent := tg
	sent.State = ciphergram.StateSent
	good := &ciphergram.Delivery{Peer: "CENTRE", Kind: ciphergram.DeliverPart, TelegramID: tg.ID, Part: 1, Body: "x"}
	code("SendTelegram with a delivery of an unknown telegram",
		f.s.SendTelegram(f.ctx, &sent, []*ciphergram.Delivery{good, ghost}, f.audit("telegram.sent")), ciphergram.ENOTFOUND)
	if got, err := f.s.Telegram(f.ctx, tg.ID); err != nil || got.State != ciphergram.StateEnciphered {
		t.Errorf("after the refused SendTelegram the telegram is %v (%v), want enciphered", got, err)
	}
	if ds, err := f.s.Deliveries(f.ctx, tg.ID); err != nil || len(ds) != 1 {
		t.Errorf("after the refused SendTelegram the telegram has %d deliveries (%v), want the 1 queued before", len(ds), err)
	}
	// SendTelegram saves t as the caller set it: it must be sent.
	code("SendTelegram of a telegram not set to sent", f.s.SendTelegram(f.ctx, &tg, nil, f.audit("telegram.sent")), ciphergram.EINVALID)
	code("SendTelegram of an unknown kind", f.s.SendTelegram(f.ctx, &sent,
		[]*ciphergram.Delivery{{Peer: "CENTRE", Kind: "gossip", TelegramID: tg.ID}}, f.audit("telegram.sent")), ciphergram.EINVALID)
	if got, err := f.s.Telegram(f.ctx, tg.ID); err != nil || got.State != ciphergram.StateEnciphered {
		t.Errorf("after the refused SendTelegram the telegram is %v (%v), want enciphered", got, err)
	}

	// A session needs a user.
	s := &ciphergram.Session{ID: "00ff", User: "nobody", Created: at, Seen: at}
	code("CreateSession of an unknown user", f.s.CreateSession(f.ctx, s), ciphergram.ENOTFOUND)

	// Assembling needs parts, each given once.
	in := &ciphergram.Telegram{Direction: ciphergram.Incoming, State: ciphergram.StateReceived, From: "CENTRE", To: "LONDON", Nr: 3}
	code("AssembleTelegram of no parts", f.s.AssembleTelegram(f.ctx, in, nil, f.audit("telegram.assembled")), ciphergram.EINVALID)
	p := &ciphergram.InboxPart{Peer: "CENTRE", Nr: 3, Part: 1, Parts: 1, Indicator: "12345", Wire: "x"}
	_, err := f.s.AcceptPart(f.ctx, p, f.audit("part.received"))
	f.must(err)
	code("AssembleTelegram of a part twice", f.s.AssembleTelegram(f.ctx, in, []int64{p.ID, p.ID}, f.audit("telegram.assembled")), ciphergram.EINVALID)
	if in.ID != 0 {
		t.Errorf("the refused AssembleTelegram set ID %d", in.ID)
	}

	// Searching: digits are a number only when above 0.
	ts, err := f.s.Telegrams(f.ctx, ciphergram.TelegramFilter{Search: "0"})
	f.must(err)
	if len(ts) != 0 {
		t.Errorf("a search of 0 found %d unnumbered telegrams", len(ts))
	}
}
