package storetest

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"ciphergram"
	"ciphergram/otp"
)

// Claimers and pages of the concurrent claim test.
const (
	claimers    = 32
	claimPages  = 300
	numberers   = 16
	numberRound = 2 // telegrams each numberer signs
)

// testClaimPagesConcurrent has 32 goroutines, on two Store values open on
// the same database as two processes would, claim 1 to 3 pages at a time
// until the pad is exhausted: every page must be handed out exactly once,
// and EEXHAUSTED only when too few pages are really left.
func testClaimPagesConcurrent(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	p := genPad(t, 1, "LON-CEN-1", home, centre, claimPages, 10)
	e.importPad(p, ciphergram.PadOut)
	tg := e.draft("concurrent", day(10, 0))
	stores := []ciphergram.Store{e.st, e.second()}

	var mu sync.Mutex
	var claimed []*otp.Page
	audits := make([][]ciphergram.Audit, claimers)
	for i := range claimers {
		// At most one claim a page, and a few refused once fewer than 3
		// pages are left.
		for range claimPages + 10 {
			audits[i] = append(audits[i], e.audit("pages.claimed"))
		}
	}
	var wg sync.WaitGroup
	for i := range claimers {
		wg.Go(func() {
			st := stores[i%len(stores)]
			rng := rand.New(rand.NewPCG(1, uint64(i)))
			n := 1 + rng.IntN(3)
			for k := 0; ; k++ {
				if k == len(audits[i]) {
					t.Errorf("claimer %d: ClaimPages never ran out of pages", i)
					return
				}
				pages, err := st.ClaimPages(e.ctx, home, centre, n, tg.ID, audits[i][k])
				if ciphergram.ErrorCode(err) == ciphergram.EEXHAUSTED {
					if !checkExhausted(t, e, st, n) || n == 1 {
						return
					}
					n-- // ask for fewer until none is left
					continue
				}
				if err != nil {
					t.Errorf("claimer %d: ClaimPages %d: %v", i, n, err)
					return
				}
				if len(pages) != n {
					t.Errorf("claimer %d: ClaimPages %d gave %d pages", i, n, len(pages))
				}
				for j := 1; j < len(pages); j++ {
					if pages[j].Number <= pages[j-1].Number {
						t.Errorf("claimer %d: ClaimPages gave pages %d then %d", i, pages[j-1].Number, pages[j].Number)
					}
				}
				mu.Lock()
				claimed = append(claimed, pages...)
				mu.Unlock()
				n = 1 + rng.IntN(3)
			}
		})
	}
	wg.Wait()

	if len(claimed) != claimPages {
		t.Errorf("the claimers got %d pages in all, want %d", len(claimed), claimPages)
	}
	seen := map[int]bool{}
	for _, pg := range claimed {
		switch {
		case pg.Number < 1 || pg.Number > claimPages:
			t.Errorf("a claimer got page %d of a pad of %d", pg.Number, claimPages)
		case seen[pg.Number]:
			t.Errorf("page %d was handed out twice", pg.Number)
		case !bytes.Equal(pg.Digits, p.Pages[pg.Number-1].Digits):
			t.Errorf("page %d was handed out with other digits", pg.Number)
		}
		seen[pg.Number] = true
	}
	ds, err := e.st.Destructions(e.ctx)
	must(t, "Destructions", err)
	if len(ds) != claimPages {
		t.Errorf("%d destruction records, want %d", len(ds), claimPages)
	}
	// Whichever claims took the last pages, at once, one of them erased
	// the data key.
	if wrapped, digits := e.stored(p.ID); wrapped != nil || len(digits) > 0 {
		t.Errorf("the pad is used up, and its data key is still stored (%t), with the digits of %d pages", wrapped != nil, len(digits))
	}
	checkChain(t, e)
}

// checkExhausted checks that EEXHAUSTED for n pages was true: pages are
// never given back, so fewer than n must be left now.
func checkExhausted(t *testing.T, e *env, st ciphergram.Store, n int) bool {
	pads, err := st.Pads(e.ctx)
	if err != nil || len(pads) != 1 {
		t.Errorf("Pads gave %d pads (%v), want 1", len(pads), err)
		return false
	}
	if left := pads[0].Left(); left >= n {
		t.Errorf("ClaimPages %d gave EEXHAUSTED, but %d pages are left", n, left)
		return false
	}
	return true
}

// testNumberingConcurrent has 16 goroutines sign telegrams at once: the
// numbers must be 1, 2, 3, ... without gap or repeat.
func testNumberingConcurrent(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	stores := []ciphergram.Store{e.st, e.second()}
	drafts := make([][]*ciphergram.Telegram, numberers)
	audits := make([][]ciphergram.Audit, numberers)
	for i := range numberers {
		for range numberRound {
			drafts[i] = append(drafts[i], e.draft("concurrent", day(10, 0)))
			audits[i] = append(audits[i], e.audit("telegram.signed"))
		}
	}
	var wg sync.WaitGroup
	for i := range numberers {
		wg.Go(func() {
			for k, tg := range drafts[i] {
				tg.State = ciphergram.StateSigned
				tg.SignedBy = "VADIM"
				err := stores[i%len(stores)].UpdateTelegram(e.ctx, tg, ciphergram.StateDraft, ciphergram.CounterOutgoing, audits[i][k])
				if err != nil {
					t.Errorf("signer %d: UpdateTelegram: %v", i, err)
				}
			}
		})
	}
	wg.Wait()

	var got []int
	for _, ds := range drafts {
		for _, tg := range ds {
			stored, err := e.st.Telegram(e.ctx, tg.ID)
			must(t, "Telegram", err)
			if stored.Nr != tg.Nr {
				t.Errorf("telegram %d: stored number %d, UpdateTelegram gave %d", tg.ID, stored.Nr, tg.Nr)
			}
			got = append(got, tg.Nr)
		}
	}
	slices.Sort(got)
	for i, nr := range got {
		if nr != i+1 {
			t.Fatalf("the signed telegrams have numbers %v, want 1 to %d each once", got, len(got))
		}
	}
	checkChain(t, e)
}
