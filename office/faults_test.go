package office_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"ciphergram"
	"ciphergram/office"
	"ciphergram/otp"
)

// faultyStore fails the store methods named in fail, as a full disk or a
// failed fsync would make the database fail them: the method's
// transaction does not commit.
type faultyStore struct {
	ciphergram.Store
	fail map[string]bool
}

var errDisk = errors.New("injected fault: fsync: input/output error")

func (f *faultyStore) ClaimPages(ctx context.Context, from, to string, n int, id int64, a ciphergram.Audit) ([]*otp.Page, error) {
	if f.fail["ClaimPages"] {
		return nil, errDisk
	}
	return f.Store.ClaimPages(ctx, from, to, n, id, a)
}

func (f *faultyStore) UpdateTelegram(ctx context.Context, t *ciphergram.Telegram, from ciphergram.State, counter string, a ciphergram.Audit) error {
	if f.fail["UpdateTelegram"] {
		return errDisk
	}
	return f.Store.UpdateTelegram(ctx, t, from, counter, a)
}

func (f *faultyStore) RegisterIncoming(ctx context.Context, t *ciphergram.Telegram, pages []ciphergram.PageRef, a ciphergram.Audit) error {
	if f.fail["RegisterIncoming"] {
		return errDisk
	}
	return f.Store.RegisterIncoming(ctx, t, pages, a)
}

// TestFaultsFailClosed: when the store cannot commit, encipherment and
// decipherment fail and release nothing; a page whose claim committed is
// never handed out again, even when saving the telegram then fails.
func TestFaultsFailClosed(t *testing.T) {
	ctx := context.Background()
	p := newPair(t, 10)
	officer, clerk := actor(t, p.london, "officer"), actor(t, p.london, "clerk")
	fs := &faultyStore{Store: p.london.Store(), fail: map[string]bool{}}
	faulty := office.New(fs)
	faulty.Now, faulty.Rand = p.london.Now, p.london.Rand

	tg, err := p.london.Compose(ctx, officer, office.Draft{To: "CENTRE", Text: "THE PACT IS SIGNED."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.london.Sign(ctx, officer, tg.ID); err != nil {
		t.Fatal(err)
	}
	left := func() int {
		ps, err := p.london.Pads(ctx, clerk)
		if err != nil {
			t.Fatal(err)
		}
		return ps[0].Left()
	}

	// The claim cannot commit: no ciphertext, no page used.
	fs.fail["ClaimPages"] = true
	if got, err := faulty.Encipher(ctx, clerk, tg.ID); !errors.Is(err, errDisk) || got != nil {
		t.Fatalf("Encipher with a failing claim = %v, %v", got, err)
	}
	if left() != 10 {
		t.Fatalf("%d pages left after a failed claim, want 10", left())
	}

	// The claim commits but the telegram cannot be saved: no ciphertext
	// comes out, the page stays burned, the telegram stays signed.
	fs.fail["ClaimPages"], fs.fail["UpdateTelegram"] = false, true
	if got, err := faulty.Encipher(ctx, clerk, tg.ID); !errors.Is(err, errDisk) || got != nil {
		t.Fatalf("Encipher with a failing save = %v, %v", got, err)
	}
	if left() != 9 {
		t.Fatalf("%d pages left after a claim whose telegram was not saved, want 9", left())
	}
	st, _ := p.london.Telegram(ctx, clerk, tg.ID)
	if st.State != ciphergram.StateSigned || st.Wire != "" {
		t.Fatalf("telegram %s with wire %q, want signed without a wire", st.State, st.Wire)
	}
	ds, _ := p.london.Store().Destructions(ctx)
	burned := ds[len(ds)-1].Indicator

	// Enciphered again once the disk is back: on a fresh page.
	fs.fail["UpdateTelegram"] = false
	got, err := faulty.Encipher(ctx, clerk, tg.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got.Wire, burned) || left() != 8 {
		t.Fatalf("re-encipherment used the burned page %s (wire %q), %d left", burned, got.Wire, left())
	}

	// At the Centre: the registration cannot commit, so no text is
	// released and the page is still there for a second attempt.
	cfs := &faultyStore{Store: p.centre.Store(), fail: map[string]bool{"RegisterIncoming": true}}
	cfaulty := office.New(cfs)
	cfaulty.Now = p.centre.Now
	cclerk := actor(t, p.centre, "clerk")
	in, err := cfaulty.Receive(ctx, cclerk, office.Receipt{Wire: got.Wire})
	if err != nil {
		t.Fatal(err)
	}
	if out, err := cfaulty.Decipher(ctx, cclerk, in.ID); !errors.Is(err, errDisk) || out != nil {
		t.Fatalf("Decipher with a failing registration = %v, %v", out, err)
	}
	cfs.fail["RegisterIncoming"] = false
	out, err := cfaulty.Decipher(ctx, cclerk, in.ID)
	if err != nil || !strings.Contains(out.Text, "THE PACT IS SIGNED.") {
		t.Fatalf("Decipher after the fault = %v, %v", out, err)
	}
}
