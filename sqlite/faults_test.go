package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"ciphergram"
	"ciphergram/otp"
)

// Faults below the store: a database/sql driver in front of SQLite's that
// fails a commit on command, as a write or an fsync that fails at COMMIT
// does. The store must fail closed: the caller gets an error and no wire,
// and no page is ever both unused and on a wire.

// faultDriver wraps SQLite's driver; its connections fail commits while
// armed.
type faultDriver struct {
	base driver.Driver
	// failBefore > 0 fails that many commits without committing (the write
	// or its fsync failed: SQLite rolls the transaction back); failAfter >
	// 0 commits and then reports failure (the outcome the caller cannot
	// know).
	failBefore, failAfter atomic.Int32
	commits, failed       atomic.Int32
}

var errInjected = errors.New("disk I/O error (injected)")

func (d *faultDriver) Open(name string) (driver.Conn, error) {
	c, err := d.base.Open(name)
	if err != nil {
		return nil, err
	}
	return &faultConn{Conn: c, d: d}, nil
}

// faultConn passes everything to SQLite's connection but wraps its
// transactions.
type faultConn struct {
	driver.Conn
	d *faultDriver
}

func (c *faultConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &faultTx{Tx: tx, d: c.d}, nil
}

func (c *faultConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (c *faultConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

func (c *faultConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *faultConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

type faultTx struct {
	driver.Tx
	d *faultDriver
}

func (tx *faultTx) Commit() error {
	tx.d.commits.Add(1)
	if tx.d.failBefore.Add(-1) >= 0 {
		tx.d.failed.Add(1)
		tx.Tx.Rollback()
		return errInjected
	}
	tx.d.failBefore.Store(0)
	if tx.d.failAfter.Add(-1) >= 0 {
		tx.d.failed.Add(1)
		if err := tx.Tx.Commit(); err != nil {
			return err
		}
		return errInjected
	}
	tx.d.failAfter.Store(0)
	return tx.Tx.Commit()
}

var registerFaults = sync.OnceValue(func() *faultDriver {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		panic(err)
	}
	d := &faultDriver{base: db.Driver()}
	db.Close()
	sql.Register("sqlite-faults", d)
	return d
})

// TestCommitFaultsFailClosed fails the commits of encipherments, alone and
// in a batch of concurrent clerks, before and after the data reach the
// file, and checks each time that the clerk got an error and no wire, and
// that the database holds each telegram whole or untouched: signed with
// its pages unused, or enciphered with its pages used and recorded. Claims
// and pad destruction fail the same way.
func TestCommitFaultsFailClosed(t *testing.T) {
	d := registerFaults()
	driverName = "sqlite-faults"
	defer func() { driverName = "sqlite" }()
	f := newFixture(t)
	f.pad("LON-CEN-1", ciphergram.PadOut, 40, 60)
	ctx := f.ctx

	// signed makes a signed telegram to encipher.
	signed := func() *ciphergram.Telegram {
		tg := &ciphergram.Telegram{Direction: ciphergram.Outgoing, State: ciphergram.StateDraft, From: "LONDON", To: "CENTRE",
			Filed: f.tg.Filed, Text: "THE PACT IS SIGNED."}
		f.must(f.s.CreateTelegram(ctx, tg, f.audit("telegram.composed")))
		tg.State, tg.Nr, tg.SignedBy = ciphergram.StateSigned, int(tg.ID), "VADIM"
		f.must(f.s.UpdateTelegram(ctx, tg, ciphergram.StateDraft, "", f.audit("telegram.signed")))
		return tg
	}
	encipher := func(tg *ciphergram.Telegram) (string, error) {
		err := f.s.EncipherTelegram(ctx, tg, 1, func(pages []*otp.Page) (string, error) {
			return fmt.Sprintf("WIRE OF %d ON %s", tg.ID, pages[0].Indicator()), nil
		}, f.audit("pages.claimed"), f.audit("telegram.enciphered"))
		return tg.Wire, err
	}

	for _, tc := range []struct {
		name          string
		clerks        int
		before, after int32
	}{
		{"commit fails, 1 clerk", 1, 1, 0},
		{"commit fails, 8 clerks", 8, 8, 0},
		{"commit reports failure after writing, 1 clerk", 1, 0, 1},
		{"commit reports failure after writing, 8 clerks", 8, 0, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tgs := make([]*ciphergram.Telegram, tc.clerks)
			for i := range tgs {
				tgs[i] = signed()
			}
			d.failBefore.Store(tc.before)
			d.failAfter.Store(tc.after)
			d.failed.Store(0)
			var wg sync.WaitGroup
			wires := make([]string, len(tgs))
			errs := make([]error, len(tgs))
			for i, tg := range tgs {
				wg.Go(func() { wires[i], errs[i] = encipher(tg) })
			}
			wg.Wait()
			d.failBefore.Store(0)
			d.failAfter.Store(0)
			if d.failed.Load() == 0 {
				t.Fatal("no commit failed: the fault was not injected")
			}
			for i, tg := range tgs {
				if errs[i] == nil {
					continue // committed in a batch whose commit did not fail
				}
				if wires[i] != "" {
					t.Errorf("telegram %d: the encipherment failed (%v) but its wire was released", tg.ID, errs[i])
				}
				if ciphergram.ErrorCode(errs[i]) != ciphergram.EINTERNAL {
					t.Errorf("telegram %d: %v (code %q), want an internal fault", tg.ID, errs[i], ciphergram.ErrorCode(errs[i]))
				}
			}
			checkWholeOrUntouched(t, f, tgs, wires, tc.after > 0)
		})
	}

	// The store works on once the disk does.
	tg := signed()
	if wire, err := encipher(tg); err != nil || wire == "" {
		t.Fatalf("after the faults: %q, %v", wire, err)
	}
	checkWholeOrUntouched(t, f, []*ciphergram.Telegram{tg}, []string{tg.Wire}, false)
}

// checkWholeOrUntouched checks each telegram in the database: signed with
// no page used for it, or enciphered with its wire and exactly its one page
// used and recorded. A telegram whose wire was released (wires, by
// position) must be stored enciphered with that very wire; if mayCommit is
// false, one whose encipherment failed must have stayed signed.
func checkWholeOrUntouched(t *testing.T, f *fixture, tgs []*ciphergram.Telegram, wires []string, mayCommit bool) {
	t.Helper()
	ds, err := f.s.Destructions(f.ctx)
	f.must(err)
	byTelegram := map[int64][]string{}
	for _, d := range ds {
		byTelegram[d.TelegramID] = append(byTelegram[d.TelegramID], d.Indicator)
	}
	for i, want := range tgs {
		got, err := f.s.Telegram(f.ctx, want.ID)
		f.must(err)
		if wires[i] != "" && (got.State != ciphergram.StateEnciphered || got.Wire != wires[i]) {
			t.Errorf("telegram %d: wire %q released, stored %s with wire %q", got.ID, wires[i], got.State, got.Wire)
		}
		used := byTelegram[got.ID]
		switch got.State {
		case ciphergram.StateSigned:
			if got.Wire != "" || len(used) != 0 {
				t.Errorf("telegram %d: signed, with a wire %q and %d page(s) used for it", got.ID, got.Wire, len(used))
			}
		case ciphergram.StateEnciphered:
			if len(used) != 1 || got.Wire != fmt.Sprintf("WIRE OF %d ON %s", got.ID, used[0]) {
				t.Errorf("telegram %d: enciphered with wire %q and pages %v used for it", got.ID, got.Wire, used)
			}
			if !mayCommit && wires[i] == "" {
				t.Errorf("telegram %d: enciphered though its commit failed", got.ID)
			}
		default:
			t.Errorf("telegram %d: %s", got.ID, got.State)
		}
	}
	var unusedWithRecord int
	f.must(f.s.db.QueryRow(`SELECT count(*) FROM pages p JOIN destructions d ON d.pad = p.pad AND d.number = p.number WHERE p.state = 'unused'`).Scan(&unusedWithRecord))
	if unusedWithRecord != 0 {
		t.Errorf("%d unused pages have destruction records", unusedWithRecord)
	}
}
