package office_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"ciphergram"
	"ciphergram/cipher"
	"ciphergram/groups"
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

// EncipherTelegram fails as a transaction that cannot commit: with
// "EncipherTelegram" before it begins; with "EncipherTelegram-commit" after
// seal has made the wire, which the real store's rollback then drops.
func (f *faultyStore) EncipherTelegram(ctx context.Context, t *ciphergram.Telegram, n int, seal func([]*otp.Page) (string, error), claimed, enciphered ciphergram.Audit) error {
	switch {
	case f.fail["EncipherTelegram"]:
		return errDisk
	case f.fail["EncipherTelegram-commit"]:
		err := f.Store.EncipherTelegram(ctx, t, n, func(pages []*otp.Page) (string, error) {
			if _, err := seal(pages); err != nil {
				return "", err
			}
			return "", errDisk // the wire was made; the commit fails
		}, claimed, enciphered)
		if err == nil {
			panic("faultyStore: the transaction committed")
		}
		return err
	}
	return f.Store.EncipherTelegram(ctx, t, n, seal, claimed, enciphered)
}

func (f *faultyStore) RegisterIncoming(ctx context.Context, t *ciphergram.Telegram, pages []ciphergram.PageRef, a ciphergram.Audit) error {
	if f.fail["RegisterIncoming"] {
		return errDisk
	}
	return f.Store.RegisterIncoming(ctx, t, pages, a)
}

// TestFaultsFailClosed: when the store cannot commit, encipherment and
// decipherment fail and release nothing. Encipherment is one transaction:
// a claim that does not commit uses no page, and a wire made in a
// transaction that does not commit never comes out; the telegram stays
// signed and is enciphered later on the same, still unused, page.
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
	signed := func(when string) {
		t.Helper()
		st, _ := p.london.Telegram(ctx, clerk, tg.ID)
		if st.State != ciphergram.StateSigned || st.Wire != "" {
			t.Fatalf("%s: telegram %s with wire %q, want signed without a wire", when, st.State, st.Wire)
		}
	}

	for _, fault := range []string{"EncipherTelegram", "EncipherTelegram-commit"} {
		fs.fail[fault] = true
		if got, err := faulty.Encipher(ctx, clerk, tg.ID); !errors.Is(err, errDisk) || got != nil {
			t.Fatalf("Encipher with fault %s = %v, %v", fault, got, err)
		}
		fs.fail[fault] = false
		if left() != 10 {
			t.Fatalf("%d pages left after fault %s, want 10", left(), fault)
		}
		signed("after fault " + fault)
		if ds, _ := p.london.Store().Destructions(ctx); len(ds) != 0 {
			t.Fatalf("%d pages destroyed after fault %s, want none", len(ds), fault)
		}
	}

	// Enciphered once the disk is back, on the first page: none was used.
	got, err := faulty.Encipher(ctx, clerk, tg.ID)
	if err != nil {
		t.Fatal(err)
	}
	if left() != 9 {
		t.Fatalf("%d pages left after the encipherment, want 9", left())
	}
	ds, _ := p.london.Store().Destructions(ctx)
	if len(ds) != 1 || ds[0].Number != 1 || !strings.Contains(got.Wire, groups.ToLetters(ds[0].Indicator)) {
		t.Fatalf("the encipherment destroyed %+v and sent %q, want page 1", ds, got.Wire)
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

// TestEncipherPageSizeChange: the next pad of the link has pages of
// another size than the one before, which Encipher remembered. The seal
// refuses the pages, which uses none of them, and the telegram is cut
// again for the new size and enciphered on the new pad's first page; the
// Centre reads it.
func TestEncipherPageSizeChange(t *testing.T) {
	ctx := context.Background()
	p := newPair(t, 1)
	p.send(t, "THE FIRST PAD IS USED UP.") // Encipher now thinks pages have 60 groups
	cclerk, lclerk := actor(t, p.centre, "clerk"), actor(t, p.london, "clerk")
	if _, err := p.centre.IssuePad(ctx, cclerk, "LON-CEN-2", "LONDON", "CENTRE", 3, 30); err != nil {
		t.Fatal(err)
	}
	var sealed bytes.Buffer
	if err := p.centre.ExportPad(ctx, cclerk, "LON-CEN-2", "a long transport passphrase", &sealed); err != nil {
		t.Fatal(err)
	}
	if _, err := p.london.ImportPad(ctx, lclerk, &sealed, "a long transport passphrase"); err != nil {
		t.Fatal(err)
	}

	wire := p.send(t, "THE SECOND PAD HAS SMALLER PAGES.")
	ds, err := p.london.Store().Destructions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := cipher.ParseTransmissions(wire)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1+len(ts) {
		t.Fatalf("%d pages destroyed, want 1 and the %d of the second telegram", len(ds), len(ts))
	}
	for i, d := range ds[1:] { // none burned by the refused attempt
		if d.PadID != "LON-CEN-2" || d.Number != i+1 {
			t.Errorf("destruction %d is page %d of %s, want page %d of LON-CEN-2", i+2, d.Number, d.PadID, i+1)
		}
	}
	in, err := p.centre.Receive(ctx, cclerk, office.Receipt{Wire: wire})
	if err != nil {
		t.Fatal(err)
	}
	if in, err = p.centre.Decipher(ctx, cclerk, in.ID); err != nil || !strings.Contains(in.Text, "SMALLER PAGES") {
		t.Fatalf("the Centre read %v, %v", in, err)
	}
}
