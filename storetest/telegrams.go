package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"ciphergram"
	"ciphergram/cipher"
)

func testTelegram(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	want := &ciphergram.Telegram{Direction: ciphergram.Outgoing, State: ciphergram.StateDraft, From: home, To: centre,
		Filed: day(12, 0), Prec: cipher.Flash, Mode: cipher.Historical, Classification: "TOP SECRET",
		Caveat: "Removal of copies prohibited", Text: "Строка первая.\nLine two, «quoted»\tand tabbed.\nVADIM",
		SignedBy: "VADIM", Wire: "LONDON CENTRE NR 0\n\n12345 67890\n", CreatedBy: "officer"}
	must(t, "CreateTelegram", e.st.CreateTelegram(e.ctx, want, e.audit("telegram.composed")))
	if want.ID == 0 || want.Created.IsZero() {
		t.Errorf("CreateTelegram set ID %d and Created %v; want both set", want.ID, want.Created)
	}
	checkTelegram(t, e, want)
	in := e.received(354, time.Date(1941, 4, 22, 16, 5, 0, 999999000, msk))
	if in.ID == want.ID {
		t.Errorf("two telegrams have ID %d", in.ID)
	}
	checkTelegram(t, e, in)
	_, err := e.st.Telegram(e.ctx, in.ID+1000)
	wantCode(t, "Telegram of an unknown ID", err, ciphergram.ENOTFOUND)
}

// checkTelegram compares the stored telegram with want.
func checkTelegram(t *testing.T, e *env, want *ciphergram.Telegram) {
	t.Helper()
	got, err := e.st.Telegram(e.ctx, want.ID)
	must(t, fmt.Sprintf("Telegram %d", want.ID), err)
	if diff := telegramDiff(got, want); diff != "" {
		t.Errorf("Telegram %d: %s", want.ID, diff)
	}
}

// telegramDiff names the first field where got differs from want; times are
// compared as instants, and no registry numbers as an empty list.
func telegramDiff(got, want *ciphergram.Telegram) string {
	g, w := reflect.ValueOf(*got), reflect.ValueOf(*want)
	for i := range g.NumField() {
		name, gf, wf := g.Type().Field(i).Name, g.Field(i).Interface(), w.Field(i).Interface()
		switch wv := wf.(type) {
		case time.Time:
			if !gf.(time.Time).Equal(wv) {
				return fmt.Sprintf("%s = %v, want %v", name, gf, wv)
			}
		case []int:
			if !slices.Equal(gf.([]int), wv) {
				return fmt.Sprintf("%s = %v, want %v", name, gf, wv)
			}
		default:
			if gf != wf {
				return fmt.Sprintf("%s = %#v, want %#v", name, gf, wf)
			}
		}
	}
	return ""
}

func testUpdateTelegram(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	tg := e.draft("first words", day(10, 0))
	saved := *tg

	tg.State, tg.SignedBy, tg.Text = ciphergram.StateSigned, "VADIM", "other words"
	err := e.st.UpdateTelegram(e.ctx, tg, ciphergram.StateEnciphered, ciphergram.CounterOutgoing, e.audit("telegram.signed"))
	wantCode(t, "UpdateTelegram from the wrong state", err, ciphergram.ECONFLICT)
	checkTelegram(t, e, &saved)

	tg.Nr = 0
	must(t, "UpdateTelegram", e.st.UpdateTelegram(e.ctx, tg, ciphergram.StateDraft, "", e.audit("telegram.signed")))
	checkTelegram(t, e, tg)
	saved = *tg
	tg.State, tg.Wire = ciphergram.StateEnciphered, "LONDON CENTRE NR 1"
	err = e.st.UpdateTelegram(e.ctx, tg, ciphergram.StateDraft, "", e.audit("telegram.enciphered"))
	wantCode(t, "UpdateTelegram from a state left", err, ciphergram.ECONFLICT)
	checkTelegram(t, e, &saved)
	must(t, "UpdateTelegram", e.st.UpdateTelegram(e.ctx, tg, ciphergram.StateSigned, "", e.audit("telegram.enciphered")))
	checkTelegram(t, e, tg)

	// The refused signature above did not take a number.
	next := e.draft("second", day(11, 0))
	next.State = ciphergram.StateSigned
	must(t, "UpdateTelegram", e.st.UpdateTelegram(e.ctx, next, ciphergram.StateDraft, ciphergram.CounterOutgoing, e.audit("telegram.signed")))
	if next.Nr != 1 {
		t.Errorf("the first telegram signed with a number got %d, want 1", next.Nr)
	}

	ghost := *tg
	ghost.ID += 1000
	err = e.st.UpdateTelegram(e.ctx, &ghost, ciphergram.StateEnciphered, "", e.audit("telegram.sent"))
	if c := ciphergram.ErrorCode(err); c != ciphergram.ENOTFOUND && c != ciphergram.ECONFLICT {
		t.Errorf("UpdateTelegram of an unknown ID: error code %q (%v), want %q or %q", c, err, ciphergram.ENOTFOUND, ciphergram.ECONFLICT)
	}
}

// sign signs tg with the next number of the outgoing counter and checks
// the number it gets, returned and stored.
func (e *env) sign(tg *ciphergram.Telegram, want int) {
	e.t.Helper()
	tg.State, tg.SignedBy = ciphergram.StateSigned, "VADIM"
	must(e.t, "UpdateTelegram", e.st.UpdateTelegram(e.ctx, tg, ciphergram.StateDraft, ciphergram.CounterOutgoing, e.audit("telegram.signed")))
	if tg.Nr != want {
		e.t.Errorf("telegram filed %s got number %d, want %d", tg.Filed.Format(time.DateOnly), tg.Nr, want)
	}
	checkTelegram(e.t, e, tg)
}

func testNumbering(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	newYear := time.Date(1942, 1, 2, 10, 0, 0, 0, msk)
	for n := 1; n <= 3; n++ {
		e.sign(e.draft("1941", day(10, n)), n)
	}
	e.sign(e.draft("1942", newYear), 1)
	e.sign(e.draft("1941 again", day(11, 0)), 4)
	must(t, "SetCounter", e.st.SetCounter(e.ctx, ciphergram.CounterOutgoing, 1941, 278, e.audit("counter.set")))
	must(t, "SetCounter", e.st.SetCounter(e.ctx, ciphergram.CounterRegistry, 1942, 2688, e.audit("counter.set")))
	e.sign(e.draft("after SetCounter", day(12, 0)), 278)
	e.sign(e.draft("after SetCounter", day(12, 1)), 279)
	e.sign(e.draft("1942, other counter seeded", newYear), 2)
}

func testTelegrams(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.init()
	t1 := e.draft("one", day(10, 0))
	t2 := e.received(10, day(10, 1))
	t3 := e.draft("three", day(10, 2))
	e.sign(t3, 1)
	t4 := e.received(11, day(10, 3))
	t5 := e.draft("five", day(10, 4))
	tests := []struct {
		name string
		f    ciphergram.TelegramFilter
		want []*ciphergram.Telegram
	}{
		{"All", ciphergram.TelegramFilter{}, []*ciphergram.Telegram{t5, t4, t3, t2, t1}},
		{"Outgoing", ciphergram.TelegramFilter{Direction: ciphergram.Outgoing}, []*ciphergram.Telegram{t5, t3, t1}},
		{"Incoming", ciphergram.TelegramFilter{Direction: ciphergram.Incoming}, []*ciphergram.Telegram{t4, t2}},
		{"Drafts", ciphergram.TelegramFilter{State: ciphergram.StateDraft}, []*ciphergram.Telegram{t5, t1}},
		{"Signed", ciphergram.TelegramFilter{State: ciphergram.StateSigned}, []*ciphergram.Telegram{t3}},
		{"None", ciphergram.TelegramFilter{State: ciphergram.StateRegistered}, nil},
		{"IDs", ciphergram.TelegramFilter{IDs: []int64{t1.ID, t4.ID, t2.ID, t5.ID + 1000}}, []*ciphergram.Telegram{t4, t2, t1}},
		{"Limit", ciphergram.TelegramFilter{Limit: 2}, []*ciphergram.Telegram{t5, t4}},
		{"OutgoingDraftsLimit", ciphergram.TelegramFilter{Direction: ciphergram.Outgoing, State: ciphergram.StateDraft, Limit: 1}, []*ciphergram.Telegram{t5}},
		{"IDsOutgoingLimit", ciphergram.TelegramFilter{Direction: ciphergram.Outgoing, IDs: []int64{t1.ID, t2.ID, t3.ID}, Limit: 1}, []*ciphergram.Telegram{t3}},
	}
	for _, tt := range tests {
		got, err := e.st.Telegrams(e.ctx, tt.f)
		must(t, "Telegrams "+tt.name, err)
		var gotIDs, wantIDs []int64
		for _, g := range got {
			gotIDs = append(gotIDs, g.ID)
		}
		for _, w := range tt.want {
			wantIDs = append(wantIDs, w.ID)
		}
		if !slices.Equal(gotIDs, wantIDs) {
			t.Errorf("Telegrams %s (%+v) = IDs %v, want %v", tt.name, tt.f, gotIDs, wantIDs)
			continue
		}
		for i, w := range tt.want {
			if diff := telegramDiff(got[i], w); diff != "" {
				t.Errorf("Telegrams %s: telegram %d: %s", tt.name, w.ID, diff)
			}
		}
	}
}
