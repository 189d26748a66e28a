package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"ciphergram"
	"ciphergram/otp"
)

// signed stores a new outgoing telegram to the CENTRE and signs it.
func (e *env) signed(text string) *ciphergram.Telegram {
	e.t.Helper()
	tg := e.draft(text, day(10, 0))
	tg.State, tg.SignedBy = ciphergram.StateSigned, "VADIM"
	must(e.t, "UpdateTelegram to signed", e.st.UpdateTelegram(e.ctx, tg, ciphergram.StateDraft, ciphergram.CounterOutgoing, e.audit("telegram.signed")))
	return tg
}

// sealer is a seal function that keeps copies of the pages it was given
// and the pages themselves (to see that they are wiped), and makes a wire
// naming their indicators.
type sealer struct {
	mu     sync.Mutex
	calls  int
	copies [][]*otp.Page
	given  []*otp.Page
	err    error // returned instead of a wire
}

func (s *sealer) seal(pages []*otp.Page) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	var cs []*otp.Page
	var inds []string
	for _, pg := range pages {
		c := *pg
		c.Digits = bytes.Clone(pg.Digits)
		cs = append(cs, &c)
		inds = append(inds, pg.Indicator())
	}
	s.copies = append(s.copies, cs)
	s.given = append(s.given, pages...)
	if s.err != nil {
		return "", s.err
	}
	return "WIRE " + strings.Join(inds, " "), nil
}

// last is what the last call was given.
func (s *sealer) last() []*otp.Page {
	if len(s.copies) == 0 {
		return nil
	}
	return s.copies[len(s.copies)-1]
}

// checkWiped fails if a page given to seal still holds digits.
func (s *sealer) checkWiped(t *testing.T) {
	t.Helper()
	for _, pg := range s.given {
		if len(pg.Digits) > 0 && slices.ContainsFunc(pg.Digits, func(b byte) bool { return b != 0 }) {
			t.Errorf("page %d given to seal was not wiped", pg.Number)
		}
	}
}

// testEncipherTelegram: the claim, the seal and the save are one
// transaction, which commits whole or not at all.
func testEncipherTelegram(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	p := genPad(t, 1, "LON-CEN-1", home, centre, 5, 10)
	e.importPad(p, ciphergram.PadOut)

	tg := e.signed("two parts")
	var s sealer
	want := *tg
	claimed, enciphered := e.audit("pages.claimed"), e.audit("telegram.enciphered")
	must(t, "EncipherTelegram", e.st.EncipherTelegram(e.ctx, tg, 2, s.seal, claimed, enciphered))
	if s.calls != 1 {
		t.Fatalf("seal ran %d times, want once", s.calls)
	}
	checkClaimed(t, s.last(), p.Pages[0], p.Pages[1])
	s.checkWiped(t)
	wire := "WIRE " + p.Pages[0].Indicator() + " " + p.Pages[1].Indicator()
	want.State, want.Wire = ciphergram.StateEnciphered, wire
	if !reflect.DeepEqual(*tg, want) {
		t.Errorf("EncipherTelegram left t = %+v, want %+v", *tg, want)
	}
	stored, err := e.st.Telegram(e.ctx, tg.ID)
	must(t, "Telegram", err)
	if stored.State != ciphergram.StateEnciphered || stored.Wire != wire || stored.Nr != tg.Nr {
		t.Errorf("stored telegram %s nr %d with wire %q, want enciphered nr %d with %q", stored.State, stored.Nr, stored.Wire, tg.Nr, wire)
	}
	checkDestructions(t, e, destroyed(p, "sent", tg.ID, 1, 2))
	entries := checkChain(t, e)
	if n := len(entries); n < 2 || entries[n-2].Action != "pages.claimed" || entries[n-1].Action != "telegram.enciphered" ||
		entries[n-2].Subject != claimed.Subject || entries[n-1].Subject != enciphered.Subject {
		t.Errorf("the audit log does not end with the claim, then the encipherment")
	}

	// Refusals: nothing is claimed, seal does not run, t stays as it was.
	refused := func(what string, tg *ciphergram.Telegram, n int, code string) {
		t.Helper()
		var s sealer
		before := *tg
		err := e.st.EncipherTelegram(e.ctx, tg, n, s.seal, e.audit("pages.claimed"), e.audit("telegram.enciphered"))
		wantCode(t, what, err, code)
		if s.calls != 0 {
			t.Errorf("%s: seal ran", what)
		}
		if !reflect.DeepEqual(*tg, before) {
			t.Errorf("%s: t changed", what)
		}
	}
	refused("EncipherTelegram of an enciphered telegram", tg, 1, ciphergram.ECONFLICT)
	draft := e.draft("not signed", day(10, 0))
	refused("EncipherTelegram of a draft", draft, 1, ciphergram.ECONFLICT)
	unknown := *draft
	unknown.ID = 1 << 40
	refused("EncipherTelegram of an unknown telegram", &unknown, 1, ciphergram.ENOTFOUND)
	next := e.signed("too long")
	refused("EncipherTelegram of 4 pages of 3", next, 4, ciphergram.EEXHAUSTED)
	refused("EncipherTelegram of no page", next, 0, ciphergram.EINVALID)

	// A seal that fails: its error comes back as it is, no page is used.
	sealFailed := errors.New("the codebook has no group for this")
	s = sealer{err: sealFailed}
	before := *next
	err = e.st.EncipherTelegram(e.ctx, next, 1, s.seal, e.audit("pages.claimed"), e.audit("telegram.enciphered"))
	if !errors.Is(err, sealFailed) {
		t.Errorf("EncipherTelegram with a failing seal: %v, want the seal's error", err)
	}
	if s.calls == 0 {
		t.Errorf("seal did not run")
	}
	s.checkWiped(t)
	if !reflect.DeepEqual(*next, before) {
		t.Errorf("a failed EncipherTelegram changed t")
	}
	checkDestructions(t, e, destroyed(p, "sent", tg.ID, 1, 2))
	checkExport(t, e, p, burned(1, 2))

	// The telegram stays signed, and is enciphered on page 3, the next.
	stored, err = e.st.Telegram(e.ctx, next.ID)
	must(t, "Telegram", err)
	if stored.State != ciphergram.StateSigned || stored.Wire != "" {
		t.Errorf("after the failures the telegram is %s with wire %q, want signed without one", stored.State, stored.Wire)
	}
	s = sealer{}
	must(t, "EncipherTelegram after the failures", e.st.EncipherTelegram(e.ctx, next, 1, s.seal, e.audit("pages.claimed"), e.audit("telegram.enciphered")))
	checkClaimed(t, s.last(), p.Pages[2])
	checkDestructions(t, e, append(destroyed(p, "sent", tg.ID, 1, 2), destroyed(p, "sent", next.ID, 3)...))
	checkChain(t, e)
}

// Telegrams and clerks of the concurrent encipherment test.
const (
	encipherTelegrams = 40
	encipherClerks    = 16
)

// testEncipherTelegramConcurrent has 16 clerks, on two Store values open on
// the same database, encipher 40 telegrams of one or two parts, every
// telegram by two clerks at once: each is enciphered once, the other clerk
// gets ECONFLICT at the cost of no page, and every page is used once, by
// the telegram whose wire names it.
func testEncipherTelegramConcurrent(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	p := genPad(t, 1, "LON-CEN-1", home, centre, 2*encipherTelegrams, 10)
	e.importPad(p, ciphergram.PadOut)
	stores := []ciphergram.Store{e.st, e.second()}
	tgs := make([]*ciphergram.Telegram, encipherTelegrams)
	audits := make([][2]ciphergram.Audit, 2*encipherTelegrams)
	for i := range tgs {
		tgs[i] = e.signed(fmt.Sprint("telegram ", i))
	}
	for i := range audits {
		audits[i] = [2]ciphergram.Audit{e.audit("pages.claimed"), e.audit("telegram.enciphered")}
	}
	parts := func(i int) int { return 1 + i%2 }

	type outcome struct {
		err   error
		wire  string
		pages []*otp.Page
	}
	outcomes := make([]outcome, 2*encipherTelegrams) // job j: telegram j/2
	jobs := make(chan int, len(outcomes))
	for j := range outcomes {
		jobs <- j
	}
	close(jobs)
	var wg sync.WaitGroup
	for c := range encipherClerks {
		wg.Go(func() {
			for j := range jobs {
				tg := *tgs[j/2] // each clerk has its own copy
				var s sealer
				err := stores[c%2].EncipherTelegram(e.ctx, &tg, parts(j/2), s.seal, audits[j][0], audits[j][1])
				outcomes[j] = outcome{err: err, wire: tg.Wire, pages: s.last()}
				if err == nil && s.calls != 1 { // a store may retry, but only the last run counts
					t.Logf("job %d: seal ran %d times", j, s.calls)
				}
				s.checkWiped(t)
			}
		})
	}
	wg.Wait()

	used := map[int]int{} // page: telegram
	for i, tg := range tgs {
		a, b := outcomes[2*i], outcomes[2*i+1]
		if (a.err == nil) == (b.err == nil) {
			t.Errorf("telegram %d: the two encipherments gave %v and %v, want one success and one conflict", tg.ID, a.err, b.err)
			continue
		}
		won, lost := a, b
		if a.err != nil {
			won, lost = b, a
		}
		wantCode(t, fmt.Sprintf("telegram %d enciphered again", tg.ID), lost.err, ciphergram.ECONFLICT)
		if len(won.pages) != parts(i) {
			t.Errorf("telegram %d was enciphered on %d pages, want %d", tg.ID, len(won.pages), parts(i))
		}
		stored, err := e.st.Telegram(e.ctx, tg.ID)
		must(t, "Telegram", err)
		if stored.State != ciphergram.StateEnciphered || stored.Wire != won.wire {
			t.Errorf("telegram %d is stored %s with wire %q, want enciphered with %q", tg.ID, stored.State, stored.Wire, won.wire)
		}
		for _, pg := range won.pages {
			if other, ok := used[pg.Number]; ok {
				t.Errorf("page %d was used by telegrams %d and %d", pg.Number, other, tg.ID)
			}
			used[pg.Number] = int(tg.ID)
			if !bytes.Equal(pg.Digits, p.Pages[pg.Number-1].Digits) {
				t.Errorf("page %d was given with other digits", pg.Number)
			}
		}
	}
	ds, err := e.st.Destructions(e.ctx)
	must(t, "Destructions", err)
	if len(ds) != len(used) {
		t.Errorf("%d destruction records, want %d (one per page used)", len(ds), len(used))
	}
	for _, d := range ds {
		if used[d.Number] != int(d.TelegramID) {
			t.Errorf("page %d is recorded destroyed for telegram %d, but telegram %d used it", d.Number, d.TelegramID, used[d.Number])
		}
	}
	checkChain(t, e)
}
