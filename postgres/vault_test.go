package postgres

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"ciphergram"
	"ciphergram/internal/pgtest"
	"ciphergram/otp"
	"ciphergram/vault"
)

// TestEraseRace has two stores claim the last two pages of a pad at the
// same moment, again and again: whichever commits last must see the other's
// page used and erase the data key (the pad's row lock in destroy and in
// the trigger pages_use_destroys).
func TestEraseRace(t *testing.T) {
	f := newFixture(t)
	second, err := Open(f.ctx, f.dsn, testKey())
	f.must(err)
	defer second.Close()
	stores := []*Store{f.s, second}
	const rounds = 20
	for round := range rounds {
		id := fmt.Sprintf("LON-CEN-%d", round)
		f.pad(id, ciphergram.PadOut, 2, 10)
		audits := []ciphergram.Audit{f.audit("pages.claimed"), f.audit("pages.claimed")}
		start := make(chan struct{})
		errs := make([]error, len(stores))
		var wg sync.WaitGroup
		for i, st := range stores {
			wg.Go(func() {
				<-start
				_, errs[i] = st.ClaimPages(f.ctx, "LONDON", "CENTRE", 1, f.tg.ID, audits[i])
			})
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			f.must(err)
		}
		if n := f.count(`SELECT count(*) FROM pads WHERE id = $1 AND wrapped_key IS NOT NULL`, id); n != 0 {
			t.Fatalf("round %d: both pages of %s are used, and its data key is still stored", round, id)
		}
	}
}

// TestPageThatDoesNotOpen: a sealed page moved to another row is an
// internal fault, and the claim that met it uses no page.
func TestPageThatDoesNotOpen(t *testing.T) {
	f := newFixture(t)
	p := f.pad("LON-CEN-1", ciphergram.PadOut, 3, 10)
	f.must(f.exec(`DELETE FROM page_digits WHERE number = 1`))
	f.must(f.exec(`INSERT INTO page_digits (pad, number, digits) SELECT pad, 1, digits FROM page_digits WHERE number = 2`))
	_, err := f.s.ClaimPages(f.ctx, "LONDON", "CENTRE", 2, f.tg.ID, f.audit("pages.claimed"))
	if ciphergram.ErrorCode(err) != ciphergram.EINTERNAL || !errors.Is(err, vault.ErrOpen) || !strings.Contains(err.Error(), "page 1 of pad LON-CEN-1") {
		t.Errorf("ClaimPages of a page moved: %v, want an internal fault naming page 1", err)
	}
	if err != nil && strings.Contains(err.Error(), string(p.Pages[0].Digits[otp.GroupSize:2*otp.GroupSize])) {
		t.Error("the error quotes digits")
	}
	if n := f.count(`SELECT count(*) FROM pages WHERE state = 'used'`); n != 0 {
		t.Errorf("%d pages used by a claim that failed", n)
	}
	_, err = f.s.ExportPad(f.ctx, "LON-CEN-1", f.audit("pad.exported"))
	if !errors.Is(err, vault.ErrOpen) {
		t.Errorf("ExportPad of a pad with a page moved: %v, want vault.ErrOpen", err)
	}
}

// TestMigrateFromVersion7 opens a schema made before keys, whose digits are
// in clear: Open seals them, and the pages read as they were.
func TestMigrateFromVersion7(t *testing.T) {
	ctx := t.Context()
	dsn := pgtest.NewDSN(t)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if ms[7].name != "0008_vault.sql" {
		t.Fatalf("migration 8 is %s, want 0008_vault.sql", ms[7].name)
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	delete(cfg.RuntimeParams, "pool_max_conns") // pgxpool's, not the server's
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, query, args...); err != nil {
			t.Fatalf("%.60s: %v", query, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL DEFAULT now())`)
	for _, m := range ms[:7] {
		exec(m.sql)
		exec(`INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name)
	}
	// A pad as the old store kept it, page 1 used.
	p, err := otp.Generate(rand.NewChaCha8([32]byte{7}), "LON-CEN-1", "LONDON", "CENTRE", 4, 10)
	if err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO pads (id, from_office, to_office, direction, groups_per_page, notes) VALUES ($1, 'LONDON', 'CENTRE', 'out', 10, '{}')`, p.ID)
	for _, pg := range p.Pages {
		used := pg.Number == 1
		exec(`INSERT INTO pages (pad, number, from_office, to_office, direction, indicator, state)
			SELECT seq, $2, 'LONDON', 'CENTRE', 'out', $3, $4 FROM pads WHERE id = $1`, p.ID, pg.Number, pg.Indicator(),
			map[bool]string{true: "used", false: "unused"}[used])
		if !used {
			exec(`INSERT INTO page_digits (pad, number, digits) SELECT seq, $2, $3 FROM pads WHERE id = $1`, p.ID, pg.Number, pg.Digits)
		}
	}
	if err := conn.Close(ctx); err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, dsn, testKey())
	if err != nil {
		t.Fatalf("Open of a schema at version 7: %v", err)
	}
	defer func() { s.Close() }()
	f := &fixture{t: t, ctx: ctx, dsn: dsn, s: s}
	if n := f.count(`SELECT count(*) FROM pads WHERE wrapped_key IS NOT NULL`); n != 1 {
		t.Errorf("%d pads have a data key after Open, want 1", n)
	}
	for _, pg := range p.Pages[1:] {
		if n := f.count(`SELECT count(*) FROM page_digits WHERE digits = $1 OR position($2::bytea in digits) > 0`,
			pg.Digits, pg.Digits[otp.GroupSize:3*otp.GroupSize]); n != 0 {
			t.Errorf("page %d is still in clear after Open", pg.Number)
		}
	}
	got, err := s.ExportPad(ctx, p.ID, f.audit("pad.exported"))
	f.must(err)
	for i, pg := range got.Pages {
		if pg.Burned != (i == 0) || (i > 0 && !bytes.Equal(pg.Digits, p.Pages[i].Digits)) {
			t.Errorf("page %d comes back burned=%t or with other digits", pg.Number, pg.Burned)
		}
	}
	// Reopening seals nothing again, and the pages are claimed as they were.
	f.must(s.Close())
	s, err = Open(ctx, dsn, testKey())
	f.must(err)
	claimed, err := s.ClaimPages(ctx, "LONDON", "CENTRE", 3, 0, f.audit("pages.claimed"))
	f.must(err)
	for i, pg := range claimed {
		if !bytes.Equal(pg.Digits, p.Pages[i+1].Digits) {
			t.Errorf("claimed page %d has other digits", pg.Number)
		}
	}
	f.s = s
	if n := f.count(`SELECT count(*) FROM pads WHERE wrapped_key IS NOT NULL`); n != 0 {
		t.Error("the pad keeps its data key once used up")
	}
}
