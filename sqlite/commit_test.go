package sqlite

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"ciphergram"
	"ciphergram/otp"
)

// holdWriter runs a write that waits until the returned function is
// called, so that the writes started meanwhile queue behind it. The
// function waits for that write to end.
func (f *fixture) holdWriter() (release func()) {
	f.t.Helper()
	held, done := make(chan struct{}), make(chan error)
	go func() {
		done <- f.s.change(f.ctx, "hold", func(*wtx) error { <-held; return nil })
	}()
	f.awaitQueue(0, func() bool { return f.s.leading })
	var once sync.Once
	release = func() {
		once.Do(func() {
			close(held)
			f.must(<-done)
		})
	}
	f.t.Cleanup(release) // before Close, which waits for it, if the test fails first
	return release
}

// awaitQueue waits until n writes are queued and cond (if any) holds.
func (f *fixture) awaitQueue(n int, cond func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		f.s.mu.Lock()
		ok := len(f.s.queue) == n && (cond == nil || cond())
		f.s.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("%d writes were never queued", n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestGroupCommit queues 20 claims behind a write in progress: they are
// committed together, in one transaction, and each gets pages of its own.
func TestGroupCommit(t *testing.T) {
	const claims = 20
	f := newFixture(t)
	p := f.pad("LON-CEN-1", ciphergram.PadOut, 2*claims, 10)
	commits, _ := f.s.stats.get()

	release := f.holdWriter()
	got := make([][]*otp.Page, claims)
	var wg sync.WaitGroup
	for i := range claims {
		a := f.audit("pages.claimed")
		wg.Go(func() {
			var err error
			got[i], err = f.s.ClaimPages(f.ctx, "LONDON", "CENTRE", 1+i%2, f.tg.ID, a)
			if err != nil {
				t.Errorf("claim %d: %v", i, err)
			}
		})
	}
	f.awaitQueue(claims, nil)
	release()
	wg.Wait()

	after, requests := f.s.stats.get()
	if n := after - commits; n != 2 {
		t.Errorf("the write held and %d claims took %d commits, want 2", claims, n)
	}
	t.Logf("%d commits for %d requests in all", after, requests)
	seen := map[int]bool{}
	for i, pages := range got {
		if len(pages) != 1+i%2 {
			t.Errorf("claim %d got %d pages, want %d", i, len(pages), 1+i%2)
		}
		for _, pg := range pages {
			if seen[pg.Number] {
				t.Errorf("page %d was handed out twice", pg.Number)
			}
			seen[pg.Number] = true
			if string(pg.Digits) != string(p.Pages[pg.Number-1].Digits) {
				t.Errorf("page %d was handed out with other digits", pg.Number)
			}
		}
	}
	f.checkChain()
}

// TestGroupCommitFailures puts failing writes in one batch with good ones:
// a claim of more pages than there are, a compare and set that fails, a
// panic, a caller gone: each fails alone, rolled back to its savepoint, and
// the others commit.
func TestGroupCommitFailures(t *testing.T) {
	f := newFixture(t)
	f.pad("LON-CEN-1", ciphergram.PadOut, 10, 10)
	entries := func() int {
		es, _, err := f.s.AuditLog(f.ctx)
		f.must(err)
		return len(es)
	}
	before := entries()
	commits, _ := f.s.stats.get()

	release := f.holdWriter()
	var wg sync.WaitGroup
	errs := make([]error, 6)
	var panicked any
	queued := 0
	start := func(i int, fn func() error) {
		wg.Go(func() { errs[i] = fn() })
		f.awaitQueue(queued+1, nil)
		queued++
	}
	good := func() error {
		_, err := f.s.ClaimPages(f.ctx, "LONDON", "CENTRE", 2, f.tg.ID, f.audit("pages.claimed"))
		return err
	}
	start(0, good)
	start(1, func() error { // EEXHAUSTED, after it read the pages
		_, err := f.s.ClaimPages(f.ctx, "LONDON", "CENTRE", 100, f.tg.ID, f.audit("pages.claimed"))
		return err
	})
	start(2, func() error { // ECONFLICT: the telegram is a draft
		tg := *f.tg
		tg.State = ciphergram.StateEnciphered
		return f.s.UpdateTelegram(f.ctx, &tg, ciphergram.StateSigned, "", f.audit("telegram.enciphered"))
	})
	start(3, func() (err error) { // a panic after a change
		defer func() { panicked = recover() }()
		return f.s.write(f.ctx, "Panics", f.audit("panics"), func(tx *wtx) error {
			if _, err := tx.ExecContext(f.ctx, `UPDATE telegrams SET caveat = 'PANIC'`); err != nil {
				return err
			}
			panic("boom")
		})
	})
	gone, cancel := context.WithCancel(f.ctx)
	withdrawn := make(chan error)
	go func() { // withdrawn before its batch
		withdrawn <- f.s.write(gone, "Gone", f.audit("gone"), func(tx *wtx) error { return errors.New("ran") })
	}()
	f.awaitQueue(queued+1, nil)
	queued++
	start(5, good)
	cancel()
	errs[4] = <-withdrawn // at once, while the others wait
	f.awaitQueue(queued-1, nil)
	release()
	wg.Wait()

	if errs[0] != nil || errs[5] != nil {
		t.Errorf("the good claims failed: %v, %v", errs[0], errs[5])
	}
	for i, code := range map[int]string{1: ciphergram.EEXHAUSTED, 2: ciphergram.ECONFLICT} {
		if got := ciphergram.ErrorCode(errs[i]); got != code {
			t.Errorf("write %d: %v, want %s", i, errs[i], code)
		}
	}
	if panicked != "boom" {
		t.Errorf("the panic reached its caller as %v", panicked)
	}
	if !errors.Is(errs[4], context.Canceled) {
		t.Errorf("the withdrawn write: %v, want context.Canceled", errs[4])
	}
	after, _ := f.s.stats.get()
	if n := after - commits; n != 2 {
		t.Errorf("%d commits, want 2 (the write held, then the batch)", n)
	}
	if n := entries() - before; n != 2 {
		t.Errorf("%d audit entries added, want 2 (the two good claims)", n)
	}
	var caveat string
	f.must(f.s.db.QueryRow(`SELECT caveat FROM telegrams WHERE id = ?`, f.tg.ID).Scan(&caveat))
	if caveat == "PANIC" {
		t.Error("the change of the write that panicked was committed")
	}
	ds, err := f.s.Destructions(f.ctx)
	f.must(err)
	if len(ds) != 4 {
		t.Errorf("%d pages destroyed, want 4 (two claims of 2)", len(ds))
	}
	f.checkChain()
}

// TestCloseWaitsForWrites: Close lets the batch under way commit, then
// refuses writes.
func TestCloseWaitsForWrites(t *testing.T) {
	f := newFixture(t)
	f.pad("LON-CEN-1", ciphergram.PadOut, 10, 10)
	release := f.holdWriter()
	claimed := make(chan error)
	go func() {
		_, err := f.s.ClaimPages(f.ctx, "LONDON", "CENTRE", 1, f.tg.ID, f.audit("pages.claimed"))
		claimed <- err
	}()
	f.awaitQueue(1, nil)
	closed := make(chan error)
	go func() { closed <- f.s.Close() }()
	f.awaitQueue(1, func() bool { return f.s.closed })
	release()
	f.must(<-claimed)
	f.must(<-closed)
	err := f.s.Record(f.ctx, f.audit("late"))
	if err == nil {
		t.Error("a write after Close succeeded")
	}
	f.open()
	ds, err := f.s.Destructions(f.ctx)
	f.must(err)
	if len(ds) != 1 {
		t.Errorf("%d pages destroyed, want the one claimed before Close", len(ds))
	}
}

func (f *fixture) checkChain() {
	f.t.Helper()
	es, head, err := f.s.AuditLog(f.ctx)
	f.must(err)
	if err := ciphergram.VerifyChain(es, head); err != nil {
		f.t.Errorf("VerifyChain: %v", err)
	}
}
